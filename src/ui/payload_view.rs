//! The payload of one message as text, pretty JSON or a hex dump, bounded in size.

use egui::Ui;

use super::theme;
use crate::model::payload::{hex_dump, pretty_json};
use crate::model::{Message, NodeId, PayloadKind};

/// How the payload is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PayloadView {
    Text,
    Json,
    Hex,
}

impl PayloadView {
    /// The view a payload opens in: JSON when it parses, hex when it is not UTF-8.
    pub fn default_for(kind: PayloadKind) -> Self {
        match kind {
            PayloadKind::Json => Self::Json,
            PayloadKind::Binary => Self::Hex,
            PayloadKind::Text | PayloadKind::Empty => Self::Text,
        }
    }
}

/// The rendered text of one payload in one view, kept until the message or view changes.
#[derive(Debug, Default)]
pub struct PayloadCache {
    key: Option<(NodeId, u64, PayloadView)>,
    text: String,
    /// Shown above the payload: why the view differs from what was asked, or what was cut.
    note: Option<String>,
}

/// Hex dumps are cut at this many bytes (a dump line is ~5× the bytes it shows).
const HEX_VIEW_BYTES: usize = 64 * 1024;

impl PayloadCache {
    fn render(&mut self, key: (NodeId, u64, PayloadView), message: &Message) {
        if self.key == Some(key) {
            return;
        }
        let payload = &message.payload;
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
        self.text = match key.2 {
            PayloadView::Hex => hex_dump(cut(HEX_VIEW_BYTES, &mut note)),
            PayloadView::Text => match payload.text() {
                Some(_) => {
                    String::from_utf8_lossy(cut(theme::PAYLOAD_VIEW_BYTES, &mut note)).into_owned()
                }
                None => {
                    note = Some("Not valid UTF-8: invalid bytes shown as �".into());
                    String::from_utf8_lossy(cut(theme::PAYLOAD_VIEW_BYTES, &mut None)).into_owned()
                }
            },
            PayloadView::Json => match payload.text().map(pretty_json) {
                Some(Ok(pretty)) if pretty.len() <= theme::PAYLOAD_VIEW_BYTES * 2 => pretty,
                Some(Ok(pretty)) => {
                    note = Some(format!(
                        "Showing the start of {} bytes of JSON",
                        pretty.len()
                    ));
                    let end = (0..=theme::PAYLOAD_VIEW_BYTES * 2)
                        .rev()
                        .find(|&i| pretty.is_char_boundary(i))
                        .unwrap_or(0);
                    pretty[..end].to_string()
                }
                Some(Err(e)) => {
                    note = Some(format!("Not shown as JSON: {e}"));
                    String::from_utf8_lossy(cut(theme::PAYLOAD_VIEW_BYTES, &mut None)).into_owned()
                }
                None => {
                    note = Some("Not shown as JSON: the payload is not UTF-8 text".into());
                    hex_dump(cut(HEX_VIEW_BYTES, &mut None))
                }
            },
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
        self.note = note;
        self.key = Some(key);
    }
}

/// Draws the payload of `message` (entry `seq` of topic `node`) in `view`.
pub fn payload_ui(
    ui: &mut Ui,
    cache: &mut PayloadCache,
    node: NodeId,
    seq: u64,
    view: PayloadView,
    message: &Message,
) {
    let dark = ui.visuals().dark_mode;
    cache.render((node, seq, view), message);
    if let Some(note) = &cache.note {
        ui.colored_label(theme::warn(dark), note);
    }
    if message.payload.kind() == PayloadKind::Empty {
        ui.colored_label(theme::muted(dark), "(empty payload)");
        return;
    }
    egui::ScrollArea::both()
        .id_salt("payload")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add(
                egui::Label::new(egui::RichText::new(cache.text.as_str()).font(theme::mono()))
                    .selectable(true)
                    .extend(),
            );
        });
}
