//! The tabs of the open connections, each with its state; a click shows one, "Close" ends
//! one, "New connection" opens another.

use std::time::Instant;

use egui::Ui;

use super::state_dot_ui;
use crate::command::{AppCommand, Commands, TabId};
use crate::mqtt::ConnectionState;
use crate::ui::theme;

/// The open connections as tabs, each with its state; a click shows one, "Close" ends
/// one, "New connection" opens another.
pub fn connection_tabs_ui(
    ui: &mut Ui,
    tabs: &[(TabId, String, ConnectionState)],
    active: TabId,
    commands: &mut Commands,
) {
    ui.horizontal(|ui| {
        for (id, label, state) in tabs {
            let id = *id;
            ui.scope(|ui| {
                ui.spacing_mut().item_spacing.x = theme::TAB_INNER_GAP;
                state_dot_ui(ui, state);
                if ui
                    .selectable_label(id == active, label)
                    .on_hover_text(state.describe(Instant::now()))
                    .clicked()
                {
                    commands.push(AppCommand::ShowConnection(id));
                }
                if tabs.len() > 1 {
                    let close = ui.small_button("×").on_hover_text("Close this connection");
                    let name = format!("Close {label}");
                    close
                        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    if close.clicked() {
                        commands.push(AppCommand::CloseConnection(id));
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
