//! Replaying a recording: its messages published again on the live connection at the
//! recorded pace, N times faster, or as fast as the connection takes them, with progress
//! on the request's watch (taken, refused, skipped, and why it ended early).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::channel::Waker;
use super::command::PublishRequest;
pub use super::command::ReplayRequest;
pub use super::event::ReplayProgress;
use super::publisher::{Client, Job, JobRun, Tracker};
use crate::model::QoS;
use crate::model::recording::RecordLine;

/// Publishes waiting for the broker (written for QoS 0, acknowledged for 1 and 2) before
/// the replay waits: bounds what a fast replay holds in memory.
const MAX_OUTSTANDING: u64 = 1_000;
/// How often progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// How long a replay waits for the next acknowledgement before it gives up.
const ACK_WAIT: Duration = Duration::from_secs(10);

/// Ends a replay that cannot start, saying why.
pub(super) fn refuse(request: &ReplayRequest, why: &str, waker: &Waker) {
    request.progress.send_replace(ReplayProgress {
        finished: true,
        error: Some(why.into()),
        ..Default::default()
    });
    waker();
}

/// A replay under way.
struct Run {
    client: Client,
    tracker: Arc<Tracker>,
    request: ReplayRequest,
    waker: Waker,
    job: JobRun,
    started: Instant,
    progress: ReplayProgress,
    reported: Instant,
    /// Publishes handed to the client.
    issued: u64,
    /// Payload bytes of each publish not yet answered, in order.
    pending_bytes: VecDeque<u64>,
    /// Answers already added to `progress`.
    counted: u64,
    /// Timestamp of the first message (the pace is measured from it).
    first_ts: Option<i64>,
}

impl Run {
    fn cancelled(&self) -> bool {
        self.request.cancel.load(Ordering::Relaxed)
    }

    /// Folds the answers that came in into the progress.
    fn settle(&mut self) {
        let (ok, refused) = self.tracker.answers(self.job.job);
        while self.counted < ok + refused {
            self.progress.bytes += self.pending_bytes.pop_front().unwrap_or(0);
            self.counted += 1;
        }
        self.progress.sent = ok;
        self.progress.refused = refused;
    }

    fn report(&mut self, force: bool) {
        if force || self.reported.elapsed() >= PROGRESS_EVERY {
            self.settle();
            self.progress.seconds = self.started.elapsed().as_secs_f64();
            self.request.progress.send_replace(self.progress.clone());
            (self.waker)();
            self.reported = Instant::now();
        }
    }

    fn stalled(&self) -> String {
        format!(
            "the broker took {} of {} messages, then stopped answering",
            self.tracker.answered_count(self.job.job),
            self.issued
        )
    }

    /// Waits until the message recorded at `ts_us` is due at the replay's pace.
    async fn pace(&mut self, ts_us: i64) {
        let Some(speed) = self.request.speed else {
            return;
        };
        let first = *self.first_ts.get_or_insert(ts_us);
        let offset_s = (ts_us - first).max(0) as f64 / 1e6 / speed.max(1e-3);
        let due = self.started + Duration::from_secs_f64(offset_s.min(1e7));
        while Instant::now() < due && !self.cancelled() {
            let left = due.saturating_duration_since(Instant::now());
            tokio::time::sleep(left.min(PROGRESS_EVERY)).await;
            self.report(false);
        }
    }

    /// Waits while [`MAX_OUTSTANDING`] publishes wait for the broker; `Err` when it
    /// stopped answering.
    async fn throttle(&mut self) -> Result<(), String> {
        if self
            .issued
            .saturating_sub(self.tracker.answered_count(self.job.job))
            < MAX_OUTSTANDING
        {
            return Ok(());
        }
        let target = self.issued + 1 - MAX_OUTSTANDING;
        let until = Instant::now() + ACK_WAIT;
        let cancel = self.request.cancel.clone();
        let answered = self
            .tracker
            .wait_answered(self.job.job, target, until, &cancel)
            .await;
        if answered || self.cancelled() {
            Ok(())
        } else {
            Err(self.stalled())
        }
    }

