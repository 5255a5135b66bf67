//! The app: where the model, the MQTT worker and the UI meet (eframe `App`).

mod command;
mod conn;
mod logic;
mod recorder;
mod state;
mod ui;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use command::AppCommand;
pub use conn::Conn;
pub use recorder::Recorder;
pub use state::{SavedState, check_settings_file};

use crate::broker::{BrokerController, BrokerOptions};
use crate::model::Store;
use crate::mqtt::{ConnectionForm, ConnectionState};
use crate::ui::TreeView;
use crate::ui::broker_panel::BrokerForm;

/// How the app starts.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// The connection form as given on the command line.
    pub form: ConnectionForm,
    /// Connect at once (the binary does; tests feed events instead).
    pub connect: bool,
    /// Save the window to this PNG after `screenshot_after`, then exit.
    pub screenshot: Option<PathBuf>,
    pub screenshot_after: Duration,
    /// Reveal and select this topic as soon as it appears.
    pub select: Option<String>,
    /// Start the local broker with these options and connect to it once it runs.
    pub local_broker: Option<BrokerOptions>,
    /// Turn the demo devices on (they publish to the local broker).
    pub demo: bool,
    /// Open the publish panel at start.
    pub publish_panel: bool,
    /// Windows to open at start: "stats", "talkers", "record", "connections".
    pub show: Vec<String>,
    /// Keychain service name for remembered passwords; `None`: none are kept or read.
    pub keychain_service: Option<String>,
    /// Folder for publish history and templates; `None` keeps them in memory only.
    pub data_dir: Option<PathBuf>,
    /// Folder for connection profiles; `None` keeps them in memory only.
    pub config_dir: Option<PathBuf>,
    /// Problems found before the window opened (e.g. a settings file that did not parse).
    pub problems: Vec<String>,
    /// Series to plot from the start (`--plot`), besides the saved ones.
    pub plots: Vec<crate::model::SeriesSpec>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            form: ConnectionForm::default(),
            connect: false,
            screenshot: None,
            screenshot_after: Duration::from_millis(1500),
            select: None,
            local_broker: None,
            demo: false,
            publish_panel: false,
            show: Vec::new(),
            keychain_service: None,
            data_dir: None,
            config_dir: None,
            problems: Vec::new(),
            plots: Vec::new(),
        }
    }
}

/// A pending self-screenshot.
#[derive(Debug)]
struct ScreenshotPlan {
    path: PathBuf,
    at: Instant,
    requested: bool,
}

/// The whole application state.
pub struct App {
    saved: SavedState,
    commands: Vec<AppCommand>,
    screenshot: Option<ScreenshotPlan>,
    /// A topic to reveal and select once it exists (from `--select`).
    pending_select: Option<String>,
    /// The local broker child process.
    broker: BrokerController,
    broker_form: BrokerForm,
    /// Whether the broker panel is open.
    show_broker: bool,
    /// Whether demo devices should publish to the local broker.
    demo_on: bool,
    /// Connect (and start the demo) as soon as the local broker runs.
    connect_when_broker_runs: bool,
    /// Whether the publish panel is open.
    show_publish: bool,
    /// Whether the limits window is open.
    show_settings: bool,
    /// Whether the transport options window (TLS files, WebSocket path) is open.
    show_transport: bool,
    /// Saved connection profiles.
    profiles: crate::profiles::connections::ProfileStore,
    /// The connections window: open, and the profile name being edited.
    show_connections: bool,
    profile_name: String,
    /// File for profile import/export, as typed, and what the last one did.
    profile_file: String,
    profile_file_result: Option<Result<String, String>>,
    /// Publish history and templates (on disk when a data folder is given).
    library: crate::profiles::publish::PublishLibrary,
    /// Problems to show in the banner until dismissed (start-up checks, failed commands).
    problems: Vec<String>,
    /// A CSV export being written on its own thread: its result arrives here.
    export: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    /// Whether the broker statistics window is open.
    show_sys: bool,
    /// Whether the top talkers window is open.
    show_talkers: bool,
    /// The record and replay window: open, and its fields.
    show_record: bool,
    /// The connection shown (its tab is selected).
    conn: Conn,
    /// The other open connections, in tab order with `conn` taken out at `active`.
    others: Vec<Conn>,
    /// Position of `conn` among the tabs.
    active: usize,
    /// Where new connections keep their recordings.
    recordings: PathBuf,
    /// The OS keychain for remembered passwords; `None` when this run keeps nothing
    /// (tests, screenshots).
    keychain: Option<crate::profiles::secrets::Keychain>,
    /// Keychain calls run on threads of their own; their outcomes arrive here.
    keychain_done: (
        std::sync::mpsc::SyncSender<KeychainDone>,
        std::sync::mpsc::Receiver<KeychainDone>,
    ),
    /// What the last keychain call did, for the connections window.
    keychain_note: Option<Result<String, String>>,
    /// The profile last loaded into the form (the one "Rename" renames).
    profile_loaded: Option<String>,
}

