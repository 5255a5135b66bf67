//! The connection bar: host, port, MQTT version, connect/disconnect and the state in words.

use std::time::Instant;

use egui::Ui;

use super::theme;
use crate::app::AppCommand;
use crate::mqtt::settings::Field;
use crate::mqtt::{ConnectionForm, ConnectionState, MqttVersion, SettingsError};

/// Draws the bar; a click on Connect validates the form and emits a command, or leaves the
/// problem in `error` to be shown next to its field.
pub fn connection_bar_ui(
    ui: &mut Ui,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    state: &ConnectionState,
    payload_cap: usize,
    commands: &mut Vec<AppCommand>,
) {
    let dark = ui.visuals().dark_mode;
    let field_error = |field: Field| {
        error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let host_error = field_error(Field::Host);
    let port_error = field_error(Field::Port);
    let other_error = error
        .as_ref()
        .filter(|e| !matches!(e.field, Field::Host | Field::Port))
        .map(|e| e.message.clone());
    ui.horizontal(|ui| {
        let label = ui.label("Host");
        let host = ui
            .add(egui::TextEdit::singleline(&mut form.host).desired_width(180.0))
            .labelled_by(label.id);
        if let Some(e) = host_error {
            ui.colored_label(theme::error(dark), e);
        }
        let label = ui.label("Port");
        let port = ui
            .add(egui::TextEdit::singleline(&mut form.port).desired_width(56.0))
            .labelled_by(label.id);
        if let Some(e) = port_error {
            ui.colored_label(theme::error(dark), e);
        }
        let label = ui.label("MQTT");
        egui::ComboBox::from_id_salt("mqtt_version")
            .selected_text(form.version.label())
            .width(64.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.version, MqttVersion::V311, "3.1.1");
                ui.selectable_value(&mut form.version, MqttVersion::V5, "5");
            })
            .response
            .labelled_by(label.id);
        if host.changed() || port.changed() {
            *error = None;
        }
        if let Some(e) = other_error {
            ui.colored_label(theme::error(dark), e);
        }
        ui.add_space(theme::GROUP_GAP);
        let enter = (host.lost_focus() || port.lost_focus())
            && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if state.is_active() {
            if ui.button("Disconnect").clicked() {
                commands.push(AppCommand::Disconnect);
            }
        } else if ui.button("Connect").clicked() || enter {
            match form.to_settings(payload_cap) {
                Ok(settings) => {
                    *error = None;
                    commands.push(AppCommand::Connect(Box::new(settings)));
                }
                Err(e) => *error = Some(e),
            }
        }
        let color = match state {
            ConnectionState::Connected => theme::good(dark),
            ConnectionState::Connecting { .. } => theme::warn(dark),
            ConnectionState::Disconnected {
                retry_at: Some(_), ..
            } => theme::error(dark),
            _ => theme::muted(dark),
        };
        let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().circle_filled(dot.center(), 4.5, color);
        ui.label(state.describe(Instant::now()));
    });
    if matches!(
        state,
        ConnectionState::Disconnected {
            retry_at: Some(_),
            ..
        }
    ) {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}
