//! Retained clean-up: empty retained publishes at QoS 1, pipelined, with progress on a
//! watch — cleared, refused (an ACL may deny the clear) and why it ended early.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::channel::Waker;
use super::command::PublishRequest;
use super::event::ClearProgress;
use super::publisher::{Client, Job, Tracker};
use crate::model::QoS;

/// A retained clean-up as the worker runs it.
pub(super) struct ClearJob {
    pub topics: Vec<String>,
    pub cancel: Arc<AtomicBool>,
    pub progress: watch::Sender<ClearProgress>,
    pub waker: Waker,
}

impl ClearJob {
    /// Ends the job at once, nothing cleared, saying why.
    pub(super) fn refuse(self, why: &str) {
        let total = self.topics.len();
        self.progress.send_replace(ClearProgress {
            total,
            finished: true,
            error: Some(why.into()),
            ..Default::default()
        });
        (self.waker)();
    }
}

/// How long a clean-up waits for the next answer before it gives up.
const STALL: Duration = Duration::from_secs(10);

/// Clears the retained message of each topic: as many in flight as the client allows,
/// progress reported every 100 ms, until all are answered, `cancel` is set, or answers
/// stop coming for 10 s.
pub(super) async fn clear_retained(client: Client, tracker: Arc<Tracker>, job: ClearJob) {
    let total = job.topics.len();
    let run = tracker.begin(Job::Clear);
    let report = |finished, error: Option<String>| {
        let (ok, refused) = tracker.answers(Job::Clear);
        job.progress.send_replace(ClearProgress {
            done: (ok as usize).min(total),
            refused: refused as usize,
            total,
            finished,
            error,
        });
        (job.waker)();
    };
    let mut reported = Instant::now();
    let mut sent = 0u64;
    let mut error = None;
    for topic in &job.topics {
        if job.cancel.load(Ordering::Relaxed) {
            break;
        }
        let request = PublishRequest {
            id: run.id,
            topic: topic.clone(),
            payload: Vec::new(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: None,
            encode: None,
        };
        if let Err(e) = tracker.send(&client, &request).await {
            error = Some(format!("stopped: {e}"));
            break;
        }
        sent += 1;
        if reported.elapsed() > Duration::from_millis(100) {
            report(false, None);
            reported = Instant::now();
        }
    }
    let mut last = (tracker.answered_count(Job::Clear), Instant::now());
    while !job.cancel.load(Ordering::Relaxed) {
        let until = Instant::now() + Duration::from_millis(100);
        if tracker
            .wait_answered(Job::Clear, sent, until, &job.cancel)
            .await
        {
            break;
        }
        let now = tracker.answered_count(Job::Clear);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > STALL {
            error.get_or_insert_with(|| {
                format!("the broker answered {now} of {sent} clears, then stopped answering")
            });
            break;
        }
        report(false, None);
    }
    report(true, error);
}
