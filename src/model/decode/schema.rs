//! JSON Schema decoder rules: the payload is read as JSON and checked against the user's
//! schema file (drafts 4 to 2020-12, by the `jsonschema` crate; no remote `$ref` is
//! fetched). A message that fails is kept and shown, marked with its first errors' paths
//! and reasons.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

/// Largest schema file read.
const MOST_SCHEMA_BYTES: u64 = 4 << 20;
/// Errors kept per message (the first is the one shown in the tree).
pub const MOST_ERRORS: usize = 10;

/// A schema file; compiled once by [`JsonSchema::load`].
#[derive(Clone)]
pub struct JsonSchema {
    pub file: PathBuf,
    validator: Option<Arc<jsonschema::Validator>>,
}

impl std::fmt::Debug for JsonSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonSchema")
            .field("file", &self.file)
            .field("loaded", &self.validator.is_some())
            .finish()
    }
}

impl PartialEq for JsonSchema {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
    }
}

impl Eq for JsonSchema {}

impl JsonSchema {
    pub fn new(file: &str) -> Option<Self> {
        let file = file.trim();
        (!file.is_empty()).then(|| Self {
            file: file.into(),
            validator: None,
        })
    }

    /// Reads and compiles the schema; why not in words (with the file's name).
    pub fn load(&mut self) -> Result<(), String> {
        let name = self.file.display();
        let text = super::read_named_file(&self.file, MOST_SCHEMA_BYTES)?;
        let schema: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| format!("{name}: not a usable JSON Schema: {e}"))?;
        self.validator = Some(Arc::new(validator));
        Ok(())
    }

    /// "JSON checked against schema.json".
    pub fn describe(&self) -> String {
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        format!("JSON checked against {name}")
    }

    /// Where and why `value` fails the schema (its first [`MOST_ERRORS`]); empty when it
    /// is valid.
    pub fn errors(&self, value: &Value) -> Vec<String> {
        let Some(validator) = &self.validator else {
            return vec![format!("{} was not compiled", self.file.display())];
        };
        validator
            .iter_errors(value)
            .take(MOST_ERRORS)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                format!("at {at}: {e}")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema_file(name: &str, schema: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mqscope-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, schema).unwrap();
        path
    }

    #[test]
    fn messages_are_checked_and_errors_say_where_and_why() {
        let path = schema_file(
            "reading.json",
            r#"{"type": "object", "required": ["temp"],
                "properties": {"temp": {"type": "number", "maximum": 100}}}"#,
        );
        let mut s = JsonSchema::new(path.to_str().unwrap()).unwrap();
        s.load().unwrap();
        assert_eq!(s.describe(), "JSON checked against reading.json");
        assert!(s.errors(&json!({"temp": 21.5})).is_empty());
        let e = s.errors(&json!({"temp": "hot"}));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("at /temp: ") && e[0].contains("number"),
            "{e:?}"
        );
        let e = s.errors(&json!({}));
        assert!(e[0].starts_with("at /: ") && e[0].contains("temp"), "{e:?}");
    }

    #[test]
    fn bad_schemas_say_why() {
        let bad = schema_file("bad.json", r#"{"type": 12}"#);
        let e = JsonSchema::new(bad.to_str().unwrap())
            .unwrap()
            .load()
            .unwrap_err();
        assert!(e.contains("bad.json: not a usable JSON Schema"), "{e}");
        let not_json = schema_file("nope.json", "{");
        let e = JsonSchema::new(not_json.to_str().unwrap())
            .unwrap()
            .load()
            .unwrap_err();
        assert!(e.contains("nope.json: not JSON"), "{e}");
        let remote = schema_file("remote.json", r#"{"$ref": "https://example.com/s.json"}"#);
        assert!(
            JsonSchema::new(remote.to_str().unwrap())
                .unwrap()
                .load()
                .is_err(),
            "nothing fetched"
        );
        let e = JsonSchema::new("/nonexistent/s.json")
            .unwrap()
            .load()
            .unwrap_err();
        assert!(e.starts_with("/nonexistent/s.json: "), "{e}");
        // A schema that refers to itself is fine; checking terminates.
        let recursive = schema_file(
            "tree.json",
            r##"{"type": "object", "properties": {"child": {"$ref": "#"}}}"##,
        );
        let mut s = JsonSchema::new(recursive.to_str().unwrap()).unwrap();
        s.load().unwrap();
        let mut deep = json!({});
        for _ in 0..100 {
            deep = json!({ "child": deep });
        }
        assert!(s.errors(&deep).is_empty());
        assert!(!s.errors(&json!({"child": 1})).is_empty());
    }
}
