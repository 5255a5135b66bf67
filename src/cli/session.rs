//! The headless worker the command-line companions share: started without a window to wake,
//! connected once (a command-line tool reports the first failure instead of retrying), and
//! disconnected politely at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::mqtt::{ConnectionSettings, ConnectionState, WorkerCommand, WorkerHandle};

/// Why a companion got no connection to work with.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot start the worker: {0}")]
    Start(std::io::Error),
    /// The connection state in words ("disconnected: connection refused …").
    #[error("could not connect: {0}")]
    Connect(String),
}

/// A worker connected with `settings`, decoding what arrives by `rules`, or why there is
/// none after `timeout`.
pub fn connect(
    settings: ConnectionSettings,
    rules: crate::model::decode::rules::DecoderRules,
    timeout: Duration,
) -> Result<WorkerHandle, SessionError> {
    connect_tapped(settings, (rules, None), timeout)
}

/// The same, with `tap` seeing every batch from the first (`sub --store`).
pub fn connect_tapped(
    settings: ConnectionSettings,
    (rules, tap): (
        crate::model::decode::rules::DecoderRules,
        Option<crate::mqtt::Tap>,
    ),
    timeout: Duration,
) -> Result<WorkerHandle, SessionError> {
    let mut worker = WorkerHandle::spawn(Arc::new(|| {})).map_err(SessionError::Start)?;
    worker.set_decoders(rules);
    worker.set_tap(tap);
    worker.send(WorkerCommand::Connect(Box::new(settings)));
    let settled = |s: &ConnectionState| {
        matches!(
            s,
            ConnectionState::Connected | ConnectionState::Disconnected { .. }
        )
    };
    match worker.wait_state(timeout, settled) {
        ConnectionState::Connected => Ok(worker),
        other => Err(SessionError::Connect(other.describe(Instant::now()))),
    }
}

/// Disconnects and waits a moment for the goodbye to go out.
pub fn disconnect(worker: WorkerHandle) {
    disconnect_within(worker, Duration::from_millis(500));
}

/// Disconnects and waits up to `wait` for the connection to end: for a caller that
/// connects again with the same client id next, which must not take the old one over.
pub fn disconnect_within(mut worker: WorkerHandle, wait: Duration) {
    worker.send(WorkerCommand::Disconnect);
    worker.wait_state(wait, |s| !s.is_active());
}
