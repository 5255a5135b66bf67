//! Topic names and filters: split into levels exactly as sent, and MQTT wildcard matching.

/// The levels of a topic name, kept exactly: `a//b` has an empty middle level, `/a` an
/// empty first level, and `$SYS/x` keeps its `$`.
pub fn levels(topic: &str) -> std::str::Split<'_, char> {
    topic.split('/')
}

/// Whether `topic` matches the MQTT subscription `filter` (`+` one level, `#` the rest).
///
/// As the specification says, a filter starting with a wildcard does not match topics
/// whose first level starts with `$`.
pub fn matches_filter(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut topic_levels = levels(topic);
    for f in levels(filter) {
        match f {
            "#" => return true,
            "+" => {
                if topic_levels.next().is_none() {
                    return false;
                }
            }
            exact => match topic_levels.next() {
                Some(t) if t == exact => {}
                _ => return false,
            },
        }
    }
    topic_levels.next().is_none()
}

/// Level names in natural order: digit runs compare by value, so `sensor2` comes before
/// `sensor10`; everything else compares by bytes. A total order (equal only for equal
/// names: `a01` and `a1` are told apart by their bytes), so it can keep a sorted list.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let run = |s: &[u8], mut k: usize| {
                while k < s.len() && s[k] == b'0' {
                    k += 1;
                }
                let start = k;
                while k < s.len() && s[k].is_ascii_digit() {
                    k += 1;
                }
                (start, k)
            };
            let ((xs, xe), (ys, ye)) = (run(x, i), run(y, j));
            // Without leading zeros, a longer run is a bigger number.
            let by_value = (xe - xs)
                .cmp(&(ye - ys))
                .then_with(|| x[xs..xe].cmp(&y[ys..ye]));
            if by_value != Ordering::Equal {
                return by_value;
            }
            (i, j) = (xe, ye);
        } else {
            // A digit run sorts as its first character ('0'..'9') would against others.
            let (cx, cy) = (class(x[i]), class(y[j]));
            if cx != cy {
                return cx.cmp(&cy);
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i)
        .min(1)
        .cmp(&(y.len() - j).min(1))
        .then_with(|| x.cmp(y))
}

/// The byte a character sorts by in [`natural_cmp`]: every digit counts as `'0'`.
fn class(b: u8) -> u8 {
    if b.is_ascii_digit() { b'0' } else { b }
}

/// Why a subscription filter is not valid, in words for the user.
pub fn validate_filter(filter: &str) -> Result<(), String> {
    if filter.is_empty() {
        return Err("a filter cannot be empty".into());
    }
    if filter.len() > 65_535 {
        return Err("a filter is at most 65,535 bytes".into());
    }
    let count = levels(filter).count();
    for (i, level) in levels(filter).enumerate() {
        if level.contains('#') && (level != "#" || i + 1 != count) {
            return Err("'#' must be a whole level and the last one".into());
        }
        if level.contains('+') && level != "+" {
            return Err("'+' must be a whole level".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_reads_numbers_as_numbers() {
        let mut names = vec![
            "sensor10", "sensor2", "sensor1", "Sensor3", "sensor", "sensor02", "a", "", "10", "9",
            "x-1", "x.1", "x1", "sensor2b", "sensor2a", "é", "z",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "", "9", "10", "Sensor3", "a", "sensor", "sensor1", "sensor02", "sensor2",
                "sensor2a", "sensor2b", "sensor10", "x-1", "x.1", "x1", "z", "é"
            ]
        );
        // A total order: equal only for the same name, and consistent both ways.
        for a in &names {
            for b in &names {
                assert_eq!(natural_cmp(a, b), natural_cmp(b, a).reverse(), "{a} {b}");
                assert_eq!(natural_cmp(a, b) == std::cmp::Ordering::Equal, a == b);
            }
        }
        let big = "n99999999999999999999999999";
        assert_eq!(
            natural_cmp(big, "n100000000000000000000000000"),
            std::cmp::Ordering::Less
        );
    }

    #[test]
    fn levels_are_exact() {
        assert_eq!(levels("a//b").collect::<Vec<_>>(), ["a", "", "b"]);
        assert_eq!(levels("/a").collect::<Vec<_>>(), ["", "a"]);
        assert_eq!(levels("a/").collect::<Vec<_>>(), ["a", ""]);
        assert_eq!(levels("$SYS/x").collect::<Vec<_>>(), ["$SYS", "x"]);
    }

    #[test]
    fn filters_match_as_the_spec_says() {
        assert!(matches_filter("#", "a/b"));
        assert!(matches_filter("a/#", "a"));
        assert!(matches_filter("a/#", "a/b/c"));
        assert!(matches_filter("a/+/c", "a/b/c"));
        assert!(matches_filter("a/+/c", "a//c"));
        assert!(!matches_filter("a/+/c", "a/b/d"));
        assert!(!matches_filter("a/+", "a/b/c"));
        assert!(matches_filter("+/+", "/a"));
        assert!(!matches_filter("#", "$SYS/broker"));
        assert!(!matches_filter("+/broker", "$SYS/broker"));
        assert!(matches_filter("$SYS/#", "$SYS/broker/uptime"));
    }

    #[test]
    fn filter_validation() {
        assert!(validate_filter("a/+/b/#").is_ok());
        assert!(validate_filter("a/#/b").is_err());
        assert!(validate_filter("a/b#").is_err());
        assert!(validate_filter("a+/b").is_err());
        assert!(validate_filter("").is_err());
    }
}
