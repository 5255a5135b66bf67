//! The other way round: a JSON value encoded by a decoder's format, then its pre-steps
//! applied in reverse (`mqscope pub --encode`): Protobuf from the user's schema,
//! MessagePack, CBOR, typed binary, JSON (checked against a schema), text, or a script's
//! `encode(value)`; then zstd, deflate, zlib, gzip, hex or base64 as asked.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::Value;

use super::Decoder;
use super::spec::{Binary, DecoderSpec, Format, Number, PreStep};

impl DecoderSpec {
    /// `value` as the bytes this decoder reads back as `value`; why not in words.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        let mut bytes = match &self.format {
            Format::Json => value.to_string().into_bytes(),
            Format::JsonSchema(schema) => {
                if let Some(first) = schema.errors(value).first() {
                    return Err(format!("the value fails the schema: {first}"));
                }
                value.to_string().into_bytes()
            }
            Format::Text | Format::Xml => match value {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            },
            Format::Tree(Decoder::MsgPack) => {
                let mut out = Vec::new();
                msgpack(value, &mut out);
                out
            }
            Format::Tree(Decoder::Cbor) => {
                let mut out = Vec::new();
                cbor(value, &mut out);
                out
            }
            Format::Tree(Decoder::SparkplugB) => {
                return Err("Sparkplug B payloads are not encoded here".into());
            }
            Format::Binary(b) => binary(*b, value)?,
            Format::Protobuf(p) => p.encode(value)?,
            Format::Script(s) => s.encode(value)?,
            Format::Avro(a) => a.encode(value)?,
        };
        for step in self.steps.iter().rev() {
            bytes = step.undo(&bytes)?;
        }
        Ok(bytes)
    }
}

impl PreStep {
    /// The encoding this step removes, applied.
    fn undo(self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let level = flate2::Compression::default();
        let io = |e: std::io::Error| format!("compressing: {e}");
        Ok(match self {
            Self::Base64 => base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into_bytes(),
            Self::Hex => bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
            Self::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
                e.write_all(bytes).map_err(io)?;
                e.finish().map_err(io)?
            }
            Self::Zlib => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
                e.write_all(bytes).map_err(io)?;
                e.finish().map_err(io)?
            }
            Self::Deflate => {
                let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
                e.write_all(bytes).map_err(io)?;
                e.finish().map_err(io)?
            }
            Self::Zstd => ruzstd::encoding::compress_to_vec(
                bytes,
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        })
    }
}

/// Numbers as typed binary: one, or an array of them.
fn binary(b: Binary, value: &Value) -> Result<Vec<u8>, String> {
    let one = |v: &Value| -> Result<Vec<u8>, String> {
        let f = v.as_f64().ok_or_else(|| format!("{v} is not a number"))?;
        let int = |lo: f64, hi: f64| {
            (f.fract() == 0.0 && f >= lo && f <= hi)
                .then_some(f)
                .ok_or_else(|| format!("{v} does not fit"))
        };
        let mut out = match b.number {
            Number::I8 => (int(-128.0, 127.0)? as i8).to_le_bytes().to_vec(),
            Number::U8 => (int(0.0, 255.0)? as u8).to_le_bytes().to_vec(),
            Number::I16 => (int(-32768.0, 32767.0)? as i16).to_le_bytes().to_vec(),
            Number::U16 => (int(0.0, 65535.0)? as u16).to_le_bytes().to_vec(),
            Number::I32 => (int(-2147483648.0, 2147483647.0)? as i32)
                .to_le_bytes()
                .to_vec(),
            Number::U32 => (int(0.0, 4294967295.0)? as u32).to_le_bytes().to_vec(),
            Number::I64 => match v.as_i64() {
                Some(i) => i.to_le_bytes().to_vec(),
                None => return Err(format!("{v} does not fit")),
            },
            Number::U64 => match v.as_u64() {
                Some(u) => u.to_le_bytes().to_vec(),
                None => return Err(format!("{v} does not fit")),
            },
            Number::F32 => (f as f32).to_le_bytes().to_vec(),
            Number::F64 => f.to_le_bytes().to_vec(),
        };
        if b.big_endian {
            out.reverse();
        }
        Ok(out)
    };
    match (b.array, value) {
        (true, Value::Array(items)) => Ok(items
            .iter()
            .map(one)
            .collect::<Result<Vec<_>, _>>()?
            .concat()),
        (true, other) => Err(format!("{other} is not an array of numbers")),
        (false, v) => one(v),
    }
}

