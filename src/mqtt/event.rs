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
    /// The payload could not be encoded by the decoder rule asked for.
    #[error("not encoded: {0}")]
    Encode(String),
}

/// The result of one [`super::PublishRequest`]. Sent on the outcome channel, which is
/// never shed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOutcome {
    pub id: u64,
    pub result: Result<Delivered, PublishError>,
    /// The topic alias the PUBLISH carried (MQTT 5), if it had one.
    pub topic_alias: Option<u16>,
}

/// Progress of a retained clean-up (a watch per run: the latest is never lost).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClearProgress {
    /// Clears the broker acknowledged.
    pub done: usize,
    /// Clears the broker refused (an ACL) or that the connection lost.
    pub refused: usize,
    pub total: usize,
    /// Set once it ended: all done, cancelled, or the connection failed.
    pub finished: bool,
    /// Why it ended early ("not connected", the broker stopped answering), if it did.
    pub error: Option<String>,
}

/// Where a replay is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayProgress {
    /// Messages the broker took (written for QoS 0, acknowledged for QoS 1 and 2).
    pub sent: u64,
    /// Messages the broker refused (MQTT 5 reason codes) or the connection lost.
    pub refused: u64,
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

    /// `delay` plus up to a quarter more, at random, so clients a broker dropped at once do
    /// not all come back in the same instant.
    pub fn jittered(delay: Duration) -> Duration {
        let quarter = u64::try_from(delay.as_millis() / 4).unwrap_or(u64::MAX);
        delay + Duration::from_millis(fastrand::u64(0..=quarter))
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
        for _ in 0..100 {
            let d = Backoff::jittered(Duration::from_millis(800));
            assert!((800..=1000).contains(&d.as_millis()), "{d:?}");
        }
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
