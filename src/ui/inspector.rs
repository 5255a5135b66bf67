//! The message inspector: topic, metadata, MQTT 5 properties, payload views and history.

use egui::Ui;

use crate::command::{Commands, TabCommand};

use super::decode_picker::decode_as_ui;
use super::inspector_history::{OlderOnDisk, Shown, history_ui};
use super::message_meta::{metadata_ui, properties_ui};
use super::payload_view::{PayloadCache, PayloadView, payload_ui};
use super::theme;
use crate::model::payload::visible_text;
use crate::model::series::parse_number;
use crate::model::{Message, NodeId, SeriesSpec, Store, TopicHistory};

/// Inspector state that survives between frames.
#[derive(Debug, Default)]
pub struct Inspector {
    /// The topic the fields below belong to; a new selection resets them.
    node: Option<NodeId>,
    /// History entry picked by the user; `None` follows the latest message.
    pub(super) picked: Option<u64>,
    /// A row of `older` picked by the user (before `picked`).
    pub(super) picked_older: Option<usize>,
    /// The topic's older messages from the history on disk.
    pub older: OlderOnDisk,
    /// View picked by the user; `None` uses the payload's natural view.
    view: Option<PayloadView>,
    /// The Text view runs long lines on one row (wrapping is the default).
    no_wrap: bool,
    cache: PayloadCache,
    /// The subscription identifiers of the connection and their filters, to say which
    /// subscriptions delivered a message.
    pub subscription_filters: Vec<(usize, String)>,
    /// A message from the history on disk (a search result) shown instead of the tree's
    /// selection, until the selection changes or "Back to the tree".
    pub stored: Option<StoredShown>,
}

/// A stored message in the inspector.
#[derive(Debug)]
pub struct StoredShown {
    /// Its row in the history file.
    pub id: i64,
    pub topic: String,
    pub message: Message,
    /// The tree's selection when it was first shown (`None`: not drawn yet).
    pub shown_with: Option<Option<NodeId>>,
}

/// Local wall-clock time with milliseconds, e.g. `2026-11-24 22:13:21.042`.
pub fn format_time(ms: i64, with_date: bool) -> String {
    let fmt = if with_date {
        "%Y-%m-%d %H:%M:%S%.3f"
    } else {
        "%H:%M:%S%.3f"
    };
    format_local(ms, fmt).unwrap_or_else(|| format!("{ms} ms"))
}

/// `ms` (since the epoch) in local time in the chrono format `fmt`; `None` out of range.
pub fn format_local(ms: i64, fmt: &str) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format(fmt).to_string())
}

pub use crate::model::units::format_bytes;

/// `0.2 msg/s`, `12 msg/s`, `1,234 msg/s`.
pub fn format_rate(rate: f64) -> String {
    if rate < 10.0 {
        format!("{rate:.1} msg/s")
    } else {
        format!(
            "{} msg/s",
            crate::model::units::thousands(rate.round() as u64)
        )
    }
}

/// Draws the inspector for `selected`.
pub fn inspector_ui(
    ui: &mut Ui,
    store: &Store,
    selected: Option<NodeId>,
    state: &mut Inspector,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    if let Some(st) = &mut state.stored {
        match st.shown_with {
            None => st.shown_with = Some(selected),
            Some(was) if was != selected => state.stored = None,
            Some(_) => {}
        }
    }
    if state.stored.is_some() {
        stored_ui(ui, store, state, commands);
        return;
    }
    let Some(id) = selected else {
        ui.add_space(theme::GROUP_GAP);
        ui.colored_label(
            theme::muted(dark),
            "Select a topic in the tree to inspect its messages",
        );
        return;
    };
    if state.node != Some(id) {
        state.node = Some(id);
        state.picked = None;
        state.picked_older = None;
        state.view = None;
    }
    let tree = store.tree();
    let node = tree.node(id);
    let Some(path) = tree.path(id) else {
        return; // removed: the selection is cleared next
    };
    topic_header_ui(ui, &path);

    if node.history().is_none() {
        use crate::model::units::count;
        ui.label(if path.is_empty() {
            format!(
                "(empty level: topics starting with /). No message on it; below it: {}, {}",
                count(node.topics_below() as u64, "topic", "topics"),
                count(node.messages(), "message", "messages")
            )
        } else {
            format!(
                "No message on this exact topic. Below it: {}, {}",
                count(node.topics_below() as u64, "topic", "topics"),
                count(node.messages(), "message", "messages")
            )
        });
        return;
    }
    // Too short for the payload and the history to share: the inspector scrolls as a
    // whole, each at a fixed height, rather than one drawn over the other.
    if ui.available_height() < theme::INSPECTOR_COMPACT_BELOW {
        egui::ScrollArea::vertical()
            .id_salt("inspector_compact")
            .auto_shrink([false, false])
            .min_scrolled_height(theme::fitting_height(ui))
            .show(ui, |ui| {
                message_ui(ui, store, (id, &path), state, commands, true)
            });
    } else {
        message_ui(ui, store, (id, &path), state, commands, false);
    }
}

