//! The message inspector: topic, metadata, MQTT 5 properties, payload views and history.

use egui::Ui;

use crate::command::{Commands, TabCommand};

use super::payload_view::{PayloadCache, PayloadView, payload_ui};
use super::theme;
use crate::model::decode::Decoder;
use crate::model::payload::{hex_bytes, visible_text};
use crate::model::series::parse_number;
use crate::model::{Message, NodeId, Properties, SeriesSpec, Store, TopicHistory};

/// Inspector state that survives between frames.
#[derive(Debug, Default)]
pub struct Inspector {
    /// The topic the fields below belong to; a new selection resets them.
    node: Option<NodeId>,
    /// History entry picked by the user; `None` follows the latest message.
    picked: Option<u64>,
    /// View picked by the user; `None` uses the payload's natural view.
    view: Option<PayloadView>,
    /// The Text view runs long lines on one row (wrapping is the default).
    no_wrap: bool,
    cache: PayloadCache,
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
        state.view = None;
    }
    let tree = store.tree();
    let node = tree.node(id);
    let Some(path) = tree.path(id) else {
        return; // removed: the selection is cleared next
    };
    topic_header_ui(ui, &path);

    let Some(history) = node.history() else {
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
    };
    let latest_seq = history.first_seq() + history.len() as u64 - 1;
    if state.picked.is_some_and(|s| history.entry(s).is_none()) {
        state.picked = None;
    }
    let seq = state.picked.unwrap_or(latest_seq);
    let Some(message) = history.entry(seq) else {
        return;
    };

    metadata_ui(
        ui,
        message,
        node.own_messages(),
        recent_rate(history),
        state.picked.is_some(),
    );
    if let Some(props) = &message.properties {
        properties_ui(ui, props);
    }
    ui.horizontal(|ui| {
        if ui
            .button("Edit as new message")
            .on_hover_text("Copy this message into the publish panel")
            .clicked()
        {
            commands.tab(TabCommand::EditAsNew(id, seq));
        }
        plot_button_ui(ui, store, &path, message, commands);
        if state.picked.is_some() && ui.button("Back to the latest message").clicked() {
            state.picked = None;
        }
    });

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
        .show(ui, |ui| history_ui(ui, store, id, state, seq));

    let natural = PayloadView::natural(&path, &message.payload);
    let view = view_picker_ui(ui, state, natural);
    payload_ui(
        ui,
        &mut state.cache,
        id,
        seq,
        (view, !state.no_wrap),
        (message, seq.checked_sub(1).and_then(|s| history.entry(s))),
        &path,
        store.plots(),
        commands,
    );
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
fn view_picker_ui(ui: &mut Ui, state: &mut Inspector, natural: PayloadView) -> PayloadView {
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
        let label = ui.label("Decode as");
        let decoding = match view {
            PayloadView::Decoded(d) => d.label(),
            _ => "—",
        };
        egui::ComboBox::from_id_salt("decoder")
            .selected_text(decoding)
            .show_ui(ui, |ui| {
                for d in Decoder::ALL {
                    if ui
                        .selectable_value(&mut view, PayloadView::Decoded(d), d.label())
                        .clicked()
                    {
                        state.view = Some(view);
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("MessagePack, CBOR or Sparkplug B as a tree; numbers can be plotted");
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

fn metadata_ui(ui: &mut Ui, m: &Message, received: u64, rate: f64, picked: bool) {
    let dark = ui.visuals().dark_mode;
    egui::Grid::new("metadata")
        .num_columns(4)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            ui.colored_label(theme::muted(dark), "Received");
            ui.label(format_time(m.received_at_us / 1000, true));
            ui.colored_label(theme::muted(dark), "QoS");
            ui.label(m.qos.as_u8().to_string());
            ui.end_row();

            ui.colored_label(theme::muted(dark), "Size");
            let size = m.payload.original_len();
            if m.payload.is_truncated() {
                ui.colored_label(
                    theme::warn(dark),
                    format!(
                        "{} (truncated to {})",
                        format_bytes(size),
                        format_bytes(m.payload.bytes().len())
                    ),
                );
            } else {
                ui.label(if size < 1024 {
                    crate::model::units::count(size as u64, "byte", "bytes")
                } else {
                    format!("{} ({size} bytes)", format_bytes(size))
                });
            }
            ui.colored_label(theme::muted(dark), "Retained");
            if m.retain {
                ui.colored_label(theme::retained(dark), "yes");
            } else {
                ui.label("no");
            }
            ui.end_row();

            ui.colored_label(theme::muted(dark), "Messages");
            let rate = format_rate(rate);
            ui.label(if picked {
                format!("{received} on this topic, {rate} (showing an older one)")
            } else {
                format!("{received} on this topic, {rate}")
            })
            .on_hover_text("The rate is over the last 5 complete seconds");
            ui.colored_label(theme::muted(dark), "Format");
            ui.label(match m.payload.kind() {
                crate::model::PayloadKind::Empty => "empty",
                crate::model::PayloadKind::Text => "text",
                crate::model::PayloadKind::Json => "JSON",
                crate::model::PayloadKind::Binary => "binary",
            });
            ui.end_row();
        });
}

fn properties_ui(ui: &mut Ui, p: &Properties) {
    let dark = ui.visuals().dark_mode;
    egui::CollapsingHeader::new("MQTT 5 properties")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("properties")
                .num_columns(2)
                .spacing([16.0, 2.0])
                .show(ui, |ui| {
                    let row = |ui: &mut Ui, k: &str, v: String| {
                        ui.colored_label(theme::muted(dark), k);
                        ui.add(egui::Label::new(v).wrap());
                        ui.end_row();
                    };
                    if let Some(v) = &p.content_type {
                        row(ui, "Content type", v.clone());
                    }
                    if let Some(v) = p.payload_format_indicator {
                        let meaning = if v == 1 {
                            "UTF-8 text"
                        } else {
                            "unspecified bytes"
                        };
                        row(ui, "Payload format", format!("{v} ({meaning})"));
                    }
                    if let Some(v) = p.message_expiry_interval {
                        row(ui, "Message expiry", format!("{v} s"));
                    }
                    if let Some(v) = &p.response_topic {
                        row(ui, "Response topic", v.clone());
                    }
                    if let Some(v) = &p.correlation_data {
                        let text = match std::str::from_utf8(v) {
                            Ok(s) => format!("{s:?}"),
                            Err(_) => hex_bytes(v),
                        };
                        row(ui, "Correlation data", text);
                    }
                    if let Some(v) = p.topic_alias {
                        row(ui, "Topic alias", v.to_string());
                    }
                    if !p.subscription_identifiers.is_empty() {
                        let ids: Vec<String> = p
                            .subscription_identifiers
                            .iter()
                            .map(|i| i.to_string())
                            .collect();
                        row(ui, "Subscription ids", ids.join(", "));
                    }
                    for (k, v) in &p.user_properties {
                        row(ui, "User property", format!("{k} = {v}"));
                    }
                });
        });
}

fn history_ui(ui: &mut Ui, store: &Store, id: NodeId, state: &mut Inspector, shown: u64) {
    let dark = ui.visuals().dark_mode;
    let node = store.tree().node(id);
    let Some(history) = node.history() else {
        return;
    };
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.strong("History");
        ui.colored_label(
            theme::muted(dark),
            format!(
                "{} kept of {} received ({}; limit {} per topic)",
                history.len(),
                node.own_messages(),
                format_bytes(history.bytes()),
                store.limits().max_per_topic
            ),
        );
    });
    let n = history.len();
    let first = history.first_seq();
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        egui::ScrollArea::vertical()
            .id_salt("history")
            .auto_shrink([false, false])
            .show_rows(ui, theme::HISTORY_ROW_HEIGHT, n, |ui, range| {
                for row in range {
                    // Newest first.
                    let seq = first + (n - 1 - row) as u64;
                    let Some(m) = history.entry(seq) else {
                        continue;
                    };
                    let text = format!(
                        "{}  {:>10}  {}",
                        format_time(m.received_at_us / 1000, false),
                        format_bytes(m.payload.original_len()),
                        m.payload.preview(48)
                    );
                    let response = history_row_ui(ui, &text, seq == shown);
                    if response.clicked() {
                        state.picked = if seq + 1 == first + n as u64 {
                            None
                        } else {
                            Some(seq)
                        };
                    }
                }
            });
    });
}

/// One clickable, left-aligned history row.
fn history_row_ui(ui: &mut Ui, text: &str, selected: bool) -> egui::Response {
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
        visuals.text_color()
    };
    ui.painter_at(rect).text(
        rect.left_center() + egui::vec2(4.0, 0.0),
        egui::Align2::LEFT_CENTER,
        text,
        theme::mono_small(),
        color,
    );
    response
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
