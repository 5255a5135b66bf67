//! Replaying a recording: its messages published again on the live connection at the
//! recorded pace, N times faster, or as fast as the connection takes them.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::channel::Waker;
use super::command::PublishRequest;
use super::publisher::{Client, Job, REPLAY_ID, Tracker};
use crate::model::QoS;
use crate::model::recording::RecordLine;

/// Publishes waiting for the broker (written for QoS 0, acknowledged for 1 and 2) before
/// the replay waits: bounds what a fast replay holds in memory.
const MAX_OUTSTANDING: u64 = 1_000;
/// How often progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How long the end of a replay waits for the last acknowledgements.
const ACK_WAIT: Duration = Duration::from_secs(10);

/// Where a replay is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayProgress {
    /// Messages the broker took (written for QoS 0, acknowledged for QoS 1 and 2).
    pub sent: u64,
    /// Payload bytes of those messages.
    pub bytes: u64,
    /// How far through the file, 0 to 1.
    pub fraction: f32,
    /// Messages of `$` topics (`$SYS/…`): the broker's own, which clients may not publish.
    pub system_skipped: u64,
    /// Lines that could not be read, and the first one's problem ("line 7: …").
    pub skipped: u64,
    pub first_problem: Option<String>,
    pub seconds: f64,
    pub finished: bool,
    /// Why the replay stopped early (cannot open the file, connection lost), if it did.
    pub error: Option<String>,
}

/// What a replay is asked to do.
#[derive(Clone, Debug)]
pub struct ReplayRequest {
    pub path: PathBuf,
    /// Times the recorded pace (1.0 is as recorded); `None` for as fast as possible.
    pub speed: Option<f64>,
    pub cancel: Arc<AtomicBool>,
    /// Where the replay is; the last value has `finished` set (never lost: a watch).
    pub progress: watch::Sender<ReplayProgress>,
}

impl ReplayRequest {
    /// A request and the receiver of its progress.
    pub fn new(
        path: PathBuf,
        speed: Option<f64>,
        cancel: Arc<AtomicBool>,
    ) -> (Self, watch::Receiver<ReplayProgress>) {
        let (progress, rx) = watch::channel(ReplayProgress::default());
        (
            Self {
                path,
                speed,
                cancel,
                progress,
            },
            rx,
        )
    }
}

/// Ends a replay that cannot start, saying why.
pub(super) fn refuse(request: &ReplayRequest, why: &str, waker: &Waker) {
    request.progress.send_replace(ReplayProgress {
        finished: true,
        error: Some(why.into()),
        ..Default::default()
    });
    waker();
}