/// The outcome of a keychain call made off the UI thread.
#[derive(Debug)]
pub enum KeychainDone {
    /// A note for the user (remembered, forgotten, moved), or why it failed.
    Note(Result<String, String>),
    /// The password remembered for a profile (`None`: none is).
    Recalled(String, Result<Option<String>, String>),
}

/// A replay as the user sees it.
#[derive(Debug)]
pub struct ReplayRun {
    pub path: PathBuf,
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub progress: crate::mqtt::replay::ReplayProgress,
}

/// Messages received while the view is paused, bounded; what did not fit is counted.
#[derive(Debug, Default)]
pub struct Pause {
    pub on: bool,
    held: std::collections::VecDeque<Vec<crate::model::Incoming>>,
    /// Messages in `held`.
    pub held_messages: usize,
    /// Messages that arrived while the buffer was full (lost to the view; shown).
    pub overflowed: u64,
}

/// Messages a pause holds at most before it counts the rest as lost.
pub const PAUSE_CAPACITY: usize = 500_000;

impl Pause {
    fn hold(&mut self, batch: Vec<crate::model::Incoming>) {
        if self.held_messages + batch.len() > PAUSE_CAPACITY {
            self.overflowed += batch.len() as u64;
            return;
        }
        self.held_messages += batch.len();
        self.held.push_back(batch);
    }

    /// How full the buffer is, 0 to 1.
    pub fn fill(&self) -> f32 {
        self.held_messages as f32 / PAUSE_CAPACITY as f32
    }
}

/// A retained clean-up as the user sees it.
#[derive(Debug)]
pub struct ClearRun {
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub done: usize,
    pub total: usize,
    pub finished: bool,
    pub started: Instant,
    /// Seconds it took, once finished.
    pub seconds: Option<f64>,
}

impl App {
    /// Builds the app for eframe: loads saved settings, starts the worker, connects if asked.
    pub fn new(cc: &eframe::CreationContext<'_>, options: StartOptions) -> Self {
        crate::ui::theme::apply(&cc.egui_ctx);
        let saved: SavedState = cc
            .storage
            .and_then(|s| eframe::get_value(s, state::KEY))
            .unwrap_or_default();
        Self::with_context(&cc.egui_ctx, saved, options)
    }

    /// Builds the app around an egui context (also used by headless tests and benches).
    pub fn with_context(ctx: &egui::Context, saved: SavedState, options: StartOptions) -> Self {
        let recordings = options
            .data_dir
            .as_ref()
            .map(|d| d.join("recordings"))
            .unwrap_or_default();
        let conn = Conn::new(ctx, saved.limits, options.form, recordings.clone());
        let mut app = Self {
            saved,
            commands: Vec::new(),
            screenshot: options.screenshot.map(|path| ScreenshotPlan {
                path,
                at: Instant::now() + options.screenshot_after,
                requested: false,
            }),
            pending_select: options.select,
            broker: BrokerController::default(),
            broker_form: BrokerForm::from_options(
                options
                    .local_broker
                    .as_ref()
                    .unwrap_or(&BrokerOptions::default()),
            ),
            show_broker: options.local_broker.is_some(),
            demo_on: options.demo,
            connect_when_broker_runs: false,
            show_publish: options.publish_panel,
            show_settings: false,
            show_transport: false,
            profiles: crate::profiles::connections::ProfileStore::open(options.config_dir),
            show_connections: options.show.iter().any(|w| w == "connections"),
            profile_name: String::new(),
            profile_file: String::new(),
            profile_file_result: None,
            library: crate::profiles::publish::PublishLibrary::open(options.data_dir.clone()),
            problems: options.problems,
            export: None,
            show_sys: options.show.iter().any(|w| w == "stats"),
            show_talkers: options.show.iter().any(|w| w == "talkers"),
            show_record: options.show.iter().any(|w| w == "record"),
            recordings,
            keychain: options
                .keychain_service
                .as_deref()
                .map(crate::profiles::secrets::Keychain::new),
            // A few calls at a time at most: one per click in the connections window.
            keychain_done: std::sync::mpsc::sync_channel(16),
            keychain_note: None,
            profile_loaded: None,
            conn,
            others: Vec::new(),
            active: 0,
        };
        app.restore_plots(options.demo, options.plots);
        if let Some(broker) = options.local_broker {
            app.commands.push(AppCommand::StartBroker(Box::new(broker)));
        }
        if options.connect {
            match app.conn.form.to_settings(app.saved.payload_cap) {
                Ok(settings) => app.commands.push(AppCommand::Connect(Box::new(settings))),
                Err(e) => app.conn.form_error = Some(e),
            }
        }
        app
    }

