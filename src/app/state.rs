//! Settings saved between runs (eframe storage). Runtime state is never saved here.

use crate::model::{HistoryLimits, SeriesSpec};
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use crate::ui::chart::TimeWindow;

/// What survives a restart. Missing fields take their defaults, so old files still load.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SavedState {
    /// History limits, including the global byte budget.
    pub limits: HistoryLimits,
    /// Payload bytes kept per message.
    pub payload_cap: usize,
    /// What is plotted (topics and JSON fields), so the chart comes back after a restart.
    pub plots: Vec<SeriesSpec>,
    /// The chart's time window.
    pub plot_window: TimeWindow,
    /// Whether the chart panel is open.
    pub show_chart: bool,
    /// The demo series were offered once (a user who removed them keeps them removed).
    pub demo_plots_offered: bool,
}

impl Default for SavedState {
    fn default() -> Self {
        Self {
            limits: HistoryLimits::default(),
            payload_cap: DEFAULT_PAYLOAD_CAP,
            plots: Vec::new(),
            plot_window: TimeWindow::default(),
            show_chart: false,
            demo_plots_offered: false,
        }
    }
}

/// The storage key.
pub const KEY: &str = "mqscope";
