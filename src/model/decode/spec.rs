//! Decoders named as rules and the command line name them: pre-steps joined with `+`, then
//! a format (`base64+gzip+json`, `binary:f32le[]`, `msgpack`, `protobuf:FILE:pkg.Msg`,
//! `json-schema:FILE`, `script:FILE`).
//!
//! Pre-steps undo an encoding around the payload: base64, hex text, gzip, zlib, deflate,
//! zstd. Decompression stops at [`DECOMPRESSED_CAP`] bytes (a gzip bomb gets an error
//! naming the cap, never the memory). Formats that read a file (a schema, a script) are
//! made ready by [`DecoderSpec::load`].

use std::io::Read as _;
use std::str::FromStr;

use base64::Engine as _;
use serde_json::Value;

use super::Decoder;
use super::avro::{Avro, Source as AvroSource};
use super::binary::binary;
pub use super::binary::{Binary, Number};
use super::protobuf::Protobuf;
use super::schema::JsonSchema;
use super::script::{Script, ScriptMessage};

/// Most bytes a decompressing pre-step produces.
pub const DECOMPRESSED_CAP: usize = 16 << 20;

/// A step that undoes an encoding before the format reads the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreStep {
    Base64,
    Hex,
    Gzip,
    Zlib,
    Deflate,
    Zstd,
}

/// What reads the bytes once the pre-steps are done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    /// UTF-8 text, as a JSON string.
    Text,
    /// XML, pretty-printed, as a JSON string.
    Xml,
    Tree(Decoder),
    Binary(Binary),
    /// Protobuf, from the user's `.proto` file and message type (compiled by
    /// [`DecoderSpec::load`]).
    Protobuf(Box<Protobuf>),
    /// JSON, checked against the user's JSON Schema file.
    JsonSchema(Box<JsonSchema>),
    /// The user's JavaScript `decode(message)`.
    Script(Box<Script>),
    /// Avro, from the user's schema (or folder of schemas by id).
    Avro(Box<Avro>),
}

/// A decoder: pre-steps, in order, then a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecoderSpec {
    pub steps: Vec<PreStep>,
    pub format: Format,
}

/// Why a decoder's name is not understood, in words.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    #[error("{0:?} is not a decoder: {1}")]
    Unknown(String, String),
    #[error("a rule is FILTER=DECODER, as in 'sensors/#=base64+json'; got {0:?}")]
    NotARule(String),
    #[error("{filter:?} is not a topic filter: {why}")]
    Filter { filter: String, why: String },
    /// A schema file that cannot be read or compiled.
    #[error("{0}")]
    Load(String),
}

/// The decoder names understood, in words (for help texts and errors).
pub const FORMATS: &str = "json, text, xml, msgpack, cbor, sparkplug, protobuf:FILE.proto:pkg.Message, json-schema:FILE.json, avro:FILE.avsc, avro-confluent:DIR, script:FILE.js or binary:TYPE (i8…i64, u8…u64, \
    f32, f64, with le or be, [] for an array: binary:f32le[]), after pre-steps base64, hex, \
    gzip, zlib, deflate, zstd joined with +";