/// The shown message of topic `id` (named `path`): metadata, properties, actions, payload
/// and history; `compact` stacks them at fixed heights in a scrolling inspector.
fn message_ui(
    ui: &mut Ui,
    store: &Store,
    (id, path): (NodeId, &str),
    state: &mut Inspector,
    commands: &mut Commands,
    compact: bool,
) {
    // Out of the state while drawn: a row from disk is shown without a copy.
    let older = std::mem::take(&mut state.older);
    shown_message_ui(ui, store, (id, path), (state, &older), commands, compact);
    state.older = older;
}

fn shown_message_ui(
    ui: &mut Ui,
    store: &Store,
    (id, path): (NodeId, &str),
    (state, older): (&mut Inspector, &OlderOnDisk),
    commands: &mut Commands,
    compact: bool,
) {
    let Some(history) = store.tree().node(id).history() else {
        return;
    };
    let node = store.tree().node(id);
    let latest_seq = history.first_seq() + history.len() as u64 - 1;
    if state.picked.is_some_and(|s| history.entry(s).is_none()) {
        state.picked = None;
    }
    let rows = older.of(path);
    if state.picked_older.is_some_and(|i| i >= rows.len()) {
        state.picked_older = None;
    }
    let seq = state.picked.unwrap_or(latest_seq);
    // What is shown, its previous message (for the diff), and its key in the payload cache.
    let (shown, message, previous, key) = match state.picked_older {
        Some(i) => {
            let (row, m) = &rows[i];
            // No history entry has this sequence number.
            let key = u64::MAX - row.unsigned_abs();
            (Shown::Disk(i), m, rows.get(i + 1).map(|(_, m)| m), key)
        }
        None => {
            let Some(message) = history.entry(seq) else {
                return;
            };
            let previous = match seq.checked_sub(1).and_then(|s| history.entry(s)) {
                Some(p) => Some(p),
                None => rows.first().map(|(_, m)| m),
            };
            (Shown::Memory(seq), message, previous, seq)
        }
    };
    let picked = state.picked.is_some() || state.picked_older.is_some();
    let natural = PayloadView::natural(path, &message.payload);
    let rate = recent_rate(history);
    let received = node.own_messages();
    let details_ui = |ui: &mut Ui, state: &mut Inspector, commands: &mut Commands| {
        metadata_ui(ui, message, Some(received), rate, picked);
        if let Some(props) = &message.properties {
            properties_ui(
                ui,
                props,
                message.received_at_us,
                &state.subscription_filters,
            );
        }
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Edit as new message")
                .on_hover_text("Copy this message into the publish panel")
                .clicked()
            {
                commands.tab(match shown {
                    Shown::Memory(seq) => TabCommand::EditAsNew(id, seq),
                    Shown::Disk(i) => TabCommand::EditOlderAsNew(i),
                });
            }
            plot_button_ui(ui, store, path, message, commands);
            if picked && ui.button("Back to the latest message").clicked() {
                state.picked = None;
                state.picked_older = None;
            }
        });
    };
    let view_and_payload_ui = |ui: &mut Ui, state: &mut Inspector, commands: &mut Commands| {
        let view = view_picker_ui(ui, state, natural, (message, path), commands);
        payload_ui(
            ui,
            &mut state.cache,
            id,
            key,
            (view, !state.no_wrap),
            (message, previous),
            path,
            store.plots(),
            commands,
        );
    };
    if compact {
        // The payload first: in a short inspector it is what the user came for.
        let width = ui.available_width();
        ui.allocate_ui(egui::vec2(width, theme::PAYLOAD_COMPACT_HEIGHT), |ui| {
            view_and_payload_ui(ui, state, commands);
        });
        ui.separator();
        details_ui(ui, state, commands);
        ui.allocate_ui(egui::vec2(width, theme::HISTORY_COMPACT_HEIGHT), |ui| {
            history_ui(ui, store, (id, path), (state, older), shown, commands);
        });
        return;
    }
    details_ui(ui, state, commands);

    // History at the bottom, payload in the space between.
    let height = ui.available_height();
    egui::Panel::bottom("history")
        .resizable(true)
        .default_size(theme::HISTORY_HEIGHT)
        .min_size(theme::HISTORY_MIN_HEIGHT)
        // The history splits the inspector with the payload: it never takes more than its
        // share, so the view row and the payload keep their room.
        .max_size(theme::panel_max(
            height,
            theme::HISTORY_MAX_SHARE,
            theme::HISTORY_MIN_HEIGHT,
        ))
        .show(ui, |ui| {
            history_ui(ui, store, (id, path), (state, older), shown, commands)
        });
    view_and_payload_ui(ui, state, commands);
}

