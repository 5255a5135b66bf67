//! Publishing and acknowledgement tracking: which request a packet id belongs to, the
//! outcome of each user publish (exactly one, never shed), and the counts of the worker's
//! own publishing jobs (retained clean-up, replay), per run, with a `Notify` for whoever
//! waits on them.
//!
//! Requests are handed to rumqttc one at a time (an async lock), noted in the same order,
//! so the n-th PUBLISH rumqttc writes is the n-th request noted. A request whose hand-over
//! is cancelled is taken out again; one that connection loss answered while it was being
//! handed over is remembered, so its late write does not take another request's place.
//! Topic aliases are chosen in the same turn, so they follow the order of the writes.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::Notify;

use super::channel::OutcomeSender;
use super::command::PublishRequest;
use super::convert::{v5_props, v5_qos, v311_qos};
use super::event::{Delivered, PublishError, PublishOutcome};
use super::topic_alias::{AliasUse, TopicAliases};
use crate::model::QoS;

/// Ids of the worker's own publishes: run `n` of a job uses `INTERNAL | n << 1 | job`.
/// User requests count up from 0 and never reach it.
const INTERNAL: u64 = 0xFFFF_FFFF_0000_0000;

/// The worker's own publishing jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Job {
    Clear = 0,
    Replay = 1,
}

/// One run of a job: the request id its publishes carry.
#[derive(Clone, Copy, Debug)]
pub(super) struct JobRun {
    pub job: Job,
    pub id: u64,
}

fn job_of(id: u64) -> Option<(Job, u64)> {
    if id & INTERNAL != INTERNAL {
        return None;
    }
    let job = if id & 1 == 0 { Job::Clear } else { Job::Replay };
    Some((job, (id & !INTERNAL) >> 1))
}

