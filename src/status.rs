//! Small read-only views the app hands the UI: limits, and where a recording, a replay or a
//! retained clean-up is. The UI draws from these and never sees the jobs themselves.

use std::path::PathBuf;
use std::time::Instant;

use crate::model::HistoryLimits;
use crate::mqtt::replay::ReplayProgress;

/// Every limit the user can set, applied to all tabs at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub history: HistoryLimits,
    /// Payload bytes kept per message (from the next connection on).
    pub payload_cap: usize,
    /// Points each plotted series keeps.
    pub point_cap: usize,
    /// Frames per second while only data changes (1 to 60).
    pub data_fps: u32,
    pub disk: DiskLimits,
}

/// History on disk: whether connections keep it unless their profile says otherwise, how
/// much disk each may use, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DiskLimits {
    pub on_by_default: bool,
    pub budget_mb: u64,
    /// Days kept (0: as long as the budget allows).
    pub keep_days: u32,
}

impl Default for DiskLimits {
    fn default() -> Self {
        Self {
            on_by_default: false,
            budget_mb: crate::archive::DEFAULT_BUDGET >> 20,
            keep_days: 0,
        }
    }
}

/// A tab's history on disk as the status bar shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskStatus {
    pub file_bytes: u64,
    pub budget: u64,
    /// Messages not written to disk (the writer fell behind, or writing failed).
    pub skipped: u64,
    /// What the user should know (read only, moved aside, a failure), if anything.
    pub note: Option<String>,
    /// The note is a failure: history on disk is off or failing.
    pub failing: bool,
}

/// A recording, running or finishing.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordStatus {
    pub path: PathBuf,
    /// False once stopped while the writer finishes.
    pub recording: bool,
    pub messages: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Messages lost to the recording because the disk was too slow.
    pub dropped: u64,
}

/// A replay, running or ended.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    pub path: PathBuf,
    pub progress: ReplayProgress,
}

/// A retained clean-up, running or ended.
#[derive(Clone, Debug, PartialEq)]
pub struct ClearStatus {
    pub done: usize,
    /// Clears the broker refused (an ACL) or the connection lost.
    pub refused: usize,
    pub total: usize,
    /// Why it ended early ("not connected", the broker stopped answering), if it did.
    pub error: Option<String>,
    pub finished: bool,
    pub started: Instant,
    /// Seconds it took, once finished.
    pub seconds: Option<f64>,
}

/// Saving would overwrite a saved profile: its name and what would change, for the
/// confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverwriteAsk {
    pub name: String,
    pub changes: Vec<String>,
}

/// A stored message as the Search window lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRow {
    /// Its row in the history file.
    pub id: i64,
    pub time: String,
    pub topic: String,
    pub preview: String,
    pub qos: u8,
    pub retain: bool,
    pub size: usize,
}

/// How many stored messages match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SearchCount {
    #[default]
    NotAsked,
    Counting,
    Exactly(u64),
    /// More than this many (counting stopped there).
    AtLeast(u64),
}

/// The Search window's results for a tab, as the app keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchView {
    /// Why this tab's history cannot be searched (none kept), if it cannot.
    pub unavailable: Option<String>,
    pub rows: Vec<SearchRow>,
    /// A page is being read.
    pub running: bool,
    /// More may match below the last row.
    pub more: bool,
    pub count: SearchCount,
    /// The query could not run, in words.
    pub error: Option<String>,
    pub export: Option<Result<String, String>>,
    pub exporting: bool,
}
