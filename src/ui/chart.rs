//! The chart panel: plotted series over wall-clock time, following live or paused, a time
//! window, hover read-out, per-series last/min/max/mean, clear, remove and CSV export.

use std::ops::RangeInclusive;

use egui::Ui;
use egui_plot::{GridInput, GridMark, HoverPosition, Line, MarkerShape, Plot, PlotPoints, Points};

use super::inspector::{format_bytes, format_local};
use super::theme;
use crate::app::AppCommand;
use crate::model::Plots;
use crate::model::payload::visible_text;
use crate::model::series::{WindowStats, reduce};

/// How much time the chart shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimeWindow {
    OneMinute,
    #[default]
    TenMinutes,
    OneHour,
    All,
}

impl TimeWindow {
    pub const EVERY: [Self; 4] = [Self::OneMinute, Self::TenMinutes, Self::OneHour, Self::All];

    pub fn label(self) -> &'static str {
        match self {
            Self::OneMinute => "1 min",
            Self::TenMinutes => "10 min",
            Self::OneHour => "1 h",
            Self::All => "All",
        }
    }

    /// Its length in seconds; `None` for everything held.
    pub fn seconds(self) -> Option<f64> {
        match self {
            Self::OneMinute => Some(60.0),
            Self::TenMinutes => Some(600.0),
            Self::OneHour => Some(3600.0),
            Self::All => None,
        }
    }
}

/// The CSV export dialog.
#[derive(Debug, Default)]
pub struct ExportDialog {
    /// File to write (the user edits it).
    pub path: String,
    /// What the last export did, in words (`Err` for a failure).
    pub status: Option<Result<String, String>>,
    /// An export is being written.
    pub running: bool,
}

/// Chart state that lives between frames.
#[derive(Debug)]
pub struct ChartView {
    pub window: TimeWindow,
    /// Following live (the right edge is now); false while paused (then the user may
    /// drag and zoom).
    pub live: bool,
    /// Time range to put on the x axis on the next frame (pause, window change).
    pending_x: Option<(f64, f64)>,
    /// Time range shown in the last frame (what CSV export writes).
    pub visible: (f64, f64),
    /// Width of the plot in pixels (last frame): the reduction's column count.
    columns: usize,
    /// Draw data per series, reused between frames.
    buffers: Vec<Vec<[f64; 2]>>,
    /// Statistics of each series inside the visible range.
    stats: Vec<Option<WindowStats>>,
    /// Open while the user picks where to export.
    pub export: Option<ExportDialog>,
}

impl Default for ChartView {
    fn default() -> Self {
        Self {
            window: TimeWindow::default(),
            live: true,
            pending_x: None,
            visible: (0.0, 0.0),
            columns: 1000,
            buffers: Vec::new(),
            stats: Vec::new(),
            export: None,
        }
    }
}

impl ChartView {
    /// Stops following live; the chart keeps the range it shows.
    pub fn pause(&mut self) {
        if self.live {
            self.live = false;
            self.pending_x = Some(self.visible);
        }
    }

    /// Statistics of series `index` inside the visible range (after a frame was drawn).
    pub fn stats(&self, index: usize) -> Option<WindowStats> {
        self.stats.get(index).copied().flatten()
    }
}

/// A number for the statistics table: at most three decimals, no trailing zeros.
pub fn format_value(v: f64) -> String {
    if v.abs() >= 1e7 || (v != 0.0 && v.abs() < 1e-3) {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Local time of `t` (seconds since the epoch) in the given chrono format.
fn local_time(t: f64, fmt: &str) -> String {
    format_local((t * 1000.0).round() as i64, fmt).unwrap_or_default()
}

/// Grid steps that read well on a clock, in seconds.
const TIME_STEPS: [f64; 21] = [
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
];

/// Grid marks on whole clock steps (local time): fine lines at the smallest step that is
/// not too dense, stronger ones at a coarser step.
fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let offset = f64::from(chrono::Local::now().offset().local_minus_utc());
    let fine = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= input.base_step_size)
        .unwrap_or_else(|| (input.base_step_size / 86400.0).ceil() * 86400.0);
    let coarse = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= fine * 4.0)
        .unwrap_or(fine * 5.0);
    let mut marks = Vec::new();
    let mut k = ((lo + offset) / fine).ceil();
    while k * fine - offset <= hi && marks.len() < 1000 {
        let local = k * fine;
        let step_size = if (local / coarse).fract().abs() < 1e-9 {
            coarse
        } else {
            fine
        };
        marks.push(GridMark {
            value: local - offset,
            step_size,
        });
        k += 1.0;
    }
    marks
}

fn time_label(mark: GridMark, _range: &RangeInclusive<f64>) -> String {
    let fmt = if mark.step_size >= 86400.0 {
        "%m-%d"
    } else if mark.step_size >= 60.0 {
        "%H:%M"
    } else if mark.step_size >= 1.0 {
        "%H:%M:%S"
    } else {
        "%H:%M:%S%.3f"
    };
    local_time(mark.value, fmt)
}

