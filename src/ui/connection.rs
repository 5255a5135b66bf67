//! The connection bar: host (or a broker URL), port, transport, MQTT version,
//! connect/disconnect and the state in words; a window for the TLS and WebSocket options.

use std::time::Instant;

use egui::Ui;

use super::theme;
use crate::app::AppCommand;
use crate::model::QoS;
use crate::mqtt::settings::Field;
use crate::mqtt::{
    ConnectionForm, ConnectionState, MqttVersion, SettingsError, Subscription, Transport,
};
use crate::profiles::connections::ProfileStore;

/// Draws the bar; a click on Connect validates the form and emits a command, or leaves the
/// problem in `error` to be shown next to its field.
pub fn connection_bar_ui(
    ui: &mut Ui,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    state: &ConnectionState,
    payload_cap: usize,
    show_transport: &mut bool,
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
    ui.horizontal(|ui| {
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
            *error = validate(form, payload_cap);
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
    });
    let described = state.describe(Instant::now());
    if described.chars().count() > theme::STATE_INLINE_CHARS {
        ui.add(egui::Label::new(egui::RichText::new(described).color(theme::error(dark))).wrap());
    }
    transport_window_ui(ui.ctx(), form, error, show_transport, payload_cap);
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

/// A short labelled field for a number of seconds; whether it changed.
/// A dot in the colour of the connection's state: green connected, amber connecting, red
/// failing (retrying), grey idle or stopped.
fn state_dot_ui(ui: &mut Ui, state: &ConnectionState) {
    let dark = ui.visuals().dark_mode;
    let color = match state {
        ConnectionState::Connected => theme::good(dark),
        ConnectionState::Connecting { .. } => theme::warn(dark),
        ConnectionState::Disconnected {
            retry_at: Some(_), ..
        } => theme::error(dark),
        _ => theme::muted(dark),
    };
    let size = egui::vec2(
        theme::STATE_DOT_RADIUS * 2.0 + 1.0,
        theme::STATE_DOT_RADIUS * 2.0 + 1.0,
    );
    let (dot, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    ui.painter()
        .circle_filled(dot.center(), theme::STATE_DOT_RADIUS, color);
}

/// The open connections as tabs, each with its state; a click shows one, "Close" ends
/// one, "New connection" opens another.
pub fn connection_tabs_ui(
    ui: &mut Ui,
    tabs: &[(String, ConnectionState)],
    active: usize,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal(|ui| {
        for (i, (label, state)) in tabs.iter().enumerate() {
            ui.scope(|ui| {
                ui.spacing_mut().item_spacing.x = theme::TAB_INNER_GAP;
                state_dot_ui(ui, state);
                if ui
                    .selectable_label(i == active, label)
                    .on_hover_text(state.describe(Instant::now()))
                    .clicked()
                {
                    commands.push(AppCommand::ShowConnection(i));
                }
                if tabs.len() > 1 {
                    let close = ui.small_button("×").on_hover_text("Close this connection");
                    let name = format!("Close {label}");
                    close
                        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    if close.clicked() {
                        commands.push(AppCommand::CloseConnection(i));
                    }
                }
            });
            ui.add_space(theme::TAB_GAP);
        }
        if ui
            .button("New connection")
            .on_hover_text("Open another broker beside this one, in its own tab")
            .clicked()
        {
            commands.push(AppCommand::NewConnection);
        }
    });
}

/// The subscription list: a filter and a QoS per row, rows removed and added.
fn subscriptions_ui(ui: &mut Ui, subs: &mut Vec<Subscription>) -> bool {
    let dark = ui.visuals().dark_mode;
    let mut changed = false;
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, s) in subs.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label(format!("{}.", i + 1));
                changed |= ui
                    .add(
                        egui::TextEdit::singleline(&mut s.filter)
                            .hint_text("a/+/b/#")
                            .desired_width(theme::SUBSCRIPTION_FIELD_WIDTH),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("A topic filter: + matches one level, # the rest")
                    .changed();
                let label = ui.label("QoS");
                egui::ComboBox::from_id_salt(("sub_qos", i))
                    .selected_text(s.qos.as_u8().to_string())
                    .width(theme::QOS_COMBO_WIDTH)
                    .show_ui(ui, |ui| {
                        for q in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                            changed |= ui
                                .selectable_value(&mut s.qos, q, q.as_u8().to_string())
                                .changed();
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            subs.remove(i);
            changed = true;
        }
        ui.horizontal(|ui| {
            if ui.small_button("Add subscription").clicked() {
                subs.push(Subscription {
                    filter: String::new(),
                    qos: QoS::AtMostOnce,
                });
                changed = true;
            }
            if subs.iter().all(|s| s.filter.trim().is_empty()) {
                ui.colored_label(theme::warn(dark), "none: nothing will arrive");
            }
        });
    });
    changed
}

fn seconds_field_ui(ui: &mut Ui, label: &str, value: &mut String) -> bool {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .hint_text("0")
            .desired_width(theme::SECONDS_FIELD_WIDTH),
    )
    .labelled_by(l.id)
    .changed()
}

