//! The batch linger: while messages stream, the worker hands batches on at most every
//! `batch_linger`, so that one wake-up takes many messages (see
//! [`super::ConnectionSettings::batch_linger`]).

use std::time::Duration;

/// Packets rumqttc reads from the socket in one go, at most (its `max_readb_count` less one).
pub(super) const READ_PACKETS: u32 = 9;

/// After a batch was handed on less than `linger` after the one before, waits out the
/// rest, so that what streams in meanwhile is read in one go (no wait after a quiet
/// spell). Not called after a QoS 1 or 2 message, whose acknowledgement rumqttc writes
/// on the next poll, nor while the socket holds more.
pub(super) async fn linger(linger: Duration, flushed_at: &mut Option<tokio::time::Instant>) {
    if linger.is_zero() {
        return;
    }
    let now = tokio::time::Instant::now();
    if let Some(at) = *flushed_at {
        let since = now.saturating_duration_since(at);
        if since < linger {
            tokio::time::sleep(linger - since).await;
        }
    }
    *flushed_at = Some(tokio::time::Instant::now());
}
