//! The two channels from the worker to the UI, each with a waker: message batches
//! (bounded, lossy, drops counted and shown) and publish outcomes (never shed).
//!
//! The data channel is bounded twice: by events, and by the messages they carry (a batch holds up to 1,024),
//! so what waits here while the window does not draw stays small next to the history
//! budget instead of growing to a million messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use super::event::PublishOutcome;
use crate::model::Incoming;

/// Messages received, in order: what the data channel carries.
pub type Batch = Vec<Incoming>;

/// Called after an event is queued, so a sleeping UI repaints (the app passes a closure
/// around `request_repaint_after`; headless users pass a no-op).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Messages that may wait in the channel at once (about 0.3 s of the UI's best rate).
pub const MAX_QUEUED_MESSAGES: u64 = 100_000;

/// Sending half, owned by the worker. Never blocks: a full channel drops and counts.
#[derive(Clone)]
pub struct EventSender {
    tx: SyncSender<Batch>,
    /// Messages dropped because the UI did not keep up.
    dropped: Arc<AtomicU64>,
    /// Messages sent and not yet received.
    queued: Arc<AtomicU64>,
    /// Most messages `queued` may reach.
    max_queued: u64,
    waker: Waker,
}

/// Receiving half, owned by the app (or a headless consumer).
pub struct EventReceiver {
    rx: Receiver<Batch>,
    dropped: Arc<AtomicU64>,
    queued: Arc<AtomicU64>,
}

/// A channel of `capacity` events carrying at most [`MAX_QUEUED_MESSAGES`] messages.
pub fn channel(capacity: usize, waker: Waker) -> (EventSender, EventReceiver) {
    channel_with_limit(capacity, MAX_QUEUED_MESSAGES, waker)
}

/// A channel of `capacity` events carrying at most `max_queued` messages.
pub fn channel_with_limit(
    capacity: usize,
    max_queued: u64,
    waker: Waker,
) -> (EventSender, EventReceiver) {
    let (tx, rx) = sync_channel(capacity);
    let dropped = Arc::new(AtomicU64::new(0));
    let queued = Arc::new(AtomicU64::new(0));
    (
        EventSender {
            tx,
            dropped: dropped.clone(),
            queued: queued.clone(),
            max_queued,
            waker,
        },
        EventReceiver {
            rx,
            dropped,
            queued,
        },
    )
}

impl EventSender {
    /// Queues `batch` without waiting. When the channel is full (in batches, or in the
    /// messages waiting) its messages are counted as dropped. Returns false once the
    /// receiver is gone.
    pub fn send(&self, batch: Batch) -> bool {
        let messages = batch.len() as u64;
        if messages > 0 && self.queued.load(Ordering::Relaxed) + messages > self.max_queued {
            self.dropped.fetch_add(messages, Ordering::Relaxed);
            (self.waker)();
            return true;
        }
        self.queued.fetch_add(messages, Ordering::Relaxed);
        let alive = match self.tx.try_send(batch) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.queued.fetch_sub(messages, Ordering::Relaxed);
                self.dropped.fetch_add(messages, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        };
        (self.waker)();
        alive
    }

    /// Asks the receiver's owner to look (after a state change that is not an event).
    pub fn wake(&self) {
        (self.waker)();
    }

    /// The waker, for jobs that report through a watch.
    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }
}

impl EventReceiver {
    /// The next batch, if one is waiting.
    pub fn try_recv(&self) -> Option<Batch> {
        self.rx.try_recv().ok().map(|e| self.received(e))
    }

    /// Waits up to `timeout` for the next batch; `None` on time-out or when the worker is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Batch> {
        self.rx.recv_timeout(timeout).ok().map(|e| self.received(e))
    }

    fn received(&self, batch: Batch) -> Batch {
        self.queued.fetch_sub(batch.len() as u64, Ordering::Relaxed);
        batch
    }

    /// Messages dropped so far because this receiver fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Publish requests that may wait for their outcome at once; the outcome channel holds
/// as many, so sending an outcome never finds it full and none is ever shed.
pub const MAX_OUTSTANDING_PUBLISHES: usize = 4_096;

/// Sending half of the outcome channel, owned by the worker.
#[derive(Clone)]
pub struct OutcomeSender {
    tx: SyncSender<PublishOutcome>,
    waker: Waker,
}

/// Receiving half of the outcome channel. Admission is counted here: a request is let in
/// only while fewer than [`MAX_OUTSTANDING_PUBLISHES`] wait for their outcome.
pub struct OutcomeReceiver {
    rx: Receiver<PublishOutcome>,
    outstanding: Arc<std::sync::atomic::AtomicUsize>,
}