/// Draws the chart panel. `now` is the wall clock in seconds since the epoch.
pub fn chart_ui(
    ui: &mut Ui,
    plots: &Plots,
    view: &mut ChartView,
    now: f64,
    commands: &mut Vec<AppCommand>,
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

fn toolbar_ui(
    ui: &mut Ui,
    plots: &Plots,
    view: &mut ChartView,
    now: f64,
    commands: &mut Vec<AppCommand>,
) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
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
            commands.push(AppCommand::ClearPlots);
        }
        if ui
            .add_enabled(!plots.is_empty(), egui::Button::new("Export CSV…"))
            .on_hover_text("Write the visible points to a CSV file")
            .clicked()
        {
            let stamp = local_time(now, "%Y%m%d-%H%M%S");
            let dir = directories::UserDirs::new()
                .map(|d| d.home_dir().to_path_buf())
                .unwrap_or_default();
            view.export = Some(ExportDialog {
                path: dir
                    .join(format!("mqscope-plot-{stamp}.csv"))
                    .display()
                    .to_string(),
                ..ExportDialog::default()
            });
        }
        if !view.live {
            ui.colored_label(theme::warn(dark), "paused");
        }
    });
    export_dialog_ui(ui.ctx(), view, commands);
}

fn export_dialog_ui(ctx: &egui::Context, view: &mut ChartView, commands: &mut Vec<AppCommand>) {
    let Some(dialog) = &mut view.export else {
        return;
    };
    let (x0, x1) = view.visible;
    let mut open = true;
    egui::Window::new("Export CSV")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            ui.label(format!(
                "The visible points ({} to {}) as timestamp_ms, series, value",
                local_time(x0, "%H:%M:%S"),
                local_time(x1, "%H:%M:%S")
            ));
            ui.horizontal(|ui| {
                let label = ui.label("File");
                ui.add(
                    egui::TextEdit::singleline(&mut dialog.path)
                        .desired_width(theme::PATH_FIELD_WIDTH),
                )
                .labelled_by(label.id);
            });
            ui.horizontal(|ui| {
                let can = !dialog.running && !dialog.path.trim().is_empty();
                if ui.add_enabled(can, egui::Button::new("Save")).clicked() {
                    dialog.running = true;
                    dialog.status = None;
                    commands.push(AppCommand::ExportCsv {
                        path: dialog.path.trim().into(),
                        from: x0,
                        to: x1,
                    });
                }
                if dialog.running {
                    ui.spinner();
                }
            });
            match &dialog.status {
                Some(Ok(done)) => {
                    ui.colored_label(theme::good(dark), done);
                }
                Some(Err(e)) => {
                    ui.colored_label(theme::error(dark), e);
                }
                None => {}
            }
        });
    if !open {
        view.export = None;
    }
}

/// Time of the oldest point over all series.
fn earliest(plots: &Plots) -> Option<f64> {
    plots
        .series()
        .iter()
        .filter_map(|s| s.points().front().map(|p| p[0]))
        .min_by(f64::total_cmp)
}

/// Picks the time range to show and reduces every series to it, so the statistics
/// table and the plot of one frame agree. Returns the range to force on the plot, if any.
fn prepare(plots: &Plots, view: &mut ChartView, now: f64) -> Option<(f64, f64)> {
    let n = plots.len();
    view.buffers.resize_with(n, Vec::new);
    view.stats.resize(n, None);
    let fixed = if view.live {
        // The latest `window` of time, but no wider than the data: a chart that has just
        // started fills up from the left instead of drawing a sliver at the right edge.
        let first = earliest(plots).unwrap_or(now - theme::CHART_MIN_SPAN_S);
        let left = view
            .window
            .seconds()
            .map_or(first, |s| (now - s).max(first));
        let left = left.min(now - theme::CHART_MIN_SPAN_S);
        // A little room on the left, so a point at the very start is not cut in half.
        Some((left - (now - left) * theme::CHART_X_MARGIN, now))
    } else {
        view.pending_x.take()
    };
    let (x0, x1) = fixed.unwrap_or(view.visible);
    for (i, series) in plots.series().iter().enumerate() {
        view.stats[i] = reduce(series.points(), x0, x1, view.columns, &mut view.buffers[i]);
    }
    view.visible = (x0, x1);
    fixed
}

