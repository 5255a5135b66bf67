//! The connection bar: host (or a broker URL), port, transport, MQTT version,
//! connect/disconnect and the state in words.

use std::time::Instant;

use egui::Ui;

use super::transport::transport_window_ui;
use super::{field_problem, state_dot_ui};
use crate::command::{Commands, TabCommand};
use crate::mqtt::settings::Field;
use crate::mqtt::{ConnectionForm, ConnectionState, MqttVersion, SettingsError, Transport};
use crate::ui::theme;

/// Draws the bar; a click on Connect asks the app to check the form and connect (a
/// problem comes back in `error`, shown next to its field). `session_present`: the last
/// CONNACK said the broker kept this client's session.
pub fn connection_bar_ui(
    ui: &mut Ui,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    (state, session_present): (&ConnectionState, bool),
    show_transport: &mut bool,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let host_error = field_problem(error.as_ref(), Field::Host);
    let port_error = field_problem(error.as_ref(), Field::Port);
    // Problems of the options window's fields are shown there, next to the field.
    let other_error = error
        .as_ref()
        .filter(|e| {
            !matches!(
                e.field,
                Field::Host
                    | Field::Port
                    | Field::CaFile
                    | Field::CertFile
                    | Field::KeyFile
                    | Field::WsPath
            )
        })
        .map(|e| e.message.clone());
    if error.as_ref().is_some_and(|e| {
        matches!(
            e.field,
            Field::CaFile | Field::CertFile | Field::KeyFile | Field::WsPath
        )
    }) {
        *show_transport = true;
    }
    // Wrapped, so that Connect and the state stay in a narrow window.
    ui.horizontal_wrapped(|ui| {
        let (host, port) = address_ui(ui, form, host_error, port_error);
        transport_pick_ui(ui, form, show_transport);
        version_pick_ui(ui, form);
        if host.changed() || port.changed() {
            commands.tab(TabCommand::CheckForm);
        }
        if let Some(e) = other_error {
            ui.colored_label(theme::error(dark), e);
        }
        ui.add_space(theme::GROUP_GAP);
        let enter = (host.lost_focus() || port.lost_focus())
            && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if state.is_active() {
            if ui.button("Disconnect").clicked() {
                commands.tab(TabCommand::Disconnect);
            }
        } else if ui.button("Connect").clicked() || enter {
            commands.tab(TabCommand::ConnectForm);
        }
        state_inline_ui(ui, form, state);
        if session_present && state.is_connected() {
            ui.colored_label(theme::muted(dark), "· session resumed")
                .on_hover_text(
                    "The broker kept this client's session: its subscriptions and the messages \
                 queued while it was away",
                );
        }
    });
    let described = state.describe(Instant::now());
    if described.chars().count() > theme::STATE_INLINE_CHARS {
        ui.add(egui::Label::new(egui::RichText::new(described).color(theme::error(dark))).wrap());
    }
    transport_window_ui(ui.ctx(), form, error, show_transport, commands);
    if matches!(
        state,
        ConnectionState::Disconnected {
            retry_at: Some(_),
            ..
        }
    ) {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(500));
    }
}

/// The host and port fields, each with its problem beside it; their responses.
fn address_ui(
    ui: &mut Ui,
    form: &mut ConnectionForm,
    host_error: Option<String>,
    port_error: Option<String>,
) -> (egui::Response, egui::Response) {
    let dark = ui.visuals().dark_mode;
    let label = ui.label("Host");
    let host = ui
        .add(
            egui::TextEdit::singleline(&mut form.host)
                .hint_text("host or mqtts://host:8883")
                .desired_width(theme::HOST_FIELD_WIDTH),
        )
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
    (host, port)
}

/// The transport picker, and "Options…" for a transport that has any.
fn transport_pick_ui(ui: &mut Ui, form: &mut ConnectionForm, show_transport: &mut bool) {
    let label = ui.label("Transport");
    let before = form.transport;
    egui::ComboBox::from_id_salt("transport")
        .selected_text(form.transport.label())
        .width(theme::TRANSPORT_WIDTH)
        .show_ui(ui, |ui| {
            for t in Transport::EVERY {
                ui.selectable_value(&mut form.transport, t, t.label());
            }
        })
        .response
        .labelled_by(label.id);
    if form.transport != before {
        // Follow the usual port of the new transport unless the user chose another.
        if form.port.trim() == before.default_port().to_string() {
            form.port = form.transport.default_port().to_string();
        }
        *show_transport |= form.transport != Transport::Tcp;
    }
    if form.transport != Transport::Tcp {
        ui.toggle_value(show_transport, "Options…")
            .on_hover_text("TLS certificates and the WebSocket path");
    }
}

/// The MQTT version picker.
fn version_pick_ui(ui: &mut Ui, form: &mut ConnectionForm) {
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
}

/// The state's dot and, when short, its words; a warning when certificates are not
/// checked.
fn state_inline_ui(ui: &mut Ui, form: &ConnectionForm, state: &ConnectionState) {
    let dark = ui.visuals().dark_mode;
    state_dot_ui(ui, state);
    let described = state.describe(Instant::now());
    if described.chars().count() <= theme::STATE_INLINE_CHARS {
        ui.label(described);
    } else if let ConnectionState::Disconnected { .. } = state {
        // The reason goes on its own line below, where it has room.
        ui.label("disconnected");
    }
    if form.insecure && form.transport.uses_tls() {
        ui.colored_label(theme::warn(dark), "certificates not verified")
            .on_hover_text("Skip certificate verification is on (Options…)");
    }
    if let Some(path) = crate::mqtt::tls::key_log_path()
        && form.transport.uses_tls()
    {
        ui.colored_label(theme::warn(dark), "TLS keys logged")
            .on_hover_text(format!(
                "SSLKEYLOGFILE is set: the session keys go to {} (for Wireshark); anyone \
                 with that file can read this connection",
                path.display()
            ));
    }
}
