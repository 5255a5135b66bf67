//! The connections window: saved profiles (load, save, duplicate, rename, delete), the
//! fields of the connection form that do not fit the bar, import and export of profiles,
//! and connect/disconnect.

use egui::Ui;

use super::profile_form::profile_form_ui;
use crate::command::{AppCommand, Commands, TabCommand};
use crate::mqtt::{BrokerInfo, ConnectionForm, ConnectionState, SettingsError, SubscriptionResult};
use crate::profiles::connections::ProfileStore;
use crate::ui::theme;

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
    (state, granted, broker, subs_changed): (
        &ConnectionState,
        &[SubscriptionResult],
        Option<&BrokerInfo>,
        bool,
    ),
    commands: &mut Commands,
) {
    egui::Window::new("Connections")
        .open(open)
        .resizable(false)
        .default_pos(theme::WINDOW_POS)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            ui.horizontal_top(|ui| {
                saved_list_ui(ui, profiles, name, commands);
                // A gap, not a separator: a vertical separator would take all the height.
                ui.add_space(theme::GROUP_GAP);
                ui.vertical(|ui| {
                    let loaded = loaded.filter(|l| profiles.find(l).is_some());
                    profile_form_ui(ui, name, form, (profiles, loaded), granted, commands);
                    if let Some(note) = keychain_note {
                        match note {
                            Ok(n) => ui.colored_label(theme::good(dark), n),
                            Err(e) => ui.colored_label(theme::warn(dark), e),
                        };
                    }
                });
            });
            ui.separator();
            profiles_file_ui(ui, file, file_result, commands);
            ui.separator();
            ui.horizontal(|ui| {
                if state.is_active() {
                    if ui.button("Disconnect").clicked() {
                        commands.tab(TabCommand::Disconnect);
                    }
                } else if ui.button("Connect").clicked() {
                    commands.tab(TabCommand::ConnectForm);
                }
                if ui
                    .button("Connection info…")
                    .on_hover_text("What the broker said it supports (its CONNACK)")
                    .clicked()
                {
                    let id = info_open_id();
                    ui.ctx().data_mut(|d| {
                        let open = d.get_temp_mut_or(id, false);
                        *open = !*open;
                    });
                }
                if subs_changed
                    && ui
                        .button("Apply subscriptions")
                        .on_hover_text(
                            "Subscribe and unsubscribe now, without reconnecting (the session \
                             stays)",
                        )
                        .clicked()
                {
                    commands.tab(TabCommand::ApplySubscriptions);
                }
                if let Some(e) = error.as_ref() {
                    ui.colored_label(theme::error(dark), &e.message);
                }
            });
        });
    connection_info_window_ui(ctx, broker, state.is_connected());
}

/// Whether the Connection info window is open (kept in egui's memory: it is the UI's own).
fn info_open_id() -> egui::Id {
    egui::Id::unique("connection_info_open")
}

/// What the broker said in its last CONNACK, in words: the session and its limits, in a
/// window of its own (opened from the Connections window).
fn connection_info_window_ui(ctx: &egui::Context, broker: Option<&BrokerInfo>, connected: bool) {
    let mut open = ctx.data(|d| d.get_temp::<bool>(info_open_id()).unwrap_or(false));
    if !open {
        return;
    }
    egui::Window::new("Connection info")
        .open(&mut open)
        .resizable(false)
        .default_pos([
            ctx.content_rect().right() - theme::INFO_WINDOW_WIDTH,
            theme::INFO_WINDOW_TOP,
        ])
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            let Some(info) = broker else {
                ui.colored_label(theme::muted(dark), "Not connected yet");
                return;
            };
            if !connected {
                ui.colored_label(theme::muted(dark), "From the last connection:");
            }
            egui::Grid::new("connack_grid")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (what, said) in info.lines() {
                        ui.label(what);
                        ui.label(said);
                        ui.end_row();
                    }
                });
        });
    ctx.data_mut(|d| d.insert_temp(info_open_id(), open));
}

/// The saved profiles; a click loads one.
fn saved_list_ui(ui: &mut Ui, profiles: &ProfileStore, name: &str, commands: &mut Commands) {
    let dark = ui.visuals().dark_mode;
    ui.vertical(|ui| {
        ui.set_width(theme::PROFILE_LIST_WIDTH);
        ui.strong("Saved");
        if profiles.profiles().is_empty() {
            ui.colored_label(theme::muted(dark), "None yet: fill in and Save");
        }
        for p in profiles.profiles() {
            let selected = p.name == name;
            if ui
                .selectable_label(selected, p.name.as_str())
                .on_hover_text(format!("{}:{}", p.form.host, p.form.port))
                .clicked()
            {
                commands.tab(TabCommand::LoadProfile(p.name.clone()));
            }
        }
    });
}

/// A file to import profiles from or export them to, and what the last try did.
fn profiles_file_ui(
    ui: &mut Ui,
    file: &mut String,
    file_result: Option<&Result<String, String>>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let label = ui.label("File");
        crate::ui::file_field::path_field_ui(
            ui,
            file,
            (label.id, "profiles_file"),
            (crate::ui::file_field::FileKind::Profiles, false),
            "profiles.json to import or export (no passwords)",
        );
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
}

/// Asks before a save overwrites saved profile `ask.name`, listing what changes:
/// `Some(true)` to overwrite, `Some(false)` to keep the saved one, `None` while open.
pub fn overwrite_dialog_ui(ctx: &egui::Context, ask: &crate::status::OverwriteAsk) -> Option<bool> {
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("overwrite_profile")).show(ctx, |ui| {
        ui.set_max_width(theme::DIALOG_WIDTH);
        ui.heading(format!("Overwrite profile {}?", ask.name));
        ui.label("A saved profile has this name. Saving changes:");
        for change in &ask.changes {
            ui.monospace(change);
        }
        ui.horizontal(|ui| {
            if ui.button("Overwrite").clicked() {
                answer = Some(true);
            }
            if ui.button("Keep the saved one").clicked() {
                answer = Some(false);
            }
        });
    });
    answer
}
