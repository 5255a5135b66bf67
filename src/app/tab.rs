//! One broker connection of the app (a tab): its worker and connection state, its form,
//! and everything shown for it: the store behind the tree, the tree and inspector views,
//! the publish form, pause, retained clean-up, recording and replay. Each has its own
//! worker thread, so a slow or failing broker never stalls another.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Recorder;
use crate::command::TabId;
use crate::model::decode::rules::{DecoderRule, DecoderRules};
use crate::model::{Incoming, Store};
use crate::mqtt::replay::ReplayProgress;
use crate::mqtt::{
    ClearProgress, ConnectionForm, ConnectionSettings, ConnectionState, MqttVersion, SettingsError,
    WorkerHandle,
};
use crate::status::{ClearStatus, Limits, ReplayStatus};
use crate::ui::publish::PublishForm;
use crate::ui::{Inspector, TreeView};

/// A retained clean-up of this tab.
#[derive(Debug)]
pub struct ClearRun {
    pub cancel: Arc<AtomicBool>,
    pub progress: watch::Receiver<ClearProgress>,
    pub started: Instant,
    /// Seconds it took, once finished.
    pub seconds: Option<f64>,
}

impl ClearRun {
    pub fn status(&self) -> ClearStatus {
        let p = self.progress.borrow().clone();
        ClearStatus {
            done: p.done,
            refused: p.refused,
            total: p.total,
            error: p.error,
            finished: p.finished,
            started: self.started,
            seconds: self.seconds,
        }
    }
}

/// A replay of this tab.
#[derive(Debug)]
pub struct ReplayRun {
    pub path: PathBuf,
    pub cancel: Arc<AtomicBool>,
    pub progress: watch::Receiver<ReplayProgress>,
}

impl ReplayRun {
    pub fn status(&self) -> ReplayStatus {
        ReplayStatus {
            path: self.path.clone(),
            progress: self.progress.borrow().clone(),
        }
    }
}

/// Messages received while the view is paused, bounded; what did not fit is counted.
#[derive(Debug, Default)]
pub struct Pause {
    pub on: bool,
    pub(super) held: std::collections::VecDeque<Vec<Incoming>>,
    /// Messages in `held`.
    pub held_messages: usize,
    /// Messages that arrived while the buffer was full (lost to the view; shown).
    pub overflowed: u64,
}

/// Messages a pause holds at most before it counts the rest as lost.
pub const PAUSE_CAPACITY: usize = 500_000;

impl Pause {
    /// Pauses, or resumes (what was held is applied in the next frames).
    pub fn toggle(&mut self) {
        self.on = !self.on;
        if self.on {
            self.overflowed = 0;
        }
    }

