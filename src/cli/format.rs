//! How `mqscope sub` prints a message: its JSON line (the default), `-v` (topic and
//! payload) or `-F FORMAT` with mosquitto_sub's codes, each line ending in a newline
//! unless `-N`.

use std::fmt::Write as _;

use chrono::TimeZone as _;

use crate::model::Incoming;

/// One piece of a `-F` format.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// A `%` code.
    Code(char),
}

/// The codes `-F` knows, with what each prints (for the error on an unknown one).
pub const CODES: &str = "%t topic, %p payload, %x/%X payload in hex, %l payload length, \
%q QoS, %r retain (0/1), %m message id (0 at QoS 0), %I received time (ISO 8601), \
%U received time (Unix seconds), %j the JSON line, %S subscription identifier, \
%A topic alias, %C content type, %E message expiry, %F payload format, %R response topic, \
%D correlation data, %P user properties, %% a percent sign; \\n \\t \\r \\0 \\e \\\\ escapes";

/// A parsed `-F` format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format(Vec<Piece>);

/// Why a `-F` format cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("-F: unknown code %{0} (known: {CODES})")]
    Unknown(char),
    #[error("-F: the format ends in a lone %")]
    Dangling,
}

impl Format {
    /// Parses a format: `%` codes, `\` escapes, anything else as it is.
    pub fn parse(s: &str) -> Result<Self, FormatError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '%' => {
                    let code = chars.next().ok_or(FormatError::Dangling)?;
                    if code == '%' {
                        text.push('%');
                        continue;
                    }
                    if !"tpxXlqrmIUjSACEFRDP".contains(code) {
                        return Err(FormatError::Unknown(code));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Code(code));
                }
                '\\' => match chars.next() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some('0') => text.push('\0'),
                    Some('e') => text.push('\x1b'),
                    Some('a') => text.push('\x07'),
                    Some('v') => text.push('\x0b'),
                    Some('\\') => text.push('\\'),
                    Some(other) => {
                        text.push('\\');
                        text.push(other);
                    }
                    None => text.push('\\'),
                },
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Self(pieces))
    }

    /// Appends `m` as this format says to `out` (raw bytes: `%p` is the payload as sent).
    pub fn write(&self, m: &Incoming, out: &mut Vec<u8>) {
        let msg = &m.message;
        let props = msg.properties.as_deref();
        let mut s = String::new();
        for piece in &self.0 {
            s.clear();
            match piece {
                Piece::Text(t) => s.push_str(t),
                Piece::Code('t') => s.push_str(&m.topic),
                Piece::Code('p') => out.extend_from_slice(msg.payload.bytes()),
                Piece::Code(c @ ('x' | 'X')) => {
                    for b in msg.payload.bytes() {
                        let _ = if *c == 'x' {
                            write!(s, "{b:02x}")
                        } else {
                            write!(s, "{b:02X}")
                        };
                    }
                }
                Piece::Code('l') => {
                    let _ = write!(s, "{}", msg.payload.original_len());
                }
                Piece::Code('q') => {
                    let _ = write!(s, "{}", msg.qos.as_u8());
                }
                Piece::Code('r') => s.push(if msg.retain { '1' } else { '0' }),
                Piece::Code('m') => {
                    let _ = write!(s, "{}", msg.pkid);
                }
                Piece::Code('I') => s.push_str(&local_time(msg.received_at_us)),
                Piece::Code('U') => {
                    let us = msg.received_at_us;
                    let _ = write!(
                        s,
                        "{}.{:06}",
                        us.div_euclid(1_000_000),
                        us.rem_euclid(1_000_000)
                    );
                }
                Piece::Code('j') => s.push_str(&super::sub::message_json(m).to_string()),
                Piece::Code(code) => property(*code, props, &mut s, out),
            }
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// The MQTT 5 property codes; nothing when the message has none.
fn property(
    code: char,
    props: Option<&crate::model::Properties>,
    s: &mut String,
    out: &mut Vec<u8>,
) {
    let Some(p) = props else {
        return;
    };
    let _ = match code {
        'S' => {
            let ids: Vec<String> = p
                .subscription_identifiers
                .iter()
                .map(usize::to_string)
                .collect();
            write!(s, "{}", ids.join(","))
        }
        'A' => p.topic_alias.map_or(Ok(()), |a| write!(s, "{a}")),
        'C' => p.content_type.as_ref().map_or(Ok(()), |c| write!(s, "{c}")),
        'E' => p
            .message_expiry_interval
            .map_or(Ok(()), |e| write!(s, "{e}")),
        'F' => p
            .payload_format_indicator
            .map_or(Ok(()), |f| write!(s, "{f}")),
        'R' => p
            .response_topic
            .as_ref()
            .map_or(Ok(()), |r| write!(s, "{r}")),
        'D' => {
            out.extend_from_slice(p.correlation_data.as_deref().unwrap_or_default());
            Ok(())
        }
        'P' => {
            let pairs: Vec<String> = p
                .user_properties
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect();
            write!(s, "{}", pairs.join(" "))
        }
        _ => Ok(()),
    };
}

/// `2016-08-10T09:47:38+0100`: the receive time in the local zone, as mosquitto_sub's %I.
pub(super) fn local_time(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    match chrono::Local.timestamp_opt(secs, 0) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%Y-%m-%dT%H:%M:%S%z").to_string()
        }
        chrono::LocalResult::None => String::new(),
    }
}

