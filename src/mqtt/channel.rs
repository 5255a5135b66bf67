//! The bounded channel from the worker to the UI: batches, a waker, and counted drops.
//!
//! Bounded twice: by events, and by the messages they carry (a batch holds up to 1,024),
//! so what waits here while the window does not draw stays small next to the history
//! budget instead of growing to a million messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use super::event::WorkerEvent;

/// Called after an event is queued, so a sleeping UI repaints (the app passes a closure
/// around `request_repaint_after`; headless users pass a no-op).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Messages that may wait in the channel at once (about 0.3 s of the UI's best rate).
pub const MAX_QUEUED_MESSAGES: u64 = 100_000;

/// Sending half, owned by the worker. Never blocks: a full channel drops and counts.
#[derive(Clone)]
pub struct EventSender {
    tx: SyncSender<WorkerEvent>,
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
    rx: Receiver<WorkerEvent>,
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
    /// Queues `event` without waiting. When the channel is full (in events, or in the
    /// messages waiting) the messages it carries are counted as dropped (other events are
    /// small and rare; they are counted too). Returns false once the receiver is gone.
    pub fn send(&self, event: WorkerEvent) -> bool {
        let messages = event.message_count();
        if messages > 0 && self.queued.load(Ordering::Relaxed) + messages > self.max_queued {
            self.dropped.fetch_add(messages, Ordering::Relaxed);
            (self.waker)();
            return true;
        }
        self.queued.fetch_add(messages, Ordering::Relaxed);
        let alive = match self.tx.try_send(event) {
            Ok(()) => true,
            Err(TrySendError::Full(event)) => {
                self.queued.fetch_sub(messages, Ordering::Relaxed);
                self.dropped
                    .fetch_add(event.message_count().max(1), Ordering::Relaxed);
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
}

impl EventReceiver {
    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<WorkerEvent> {
        self.rx.try_recv().ok().map(|e| self.received(e))
    }

    /// Waits up to `timeout` for the next event; `None` on time-out or when the worker is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<WorkerEvent> {
        self.rx.recv_timeout(timeout).ok().map(|e| self.received(e))
    }

    fn received(&self, event: WorkerEvent) -> WorkerEvent {
        self.queued
            .fetch_sub(event.message_count(), Ordering::Relaxed);
        event
    }

    /// Messages dropped so far because this receiver fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::{Incoming, Message, QoS};
    use crate::model::payload::Payload;

    fn batch(n: usize) -> WorkerEvent {
        let m = Incoming {
            topic: "t".into(),
            message: Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                payload: Payload::decode(b"x", 10),
                properties: None,
            },
        };
        WorkerEvent::Messages(vec![m; n])
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
        assert_eq!(rx.try_recv().map(|e| e.message_count()), Some(3));
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
        assert_eq!(rx.try_recv().map(|e| e.message_count()), Some(6));
        assert!(tx.send(batch(6)), "room again once the UI took some");
        assert_eq!(rx.dropped(), 6);
        assert_eq!(
            rx.recv_timeout(Duration::ZERO).map(|e| e.message_count()),
            Some(4)
        );
        assert_eq!(rx.try_recv().map(|e| e.message_count()), Some(6));
    }
}