pub(super) async fn replay(
    client: Client,
    tracker: Arc<Tracker>,
    request: ReplayRequest,
    waker: Waker,
) {
    let started = Instant::now();
    let mut progress = ReplayProgress::default();
    let report = |progress: &ReplayProgress| {
        request.progress.send_replace(progress.clone());
        waker();
    };
    let finish = |mut progress: ReplayProgress, error: Option<String>| {
        progress.finished = true;
        progress.error = error;
        progress.seconds = started.elapsed().as_secs_f64();
        report(&progress);
    };
    let file = match std::fs::File::open(&request.path) {
        Ok(f) => f,
        Err(e) => return finish(progress, Some(format!("{}: {e}", request.path.display()))),
    };
    let total = file.metadata().map_or(0, |m| m.len()).max(1);
    let mut reader = std::io::BufReader::new(file);
    let base = tracker.answered_count(Job::Replay);
    let done = || tracker.answered_count(Job::Replay).saturating_sub(base);
    // Payload bytes of each publish in order, to count the bytes the broker took.
    let mut pending_bytes = std::collections::VecDeque::new();
    let mut confirmed = 0;
    let mut settle = |progress: &mut ReplayProgress,
                      pending: &mut std::collections::VecDeque<u64>| {
        let now_done = done();
        while confirmed < now_done {
            progress.bytes += pending.pop_front().unwrap_or(0);
            confirmed += 1;
        }
        progress.sent = now_done;
    };
    let mut first_ts: Option<i64> = None;
    let mut read = 0u64;
    let mut line_no = 0u64;
    let mut line = Vec::new();
    let mut reported = Instant::now();
    let mut issued = 0u64;
    let mut error = None;
    loop {
        if request.cancel.load(Ordering::Relaxed) {
            break;
        }
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => read += n as u64,
            Err(e) => {
                error = Some(format!("reading {}: {e}", request.path.display()));
                break;
            }
        }
        line_no += 1;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let parsed =
            RecordLine::parse(text).and_then(|r| r.payload_bytes().map(|payload| (r, payload)));
        let (record, payload) = match parsed {
            Ok((r, _)) if r.topic.starts_with('$') => {
                progress.system_skipped += 1;
                continue;
            }
            Ok(p) => p,
            Err(e) => {
                progress.skipped += 1;
                progress
                    .first_problem
                    .get_or_insert_with(|| format!("line {line_no}: {e}"));
                continue;
            }
        };
        if let Some(speed) = request.speed {
            let first = *first_ts.get_or_insert(record.ts_us);
            let offset_s = (record.ts_us - first).max(0) as f64 / 1e6 / speed.max(1e-3);
            let due = started + Duration::from_secs_f64(offset_s.min(1e7));
            while Instant::now() < due && !request.cancel.load(Ordering::Relaxed) {
                let left = due.saturating_duration_since(Instant::now());
                tokio::time::sleep(left.min(PROGRESS_EVERY)).await;
                settle(&mut progress, &mut pending_bytes);
                if reported.elapsed() >= PROGRESS_EVERY {
                    progress.seconds = started.elapsed().as_secs_f64();
                    report(&progress);
                    reported = Instant::now();
                }
            }
        }
        if issued.saturating_sub(done()) >= MAX_OUTSTANDING {
            // Woken by the next answer (or given up on after ACK_WAIT).
            let target = base + issued + 1 - MAX_OUTSTANDING;
            let until = Instant::now() + ACK_WAIT;
            if !tracker
                .wait_answered(Job::Replay, target, until, &request.cancel)
                .await
                && !request.cancel.load(Ordering::Relaxed)
            {
                error = Some(format!(
                    "the broker took {} of {issued} messages, then stopped answering",
                    done()
                ));
                break;
            }
        }
        let request_out = PublishRequest {
            id: REPLAY_ID,
            qos: QoS::from_u8(record.qos).unwrap_or_default(),
            retain: record.retain,
            properties: record.publish_properties(),
            topic: record.topic,
            payload,
        };
        let size = request_out.payload.len() as u64;
        if let Err(e) = tracker.send(&client, &request_out).await {
            error = Some(format!("publishing stopped: {e}"));
            break;
        }
        pending_bytes.push_back(size);
        issued += 1;
        progress.fraction = (read as f64 / total as f64) as f32;
        settle(&mut progress, &mut pending_bytes);
        if reported.elapsed() >= PROGRESS_EVERY {
            progress.seconds = started.elapsed().as_secs_f64();
            report(&progress);
            reported = Instant::now();
        }
    }
    // Wait for the broker to take what is still in flight: woken by each answer, given
    // up on when none came for ACK_WAIT.
    let mut seen = done();
    while seen < issued && !request.cancel.load(Ordering::Relaxed) {
        let until = Instant::now() + ACK_WAIT;
        let all = tracker
            .wait_answered(Job::Replay, base + seen + 1, until, &request.cancel)
            .await;
        if !all && !request.cancel.load(Ordering::Relaxed) {
            error.get_or_insert_with(|| {
                format!(
                    "the broker took {} of {issued} messages, then stopped answering",
                    done()
                )
            });
            break;
        }
        seen = done();
    }
    settle(&mut progress, &mut pending_bytes);
    if error.is_none() && !request.cancel.load(Ordering::Relaxed) {
        progress.fraction = 1.0;
    }
    finish(progress, error);
}
