//! Numbers read from payload text and JSON values: `21.5`, `50%`, `true`, `"17 °C"`.

use serde_json::Value;

/// Reads a payload's text as a number: `21.5`, ` 42 `, `-1e3`, `true`/`false` (1/0), and a
/// leading number followed by a unit (`21.5 °C`, `50%`, `12V`). Returns non-finite values
/// (`NaN`, `inf`, `1e999`) as they are, so the caller can count and skip them. Rejects text
/// that only starts like a number (`1.2.3`, `2024-01-01`, `12:30`, `0x1F`, `3 4`).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        return Some(1.0);
    }
    if t.eq_ignore_ascii_case("false") {
        return Some(0.0);
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    let negative = t.starts_with('-');
    for word in ["nan", "infinity", "inf"] {
        if unsigned.eq_ignore_ascii_case(word) {
            return Some(match (word, negative) {
                ("nan", _) => f64::NAN,
                (_, true) => f64::NEG_INFINITY,
                (_, false) => f64::INFINITY,
            });
        }
    }
    let end = number_prefix_len(t);
    if end == 0 {
        return None;
    }
    let (number, rest) = t.split_at(end);
    if !unit_ok(rest) {
        return None;
    }
    number.parse::<f64>().ok()
}

/// Length of the longest prefix of `s` that is a decimal number (sign, digits, fraction,
/// exponent); 0 when there is none.
fn number_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        let mut j = i + 1;
        let fraction = digits(&mut j);
        if mantissa + fraction > 0 {
            mantissa += fraction;
            i = j;
        }
    }
    if mantissa == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        if digits(&mut j) > 0 {
            i = j;
        }
    }
    i
}

/// Whether what follows a number is nothing or reads as a unit.
fn unit_ok(rest: &str) -> bool {
    let Some(first) = rest.chars().next() else {
        return true;
    };
    if first.is_whitespace() {
        // `21.5 °C` yes, `3 4` or `21.5 -` no.
        let unit = rest.trim_start();
        return unit
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || "%°µ\"'$€£".contains(c))
            && !unit.chars().any(|c| c.is_ascii_digit());
    }
    // Attached: `50%`, `12V`, `5kW`; but not `1.2.3`, `2024-01-01`, `12:30`, `0x1F`.
    (first.is_alphabetic() || "%°µ".contains(first)) && !rest.chars().any(|c| c.is_ascii_digit())
}

/// The number a JSON value stands for: numbers, booleans (1/0) and numeric strings.
pub fn json_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_every_accepted_form() {
        for (text, want) in [
            ("21.5", 21.5),
            (" 42 ", 42.0),
            ("-1e3", -1000.0),
            ("+7", 7.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("true", 1.0),
            ("FALSE", 0.0),
            ("21.5 °C", 21.5),
            ("52.8 %", 52.8),
            ("50%", 50.0),
            ("12V", 12.0),
            ("5kW", 5.0),
            ("1013 hPa", 1013.0),
            ("\n-0.25\r\n", -0.25),
        ] {
            assert_eq!(parse_number(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn text_that_only_starts_like_a_number_is_rejected() {
        for text in [
            "",
            " ",
            "abc",
            "ON",
            "-",
            ".",
            "e5",
            "1.2.3",
            "2024-01-01",
            "12:30",
            "0x1F",
            "3 4",
            "21.5 -",
            "192.168.1.1",
            "1,5",
            "12abc3",
            "[1]",
            "{\"a\":1}",
        ] {
            assert_eq!(parse_number(text), None, "{text:?}");
        }
    }

    #[test]
    fn non_finite_values_come_back_as_they_are() {
        assert!(parse_number("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_number("inf"), Some(f64::INFINITY));
        assert_eq!(parse_number("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number("1e999"), Some(f64::INFINITY));
    }
}
