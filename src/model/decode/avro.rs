//! Avro payloads read with the user's schemas (apache-avro), in three forms:
//! - `avro:FILE.avsc`: a raw datum, or the single-object encoding (`C3 01`, the schema's
//!   8-byte Rabin fingerprint, then the datum), told apart by its first ten bytes;
//! - `avro-confluent:DIR`: the Confluent wire format (a zero byte, a 4-byte big-endian
//!   schema id, then the datum), each id's schema in `DIR/ID.avsc`.
//!
//! Hostile input stays bounded: allocations a datum claims are capped, and a schema that
//! names a type inside itself (a linked list, a tree: its datum can nest as deep as it has
//! bytes) is decoded on a thread with a large stack, its datums at most
//! [`MOST_RECURSIVE_BYTES`]; one whose record holds itself with no way out (no union,
//! array or map between) is refused, as its datums would nest without end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};

use apache_avro::Schema;
use serde_json::Value;

/// Largest schema file read.
const MOST_SCHEMA_BYTES: u64 = 4 << 20;
/// Most bytes one datum may make the decoder allocate at once.
const MOST_ALLOCATION: usize = 64 << 20;
/// Longest datum of a recursive schema decoded.
pub const MOST_RECURSIVE_BYTES: usize = 4 * 1024;
/// The stack of the thread that decodes datums of recursive schemas.
const RECURSIVE_STACK: usize = 256 << 20;

/// One compiled schema.
#[derive(Debug)]
struct Compiled {
    schema: Schema,
    /// Whether the schema names one of its types inside itself.
    recursive: bool,
    /// Its Rabin fingerprint, as the single-object encoding carries it.
    fingerprint: [u8; 8],
}

/// Where the schemas come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// One schema file.
    File(PathBuf),
    /// A folder of `ID.avsc` files (the Confluent wire format).
    Registry(PathBuf),
}

/// An Avro decoder; compiled once by [`Avro::load`].
#[derive(Clone, Debug)]
pub struct Avro {
    pub source: Source,
    schemas: Arc<BTreeMap<u32, Compiled>>,
}

impl PartialEq for Avro {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Avro {}

impl Avro {
    pub fn new(source: Source) -> Self {
        Self {
            source,
            schemas: Arc::default(),
        }
    }

    /// Reads and parses the schema (or every `ID.avsc` of the folder); why not in words.
    pub fn load(&mut self) -> Result<(), String> {
        static LIMIT: Once = Once::new();
        LIMIT.call_once(|| {
            apache_avro::util::max_allocation_bytes(MOST_ALLOCATION);
        });
        let mut schemas = BTreeMap::new();
        match &self.source {
            Source::File(file) => {
                schemas.insert(0, compile(file)?);
            }
            Source::Registry(dir) => {
                let entries =
                    std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                for entry in entries.flatten() {
                    let path = entry.path();
                    let id = path
                        .extension()
                        .filter(|e| *e == "avsc")
                        .and(path.file_stem())
                        .and_then(|s| s.to_str())
                        .and_then(|s| s.parse::<u32>().ok());
                    if let Some(id) = id {
                        schemas.insert(id, compile(&path)?);
                    }
                }
                if schemas.is_empty() {
                    return Err(format!("{} holds no ID.avsc schema files", dir.display()));
                }
            }
        }
        self.schemas = Arc::new(schemas);
        Ok(())
    }

    /// "Avro (reading.avsc)", "Avro, Confluent wire format (3 schemas in dir)".
    pub fn describe(&self) -> String {
        match &self.source {
            Source::File(f) => format!("Avro ({})", file_name(f)),
            Source::Registry(d) => format!(
                "Avro, Confluent wire format ({} schemas in {})",
                self.schemas.len(),
                file_name(d)
            ),
        }
    }

