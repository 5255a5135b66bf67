//! The chart's toolbar: pause or follow live, the time window, clear, and CSV export.

use egui::Ui;

use super::export::{ExportDialog, export_dialog_ui};
use super::view::earliest;
use super::{ChartView, TimeWindow};
use crate::command::{Commands, TabCommand};
use crate::model::Plots;
use crate::ui::theme;

/// The buttons above the chart, and the export dialog when it is open.
pub(super) fn toolbar_ui(
    ui: &mut Ui,
    plots: &Plots,
    view: &mut ChartView,
    now: f64,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Plots");
        if view.live {
            if ui
                .button("Pause")
                .on_hover_text("Stop following live; then drag to pan, Ctrl+wheel to zoom")
                .clicked()
            {
                view.pause();
            }
        } else if ui
            .button("Follow live")
            .on_hover_text("Show the latest values as they arrive")
            .clicked()
        {
            view.live = true;
        }
        ui.separator();
        for w in TimeWindow::EVERY {
            if ui.selectable_label(view.window == w, w.label()).clicked() && view.window != w {
                view.window = w;
                if !view.live {
                    let right = view.visible.1;
                    let left = w
                        .seconds()
                        .map_or_else(|| earliest(plots).unwrap_or(right - 60.0), |s| right - s);
                    view.pending_x = Some((left, right));
                }
            }
        }
        ui.separator();
        if ui
            .add_enabled(!plots.is_empty(), egui::Button::new("Clear"))
            .on_hover_text("Remove every point; the series stay and go on")
            .clicked()
        {
            commands.tab(TabCommand::ClearPlots);
        }
        if ui
            .add_enabled(!plots.is_empty(), egui::Button::new("Export CSV…"))
            .on_hover_text("Write the visible points to a CSV file")
            .clicked()
        {
            view.export = Some(ExportDialog::fresh(now));
        }
        ui.separator();
        ui.toggle_value(&mut view.scale_each, "Scale each")
            .on_hover_text(
                "Draw each series over its own visible range (0–100 %), so series of \
                 different ranges can be compared; the read-out and the table stay real values",
            );
        if !view.live {
            ui.colored_label(theme::warn(dark), "paused");
        }
    });
    export_dialog_ui(ui.ctx(), view, commands);
}
