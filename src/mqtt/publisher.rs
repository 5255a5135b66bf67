//! Publishing and acknowledgement tracking: which request a packet id belongs to, the
//! outcome of each user publish (exactly one, never shed), the counts of the worker's own
//! publishes (retained clean-up, replay) with a `Notify` for whoever waits on them, and the
//! retained clean-up job.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::channel::{OutcomeSender, Waker};
use super::command::PublishRequest;
use super::convert::{v5_props, v5_qos, v311_qos};
use super::event::{ClearProgress, Delivered, PublishError, PublishOutcome};
use crate::model::QoS;

/// Request ids of the worker's own publishes: no outcome each; their acknowledgements are
/// counted per job instead ([`Job`]), so a clean-up and a replay running at once do not
/// count each other's.
pub(super) const CLEAR_ID: u64 = u64::MAX;
pub(super) const REPLAY_ID: u64 = u64::MAX - 1;

/// The worker's own publishing jobs.
#[derive(Clone, Copy, Debug)]
pub(super) enum Job {
    Clear = 0,
    Replay = 1,
}

fn job_of(id: u64) -> Option<Job> {
    match id {
        CLEAR_ID => Some(Job::Clear),
        REPLAY_ID => Some(Job::Replay),
        _ => None,
    }
}

/// The client side of a live connection.
#[derive(Clone)]
pub(super) enum Client {
    V311(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

#[derive(Default)]
struct Waiting {
    /// Requests handed to rumqttc whose packet id is not known yet, in order.
    queued: VecDeque<(u64, QoS)>,
    /// Packet id → request id, waiting for PUBACK / PUBCOMP.
    awaiting: HashMap<u16, u64>,
}

/// What one connection has in flight, shared by the poll loop and the jobs.
pub(super) struct Tracker {
    waiting: Mutex<Waiting>,
    /// Answered publishes of each [`Job`].
    answered: [AtomicU64; 2],
    /// Woken on each answer of the job.
    notify: [Notify; 2],
    outcomes: OutcomeSender,
}

impl Tracker {
    pub(super) fn new(outcomes: OutcomeSender) -> Arc<Self> {
        Arc::new(Self {
            waiting: Mutex::default(),
            answered: [AtomicU64::new(0), AtomicU64::new(0)],
            notify: [Notify::new(), Notify::new()],
            outcomes,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a request as handed to the client (tests drive the loop without one).
    #[cfg(test)]
    pub(super) fn expect(&self, id: u64, qos: QoS) {
        self.lock().queued.push_back((id, qos));
    }

    /// A PUBLISH was written with `pkid` (0 for QoS 0): a QoS 0 request is done.
    pub(super) fn written(&self, pkid: u16) {
        let next = self.lock().queued.pop_front();
        match next {
            Some((id, QoS::AtMostOnce)) => self.settle(id, Ok(Delivered::Written)),
            Some((id, _)) => {
                self.lock().awaiting.insert(pkid, id);
            }
            None => {}
        }
    }

    /// The broker answered the publish with `pkid` (success, or a refusal).
    pub(super) fn answered(&self, pkid: u16, result: Result<(), PublishError>) {
        let id = self.lock().awaiting.remove(&pkid);
        if let Some(id) = id {
            self.settle(id, result.map(|()| Delivered::Acknowledged));
        }
    }

    /// The connection ended: everything in flight is lost (said once each).
    pub(super) fn lost(&self) {
        let ids: Vec<u64> = {
            let mut w = self.lock();
            let queued: Vec<u64> = w.queued.drain(..).map(|(id, _)| id).collect();
            queued
                .into_iter()
                .chain(w.awaiting.drain().map(|(_, id)| id))
                .collect()
        };
        for id in ids {
            self.settle(id, Err(PublishError::Lost));
        }
    }

    /// Answers request `id`: an outcome for the user's, a count for a job's.
    pub(super) fn settle(&self, id: u64, result: Result<Delivered, PublishError>) {
        match job_of(id) {
            Some(job) => {
                self.answered[job as usize].fetch_add(1, Ordering::Relaxed);
                self.notify[job as usize].notify_one();
            }
            None => self.outcomes.send(PublishOutcome { id, result }),
        }
    }

    /// Publishes of `job` answered so far.
    pub(super) fn answered_count(&self, job: Job) -> u64 {
        self.answered[job as usize].load(Ordering::Relaxed)
    }

    /// Waits until `job` has `target` answers, `cancel` is set, or `until` passes (woken
    /// by each answer, not by polling); true when the target was reached.
    pub(super) async fn wait_answered(
        &self,
        job: Job,
        target: u64,
        until: Instant,
        cancel: &AtomicBool,
    ) -> bool {
        let deadline = tokio::time::Instant::from_std(until);
        loop {
            if self.answered_count(job) >= target {
                return true;
            }
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            let notified = self.notify[job as usize].notified();
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.answered_count(job) >= target;
            }
        }
    }

    /// Hands one publish to rumqttc, noting it so its packet id and answer can be matched.
    pub(super) async fn send(
        &self,
        client: &Client,
        request: &PublishRequest,
    ) -> Result<(), PublishError> {
        self.lock().queued.push_back((request.id, request.qos));
        let result = match client {
            Client::V311(c) => c
                .publish(
                    &request.topic,
                    v311_qos(request.qos),
                    request.retain,
                    request.payload.clone(),
                )
                .await
                .map_err(|e| e.to_string()),
            Client::V5(c) => {
                let qos = v5_qos(request.qos);
                let topic = request.topic.clone();
                let payload = request.payload.clone();
                match &request.properties {
                    Some(p) => {
                        c.publish_with_properties(topic, qos, request.retain, payload, v5_props(p))
                            .await
                    }
                    None => c.publish(topic, qos, request.retain, payload).await,
                }
                .map_err(|e| e.to_string())
            }
        };
        if result.is_err() {
            self.lock().queued.pop_back();
        }
        result.map_err(PublishError::Client)
    }
}

/// A retained clean-up as the worker runs it.
pub(super) struct ClearJob {
    pub topics: Vec<String>,
    pub cancel: Arc<AtomicBool>,
    pub progress: watch::Sender<ClearProgress>,
    pub waker: Waker,
}

/// Clears the retained message of each topic: empty retained publishes at QoS 1, as many in
/// flight as the client allows, progress reported every 100 ms, until all are answered,
/// `cancel` is set, or answers stop coming for 10 s.
pub(super) async fn clear_retained(client: Client, tracker: Arc<Tracker>, job: ClearJob) {
    let total = job.topics.len();
    let base = tracker.answered_count(Job::Clear);
    let report = |finished| {
        let done = (tracker.answered_count(Job::Clear) - base) as usize;
        job.progress.send_replace(ClearProgress {
            done: done.min(total),
            total,
            finished,
        });
        (job.waker)();
    };
    let mut reported = Instant::now();
    let mut sent = 0u64;
    for topic in &job.topics {
        if job.cancel.load(Ordering::Relaxed) {
            break;
        }
        let request = PublishRequest {
            id: CLEAR_ID,
            topic: topic.clone(),
            payload: Vec::new(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: None,
        };
        if tracker.send(&client, &request).await.is_err() {
            break;
        }
        sent += 1;
        if reported.elapsed() > Duration::from_millis(100) {
            report(false);
            reported = Instant::now();
        }
    }
    let target = base + sent;
    let mut last = (tracker.answered_count(Job::Clear), Instant::now());
    while !job.cancel.load(Ordering::Relaxed) {
        let until = Instant::now() + Duration::from_millis(100);
        if tracker
            .wait_answered(Job::Clear, target, until, &job.cancel)
            .await
        {
            break;
        }
        let now = tracker.answered_count(Job::Clear);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(10) {
            break;
        }
        report(false);
    }
    report(true);
}
