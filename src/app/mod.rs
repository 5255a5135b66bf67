//! The app: where the model, the MQTT worker and the UI meet (eframe `App`).

mod actions;
mod backfill;
mod decoder_cmds;
mod demo;
mod dispatch;
mod file_dialogs;
pub mod fonts;
mod history;
mod jobs;
mod logic;
mod pace;
mod panel_size;
mod profile_cmds;
mod recorder;
mod repeats;
mod reply;
mod restore;
mod search;
mod state;
mod tab;
mod ui;
mod views;
mod windows;

use windows::{ProfileUi, RulesFileUi, Windows};

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use demo::PLOTTED as DEMO_PLOTTED;
pub use file_dialogs::{FilePicker, NO_DIALOG};
pub use jobs::{JobDone, KeychainDone};
pub use recorder::Recorder;
pub use state::{SavedState, SavedTab, check_settings_file};
pub use tab::{ClearRun, PAUSE_CAPACITY, Pause, ReplayRun, Tab};

use crate::broker::{BrokerController, BrokerOptions};
use crate::command::{AppCommand, Commands, TabCommand, TabId};
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
    /// Windows to open at start: "stats", "talkers", "record", "connections", "decoders",
    /// "palette", "shortcuts".
    pub show: Vec<String>,
    /// Keychain service name for remembered passwords; `None`: none are kept or read.
    pub keychain_service: Option<String>,
    /// Folder for publish history and templates; `None` keeps them in memory only.
    pub data_dir: Option<PathBuf>,
    /// Folder for connection profiles; `None` keeps them in memory only.
    pub config_dir: Option<PathBuf>,
    /// Run this long, then print the frames drawn to stderr and close (benchmarks).
    pub exit_after: Option<Duration>,
    /// Problems found before the window opened (e.g. a settings file that did not parse).
    pub problems: Vec<String>,
    /// Series to plot from the start (`--plot`), besides the saved ones.
    pub plots: Vec<crate::model::SeriesSpec>,
    /// The program run as `PROGRAM broker …` for the local broker; `None`: this one
    /// (tests name the mqscope binary, since they run inside a test executable).
    pub broker_program: Option<PathBuf>,
    /// Where picked paths come from (the system's dialogs; none when headless).
    pub file_picker: FilePicker,
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
            broker_program: None,
            exit_after: None,
            file_picker: FilePicker::Native,
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

