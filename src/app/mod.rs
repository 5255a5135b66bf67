//! The app: where the model, the MQTT worker and the UI meet (eframe `App`).

mod command;
mod logic;
mod recorder;
mod state;
mod ui;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use command::AppCommand;
pub use recorder::Recorder;
pub use state::{SavedState, check_settings_file};

use crate::broker::{BrokerController, BrokerOptions};
use crate::model::Store;
use crate::mqtt::MqttVersion;
use crate::mqtt::{ConnectionForm, ConnectionState, SettingsError, WorkerHandle};
use crate::ui::broker_panel::BrokerForm;
use crate::ui::publish::PublishForm;
use crate::ui::{Inspector, TreeView};

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
    store: Store,
    /// `None` when the worker thread could not start (`worker_error` says why).
    worker: Option<WorkerHandle>,
    worker_error: Option<String>,
    /// Latest connection state, read from the worker each frame.
    connection: ConnectionState,
    form: ConnectionForm,
    form_error: Option<SettingsError>,
    /// Broker shown in the window title.
    title: String,
    tree: TreeView,
    inspector: Inspector,
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
    publish: PublishForm,
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
    /// MQTT version of the connection last asked for (MQTT 5 properties need 5).
    version: MqttVersion,
    /// The tree selection the publish topic was last filled from.
    publish_topic_from: Option<crate::model::NodeId>,
    /// The running (or last) retained clean-up.
    clear: Option<ClearRun>,
    /// Publish history and templates (on disk when a data folder is given).
    library: crate::profiles::publish::PublishLibrary,
    /// Broker address of the connection last asked for ("host:port"), for the history.
    connection_key: String,
    /// The chart panel's view (window, live/paused, export dialog).
    chart: crate::ui::chart::ChartView,
    /// Problems to show in the banner until dismissed (start-up checks, failed commands).
    problems: Vec<String>,
    /// "Pause": what the tree and inspector show stays still; messages wait here.
    pause: Pause,
    /// A CSV export being written on its own thread: its result arrives here.
    export: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    /// Whether the broker statistics window is open.
    show_sys: bool,
    /// Whether the top talkers window is open.
    show_talkers: bool,
    /// The record and replay window: open, and its fields.
    show_record: bool,
    record_form: crate::ui::record::RecordForm,
    /// The running recording, if any.
    recorder: Option<Recorder>,
    /// How the last recording ended (summary or error).
    record_result: Option<Result<String, String>>,
    /// The running (or last) replay.
    replay: Option<ReplayRun>,
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
        let repaint = ctx.clone();
        let waker: crate::mqtt::Waker =
            std::sync::Arc::new(move || repaint.request_repaint_after(Duration::from_millis(16)));
        let (worker, worker_error) = match WorkerHandle::spawn(waker) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(format!("the MQTT worker could not start: {e}"))),
        };
        let mut app = Self {
            store: Store::new(saved.limits),
            saved,
            worker,
            worker_error,
            connection: ConnectionState::Idle,
            title: String::new(),
            form: options.form,
            form_error: None,
            tree: TreeView::default(),
            inspector: Inspector::default(),
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
            publish: PublishForm::default(),
            show_publish: options.publish_panel,
            show_settings: false,
            show_transport: false,
            profiles: crate::profiles::connections::ProfileStore::open(options.config_dir),
            show_connections: false,
            profile_name: String::new(),
            profile_file: String::new(),
            profile_file_result: None,
            version: MqttVersion::default(),
            publish_topic_from: None,
            clear: None,
            library: crate::profiles::publish::PublishLibrary::open(options.data_dir.clone()),
            problems: options.problems,
            connection_key: String::new(),
            chart: crate::ui::chart::ChartView::default(),
            pause: Pause::default(),
            export: None,
            show_sys: false,
            show_talkers: false,
            show_record: false,
            record_form: crate::ui::record::RecordForm::new(
                options
                    .data_dir
                    .as_ref()
                    .map(|d| d.join("recordings"))
                    .unwrap_or_default(),
            ),
            recorder: None,
            record_result: None,
            replay: None,
        };
        app.restore_plots(options.demo, options.plots);
        if let Some(broker) = options.local_broker {
            app.commands.push(AppCommand::StartBroker(Box::new(broker)));
        }
        if options.connect {
            match app.form.to_settings(app.saved.payload_cap) {
                Ok(settings) => app.commands.push(AppCommand::Connect(Box::new(settings))),
                Err(e) => app.form_error = Some(e),
            }
        }
        app
    }

    /// Re-creates the saved series; on a first run with demo devices, plots two of them.
    /// Adds `asked` (from the command line) too, and opens the chart for them.
    fn restore_plots(&mut self, demo: bool, asked: Vec<crate::model::SeriesSpec>) {
        self.chart.window = self.saved.plot_window;
        self.store.set_point_cap(self.saved.point_cap);
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
            if let Err(e) = self.store.add_series(spec.clone()) {
                self.problems
                    .push(format!("A saved plot of {} was dropped: {e}", spec.label()));
            }
        }
        self.saved.plots = self.store.plots().specs();
    }

    /// The chart panel's state, for tests.
    pub fn chart(&self) -> &crate::ui::chart::ChartView {
        &self.chart
    }

    /// The store, for tests and benches.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The topic tree's view state (selection, expansion, filter).
    pub fn tree_view(&mut self) -> &mut TreeView {
        &mut self.tree
    }

    pub fn connection(&self) -> &ConnectionState {
        &self.connection
    }

    /// The pause state (for tests).
    pub fn pause(&self) -> &Pause {
        &self.pause
    }

    /// The running or last retained clean-up.
    pub fn clear_run(&self) -> Option<&ClearRun> {
        self.clear.as_ref()
    }

    /// The running recording, for tests.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// How the last recording ended.
    pub fn record_result(&self) -> Option<&Result<String, String>> {
        self.record_result.as_ref()
    }

    /// The running or last replay.
    pub fn replay(&self) -> Option<&ReplayRun> {
        self.replay.as_ref()
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
        self.drain_events(ctx);
        self.resume_step(ctx);
        self.export_step();
        self.record_step(ctx);
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