/// MessagePack of a JSON value (the smallest form of each number and length).
fn msgpack(v: &Value, out: &mut Vec<u8>) {
    let len = |out: &mut Vec<u8>, n: usize, fix: u8, fix_max: usize, m16: u8, m32: u8| {
        if n <= fix_max {
            out.push(fix | n as u8);
        } else if n <= 0xffff {
            out.push(m16);
            out.extend((n as u16).to_be_bytes());
        } else {
            out.push(m32);
            out.extend((n as u32).to_be_bytes());
        }
    };
    match v {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                match u {
                    0..=0x7f => out.push(u as u8),
                    0x80..=0xff => out.extend([0xcc, u as u8]),
                    0x100..=0xffff => {
                        out.push(0xcd);
                        out.extend((u as u16).to_be_bytes());
                    }
                    0x1_0000..=0xffff_ffff => {
                        out.push(0xce);
                        out.extend((u as u32).to_be_bytes());
                    }
                    _ => {
                        out.push(0xcf);
                        out.extend(u.to_be_bytes());
                    }
                }
            } else if let Some(i) = n.as_i64() {
                if i >= -32 {
                    out.push(i as i8 as u8);
                } else {
                    out.push(0xd3);
                    out.extend(i.to_be_bytes());
                }
            } else {
                out.push(0xcb);
                out.extend(n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
            }
        }
        Value::String(s) => {
            if s.len() <= 31 {
                out.push(0xa0 | s.len() as u8);
            } else if s.len() <= 0xff {
                out.extend([0xd9, s.len() as u8]);
            } else {
                len(out, s.len(), 0, 0, 0xda, 0xdb);
            }
            out.extend(s.as_bytes());
        }
        Value::Array(items) => {
            len(out, items.len(), 0x90, 15, 0xdc, 0xdd);
            for item in items {
                msgpack(item, out);
            }
        }
        Value::Object(map) => {
            len(out, map.len(), 0x80, 15, 0xde, 0xdf);
            for (k, item) in map {
                msgpack(&Value::String(k.clone()), out);
                msgpack(item, out);
            }
        }
    }
}

/// CBOR of a JSON value (RFC 8949, definite lengths, the smallest form of each head).
fn cbor(v: &Value, out: &mut Vec<u8>) {
    let head = |out: &mut Vec<u8>, major: u8, n: u64| {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
            _ => {
                out.push(m | 27);
                out.extend(n.to_be_bytes());
            }
        }
    };
    match v {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                head(out, 0, u);
            } else if let Some(i) = n.as_i64() {
                head(out, 1, (-1 - i) as u64);
            } else {
                out.push(0xfb);
                out.extend(n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
            }
        }
        Value::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            for item in items {
                cbor(item, out);
            }
        }
        Value::Object(map) => {
            head(out, 5, map.len() as u64);
            for (k, item) in map {
                head(out, 3, k.len() as u64);
                out.extend(k.as_bytes());
                cbor(item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec(s: &str) -> DecoderSpec {
        s.parse().unwrap()
    }

    #[test]
    fn what_is_encoded_decodes_back_to_the_same_value() {
        let doc = json!({"temp": 21.5, "n": -300, "big": 5_000_000_000u64, "ok": true,
            "tags": ["a", "温室"], "none": null, "nested": {"x": [1, 2, 3]}});
        for name in [
            "json",
            "msgpack",
            "cbor",
            "base64+gzip+json",
            "hex+zlib+msgpack",
            "zstd+cbor",
            "deflate+json",
            "base64+zstd+msgpack",
        ] {
            let s = spec(name);
            let bytes = s.encode(&doc).unwrap();
            assert_eq!(s.decode(&bytes).unwrap(), doc, "{name}");
        }
        let s = spec("binary:i16be[]");
        let bytes = s.encode(&json!([1, -2, 300])).unwrap();
        assert_eq!(bytes, [0, 1, 0xff, 0xfe, 0x01, 0x2c]);
        assert_eq!(s.decode(&bytes).unwrap(), json!([1, -2, 300]));
        assert_eq!(
            spec("binary:f32le").encode(&json!(1.5)).unwrap(),
            1.5f32.to_le_bytes()
        );
        assert!(
            spec("binary:u8")
                .encode(&json!(300))
                .unwrap_err()
                .contains("does not fit")
        );
        assert!(spec("binary:u8[]").encode(&json!(3)).is_err());
        assert_eq!(spec("text").encode(&json!("hi")).unwrap(), b"hi");
    }

    #[test]
    fn independent_decoders_read_what_is_encoded() {
        let doc = json!({"level": 7, "name": "pump", "vals": [1.5, -2]});
        let mp = spec("msgpack").encode(&doc).unwrap();
        let v = rmpv::decode::read_value(&mut mp.as_slice()).unwrap();
        assert_eq!(v["level"].as_u64(), Some(7));
        assert_eq!(v["name"].as_str(), Some("pump"));
        let cb = spec("cbor").encode(&doc).unwrap();
        let v: ciborium::Value = ciborium::from_reader(cb.as_slice()).unwrap();
        let map = v.as_map().unwrap();
        assert_eq!(map.len(), 3);
        assert!(
            map.iter()
                .any(|(k, v)| k.as_text() == Some("level") && v.as_integer() == Some(7.into()))
        );
    }
}
