//! Settings saved between runs (eframe storage). Runtime state is never saved here.

use crate::model::HistoryLimits;
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;

/// What survives a restart. Missing fields take their defaults, so old files still load.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SavedState {
    /// History limits, including the global byte budget.
    pub limits: HistoryLimits,
    /// Payload bytes kept per message.
    pub payload_cap: usize,
}

impl Default for SavedState {
    fn default() -> Self {
        Self {
            limits: HistoryLimits::default(),
            payload_cap: DEFAULT_PAYLOAD_CAP,
        }
    }
}

/// The storage key.
pub const KEY: &str = "mqscope";