    /// The datum in `bytes`, as JSON; an error in words for bytes that are not one.
    pub fn decode(&self, bytes: &[u8]) -> Result<Value, String> {
        let (compiled, datum) = match &self.source {
            Source::File(_) => {
                let Some(c) = self.schemas.get(&0) else {
                    return Err("the schema was not read".into());
                };
                // Single-object encoding: C3 01, the fingerprint, then the datum.
                match bytes {
                    [0xc3, 0x01, rest @ ..] if rest.get(..8) == Some(&c.fingerprint[..]) => {
                        (c, &rest[8..])
                    }
                    [0xc3, 0x01, f @ ..] if f.len() >= 8 => {
                        return Err(
                            "single-object encoding of another schema (its fingerprint differs)"
                                .into(),
                        );
                    }
                    _ => (c, bytes),
                }
            }
            Source::Registry(_) => {
                let [0, a, b, c, d, datum @ ..] = bytes else {
                    return Err(
                        "not the Confluent wire format (a zero byte, then a 4-byte schema id)"
                            .into(),
                    );
                };
                let id = u32::from_be_bytes([*a, *b, *c, *d]);
                let compiled = self
                    .schemas
                    .get(&id)
                    .ok_or_else(|| format!("schema id {id} has no {id}.avsc"))?;
                (compiled, datum)
            }
        };
        if !compiled.recursive {
            return read(&compiled.schema, datum);
        }
        if datum.len() > MOST_RECURSIVE_BYTES {
            return Err(format!(
                "{} bytes: a datum of a recursive schema is decoded up to {} KiB",
                datum.len(),
                MOST_RECURSIVE_BYTES >> 10
            ));
        }
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("avro-decode".into())
                .stack_size(RECURSIVE_STACK)
                .spawn_scoped(s, || read(&compiled.schema, datum))
                .map_err(|e| format!("cannot start a decoding thread: {e}"))?
                .join()
                .unwrap_or_else(|_| Err("the datum could not be decoded".into()))
        })
    }

    /// `value` (JSON) as a raw datum of the schema (the file form only).
    pub fn encode(&self, value: &Value) -> Result<Vec<u8>, String> {
        let Some(c) = self
            .schemas
            .get(&0)
            .filter(|_| matches!(self.source, Source::File(_)))
        else {
            return Err("Avro values are encoded with one schema file (avro:FILE.avsc)".into());
        };
        let avro = apache_avro::types::Value::try_from(value.clone())
            .and_then(|v| v.resolve(&c.schema))
            .map_err(|e| format!("not a value of the schema: {e}"))?;
        apache_avro::writer::datum::GenericDatumWriter::builder(&c.schema)
            .build()
            .and_then(|w| w.write_value_to_vec(avro))
            .map_err(|e| format!("not encoded: {e}"))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
}

/// Reads one datum of `schema`; the bytes must be used up.
fn read(schema: &Schema, datum: &[u8]) -> Result<Value, String> {
    let mut reader = datum;
    let value = apache_avro::reader::datum::GenericDatumReader::builder(schema)
        .build()
        .and_then(|r| r.read_value(&mut reader))
        .map_err(|e| format!("not an Avro datum of the schema: {e}"))?;
    if !reader.is_empty() {
        return Err(format!("{} bytes left over after the datum", reader.len()));
    }
    Value::try_from(value).map_err(|e| format!("not shown as JSON: {e}"))
}

