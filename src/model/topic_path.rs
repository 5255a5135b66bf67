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
