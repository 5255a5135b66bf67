//! The chart panel: plotted series over wall-clock time, following live or paused, a time
//! window, hover read-out, per-series last/min/max/mean, clear, remove and CSV export.

mod export;
mod plot;
mod stats;
mod time_axis;
mod toolbar;
mod view;

use egui::Ui;

use super::theme;
use crate::command::Commands;
use crate::model::Plots;
pub use export::ExportDialog;
use plot::plot_ui;
pub use stats::format_value;
use stats::stats_ui;
use toolbar::toolbar_ui;
use view::prepare;
pub use view::{ChartView, TimeWindow};

/// Draws the chart panel. `now` is the wall clock in seconds since the epoch.
pub fn chart_ui(
    ui: &mut Ui,
    plots: &Plots,
    view: &mut ChartView,
    now: f64,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    toolbar_ui(ui, plots, view, now, commands);
    if plots.is_empty() {
        ui.add_space(theme::GROUP_GAP);
        ui.colored_label(
            theme::muted(dark),
            "Nothing plotted yet: select a topic with a numeric payload and click Plot, \
             or click a number in the JSON view",
        );
        return;
    }
    let fixed_x = prepare(plots, view, now);
    egui::Panel::right("chart_stats")
        .resizable(true)
        .default_size(theme::CHART_STATS_WIDTH)
        .show(ui, |ui| stats_ui(ui, plots, view, commands));
    plot_ui(ui, plots, view, fixed_x);
}
