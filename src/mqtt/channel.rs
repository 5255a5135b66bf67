//! The bounded channel from the worker to the UI: batches, a waker, and counted drops.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use super::event::WorkerEvent;

/// Called after an event is queued, so a sleeping UI repaints (the app passes a closure
/// around `request_repaint_after`; headless users pass a no-op).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Sending half, owned by the worker. Never blocks: a full channel drops and counts.
#[derive(Clone)]
pub struct EventSender {
    tx: SyncSender<WorkerEvent>,
    /// Messages dropped because the UI did not keep up.
    dropped: Arc<AtomicU64>,
    waker: Waker,
}

/// Receiving half, owned by the app (or a headless consumer).
pub struct EventReceiver {
    rx: Receiver<WorkerEvent>,
    dropped: Arc<AtomicU64>,
}

/// A channel of `capacity` events (each event may carry a batch of messages).
pub fn channel(capacity: usize, waker: Waker) -> (EventSender, EventReceiver) {
    let (tx, rx) = sync_channel(capacity);
    let dropped = Arc::new(AtomicU64::new(0));
    (
        EventSender {
            tx,
            dropped: dropped.clone(),
            waker,
        },
        EventReceiver { rx, dropped },
    )
}

impl EventSender {
    /// Queues `event` without waiting. When the channel is full the messages it carries
    /// are counted as dropped (other events are small and rare; they are counted too).
    /// Returns false once the receiver is gone.
    pub fn send(&self, event: WorkerEvent) -> bool {
        let alive = match self.tx.try_send(event) {
            Ok(()) => true,
            Err(TrySendError::Full(event)) => {
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
        self.rx.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event; `None` on time-out or when the worker is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<WorkerEvent> {
        self.rx.recv_timeout(timeout).ok()
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
                received_at_ms: 0,
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
}