    fn hold(&mut self, batch: Vec<Incoming>) {
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

/// One connection and what is shown for it.
pub struct Tab {
    pub id: TabId,
    pub(super) store: Store,
    /// `None` when the worker thread could not start (`worker_error` says why).
    pub(super) worker: Option<WorkerHandle>,
    pub(super) worker_error: Option<String>,
    /// Latest connection state, read from the worker each frame.
    pub(super) connection: ConnectionState,
    /// Timed publishes started from the publish panel.
    pub(super) repeats: super::repeats::Repeats,
    /// The history on disk (while "History on disk" is on and it opened).
    pub(super) history: Option<super::history::TabHistory>,
    /// The inspector's and the plots' reads of older messages from the history on disk.
    pub(super) backfill: super::backfill::TabBackfill,
    /// Why the history on disk is off, when it could not be opened.
    pub(super) history_error: Option<String>,
    /// A history file is being opened for this tab.
    pub(super) history_opening: bool,
    /// What arrives while it opens, held for its writer.
    pub(super) holding: Option<std::sync::Arc<super::history::Holding>>,
    /// Where history files go (beside the recordings folder); `None`: nowhere.
    pub(super) history_dir: Option<PathBuf>,
    /// The Search window's results.
    pub(super) search: super::search::TabSearch,
    /// The Search window's fields, as typed.
    pub search_form: crate::ui::search::SearchForm,
    /// The request whose reply the publish panel waits for.
    pub(super) reply: Option<super::reply::PendingReply>,
    pub(super) form: ConnectionForm,
    pub(super) form_error: Option<SettingsError>,
    /// The profile last loaded into (or saved from) this tab's form: the one "Rename"
    /// renames, and the one a password from the keychain is for.
    pub(super) profile_loaded: Option<String>,
    /// The profile name typed in this tab's connections window (empty in a new tab).
    pub(super) profile_name: String,
    /// The settings of the connection last asked for: title, key and version come from it.
    pub(super) settings: Option<ConnectionSettings>,
    pub(super) tree: TreeView,
    pub(super) inspector: Inspector,
    pub(super) publish: PublishForm,
    /// The tree selection the publish topic was last filled from.
    pub(super) publish_topic_from: Option<crate::model::NodeId>,
    /// The running (or last) retained clean-up.
    pub(super) clear: Option<ClearRun>,
    /// The chart panel's view (window, live/paused, export dialog).
    pub(super) chart: crate::ui::chart::ChartView,
    /// The chart panel's height in this tab once the user dragged it (until then the
    /// last one dragged in any tab).
    pub(super) chart_height: Option<f32>,
    /// Restored connected with a keychain password: connects once the password is read.
    pub(super) connect_after_recall: bool,
    /// "Pause": what the tree and inspector show stays still; messages wait here.
    pub(super) pause: Pause,
    /// The record and replay window's fields.
    pub(super) record_form: crate::ui::record::RecordForm,
    /// The running recording, if any.
    pub(super) recorder: Option<Recorder>,
    /// How the last recording ended (summary or error).
    pub(super) record_result: Option<Result<String, String>>,
    /// The running (or last) replay.
    pub(super) replay: Option<ReplayRun>,
    /// The rules last handed on for compiling (the form's may have changed since).
    applied_decoders: Vec<DecoderRule>,
    /// Counts rule changes, so a compile that a newer change overtook is dropped.
    pub(super) decoders_generation: u64,
    /// Each compiled rule and whether it works (the schema or script files read), or why
    /// not, for the Decoders window.
    pub(super) decoder_status: Vec<crate::model::decode::rules::RuleStatus>,
    /// The working rules' decoders a payload can be sent through (the publish panel).
    pub(super) encoders: Vec<String>,
}

impl Tab {
    /// Connected, and the form's subscriptions (checked) differ from the connection's.
    pub(super) fn subscriptions_changed(&self) -> bool {
        let (Some(settings), true) = (&self.settings, self.connection.is_connected()) else {
            return false;
        };
        self.form
            .checked_subscriptions()
            .is_ok_and(|list| list != settings.subscriptions)
    }

    /// A connection not yet asked to connect, with its own worker thread (which calls
    /// `waker` when something arrives), filled in from `form`, with `limits`.
    pub fn new(
        id: TabId,
        waker: crate::mqtt::Waker,
        limits: Limits,
        form: ConnectionForm,
        recordings: PathBuf,
    ) -> Self {
        let name = format!("mqtt-{}", id.0);
        let (worker, worker_error) = match WorkerHandle::spawn_named(&name, waker) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(format!("the MQTT worker could not start: {e}"))),
        };
        let mut store = Store::new(limits.history);
        store.set_point_cap(limits.point_cap);
        let tab = Self {
            id,
            store,
            worker,
            worker_error,
            connection: ConnectionState::Idle,
            repeats: Default::default(),
            history: None,
            history_error: None,
            history_opening: false,
            holding: None,
            backfill: Default::default(),
            history_dir: recordings
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| p.join("history")),
            search: Default::default(),
            search_form: Default::default(),
            reply: None,
            form,
            form_error: None,
            profile_loaded: None,
            profile_name: String::new(),
            settings: None,
            tree: TreeView::default(),
            inspector: Inspector::default(),
            publish: PublishForm::default(),
            publish_topic_from: None,
            clear: None,
            chart: crate::ui::chart::ChartView::default(),
            chart_height: None,
            connect_after_recall: false,
            pause: Pause::default(),
            record_form: crate::ui::record::RecordForm::new(recordings),
            recorder: None,
            record_result: None,
            replay: None,
            applied_decoders: Vec::new(),
            decoders_generation: 0,
            decoder_status: Vec::new(),
            encoders: Vec::new(),
        };
        if let Some(w) = &tab.worker {
            w.set_decoders(DecoderRules::ready_now(&tab.form.decoders));
        }
        tab
    }

    /// When the form's decoder rules changed since last time (an edit in the Decoders
    /// window, a profile loaded): the worker gets at once the rules that need no file,
    /// up to the first that does, and the rules to compile in full (files read) come
    /// back with their generation; `None` when nothing changed.
    pub(super) fn decoders_changed(&mut self) -> Option<(u64, Vec<DecoderRule>)> {
        if self.form.decoders == self.applied_decoders {
            return None;
        }
        if let Some(worker) = &self.worker {
            worker.set_decoders(DecoderRules::ready_now(&self.form.decoders));
        }
        self.applied_decoders = self.form.decoders.clone();
        self.decoders_generation += 1;
        Some((self.decoders_generation, self.applied_decoders.clone()))
    }

    /// The rules of generation `generation`, compiled: the worker decodes by them unless
    /// a newer change overtook them.
    pub(super) fn decoders_compiled(
        &mut self,
        generation: u64,
        rules: DecoderRules,
        status: Vec<crate::model::decode::rules::RuleStatus>,
    ) {
        if generation != self.decoders_generation {
            return;
        }
        if let Some(worker) = &self.worker {
            worker.set_decoders(rules);
        }
        let mut encoders: Vec<String> = status
            .iter()
            .filter(|(_, works)| works.is_ok())
            .map(|(rule, _)| rule.decoder.trim().to_string())
            .filter(|name| !name.ends_with("sparkplug"))
            .collect();
        encoders.dedup();
        self.encoders = encoders;
        self.decoder_status = status;
    }

    /// The connection's decoder rules, in order (as the Decoders window shows them).
    pub fn decoder_rules(&self) -> &[DecoderRule] {
        &self.form.decoders
    }

    /// Each compiled rule and whether it works (the Decoders window's status).
    pub fn decoder_status(&self) -> &[crate::model::decode::rules::RuleStatus] {
        &self.decoder_status
    }

    /// The messages, tree and plots of this connection.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Broker address of the connection last asked for ("host:port"), for the history;
    /// empty before the first.
    pub fn key(&self) -> String {
        self.settings
            .as_ref()
            .map(ConnectionSettings::address)
            .unwrap_or_default()
    }

    /// The window title while this tab is shown.
    pub fn title(&self) -> String {
        match &self.settings {
            Some(s) => format!("mqscope — {}", s.address()),
            None => "mqscope".into(),
        }
    }

    /// MQTT version of the connection last asked for (MQTT 5 properties need 5).
    pub fn version(&self) -> MqttVersion {
        self.settings
            .as_ref()
            .map(|s| s.version)
            .unwrap_or_default()
    }

    /// The tab's name: its profile's when one is loaded, else the broker connected to (or
    /// asked for), else the form's.
    pub fn label(&self) -> String {
        if let Some(profile) = &self.profile_loaded {
            return profile.clone();
        }
        match &self.settings {
            Some(s) => s.address(),
            None => format!("{}:{}", self.form.host.trim(), self.form.port.trim()),
        }
    }

    /// Applies new limits (the payload cap applies from the next connection on).
    pub fn set_limits(&mut self, limits: Limits) {
        self.store.set_limits(limits.history);
        self.store.set_point_cap(limits.point_cap);
    }

    /// Files one batch of received messages (held instead while paused).
    pub fn feed(&mut self, batch: Vec<Incoming>) {
        self.watch_reply(&batch);
        if let Some(r) = &mut self.recorder {
            r.take(&batch);
        }
        if self.pause.on {
            self.pause.hold(batch);
        } else {
            self.store.apply_batch(batch);
        }
    }

    /// Reads the connection state, takes every outcome, and files batches until `budget`
    /// is spent; true when batches were left for the next frame.
    pub fn drain(&mut self, budget: Duration) -> bool {
        if let Some(run) = &mut self.clear
            && run.seconds.is_none()
            && run.progress.borrow().finished
        {
            run.seconds = Some(run.started.elapsed().as_secs_f64());
        }
        let Some(worker) = &self.worker else {
            return false;
        };
        self.connection = worker.state();
        self.reply_timeout();
        let Some(worker) = &self.worker else {
            return false;
        };
        while let Some(outcome) = worker.outcomes.try_recv() {
            if self.repeats.outcome(outcome.id, &outcome.result) {
                continue;
            }
            self.publish
                .outcome(outcome.id, outcome.result, outcome.topic_alias);
        }
        let start = Instant::now();
        while let Some(batch) = self.worker.as_ref().and_then(|w| w.events.try_recv()) {
            self.feed(batch);
            if start.elapsed() > budget {
                return true;
            }
        }
        false
    }

    /// Messages the worker had to drop because the UI fell behind.
    pub fn dropped(&self) -> u64 {
        self.worker.as_ref().map_or(0, |w| w.events.dropped())
    }
}