/// The client side of a live connection.
#[derive(Clone)]
pub(super) enum Client {
    V311(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// A request handed (or being handed) to rumqttc.
#[derive(Clone, Copy, Debug)]
struct Noted {
    seq: u64,
    id: u64,
    qos: QoS,
    alias: Option<u16>,
}

#[derive(Default)]
struct Waiting {
    /// Requests handed to rumqttc whose packet id is not known yet, in order.
    queued: VecDeque<Noted>,
    /// Packet id → request id and its topic alias, waiting for PUBACK / PUBCOMP.
    awaiting: HashMap<u16, (u64, Option<u16>)>,
    /// Requests answered as lost while being handed over: their PUBLISH, if rumqttc still
    /// writes it, belongs to no one waiting.
    orphans: u32,
}

/// The answers of the current run of one job.
#[derive(Default)]
struct JobCounts {
    run: AtomicU64,
    ok: AtomicU64,
    refused: AtomicU64,
    /// Woken on each answer.
    notify: Notify,
}

/// What one connection has in flight, shared by the poll loop, the publish tasks and the
/// jobs.
pub(super) struct Tracker {
    waiting: Mutex<Waiting>,
    jobs: [JobCounts; 2],
    /// One hand-over to rumqttc at a time, in order.
    turn: tokio::sync::Mutex<()>,
    next_seq: AtomicU64,
    outcomes: OutcomeSender,
    /// The topic aliases of the current connection (MQTT 5).
    aliases: Mutex<TopicAliases>,
}

impl Tracker {
    pub(super) fn new(outcomes: OutcomeSender) -> Arc<Self> {
        Arc::new(Self {
            waiting: Mutex::default(),
            jobs: Default::default(),
            turn: tokio::sync::Mutex::new(()),
            next_seq: AtomicU64::new(0),
            outcomes,
            aliases: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn note(&self, id: u64, qos: QoS, alias: Option<u16>) -> u64 {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let noted = Noted {
            seq,
            id,
            qos,
            alias,
        };
        self.lock().queued.push_back(noted);
        seq
    }

    fn aliases(&self) -> MutexGuard<'_, TopicAliases> {
        self.aliases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A CONNACK: this connection's topic alias maximum (0: none), and whether repeated
    /// topics get aliases without being asked.
    pub(super) fn connected(&self, topic_alias_max: u16, auto: bool) {
        self.aliases().reset(topic_alias_max, auto);
    }

    /// Takes request `seq` out of the queue; false when it was answered already.
    fn unnote(&self, seq: u64) -> bool {
        let mut w = self.lock();
        match w.queued.iter().position(|n| n.seq == seq) {
            Some(i) => {
                w.queued.remove(i);
                true
            }
            None => false,
        }
    }

    /// Notes a request as handed to the client (tests drive the loop without one).
    #[cfg(test)]
    pub(super) fn expect(&self, id: u64, qos: QoS) {
        self.note(id, qos, None);
    }

    /// Starts a new run of `job`: its counts start at 0, and answers to earlier runs are
    /// not counted any more.
    pub(super) fn begin(&self, job: Job) -> JobRun {
        let c = &self.jobs[job as usize];
        let run = (c.run.fetch_add(1, Ordering::AcqRel) + 1) & 0x7FFF_FFFF;
        c.ok.store(0, Ordering::Relaxed);
        c.refused.store(0, Ordering::Relaxed);
        JobRun {
            job,
            id: INTERNAL | run << 1 | job as u64,
        }
    }

    /// A PUBLISH was written with `pkid` (0 for QoS 0): a QoS 0 request is done.
    pub(super) fn written(&self, pkid: u16) {
        let next = {
            let mut w = self.lock();
            if w.orphans > 0 {
                w.orphans -= 1;
                return;
            }
            let next = w.queued.pop_front();
            if let Some(n) = next
                && n.qos != QoS::AtMostOnce
            {
                w.awaiting.insert(pkid, (n.id, n.alias));
            }
            next
        };
        if let Some(n) = next.filter(|n| n.qos == QoS::AtMostOnce) {
            self.settle(n.id, Ok(Delivered::Written), n.alias);
        }
    }

    /// The broker answered the publish with `pkid` (success, or a refusal).
    pub(super) fn answered(&self, pkid: u16, result: Result<(), PublishError>) {
        let id = self.lock().awaiting.remove(&pkid);
        if let Some((id, alias)) = id {
            self.settle(id, result.map(|()| Delivered::Acknowledged), alias);
        }
    }

    /// The connection ended: everything in flight is lost (said once each), and no alias
    /// is used until the next CONNACK.
    pub(super) fn lost(&self) {
        self.aliases().reset(0, false);
        let ids: Vec<u64> = {
            let mut w = self.lock();
            let queued: Vec<u64> = w.queued.drain(..).map(|n| n.id).collect();
            queued
                .into_iter()
                .chain(w.awaiting.drain().map(|(_, (id, _))| id))
                .collect()
        };
        for id in ids {
            self.settle(id, Err(PublishError::Lost), None);
        }
    }

    /// Answers request `id`: an outcome for the user's, a count for a job's current run.
    fn settle(&self, id: u64, result: Result<Delivered, PublishError>, alias: Option<u16>) {
        match job_of(id) {
            Some((job, run)) => {
                let c = &self.jobs[job as usize];
                if c.run.load(Ordering::Acquire) != run {
                    return; // an earlier run's late answer
                }
                let count = if result.is_ok() { &c.ok } else { &c.refused };
                count.fetch_add(1, Ordering::Relaxed);
                c.notify.notify_one();
            }
            None => self.outcomes.send(PublishOutcome {
                id,
                result,
                topic_alias: alias,
            }),
        }
    }

    /// Publishes of `job`'s current run answered so far: `(taken, refused or lost)`.
    pub(super) fn answers(&self, job: Job) -> (u64, u64) {
        let c = &self.jobs[job as usize];
        (
            c.ok.load(Ordering::Relaxed),
            c.refused.load(Ordering::Relaxed),
        )
    }

    /// Publishes of `job`'s current run answered so far, either way.
    pub(super) fn answered_count(&self, job: Job) -> u64 {
        let (ok, refused) = self.answers(job);
        ok + refused
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
            let notified = self.jobs[job as usize].notify.notified();
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.answered_count(job) >= target;
            }
        }
    }

    /// Hands one publish to rumqttc, noting it so its packet id and answer can be matched.
    /// A failure is answered here (once) and returned.
    pub(super) async fn send(
        &self,
        client: &Client,
        request: &PublishRequest,
    ) -> Result<(), PublishError> {
        let _turn = self.turn.lock().await;
        let alias = match client {
            Client::V311(_) => Ok(None),
            Client::V5(_) => {
                let asked = request.properties.as_ref().and_then(|p| p.topic_alias);
                self.aliases().assign(&request.topic, asked)
            }
        };
        let alias = match alias {
            Ok(a) => a,
            Err(e) => {
                let e = PublishError::Client(e.to_string());
                self.settle(request.id, Err(e.clone()), None);
                return Err(e);
            }
        };
        let seq = self.note(request.id, request.qos, alias.map(|a| a.alias));
        let mut handing = Handing {
            tracker: self,
            seq,
            id: request.id,
            done: false,
        };
        let result = hand_over(client, request, alias).await;
        handing.done = true;
        match result {
            Ok(()) => {
                let answered = !self.lock().queued.iter().any(|n| n.seq == seq);
                if answered {
                    // Lost while it was handed over; rumqttc may still write it.
                    self.lock().orphans += 1;
                }
                Ok(())
            }
            Err(e) => {
                let e = PublishError::Client(e);
                if self.unnote(seq) {
                    self.settle(request.id, Err(e.clone()), None);
                }
                Err(e)
            }
        }
    }
}

/// A hand-over under way: if it is cancelled, the request leaves the queue and is answered
/// as lost.
struct Handing<'a> {
    tracker: &'a Tracker,
    seq: u64,
    id: u64,
    done: bool,
}

impl Drop for Handing<'_> {
    fn drop(&mut self) {
        if !self.done && self.tracker.unnote(self.seq) {
            self.tracker.settle(self.id, Err(PublishError::Lost), None);
        }
    }
}

/// Hands `request` to rumqttc; with an alias bound before, its topic is left empty.
async fn hand_over(
    client: &Client,
    request: &PublishRequest,
    alias: Option<AliasUse>,
) -> Result<(), String> {
    match client {
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
            let topic = match alias {
                Some(a) if !a.with_topic => String::new(),
                _ => request.topic.clone(),
            };
            let payload = request.payload.clone();
            let mut props = request.properties.as_ref().map(v5_props);
            if let Some(a) = alias {
                props.get_or_insert_with(Default::default).topic_alias = Some(a.alias);
            }
            match props {
                Some(p) => {
                    c.publish_with_properties(topic, qos, request.retain, payload, p)
                        .await
                }
                None => c.publish(topic, qos, request.retain, payload).await,
            }
            .map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn tracker() -> (Arc<Tracker>, crate::mqtt::channel::OutcomeReceiver) {
        let (tx, rx) = crate::mqtt::channel::outcome_channel(Arc::new(|| {}));
        (Tracker::new(tx), rx)
    }

    #[test]
    fn job_ids_never_meet_user_ids_and_carry_their_run() {
        let (t, _rx) = tracker();
        let a = t.begin(Job::Clear);
        let b = t.begin(Job::Replay);
        assert_eq!(job_of(a.id).map(|(j, _)| j), Some(Job::Clear));
        assert_eq!(job_of(b.id).map(|(j, _)| j), Some(Job::Replay));
        assert_eq!(job_of(12_345), None);
        assert_eq!(job_of(u64::from(u32::MAX)), None, "user ids up to 2^32");
        assert_ne!(a.id, t.begin(Job::Clear).id, "each run its own id");
    }

    #[test]
    fn refusals_and_late_answers_of_an_earlier_run_are_counted_apart() {
        let (t, rx) = tracker();
        let first = t.begin(Job::Clear);
        t.expect(first.id, QoS::AtLeastOnce);
        t.written(1);
        let second = t.begin(Job::Clear);
        t.answered(1, Ok(())); // the first run's answer arrives late
        assert_eq!(t.answers(Job::Clear), (0, 0), "not the second run's");
        for pkid in [2, 3] {
            t.expect(second.id, QoS::AtLeastOnce);
            t.written(pkid);
        }
        let refusal = PublishError::Refused(crate::mqtt::Reason {
            code: 0x87,
            words: "not authorized",
        });
        t.answered(2, Err(refusal));
        t.answered(3, Ok(()));
        assert_eq!(t.answers(Job::Clear), (1, 1));
        assert!(rx.try_recv().is_none(), "jobs get counts, not outcomes");
    }

    #[test]
    fn a_write_of_a_request_lost_while_handed_over_takes_no_one_elses_place() {
        let (t, rx) = tracker();
        t.expect(1, QoS::AtMostOnce);
        t.lost();
        t.lock().orphans += 1; // what send() does when its hand-over ends after lost()
        t.expect(2, QoS::AtMostOnce);
        t.written(0); // the orphan's late write
        assert_eq!(rx.try_recv().map(|o| o.id), Some(1), "answered as lost");
        assert!(rx.try_recv().is_none(), "request 2 is not written yet");
        t.written(0);
        let o = rx.try_recv().expect("request 2 written");
        assert_eq!((o.id, o.result), (2, Ok(Delivered::Written)));
    }
}
