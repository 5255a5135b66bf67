//! The statistics table beside the chart: per series its colour, name (its end, the
//! field, kept), and over the visible time its last value, min, max, mean and point count
//! with what was skipped; paused, they all hold still with the chart.

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
        .min_scrolled_height(theme::fitting_height(ui))
        .show(ui, |ui| {
            header_ui(ui);
            for (i, series) in plots.series().iter().enumerate() {
                series_row_ui(ui, plots, i, series, view.stats(i), commands);
            }
            ui.add_space(theme::GROUP_GAP);
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        "{} points kept, {}. Every figure is over the visible time; \
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
        // Every figure is of the time in view: a paused chart freezes them all.
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.last)));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.min)));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.max)));
        cell_ui(ui, theme::STAT_WIDTH, value(stats.map(|s| s.mean)));
        let skipped = series.not_numeric + series.non_finite;
        let count = stats.map_or(0, |s| s.count);
        let points = if skipped > 0 {
            egui::RichText::new(format!("{count} ({skipped} skipped)")).color(theme::warn(dark))
        } else {
            egui::RichText::new(count.to_string())
        };
        cell_ui(ui, theme::STAT_WIDTH, points).on_hover_text(format!(
            "{count} in view, {} kept; {} not a number; {} NaN or infinite (skipped); \
             {} oldest removed (limit {} per series)",
            series.points().len(),
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
            // The end of the name is the field: keep it, cut the start.
            let font = egui::TextStyle::Body.resolve(ui.style());
            let glyph = ui.fonts_mut(|f| f.glyph_width(&font, 'n')).max(1.0);
            let fits = (ui.available_width() / glyph) as usize;
            ui.add(egui::Label::new(tail(label, fits.max(8))).truncate())
                .on_hover_text(label);
        },
    );
}

/// The last `max` characters of `label`, after "…" when it is cut.
fn tail(label: &str, max: usize) -> String {
    let n = label.chars().count();
    if n <= max {
        return label.to_string();
    }
    let skip = n - (max - 1);
    let from = label.char_indices().nth(skip).map_or(0, |(i, _)| i);
    format!("…{}", &label[from..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_series_names_keep_their_end() {
        assert_eq!(
            tail("demo/greenhouse/1/state#temperature", 12),
            "…temperature"
        );
        assert_eq!(tail("a/b", 12), "a/b");
        assert_eq!(tail("温室/1/温度", 3), "…温度");
    }

    #[test]
    fn values_are_short_and_exact_enough() {
        assert_eq!(format_value(21.5), "21.5");
        assert_eq!(format_value(21.0), "21");
        assert_eq!(format_value(-0.0001), "-1.000e-4");
        assert_eq!(format_value(1234.5678), "1234.568");
        assert_eq!(format_value(0.0), "0");
    }
}
