//! What the worker tells the app besides messages: publish outcomes, job progress,
//! subscription results and the connection state.

use std::time::{Duration, Instant};

use crate::model::QoS;

/// How a publish request reached the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// QoS 0: written to the connection (no acknowledgement exists).
    Written,
    /// QoS 1 / 2: PUBACK or PUBCOMP seen, with a success code.
    Acknowledged,
}

impl std::fmt::Display for Delivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Written => "sent",
            Self::Acknowledged => "acknowledged",
        })
    }
}

/// Why a publish request did not reach the broker.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("not connected")]
    NotConnected,
    /// The broker answered PUBACK, PUBREC or PUBCOMP with a failure code (MQTT 5).
    #[error("refused by the broker: {0}")]
    Refused(super::convert::Reason),
    #[error("connection lost before the broker acknowledged it")]
    Lost,
    /// Too many publishes are waiting for their outcome.
    #[error("the worker is busy; try again")]
    Busy,
    /// The client library did not take the request.
    #[error("{0}")]
    Client(String),
}

/// The result of one [`super::PublishRequest`]. Sent on the outcome channel, which is
/// never shed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOutcome {
    pub id: u64,
    pub result: Result<Delivered, PublishError>,
}

/// Progress of a retained clean-up (a watch per run: the latest is never lost).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearProgress {
    /// Clears the broker acknowledged.
    pub done: usize,
    pub total: usize,
    /// Set once it ended: all done, cancelled, or the connection failed.
    pub finished: bool,
}

/// The broker's answer to one subscription of the connection (its SUBACK entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionResult {
    pub filter: String,
    /// The QoS granted, or why the broker refused the filter.
    pub granted: Result<QoS, super::convert::Reason>,
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
