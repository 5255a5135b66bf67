//! The inspector's history list: the topic's messages kept in memory, newest first, then
//! its older messages from the history on disk, read a page at a time as the list is
//! scrolled to its end.

use egui::Ui;

use super::inspector::{Inspector, format_bytes, format_time};
use super::theme;
use crate::command::{Commands, TabCommand};
use crate::model::{Message, NodeId, Store};

/// A topic's older messages read back from the history on disk, newest first (the app
/// fills it; the list asks for the next page).
#[derive(Debug, Default)]
pub struct OlderOnDisk {
    /// Whether this tab keeps a history on disk to read from.
    pub available: bool,
    /// The topic the rows belong to.
    pub topic: String,
    /// Row id in the history file and the message, newest first.
    pub rows: Vec<(i64, Message)>,
    /// The last page was full: more may be stored.
    pub more: bool,
    /// A page is being read.
    pub loading: bool,
    pub error: Option<String>,
}

impl OlderOnDisk {
    /// The rows, if they belong to `topic`.
    pub fn of(&self, topic: &str) -> &[(i64, Message)] {
        if self.topic == topic { &self.rows } else { &[] }
    }

    /// Whether the next page of `topic` should be read when the end of the list shows.
    fn wants_page(&self, topic: &str) -> bool {
        self.available
            && !self.loading
            && self.error.is_none()
            && (self.topic != topic || self.more)
    }
}

/// What a history row shows: time, size and the start of the payload.
fn row_text(m: &Message) -> String {
    format!(
        "{}  {:>10}  {}",
        format_time(m.received_at_us / 1000, false),
        format_bytes(m.payload.original_len()),
        m.payload.preview(48)
    )
}

/// Which row of the list is shown in the inspector.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// A history entry in memory, by sequence number.
    Memory(u64),
    /// A row of [`OlderOnDisk`], by index.
    Disk(usize),
}

pub(super) fn history_ui(
    ui: &mut Ui,
    store: &Store,
    (id, path): (NodeId, &str),
    (state, older_on_disk): (&mut Inspector, &OlderOnDisk),
    shown: Shown,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let node = store.tree().node(id);
    let Some(history) = node.history() else {
        return;
    };
    let older = older_on_disk.of(path);
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.strong("History");
        let mut text = format!(
            "{} kept of {} received ({}; limit {} per topic)",
            history.len(),
            node.own_messages(),
            format_bytes(history.bytes()),
            store.limits().max_per_topic
        );
        if !older.is_empty() {
            text.push_str(&format!(" · {} older from disk", older.len()));
        }
        ui.colored_label(theme::muted(dark), text);
    });
    let n = history.len();
    let first = history.first_seq();
    let disk = older.len();
    // One more row at the end for the history on disk: what is being read, or why not.
    let footer = usize::from(older_on_disk.available);
    let mut picked = None;
    let mut wants_page = false;
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        egui::ScrollArea::vertical()
            .id_salt("history")
            .auto_shrink([false, false])
            .min_scrolled_height(theme::fitting_height(ui))
            .show_rows(
                ui,
                theme::HISTORY_ROW_HEIGHT,
                n + disk + footer,
                |ui, range| {
                    for row in range {
                        if row < n {
                            // Newest first.
                            let seq = first + (n - 1 - row) as u64;
                            let Some(m) = history.entry(seq) else {
                                continue;
                            };
                            let selected = shown == Shown::Memory(seq);
                            if history_row_ui(ui, &row_text(m), selected, None).clicked() {
                                picked = Some(Shown::Memory(seq));
                            }
                        } else if let Some((_, m)) = older.get(row - n) {
                            let selected = shown == Shown::Disk(row - n);
                            let muted = Some(theme::muted(dark));
                            if history_row_ui(ui, &row_text(m), selected, muted).clicked() {
                                picked = Some(Shown::Disk(row - n));
                            }
                        } else {
                            wants_page = footer_ui(ui, older_on_disk, path);
                        }
                    }
                },
            );
    });
    match picked {
        // The newest entry: follow the latest message again.
        Some(Shown::Memory(seq)) if seq + 1 == first + n as u64 => {
            state.picked = None;
            state.picked_older = None;
        }
        Some(Shown::Memory(seq)) => {
            state.picked = Some(seq);
            state.picked_older = None;
        }
        Some(Shown::Disk(i)) => state.picked_older = Some(i),
        None => {}
    }
    if wants_page {
        // The first page: older than the oldest message in memory; the app goes on from
        // the last row read for the next.
        let until_us = match older.last() {
            Some(_) => None,
            None => history.entries().next().map(|m| m.received_at_us),
        };
        commands.tab(TabCommand::LoadOlder {
            topic: path.to_owned(),
            until_us,
        });
    }
}

/// The last row: reading, an error, the end, or that more follows; true when the next page
/// should be read now (the row is in sight and more may be stored).
fn footer_ui(ui: &mut Ui, older: &OlderOnDisk, topic: &str) -> bool {
    let dark = ui.visuals().dark_mode;
    let (text, color) = if let Some(e) = &older.error {
        (
            format!("The history on disk cannot be read: {e}"),
            theme::error(dark),
        )
    } else if older.loading {
        (
            "Reading older messages from disk…".to_owned(),
            theme::muted(dark),
        )
    } else if older.wants_page(topic) {
        ("Older messages from disk…".to_owned(), theme::muted(dark))
    } else {
        ("No older messages on disk".to_owned(), theme::muted(dark))
    };
    let size = egui::vec2(ui.available_width(), theme::HISTORY_ROW_HEIGHT);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
    paint_row_text(ui, rect, &text, theme::body(), color);
    older.wants_page(topic)
}

/// One clickable, left-aligned history row (`color`: muted for rows from disk).
fn history_row_ui(
    ui: &mut Ui,
    text: &str,
    selected: bool,
    color: Option<egui::Color32>,
) -> egui::Response {
    let size = egui::vec2(ui.available_width(), theme::HISTORY_ROW_HEIGHT);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Row, true, selected, text));
    let visuals = ui.visuals();
    if selected {
        ui.painter()
            .rect_filled(rect, 2.0, visuals.selection.bg_fill);
    } else if response.hovered() {
        ui.painter()
            .rect_filled(rect, 2.0, visuals.widgets.hovered.weak_bg_fill);
    }
    let color = if selected {
        visuals.selection.stroke.color
    } else {
        color.unwrap_or(visuals.text_color())
    };
    paint_row_text(ui, rect, text, theme::mono_small(), color);
    response
}

/// A row's text, left-aligned in `rect`.
fn paint_row_text(ui: &Ui, rect: egui::Rect, text: &str, font: egui::FontId, color: egui::Color32) {
    ui.painter_at(rect).text(
        rect.left_center() + egui::vec2(theme::ROW_TEXT_INSET, 0.0),
        egui::Align2::LEFT_CENTER,
        text,
        font,
        color,
    );
}