/// A message from the history on disk: where it came from, its metadata, properties and
/// payload in every view, and "Edit as new message".
fn stored_ui(ui: &mut Ui, store: &Store, state: &mut Inspector, commands: &mut Commands) {
    let Some(st) = state.stored.take() else {
        return;
    };
    let mut back = false;
    ui.horizontal_wrapped(|ui| {
        back = ui.button("Back to the tree").clicked();
        ui.colored_label(
            theme::muted(ui.visuals().dark_mode),
            "A message from the history on disk",
        );
    });
    topic_header_ui(ui, &st.topic);
    metadata_ui(ui, &st.message, None, 0.0, false);
    if let Some(props) = &st.message.properties {
        properties_ui(
            ui,
            props,
            st.message.received_at_us,
            &state.subscription_filters,
        );
    }
    if ui
        .button("Edit as new message")
        .on_hover_text("Copy this message into the publish panel")
        .clicked()
    {
        commands.tab(TabCommand::Search(crate::command::SearchCommand::EditAsNew));
    }
    let natural = PayloadView::natural(&st.topic, &st.message.payload);
    let view = view_picker_ui(ui, state, natural, (&st.message, &st.topic), commands);
    // Its own key in the payload cache: no history entry has this sequence number.
    let key = u64::MAX - st.id.unsigned_abs();
    payload_ui(
        ui,
        &mut state.cache,
        NodeId::ROOT,
        key,
        (view, !state.no_wrap),
        (&st.message, None),
        &st.topic,
        store.plots(),
        commands,
    );
    if !back {
        state.stored = Some(st);
    }
}

/// The topic in full, and a button to copy it.
fn topic_header_ui(ui: &mut Ui, path: &str) {
    ui.horizontal(|ui| {
        if ui.button("Copy topic").clicked() {
            ui.ctx().copy_text(path.to_owned());
        }
        ui.add(
            egui::Label::new(
                egui::RichText::new(visible_text(path.as_bytes()))
                    .font(theme::mono())
                    .strong(),
            )
            .wrap(),
        );
    });
    ui.separator();
}

/// Messages a second on the topic over the last complete seconds, from its history: no
/// per-topic counting while Top talkers is closed.
fn recent_rate(history: &TopicHistory) -> f64 {
    let window_us = crate::model::TopicRates::SECONDS as i64 * 1_000_000;
    let recent = history.count_since(crate::model::message::now_us() - window_us);
    recent as f64 / crate::model::TopicRates::SECONDS as f64
}

/// The payload view picker ("Decode as" among them) and Copy; the view to show, the
/// user's pick or else `natural`.
fn view_picker_ui(
    ui: &mut Ui,
    state: &mut Inspector,
    natural: PayloadView,
    (message, path): (&Message, &str),
    commands: &mut Commands,
) -> PayloadView {
    let mut view = state.view.unwrap_or(natural);
    // Wrapped, so that nothing on this row is cut off in a narrow inspector.
    ui.horizontal_wrapped(|ui| {
        ui.label("View");
        for (v, name) in [
            (PayloadView::Text, "Text"),
            (PayloadView::Json, "JSON"),
            (PayloadView::Hex, "Hex"),
            (PayloadView::Diff, "Diff"),
        ] {
            if ui.selectable_value(&mut view, v, name).clicked() {
                state.view = Some(v);
            }
        }
        if super::payload_image::image_format(message.payload.bytes()).is_some()
            && ui
                .selectable_value(&mut view, PayloadView::Image, "Image")
                .clicked()
        {
            state.view = Some(PayloadView::Image);
        }
        let decoded_by = message.payload.decoded().map(|d| &*d.by);
        if let Some(picked) = decode_as_ui(ui, view, decoded_by, path, commands) {
            view = picked;
            state.view = Some(picked);
        }
        // A gap, not a separator: when the row wraps, a separator would start the next line.
        ui.add_space(theme::GROUP_GAP);
        if ui
            .button("Copy")
            .on_hover_text("Copy the payload as this view shows it")
            .clicked()
        {
            ui.ctx().copy_text(state.cache.shown_text());
        }
        if view == PayloadView::Text {
            let mut wrap = !state.no_wrap;
            ui.checkbox(&mut wrap, "Wrap")
                .on_hover_text("Continue long lines on the next row");
            state.no_wrap = !wrap;
        }
    });
    view
}

/// "Plot" for a payload that reads as a number (JSON fields are plotted from the JSON view).
fn plot_button_ui(
    ui: &mut Ui,
    store: &Store,
    topic: &str,
    message: &Message,
    commands: &mut Commands,
) {
    // A number, even with a unit, is short: no need to look at a large payload every frame.
    let numeric = message.payload.kind() != crate::model::PayloadKind::Json
        && message.payload.bytes().len() <= theme::NUMBER_MAX_BYTES
        && message.payload.text().and_then(parse_number).is_some();
    if !numeric {
        return;
    }
    let spec = SeriesSpec::new(topic, &Default::default());
    if store.plots().contains(&spec) {
        ui.add_enabled(false, egui::Button::new("Plotted"))
            .on_disabled_hover_text("This topic is in the chart; remove it there");
    } else if ui
        .button("Plot")
        .on_hover_text("Chart this topic's value over time")
        .clicked()
    {
        commands.tab(TabCommand::AddSeries(spec));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(format_bytes(12), "12 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(256 << 20), "256.0 MiB");
    }

    #[test]
    fn times_have_milliseconds() {
        assert!(format_time(1_700_000_000_042, false).ends_with(".042"));
    }
}
