//! Payload decoders beside text/JSON/hex: MessagePack, CBOR and Sparkplug B, each turned into a JSON-like tree.
//!
//! The trees are plain [`serde_json::Value`]s so the JSON views and plot paths work on them
//! unchanged. Integers stay integers, wider ones (CBOR bignums) become decimal strings; NaN and
//! infinities become `"NaN"`, `"inf"`, `"-inf"`; binary blobs become `"0x…"` hex strings (cut
//! after 256 bytes); non-string map keys become their compact JSON text. MessagePack ext types
//! become `{"ext": type, "data": "0x…"}`; CBOR tags are dropped, keeping the tagged value, and
//! CBOR undefined is null.
//!
//! MessagePack and CBOR are read by one small reader of their own rather than by `rmpv` or
//! `ciborium` (those are used in the tests to make samples): a crate's value tree has no
//! bound on the memory a 16 MiB payload of tiny items can take, and this one has.
//!
//! Hostile input fails fast: no length prefix is trusted beyond the bytes present, nor for
//! memory (an array makes room for at most 1024 items before they decode), nesting deeper
//! than 256 levels is refused, and a payload whose tree would hold more than about a
//! million values (maps and messages weigh 16) is refused before it can take gigabytes.

mod avro;
mod binary;
mod cbor;
mod encode;
mod msgpack;
mod protobuf;
pub mod rules;
mod schema;
pub mod script;
mod sparkplug;
pub mod spec;
mod tree;
mod value;

use serde_json::Value;

use sparkplug::{Msg, sparkplug, weigh_protobuf};
use tree::tree;
use value::Reader;

/// A binary payload format the inspector can show as a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decoder {
    /// MessagePack (msgpack.org).
    MsgPack,
    /// CBOR (RFC 8949).
    Cbor,
    /// Sparkplug B protobuf payloads (Eclipse Tahu `sparkplug_b.proto`).
    SparkplugB,
}

impl Decoder {
    /// Every decoder, in menu order.
    pub const ALL: [Decoder; 3] = [Self::MsgPack, Self::Cbor, Self::SparkplugB];

    /// The name shown in menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::MsgPack => "MessagePack",
            Self::Cbor => "CBOR",
            Self::SparkplugB => "Sparkplug B",
        }
    }

    /// The decoder's name in rules and on the command line (`msgpack`, `cbor`,
    /// `sparkplug`).
    pub fn spec_name(self) -> &'static str {
        match self {
            Self::MsgPack => "msgpack",
            Self::Cbor => "cbor",
            Self::SparkplugB => "sparkplug",
        }
    }

    /// Decodes `bytes`, or says in words why it cannot (e.g. "not MessagePack: unexpected end
    /// of data after 3 bytes"). Never panics; bytes left over after the value are an error.
    pub fn decode(self, bytes: &[u8]) -> Result<Value, String> {
        let mut r = Reader::new(bytes);
        let decoded = match self {
            Self::SparkplugB => {
                weigh_protobuf(&mut r, Msg::Payload, 0).and_then(|()| sparkplug(bytes))
            }
            _ => tree(&mut r, 0, self == Self::Cbor).and_then(|v| match r.left() {
                0 => Ok(v),
                n => Err(format!("{n} bytes left over after the value")),
            }),
        };
        decoded.map_err(|why| format!("not {}: {why}", self.label()))
    }
}

/// The bytes of a file a decoder names (a schema, a script), when it is at most `most`
/// bytes; why not in words, with the file's name.
pub(crate) fn read_named_file(path: &std::path::Path, most: u64) -> Result<Vec<u8>, String> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: {e}"))?
        .len();
    if size > most {
        return Err(format!(
            "{name}: {size} bytes, more than the {} MiB a schema or script may be",
            most >> 20
        ));
    }
    std::fs::read(path).map_err(|e| format!("{name}: {e}"))
}

/// Whether a topic is a Sparkplug B topic (first level exactly `spBv1.0`), the only place the
/// app tries Sparkplug on its own.
pub fn is_sparkplug_topic(topic: &str) -> bool {
    topic.split('/').next() == Some("spBv1.0")
}

/// The decoder a payload opens with: Sparkplug B under `spBv1.0/` (not the JSON
/// `spBv1.0/STATE/…` messages, not empty payloads); otherwise none. Cheap (nothing is
/// decoded here: a payload that fails says so in the view). MessagePack and CBOR are only
/// used when the user picks them: guessing them gives false positives.
pub fn default_decoder(topic: &str, bytes: &[u8]) -> Option<Decoder> {
    let state = topic.split('/').nth(1) == Some("STATE");
    (is_sparkplug_topic(topic) && !state && !bytes.is_empty()).then_some(Decoder::SparkplugB)
}

#[cfg(test)]
mod tests {
    use super::Decoder::{Cbor, MsgPack, SparkplugB};
    use super::sparkplug::tests::sample_sparkplug;
    use super::*;

