//! Timed publish: one message sent again every N ms on the live connection, a number of
//! times or until stopped, with placeholders (`{{seq}}`, `{{now_iso}}`, …) filled in for
//! each. Several run at once, each with its own progress watch; their outcomes come back
//! on the app's outcome channel under ids the app gave them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::channel::Waker;
use super::command::PublishRequest;
use super::publisher::{Client, Tracker};
use crate::model::message::now_us;
use crate::model::placeholders::Template;
use crate::model::{Properties, QoS};

/// What is sent each time.
#[derive(Clone, Debug)]
pub enum RepeatPayload {
    /// Text with placeholders.
    Text(Template),
    /// Bytes as they are (a hex or base64 payload, say).
    Bytes(Vec<u8>),
}

/// A timed publish to start.
#[derive(Debug)]
pub struct RepeatRequest {
    pub topic: Template,
    pub payload: RepeatPayload,
    pub qos: QoS,
    pub retain: bool,
    pub properties: Option<Properties>,
    pub interval: Duration,
    /// Stop after this many; `None` runs until stopped.
    pub count: Option<u64>,
    /// Message `seq` (from 1) goes with request id `id_base + seq`.
    pub id_base: u64,
    pub cancel: Arc<AtomicBool>,
    pub progress: tokio::sync::watch::Sender<RepeatProgress>,
}

/// How far a timed publish is (never lost: a watch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepeatProgress {
    /// Messages handed to the connection so far.
    pub issued: u64,
    pub finished: bool,
    /// Why it stopped early, in words.
    pub error: Option<String>,
}

/// Runs `request` until its count, a stop, or a publish that cannot be handed over.
pub(super) async fn repeat(
    client: Client,
    tracker: Arc<Tracker>,
    request: RepeatRequest,
    waker: Waker,
) {
    let mut next = tokio::time::Instant::now();
    let mut progress = RepeatProgress::default();
    let mut seq = 0u64;
    while !request.cancel.load(Ordering::Relaxed) && request.count.is_none_or(|c| seq < c) {
        // In slices, so that Stop is heard within a tenth of a second.
        while tokio::time::Instant::now() < next && !request.cancel.load(Ordering::Relaxed) {
            let left = next.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::sleep(left.min(Duration::from_millis(100))).await;
        }
        if request.cancel.load(Ordering::Relaxed) {
            break;
        }
        seq += 1;
        let now = now_us();
        let payload = match &request.payload {
            RepeatPayload::Text(t) => t.fill(seq, now).into_bytes(),
            RepeatPayload::Bytes(b) => b.clone(),
        };
        let publish = PublishRequest {
            id: request.id_base + seq,
            topic: request.topic.fill(seq, now),
            payload,
            qos: request.qos,
            retain: request.retain,
            properties: request.properties.clone(),
            encode: None,
        };
        if let Err(e) = tracker.send(&client, &publish).await {
            progress.error = Some(format!("stopped at message {seq}: {e}"));
            break;
        }
        progress.issued = seq;
        request.progress.send_replace(progress.clone());
        waker();
        // A late wake-up does not bunch the next ones together.
        next = (next + request.interval).max(tokio::time::Instant::now());
    }
    progress.finished = true;
    request.progress.send_replace(progress);
    waker();
}

/// Ends a timed publish that cannot start, saying why.
pub(super) fn refuse(request: &RepeatRequest, why: &str, waker: &Waker) {
    request.progress.send_replace(RepeatProgress {
        finished: true,
        error: Some(why.into()),
        ..Default::default()
    });
    waker();
}
