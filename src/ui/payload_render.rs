//! What a payload view shows, worked out from the message alone: text, a hex dump, a diff
//! or JSON lines, and a note on what was cut or why the view differs. Views of large
//! payloads are worked out on a named background thread while the inspector says
//! "Preparing…", so a 16 MiB JSON document or a long diff never holds up a frame.

use std::sync::mpsc;
use std::time::Duration;

use super::payload_image::decode_image;
use super::payload_view::PayloadView;
use super::theme;
use crate::model::Payload;
use crate::model::payload::{hex_dump_rows, visible_text};
use crate::model::views::{DiffTag, JsonLine, diff_lines, json_lines};

/// Hex dumps are cut at this many bytes (a dump line is ~5× the bytes it shows).
pub const HEX_VIEW_BYTES: usize = 64 * 1024;

/// Lines of the JSON view before the rest is cut.
pub const JSON_VIEW_LINES: usize = 50_000;

/// A diff on the frame gives up for a coarser answer after this; off the frame it may take
/// longer.
pub const DIFF_DEADLINE_ON_FRAME: Duration = Duration::from_millis(50);
pub const DIFF_DEADLINE_OFF_FRAME: Duration = Duration::from_secs(5);

/// One view of one payload, ready to draw.
#[derive(Debug, Default)]
pub struct Rendered {
    pub text: String,
    /// The diff view, line by line; empty for other views.
    pub diff: Vec<(DiffTag, String)>,
    /// The JSON view, line by line (numeric values clickable); empty for other views.
    pub lines: Vec<JsonLine>,
    /// Shown above the payload.
    pub note: Option<String>,
    /// The Image view's picture.
    pub image: Option<egui::ColorImage>,
}

/// Whether `view` of these payloads is worked out off the frame: the views that parse or
/// compare (JSON, diff, decoded) of payloads over [`theme::OFF_FRAME_BYTES`].
pub fn is_heavy(view: PayloadView, payload: &Payload, previous: Option<&Payload>) -> bool {
    let big = |p: &Payload| p.bytes().len() > theme::OFF_FRAME_BYTES;
    let decoded_big = || {
        payload
            .decoded()
            .and_then(|d| d.result.as_ref().ok())
            .is_some_and(|t| t.len() > theme::OFF_FRAME_BYTES)
    };
    match view {
        PayloadView::Rule => decoded_big(),
        // Decoding an image takes milliseconds even when it is small.
        PayloadView::Image => true,
        PayloadView::Json | PayloadView::Decoded(_) => big(payload),
        PayloadView::Diff => big(payload) || previous.is_some_and(big),
        PayloadView::Text | PayloadView::Hex => false,
    }
}

/// Works out `view` of `payload` (`previous`: the topic's message before it, for the diff;
/// `hex_per_row`: bytes a hex line shows, 0 for 16).
pub fn render_view(
    view: PayloadView,
    payload: &Payload,
    previous: Option<&Payload>,
    hex_per_row: usize,
    diff_deadline: Duration,
) -> Rendered {
    let bytes = payload.bytes();
    let mut note = None;
    let cut = |limit: usize, note: &mut Option<String>| {
        if bytes.len() > limit {
            *note = Some(format!(
                "Showing the first {} of {} bytes",
                limit,
                bytes.len()
            ));
        }
        &bytes[..bytes.len().min(limit)]
    };
    // Until a hex view measured its width: the classic 16 bytes a line.
    let per_row = if hex_per_row == 0 { 16 } else { hex_per_row };
    let hex_dump = |bytes: &[u8]| hex_dump_rows(bytes, per_row);
    // The raw payload, as text when it is text, else as hex (a rule failed on it).
    let raw = |bytes: &[u8]| match payload.text() {
        Some(_) => visible_text(bytes).into_owned(),
        None => hex_dump(bytes),
    };
    let mut out = Rendered::default();
    out.text = match view {
        PayloadView::Hex => hex_dump(cut(HEX_VIEW_BYTES, &mut note)),
        PayloadView::Diff => match previous {
            Some(before) => {
                let (lines, what) =
                    diff_lines(before, payload, theme::PAYLOAD_VIEW_BYTES, diff_deadline);
                let changed = lines.iter().filter(|(t, _)| *t != DiffTag::Same).count();
                note = Some(format!(
                    "Against the previous message ({what}): {changed} lines differ"
                ));
                out.diff = lines;
                String::new()
            }
            None => {
                note = Some("No earlier message of this topic is kept to compare".into());
                String::new()
            }
        },
        PayloadView::Text => match payload.text() {
            Some(_) => visible_text(cut(theme::PAYLOAD_VIEW_BYTES, &mut note)).into_owned(),
            None => {
                note = Some("Not valid UTF-8: invalid bytes shown as \\xNN".into());
                visible_text(cut(theme::PAYLOAD_VIEW_BYTES, &mut None)).into_owned()
            }
        },
        PayloadView::Decoded(decoder) => match decoder.decode(bytes) {
            Ok(value) => {
                let (lines, cut) = json_lines(&value, JSON_VIEW_LINES);
                if cut {
                    note = Some(format!("Showing the first {JSON_VIEW_LINES} lines"));
                }
                out.lines = lines;
                String::new()
            }
            Err(e) => {
                note = Some(format!("Not shown decoded: {e}"));
                hex_dump(cut(HEX_VIEW_BYTES, &mut None))
            }
        },
        PayloadView::Image => match decode_image(bytes) {
            Ok((pixels, said)) => {
                note = Some(said);
                out.image = Some(pixels);
                String::new()
            }
            Err(why) => {
                note = Some(format!("Not shown as an image: {why}"));
                hex_dump(cut(HEX_VIEW_BYTES, &mut None))
            }
        },
        PayloadView::Rule => match payload.decoded() {
            Some(decoded) => match (&decoded.result, decoded.value()) {
                (Ok(_), Some(value)) => {
                    let (lines, cut) = json_lines(&value, JSON_VIEW_LINES);
                    let mut said = format!("Decoded by the rule {}", decoded.by);
                    if let Some(errors) = &decoded.schema_errors {
                        said = match errors.split_first() {
                            None => format!("{said}; it passes the schema"),
                            Some((first, [])) => format!("{said}; it fails the schema: {first}"),
                            Some((first, more)) => format!(
                                "{said}; it fails the schema: {first} (and {} more)",
                                more.len()
                            ),
                        };
                    }
                    if cut {
                        said = format!("{said}; showing the first {JSON_VIEW_LINES} lines");
                    }
                    note = Some(said);
                    out.lines = lines;
                    String::new()
                }
                (Err(why), _) => {
                    note = Some(format!("Not decoded by the rule {}: {why}", decoded.by));
                    raw(cut(HEX_VIEW_BYTES, &mut None))
                }
                (Ok(_), None) => {
                    note = Some(format!("The rule {} gave no value", decoded.by));
                    raw(cut(HEX_VIEW_BYTES, &mut None))
                }
            },
            None => {
                note = Some("No decoder rule is for this topic".into());
                raw(cut(theme::PAYLOAD_VIEW_BYTES, &mut None))
            }
        },
        PayloadView::Json => {
            match payload
                .text()
                .map(serde_json::from_str::<serde_json::Value>)
            {
                Some(Ok(value)) => {
                    let (lines, cut) = json_lines(&value, JSON_VIEW_LINES);
                    if cut {
                        note = Some(format!("Showing the first {JSON_VIEW_LINES} lines"));
                    }
                    out.lines = lines;
                    String::new()
                }
                Some(Err(e)) => {
                    note = Some(format!("Not shown as JSON: {e}"));
                    visible_text(cut(theme::PAYLOAD_VIEW_BYTES, &mut None)).into_owned()
                }
                None => {
                    note = Some("Not shown as JSON: the payload is not UTF-8 text".into());
                    hex_dump(cut(HEX_VIEW_BYTES, &mut None))
                }
            }
        }
    };
    if payload.is_truncated() {
        let t = format!(
            "Truncated: {} of {} bytes kept (payload cap)",
            bytes.len(),
            payload.original_len()
        );
        note = Some(match note {
            Some(n) => format!("{t}. {n}"),
            None => t,
        });
    }
    out.note = note;
    out
}