/// How `sub` prints each message.
#[derive(Clone, Debug)]
pub enum Output {
    /// One JSON object (with what decoders made of the payload).
    Json,
    /// `-v`: the topic, a space, the payload (`(null)` for an empty one).
    Verbose,
    /// `-F`.
    Format(Format),
}

impl Output {
    /// `m` as one output record, ending in a newline when `eol`.
    pub fn record(&self, m: &Incoming, eol: bool) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::Json => out.extend_from_slice(super::sub::decoded_json(m).to_string().as_bytes()),
            Self::Verbose => {
                out.extend_from_slice(m.topic.as_bytes());
                let payload = m.message.payload.bytes();
                if payload.is_empty() {
                    out.extend_from_slice(b" (null)");
                } else {
                    out.push(b' ');
                    out.extend_from_slice(payload);
                }
            }
            Self::Format(f) => f.write(m, &mut out),
        }
        if eol {
            out.push(b'\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, Payload, Properties, QoS};

    fn message(payload: &[u8]) -> Incoming {
        Incoming {
            topic: "plant/7".into(),
            message: Message {
                received_at_us: 1_700_000_000_123_456,
                qos: QoS::AtLeastOnce,
                retain: true,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, 1 << 20),
                properties: Some(Box::new(Properties {
                    subscription_identifiers: vec![2, 5],
                    user_properties: vec![("site".into(), "b".into())],
                    content_type: Some("text/plain".into()),
                    ..Properties::default()
                })),
            },
        }
    }

    fn printed(format: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Format::parse(format)
            .unwrap()
            .write(&message(payload), &mut out);
        out
    }

    #[test]
    fn the_codes_print_what_mosquitto_sub_prints() {
        assert_eq!(printed("%t %q %r %l: %p", b"21.5"), b"plant/7 1 1 4: 21.5");
        assert_eq!(printed("%x|%X", &[0xab, 0x01]), b"ab01|AB01");
        assert_eq!(printed("%U", b""), b"1700000000.123456");
        assert_eq!(printed("100%%\\t%S\\n", b""), b"100%\t2,5\n");
        assert_eq!(printed("%C %P", b""), b"text/plain site:b");
        // Raw bytes stay raw: a binary payload is not re-encoded.
        assert_eq!(printed("%p", &[0xff, 0x00]), [0xff, 0x00]);
        let iso = String::from_utf8(printed("%I", b"")).unwrap();
        assert!(iso.starts_with("2023-11-1") && iso.len() == 24, "{iso}");
        let json: serde_json::Value = serde_json::from_slice(&printed("%j", b"{}")).unwrap();
        assert_eq!(json["topic"], "plant/7");
    }

    #[test]
    fn an_unknown_code_is_named_with_the_known_ones() {
        let e = Format::parse("%t %w").unwrap_err();
        assert_eq!(e, FormatError::Unknown('w'));
        assert!(e.to_string().contains("%t topic"));
        assert_eq!(Format::parse("50%").unwrap_err(), FormatError::Dangling);
    }

    #[test]
    fn verbose_and_no_newline() {
        let m = message(b"on");
        assert_eq!(Output::Verbose.record(&m, true), b"plant/7 on\n");
        assert_eq!(
            Output::Verbose.record(&message(b""), false),
            b"plant/7 (null)"
        );
    }
}