    /// Re-creates the saved series; on a first run with demo devices, plots two of them.
    /// Adds `asked` (from the command line) too, and opens the chart for them.
    fn restore_plots(&mut self, demo: bool, asked: Vec<crate::model::SeriesSpec>) {
        self.conn.chart.window = self.saved.plot_window;
        self.conn.store.set_point_cap(self.saved.point_cap);
        let mut specs = std::mem::take(&mut self.saved.plots);
        if !asked.is_empty() {
            self.saved.show_chart = true;
        }
        for spec in asked {
            if !specs.contains(&spec) {
                specs.push(spec);
            }
        }
        if demo && !self.saved.demo_plots_offered {
            self.saved.demo_plots_offered = true;
            self.saved.show_chart = true;
            for topic in crate::mqtt::demo::PLOTTED {
                let spec = crate::model::SeriesSpec::new(*topic, &Default::default());
                if !specs.contains(&spec) {
                    specs.push(spec);
                }
            }
        }
        for spec in specs {
            if let Err(e) = self.conn.store.add_series(spec.clone()) {
                self.problems
                    .push(format!("A saved plot of {} was dropped: {e}", spec.label()));
            }
        }
        self.saved.plots = self.conn.store.plots().specs();
    }

    /// The chart panel's state, for tests.
    pub fn chart(&self) -> &crate::ui::chart::ChartView {
        &self.conn.chart
    }

    /// The store, for tests and benches.
    pub fn store(&self) -> &Store {
        &self.conn.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.conn.store
    }

    /// The topic tree's view state (selection, expansion, filter).
    pub fn tree_view(&mut self) -> &mut TreeView {
        &mut self.conn.tree
    }

    pub fn connection(&self) -> &ConnectionState {
        &self.conn.connection
    }

    /// The pause state (for tests).
    pub fn pause(&self) -> &Pause {
        &self.conn.pause
    }

    /// The running or last retained clean-up.
    pub fn clear_run(&self) -> Option<&ClearRun> {
        self.conn.clear.as_ref()
    }

    /// The running recording, for tests.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.conn.recorder.as_ref()
    }

    /// How the last recording ended.
    pub fn record_result(&self) -> Option<&Result<String, String>> {
        self.conn.record_result.as_ref()
    }

    /// The running or last replay.
    pub fn replay(&self) -> Option<&ReplayRun> {
        self.conn.replay.as_ref()
    }

    /// Each open connection's name and state, in tab order.
    pub fn tabs(&self) -> Vec<(String, ConnectionState)> {
        let mut tabs: Vec<(String, ConnectionState)> = self
            .others
            .iter()
            .map(|c| (c.label(), c.connection.clone()))
            .collect();
        tabs.insert(
            self.active.min(tabs.len()),
            (self.conn.label(), self.conn.connection.clone()),
        );
        tabs
    }

    /// The tab shown.
    pub fn active_tab(&self) -> usize {
        self.active
    }

    /// The local broker controller, for tests.
    pub fn broker(&self) -> &BrokerController {
        &self.broker
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.apply_commands(ctx);
        self.broker_step(ctx);
        self.apply_commands(ctx);
        // Per-topic counting only for the tab whose top talkers are shown.
        self.conn.store.track_topic_rates(self.show_talkers);
        for c in &mut self.others {
            c.store.track_topic_rates(false);
        }
        self.drain_events(ctx);
        self.resume_step(ctx);
        self.export_step();
        self.record_step(ctx);
        self.keychain_step(ctx);
        if self.export.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.screenshot_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() {
            eframe::set_value(storage, state::KEY, &self.saved);
        }
    }
}
