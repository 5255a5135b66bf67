//! Drawing the chart: each series as a line over wall-clock time, hollow circles on
//! retained values, a hover read-out, and the y range fitted while following live.

use egui::Ui;
use egui_plot::{HoverPosition, Line, MarkerShape, Plot, PlotPoints, Points};

use super::ChartView;
use super::stats::format_value;
use super::time_axis::{local_time, time_grid, time_label};
use super::view::Scale;
use crate::model::Plots;
use crate::model::payload::visible_text;
use crate::ui::theme;

/// The plot itself; paused, the range the user drags or zooms to is kept for the next
/// frame.
pub(super) fn plot_ui(
    ui: &mut Ui,
    plots: &Plots,
    view: &mut ChartView,
    fixed_x: Option<(f64, f64)>,
) {
    let dark = ui.visuals().dark_mode;
    view.columns = (ui.available_width() * ui.pixels_per_point()).max(1.0) as usize;
    let live = view.live;
    let scale_each = view.scale_each;
    // Scaled, each series' points become percents of its range; the read-out maps back.
    let scales: Vec<(String, Scale)> = plots
        .series()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = visible_text(s.spec.label().as_bytes()).into_owned();
            (name, Scale::of(view.stats.get(i).copied().flatten()))
        })
        .collect();
    let mut plot = Plot::new("chart")
        .grid_spacing(theme::CHART_GRID_MIN_SPACING..=theme::CHART_GRID_MAX_SPACING)
        .x_grid_spacer(time_grid)
        .x_axis_formatter(time_label)
        .label_formatter(|hover: &HoverPosition<'_>| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => {
                let value = match scales.iter().find(|(n, _)| n == plot_name) {
                    Some((_, scale)) if scale_each => scale.value_at_percent(position.y),
                    _ => position.y,
                };
                Some(format!(
                    "{plot_name}\n{}\n{}",
                    local_time(position.x, "%H:%M:%S%.3f"),
                    format_value(value)
                ))
            }
            HoverPosition::Elsewhere { .. } => None,
        })
        .allow_drag(!live)
        .allow_zoom(!live)
        .allow_scroll(!live)
        .allow_boxed_zoom(!live)
        .allow_double_click_reset(!live);
    if live {
        plot = plot.auto_bounds([false, true]);
    }
    if scale_each {
        plot = plot.y_axis_formatter(|mark, _| format!("{}%", mark.value.round()));
    }
    let (x0, x1) = view.visible;
    let response = plot.show(ui, |plot_ui| {
        if let Some((a, b)) = fixed_x {
            plot_ui.set_plot_bounds_x(a..=b);
        }
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (i, series) in plots.series().iter().enumerate() {
            if let Some(s) = view.stats[i] {
                lo = lo.min(s.min);
                hi = hi.max(s.max);
            }
            let color = theme::series_color(dark, i);
            let (name, scale) = scales[i].clone();
            let shown = |p: [f64; 2]| {
                if scale_each {
                    [p[0], scale.to_percent(p[1])]
                } else {
                    p
                }
            };
            let points: PlotPoints<'_> = view.buffers[i].iter().map(|&p| shown(p)).collect();
            plot_ui.line(
                Line::new(name.clone(), points)
                    .color(color)
                    .width(theme::SERIES_LINE_WIDTH),
            );
            let retained: Vec<[f64; 2]> = series
                .retained_points()
                .iter()
                .copied()
                .filter(|p| p[0] >= x0 && p[0] <= x1)
                .map(shown)
                .collect();
            if !retained.is_empty() {
                plot_ui.points(
                    Points::new(name, retained)
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(theme::RETAINED_MARKER_RADIUS)
                        .color(color),
                );
            }
        }
        if scale_each {
            (lo, hi) = (0.0, 100.0);
        }
        if live && lo.is_finite() {
            let margin = ((hi - lo) * theme::CHART_Y_MARGIN).max(0.5 * theme::CHART_Y_MARGIN);
            plot_ui.set_plot_bounds_y(lo - margin..=hi + margin);
        }
    });
    // Paused, the user may have dragged or zoomed: the next frame reduces to that range.
    let bounds = response.transform.bounds();
    view.visible = (bounds.min()[0], bounds.max()[0]);
}