/// Reads, parses and fingerprints one schema file.
fn compile(file: &Path) -> Result<Compiled, String> {
    let name = file.display();
    let text = super::read_named_file(file, MOST_SCHEMA_BYTES)?;
    let text = String::from_utf8(text).map_err(|e| format!("{name}: not UTF-8 text: {e}"))?;
    let schema =
        Schema::parse_str(&text).map_err(|e| format!("{name}: not an Avro schema: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    if let Some(name) = endless(&json) {
        return Err(format!(
            "{name}: the record {name_} holds itself with no union, array or map between: \
             its values would nest without end",
            name = file.display(),
            name_ = name
        ));
    }
    let fingerprint = schema.fingerprint::<apache_avro::rabin::Rabin>().bytes;
    let mut f = [0u8; 8];
    f.copy_from_slice(&fingerprint[..8.min(fingerprint.len())]);
    Ok(Compiled {
        schema,
        recursive: refers_to_named(&json),
        fingerprint: f,
    })
}

/// The first record that holds itself through fields of record type alone (every value
/// of it would be infinite), if there is one.
fn endless(schema: &Value) -> Option<String> {
    let mut records = BTreeMap::new();
    collect_records(schema, &mut records);
    records.keys().find_map(|name| {
        let mut seen = Vec::new();
        reaches(name, name, &records, &mut seen).then(|| name.clone())
    })
}

/// Every record defined in a schema, by name, with the records its fields hold directly
/// (by name or defined in place; a union, array or map is a way out and not followed).
fn collect_records(schema: &Value, out: &mut BTreeMap<String, Vec<String>>) {
    match schema {
        Value::Array(union) => union.iter().for_each(|s| collect_records(s, out)),
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("record")
                && let Some(name) = o.get("name").and_then(Value::as_str)
            {
                let direct = o
                    .get("fields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| match f.get("type")? {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(t)
                            if t.get("type").and_then(Value::as_str) == Some("record") =>
                        {
                            t.get("name").and_then(Value::as_str).map(str::to_string)
                        }
                        _ => None,
                    })
                    .collect();
                out.insert(name.to_string(), direct);
            }
            for v in o.values() {
                collect_records(v, out);
            }
        }
        _ => {}
    }
}

fn reaches(
    from: &str,
    target: &str,
    records: &BTreeMap<String, Vec<String>>,
    seen: &mut Vec<String>,
) -> bool {
    let Some(direct) = records.get(from) else {
        return false;
    };
    for next in direct {
        let short = next.rsplit('.').next().unwrap_or(next);
        if short == target || next == target {
            return true;
        }
        if !seen.iter().any(|s| s == short) {
            seen.push(short.to_string());
            if reaches(short, target, records, seen) {
                return true;
            }
        }
    }
    false
}

