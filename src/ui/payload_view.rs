//! The payload of one message as text, pretty JSON, a hex dump, a diff or a decoded tree
//! (MessagePack, CBOR, Sparkplug B), bounded in size.

use egui::Ui;

use super::payload_image::image_format;
use super::payload_render::{
    DIFF_DEADLINE_ON_FRAME, Polled, Preparing, Rendered, is_heavy, render_view,
};
use super::theme;
use crate::command::{Commands, TabCommand};
use crate::model::decode::{Decoder, default_decoder};
use crate::model::payload::hex_row_chars;
use crate::model::views::{DiffTag, JsonLine};
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
    /// What the topic's decoder rule made of the payload on arrival, shown like JSON.
    Rule,
    /// A PNG, JPEG, GIF, WebP or BMP payload, as a picture.
    Image,
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

    /// The view a message of `topic` opens in: what its decoder rule made of it (the
    /// automatic Sparkplug B rule included) when one is for it; decoded when
    /// [`default_decoder`] says so (messages filed without the worker's rules); otherwise
    /// as [`Self::default_for`].
    pub fn natural(topic: &str, payload: &crate::model::Payload) -> Self {
        if payload.decoded().is_some() {
            return Self::Rule;
        }
        if payload.kind() == PayloadKind::Binary && image_format(payload.bytes()).is_some() {
            return Self::Image;
        }
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
    /// A view being worked out off the frame, and for what.
    preparing: Option<((NodeId, u64, PayloadView), Preparing)>,
    /// The Image view's picture: decoded, until it is a texture, then the texture.
    image: Picture,
}

/// An image payload's picture, on its way to the GPU.
#[derive(Default)]
enum Picture {
    #[default]
    None,
    Decoded(egui::ColorImage),
    Texture(egui::TextureHandle),
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Decoded(_) => "Decoded",
            Self::Texture(_) => "Texture",
        })
    }
}

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

impl PayloadCache {
    /// Makes the cache show `key` (`view` of `message`): at once when it is cheap, else on
    /// a background thread (one at a time: a newer request waits for it), meanwhile
    /// [`Self::preparing`] says so.
    fn render(
        &mut self,
        ctx: &egui::Context,
        key: (NodeId, u64, PayloadView),
        message: &Message,
        previous: Option<&Message>,
    ) {
        if self.key == Some(key) {
            return;
        }
        if let Some((for_key, preparing)) = &self.preparing {
            let for_key = *for_key;
            match preparing.poll() {
                Polled::Waiting => return,
                Polled::Ready(r) => {
                    self.preparing = None;
                    if for_key == key {
                        self.apply(key, r);
                        return;
                    }
                }
                Polled::Failed => {
                    self.preparing = None;
                    if for_key == key {
                        let note = Some("This view could not be prepared".to_string());
                        self.apply(
                            key,
                            Rendered {
                                note,
                                ..Rendered::default()
                            },
                        );
                        return;
                    }
                }
            }
        }
        let (payload, before) = (&message.payload, previous.map(|m| &m.payload));
        let (view, per_row) = (key.2, self.hex_per_row);
        if is_heavy(view, payload, before)
            && let Some(p) = Preparing::start(ctx, view, payload, before, per_row)
        {
            self.preparing = Some((key, p));
            return;
        }
        let r = render_view(view, payload, before, per_row, DIFF_DEADLINE_ON_FRAME);
        self.apply(key, r);
    }

    fn apply(&mut self, key: (NodeId, u64, PayloadView), r: Rendered) {
        self.image = r.image.map_or(Picture::None, Picture::Decoded);
        self.text = r.text;
        self.diff = r.diff;
        self.lines = r.lines;
        self.note = r.note;
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
    cache.render(ui.ctx(), (node, seq, view), message, previous);
    if cache.key != Some((node, seq, view)) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.colored_label(
                theme::muted(dark),
                format!(
                    "Preparing the view of {}…",
                    crate::model::units::format_bytes(message.payload.bytes().len())
                ),
            );
        });
        return;
    }
    if let Some(note) = &cache.note {
        ui.colored_label(theme::warn(dark), note);
    }
    if message.payload.kind() == PayloadKind::Empty {
        ui.colored_label(theme::muted(dark), "(empty payload)");
        return;
    }
    if !cache.lines.is_empty() {
        let base = SeriesSpec::new(topic, &crate::model::JsonPath::default());
        let base = match view {
            PayloadView::Decoded(d) => base.decoded(Some(d)),
            PayloadView::Rule => base.by_rule(message.payload.decoded().map(|d| &*d.by)),
            _ => base,
        };
        json_view_ui(ui, &cache.lines, &base, plots, commands);
        return;
    }
    if view == PayloadView::Diff {
        diff_view_ui(ui, &cache.diff);
        return;
    }
    if view == PayloadView::Image && picture_ui(ui, cache) {
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

/// The Image view's picture, scaled to fit the view (never up); false when there is none
/// (the note says why).
fn picture_ui(ui: &mut Ui, cache: &mut PayloadCache) -> bool {
    // Made a texture once; taken out only when it is still the decoded picture.
    if matches!(cache.image, Picture::Decoded(_))
        && let Picture::Decoded(pixels) = std::mem::take(&mut cache.image)
    {
        let texture = ui
            .ctx()
            .load_texture("payload-image", pixels, egui::TextureOptions::LINEAR);
        cache.image = Picture::Texture(texture);
    }
    let Picture::Texture(texture) = &cache.image else {
        return false;
    };
    let said = cache.note.clone().unwrap_or_default();
    // As large as the view allows, keeping its shape; a small snapshot up to 4× its size.
    // What is in view below the note: in a short, scrolling inspector the space left can
    // be taller than what shows.
    let visible = ui.clip_rect().bottom() - ui.cursor().min.y;
    let room = egui::vec2(
        ui.available_width(),
        ui.available_height()
            .min(visible)
            .max(theme::SCROLL_MIN_HEIGHT),
    );
    let size = texture.size_vec2();
    let scale = (room.x / size.x.max(1.0))
        .min(room.y / size.y.max(1.0))
        .clamp(0.0, theme::IMAGE_MOST_UPSCALE);
    ui.add(
        egui::Image::from_texture(texture)
            .fit_to_exact_size(size * scale)
            .alt_text(said),
    );
    true
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
    base: &SeriesSpec,
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
                                let spec = SeriesSpec {
                                    path: path.to_string(),
                                    ..base.clone()
                                };
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
