//! The payload of one message as text, pretty JSON, a hex dump, a diff or a decoded tree
//! (MessagePack, CBOR, Sparkplug B), bounded in size.

use egui::Ui;

use super::theme;
use crate::command::{Commands, TabCommand};
use crate::model::decode::{Decoder, default_decoder};
use crate::model::payload::{hex_dump_rows, hex_row_chars, visible_text};
use crate::model::views::{DiffTag, JsonLine, diff_lines, json_lines};
use crate::model::{Message, NodeId, PayloadKind, Plots, SeriesSpec};

/// How the payload is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PayloadView {
    Text,
    Json,
    Hex,
    /// Against the topic's previous message.
    Diff,
    /// Decoded from a binary format, shown like JSON.
    Decoded(Decoder),
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

    /// The view a message of `topic` opens in: decoded when [`default_decoder`] says so
    /// (Sparkplug B under `spBv1.0/`), otherwise as [`Self::default_for`].
    pub fn natural(topic: &str, payload: &crate::model::Payload) -> Self {
        match default_decoder(topic, payload.bytes()) {
            Some(d) => Self::Decoded(d),
            None => Self::default_for(payload.kind()),
        }
    }
}

/// The rendered text of one payload in one view, kept until the message or view changes.
#[derive(Debug, Default)]
pub struct PayloadCache {
    key: Option<(NodeId, u64, PayloadView)>,
    text: String,
    /// Byte ranges of `text` drawn as rows: its lines, long ones cut every
    /// [`ROW_CHARS`] characters, so only the rows in view are laid out and painted.
    rows: Vec<(usize, usize)>,
    /// The diff view, line by line; empty for other views.
    diff: Vec<(DiffTag, String)>,
    /// The JSON view, line by line (numeric values clickable); empty for other views.
    lines: Vec<JsonLine>,
    /// Shown above the payload: why the view differs from what was asked, or what was cut.
    note: Option<String>,
    /// Characters per row the rows were split at (the view's width when wrapping).
    row_chars: usize,
    /// Bytes a hex view line shows: as many as fit the view's width, ASCII included.
    hex_per_row: usize,
}

/// Hex dumps are cut at this many bytes (a dump line is ~5× the bytes it shows).
const HEX_VIEW_BYTES: usize = 64 * 1024;

/// Characters per row before a long line continues on the next row.
const ROW_CHARS: usize = 1000;

/// Splits `text` into rows: at line breaks, and every `row_chars` characters of a long line.
fn split_rows(text: &str, row_chars: usize) -> Vec<(usize, usize)> {
    let mut rows = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        let mut from = start;
        let mut chars = 0;
        for (i, _) in line.char_indices() {
            if chars == row_chars {
                rows.push((from, start + i));
                from = start + i;
                chars = 0;
            }
            chars += 1;
        }
        rows.push((from, start + line.len()));
        start += line.len() + 1;
    }
    // A trailing line break leaves no row of its own.
    if rows.len() > 1 && rows.last().is_some_and(|(a, b)| a == b) {
        rows.pop();
    }
    rows
}

/// Lines of the JSON view before the rest is cut.
const JSON_VIEW_LINES: usize = 50_000;

