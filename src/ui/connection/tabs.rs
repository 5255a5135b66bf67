//! The tabs of the open connections, each with its state; a click shows one, "Close" ends
//! one, "New connection" opens another.

use std::time::Instant;

use egui::Ui;

use super::state_dot_ui;
use crate::app::AppCommand;
use crate::mqtt::ConnectionState;
use crate::ui::theme;

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