/// The outcome channel.
pub fn outcome_channel(waker: Waker) -> (OutcomeSender, OutcomeReceiver) {
    let (tx, rx) = sync_channel(MAX_OUTSTANDING_PUBLISHES);
    (
        OutcomeSender { tx, waker },
        OutcomeReceiver {
            rx,
            outstanding: Arc::default(),
        },
    )
}

impl OutcomeSender {
    /// Hands one outcome to the app. Every outcome answers an admitted request, and no
    /// more are admitted than the channel holds, so this never drops one.
    pub fn send(&self, outcome: PublishOutcome) {
        match self.tx.try_send(outcome) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(o)) => {
                tracing::error!("outcome channel full: publish {} answered late", o.id);
                // Admission makes this unreachable; wait rather than shed it.
                let _ = self.tx.send(o);
            }
        }
        (self.waker)();
    }
}

impl OutcomeReceiver {
    /// Counts one more request waiting for its outcome; false (not admitted) when
    /// [`MAX_OUTSTANDING_PUBLISHES`] already wait.
    pub fn admit(&self) -> bool {
        let before = self.outstanding.fetch_add(1, Ordering::AcqRel);
        if before >= MAX_OUTSTANDING_PUBLISHES {
            self.outstanding.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Un-counts a request that never reached the worker.
    pub fn withdraw(&self) {
        self.outstanding.fetch_sub(1, Ordering::AcqRel);
    }

    /// The next outcome, if one is waiting.
    pub fn try_recv(&self) -> Option<PublishOutcome> {
        self.rx.try_recv().ok().map(|o| self.answered(o))
    }

    /// Waits up to `timeout` for the next outcome.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<PublishOutcome> {
        self.rx.recv_timeout(timeout).ok().map(|o| self.answered(o))
    }

    fn answered(&self, outcome: PublishOutcome) -> PublishOutcome {
        self.outstanding.fetch_sub(1, Ordering::AcqRel);
        outcome
    }

    /// Requests waiting for their outcome.
    pub fn outstanding(&self) -> usize {
        self.outstanding.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::{Incoming, Message, QoS};
    use crate::model::payload::Payload;

    fn batch(n: usize) -> Batch {
        let m = Incoming {
            topic: "t".into(),
            message: Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(b"x", 10),
                properties: None,
            },
        };
        vec![m; n]
    }

    #[test]
    fn full_channel_counts_dropped_messages_and_wakes() {
        let wakes = Arc::new(AtomicU64::new(0));
        let w = wakes.clone();
        let (tx, rx) = channel(
            2,
            Arc::new(move || {
                w.fetch_add(1, Ordering::Relaxed);
            }),
        );
        assert!(tx.send(batch(3)));
        assert!(tx.send(batch(3)));
        assert!(tx.send(batch(5)));
        assert_eq!(rx.dropped(), 5);
        assert_eq!(wakes.load(Ordering::Relaxed), 3);
        assert_eq!(rx.try_recv().map(|e| e.len()), Some(3));
        drop(rx);
        assert!(!tx.send(batch(1)));
    }

    #[test]
    fn waiting_messages_are_bounded_too() {
        let (tx, rx) = channel_with_limit(100, 10, Arc::new(|| {}));
        assert!(tx.send(batch(6)));
        assert!(
            tx.send(batch(6)),
            "over the message limit: dropped, not queued"
        );
        assert_eq!(rx.dropped(), 6);
        assert!(tx.send(batch(4)));
        assert_eq!(rx.try_recv().map(|e| e.len()), Some(6));
        assert!(tx.send(batch(6)), "room again once the UI took some");
        assert_eq!(rx.dropped(), 6);
        assert_eq!(rx.recv_timeout(Duration::ZERO).map(|e| e.len()), Some(4));
        assert_eq!(rx.try_recv().map(|e| e.len()), Some(6));
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;
    use crate::mqtt::event::{Delivered, PublishError};

    #[test]
    fn outcomes_are_admitted_up_to_the_channel_and_never_shed() {
        let (tx, rx) = outcome_channel(Arc::new(|| {}));
        for _ in 0..MAX_OUTSTANDING_PUBLISHES {
            assert!(rx.admit());
        }
        assert!(!rx.admit(), "one more than the channel holds is refused");
        for id in 0..MAX_OUTSTANDING_PUBLISHES as u64 {
            tx.send(PublishOutcome {
                id,
                result: Ok(Delivered::Written),
                topic_alias: None,
            });
        }
        assert_eq!(rx.try_recv().map(|o| o.id), Some(0));
        assert!(rx.admit(), "room again once an outcome was taken");
        tx.send(PublishOutcome {
            id: 9,
            result: Err(PublishError::NotConnected),
            topic_alias: None,
        });
        let mut n = 0;
        while rx.try_recv().is_some() {
            n += 1;
        }
        assert_eq!(n, MAX_OUTSTANDING_PUBLISHES);
        assert_eq!(rx.outstanding(), 0);
    }
}
