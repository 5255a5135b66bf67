//! The line diff of two payloads, as a view model: each line tagged same, removed or added.

use crate::model::payload::{Payload, PayloadKind, hex_dump, pretty_json, visible_text};

/// How a line of a diff relates the two messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffTag {
    Same,
    Removed,
    Added,
}

/// The line diff of two payloads: pretty JSON when both parse (so a reordered or reformatted
/// document compares by content lines), text when both are UTF-8, hex dumps otherwise.
/// At most `max_bytes` of each side are compared; after `deadline` the diff settles for a
/// coarser answer. Returns the lines and what was compared.
pub fn diff_lines(
    old: &Payload,
    new: &Payload,
    max_bytes: usize,
    deadline: std::time::Duration,
) -> (Vec<(DiffTag, String)>, &'static str) {
    fn cut(p: &Payload, max_bytes: usize) -> &[u8] {
        let b = p.bytes();
        &b[..b.len().min(max_bytes)]
    }
    let as_json = |p: &Payload| {
        (p.kind() == PayloadKind::Json)
            .then(|| p.text().and_then(|t| pretty_json(t).ok()))
            .flatten()
    };
    let (a, b, what) = match (as_json(old), as_json(new)) {
        (Some(a), Some(b)) => (a, b, "JSON"),
        _ => match (
            std::str::from_utf8(cut(old, max_bytes)),
            std::str::from_utf8(cut(new, max_bytes)),
        ) {
            (Ok(a), Ok(b)) => (a.to_string(), b.to_string(), "text"),
            _ => (
                hex_dump(cut(old, max_bytes)),
                hex_dump(cut(new, max_bytes)),
                "hex",
            ),
        },
    };
    let diff = similar::TextDiff::configure()
        .timeout(deadline)
        .diff_lines(&a, &b);
    let lines = diff
        .iter_all_changes()
        .map(|c| {
            let tag = match c.tag() {
                similar::ChangeTag::Equal => DiffTag::Same,
                similar::ChangeTag::Delete => DiffTag::Removed,
                similar::ChangeTag::Insert => DiffTag::Added,
            };
            let text = c.value().trim_end_matches('\n');
            (tag, visible_text(text.as_bytes()).into_owned())
        })
        .collect();
    (lines, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_compare_json_by_content_and_text_by_lines() {
        let old = Payload::decode(br#"{"a":1,"b":[1,2]}"#, 1 << 20);
        let new = Payload::decode(br#"{"b":[1,3],"a":1}"#, 1 << 20);
        let (lines, what) = diff_lines(&old, &new, 1 << 20, std::time::Duration::from_secs(1));
        assert_eq!(what, "JSON");
        let changed: Vec<(DiffTag, &str)> = lines
            .iter()
            .filter(|(t, _)| *t != DiffTag::Same)
            .map(|(t, l)| (*t, l.trim()))
            .collect();
        assert_eq!(changed, [(DiffTag::Removed, "2"), (DiffTag::Added, "3")]);
        let (lines, what) = diff_lines(
            &Payload::decode(b"one\ntwo", 99),
            &Payload::decode(b"one\nthree", 99),
            99,
            std::time::Duration::from_secs(1),
        );
        assert_eq!(what, "text");
        assert_eq!(lines[0], (DiffTag::Same, "one".to_string()));
        let (_, what) = diff_lines(
            &Payload::decode(&[0xff], 9),
            &Payload::decode(b"x", 9),
            9,
            std::time::Duration::from_secs(1),
        );
        assert_eq!(what, "hex");
    }
}