fn plot_ui(ui: &mut Ui, plots: &Plots, view: &mut ChartView, fixed_x: Option<(f64, f64)>) {
    let dark = ui.visuals().dark_mode;
    view.columns = (ui.available_width() * ui.pixels_per_point()).max(1.0) as usize;
    let live = view.live;
    let mut plot = Plot::new("chart")
        .x_grid_spacer(time_grid)
        .x_axis_formatter(time_label)
        .label_formatter(|hover: &HoverPosition<'_>| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}\n{}",
                local_time(position.x, "%H:%M:%S%.3f"),
                format_value(position.y)
            )),
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
            let name = visible_text(series.spec.label().as_bytes()).into_owned();
            let points: PlotPoints<'_> = view.buffers[i].iter().copied().collect();
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
        if live && lo.is_finite() {
            let margin = ((hi - lo) * theme::CHART_Y_MARGIN).max(0.5 * theme::CHART_Y_MARGIN);
            plot_ui.set_plot_bounds_y(lo - margin..=hi + margin);
        }
    });
    // Paused, the user may have dragged or zoomed: the next frame reduces to that range.
    let bounds = response.transform.bounds();
    view.visible = (bounds.min()[0], bounds.max()[0]);
}

fn stats_ui(ui: &mut Ui, plots: &Plots, view: &ChartView, commands: &mut Vec<AppCommand>) {
    let dark = ui.visuals().dark_mode;
    // Fixed column widths, so rows line up without a measuring pass.
    let cell = |ui: &mut Ui, width: f32, text: egui::RichText| {
        ui.allocate_ui_with_layout(
            egui::vec2(width, theme::ROW_HEIGHT),
            egui::Layout::right_to_left(egui::Align::Center),
            |ui| {
                ui.set_min_width(width);
                ui.add(egui::Label::new(text).truncate())
            },
        )
        .inner
    };
    egui::ScrollArea::both()
        .id_salt("chart_stats")
        .auto_shrink([false, false])
        .show(ui, |ui| {
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
                    cell(ui, theme::STAT_WIDTH, muted(head));
                }
                cell(ui, theme::STAT_WIDTH, muted("Points"));
            });
            for (i, series) in plots.series().iter().enumerate() {
                let label = visible_text(series.spec.label().as_bytes()).into_owned();
                let stats = view.stats(i);
                ui.horizontal(|ui| {
                    ui.allocate_ui_with_layout(
                        egui::vec2(theme::SERIES_NAME_WIDTH, theme::ROW_HEIGHT),
                        egui::Layout::left_to_right(egui::Align::Center),
                        |ui| {
                            ui.set_min_width(theme::SERIES_NAME_WIDTH);
                            let remove = ui
                                .small_button("×")
                                .on_hover_text(format!("Stop plotting {label}"));
                            remove.widget_info(|| {
                                egui::WidgetInfo::labeled(egui::Role::Button, true, "Remove")
                            });
                            if remove.clicked() {
                                commands.push(AppCommand::RemoveSeries(i));
                            }
                            let (rect, _) = ui.allocate_exact_size(
                                egui::vec2(theme::SWATCH_SIZE, theme::SWATCH_SIZE),
                                egui::Sense::hover(),
                            );
                            ui.painter()
                                .rect_filled(rect, 2.0, theme::series_color(dark, i));
                            ui.add(egui::Label::new(&label).truncate())
                                .on_hover_text(&label);
                        },
                    );
                    let value = |v: Option<f64>| {
                        egui::RichText::new(v.map_or_else(|| "–".into(), format_value))
                    };
                    cell(ui, theme::STAT_WIDTH, value(series.last()));
                    cell(ui, theme::STAT_WIDTH, value(stats.map(|s| s.min)));
                    cell(ui, theme::STAT_WIDTH, value(stats.map(|s| s.max)));
                    cell(ui, theme::STAT_WIDTH, value(stats.map(|s| s.mean)));
                    let skipped = series.not_numeric + series.non_finite;
                    let count = series.points().len();
                    let points = if skipped > 0 {
                        egui::RichText::new(format!("{count} ({skipped} skipped)"))
                            .color(theme::warn(dark))
                    } else {
                        egui::RichText::new(count.to_string())
                    };
                    cell(ui, theme::STAT_WIDTH, points).on_hover_text(format!(
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

    #[test]
    fn every_grid_step_has_a_label() {
        for step in TIME_STEPS.into_iter().chain([0.01, 172_800.0]) {
            let mark = GridMark {
                value: 1_700_000_000.5,
                step_size: step,
            };
            assert!(!time_label(mark, &(0.0..=1.0)).is_empty(), "step {step}");
        }
    }

    #[test]
    fn time_grid_marks_sit_on_clock_steps() {
        let marks = time_grid(GridInput {
            bounds: (1_700_000_003.0, 1_700_000_600.0),
            base_step_size: 7.0,
        });
        assert!(!marks.is_empty());
        let offset = f64::from(chrono::Local::now().offset().local_minus_utc());
        for m in &marks {
            assert!(m.value >= 1_700_000_003.0 && m.value <= 1_700_000_600.0);
            assert_eq!(((m.value + offset) % 10.0).abs(), 0.0, "on a 10 s step");
        }
        assert!(
            marks.iter().any(|m| m.step_size > 10.0),
            "some stronger lines"
        );
    }
}