/// Whether a schema (as JSON) refers to a named type by name anywhere (which may be the
/// type it sits in: taken for recursion).
fn refers_to_named(schema: &Value) -> bool {
    const PRIMITIVE: [&str; 8] = [
        "null", "boolean", "int", "long", "float", "double", "bytes", "string",
    ];
    match schema {
        Value::String(s) => !PRIMITIVE.contains(&s.as_str()),
        Value::Array(union) => union.iter().any(refers_to_named),
        Value::Object(o) => {
            let typed = o.get("type").is_some_and(|t| match t {
                Value::String(s) => {
                    !PRIMITIVE.contains(&s.as_str())
                        && !["record", "error", "enum", "fixed", "array", "map"]
                            .contains(&s.as_str())
                }
                other => refers_to_named(other),
            });
            let inner = ["items", "values"]
                .iter()
                .filter_map(|k| o.get(*k))
                .any(refers_to_named);
            let fields = o.get("fields").and_then(Value::as_array).is_some_and(|fs| {
                fs.iter()
                    .any(|f| f.get("type").is_some_and(refers_to_named))
            });
            typed || inner || fields
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use apache_avro::types::Value as Avro_;

    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/avro")
    }

    fn loaded(source: Source) -> Result<Avro, String> {
        let mut a = Avro::new(source);
        a.load().map(|()| a)
    }

    fn schema() -> Schema {
        Schema::parse_str(&std::fs::read_to_string(fixtures().join("reading.avsc")).unwrap())
            .unwrap()
    }

    /// A reading built as an Avro value by hand and written by apache-avro's writer.
    fn reading() -> Vec<u8> {
        let value = Avro_::Record(vec![
            ("sensor".into(), Avro_::String("温室-1".into())),
            ("value".into(), Avro_::Double(21.5)),
            ("count".into(), Avro_::Long(5_000_000_000)),
            ("unit".into(), Avro_::Enum(1, "PERCENT".into())),
            ("tags".into(), Avro_::Array(vec![Avro_::String("a".into())])),
            ("note".into(), Avro_::Union(0, Box::new(Avro_::Null))),
        ]);
        let schema = schema();
        apache_avro::writer::datum::GenericDatumWriter::builder(&schema)
            .build()
            .unwrap()
            .write_value_to_vec(value)
            .unwrap()
    }

    #[test]
    fn raw_single_object_and_confluent_datums_decode_field_by_field() {
        let a = loaded(Source::File(fixtures().join("reading.avsc"))).unwrap();
        assert_eq!(a.describe(), "Avro (reading.avsc)");
        let check = |v: &Value| {
            assert_eq!(v["sensor"], "温室-1");
            assert_eq!(v["value"], 21.5);
            assert_eq!(v["count"], 5_000_000_000i64);
            assert_eq!(v["unit"], "PERCENT");
            assert_eq!(v["tags"][0], "a");
            assert_eq!(v["note"], Value::Null);
        };
        check(&a.decode(&reading()).unwrap());
        // Single-object encoding, as apache-avro writes it.
        let mut single = vec![0xc3, 0x01];
        single.extend(schema().fingerprint::<apache_avro::rabin::Rabin>().bytes);
        single.extend(reading());
        check(&a.decode(&single).unwrap());
        // The Confluent wire format: 0, schema id 7, the datum.
        let r = loaded(Source::Registry(fixtures().join("registry"))).unwrap();
        assert_eq!(
            r.describe(),
            "Avro, Confluent wire format (2 schemas in registry)"
        );
        let mut wire = vec![0, 0, 0, 0, 7];
        wire.extend(reading());
        check(&r.decode(&wire).unwrap());
        wire[4] = 9;
        assert_eq!(r.decode(&wire).unwrap_err(), "schema id 9 has no 9.avsc");
        assert!(
            r.decode(b"\x01abc")
                .unwrap_err()
                .starts_with("not the Confluent wire format")
        );
        // And back: JSON encoded as a datum decodes to the same.
        let v = a.decode(&reading()).unwrap();
        assert_eq!(a.decode(&a.encode(&v).unwrap()).unwrap(), v);
    }

    #[test]
    fn hostile_schemas_and_datums_stay_bounded() {
        let list = loaded(Source::File(fixtures().join("list.avsc"))).unwrap();
        // A list three long, then one as deep as 4,000 bytes can make it.
        let v = list.decode(&[2, 2, 4, 2, 6, 0]).unwrap();
        assert_eq!(v["next"]["next"]["value"], 3);
        let mut deep = [2u8, 2].repeat(1_999);
        deep.extend([2, 0]);
        let got = list.decode(&deep);
        assert!(got.is_ok(), "decoded on a large stack: {got:?}");
        let e = list.decode(&vec![2u8; 100_000]).unwrap_err();
        assert!(
            e.contains("a datum of a recursive schema is decoded up to 4 KiB"),
            "{e}"
        );
        // A record that holds itself with no way out: refused when the schema is read.
        let e = loaded(Source::File(fixtures().join("endless.avsc"))).unwrap_err();
        assert!(
            e.contains("holds itself with no union, array or map between"),
            "{e}"
        );
        let a = loaded(Source::File(fixtures().join("reading.avsc"))).unwrap();
        // A string claiming 2^62 bytes.
        let e = a
            .decode(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
            .unwrap_err();
        assert!(e.starts_with("not an Avro datum"), "{e}");
        let mut rng = fastrand::Rng::with_seed(16);
        let sample = reading();
        for i in 0..2_000 {
            let buf: Vec<u8> = if i % 2 == 0 {
                (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect()
            } else {
                let mut b = sample.clone();
                let at = rng.usize(..b.len());
                b[at] = rng.u8(..);
                b
            };
            let _ = a.decode(&buf);
            let _ = list.decode(&buf);
        }
        let huge: Vec<u8> = (0..16 << 20).map(|_| rng.u8(..)).collect();
        assert!(a.decode(&huge).is_err());
        assert!(list.decode(&huge).is_err());
        let e = loaded(Source::File(fixtures().join("gone.avsc"))).unwrap_err();
        assert!(e.contains("gone.avsc"), "{e}");
        let e = loaded(Source::File(fixtures().join("../proto/plant.proto"))).unwrap_err();
        assert!(e.contains("not an Avro schema"), "{e}");
    }
}
