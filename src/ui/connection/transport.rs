//! The connection options window: the TLS files, "skip verification" and the WebSocket
//! path, each with its problem next to it.

use egui::Ui;

use super::{field_problem, problem_row_ui};
use crate::command::{Commands, TabCommand};
use crate::mqtt::settings::Field;
use crate::mqtt::{ConnectionForm, SettingsError, Transport};
use crate::ui::theme;

/// The TLS files, "skip verification" and the WebSocket path, each with its problem next to
/// it.
pub(super) fn transport_window_ui(
    ctx: &egui::Context,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    open: &mut bool,
    commands: &mut Commands,
) {
    if form.transport == Transport::Tcp {
        *open = false;
        return;
    }
    egui::Window::new("Connection options")
        .open(open)
        .resizable(false)
        .default_pos(theme::WINDOW_POS)
        .min_width(theme::OPTIONS_WINDOW_WIDTH)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            let mut changed = false;
            egui::Grid::new("transport_options")
                .num_columns(2)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    if form.transport.is_websocket() {
                        changed |= ws_path_rows_ui(ui, form, error.as_ref());
                    }
                    if form.transport.uses_tls() {
                        changed |= tls_rows_ui(ui, form, error.as_ref());
                    }
                });
            if form.transport.uses_tls() {
                changed |= ui
                    .checkbox(&mut form.insecure, "Skip certificate verification")
                    .changed();
                if form.insecure {
                    ui.colored_label(
                        theme::warn(dark),
                        "Any certificate is accepted: anyone in between can read and change \
                         the traffic. For test brokers only.",
                    );
                }
            }
            ui.colored_label(
                theme::muted(dark),
                "Applies on the next Connect. The host field also takes a URL: \
                 mqtts://user@host:8883, wss://host/mqtt",
            );
            if changed {
                commands.tab(TabCommand::CheckForm);
            }
        });
}

/// The WebSocket path, and its problem; whether it changed.
fn ws_path_rows_ui(ui: &mut Ui, form: &mut ConnectionForm, error: Option<&SettingsError>) -> bool {
    let label = ui.label("WebSocket path");
    let changed = ui
        .add(egui::TextEdit::singleline(&mut form.ws_path).desired_width(theme::PATH_FIELD_WIDTH))
        .labelled_by(label.id)
        .changed();
    ui.end_row();
    problem_row_ui(ui, field_problem(error, Field::WsPath));
    changed
}

/// The TLS files, the name to check the certificate as and ALPN, each with its problem;
/// whether any changed.
fn tls_rows_ui(ui: &mut Ui, form: &mut ConnectionForm, error: Option<&SettingsError>) -> bool {
    let mut changed = false;
    for (name, field, value, hint) in [
        (
            "CA file",
            Field::CaFile,
            &mut form.ca_file,
            "PEM; empty: the system's trusted CAs only",
        ),
        (
            "Client certificate",
            Field::CertFile,
            &mut form.cert_file,
            "PEM, for brokers that ask for one",
        ),
        (
            "Client key",
            Field::KeyFile,
            &mut form.key_file,
            "PEM (PKCS#8, PKCS#1, SEC1), encrypted or not",
        ),
        (
            "Check certificate as",
            Field::ServerName,
            &mut form.server_name,
            "empty: the host; e.g. broker.example.com when dialling an IP",
        ),
        (
            "ALPN",
            Field::Alpn,
            &mut form.alpn,
            "comma-separated, e.g. mqtt (AWS IoT on port 443)",
        ),
    ] {
        let label = ui.label(name);
        let file = matches!(field, Field::CaFile | Field::CertFile | Field::KeyFile);
        changed |= if file {
            crate::ui::file_field::path_field_ui(
                ui,
                value,
                (label.id, name),
                (crate::ui::file_field::FileKind::Pem, false),
                hint,
            )
        } else {
            ui.add(
                egui::TextEdit::singleline(value)
                    .hint_text(hint)
                    .desired_width(theme::PATH_FIELD_WIDTH),
            )
            .labelled_by(label.id)
        }
        .changed();
        ui.end_row();
        if field == Field::KeyFile {
            let label = ui.label("Key passphrase");
            changed |= ui
                .add(
                    egui::TextEdit::singleline(&mut form.key_passphrase)
                        .password(true)
                        .hint_text("for an encrypted key; never saved")
                        .desired_width(theme::PATH_FIELD_WIDTH),
                )
                .labelled_by(label.id)
                .changed();
            ui.end_row();
        }
        problem_row_ui(ui, field_problem(error, field));
    }
    changed
}
