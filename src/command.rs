//! Commands the UI emits while drawing, each saying where it goes: app-wide, or
//! `Tab(TabId, TabCommand)` for one connection. Below both `ui` and `app`, so `ui` never
//! imports `app`; the app applies them once the frame is drawn, with one exhaustive match.

use std::path::PathBuf;

use crate::broker::BrokerOptions;
use crate::model::{NodeId, SeriesSpec};
use crate::mqtt::{ConnectionSettings, PublishRequest};
use crate::profiles::publish::SavedMessage;
use crate::status::Limits;

/// One open connection (a tab), for as long as it is open; never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TabId(pub u64);

/// Something the user asked for that changes more than view state.
#[derive(Debug)]
#[must_use]
pub enum AppCommand {
    /// Start the local broker (a child process) with these options.
    StartBroker(Box<BrokerOptions>),
    StopBroker,
    /// Turn the demo devices on or off (they publish to the local broker).
    Demo(bool),
    SaveTemplate(String, SavedMessage),
    RenameTemplate(String, String),
    DeleteTemplate(String),
    DuplicateProfile(String),
    /// Rename a profile (its remembered password moves with it).
    RenameProfile(String, String),
    DeleteProfile(String),
    /// Write all profiles to a file / add the profiles of a file.
    ExportProfiles(PathBuf),
    ImportProfiles(PathBuf),
    /// Open another connection in a new tab (and show it).
    NewConnection,
    /// Show this tab's connection.
    ShowConnection(TabId),
    /// Close this tab's connection (not the last one).
    CloseConnection(TabId),
    /// New history, payload and plot limits, for every tab.
    SetLimits(Limits),
    /// Something for one connection.
    Tab(TabId, TabCommand),
}

/// Something for one connection; it goes to its tab even if another is shown by then.
#[derive(Debug)]
#[must_use]
pub enum TabCommand {
    Connect(Box<ConnectionSettings>),
    Disconnect,
    /// Check the connection form (it may name TLS files to read) and connect with it, or
    /// show its problem next to the field.
    ConnectForm,
    /// Send the form's subscriptions to the live connection (SUBSCRIBE / UNSUBSCRIBE).
    ApplySubscriptions,
    /// Publish as an MQTT 5 request and wait for its reply (the publish panel's "Wait for
    /// reply").
    Request(Box<PublishRequest>, SavedMessage),
    /// Start a timed publish on the live connection.
    StartRepeat(Box<RepeatSpec>),
    /// Stop the timed publish at this place in the list (or take a finished one off it).
    StopRepeat(usize),
    /// Check the connection form after an edit; its problem is shown next to the field.
    CheckForm,
    /// Point the connection at the running local broker and connect.
    ConnectLocal,
    /// Publish a message (and record it in the publish history).
    Publish(Box<PublishRequest>, SavedMessage),
    /// Copy history entry `seq` of a topic into the publish editor.
    EditAsNew(NodeId, u64),
    /// Read the next page of a topic's older messages from the history on disk (the first
    /// page: those received before `until_us`, µs since the epoch).
    LoadOlder {
        topic: String,
        until_us: Option<i64>,
    },
    /// Copy row `n` of the inspector's older messages from disk into the publish editor.
    EditOlderAsNew(usize),
    /// Clear the retained messages of these topics on the broker.
    ClearRetained(Vec<(NodeId, String)>),
    /// Stop a running retained clean-up.
    CancelClear,
    /// Save the connection form as a profile of this name.
    SaveProfile(String),
    /// Save over the existing profile of this name (the user saw what changes).
    OverwriteProfile(String),
    /// Load a profile into the connection form.
    LoadProfile(String),
    /// Put a decoder rule first in the connection's rules (it decodes messages from now
    /// on; the Decoders window shows it).
    AddDecoderRule(crate::model::decode::rules::DecoderRule),
    /// Write the connection's decoder rules to a rules file.
    ExportDecoders(PathBuf),
    /// Add the rules of a rules file after the connection's (ones it has are skipped).
    ImportDecoders(PathBuf),
    /// Plot a topic, or a field of its JSON (the chart panel opens).
    AddSeries(SeriesSpec),
    /// Stop plotting series `n` (its index in the store's plots).
    RemoveSeries(usize),
    /// Remove every plotted point; the series stay.
    ClearPlots,
    /// Write the points between `from` and `to` (seconds since the epoch) to a CSV file.
    ExportCsv {
        path: PathBuf,
        from: f64,
        to: f64,
    },
    /// Record received messages (matching an MQTT filter, if not empty) to a file.
    StartRecording {
        path: PathBuf,
        filter: String,
    },
    StopRecording,
    /// Publish a recording at `speed` times its pace (`None`: as fast as possible).
    StartReplay {
        path: PathBuf,
        speed: Option<f64>,
    },
    StopReplay,
    /// The Search window (history on disk).
    Search(SearchCommand),
}

/// What the Search window asks of its tab's history on disk.
#[derive(Debug)]
pub enum SearchCommand {
    /// A new search (the first page).
    Run(Box<crate::archive::Query>),
    /// The next page of the last search.
    More,
    Cancel,
    /// Show result `n` in the inspector.
    Open(usize),
    /// Every result of the last search to a file: JSON Lines (the record format), or CSV.
    Export {
        path: PathBuf,
        csv: bool,
    },
    /// The stored message shown in the inspector into the publish panel.
    EditAsNew,
}

/// Where the UI pushes commands while it draws one tab.
#[derive(Debug)]
pub struct Commands {
    /// The tab being drawn: where [`Self::tab`] sends its commands.
    pub tab: TabId,
    list: Vec<AppCommand>,
}

impl Commands {
    pub fn new(tab: TabId) -> Self {
        Self {
            tab,
            list: Vec::new(),
        }
    }

    /// An app-wide command (or one already addressed).
    pub fn push(&mut self, command: AppCommand) {
        self.list.push(command);
    }

    /// A command for the tab being drawn.
    pub fn tab(&mut self, command: TabCommand) {
        self.list.push(AppCommand::Tab(self.tab, command));
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The commands pushed so far, in order; the list is left empty.
    pub fn take(&mut self) -> Vec<AppCommand> {
        std::mem::take(&mut self.list)
    }

    /// What was pushed so far (for tests).
    pub fn iter(&self) -> impl Iterator<Item = &AppCommand> {
        self.list.iter()
    }
}

/// A timed publish as the publish panel asks for it.
#[derive(Debug)]
pub struct RepeatSpec {
    /// How the panel lists it: "plant/{{seq}} every 1000 ms".
    pub label: String,
    pub topic: crate::model::placeholders::Template,
    pub payload: crate::mqtt::repeat::RepeatPayload,
    pub qos: crate::model::QoS,
    pub retain: bool,
    pub properties: Option<crate::model::Properties>,
    pub every_ms: u64,
    /// `None`: until stopped.
    pub times: Option<u64>,
}