/// A view being worked out on its own thread; the result comes back once.
#[derive(Debug)]
pub struct Preparing {
    result: mpsc::Receiver<Rendered>,
}

/// What [`Preparing::poll`] found.
pub enum Polled {
    Ready(Rendered),
    Waiting,
    /// The thread ended without an answer (it panicked).
    Failed,
}

impl Preparing {
    /// Starts working out `view` of copies of the payloads on a thread named
    /// `payload-view`, which asks `ctx` for a frame when it is done. `None` if no thread
    /// could be started (then the caller works it out on the frame).
    pub fn start(
        ctx: &egui::Context,
        view: PayloadView,
        payload: &Payload,
        previous: Option<&Payload>,
        hex_per_row: usize,
    ) -> Option<Self> {
        let (tx, rx) = mpsc::sync_channel(1);
        let (payload, previous) = (payload.clone(), previous.cloned());
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name("payload-view".into())
            .spawn(move || {
                let rendered = render_view(
                    view,
                    &payload,
                    previous.as_ref(),
                    hex_per_row,
                    DIFF_DEADLINE_OFF_FRAME,
                );
                let _ = tx.send(rendered); // the inspector moved on: nobody waits
                ctx.request_repaint();
            })
            .ok()?;
        Some(Self { result: rx })
    }

    pub fn poll(&self) -> Polled {
        match self.result.try_recv() {
            Ok(r) => Polled::Ready(r),
            Err(mpsc::TryRecvError::Empty) => Polled::Waiting,
            Err(mpsc::TryRecvError::Disconnected) => Polled::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_payload_says_so_once() {
        let payload = Payload::decode(b"0123456789", 4);
        let r = render_view(
            PayloadView::Text,
            &payload,
            None,
            16,
            DIFF_DEADLINE_ON_FRAME,
        );
        assert_eq!(r.text, "0123");
        assert_eq!(
            r.note.as_deref(),
            Some("Truncated: 4 of 10 bytes kept (payload cap)")
        );
        let r = render_view(
            PayloadView::Json,
            &payload,
            None,
            16,
            DIFF_DEADLINE_ON_FRAME,
        );
        let note = r.note.unwrap_or_default();
        assert_eq!(note.matches("Truncated").count(), 1, "{note}");
    }

    #[test]
    fn only_parsing_views_of_large_payloads_go_off_the_frame() {
        let big = Payload::decode(&vec![b'1'; theme::OFF_FRAME_BYTES + 1], 1 << 30);
        let small = Payload::decode(b"1", 1 << 30);
        assert!(is_heavy(PayloadView::Json, &big, None));
        assert!(!is_heavy(PayloadView::Text, &big, None));
        assert!(!is_heavy(PayloadView::Hex, &big, None));
        assert!(!is_heavy(PayloadView::Json, &small, None));
        assert!(is_heavy(PayloadView::Diff, &small, Some(&big)));
    }
}
