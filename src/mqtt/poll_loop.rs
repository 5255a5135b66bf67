//! The poll loop of one connection: it polls rumqttc, batches what arrives, decodes it by
//! the decoder rules of the moment, and hands batches to the UI channel; it answers
//! publishes, reconnects with backoff and re-subscribes on every CONNACK.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::event::{Backoff, ConnectionState};
use super::linger::{READ_PACKETS, linger};
use super::publisher::Tracker;
use super::session::{Polled, Session, poll_watched};
use super::settings::ConnectionSettings;
use super::subscriber::Subscriptions;
use super::worker::{MAX_BATCH, Outbox};
use crate::model::Incoming;

/// The poll loop of one connection, until the user disconnects or nobody listens.
pub(super) async fn run<S: Session>(
    mut session: S,
    settings: ConnectionSettings,
    (outbox, subs): (Outbox, Subscriptions),
    tracker: Arc<Tracker>,
) {
    let mut backoff = Backoff::new();
    let mut attempt = 1;
    let mut batch: Vec<Incoming> = Vec::with_capacity(MAX_BATCH);
    // When the last keep-alive ping went out with nothing heard from the broker since.
    let mut ping_at: Option<tokio::time::Instant> = None;
    // Whether "connected" was said for this connection (after every SUBACK).
    let mut subscribed = false;
    // When the last batch was handed on, for `batch_linger`.
    let mut flushed_at: Option<tokio::time::Instant> = None;
    // Events polled since rumqttc's buffer was last empty: one read from the socket.
    let mut read = 0;
    outbox.set_state(ConnectionState::Connecting { attempt });
    loop {
        let polled = poll_watched(
            &mut session,
            settings.payload_cap,
            ping_at,
            settings.keep_alive,
        )
        .await;
        ping_at = match &polled {
            Ok(Polled::PingSent) => ping_at.or_else(|| Some(tokio::time::Instant::now())),
            Ok(Polled::Other | Polled::PublishSent(_) | Polled::Disconnected) => ping_at,
            _ => None,
        };
        match polled {
            Ok(Polled::ConnAck(info)) => {
                backoff.reset();
                attempt = 1;
                let (list, ids) = subs.reconnected(info.takes_subscription_ids());
                let aliases = info.topic_alias_maximum.unwrap_or(0);
                tracker.connected(aliases, settings.topic_aliases);
                outbox.subscriptions.send_replace(Vec::new());
                outbox.broker.send_replace(Some(*info));
                // "Connected" once the subscriptions are in place (every SUBACK), so
                // whatever is published from then on arrives.
                subscribed = list.is_empty();
                if !subscribed {
                    match session.subscribe(&list, ids) {
                        Ok(()) => subs.sent(&list, ids),
                        Err(e) => {
                            tracing::warn!("subscribing failed: {e}");
                            subscribed = true;
                        }
                    }
                }
                if subscribed {
                    outbox.set_state(ConnectionState::Connected);
                }
            }
            Ok(Polled::SubAck(answered)) => {
                let all = subs.answered(answered);
                outbox.subscriptions.send_replace(subs.results());
                if !subscribed && all {
                    subscribed = true;
                    outbox.set_state(ConnectionState::Connected);
                } else {
                    outbox.events.wake();
                }
            }
            Ok(Polled::Message(m)) => {
                // A broker that delivers before its SUBACK is clearly subscribed too.
                if !subscribed {
                    subscribed = true;
                    outbox.set_state(ConnectionState::Connected);
                }
                batch.push(m);
            }
            Ok(Polled::PublishSent(pkid)) => tracker.written(pkid),
            Ok(Polled::PublishAcked(pkid, result)) => tracker.answered(pkid, result),
            Ok(Polled::Disconnected) => {
                flush(&outbox, &mut batch);
                tracker.lost();
                outbox.set_state(ConnectionState::Disconnected {
                    reason: "disconnected by user".into(),
                    retry_at: None,
                });
                return;
            }
            Ok(Polled::Other | Polled::PingSent | Polled::Heard) => {}
            Err(reason) => {
                flush(&outbox, &mut batch);
                // What was in flight is answered as lost, so rumqttc must not resend it
                // after the reconnect (its writes would be taken for newer requests).
                session.forget_pending();
                tracker.lost();
                subscribed = false;
                let delay = Backoff::jittered(backoff.next_delay());
                tracing::info!("{}: {reason}; retrying in {delay:?}", settings.address());
                retry_after(&outbox, reason, delay, &mut attempt).await;
            }
        }
        read += 1;
        let drained = !session.buffered();
        let ready = !batch.is_empty() && (batch.len() >= MAX_BATCH || drained);
        let acked = ready
            && batch
                .iter()
                .any(|m| m.message.qos != crate::model::QoS::AtMostOnce);
        if ready && !flush(&outbox, &mut batch) {
            return; // nobody listens any more
        }
        if drained {
            // A read that took rumqttc's most packets leaves more waiting: no pause then.
            let more = std::mem::take(&mut read) >= READ_PACKETS;
            if ready && !more && !acked {
                linger(settings.batch_linger, &mut flushed_at).await;
            }
        }
    }
}

/// Says why the connection is down and when the next attempt is, waits, and says it tries.
async fn retry_after(outbox: &Outbox, reason: String, delay: Duration, attempt: &mut u32) {
    outbox.set_state(ConnectionState::Disconnected {
        reason,
        retry_at: Some(Instant::now() + delay),
    });
    tokio::time::sleep(delay).await;
    *attempt += 1;
    outbox.set_state(ConnectionState::Connecting { attempt: *attempt });
}

/// Decodes the batch by the decoder rules and hands it to the tap (if any) and the UI
/// channel; false once the receiver is gone.
fn flush(outbox: &Outbox, batch: &mut Vec<Incoming>) -> bool {
    if batch.is_empty() {
        return true;
    }
    let rules = outbox.decoders.borrow().clone();
    for m in batch.iter_mut() {
        let decoded = rules.decode_incoming(m);
        m.message.payload.set_decoded(decoded);
    }
    if let Some(tap) = outbox.tap.borrow().as_ref() {
        tap(batch);
    }
    outbox.events.send(std::mem::take(batch))
}
