//! The menu bar: File, View, Connection, Tools, Help. Each entry is an action of
//! [`super::actions`] (with its shortcut beside it), so the menus, the palette and the keys
//! always do the same thing.

use super::actions::{self, Action};
use super::help;
use super::theme::ThemeChoice;

/// What the menus show as ticked or greyed.
pub struct MenuState {
    pub connected: bool,
    pub tabs: usize,
    pub theme: ThemeChoice,
}

/// One entry: its name and shortcut; `Some(action)` when clicked.
fn item_ui(ui: &mut egui::Ui, action: Action, enabled: bool, out: &mut Option<Action>) {
    let info = actions::info_of(action);
    let button =
        egui::Button::new(info.name).shortcut_text(actions::shortcut_text(ui.ctx(), action));
    if ui.add_enabled(enabled, button).clicked() {
        *out = Some(action);
    }
}

/// The menu bar; the action chosen, if one was.
pub fn menu_bar_ui(ui: &mut egui::Ui, state: &MenuState) -> Option<Action> {
    let mut out = None;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item_ui(ui, Action::Connections, true, &mut out);
            item_ui(ui, Action::RecordWindow, true, &mut out);
            item_ui(ui, Action::Record, true, &mut out);
            ui.separator();
            item_ui(ui, Action::Quit, true, &mut out);
        });
        ui.menu_button("View", |ui| {
            item_ui(ui, Action::Palette, true, &mut out);
            item_ui(ui, Action::FocusFilter, true, &mut out);
            item_ui(ui, Action::PublishPanel, true, &mut out);
            item_ui(ui, Action::Plots, true, &mut out);
            item_ui(ui, Action::Pause, true, &mut out);
            ui.separator();
            for (choice, action, name) in [
                (ThemeChoice::Dark, Action::ThemeDark, "Dark"),
                (ThemeChoice::Light, Action::ThemeLight, "Light"),
                (
                    ThemeChoice::System,
                    Action::ThemeSystem,
                    "Follow the system",
                ),
            ] {
                if ui.radio(state.theme == choice, name).clicked() {
                    out = Some(action);
                }
            }
        });
        ui.menu_button("Connection", |ui| {
            item_ui(ui, Action::Connect, !state.connected, &mut out);
            item_ui(ui, Action::Disconnect, state.connected, &mut out);
            ui.separator();
            item_ui(ui, Action::NewTab, true, &mut out);
            item_ui(ui, Action::CloseTab, state.tabs > 1, &mut out);
            item_ui(ui, Action::NextTab, state.tabs > 1, &mut out);
            item_ui(ui, Action::PreviousTab, state.tabs > 1, &mut out);
            ui.separator();
            item_ui(ui, Action::SendMessage, state.connected, &mut out);
            item_ui(ui, Action::PlotSelected, true, &mut out);
            item_ui(ui, Action::ClearRetained, state.connected, &mut out);
        });
        ui.menu_button("Tools", |ui| {
            item_ui(ui, Action::Decoders, true, &mut out);
            item_ui(ui, Action::BrokerStats, true, &mut out);
            item_ui(ui, Action::TopTalkers, true, &mut out);
            item_ui(ui, Action::Limits, true, &mut out);
            ui.separator();
            item_ui(ui, Action::LocalBrokerPanel, true, &mut out);
            item_ui(ui, Action::LocalBroker, true, &mut out);
        });
        ui.menu_button("Help", |ui| {
            item_ui(ui, Action::Shortcuts, true, &mut out);
            ui.separator();
            help::readme_links_ui(ui);
            ui.separator();
            item_ui(ui, Action::About, true, &mut out);
        });
    });
    out
}
