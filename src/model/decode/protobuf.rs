//! Protobuf payloads read with the user's own `.proto` files: compiled in the app by a
//! pure-Rust compiler (protox, so no `protoc` is needed) and decoded by reflection
//! (prost-reflect) into the proto3 JSON form, with the `.proto` field names, enums by
//! name, 64-bit integers as numbers (so they plot) and fields at their default value
//! shown. Fields the schema does not know are kept as `"#N"` entries (their field number)
//! holding the raw value, never dropped.

use std::path::{Path, PathBuf};

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, SerializeOptions};
use serde_json::Value;

/// A message type of a `.proto` file; compiled once by [`Protobuf::load`].
#[derive(Clone, Debug)]
pub struct Protobuf {
    pub file: PathBuf,
    /// The full name of the message type (`pkg.Message`).
    pub message: String,
    descriptor: Option<MessageDescriptor>,
}

impl PartialEq for Protobuf {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file && self.message == other.message
    }
}

impl Eq for Protobuf {}

impl Protobuf {
    /// `FILE.proto:pkg.Message` (the last `:` splits, so a Windows path keeps its drive).
    pub fn parse(rest: &str) -> Option<Self> {
        let (file, message) = rest.trim().rsplit_once(':')?;
        let (file, message) = (file.trim(), message.trim());
        (!file.is_empty() && !message.is_empty()).then(|| Self {
            file: file.into(),
            message: message.trim_start_matches('.').to_string(),
            descriptor: None,
        })
    }

    /// Reads and compiles the file and its imports (looked for in the file's folder, then
    /// in `import_paths`), and finds the message type; the error in words, with the file
    /// and line where the compiler says one.
    pub fn load(&mut self, import_paths: &[PathBuf]) -> Result<(), String> {
        let pool = compile(&self.file, import_paths)?;
        let descriptor = pool.get_message_by_name(&self.message).ok_or_else(|| {
            let mut known: Vec<String> = pool
                .all_messages()
                .map(|m| m.full_name().to_string())
                .filter(|n| !n.starts_with("google.protobuf."))
                .collect();
            known.sort();
            known.truncate(12);
            format!(
                "{} has no message type {:?} (it has: {})",
                self.file.display(),
                self.message,
                known.join(", ")
            )
        })?;
        self.descriptor = Some(descriptor);
        Ok(())
    }

    /// "Protobuf pkg.Message (file.proto)".
    pub fn describe(&self) -> String {
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        format!("Protobuf {} ({name})", self.message)
    }

    /// The message in `bytes`, as JSON; an error in words for bytes that are not one.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, String> {
        let Some(descriptor) = &self.descriptor else {
            return Err(format!("{} was not compiled", self.file.display()));
        };
        let message = DynamicMessage::decode(descriptor.clone(), bytes)
            .map_err(|e| format!("not a {}: {e}", self.message))?;
        to_json(&message)
    }
}

impl Protobuf {
    /// `value` (proto3 JSON, `.proto` or JSON field names) as the message's bytes.
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        use prost::Message as _;
        let Some(descriptor) = &self.descriptor else {
            return Err(format!("{} was not compiled", self.file.display()));
        };
        // The "#N" entries are fields the schema does not know, as decoding shows them.
        let mut value = value.clone();
        if let Value::Object(o) = &mut value {
            o.retain(|k, _| !k.starts_with('#'));
        }
        let message = DynamicMessage::deserialize(descriptor.clone(), value)
            .map_err(|e| format!("not a {}: {e}", self.message))?;
        Ok(message.encode_to_vec())
    }
}

/// Compiles `file` with its imports into a descriptor pool.
fn compile(file: &Path, import_paths: &[PathBuf]) -> Result<DescriptorPool, String> {
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut includes = vec![folder];
    includes.extend(import_paths.iter().cloned());
    if !file.is_file() {
        return Err(format!("{}: no such file", file.display()));
    }
    let mut compiler = protox::Compiler::new(&includes).map_err(|e| e.to_string())?;
    compiler.include_imports(true);
    compiler.open_file(file).map_err(|e| located(file, &e))?;
    Ok(compiler.descriptor_pool())
}

/// A compiler error as "FILE:LINE: what" (the line where the compiler points at one).
fn located(file: &Path, e: &protox::Error) -> String {
    use miette::Diagnostic;
    let first_label = |d: &dyn Diagnostic| d.labels().and_then(|mut l| l.next());
    let mut label = first_label(e);
    let mut source = e.source_code();
    if label.is_none()
        && let Some(inner) = e.related().and_then(|mut r| r.next())
    {
        label = first_label(inner);
        source = inner.source_code().or(source);
    }
    let line = label.zip(source).and_then(|(label, source)| {
        let at = miette::SourceSpan::from(label.offset()..label.offset());
        source.read_span(&at, 0, 0).ok().map(|s| s.line() + 1)
    });
    let name = e
        .file()
        .map_or_else(|| file.display().to_string(), str::to_string);
    let what = e.to_string();
    let what = what.strip_prefix(&format!("{name}: ")).unwrap_or(&what);
    match line {
        Some(line) => format!("{name}:{line}: {what}"),
        None => format!("{name}: {what}"),
    }
}

/// The message as proto3 JSON, with its unknown fields added as `"#N"` entries.
fn to_json(message: &DynamicMessage) -> Result<Value, String> {
    let options = SerializeOptions::new()
        .stringify_64_bit_integers(false)
        .use_proto_field_name(true)
        .skip_default_fields(false);
    let mut value = message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| format!("not shown as JSON: {e}"))?;
    add_unknown(message, &mut value);
    Ok(value)
}