    pub(super) fn hex(s: &str) -> Vec<u8> {
        let digit = |c: u8| (c as char).to_digit(16).unwrap() as u8;
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).map(digit).collect();
        digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
    }

    /// Each line of `table` is `hex bytes => expected JSON`.
    pub(super) fn check(d: Decoder, table: &str) {
        for line in table.lines().filter(|l| !l.trim().is_empty()) {
            let (bytes, want) = line.split_once("=>").unwrap();
            let want: Value = serde_json::from_str(want).unwrap();
            assert_eq!(d.decode(&hex(bytes)).unwrap(), want, "{line}");
        }
    }

    #[test]
    fn truncated_and_trailing_data_are_errors_in_words() {
        let samples = [
            (MsgPack, "82 a4 74656d70 cb 4035800000000000 a2 6f6b c3"),
            (Cbor, "a2 6161 01 6162 82 02 03"),
        ];
        for (d, sample) in samples {
            let full = hex(sample);
            for n in 0..full.len() {
                let e = d.decode(&full[..n]).unwrap_err();
                let want = format!("not {}: unexpected end of data after {n} bytes", d.label());
                assert!(e.starts_with(&want), "{e}");
            }
            let e = d.decode(&hex("01 02")).unwrap_err();
            assert_eq!(
                e,
                format!("not {}: 1 bytes left over after the value", d.label())
            );
        }
        let e = MsgPack.decode(&[0xc1]).unwrap_err();
        assert_eq!(
            e,
            "not MessagePack: byte 0xc1 at 0 is not a MessagePack type"
        );
        // Protobuf may end at any field boundary, but not inside a metric.
        let metric = hex("12 0d 0a04 54656d70 2009 65 0000ac41");
        for n in 1..metric.len() {
            let e = SparkplugB.decode(&metric[..n]).unwrap_err();
            assert!(
                e.starts_with("not Sparkplug B: ") && !e.contains("Protobuf"),
                "{e}"
            );
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mp = hex("82 a4 74656d70 cb 4035800000000000 a2 6f6b c3 ");
        let samples = [mp, hex("a2 6161 01 6162 82 02 03"), sample_sparkplug()];
        for _ in 0..2000 {
            let len = (next() % 65) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            for d in Decoder::ALL {
                let _ = d.decode(&bytes);
            }
            // Valid samples with a byte changed reach deeper paths.
            for (d, sample) in Decoder::ALL.into_iter().zip(&samples) {
                let mut bytes = sample.clone();
                let at = next() as usize % bytes.len();
                bytes[at] = next() as u8;
                let _ = d.decode(&bytes);
            }
        }
    }

    #[test]
    fn hostile_lengths_fail_fast_without_allocating() {
        let e = MsgPack.decode(&hex("dd ffffffff")).unwrap_err();
        assert_eq!(
            e,
            "not MessagePack: unexpected end of data after 5 bytes (4294967295 items claimed)"
        );
        for h in [
            "df ffffffff",
            "dc ffff 01",
            "c6 ffffffff",
            "db ffffffff 61",
            "c9 ffffffff 01",
        ] {
            assert!(MsgPack.decode(&hex(h)).is_err(), "{h}");
        }
        for h in [
            "9b ffffffffffffffff",
            "bb ffffffffffffffff",
            "5b ffffffffffffffff 00",
            "7a ffffffff 61",
        ] {
            assert!(Cbor.decode(&hex(h)).is_err(), "{h}");
        }
        // A metric claiming a 2^62-byte body.
        assert!(
            SparkplugB
                .decode(&hex("12 80808080808080808040 00"))
                .is_err()
        );
    }

    #[test]
    fn trees_too_big_to_show_are_refused_early() {
        let too_many = "more than 1048576 values, too many to show";
        let mut nulls = hex("dd 00110000");
        nulls.resize(nulls.len() + 0x110000, 0xc0);
        assert_eq!(
            MsgPack.decode(&nulls).unwrap_err(),
            format!("not MessagePack: {too_many}")
        );
        let mut maps = hex("9a 00040000");
        maps.extend([0xa1, 0xf6, 0xf6].repeat(0x40000));
        assert_eq!(
            Cbor.decode(&maps).unwrap_err(),
            format!("not CBOR: {too_many}")
        );
        // 70,000 empty metrics: two bytes each on the wire, a kilobyte each decoded.
        let metrics = [0x12, 0x00].repeat(70_000);
        assert_eq!(
            SparkplugB.decode(&metrics).unwrap_err(),
            format!("not Sparkplug B: {too_many}")
        );
        assert!(SparkplugB.decode(&metrics[..20_000]).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        for (d, byte) in [
            (MsgPack, 0x91),
            (MsgPack, 0x81),
            (Cbor, 0x81),
            (Cbor, 0x9f),
            (Cbor, 0xc6),
        ] {
            let e = d.decode(&[byte; 100_000]).unwrap_err();
            assert_eq!(
                e,
                format!("not {}: nested deeper than 256 levels", d.label())
            );
        }
        for (d, open, empty) in [(MsgPack, 0x91, 0x90), (Cbor, 0x81, 0x80)] {
            let mut ok = vec![open; 255];
            ok.push(empty);
            assert!(d.decode(&ok).is_ok(), "256 levels are fine");
        }
    }

    #[test]
    fn topics_and_default_decoder() {
        assert!(is_sparkplug_topic("spBv1.0/group/NDATA/node"));
        assert!(!is_sparkplug_topic("spBv1.0x/group/NDATA/node"));
        assert!(!is_sparkplug_topic("a/spBv1.0/b"));
        let spb = sample_sparkplug();
        assert_eq!(default_decoder("spBv1.0/g/NDATA/n", &spb), Some(SparkplugB));
        assert_eq!(default_decoder("plant/line1", &spb), None);
        assert_eq!(
            default_decoder("sensors/x", &hex("82 a1 61 01 a1 62 c3")),
            None
        );
        assert_eq!(
            default_decoder("spBv1.0/STATE/host", br#"{"online":true}"#),
            None
        );
        assert_eq!(default_decoder("spBv1.0/g/NDATA/n", &[]), None);
        assert_eq!(
            Decoder::ALL.map(Decoder::label),
            ["MessagePack", "CBOR", "Sparkplug B"]
        );
    }
}
