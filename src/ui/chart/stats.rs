//! The statistics table beside the chart: per series its colour, name, last value, min,
//! max and mean over the visible time, and its point count with what was skipped.

use egui::Ui;

use super::ChartView;
use crate::command::{Commands, TabCommand};
use crate::model::payload::visible_text;
use crate::model::series::WindowStats;
use crate::model::{Plots, Series};
use crate::ui::inspector::format_bytes;
use crate::ui::theme;

/// A number for the statistics table: at most three decimals, no trailing zeros.
pub fn format_value(v: f64) -> String {
    if v.abs() >= 1e7 || (v != 0.0 && v.abs() < 1e-3) {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The table, scrolling, and a note on what its figures mean.
pub(super) fn stats_ui(ui: &mut Ui, plots: &Plots, view: &ChartView, commands: &mut Commands) {
    let dark = ui.visuals().dark_mode;
    egui::ScrollArea::both()
        .id_salt("chart_stats")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            header_ui(ui);
            for (i, series) in plots.series().iter().enumerate() {
                series_row_ui(ui, plots, i, series, view.stats(i), commands);
            }
            ui.add_space(theme::GROUP_GAP);
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        "{} points, {}. Min, max and mean are over the visible time; \
                         hollow circles are retained values (time of arrival, not of \
                         measurement)",
                        plots.total_points(),
                        format_bytes(plots.bytes())
                    ))
                    .color(theme::muted(dark)),
                )
                .wrap(),
            );
        });
}

/// A right-aligned cell of a fixed width, so rows line up without a measuring pass.
fn cell_ui(ui: &mut Ui, width: f32, text: egui::RichText) -> egui::Response {
    ui.allocate_ui_with_layout(
        egui::vec2(width, theme::ROW_HEIGHT),
        egui::Layout::right_to_left(egui::Align::Center),
        |ui| {
            ui.set_min_width(width);
            ui.add(egui::Label::new(text).truncate())
        },
    )
    .inner
}

/// The column headings.
fn header_ui(ui: &mut Ui) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let muted = |t: &str| egui::RichText::new(t).color(theme::muted(dark));
        ui.allocate_ui_with_layout(
            egui::vec2(theme::SERIES_NAME_WIDTH, theme::ROW_HEIGHT),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                ui.set_min_width(theme::SERIES_NAME_WIDTH);
                ui.label(muted("Series"));
            },
        );
        for head in ["Last", "Min", "Max", "Mean"] {
            cell_ui(ui, theme::STAT_WIDTH, muted(head));
        }
        cell_ui(ui, theme::STAT_WIDTH, muted("Points"));
    });
}

/// One series: remove button, colour, name, its figures and its point count.
fn series_row_ui(
    ui: &mut Ui,
    plots: &Plots,
    i: usize,
    series: &Series,
    stats: Option<WindowStats>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let label = visible_text(series.spec.label().as_bytes()).into_owned();
    ui.horizontal(|ui| {
        series_name_ui(ui, i, &label, commands);
        let value =
            |v: Option<f64>| egui::RichText::new(v.map_or_else(|| "–".into(), format_value));
        cell_ui(ui, theme::STAT_WIDTH, value(series.last()));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.min)));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.max)));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.mean)));
        let skipped = series.not_numeric + series.non_finite;
        let count = series.points().len();
        let points = if skipped > 0 {
            egui::RichText::new(format!("{count} ({skipped} skipped)")).color(theme::warn(dark))
        } else {
            egui::RichText::new(count.to_string())
        };
        cell_ui(ui, theme::STAT_WIDTH, points).on_hover_text(format!(
            "{} in view; {} not a number; {} NaN or infinite (skipped); \
             {} oldest removed (limit {} per series)",
            stats.map_or(0, |s| s.count),
            series.not_numeric,
            series.non_finite,
            series.dropped,
            plots.cap
        ));
    });
}

/// The remove button, the colour swatch and the name (cut; hover shows it all).
fn series_name_ui(ui: &mut Ui, i: usize, label: &str, commands: &mut Commands) {
    let dark = ui.visuals().dark_mode;
    ui.allocate_ui_with_layout(
        egui::vec2(theme::SERIES_NAME_WIDTH, theme::ROW_HEIGHT),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_min_width(theme::SERIES_NAME_WIDTH);
            let remove = ui
                .small_button("×")
                .on_hover_text(format!("Stop plotting {label}"));
            remove.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, "Remove"));
            if remove.clicked() {
                commands.tab(TabCommand::RemoveSeries(i));
            }
            let (rect, _) = ui.allocate_exact_size(
                egui::vec2(theme::SWATCH_SIZE, theme::SWATCH_SIZE),
                egui::Sense::hover(),
            );
            ui.painter()
                .rect_filled(rect, 2.0, theme::series_color(dark, i));
            ui.add(egui::Label::new(label).truncate())
                .on_hover_text(label);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_short_and_exact_enough() {
        assert_eq!(format_value(21.5), "21.5");
        assert_eq!(format_value(21.0), "21");
        assert_eq!(format_value(-0.0001), "-1.000e-4");
        assert_eq!(format_value(1234.5678), "1234.568");
        assert_eq!(format_value(0.0), "0");
    }
}
