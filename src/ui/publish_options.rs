//! The publish panel's options row: the payload's format, QoS, retain, "Send as" (through
//! one of the connection's decoder rules) and Pretty-print.

use egui::Ui;

use super::publish::PublishForm;
use super::theme;
use crate::model::QoS;
use crate::model::payload_format::PayloadFormat;

/// The payload's format, QoS and retain, and last (so nothing moves when it comes and
/// goes) Pretty-print for JSON.
pub(super) fn options_row_ui(ui: &mut Ui, form: &mut PublishForm, encoders: &[String]) {
    // Wrapped: in a narrow panel the row continues below instead of running under the
    // templates column.
    ui.horizontal_wrapped(|ui| {
        ui.label("Format");
        for f in PayloadFormat::ALL {
            ui.selectable_value(&mut form.msg.format, f, f.label());
        }
        ui.add_space(theme::GROUP_GAP);
        ui.label("QoS");
        for (q, name) in [
            (QoS::AtMostOnce, "0"),
            (QoS::AtLeastOnce, "1"),
            (QoS::ExactlyOnce, "2"),
        ] {
            ui.selectable_value(&mut form.msg.qos, q, name);
        }
        ui.checkbox(&mut form.msg.retain, "Retain");
        if !encoders.is_empty() || !form.msg.encode.is_empty() {
            encode_with_ui(ui, &mut form.msg.encode, encoders);
        }
        if form.msg.format == PayloadFormat::Json {
            ui.add_space(theme::GROUP_GAP);
            if ui
                .button("Pretty-print")
                .on_hover_text("Lay the JSON out on several lines")
                .clicked()
                && let Ok(pretty) = crate::model::payload::pretty_json(&form.msg.payload)
            {
                form.msg.payload = pretty;
            }
        }
    });
}

/// "Send as": as typed, or through one of the connection's decoder rules (a JSON value
/// encoded by it on the worker: Protobuf, MessagePack, a script's encode…).
fn encode_with_ui(ui: &mut Ui, encode: &mut String, encoders: &[String]) {
    ui.add_space(theme::GROUP_GAP);
    let label = ui.label("Send as");
    let shown = if encode.is_empty() {
        "as typed"
    } else {
        encode.as_str()
    };
    egui::ComboBox::from_id_salt("publish_encode")
        .selected_text(shorten_middle(shown, theme::ENCODER_NAME_CHARS))
        .show_ui(ui, |ui| {
            ui.selectable_value(encode, String::new(), "as typed");
            for name in encoders {
                ui.selectable_value(encode, name.clone(), name.as_str());
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text("Encode the JSON value by a decoder rule's decoder before sending");
}

/// `text` with its middle left out when it is longer than `chars` characters.
fn shorten_middle(text: &str, chars: usize) -> String {
    let n = text.chars().count();
    if n <= chars {
        return text.to_string();
    }
    let half = chars.saturating_sub(1) / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(n - half).collect();
    format!("{head}…{tail}")
}
