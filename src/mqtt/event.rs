//! Events from the worker to the app: message batches, publish results, connection state.

use std::time::{Duration, Instant};

use crate::model::Incoming;

/// What the worker reports over the bounded channel.
#[derive(Debug)]
pub enum WorkerEvent {
    /// Messages received, in order.
    Messages(Vec<Incoming>),
    /// What became of a publish request.
    Published(PublishOutcome),
    /// Progress of a retained clean-up: acknowledged clears of `total`; `finished` once
    /// it ended (all done, cancelled, or the connection failed).
    ClearProgress {
        done: usize,
        total: usize,
        finished: bool,
    },
    /// Progress of a replay; the last one has `finished` set.
    Replay(super::replay::ReplayProgress),
}

impl WorkerEvent {
    /// Messages this event carries (for drop counting).
    pub fn message_count(&self) -> u64 {
        match self {
            Self::Messages(batch) => batch.len() as u64,
            Self::Published(_) | Self::ClearProgress { .. } | Self::Replay(_) => 0,
        }
    }
}

/// The result of one [`super::PublishRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOutcome {
    pub id: u64,
    /// `Ok("sent")` for QoS 0 once written, `Ok("acknowledged")` once PUBACK/PUBCOMP is
    /// seen, or the error in words.
    pub result: Result<&'static str, String>,
}

/// The connection as the user should see it. Published through a watch channel so the
/// latest state is never lost to a full event channel.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ConnectionState {
    /// No connection was asked for.
    #[default]
    Idle,
    /// Opening the connection (attempt number, from 1).
    Connecting { attempt: u32 },
    /// CONNACK received and subscriptions sent.
    Connected,
    /// Not connected; why, and when the next attempt is (none after a user disconnect).
    Disconnected {
        reason: String,
        retry_at: Option<Instant>,
    },
}

impl ConnectionState {
    /// The state in words, e.g. "disconnected: connection refused, retrying in 3 s".
    pub fn describe(&self, now: Instant) -> String {
        match self {
            Self::Idle => "not connected".into(),
            Self::Connecting { attempt: 1 } => "connecting…".into(),
            Self::Connecting { attempt } => format!("connecting… (attempt {attempt})"),
            Self::Connected => "connected".into(),
            Self::Disconnected {
                reason,
                retry_at: None,
            } => format!("disconnected: {reason}"),
            Self::Disconnected {
                reason,
                retry_at: Some(at),
            } => {
                let secs = at.saturating_duration_since(now).as_secs_f64().ceil() as u64;
                format!("disconnected: {reason}, retrying in {secs} s")
            }
        }
    }

    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected)
    }

    /// Whether the worker is connected or trying to be.
    pub fn is_active(&self) -> bool {
        match self {
            Self::Idle => false,
            Self::Disconnected { retry_at, .. } => retry_at.is_some(),
            Self::Connecting { .. } | Self::Connected => true,
        }
    }
}

/// Capped exponential backoff between connection attempts.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_millis(500);
    pub const MAX: Duration = Duration::from_secs(10);

    pub fn new() -> Self {
        Self { next: Self::FIRST }
    }

    /// The delay before the next attempt; each call doubles the one after, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        now
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = Backoff::new();
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        b.reset();
        assert_eq!(b.next_delay(), Backoff::FIRST);
    }

    #[test]
    fn states_in_words() {
        let now = Instant::now();
        let s = ConnectionState::Disconnected {
            reason: "connection refused".into(),
            retry_at: Some(now + Duration::from_millis(2500)),
        };
        assert_eq!(
            s.describe(now),
            "disconnected: connection refused, retrying in 3 s"
        );
        assert_eq!(ConnectionState::Connected.describe(now), "connected");
        assert!(!ConnectionState::Idle.is_active());
    }
}
