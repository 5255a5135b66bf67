//! The JSON-path language of plotted fields: `sensors[2].temp`, `["a.b"]`; parsed,
//! printed and used to select a value in a document.

use std::fmt;

use serde_json::Value;

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field inside a JSON payload, written `sensors[2].temp` (keys that are not plain
/// names are quoted: `["a.b"]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at this path, if the document has one.
    pub fn select<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(root, |v, seg| match seg {
            Segment::Key(k) => v.as_object()?.get(k),
            Segment::Index(i) => v.as_array()?.get(*i),
        })
    }

    /// Parses the written form (`a.b[3]["odd key"]`); the empty string is the whole payload.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' if i > 0 => {
                    i += 1;
                    let start = i;
                    while i < b.len() && !matches!(b[i], b'.' | b'[' | b']') {
                        i += 1;
                    }
                    if start == i {
                        return Err(format!("empty name at character {}", start + 1));
                    }
                    segments.push(Segment::Key(s[start..i].to_string()));
                }
                b'[' => {
                    let close = s[i..]
                        .find(']')
                        .map(|n| i + n)
                        .ok_or_else(|| format!("unclosed [ at character {}", i + 1))?;
                    let inner = &s[i + 1..close];
                    if inner.starts_with('"') {
                        // A quoted key may itself contain `]`: parse it as a JSON string.
                        let mut stream =
                            serde_json::Deserializer::from_str(&s[i + 1..]).into_iter::<String>();
                        let key = match stream.next() {
                            Some(Ok(k)) => k,
                            _ => return Err(format!("bad quoted name at character {}", i + 2)),
                        };
                        let after = i + 1 + stream.byte_offset();
                        if b.get(after) != Some(&b']') {
                            return Err(format!("expected ] at character {}", after + 1));
                        }
                        segments.push(Segment::Key(key));
                        i = after + 1;
                    } else {
                        let index = inner
                            .parse::<usize>()
                            .map_err(|_| format!("[{inner}] is not an array index"))?;
                        segments.push(Segment::Index(index));
                        i = close + 1;
                    }
                }
                b']' => return Err(format!("unexpected ] at character {}", i + 1)),
                b'.' => return Err("a path starts with a name or [".into()),
                _ if i == 0 => {
                    while i < b.len() && !matches!(b[i], b'.' | b'[' | b']') {
                        i += 1;
                    }
                    segments.push(Segment::Key(s[..i].to_string()));
                }
                _ => {
                    return Err(format!(
                        "unexpected {:?} at character {}",
                        b[i] as char,
                        i + 1
                    ));
                }
            }
        }
        Ok(Self(segments))
    }

    /// This path one step further.
    pub fn child(&self, segment: Segment) -> Self {
        let mut out = self.clone();
        out.0.push(segment);
        out
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Key(k) if is_plain_name(k) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => {
                    let quoted = serde_json::to_string(k).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?;
                }
            }
        }
        Ok(())
    }
}

fn is_plain_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with('"')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::number::json_number;

    #[test]
    fn json_paths_parse_print_and_select() {
        let doc: Value = serde_json::from_str(
            r#"{"sensors":[{"temp":1},{"temp":2},{"temp":21.5}],"a.b":{"c]":true},
               "s":"17 °C","n":null,"deep":{"x":{"y":[[0,9]]}}}"#,
        )
        .unwrap();
        let cases = [
            ("sensors[2].temp", Some(21.5)),
            ("[\"a.b\"][\"c]\"]", Some(1.0)),
            ("s", Some(17.0)),
            ("n", None),
            ("deep.x.y[0][1]", Some(9.0)),
            ("sensors[9].temp", None),
            ("missing", None),
            ("sensors", None),
        ];
        for (written, want) in cases {
            let path = JsonPath::parse(written).unwrap();
            assert_eq!(path.to_string(), written, "round trip");
            assert_eq!(path.select(&doc).and_then(json_number), want, "{written}");
        }
        let built = JsonPath::default()
            .child(Segment::Key("sensors".into()))
            .child(Segment::Index(2))
            .child(Segment::Key("temp".into()));
        assert_eq!(built.to_string(), "sensors[2].temp");
        assert_eq!(JsonPath::parse("").unwrap(), JsonPath::default());
        for bad in ["a..b", "a[", "a[x]", "a[\"b\"", "a]b", ".a"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