/// Adds the fields the schema does not know (of this message; nested messages keep
/// theirs in their raw bytes): varints and fixed-size values as numbers, length-delimited
/// ones as text or hex.
fn add_unknown(message: &DynamicMessage, value: &mut Value) {
    let Value::Object(object) = value else {
        return;
    };
    for field in message.unknown_fields() {
        let mut wire = Vec::new();
        field.encode(&mut wire);
        let raw = raw_value(&wire).unwrap_or_else(|| super::value::blob(&wire));
        object.insert(format!("#{}", field.number()), raw);
    }
}

/// The value of one encoded field (its tag, then the value), by its wire type.
fn raw_value(wire: &[u8]) -> Option<Value> {
    let (tag, n) = varint(wire)?;
    let rest = &wire[n..];
    match tag & 7 {
        0 => varint(rest).map(|(v, _)| v.into()),
        1 => Some(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?).into()),
        5 => Some(u32::from_le_bytes(rest.get(..4)?.try_into().ok()?).into()),
        2 => {
            let (len, n) = varint(rest)?;
            let body = rest.get(n..n.checked_add(usize::try_from(len).ok()?)?)?;
            Some(super::value::text(body))
        }
        _ => None,
    }
}

/// A protobuf varint and its length in bytes.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in bytes.iter().take(10).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::plant_proto::{State, fixtures, sample_state};
    use prost::Message as _;

    fn loaded(file: &str, message: &str) -> Result<Protobuf, String> {
        let spec = format!("{}:{message}", fixtures().join(file).display());
        let mut p = Protobuf::parse(&spec).unwrap();
        p.load(&[]).map(|()| p)
    }

    #[test]
    fn a_message_with_imports_decodes_field_by_field() {
        let p = loaded("plant.proto", "plant.State").unwrap();
        assert_eq!(p.describe(), "Protobuf plant.State (plant.proto)");
        let v = p.decode(&sample_state()).unwrap();
        assert_eq!(v["id"], "Gewächshaus-7");
        assert_eq!(v["uptime_s"], 5_000_000_000i64, "64-bit, as a number");
        assert_eq!(v["readings"][0]["name"], "air");
        assert_eq!(v["readings"][0]["value"], 21.5);
        assert_eq!(v["readings"][0]["unit"], "CELSIUS", "enums by name");
        assert_eq!(v["readings"][1]["unit"], "PERCENT");
        assert_eq!(v["running"], true);
        assert_eq!(v["counters"]["starts"], 3);
        assert_eq!(v["#99"], 42, "an unknown field is kept, by number");
        // Defaults are shown, not left out.
        let v = p.decode(&State::default().encode_to_vec()).unwrap();
        assert_eq!(v["running"], false);
        assert_eq!(v["id"], "");
    }

    #[test]
    fn what_is_encoded_from_json_decodes_back() {
        let p = loaded("plant.proto", "plant.State").unwrap();
        let mut v = p.decode(&sample_state()).unwrap();
        let bytes = p.encode(&v).unwrap();
        let again = State::decode(bytes.as_slice()).unwrap();
        assert_eq!(again.readings[1].name, "soil");
        assert_eq!(again.uptime_s, 5_000_000_000);
        assert_eq!(again.extra, 0, "the unknown field is not sent back");
        v["readings"][0]["unit"] = "KELVIN".into();
        assert!(p.encode(&v).unwrap_err().starts_with("not a plant.State"));
    }

    #[test]
    fn hostile_schemas_and_names_say_why() {
        let e = loaded("loop.proto", "Loop").unwrap_err();
        assert!(e.contains("loop.proto") && e.contains("cycle"), "{e}");
        let e = loaded("broken.proto", "Broken").unwrap_err();
        assert!(e.contains("broken.proto:4: "), "file and line: {e}");
        let e = loaded("plant.proto", "plant.Nope").unwrap_err();
        assert!(
            e.contains("has no message type \"plant.Nope\" (it has: common.Reading, plant.State"),
            "{e}"
        );
        let e = loaded("deleted.proto", "X").unwrap_err();
        assert!(e.ends_with("deleted.proto: no such file"), "{e}");
        assert!(Protobuf::parse("no-type").is_none());
        assert!(Protobuf::parse("file.proto:").is_none());
        let p = Protobuf::parse(r"C:\schemas\a.proto:pkg.M").unwrap();
        assert_eq!(
            (p.file.to_str(), p.message.as_str()),
            (Some(r"C:\schemas\a.proto"), "pkg.M")
        );
    }

    #[test]
    fn random_bytes_never_panic_and_stay_bounded() {
        let p = loaded("plant.proto", "plant.State").unwrap();
        let sample = sample_state();
        let mut rng = fastrand::Rng::with_seed(16);
        for i in 0..2_000 {
            let buf: Vec<u8> = if i % 2 == 0 {
                let len = rng.usize(0..300);
                (0..len).map(|_| rng.u8(..)).collect()
            } else {
                let mut b = sample.clone();
                let at = rng.usize(..b.len());
                b[at] = rng.u8(..);
                b
            };
            let _ = p.decode(&buf);
        }
        let huge: Vec<u8> = (0..16 << 20).map(|_| rng.u8(..)).collect();
        assert!(p.decode(&huge).is_err());
    }
}