impl PayloadCache {
    fn render(
        &mut self,
        key: (NodeId, u64, PayloadView),
        message: &Message,
        previous: Option<&Message>,
    ) {
        if self.key == Some(key) {
            return;
        }
        self.diff.clear();
        let payload = &message.payload;
        let bytes = payload.bytes();
        let mut note = None;
        self.lines.clear();
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
        let per_row = if self.hex_per_row == 0 {
            16
        } else {
            self.hex_per_row
        };
        let hex_dump = |bytes: &[u8]| hex_dump_rows(bytes, per_row);
        self.text = match key.2 {
            PayloadView::Hex => hex_dump(cut(HEX_VIEW_BYTES, &mut note)),
            PayloadView::Diff => match previous {
                Some(before) => {
                    let (lines, what) =
                        diff_lines(&before.payload, payload, theme::PAYLOAD_VIEW_BYTES);
                    let changed = lines.iter().filter(|(t, _)| *t != DiffTag::Same).count();
                    note = Some(format!(
                        "Against the previous message ({what}): {changed} lines differ"
                    ));
                    self.diff = lines;
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
                    self.lines = lines;
                    String::new()
                }
                Err(e) => {
                    note = Some(format!("Not shown decoded: {e}"));
                    hex_dump(cut(HEX_VIEW_BYTES, &mut None))
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
                        self.lines = lines;
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
        self.note = note;
        self.rows = split_rows(&self.text, ROW_CHARS);
        self.row_chars = ROW_CHARS;
        self.key = Some(key);
    }
}

/// Draws the payload of `message` (entry `seq` of topic `node`, named `topic`) in `view`.
/// In the JSON view numeric values are links that plot that field.
#[allow(clippy::too_many_arguments)]
pub fn payload_ui(
    ui: &mut Ui,
    cache: &mut PayloadCache,
    node: NodeId,
    seq: u64,
    (view, wrap): (PayloadView, bool),
    (message, previous): (&Message, Option<&Message>),
    topic: &str,
    plots: &Plots,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let font = theme::mono();
    let (row_height, glyph) = ui.fonts_mut(|f| (f.row_height(&font), f.glyph_width(&font, 'x')));
    let columns = ((ui.available_width() - ui.spacing().scroll.bar_width - 4.0) / glyph.max(1.0))
        .max(0.0) as usize;
    if view == PayloadView::Hex {
        let per_row = [16, 8, 4]
            .into_iter()
            .find(|&n| hex_row_chars(n) <= columns)
            .unwrap_or(4);
        if per_row != cache.hex_per_row {
            cache.hex_per_row = per_row;
            cache.key = None; // laid out again at the new width
        }
    }
    cache.render((node, seq, view), message, previous);
    if let Some(note) = &cache.note {
        ui.colored_label(theme::warn(dark), note);
    }
    if message.payload.kind() == PayloadKind::Empty {
        ui.colored_label(theme::muted(dark), "(empty payload)");
        return;
    }
    if !cache.lines.is_empty() {
        let decoder = match view {
            PayloadView::Decoded(d) => Some(d),
            _ => None,
        };
        json_view_ui(ui, &cache.lines, topic, decoder, plots, commands);
        return;
    }
    if view == PayloadView::Diff {
        diff_view_ui(ui, &cache.diff);
        return;
    }
    // Wrapping in the Text view: rows as wide as the view (the font is monospaced), so
    // they are still laid out only when in view.
    let row_chars = if wrap && view == PayloadView::Text {
        columns.clamp(20, ROW_CHARS)
    } else {
        ROW_CHARS
    };
    if row_chars != cache.row_chars {
        cache.rows = split_rows(&cache.text, row_chars);
        cache.row_chars = row_chars;
    }
    let area = if row_chars < ROW_CHARS {
        egui::ScrollArea::vertical()
    } else {
        egui::ScrollArea::both()
    };
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        area.id_salt("payload")
            .min_scrolled_height(theme::fitting_height(ui))
            .auto_shrink([false, false])
            .show_rows(ui, row_height, cache.rows.len(), |ui, range| {
                for &(a, b) in &cache.rows[range] {
                    ui.add(
                        egui::Label::new(egui::RichText::new(&cache.text[a..b]).font(font.clone()))
                            .selectable(true)
                            .extend(),
                    );
                }
            });
    });
}

impl PayloadCache {
    /// What the current view shows, as one text (for "Copy").
    pub fn shown_text(&self) -> String {
        if !self.diff.is_empty() {
            let lines: Vec<String> = self
                .diff
                .iter()
                .map(|(tag, l)| match tag {
                    DiffTag::Same => format!("  {l}"),
                    DiffTag::Removed => format!("- {l}"),
                    DiffTag::Added => format!("+ {l}"),
                })
                .collect();
            lines.join("\n")
        } else if self.lines.is_empty() {
            self.text.clone()
        } else {
            let lines: Vec<String> = self.lines.iter().map(JsonLine::text).collect();
            lines.join("\n")
        }
    }
}

/// The diff, only the visible lines drawn: removed lines marked `-`, added `+`.
fn diff_view_ui(ui: &mut Ui, lines: &[(DiffTag, String)]) {
    let dark = ui.visuals().dark_mode;
    let font = theme::mono();
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        egui::ScrollArea::both()
            .id_salt("diff")
            .auto_shrink([false, false])
            .min_scrolled_height(theme::fitting_height(ui))
            .show_rows(ui, row_height, lines.len(), |ui, range| {
                for (tag, line) in &lines[range] {
                    let (mark, color) = match tag {
                        DiffTag::Same => (' ', ui.visuals().text_color()),
                        DiffTag::Removed => ('-', theme::error(dark)),
                        DiffTag::Added => ('+', theme::good(dark)),
                    };
                    let text = egui::RichText::new(format!("{mark} {line}"))
                        .font(font.clone())
                        .color(color);
                    ui.add(egui::Label::new(text).selectable(true).extend());
                }
            });
    });
}

