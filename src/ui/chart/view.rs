//! The chart's state between frames: the time window, following live or paused, the range
//! shown, and each series reduced to about one point per pixel column with its statistics.

use super::export::ExportDialog;
use crate::model::Plots;
use crate::model::series::{WindowStats, reduce};
use crate::ui::theme;

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

/// Chart state that lives between frames.
#[derive(Debug)]
pub struct ChartView {
    pub window: TimeWindow,
    /// Following live (the right edge is now); false while paused (then the user may
    /// drag and zoom).
    pub live: bool,
    /// Time range to put on the x axis on the next frame (pause, window change).
    pub(super) pending_x: Option<(f64, f64)>,
    /// Time range shown in the last frame (what CSV export writes).
    pub visible: (f64, f64),
    /// Width of the plot in pixels (last frame): the reduction's column count.
    pub(super) columns: usize,
    /// Draw data per series, reused between frames.
    pub(super) buffers: Vec<Vec<[f64; 2]>>,
    /// Statistics of each series inside the visible range.
    pub(super) stats: Vec<Option<WindowStats>>,
    /// What each series' buffer was reduced from: (series version, x range, columns). A
    /// frame where none of these changed (a paused chart, a hover) reduces nothing.
    pub(super) reduced: Vec<Option<(u64, f64, f64, usize)>>,
    /// Open while the user picks where to export.
    pub export: Option<ExportDialog>,
    /// Each series drawn over its own visible range (0–100 %), so series of different
    /// ranges (humidity at 50, temperature at 20) can be compared; read-outs stay real.
    pub scale_each: bool,
}

/// A series' visible range, as [`ChartView::scale_each`] maps it to 0–100.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub min: f64,
    pub max: f64,
}

impl Scale {
    pub fn of(stats: Option<WindowStats>) -> Self {
        stats.map_or(Self { min: 0.0, max: 1.0 }, |s| Self {
            min: s.min,
            max: s.max,
        })
    }

    /// `v` as a share of the range, in percent (a flat series sits in the middle).
    pub fn to_percent(self, v: f64) -> f64 {
        let span = self.max - self.min;
        if span.abs() < f64::EPSILON {
            50.0
        } else {
            (v - self.min) / span * 100.0
        }
    }

    /// The value at `percent` of the range.
    pub fn value_at_percent(self, percent: f64) -> f64 {
        let span = self.max - self.min;
        if span.abs() < f64::EPSILON {
            self.min
        } else {
            self.min + percent / 100.0 * span
        }
    }
}

impl Default for ChartView {
    fn default() -> Self {
        Self {
            window: TimeWindow::default(),
            live: true,
            pending_x: None,
            visible: (0.0, 0.0),
            columns: 1000,
            scale_each: false,
            buffers: Vec::new(),
            stats: Vec::new(),
            reduced: Vec::new(),
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

/// Time of the oldest point over all series.
pub(super) fn earliest(plots: &Plots) -> Option<f64> {
    plots
        .series()
        .iter()
        .filter_map(|s| s.points().front().map(|p| p[0]))
        .min_by(f64::total_cmp)
}

/// Picks the time range to show and reduces every series to it, so the statistics
/// table and the plot of one frame agree. Returns the range to force on the plot, if any.
pub(super) fn prepare(plots: &Plots, view: &mut ChartView, now: f64) -> Option<(f64, f64)> {
    let n = plots.len();
    view.buffers.resize_with(n, Vec::new);
    view.stats.resize(n, None);
    view.reduced.resize(n, None);
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
        let key = Some((series.version(), x0, x1, view.columns));
        if view.reduced[i] != key {
            view.stats[i] = reduce(series.points(), x0, x1, view.columns, &mut view.buffers[i]);
            view.reduced[i] = key;
        }
    }
    view.visible = (x0, x1);
    fixed
}

#[cfg(test)]
mod tests {
    #[test]
    fn scaling_each_series_maps_its_range_to_percent_and_back() {
        let humidity = Scale {
            min: 45.0,
            max: 65.0,
        };
        assert_eq!(humidity.to_percent(45.0), 0.0);
        assert_eq!(humidity.to_percent(65.0), 100.0);
        assert_eq!(humidity.to_percent(50.0), 25.0);
        assert!((humidity.value_at_percent(25.0) - 50.0).abs() < 1e-9);
        // A flat series sits in the middle and reads back as its value.
        let flat = Scale {
            min: 20.0,
            max: 20.0,
        };
        assert_eq!(flat.to_percent(20.0), 50.0);
        assert_eq!(flat.value_at_percent(50.0), 20.0);
    }

    use super::*;
    use crate::model::{Message, Payload, QoS, SeriesSpec};

    fn message(value: &str, at_s: f64) -> Message {
        Message {
            received_at_us: (at_s * 1e6) as i64,
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(value.as_bytes(), 1 << 20),
            properties: None,
        }
    }

    #[test]
    fn a_reduction_is_kept_until_its_series_or_range_changes_and_never_shared() {
        let mut plots = Plots::default();
        plots
            .add(SeriesSpec::new("a", &Default::default()))
            .unwrap();
        plots
            .add(SeriesSpec::new("b", &Default::default()))
            .unwrap();
        for t in 0..10 {
            plots.observe("a", &message("1", 100.0 + f64::from(t)), None);
            plots.observe("b", &message("2", 100.0 + f64::from(t)), None);
        }
        let mut view = ChartView {
            live: false,
            visible: (99.0, 111.0),
            columns: 500,
            ..ChartView::default()
        };
        prepare(&plots, &mut view, 200.0);
        let key = view.reduced[1];
        prepare(&plots, &mut view, 200.0);
        assert_eq!(
            view.reduced[1], key,
            "nothing changed: nothing reduced again"
        );
        assert!(view.buffers[1].iter().all(|p| p[1] == 2.0));
        // Removing the first moves "b" to index 0: it must not keep "a"'s draw data.
        plots.remove(0);
        prepare(&plots, &mut view, 200.0);
        assert!(
            view.buffers[0].iter().all(|p| p[1] == 2.0),
            "{:?}",
            view.buffers[0]
        );
    }
}
