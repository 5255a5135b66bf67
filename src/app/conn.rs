//! One broker connection of the app (a tab): its worker and connection state, its form,
//! and everything shown for it: the store behind the tree, the tree and inspector views,
//! the publish form, pause, retained clean-up, recording and replay. Each has its own
//! worker thread, so a slow or failing broker never stalls another.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{ClearRun, Pause, Recorder, ReplayRun};
use crate::model::Store;
use crate::mqtt::{
    ConnectionForm, ConnectionState, MqttVersion, SettingsError, WorkerEvent, WorkerHandle,
};
use crate::ui::publish::PublishForm;
use crate::ui::{Inspector, TreeView};

/// One connection and what is shown for it.
pub struct Conn {
    pub(super) store: Store,
    /// `None` when the worker thread could not start (`worker_error` says why).
    pub(super) worker: Option<WorkerHandle>,
    pub(super) worker_error: Option<String>,
    /// Latest connection state, read from the worker each frame.
    pub(super) connection: ConnectionState,
    pub(super) form: ConnectionForm,
    pub(super) form_error: Option<SettingsError>,
    /// Broker shown in the window title.
    pub(super) title: String,
    pub(super) tree: TreeView,
    pub(super) inspector: Inspector,
    pub(super) publish: PublishForm,
    /// MQTT version of the connection last asked for (MQTT 5 properties need 5).
    pub(super) version: MqttVersion,
    /// The tree selection the publish topic was last filled from.
    pub(super) publish_topic_from: Option<crate::model::NodeId>,
    /// The running (or last) retained clean-up.
    pub(super) clear: Option<ClearRun>,
    /// Broker address of the connection last asked for ("host:port"), for the history.
    pub(super) connection_key: String,
    /// The chart panel's view (window, live/paused, export dialog).
    pub(super) chart: crate::ui::chart::ChartView,
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
}

impl Conn {
    /// A connection not yet asked to connect, with its own worker thread (woken through
    /// `ctx`), filled in from `form`.
    pub fn new(
        ctx: &egui::Context,
        limits: crate::model::HistoryLimits,
        form: ConnectionForm,
        recordings: PathBuf,
    ) -> Self {
        let repaint = ctx.clone();
        let waker: crate::mqtt::Waker =
            std::sync::Arc::new(move || repaint.request_repaint_after(Duration::from_millis(16)));
        let (worker, worker_error) = match WorkerHandle::spawn(waker) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(format!("the MQTT worker could not start: {e}"))),
        };
        Self {
            store: Store::new(limits),
            worker,
            worker_error,
            connection: ConnectionState::Idle,
            form,
            form_error: None,
            title: String::new(),
            tree: TreeView::default(),
            inspector: Inspector::default(),
            publish: PublishForm::default(),
            version: MqttVersion::default(),
            publish_topic_from: None,
            clear: None,
            connection_key: String::new(),
            chart: crate::ui::chart::ChartView::default(),
            pause: Pause::default(),
            record_form: crate::ui::record::RecordForm::new(recordings),
            recorder: None,
            record_result: None,
            replay: None,
        }
    }

    /// The tab's name: the broker connected to (or asked for), else the form's.
    pub fn label(&self) -> String {
        if self.connection_key.is_empty() {
            format!("{}:{}", self.form.host.trim(), self.form.port.trim())
        } else {
            self.connection_key.clone()
        }
    }

    /// Applies one worker event.
    pub fn feed(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::Messages(batch) => {
                if let Some(r) = &mut self.recorder {
                    r.take(&batch);
                }
                if self.pause.on {
                    self.pause.hold(batch);
                } else {
                    self.store.apply_batch(batch);
                }
            }
            WorkerEvent::Replay(progress) => {
                if let Some(run) = &mut self.replay {
                    run.progress = progress;
                }
            }
            WorkerEvent::Published(outcome) => self.publish.outcome(outcome.id, outcome.result),
            WorkerEvent::ClearProgress {
                done,
                total,
                finished,
            } => {
                if let Some(run) = &mut self.clear {
                    run.done = done;
                    run.total = total;
                    if finished && !run.finished {
                        run.finished = true;
                        run.seconds = Some(run.started.elapsed().as_secs_f64());
                    }
                }
            }
        }
    }

    /// Reads the connection state and files events until `budget` is spent; true when
    /// events were left for the next frame.
    pub fn drain(&mut self, budget: Duration) -> bool {
        let Some(worker) = &self.worker else {
            return false;
        };
        self.connection = worker.state();
        let start = Instant::now();
        while let Some(event) = self.worker.as_ref().and_then(|w| w.events.try_recv()) {
            self.feed(event);
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
