//! The connections window's form: the profile's name with Save, Duplicate, Delete and
//! Rename, and the connection's fields that do not fit the bar (client id, credentials,
//! keep-alive, subscriptions, session and last will).

use egui::Ui;

use super::subscriptions::subscriptions_ui;
use crate::command::{AppCommand, Commands, TabCommand};
use crate::model::QoS;
use crate::mqtt::{ConnectionForm, MqttVersion, SubscriptionResult};
use crate::profiles::connections::ProfileStore;
use crate::ui::theme;

/// The profile's name with Save / Duplicate / Delete, and the form's other fields.
pub(super) fn profile_form_ui(
    ui: &mut Ui,
    name: &mut String,
    form: &mut ConnectionForm,
    (profiles, loaded): (&ProfileStore, Option<&str>),
    granted: &[SubscriptionResult],
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    egui::Grid::new("profile_form")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            profile_name_row_ui(ui, name, (profiles, loaded), commands);
            let mut changed = client_rows_ui(ui, form, granted);
            changed |= session_rows_ui(ui, form);
            if changed {
                // The app checks the form (a TLS file may have to be read).
                commands.tab(TabCommand::CheckForm);
            }
        });
    ui.colored_label(
        theme::muted(dark),
        "Host, port and transport are in the bar above; TLS files under Options…",
    );
}

/// The profile's name with Save / Duplicate / Delete, and Rename for the loaded profile.
fn profile_name_row_ui(
    ui: &mut Ui,
    name: &mut String,
    (profiles, loaded): (&ProfileStore, Option<&str>),
    commands: &mut Commands,
) {
    let label = ui.label("Profile name");
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(name).desired_width(theme::PROFILE_FIELD_WIDTH))
            .labelled_by(label.id);
        let can_save = !name.trim().is_empty();
        if ui
            .add_enabled(can_save, egui::Button::new("Save"))
            .on_hover_text("Save host, port, transport and the fields below (never the password)")
            .clicked()
        {
            commands.tab(TabCommand::SaveProfile(name.trim().to_string()));
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
            && ui
                .add_enabled(
                    !exists && can_save,
                    egui::Button::new(format!("Rename {from}")),
                )
                .on_hover_text(
                    "Give the loaded profile the name typed (its remembered password follows)",
                )
                .on_disabled_hover_text(format!(
                    "Type the new name of {from} in Profile name first (not one already saved)"
                ))
                .clicked()
        {
            commands.push(AppCommand::RenameProfile(
                from.to_string(),
                name.trim().to_string(),
            ));
        }
    });
    ui.end_row();
}

/// A labelled text field in a grid row; whether it changed.
fn text_row_ui(ui: &mut Ui, label: &str, value: &mut String, hint: &str, password: bool) -> bool {
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
}

/// Client id, credentials, keep-alive and subscriptions; whether any changed.
fn client_rows_ui(ui: &mut Ui, form: &mut ConnectionForm, granted: &[SubscriptionResult]) -> bool {
    let mut changed = false;
    changed |= text_row_ui(
        ui,
        "Client id",
        &mut form.client_id,
        "empty: mqscope- and a random suffix",
        false,
    );
    changed |= text_row_ui(ui, "User name", &mut form.username, "", false);
    changed |= text_row_ui(
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
    changed |= text_row_ui(
        ui,
        "Keep-alive (s)",
        &mut form.keep_alive_s,
        "0 (off) or 5 to 65535",
        false,
    );
    changed |= text_row_ui(
        ui,
        "Proxy",
        &mut form.proxy,
        "http://host:3128 or socks5://host:1080",
        false,
    );
    if !form.proxy.trim().is_empty() {
        changed |= text_row_ui(
            ui,
            "Proxy password",
            &mut form.proxy_password,
            "if the proxy asks for one; not saved",
            true,
        );
    }
    ui.label("Subscriptions");
    changed |= subscriptions_ui(
        ui,
        (&mut form.subscriptions, &mut form.subscription_ids),
        granted,
    );
    ui.end_row();
    changed
}

/// The session (clean start or session, expiry) and the last will; whether any changed.
fn session_rows_ui(ui: &mut Ui, form: &mut ConnectionForm) -> bool {
    let mut changed = false;
    let v5 = form.version == MqttVersion::V5;
    ui.label("Session");
    ui.horizontal(|ui| {
        changed |= ui
            .checkbox(
                &mut form.clean_session,
                if v5 { "Clean start" } else { "Clean session" },
            )
            .on_hover_text(
                "Off: the broker keeps subscriptions and queued messages between connections",
            )
            .changed();
        if v5 {
            changed |= seconds_field_ui(ui, "expiry (s)", &mut form.session_expiry_s);
            changed |= ui
                .checkbox(&mut form.topic_aliases, "Topic aliases")
                .on_hover_text(
                    "Topics published again go by a short alias, within what the broker allows",
                )
                .changed();
        }
    });
    ui.end_row();
    let l = ui.label("History on disk");
    let label = |v: Option<bool>| match v {
        None => "as set in Limits",
        Some(true) => "kept",
        Some(false) => "not kept",
    };
    egui::ComboBox::from_id_salt("keep_history")
        .selected_text(label(form.keep_history))
        .show_ui(ui, |ui| {
            for v in [None, Some(true), Some(false)] {
                changed |= ui
                    .selectable_value(&mut form.keep_history, v, label(v))
                    .changed();
            }
        })
        .response
        .labelled_by(l.id)
        .on_hover_text(
            "Messages of this connection go to a database on disk: they come back after a \
             restart and can be searched (from the next connect)",
        );
    ui.end_row();
    changed |= text_row_ui(
        ui,
        "Last will topic",
        &mut form.will_topic,
        "empty: no last will",
        false,
    );
    if !form.will_topic.trim().is_empty() {
        changed |= text_row_ui(ui, "Last will payload", &mut form.will_payload, "", false);
        ui.label("Last will QoS");
        ui.horizontal(|ui| {
            for (qos, label) in [
                (QoS::AtMostOnce, "0"),
                (QoS::AtLeastOnce, "1"),
                (QoS::ExactlyOnce, "2"),
            ] {
                changed |= ui
                    .selectable_value(&mut form.will_qos, qos, label)
                    .changed();
            }
            changed |= ui.checkbox(&mut form.will_retain, "Retain").changed();
            if v5 {
                changed |= seconds_field_ui(ui, "delay (s)", &mut form.will_delay_s);
            }
        });
        ui.end_row();
    }
    changed
}

/// A short labelled field for a number of seconds; whether it changed.
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
