//! A tab's timed publishes: started from the publish panel, run on the worker, counted
//! here from their outcomes (ids of their own), stopped or taken off the list by the user.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::command::RepeatSpec;
use crate::mqtt::repeat::{RepeatProgress, RepeatRequest};
use crate::mqtt::{PublishError, WorkerCommand};
use crate::ui::publish_repeat::RepeatView;

/// Ids of timed publishes: run `n` takes `REPEAT_IDS + n << 32` plus the message's number.
/// The publish panel's own ids count up from 0 and never reach them.
const REPEAT_IDS: u64 = 0x4000_0000_0000_0000;
/// Timed publishes listed at most: the oldest finished one goes first.
pub(super) const MAX_REPEATS: usize = 16;

/// One timed publish.
pub(super) struct RepeatRun {
    label: String,
    id_base: u64,
    cancel: Arc<AtomicBool>,
    progress: tokio::sync::watch::Receiver<RepeatProgress>,
    acked: u64,
    refused: u64,
    /// The first refusal, in words.
    refusal: Option<String>,
}

/// The tab's timed publishes and the number of the next.
#[derive(Default)]
pub(super) struct Repeats {
    runs: Vec<RepeatRun>,
    started: u64,
}

impl Repeats {
    /// The worker's request for `spec`, and the run that follows it.
    pub fn start(&mut self, spec: RepeatSpec) -> WorkerCommand {
        self.started += 1;
        let id_base = REPEAT_IDS + (self.started << 32);
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, progress) = tokio::sync::watch::channel(RepeatProgress::default());
        if self.runs.len() >= MAX_REPEATS
            && let Some(i) = self.runs.iter().position(|r| r.progress.borrow().finished)
        {
            self.runs.remove(i);
        }
        self.runs.push(RepeatRun {
            label: spec.label,
            id_base,
            cancel: cancel.clone(),
            progress,
            acked: 0,
            refused: 0,
            refusal: None,
        });
        WorkerCommand::Repeat(Box::new(RepeatRequest {
            topic: spec.topic,
            payload: spec.payload,
            qos: spec.qos,
            retain: spec.retain,
            properties: spec.properties,
            interval: std::time::Duration::from_millis(spec.every_ms),
            count: spec.times,
            id_base,
            cancel,
            progress: tx,
        }))
    }

    /// Stops the run at `i`, or takes it off the list when it has ended.
    pub fn stop(&mut self, i: usize) {
        let Some(run) = self.runs.get(i) else { return };
        if run.progress.borrow().finished {
            self.runs.remove(i);
        } else {
            run.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Counts the outcome of request `id` if a timed publish sent it; whether one did.
    pub fn outcome(
        &mut self,
        id: u64,
        result: &Result<crate::mqtt::Delivered, PublishError>,
    ) -> bool {
        let Some(run) = self
            .runs
            .iter_mut()
            .find(|r| id > r.id_base && id - r.id_base < 1 << 32)
        else {
            return false;
        };
        match result {
            Ok(_) => run.acked += 1,
            Err(e) => {
                run.refused += 1;
                run.refusal.get_or_insert_with(|| e.to_string());
            }
        }
        true
    }

    /// The runs as the publish panel lists them.
    pub fn views(&self) -> Vec<RepeatView> {
        self.runs
            .iter()
            .map(|r| {
                let p = r.progress.borrow();
                let mut status = format!("{} sent, {} taken by the broker", p.issued, r.acked);
                if r.refused > 0 {
                    status += &format!(
                        ", {} refused ({})",
                        r.refused,
                        r.refusal.as_deref().unwrap_or_default()
                    );
                }
                match (&p.error, p.finished) {
                    (Some(e), _) => status += &format!("; {e}"),
                    (None, true) => status += "; done",
                    (None, false) => {}
                }
                RepeatView {
                    label: r.label.clone(),
                    status,
                    running: !p.finished,
                }
            })
            .collect()
    }
}
