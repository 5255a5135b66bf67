//! Payloads decoded once on arrival: the bytes kept, their kind (text, JSON or binary),
//! truncation flagged; and the byte-level helpers that show them (hex, visible text,
//! pretty JSON).

use serde::de::IgnoredAny;

use super::decode::rules::Decoded;

/// What a payload is, decided once when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// Zero bytes.
    Empty,
    /// Valid UTF-8 that is not a JSON object or array.
    Text,
    /// A JSON object or array that parses (within serde_json's nesting limit).
    Json,
    /// Not valid UTF-8.
    Binary,
}

/// The bytes of one message as kept in history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The bytes kept: all of them, or the first `cap` when the payload was larger.
    bytes: Box<[u8]>,
    /// What the kept bytes are.
    kind: PayloadKind,
    /// The size the message really had on the wire, so truncation is never silent (an MQTT
    /// payload is under 256 MiB, so 32 bits hold it).
    original_len: u32,
    /// What a decoder rule made of the bytes, once, on arrival (`None`: no rule for the
    /// topic). The bytes stay: hex and text views never depend on it.
    decoded: Option<std::sync::Arc<Decoded>>,
}

impl Payload {
    /// Keeps at most `cap` bytes of `bytes` and classifies them.
    pub fn decode(bytes: &[u8], cap: usize) -> Self {
        let kept = &bytes[..bytes.len().min(cap)];
        let truncated = kept.len() < bytes.len();
        Self {
            kind: classify(kept, truncated),
            bytes: kept.into(),
            original_len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            decoded: None,
        }
    }

    /// Bytes kept earlier (e.g. read back from disk) of a payload that had `original_len`
    /// bytes on the wire, classified again.
    pub fn restored(kept: Vec<u8>, original_len: usize) -> Self {
        let truncated = kept.len() < original_len;
        Self {
            kind: classify(&kept, truncated),
            bytes: kept.into(),
            original_len: u32::try_from(original_len).unwrap_or(u32::MAX),
            decoded: None,
        }
    }

    /// What the topic's decoder rule made of the payload, if a rule is for it.
    pub fn decoded(&self) -> Option<&Decoded> {
        self.decoded.as_deref()
    }

    /// Keeps what a decoder rule made of the payload.
    pub fn set_decoded(&mut self, decoded: Option<Decoded>) {
        self.decoded = decoded.map(std::sync::Arc::new);
    }

    /// The bytes kept (see [`Payload::is_truncated`]).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn kind(&self) -> PayloadKind {
        self.kind
    }

    /// The payload's real size on the wire.
    pub fn original_len(&self) -> usize {
        self.original_len as usize
    }

    /// Whether only the first part of the payload was kept.
    pub fn is_truncated(&self) -> bool {
        self.bytes.len() < self.original_len as usize
    }

    /// The kept bytes as text when they are UTF-8 (a truncated payload may end mid-character:
    /// the complete characters are returned).
    pub fn text(&self) -> Option<&str> {
        match std::str::from_utf8(&self.bytes) {
            Ok(s) => Some(s),
            Err(e) if self.is_truncated() && e.error_len().is_none() => {
                std::str::from_utf8(&self.bytes[..e.valid_up_to()]).ok()
            }
            Err(_) => None,
        }
    }

    /// A one-line preview of at most `max_chars` characters: control, direction and
    /// zero-width characters (see [`visible_text`]) shown as `·`, binary payloads as hex,
    /// and what a decoder rule made of the payload in its place (compact JSON). Looks only
    /// at the bytes it shows (the kind was found once, on arrival), so a 16 MiB payload
    /// costs what a short one does, every frame.
    pub fn preview(&self, max_chars: usize) -> String {
        if let Some(Ok(text)) = self.decoded().map(|d| &d.result) {
            return text_preview(text.as_bytes(), max_chars, false);
        }
        if self.kind == PayloadKind::Binary {
            let n = (max_chars / 3).max(1);
            let mut out = hex_bytes(&self.bytes[..self.bytes.len().min(n)]);
            if self.bytes.len() > n || self.is_truncated() {
                out.push('…');
            }
            return out;
        }
        text_preview(&self.bytes, max_chars, self.is_truncated())
    }
}

