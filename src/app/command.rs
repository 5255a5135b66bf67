//! Commands the UI emits while drawing, applied once the frame is drawn.

use crate::broker::BrokerOptions;
use crate::model::{NodeId, SeriesSpec};
use crate::mqtt::{ConnectionSettings, PublishRequest};
use crate::profiles::publish::SavedMessage;

/// Something the user asked for that changes more than view state.
#[derive(Debug)]
#[must_use]
pub enum AppCommand {
    Connect(Box<ConnectionSettings>),
    Disconnect,
    /// Start the local broker (a child process) with these options.
    StartBroker(Box<BrokerOptions>),
    StopBroker,
    /// Point the connection at the running local broker and connect.
    ConnectLocal,
    /// Turn the demo devices on or off.
    Demo(bool),
    /// Publish a message on the current connection (and record it in the history).
    Publish(Box<PublishRequest>, SavedMessage),
    SaveTemplate(String, SavedMessage),
    RenameTemplate(String, String),
    DeleteTemplate(String),
    /// Copy history entry `seq` of a topic into the publish editor.
    EditAsNew(NodeId, u64),
    /// Clear the retained messages of these topics on the broker.
    ClearRetained(Vec<(NodeId, String)>),
    /// Stop a running retained clean-up.
    CancelClear,
    /// Save the connection form as a profile of this name.
    SaveProfile(String),
    /// Load a profile into the connection form.
    LoadProfile(String),
    DuplicateProfile(String),
    /// Rename a profile (its remembered password moves with it).
    RenameProfile(String, String),
    DeleteProfile(String),
    /// Write all profiles to a file / add the profiles of a file.
    ExportProfiles(std::path::PathBuf),
    ImportProfiles(std::path::PathBuf),
    /// Plot a topic, or a field of its JSON (the chart panel opens).
    AddSeries(SeriesSpec),
    /// Stop plotting series `n` (its index in the store's plots).
    RemoveSeries(usize),
    /// Remove every plotted point; the series stay.
    ClearPlots,
    /// Open another connection in a new tab (and show it).
    NewConnection,
    /// Show the connection of tab `n`.
    ShowConnection(usize),
    /// Close the connection of tab `n` (not the last one).
    CloseConnection(usize),
    /// Record received messages (matching an MQTT filter, if not empty) to a file.
    StartRecording {
        path: std::path::PathBuf,
        filter: String,
    },
    StopRecording,
    /// Publish a recording at `speed` times its pace (`None`: as fast as possible).
    StartReplay {
        path: std::path::PathBuf,
        speed: Option<f64>,
    },
    StopReplay,
    /// Write the points between `from` and `to` (seconds since the epoch) to a CSV file.
    ExportCsv {
        path: std::path::PathBuf,
        from: f64,
        to: f64,
    },
}