/// The form's first problem as the user types (only on a change: it looks at files).
fn validate(form: &ConnectionForm, payload_cap: usize) -> Option<SettingsError> {
    form.to_settings(payload_cap).err()
}

/// The TLS files, "skip verification" and the WebSocket path, each with its problem next to
/// it.
fn transport_window_ui(
    ctx: &egui::Context,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    open: &mut bool,
    payload_cap: usize,
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
            let problem = |field: Field| {
                error
                    .as_ref()
                    .filter(|e| e.field == field)
                    .map(|e| e.message.clone())
            };
            let mut changed = false;
            egui::Grid::new("transport_options")
                .num_columns(2)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    if form.transport.is_websocket() {
                        let label = ui.label("WebSocket path");
                        changed |= ui
                            .add(
                                egui::TextEdit::singleline(&mut form.ws_path)
                                    .desired_width(theme::PATH_FIELD_WIDTH),
                            )
                            .labelled_by(label.id)
                            .changed();
                        ui.end_row();
                        if let Some(e) = problem(Field::WsPath) {
                            ui.label("");
                            ui.colored_label(theme::error(dark), e);
                            ui.end_row();
                        }
                    }
                    if form.transport.uses_tls() {
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
                            changed |= ui
                                .add(
                                    egui::TextEdit::singleline(value)
                                        .hint_text(hint)
                                        .desired_width(theme::PATH_FIELD_WIDTH),
                                )
                                .labelled_by(label.id)
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
                            if let Some(e) = problem(field) {
                                ui.label("");
                                ui.colored_label(theme::error(dark), e);
                                ui.end_row();
                            }
                        }
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
                *error = validate(form, payload_cap);
            }
        });
}

/// The connections window: saved profiles (load, save, duplicate, delete) and the fields of
/// the connection form that do not fit the bar.
#[allow(clippy::too_many_arguments)]
pub fn connections_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    (profiles, loaded, keychain_note): (
        &ProfileStore,
        Option<&str>,
        Option<&Result<String, String>>,
    ),
    name: &mut String,
    (file, file_result): (&mut String, Option<&Result<String, String>>),
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    state: &ConnectionState,
    payload_cap: usize,
    commands: &mut Vec<AppCommand>,
) {
    egui::Window::new("Connections")
        .open(open)
        .resizable(false)
        .default_pos(theme::WINDOW_POS)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(theme::PROFILE_LIST_WIDTH);
                    ui.strong("Saved");
                    if profiles.profiles().is_empty() {
                        ui.colored_label(theme::muted(dark), "None yet: fill in and Save");
                    }
                    for p in profiles.profiles() {
                        let selected = p.name == *name;
                        if ui
                            .selectable_label(selected, p.name.as_str())
                            .on_hover_text(format!("{}:{}", p.form.host, p.form.port))
                            .clicked()
                        {
                            commands.push(AppCommand::LoadProfile(p.name.clone()));
                        }
                    }
                });
                // A gap, not a separator: a vertical separator would take all the height.
                ui.add_space(theme::GROUP_GAP);
                ui.vertical(|ui| {
                    let loaded = loaded.filter(|l| profiles.find(l).is_some());
                    profile_form_ui(
                        ui,
                        name,
                        form,
                        error,
                        (profiles, loaded),
                        payload_cap,
                        commands,
                    );
                    if let Some(note) = keychain_note {
                        match note {
                            Ok(n) => ui.colored_label(theme::good(dark), n),
                            Err(e) => ui.colored_label(theme::warn(dark), e),
                        };
                    }
                });
            });
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("File");
                ui.add(
                    egui::TextEdit::singleline(file)
                        .hint_text("profiles.json to import or export (no passwords)")
                        .desired_width(theme::PATH_FIELD_WIDTH),
                )
                .labelled_by(label.id);
                let path = file.trim();
                if ui
                    .add_enabled(!path.is_empty(), egui::Button::new("Import"))
                    .clicked()
                {
                    commands.push(AppCommand::ImportProfiles(path.into()));
                }
                if ui
                    .add_enabled(!path.is_empty(), egui::Button::new("Export"))
                    .clicked()
                {
                    commands.push(AppCommand::ExportProfiles(path.into()));
                }
            });
            match file_result {
                Some(Ok(done)) => {
                    ui.colored_label(theme::good(dark), done);
                }
                Some(Err(e)) => {
                    ui.colored_label(theme::error(dark), e);
                }
                None => {}
            }
            ui.separator();
            ui.horizontal(|ui| {
                if state.is_active() {
                    if ui.button("Disconnect").clicked() {
                        commands.push(AppCommand::Disconnect);
                    }
                } else if ui.button("Connect").clicked() {
                    match form.to_settings(payload_cap) {
                        Ok(settings) => {
                            *error = None;
                            commands.push(AppCommand::Connect(Box::new(settings)));
                        }
                        Err(e) => *error = Some(e),
                    }
                }
                if let Some(e) = error.as_ref() {
                    ui.colored_label(theme::error(dark), &e.message);
                }
            });
        });
}

