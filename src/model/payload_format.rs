//! Turning what the user typed into the exact bytes to publish: text, JSON, hex or base64;
//! and checking a topic name as the MQTT specification says.

use base64::Engine as _;

/// How the payload editor's text becomes bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PayloadFormat {
    /// UTF-8 text, as typed.
    #[default]
    Text,
    /// JSON, validated; sent as typed (use "format" to pretty-print first).
    Json,
    /// Hex digits, spaces and line breaks allowed (`de ad be ef`).
    Hex,
    /// Standard base64.
    Base64,
}

impl PayloadFormat {
    pub const ALL: [Self; 4] = [Self::Text, Self::Json, Self::Hex, Self::Base64];

    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Json => "JSON",
            Self::Hex => "Hex",
            Self::Base64 => "Base64",
        }
    }

    /// The bytes `text` stands for in this format, or what is wrong with it.
    pub fn encode(self, text: &str) -> Result<Vec<u8>, String> {
        match self {
            Self::Text => Ok(text.as_bytes().to_vec()),
            Self::Json => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => Ok(text.as_bytes().to_vec()),
                Err(e) => Err(format!(
                    "invalid JSON at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    json_reason(&e)
                )),
            },
            Self::Hex => {
                let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                if let Some(bad) = digits.iter().find(|b| !b.is_ascii_hexdigit()) {
                    return Err(format!("'{}' is not a hex digit", *bad as char));
                }
                if digits.len() % 2 == 1 {
                    return Err("an odd number of hex digits".into());
                }
                Ok(digits
                    .chunks(2)
                    .map(|pair| (hex_value(pair[0]) << 4) | hex_value(pair[1]))
                    .collect())
            }
            Self::Base64 => {
                let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|e| format!("invalid base64: {e}"))
            }
        }
    }
}

fn json_reason(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.find(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit
            .to_ascii_lowercase()
            .wrapping_sub(b'a')
            .wrapping_add(10),
    }
}

/// Why `topic` cannot be published to, or `Ok` (non-empty, no wildcards, no NUL,
/// at most 65,535 bytes of UTF-8).
pub fn validate_topic(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("enter a topic".into());
    }
    if topic.contains(['+', '#']) {
        return Err("a topic to publish to has no + or # (those are for subscribing)".into());
    }
    if topic.contains('\0') {
        return Err("a topic cannot contain the NUL character".into());
    }
    if topic.len() > 65_535 {
        return Err(format!(
            "a topic is at most 65,535 bytes; this one is {}",
            topic.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_give_exact_bytes() {
        assert_eq!(
            PayloadFormat::Text.encode("héllo"),
            Ok("héllo".as_bytes().to_vec())
        );
        assert_eq!(
            PayloadFormat::Hex.encode("de ad\nBE ef"),
            Ok(vec![0xde, 0xad, 0xbe, 0xef])
        );
        assert_eq!(
            PayloadFormat::Base64.encode("/wD+"),
            Ok(vec![0xff, 0x00, 0xfe])
        );
        assert_eq!(
            PayloadFormat::Json.encode("{\"a\": 1}"),
            Ok(b"{\"a\": 1}".to_vec())
        );
    }

    #[test]
    fn errors_say_where_and_why() {
        let e = PayloadFormat::Json.encode("{\n  \"a\": 1,\n}").unwrap_err();
        assert!(e.starts_with("invalid JSON at line 3, column 1"), "{e}");
        assert_eq!(
            PayloadFormat::Hex.encode("abc").unwrap_err(),
            "an odd number of hex digits"
        );
        assert_eq!(
            PayloadFormat::Hex.encode("zz").unwrap_err(),
            "'z' is not a hex digit"
        );
        assert!(PayloadFormat::Base64.encode("!!!").is_err());
    }

    #[test]
    fn topics_are_checked_as_the_spec_says() {
        assert!(validate_topic("a/b").is_ok());
        assert!(validate_topic("/a//b/").is_ok());
        assert!(validate_topic("").is_err());
        assert!(validate_topic("a/+/b").is_err());
        assert!(validate_topic("a/#").is_err());
        assert!(validate_topic(&"x".repeat(65_536)).is_err());
    }
}