/// The whole application state: the tabs, and beside them, once each, what is app-wide.
pub struct App {
    saved: SavedState,
    /// Commands pushed while drawing, applied after the frame.
    commands: Commands,
    screenshot: Option<ScreenshotPlan>,
    /// A topic to reveal and select in the first tab once it exists (from `--select`).
    pending_select: Option<String>,
    /// The local broker child process, and the demo devices that publish to it.
    broker: BrokerController,
    broker_form: BrokerForm,
    demo: demo::Demo,
    /// Whether demo devices should publish to the local broker while it runs.
    demo_on: bool,
    /// The tab to connect to the local broker as soon as it runs.
    connect_when_broker_runs: Option<TabId>,
    windows: Windows,
    /// The command palette, the help windows, and the actions of keys and menus.
    keyboard: actions::Keyboard,
    file_picker: FilePicker,
    /// Saved connection profiles, and the connections window's state.
    profiles: crate::profiles::connections::ProfileStore,
    profile_ui: ProfileUi,
    rules_file: RulesFileUi,
    /// Publish history and templates (on disk when a data folder is given).
    library: crate::profiles::publish::PublishLibrary,
    /// Problems to show in the banner until dismissed (start-up checks, failed commands).
    problems: Vec<String>,
    /// The open connections, in tab order; never empty.
    tabs: Vec<Tab>,
    /// The tab shown.
    active: TabId,
    /// The id the next tab gets.
    next_tab: u64,
    /// Where new connections keep their recordings.
    recordings: PathBuf,
    /// The OS keychain for remembered passwords; `None` when this run keeps nothing
    /// (tests, screenshots).
    keychain: Option<crate::profiles::secrets::Keychain>,
    /// Background jobs: export, keychain, file writes.
    jobs: jobs::Jobs,
    /// How often frames come while only data changes, and whether the window is seen.
    pace: pace::FramePace,
    /// Frames drawn and passes run since start, and when to report them and close.
    frames: pace::FrameCount,
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
        fonts::install(ctx, fonts::SystemFonts::Scan);
        ctx.set_theme(saved.theme.preference());
        let recordings = options
            .data_dir
            .as_ref()
            .map(|d| d.join("recordings"))
            .unwrap_or_default();
        let first = TabId(0);
        let pace = pace::FramePace::new(saved.data_fps);
        let mut form = options.form;
        if options.demo && form.decoders.is_empty() {
            // The demo's packed and wrapped payloads come decoded, as a user would set up.
            form.decoders = demo::decoder_rules();
        }
        let tab = Tab::new(
            first,
            pace.waker(ctx),
            saved.limits(),
            form,
            recordings.clone(),
        );
        let windows = Windows {
            broker: options.local_broker.is_some(),
            publish: options.publish_panel,
            connections: options.show.iter().any(|w| w == "connections"),
            sys: options.show.iter().any(|w| w == "stats"),
            talkers: options.show.iter().any(|w| w == "talkers"),
            record: options.show.iter().any(|w| w == "record"),
            decoders: options.show.iter().any(|w| w == "decoders"),
            search: options.show.iter().any(|w| w == "search"),
            ..Windows::default()
        };
        let mut app = Self {
            saved,
            commands: Commands::new(first),
            screenshot: options.screenshot.map(|path| ScreenshotPlan {
                path,
                at: Instant::now() + options.screenshot_after,
                requested: false,
            }),
            pending_select: options.select,
            broker: options
                .broker_program
                .map(BrokerController::with_program)
                .unwrap_or_default(),
            broker_form: BrokerForm::from_options(
                options
                    .local_broker
                    .as_ref()
                    .unwrap_or(&BrokerOptions::default()),
            ),
            demo: demo::Demo::default(),
            demo_on: options.demo,
            connect_when_broker_runs: None,
            windows,
            keyboard: actions::Keyboard::opened(&options.show),
            file_picker: options.file_picker.clone(),
            profiles: crate::profiles::connections::ProfileStore::open(options.config_dir),
            profile_ui: ProfileUi::default(),
            rules_file: RulesFileUi::default(),
            library: crate::profiles::publish::PublishLibrary::open(options.data_dir.clone()),
            problems: options.problems,
            tabs: vec![tab],
            active: first,
            next_tab: 1,
            recordings,
            keychain: options
                .keychain_service
                .as_deref()
                .map(crate::profiles::secrets::Keychain::new),
            jobs: jobs::Jobs::default(),
            pace,
            frames: pace::FrameCount::new(options.exit_after),
        };
        app.restore_plots(options.demo, options.plots);
        app.restore_tabs(ctx);
        if let Some(broker) = options.local_broker {
            app.commands.push(AppCommand::StartBroker(Box::new(broker)));
        }
        if options.connect {
            match app.tabs[0].form.to_settings(app.saved.payload_cap) {
                Ok(settings) => app.commands.push(AppCommand::Tab(
                    first,
                    TabCommand::Connect(Box::new(settings)),
                )),
                Err(e) => app.tabs[0].form_error = Some(e),
            }
        }
        app
    }

    /// Re-creates the saved series in the first tab; on a first run with demo devices,
    /// plots two of them. Adds `asked` (from the command line) too, and opens the chart.
    fn restore_plots(&mut self, demo: bool, asked: Vec<crate::model::SeriesSpec>) {
        let tab = &mut self.tabs[0];
        tab.chart.window = self.saved.plot_window;
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
            for topic in demo::PLOTTED {
                let spec = crate::model::SeriesSpec::new(*topic, &Default::default());
                if !specs.contains(&spec) {
                    specs.push(spec);
                }
            }
        }
        for spec in specs {
            if let Err(e) = tab.store.add_series(spec.clone()) {
                self.problems
                    .push(format!("A saved plot of {} was dropped: {e}", spec.label()));
            }
        }
        self.saved.plots = tab.store.plots().specs();
    }

    /// Position of tab `id` among the tabs.
    fn index_of(&self, id: TabId) -> Option<usize> {
        self.tabs.iter().position(|t| t.id == id)
    }

    /// The tab shown.
    pub fn shown(&self) -> &Tab {
        let i = self.index_of(self.active).unwrap_or(0);
        &self.tabs[i]
    }

    fn shown_mut(&mut self) -> &mut Tab {
        let i = self.index_of(self.active).unwrap_or(0);
        &mut self.tabs[i]
    }

    /// Tab `id`, while it is open.
    pub fn tab(&self, id: TabId) -> Option<&Tab> {
        self.tabs.iter().find(|t| t.id == id)
    }

    fn tab_mut(&mut self, id: TabId) -> Option<&mut Tab> {
        self.tabs.iter_mut().find(|t| t.id == id)
    }

    /// The chart panel's state of the tab shown, for tests.
    pub fn chart(&self) -> &crate::ui::chart::ChartView {
        &self.shown().chart
    }

    /// The inspector's older messages from disk of the tab shown, for tests.
    pub fn inspector_older(&self) -> &crate::ui::inspector_history::OlderOnDisk {
        &self.shown().inspector.older
    }

    /// The store of the tab shown, for tests and benches.
    pub fn store(&self) -> &Store {
        &self.shown().store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.shown_mut().store
    }

    /// The topic tree's view state (selection, expansion, filter) of the tab shown.
    pub fn tree_view(&mut self) -> &mut TreeView {
        &mut self.shown_mut().tree
    }

    pub fn connection(&self) -> &ConnectionState {
        &self.shown().connection
    }

    /// The pause state of the tab shown (for tests).
    pub fn pause(&self) -> &Pause {
        &self.shown().pause
    }

    /// The running or last retained clean-up of the tab shown.
    pub fn clear_run(&self) -> Option<crate::status::ClearStatus> {
        self.shown().clear.as_ref().map(ClearRun::status)
    }

    /// The running recording of the tab shown, for tests.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.shown().recorder.as_ref()
    }

    /// How the last recording of the tab shown ended.
    pub fn record_result(&self) -> Option<&Result<String, String>> {
        self.shown().record_result.as_ref()
    }

    /// The running or last replay of the tab shown.
    pub fn replay(&self) -> Option<crate::status::ReplayStatus> {
        self.shown().replay.as_ref().map(ReplayRun::status)
    }

    /// Each open connection's id, name and state, in tab order.
    pub fn tabs(&self) -> Vec<(TabId, String, ConnectionState)> {
        self.tabs
            .iter()
            .map(|t| (t.id, t.label(), t.connection.clone()))
            .collect()
    }

    /// The tab shown.
    pub fn active_tab(&self) -> TabId {
        self.active
    }

    /// The local broker controller, for tests.
    pub fn broker(&self) -> &BrokerController {
        &self.broker
    }

    /// Where the demo devices publish, while they run.
    pub fn demo_target(&self) -> Option<&str> {
        self.demo.target().filter(|_| self.demo.is_running())
    }

    /// Queues a command as if the UI had pushed it (tests and start-up).
    pub fn push(&mut self, command: AppCommand) {
        self.commands.push(command);
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pace.observe(ctx);
        let tabs = &self.tabs;
        self.frames.pass(ctx, || {
            tabs.iter().fold((0, 0), |(filed, dropped), t| {
                (
                    filed + t.store.stats().total_messages,
                    dropped + t.dropped(),
                )
            })
        });
        self.apply_commands(ctx);
        self.broker_step(ctx);
        self.apply_commands(ctx);
        // Per-topic counting only for the tab whose top talkers are shown.
        let (active, talkers) = (self.active, self.windows.talkers);
        for t in &mut self.tabs {
            t.store.track_topic_rates(talkers && t.id == active);
        }
        self.drain_events(ctx);
        self.resume_step(ctx);
        self.record_step(ctx);
        self.jobs_step(ctx);
        if self.jobs.running() > 0 {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.screenshot_step(ctx);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        crate::ui::theme::background(visuals.dark_mode).to_normalized_gamma_f32()
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if self.pace.hidden() {
            return; // minimized or covered: the data was filed, nothing is drawn
        }
        self.frames.drawn();
        self.frames.took(frame.info().cpu_usage);
        self.draw_ui(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // The last profile, publish-history and template changes, written before the
        // window goes: the writes under way first (a keychain call may be cut short).
        for done in self.jobs.wait(Duration::from_secs(3)) {
            match done {
                JobDone::LibraryWritten(which, result) => self.library.written(which, result),
                JobDone::ProfilesWritten(result) => self.profiles.written(result),
                _ => {}
            }
        }
        self.library.write_now();
        self.profiles.write_now();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() {
            self.remember_tabs();
            eframe::set_value(storage, state::KEY, &self.saved);
        }
    }
}