/// The profile's name with Save / Duplicate / Delete, and the form's other fields.
fn profile_form_ui(
    ui: &mut Ui,
    name: &mut String,
    form: &mut ConnectionForm,
    error: &mut Option<SettingsError>,
    (profiles, loaded): (&ProfileStore, Option<&str>),
    payload_cap: usize,
    commands: &mut Vec<AppCommand>,
) {
    let dark = ui.visuals().dark_mode;
    egui::Grid::new("profile_form")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Profile name");
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(name).desired_width(theme::PROFILE_FIELD_WIDTH))
                    .labelled_by(label.id);
                let can_save = !name.trim().is_empty();
                if ui
                    .add_enabled(can_save, egui::Button::new("Save"))
                    .on_hover_text(
                        "Save host, port, transport and the fields below (never the password)",
                    )
                    .clicked()
                {
                    commands.push(AppCommand::SaveProfile(name.trim().to_string()));
                }
                let exists = profiles.find(name.trim()).is_some();
                if ui
                    .add_enabled(exists, egui::Button::new("Duplicate"))
                    .clicked()
                {
                    commands.push(AppCommand::DuplicateProfile(name.trim().to_string()));
                }
                if ui
                    .add_enabled(exists, egui::Button::new("Delete"))
                    .clicked()
                {
                    commands.push(AppCommand::DeleteProfile(name.trim().to_string()));
                }
                // Renaming: the profile last loaded or saved takes the name typed.
                if let Some(from) = loaded
                    && !exists
                    && can_save
                    && ui
                        .button(format!("Rename {from}"))
                        .on_hover_text("Give the loaded profile the name typed (its remembered password follows)")
                        .clicked()
                {
                    commands.push(AppCommand::RenameProfile(
                        from.to_string(),
                        name.trim().to_string(),
                    ));
                }
            });
            ui.end_row();
            let mut changed = false;
            let field = |ui: &mut Ui, label: &str, value: &mut String, hint: &str, password| {
                let l = ui.label(label);
                let edited = ui
                    .add(
                        egui::TextEdit::singleline(value)
                            .hint_text(hint)
                            .password(password)
                            .desired_width(theme::PROFILE_FIELD_WIDTH),
                    )
                    .labelled_by(l.id)
                    .changed();
                ui.end_row();
                edited
            };
            changed |= field(
                ui,
                "Client id",
                &mut form.client_id,
                "empty: mqscope- and a random suffix",
                false,
            );
            changed |= field(ui, "User name", &mut form.username, "", false);
            changed |= field(
                ui,
                "Password",
                &mut form.password,
                "not saved with the profile",
                true,
            );
            ui.label("");
            ui.checkbox(
                &mut form.remember_password,
                "Remember the password in the system keychain (on Save)",
            )
            .on_hover_text(
                "macOS Keychain, Windows Credential Manager, or a Secret Service such as GNOME \
                 Keyring; never in mqscope's files",
            );
            ui.end_row();
            changed |= field(
                ui,
                "Keep-alive (s)",
                &mut form.keep_alive_s,
                "0 (off) or 5 to 65535",
                false,
            );
            ui.label("Subscriptions");
            changed |= subscriptions_ui(ui, &mut form.subscriptions);
            ui.end_row();
            let v5 = form.version == MqttVersion::V5;
            ui.label("Session");
            ui.horizontal(|ui| {
                changed |= ui
                    .checkbox(&mut form.clean_session, if v5 { "Clean start" } else { "Clean session" })
                    .on_hover_text("Off: the broker keeps subscriptions and queued messages between connections")
                    .changed();
                if v5 {
                    changed |= seconds_field_ui(ui, "expiry (s)", &mut form.session_expiry_s);
                }
            });
            ui.end_row();
            changed |= field(ui, "Last will topic", &mut form.will_topic, "empty: no last will", false);
            if !form.will_topic.trim().is_empty() {
                changed |= field(ui, "Last will payload", &mut form.will_payload, "", false);
                ui.label("Last will QoS");
                ui.horizontal(|ui| {
                    for (qos, label) in [
                        (QoS::AtMostOnce, "0"),
                        (QoS::AtLeastOnce, "1"),
                        (QoS::ExactlyOnce, "2"),
                    ] {
                        changed |= ui.selectable_value(&mut form.will_qos, qos, label).changed();
                    }
                    changed |= ui.checkbox(&mut form.will_retain, "Retain").changed();
                    if v5 {
                        changed |= seconds_field_ui(ui, "delay (s)", &mut form.will_delay_s);
                    }
                });
                ui.end_row();
            }
            if changed {
                *error = validate(form, payload_cap);
            }
        });
    ui.colored_label(
        theme::muted(dark),
        "Host, port and transport are in the bar above; TLS files under Options…",
    );
}