    /// Publishes one recorded message.
    async fn publish(&mut self, record: RecordLine, payload: Vec<u8>) -> Result<(), String> {
        let request = PublishRequest {
            id: self.job.id,
            qos: QoS::from_u8(record.qos).unwrap_or_default(),
            retain: record.retain,
            properties: record.publish_properties(),
            topic: record.topic,
            payload,
            encode: None,
        };
        let size = request.payload.len() as u64;
        self.tracker
            .send(&self.client, &request)
            .await
            .map_err(|e| format!("publishing stopped: {e}"))?;
        self.pending_bytes.push_back(size);
        self.issued += 1;
        Ok(())
    }

    /// Waits for the broker to take what is still in flight: woken by each answer, given
    /// up on when none came for [`ACK_WAIT`].
    async fn drain(&mut self) -> Result<(), String> {
        let cancel = self.request.cancel.clone();
        let mut seen = self.tracker.answered_count(self.job.job);
        while seen < self.issued && !self.cancelled() {
            let until = Instant::now() + ACK_WAIT;
            let next = self
                .tracker
                .wait_answered(self.job.job, seen + 1, until, &cancel)
                .await;
            if !next && !self.cancelled() {
                return Err(self.stalled());
            }
            seen = self.tracker.answered_count(self.job.job);
        }
        Ok(())
    }
}

/// The next message of the recording: `Ok(None)` at its end; lines that cannot be read
/// and `$` topics are counted in `progress` and passed over.
fn next_record(
    reader: &mut impl std::io::BufRead,
    line_no: &mut u64,
    read: &mut u64,
    progress: &mut ReplayProgress,
) -> std::io::Result<Option<(RecordLine, Vec<u8>)>> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        *read += n as u64;
        *line_no += 1;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match RecordLine::parse(text).and_then(|r| r.payload_bytes().map(|p| (r, p))) {
            Ok((r, _)) if r.topic.starts_with('$') => progress.system_skipped += 1,
            Ok(found) => return Ok(Some(found)),
            Err(e) => {
                progress.skipped += 1;
                progress
                    .first_problem
                    .get_or_insert_with(|| format!("line {line_no}: {e}"));
            }
        }
    }
}

pub(super) async fn replay(
    client: Client,
    tracker: Arc<Tracker>,
    request: ReplayRequest,
    waker: Waker,
) {
    let file = match std::fs::File::open(&request.path) {
        Ok(f) => f,
        Err(e) => {
            let why = format!("{}: {e}", request.path.display());
            return refuse(&request, &why, &waker);
        }
    };
    let total = file.metadata().map_or(0, |m| m.len()).max(1);
    let mut reader = std::io::BufReader::new(file);
    let job = tracker.begin(Job::Replay);
    let mut run = Run {
        client,
        tracker,
        request,
        waker,
        job,
        started: Instant::now(),
        progress: ReplayProgress::default(),
        reported: Instant::now(),
        issued: 0,
        pending_bytes: VecDeque::new(),
        counted: 0,
        first_ts: None,
    };
    let (mut line_no, mut read) = (0, 0);
    let mut error = None;
    while !run.cancelled() {
        let record = next_record(&mut reader, &mut line_no, &mut read, &mut run.progress);
        let (record, payload) = match record {
            Ok(Some(found)) => found,
            Ok(None) => break,
            Err(e) => {
                error = Some(format!("reading {}: {e}", run.request.path.display()));
                break;
            }
        };
        run.pace(record.ts_us).await;
        if let Err(e) = run.throttle().await {
            error = Some(e);
            break;
        }
        if run.cancelled() {
            break;
        }
        if let Err(e) = run.publish(record, payload).await {
            error = Some(e);
            break;
        }
        run.progress.fraction = (read as f64 / total as f64) as f32;
        run.report(false);
    }
    if let Err(e) = run.drain().await {
        error.get_or_insert(e);
    }
    if error.is_none() && !run.cancelled() {
        run.progress.fraction = 1.0;
    }
    run.progress.finished = true;
    run.progress.error = error;
    run.report(true);
}
