//! Pretty-printed JSON as a list of lines, as a view model: each line in pieces, its
//! numeric values marked with their [`JsonPath`] so a viewer can make them plottable.

use crate::model::json_path::{JsonPath, Segment};
use crate::model::number::json_number;
use crate::model::payload::visible_text;

/// One line of pretty-printed JSON, in pieces, so a viewer can make numeric values
/// clickable: `indent` levels, then `key` (already quoted, with `": "`), `value` (a
/// scalar, or an opening/closing bracket) and a comma.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonLine {
    pub indent: usize,
    pub key: String,
    pub value: String,
    pub comma: bool,
    /// Where the value sits, when it is a number (or reads as one) and can be plotted.
    pub field: Option<JsonPath>,
}

impl JsonLine {
    /// The line as text (two spaces per level, as `serde_json`'s pretty printer).
    pub fn text(&self) -> String {
        format!(
            "{}{}{}{}",
            "  ".repeat(self.indent),
            self.key,
            self.value,
            if self.comma { "," } else { "" }
        )
    }
}

/// Lays `value` out as pretty JSON lines, at most `max_lines` of them; whether it was cut.
pub fn json_lines(value: &serde_json::Value, max_lines: usize) -> (Vec<JsonLine>, bool) {
    let mut out = Vec::new();
    let path = JsonPath::default();
    let complete = layout(value, &path, 0, String::new(), false, max_lines, &mut out);
    (out, !complete)
}

/// Appends the lines of `value`; false once `max` lines are reached.
fn layout(
    value: &serde_json::Value,
    path: &JsonPath,
    indent: usize,
    key: String,
    comma: bool,
    max: usize,
    out: &mut Vec<JsonLine>,
) -> bool {
    use serde_json::Value;
    if out.len() >= max {
        return false;
    }
    let line = |value: String, comma: bool, field| JsonLine {
        indent,
        key: key.clone(),
        value,
        comma,
        field,
    };
    let (open, close, children): (&str, &str, Vec<(Segment, String, &Value)>) = match value {
        Value::Object(map) if !map.is_empty() => (
            "{",
            "}",
            map.iter()
                .map(|(k, v)| {
                    let quoted = serde_json::to_string(k).unwrap_or_default();
                    let quoted = visible_text(quoted.as_bytes()).into_owned();
                    (Segment::Key(k.clone()), format!("{quoted}: "), v)
                })
                .collect(),
        ),
        Value::Array(items) if !items.is_empty() => (
            "[",
            "]",
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Segment::Index(i), String::new(), v))
                .collect(),
        ),
        scalar => {
            let field = json_number(scalar).map(|_| path.clone());
            let text = serde_json::to_string(scalar).unwrap_or_default();
            let text = visible_text(text.as_bytes()).into_owned();
            out.push(line(text, comma, field));
            return true;
        }
    };
    out.push(line(open.into(), false, None));
    let n = children.len();
    for (i, (segment, child_key, child)) in children.into_iter().enumerate() {
        let child_path = path.child(segment);
        if !layout(
            child,
            &child_path,
            indent + 1,
            child_key,
            i + 1 < n,
            max,
            out,
        ) {
            return false;
        }
    }
    if out.len() >= max {
        return false;
    }
    out.push(JsonLine {
        indent,
        key: String::new(),
        value: close.into(),
        comma,
        field: None,
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::payload::pretty_json;

    #[test]
    fn json_lines_match_the_pretty_printer_and_mark_numeric_fields() {
        let text = r#"{"a":[1,{"b":"2 V","c":null}],"e":{},"f":[],"g":true,"h k":"x"}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let (lines, cut) = json_lines(&value, 1000);
        assert!(!cut);
        let joined: Vec<String> = lines.iter().map(JsonLine::text).collect();
        assert_eq!(joined.join("\n"), pretty_json(text).unwrap());
        let fields: Vec<String> = lines
            .iter()
            .filter_map(|l| l.field.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(fields, ["a[0]", "a[1].b", "g"]);
        let (few, cut) = json_lines(&value, 4);
        assert!(cut);
        assert_eq!(few.len(), 4);
    }
}