/// Pretty JSON (or a decoded tree), only the visible lines drawn; a click on a numeric value
/// plots it.
fn json_view_ui(
    ui: &mut Ui,
    lines: &[JsonLine],
    topic: &str,
    decoder: Option<Decoder>,
    plots: &Plots,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let font = theme::mono();
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    let indent_width = ui.fonts_mut(|f| f.glyph_width(&font, ' ')) * 2.0;
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing = egui::vec2(0.0, 0.0);
        egui::ScrollArea::both()
            .id_salt("payload")
            .auto_shrink([false, false])
            .min_scrolled_height(theme::fitting_height(ui))
            .show_rows(ui, row_height, lines.len(), |ui, range| {
                for line in &lines[range] {
                    ui.horizontal(|ui| {
                        ui.add_space(indent_width * line.indent as f32);
                        if !line.key.is_empty() {
                            ui.add(egui::Label::new(
                                egui::RichText::new(line.key.as_str()).font(font.clone()),
                            ));
                        }
                        let value = egui::RichText::new(line.value.as_str()).font(font.clone());
                        match &line.field {
                            Some(path) => {
                                let spec = SeriesSpec::new(topic, path).decoded(decoder);
                                let plotted = plots.contains(&spec);
                                let text = if plotted {
                                    value.color(theme::series_color(dark, 0)).underline()
                                } else {
                                    value.color(theme::value_text(dark))
                                };
                                let response = ui
                                    .add(egui::Label::new(text).sense(egui::Sense::click()))
                                    .on_hover_cursor(egui::CursorIcon::PointingHand)
                                    .on_hover_text(if plotted {
                                        format!("{path} is plotted")
                                    } else {
                                        format!("Plot {path}")
                                    });
                                let label = format!("Plot {path}");
                                response.widget_info(|| {
                                    egui::WidgetInfo::labeled(egui::Role::Button, true, &label)
                                });
                                if response.clicked() && !plotted {
                                    commands.tab(TabCommand::AddSeries(spec));
                                }
                            }
                            None => {
                                ui.add(egui::Label::new(value));
                            }
                        }
                        if line.comma {
                            ui.add(egui::Label::new(
                                egui::RichText::new(",").font(font.clone()),
                            ));
                        }
                    });
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_lines_and_cut_long_ones() {
        assert_eq!(split_rows("a\nbc\n", ROW_CHARS), [(0, 1), (2, 4)]);
        assert_eq!(split_rows("", ROW_CHARS), [(0, 0)]);
        assert_eq!(split_rows("\n\n", ROW_CHARS), [(0, 0), (1, 1)]);
        let long = "é".repeat(2500);
        let rows = split_rows(&long, ROW_CHARS);
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter()
                .all(|&(a, b)| long.is_char_boundary(a) && long.is_char_boundary(b))
        );
        assert_eq!(rows[0], (0, 2000), "1,000 two-byte characters");
        assert_eq!(rows[2].1, long.len());
    }

    #[test]
    fn wrapping_splits_at_the_view_width() {
        let line = "0123456789".repeat(10);
        let rows = split_rows(&line, 30);
        assert_eq!(rows, [(0, 30), (30, 60), (60, 90), (90, 100)]);
    }
}