impl FromStr for DecoderSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let unknown = |why: String| SpecError::Unknown(s.to_string(), why);
        let parts: Vec<&str> = s.trim().split('+').map(str::trim).collect();
        let Some((last, steps)) = parts.split_last() else {
            return Err(unknown(format!("name one of {FORMATS}")));
        };
        let steps = steps
            .iter()
            .map(|step| match step.to_ascii_lowercase().as_str() {
                "base64" => Ok(PreStep::Base64),
                "hex" => Ok(PreStep::Hex),
                "gzip" => Ok(PreStep::Gzip),
                "zlib" => Ok(PreStep::Zlib),
                "deflate" => Ok(PreStep::Deflate),
                "zstd" => Ok(PreStep::Zstd),
                other => Err(unknown(format!(
                    "{other:?} is not a pre-step (base64, hex, gzip, zlib, deflate, zstd)"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let name = last.to_ascii_lowercase();
        for (prefix, registry) in [("avro-confluent:", true), ("avro:", false)] {
            if name.starts_with(prefix) {
                let path = last[prefix.len()..].trim();
                if path.is_empty() {
                    return Err(unknown(
                        "name the schema: avro:FILE.avsc, or avro-confluent:FOLDER".into(),
                    ));
                }
                let source = match registry {
                    true => AvroSource::Registry(path.into()),
                    false => AvroSource::File(path.into()),
                };
                return Ok(Self {
                    steps,
                    format: Format::Avro(Box::new(Avro::new(source))),
                });
            }
        }
        if name.starts_with("script:") {
            let script = Script::new(&last["script:".len()..])
                .ok_or_else(|| unknown("name the script file: script:FILE.js".into()))?;
            return Ok(Self {
                steps,
                format: Format::Script(Box::new(script)),
            });
        }
        if name.starts_with("json-schema:") {
            let schema = JsonSchema::new(&last["json-schema:".len()..])
                .ok_or_else(|| unknown("name the schema file: json-schema:FILE.json".into()))?;
            return Ok(Self {
                steps,
                format: Format::JsonSchema(Box::new(schema)),
            });
        }
        if name.starts_with("protobuf:") {
            let format = Protobuf::parse(&last["protobuf:".len()..]).ok_or_else(|| {
                unknown("name a file and a message type: protobuf:FILE.proto:pkg.Message".into())
            })?;
            return Ok(Self {
                steps,
                format: Format::Protobuf(Box::new(format)),
            });
        }
        let format =
            match name.as_str() {
                "json" => Format::Json,
                "text" => Format::Text,
                "xml" => Format::Xml,
                "msgpack" | "messagepack" => Format::Tree(Decoder::MsgPack),
                "cbor" => Format::Tree(Decoder::Cbor),
                "sparkplug" | "sparkplugb" => Format::Tree(Decoder::SparkplugB),
                other => match other.strip_prefix("binary:") {
                    Some(ty) => Format::Binary(binary(ty).ok_or_else(|| {
                        unknown(format!("{ty:?} is not a binary type ({FORMATS})"))
                    })?),
                    None => return Err(unknown(format!("name one of {FORMATS}"))),
                },
            };
        Ok(Self { steps, format })
    }
}

/// At most `cap` bytes out of `reader`; an error naming the cap when there are more.
fn read_capped(reader: impl std::io::Read, what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader
        .take(DECOMPRESSED_CAP as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not {what}: {e}"))?;
    if out.len() > DECOMPRESSED_CAP {
        return Err(format!(
            "{what} data decompresses past the cap of {} MiB",
            DECOMPRESSED_CAP >> 20
        ));
    }
    Ok(out)
}

/// Text encodings (base64, hex) as people paste them: line breaks and spaces dropped.
fn without_whitespace(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

impl PreStep {
    fn apply(self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Self::Base64 => {
                let text = without_whitespace(bytes);
                base64::engine::general_purpose::STANDARD
                    .decode(&text)
                    .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&text))
                    .map_err(|e| format!("not base64: {e}"))
            }
            Self::Hex => {
                let digits = without_whitespace(bytes);
                if !digits.len().is_multiple_of(2) {
                    return Err(format!("not hex: {} digits is an odd count", digits.len()));
                }
                digits
                    .chunks_exact(2)
                    .enumerate()
                    .map(|(i, pair)| {
                        let digit = |c: u8| (c as char).to_digit(16);
                        match (digit(pair[0]), digit(pair[1])) {
                            (Some(a), Some(b)) => Ok((a * 16 + b) as u8),
                            _ => Err(format!("not hex: no hex digit at {}", i * 2)),
                        }
                    })
                    .collect()
            }
            Self::Gzip => read_capped(flate2::read::GzDecoder::new(bytes), "gzip"),
            Self::Zlib => read_capped(flate2::read::ZlibDecoder::new(bytes), "zlib"),
            Self::Deflate => read_capped(flate2::read::DeflateDecoder::new(bytes), "deflate"),
            // The frame's window is bounded too: a header may ask for gigabytes of it.
            Self::Zstd => {
                let cap = DECOMPRESSED_CAP as u64;
                let decoder =
                    ruzstd::decoding::StreamingDecoder::new_with_max_window_size(bytes, cap)
                        .map_err(|e| format!("not zstd: {e}"))?;
                read_capped(decoder, "zstd")
            }
        }
    }
}

impl DecoderSpec {
    /// Whether the decoder reads a file (a schema) before it can decode.
    pub fn needs_files(&self) -> bool {
        matches!(
            self.format,
            Format::Protobuf(_) | Format::JsonSchema(_) | Format::Script(_) | Format::Avro(_)
        )
    }

    /// Where and why a decoded value fails the rule's JSON Schema (empty: it passes);
    /// `None` for decoders without a schema.
    pub fn schema_errors(&self, value: &Value) -> Option<Vec<String>> {
        match &self.format {
            Format::JsonSchema(s) => Some(s.errors(value)),
            _ => None,
        }
    }

    /// Reads and compiles the files the decoder names (`import_paths`: where `.proto`
    /// imports are looked for besides the file's folder); nothing for the others.
    pub fn load(&mut self, import_paths: &[std::path::PathBuf]) -> Result<(), SpecError> {
        match &mut self.format {
            Format::Protobuf(p) => p.load(import_paths).map_err(SpecError::Load),
            Format::JsonSchema(s) => s.load().map_err(SpecError::Load),
            Format::Script(s) => s.load().map_err(SpecError::Load),
            Format::Avro(a) => a.load().map_err(SpecError::Load),
            _ => Ok(()),
        }
    }

    /// What the decoder does, in words: "base64, then gzip, then JSON".
    pub fn describe(&self) -> String {
        let format = match &self.format {
            Format::Json => "JSON".to_string(),
            Format::Text => "UTF-8 text".into(),
            Format::Xml => "XML".into(),
            Format::Tree(d) => d.label().into(),
            Format::Binary(b) => match b.array {
                true => format!("an array of {}", b.name()),
                false => format!("one {}", b.name()),
            },
            Format::Protobuf(p) => p.describe(),
            Format::JsonSchema(s) => s.describe(),
            Format::Script(s) => s.describe(),
            Format::Avro(a) => a.describe(),
        };
        let mut parts: Vec<String> = self
            .steps
            .iter()
            .map(|s| format!("{s:?}").to_ascii_lowercase())
            .collect();
        parts.push(format);
        parts.join(", then ")
    }

    /// Decodes `bytes`, or says in words which step failed and why. Never panics; memory
    /// stays within the caps above.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, String> {
        self.decode_message(bytes, &ScriptMessage::default())
    }

    /// The same, for a message a script sees as `message` (its topic, QoS, …).
    pub fn decode_message(
        &self,
        bytes: &[u8],
        message: &ScriptMessage<'_>,
    ) -> Result<Value, String> {
        let mut owned;
        let mut now = bytes;
        for step in &self.steps {
            owned = step.apply(now)?;
            now = &owned;
        }
        match &self.format {
            Format::Json | Format::JsonSchema(_) => {
                let text =
                    std::str::from_utf8(now).map_err(|e| format!("not JSON: not UTF-8 ({e})"))?;
                serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
            }
            Format::Text => std::str::from_utf8(now)
                .map(|t| Value::String(t.to_string()))
                .map_err(|e| format!("not UTF-8 text: {e}")),
            Format::Xml => pretty_xml(now).map(Value::String),
            Format::Tree(d) => d.decode(now),
            Format::Binary(b) => b.decode(now),
            Format::Protobuf(p) => p.decode(now),
            Format::Script(s) => s.decode(now, message),
            Format::Avro(a) => a.decode(now),
        }
    }
}

/// Deepest XML element nesting shown (like the other decoders' 256 levels).
const MOST_XML_DEPTH: usize = 256;

/// `bytes` as XML laid out two spaces a level; an error in words for text that is not
/// well-formed XML (unclosed or mismatched elements included), for nesting past
/// [`MOST_XML_DEPTH`], and for a layout past [`DECOMPRESSED_CAP`] bytes.
fn pretty_xml(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not XML: not UTF-8 ({e})"))?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut depth = 0usize;
    let mut elements = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not XML: {e} (at byte {})", reader.error_position()))?;
        match &event {
            Event::Start(_) => {
                depth += 1;
                elements += 1;
                if depth > MOST_XML_DEPTH {
                    return Err(format!(
                        "not shown as XML: nested deeper than {MOST_XML_DEPTH} levels"
                    ));
                }
            }
            Event::Empty(_) => elements += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
        writer
            .write_event(event)
            .map_err(|e| format!("not XML: {e}"))?;
        if writer.get_ref().len() > DECOMPRESSED_CAP {
            return Err(format!(
                "not shown as XML: laid out it passes {} MiB",
                DECOMPRESSED_CAP >> 20
            ));
        }
    }
    if depth > 0 {
        return Err(format!("not XML: {depth} elements are not closed"));
    }
    if elements == 0 {
        return Err("not XML: no element".into());
    }
    String::from_utf8(writer.into_inner()).map_err(|e| format!("not XML: {e}"))
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