/// At most `max_chars` characters of the text in `bytes`, invisible ones as `·`, and `…`
/// when there is more (or the text was `truncated`).
fn text_preview(bytes: &[u8], max_chars: usize, truncated: bool) -> String {
    // A character is at most 4 bytes: this much holds `max_chars` and one more.
    let head = &bytes[..bytes.len().min(max_chars.saturating_add(1) * 4)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // Cut inside a character (the payload is text, so only at the end).
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    let mut chars = text.chars();
    let mut out: String = chars
        .by_ref()
        .take(max_chars)
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                '·'
            } else {
                c
            }
        })
        .collect();
    // `head` holds at least `max_chars + 1` whole characters when it was cut short.
    if chars.next().is_some() || truncated {
        out.push('…');
    }
    out
}

/// Right-to-left and other direction controls that would reorder the row they sit in.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing or change how the rest is drawn: control characters (but
/// line breaks and tabs), direction controls, zero-width characters and the BOM.
fn is_invisible(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || is_bidi_control(c)
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// `bytes` as text a person can read: invalid UTF-8 as `\xNN`, invisible characters
/// (control, direction, zero-width) as `\u{NN}`, everything else as it is.
pub fn visible_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(is_invisible)
    {
        return text.into();
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_invisible(c) {
                out.push_str(&format!("\\u{{{:X}}}", c as u32));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out.into()
}

fn classify(bytes: &[u8], truncated: bool) -> PayloadKind {
    if bytes.is_empty() {
        return PayloadKind::Empty;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let first = text.trim_start().as_bytes().first();
            if !truncated
                && matches!(first, Some(b'{' | b'['))
                && serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
            {
                PayloadKind::Json
            } else {
                PayloadKind::Text
            }
        }
        // A cut in the middle of a character is still text.
        Err(e) if truncated && e.error_len().is_none() => PayloadKind::Text,
        Err(_) => PayloadKind::Binary,
    }
}

/// `de ad be ef`: bytes as space-separated lowercase hex.
pub fn hex_bytes(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A classic hex dump: offset, 16 bytes in hex, and their printable ASCII.
pub fn hex_dump(bytes: &[u8]) -> String {
    hex_dump_rows(bytes, 16)
}

/// Characters of a [`hex_dump_rows`] line of `per_row` bytes: offset, hex with a gap
/// after each eight, and the ASCII column.
pub fn hex_row_chars(per_row: usize) -> usize {
    10 + per_row * 3 + per_row / 8 + 1 + per_row
}

/// A hex dump of `per_row` bytes a line (16, 8 or 4: as many as a narrow view shows
/// whole, ASCII column included).
pub fn hex_dump_rows(bytes: &[u8], per_row: usize) -> String {
    use std::fmt::Write;
    let per_row = per_row.max(1);
    let mut out = String::with_capacity(bytes.len() / per_row * (hex_row_chars(per_row) + 1) + 80);
    for (row, chunk) in bytes.chunks(per_row).enumerate() {
        let _ = write!(out, "{:08x}  ", row * per_row);
        for i in 0..per_row {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if i % 8 == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

/// Pretty-printed JSON, or why it is not JSON. Nesting deeper than serde_json's limit
/// (128) is refused with a message rather than overflowing the stack.
pub fn pretty_json(text: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_escapes_what_would_not_show() {
        assert_eq!(visible_text(b"plain\ttext\n"), "plain\ttext\n");
        assert_eq!(visible_text(&[b'a', 0xff, 0xc3, 0x28]), "a\\xFF\\xC3(");
        assert_eq!(
            visible_text("bell\u{7} rtl\u{202e}x zw\u{200b} bom\u{feff}".as_bytes()),
            "bell\\u{7} rtl\\u{202E}x zw\\u{200B} bom\\u{FEFF}"
        );
        assert_eq!(visible_text("21.5 °C ✓ 日本".as_bytes()), "21.5 °C ✓ 日本");
        // The one-line preview hides the same characters, as dots.
        let p = Payload::decode("a\u{200b}b\u{feff}c\u{202e}d\ne".as_bytes(), 99);
        assert_eq!(p.preview(20), "a·b·c·d·e");
    }

    #[test]
    fn kinds() {
        assert_eq!(Payload::decode(b"", 10).kind(), PayloadKind::Empty);
        assert_eq!(Payload::decode(b"21.5", 10).kind(), PayloadKind::Text);
        assert_eq!(Payload::decode(b" {\"a\":1}", 10).kind(), PayloadKind::Json);
        assert_eq!(Payload::decode(b"[1,2]", 10).kind(), PayloadKind::Json);
        assert_eq!(Payload::decode(b"{oops", 10).kind(), PayloadKind::Text);
        assert_eq!(
            Payload::decode(&[0xff, 0xfe, 0], 10).kind(),
            PayloadKind::Binary
        );
    }

    #[test]
    fn truncation_is_flagged_with_the_real_size() {
        let p = Payload::decode(&[b'x'; 100], 10);
        assert!(p.is_truncated());
        assert_eq!(p.bytes().len(), 10);
        assert_eq!(p.original_len(), 100);
        assert!(p.preview(40).ends_with('…'));
        let whole = Payload::decode(&[b'x'; 10], 10);
        assert!(!whole.is_truncated());
    }

    #[test]
    fn truncation_inside_a_character_stays_text() {
        let text = "ééééé".as_bytes(); // 2 bytes each
        let p = Payload::decode(text, 5);
        assert_eq!(p.kind(), PayloadKind::Text);
        assert_eq!(p.text(), Some("éé"));
    }

    #[test]
    fn deep_json_is_classified_without_overflow_and_not_pretty_printed() {
        // Valid JSON 100,000 levels deep: classifying it does not recurse, and pretty
        // printing refuses it (serde_json's nesting limit) instead of overflowing the stack.
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let p = Payload::decode(deep.as_bytes(), usize::MAX);
        assert_eq!(p.kind(), PayloadKind::Json);
        let err = pretty_json(&deep).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
    }

    #[test]
    fn previews_hide_controls_and_show_binary_as_hex() {
        let p = Payload::decode("a\nb\u{202E}c".as_bytes(), 100);
        assert_eq!(p.preview(40), "a·b·c");
        let b = Payload::decode(&[0xde, 0xad, 0xbe, 0xef], 100);
        assert_eq!(b.preview(40), "de ad be ef");
        assert_eq!(Payload::decode(b"abcdef", 100).preview(3), "abc…");
        assert_eq!(Payload::decode(b"abc", 100).preview(3), "abc");
    }

    #[test]
    fn previews_read_only_the_head_of_a_large_payload() {
        // Four-byte characters, so the head is cut inside one.
        let big = "😀".repeat(4 << 20);
        let p = Payload::decode(big.as_bytes(), usize::MAX);
        assert_eq!(p.preview(5), "😀😀😀😀😀…");
        let exact = Payload::decode("é😀é".as_bytes(), 100);
        assert_eq!(exact.preview(3), "é😀é");
        assert_eq!(exact.preview(2), "é😀…");
        // A truncated payload cut inside a character is still text.
        let cut = Payload::decode("ab😀".as_bytes(), 4);
        assert!(cut.is_truncated());
        assert_eq!(cut.preview(10), "ab…");
    }

    #[test]
    fn narrow_hex_dumps_keep_their_ascii_column() {
        for per_row in [4, 8, 16] {
            let dump = hex_dump_rows(b"0123456789abcdefXY", per_row);
            for line in dump.lines() {
                assert!(line.chars().count() <= hex_row_chars(per_row), "{line:?}");
            }
            let first = dump.lines().next().unwrap();
            assert!(first.ends_with(&"0123456789abcdef"[..per_row]), "{first:?}");
        }
        let eight = hex_dump_rows(b"0123456789", 8);
        assert!(eight.lines().nth(1).unwrap().starts_with("00000008  38 39"));
    }

    #[test]
    fn hex_dump_layout() {
        let dump = hex_dump(b"0123456789abcdefXY");
        let lines: Vec<_> = dump.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("00000000  30 31"));
        assert!(lines[0].ends_with("0123456789abcdef"));
        assert!(lines[1].starts_with("00000010  58 59"));
    }

    #[test]
    fn pretty_json_indents() {
        assert_eq!(
            pretty_json("{\"a\":[1]}").as_deref(),
            Ok("{\n  \"a\": [\n    1\n  ]\n}")
        );
    }
}
