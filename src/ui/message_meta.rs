//! The inspector's message metadata (time, QoS, size, retained, rate, format) and its
//! MQTT 5 properties, laid out to fit the inspector's width.

use egui::Ui;

use super::inspector::{format_bytes, format_rate, format_time};
use super::theme;
use crate::model::Message;
use crate::model::Properties;
use crate::model::payload::hex_bytes;

/// The message's metadata: four columns (two label–value pairs a row) when the inspector
/// is wide enough, else two, so that nothing is cut at the right edge.
pub fn metadata_ui(ui: &mut Ui, m: &Message, received: Option<u64>, rate: f64, picked: bool) {
    let dark = ui.visuals().dark_mode;
    let size = m.payload.original_len();
    let size_text = if m.payload.is_truncated() {
        egui::RichText::new(format!(
            "{} (truncated to {})",
            format_bytes(size),
            format_bytes(m.payload.bytes().len())
        ))
        .color(theme::warn(dark))
    } else if size < 1024 {
        egui::RichText::new(crate::model::units::count(size as u64, "byte", "bytes"))
    } else {
        egui::RichText::new(format!("{} ({size} bytes)", format_bytes(size)))
    };
    let retained = if m.retain {
        egui::RichText::new("yes").color(theme::retained(dark))
    } else {
        egui::RichText::new("no")
    };
    let rate = format_rate(rate);
    let messages = match (received, picked) {
        (None, _) => "stored on disk (found by a search)".to_string(),
        (Some(n), true) => format!("{n} on this topic, {rate} (showing an older one)"),
        (Some(n), false) => format!("{n} on this topic, {rate}"),
    };
    let format = match m.payload.kind() {
        crate::model::PayloadKind::Empty => "empty",
        crate::model::PayloadKind::Text => "text",
        crate::model::PayloadKind::Json => "JSON",
        crate::model::PayloadKind::Binary => "binary",
    };
    // The wide order pairs a long value with a short one on each row.
    let cells: [(&str, egui::RichText); 6] = [
        ("Received", received_text(m, dark)),
        ("QoS", m.qos.as_u8().to_string().into()),
        ("Size", size_text),
        ("Retained", retained),
        ("Messages", messages.into()),
        ("Format", format.into()),
    ];
    let wide = ui.available_width() >= theme::INSPECTOR_WIDE_METADATA;
    egui::Grid::new("metadata")
        .num_columns(if wide { 4 } else { 2 })
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for (i, (label, value)) in cells.into_iter().enumerate() {
                ui.colored_label(theme::muted(dark), label);
                let response = ui.label(value);
                if label == "Messages" {
                    response.on_hover_text("The rate is over the last 5 complete seconds");
                }
                if !wide || i % 2 == 1 {
                    ui.end_row();
                }
            }
        });
}

/// When a message arrived, and that it came back from disk (stored before this run).
fn received_text(m: &Message, dark: bool) -> egui::RichText {
    let at = format_time(m.received_at_us / 1000, true);
    if m.from_disk {
        egui::RichText::new(format!("{at} (from disk)")).color(theme::muted(dark))
    } else {
        at.into()
    }
}

/// The MQTT 5 properties of a message received at `received_at_us`, each in words;
/// subscription identifiers with the filter each stands for (from `filters`).
pub fn properties_ui(
    ui: &mut Ui,
    p: &Properties,
    received_at_us: i64,
    filters: &[(usize, String)],
) {
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
                        // The broker sends what is left of the expiry when it delivers.
                        let at = received_at_us / 1000 + i64::from(v) * 1000;
                        let when = super::inspector::format_time(at, false);
                        row(
                            ui,
                            "Message expiry",
                            format!("{v} s left when delivered (until {when})"),
                        );
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
                            .map(|id| match filters.iter().find(|(f, _)| f == id) {
                                Some((_, filter)) => format!("{id} ({filter})"),
                                None => id.to_string(),
                            })
                            .collect();
                        row(ui, "Delivered by", ids.join(", "));
                    }
                    for (k, v) in &p.user_properties {
                        row(ui, "User property", format!("{k} = {v}"));
                    }
                });
        });
}
