//! The poll loop driven by a scripted fake [`Session`] under tokio's paused clock:
//! reconnect with backoff, re-subscribe on every CONNACK, refusals, lost publishes, and the
//! keep-alive watchdog. No network: what a real broker does is tested in tests/.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::*;
use crate::model::QoS;
use crate::mqtt::channel::{EventReceiver, OutcomeReceiver};
use crate::mqtt::convert::Reason;
use crate::mqtt::event::Delivered;
use crate::mqtt::session::{Polled, Session};
use crate::mqtt::settings::Subscription;

/// One scripted poll: wait this long, then yield this (or never yield).
enum Step {
    After(Duration, Result<Polled, String>),
    Hang,
}

struct Fake {
    script: VecDeque<Step>,
    /// Events one socket read yields (0: one each), as rumqttc's buffer shows them.
    read_size: usize,
    polls: usize,
    subscribes: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

/// An MQTT 5 CONNACK with no properties.
fn connack() -> Polled {
    Polled::ConnAck(Box::new(crate::mqtt::BrokerInfo::v5(false, None)))
}

impl Session for Fake {
    async fn poll(&mut self, _payload_cap: usize) -> Result<Polled, String> {
        self.polls += 1;
        match self.script.pop_front() {
            Some(Step::After(wait, result)) => {
                tokio::time::sleep(wait).await;
                result
            }
            Some(Step::Hang) | None => std::future::pending().await,
        }
    }

    fn buffered(&self) -> bool {
        self.read_size > 0 && !self.polls.is_multiple_of(self.read_size)
    }

    fn subscribe(&self, _subscriptions: &[Subscription], _ids: bool) -> Result<(), String> {
        self.subscribes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn drop_connection(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }

    fn forget_pending(&mut self) {}
}

struct Rig {
    events: EventReceiver,
    outcomes: OutcomeReceiver,
    state: watch::Receiver<ConnectionState>,
    subscriptions: watch::Receiver<Vec<SubscriptionResult>>,
    tracker: Arc<Tracker>,
    subscribes: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    /// The decoder rules the loop applies.
    decoders: watch::Sender<Arc<DecoderRules>>,
}

/// Starts the poll loop on `script` with two subscriptions and a 10 s keep-alive.
fn start_loop(script: Vec<Step>) -> Rig {
    start_loop_with(script, Duration::ZERO)
}

/// The same, handing batches on at most every `linger` while messages stream.
fn start_loop_with(script: Vec<Step>, linger: Duration) -> Rig {
    start_loop_reads(script, linger, 0)
}

/// The same, with socket reads of `read_size` events.
fn start_loop_reads(script: Vec<Step>, linger: Duration, read_size: usize) -> Rig {
    let waker: Waker = Arc::new(|| {});
    let (events_tx, events) = channel(16, waker.clone());
    let (outcomes_tx, outcomes) = outcome_channel(waker);
    let (state_tx, state) = watch::channel(ConnectionState::Idle);
    let (subs_tx, subscriptions) = watch::channel(Vec::new());
    let (decoders, decoders_rx) = watch::channel(Arc::new(DecoderRules::default()));
    let outbox = Outbox {
        events: events_tx,
        outcomes: outcomes_tx.clone(),
        state: state_tx,
        subscriptions: subs_tx,
        broker: watch::channel(None).0,
        decoders: decoders_rx,
        tap: watch::channel(None).1,
    };
    let tracker = Tracker::new(outcomes_tx);
    let subscribes = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let fake = Fake {
        script: script.into(),
        read_size,
        polls: 0,
        subscribes: subscribes.clone(),
        drops: drops.clone(),
    };
    let mut settings = ConnectionSettings::new("127.0.0.1", 1883);
    settings.keep_alive = Duration::from_secs(10);
    settings.batch_linger = linger;
    settings.subscriptions = vec![
        Subscription::new("#", QoS::AtMostOnce),
        Subscription::new("secret/#", QoS::AtLeastOnce),
    ];
    let subs = crate::mqtt::subscriber::Subscriptions::new(settings.subscriptions.clone(), false);
    tokio::spawn(run(fake, settings, (outbox, subs), tracker.clone()));
    Rig {
        events,
        outcomes,
        state,
        subscriptions,
        tracker,
        subscribes,
        drops,
        decoders,
    }
}

fn ok(p: Polled) -> Step {
    Step::After(Duration::from_millis(1), Ok(p))
}

fn fail(why: &str) -> Step {
    Step::After(Duration::from_millis(1), Err(why.into()))
}

fn granted() -> Polled {
    Polled::SubAck(vec![Ok(QoS::AtMostOnce), Ok(QoS::AtLeastOnce)])
}

/// Records each state change with the (paused) time it was seen, until `last` matches.
async fn states_until(
    state: &mut watch::Receiver<ConnectionState>,
    mut last: impl FnMut(&ConnectionState) -> bool,
) -> Vec<(Duration, ConnectionState)> {
    let start = Instant::now();
    let mut seen = vec![(Duration::ZERO, state.borrow_and_update().clone())];
    while !last(&seen[seen.len() - 1].1) {
        if state.changed().await.is_err() {
            break;
        }
        seen.push((start.elapsed(), state.borrow_and_update().clone()));
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn reconnects_with_backoff_and_resubscribes_on_every_connack() {
    let mut rig = start_loop(vec![
        ok(connack()),
        ok(granted()),
        fail("connection closed by the broker"),
        fail("connection refused"),
        ok(connack()),
        ok(granted()),
        Step::Hang,
    ]);
    let mut connected = 0;
    let seen = states_until(&mut rig.state, |s| {
        connected += usize::from(s.is_connected());
        connected == 2
    })
    .await;
    let at = |pred: &dyn Fn(&ConnectionState) -> bool, nth: usize| {
        seen.iter()
            .filter(|(_, s)| pred(s))
            .nth(nth)
            .map(|(t, _)| *t)
    };
    let lost = |s: &ConnectionState| matches!(s, ConnectionState::Disconnected { .. });
    let attempt = |n| move |s: &ConnectionState| *s == ConnectionState::Connecting { attempt: n };
    let (l1, a2) = (at(&lost, 0).unwrap(), at(&attempt(2), 0).unwrap());
    let (l2, a3) = (at(&lost, 1).unwrap(), at(&attempt(3), 0).unwrap());
    assert!(a2 - l1 >= Duration::from_millis(500), "{seen:?}");
    assert!(
        a3 - l2 >= Duration::from_millis(1000),
        "backoff doubles: {seen:?}"
    );
    assert_eq!(rig.subscribes.load(Ordering::Relaxed), 2, "re-subscribed");
    assert!(matches!(
        &seen[seen.len() - 1].1,
        ConnectionState::Connected
    ));
}

#[tokio::test(start_paused = true)]
async fn refusals_are_outcomes_in_words_and_suback_failures_show_per_filter() {
    let not_authorized = Reason {
        code: 0x87,
        words: "not authorized",
    };
    let rig = start_loop(vec![
        ok(connack()),
        ok(Polled::SubAck(vec![
            Ok(QoS::AtMostOnce),
            Err(not_authorized),
        ])),
        ok(Polled::PublishSent(7)),
        ok(Polled::PublishAcked(
            7,
            Err(PublishError::Refused(not_authorized)),
        )),
        ok(Polled::PublishSent(8)),
        ok(Polled::PublishAcked(8, Ok(()))),
        Step::Hang,
    ]);
    rig.tracker.expect(1, QoS::ExactlyOnce);
    rig.tracker.expect(2, QoS::AtLeastOnce);
    for _ in 0..2 {
        assert!(rig.outcomes.admit());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let refused = rig.outcomes.try_recv().expect("an outcome for the refusal");
    assert_eq!(refused.id, 1);
    let e = refused.result.unwrap_err();
    assert_eq!(
        e.to_string(),
        "refused by the broker: not authorized (0x87)"
    );
    let fine = rig.outcomes.try_recv().expect("an outcome for the success");
    assert_eq!((fine.id, fine.result), (2, Ok(Delivered::Acknowledged)));
    let subs = rig.subscriptions.borrow().clone();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].granted, Ok(QoS::AtMostOnce));
    assert_eq!(subs[1].filter, "secret/#");
    assert_eq!(subs[1].granted, Err(not_authorized));
    assert!(rig.state.borrow().is_connected());
    assert_eq!(rig.events.dropped(), 0);
}

#[tokio::test(start_paused = true)]
async fn publishes_in_flight_when_the_connection_drops_are_answered_as_lost() {
    let rig = start_loop(vec![
        ok(connack()),
        ok(granted()),
        ok(Polled::PublishSent(3)),
        fail("connection closed by the broker"),
        Step::Hang,
    ]);
    rig.tracker.expect(10, QoS::AtLeastOnce);
    rig.tracker.expect(11, QoS::AtMostOnce);
    for _ in 0..2 {
        assert!(rig.outcomes.admit());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut answered: Vec<(u64, Result<Delivered, PublishError>)> =
        std::iter::from_fn(|| rig.outcomes.try_recv())
            .map(|o| (o.id, o.result))
            .collect();
    answered.sort_by_key(|(id, _)| *id);
    assert_eq!(
        answered,
        [(10, Err(PublishError::Lost)), (11, Err(PublishError::Lost))]
    );
    assert_eq!(rig.outcomes.outstanding(), 0, "each answered exactly once");
}

#[tokio::test(start_paused = true)]
async fn a_broker_that_stops_answering_pings_is_dropped_after_half_a_keep_alive() {
    let mut rig = start_loop(vec![
        ok(connack()),
        ok(granted()),
        ok(Polled::PingSent),
        Step::Hang,
    ]);
    let seen = states_until(&mut rig.state, |s| {
        matches!(s, ConnectionState::Disconnected { .. })
    })
    .await;
    let (when, last) = &seen[seen.len() - 1];
    let ConnectionState::Disconnected { reason, retry_at } = last else {
        unreachable!()
    };
    assert_eq!(
        reason,
        "the broker stopped answering (no reply 5.0 s after a keep-alive ping)"
    );
    assert!(retry_at.is_some(), "it retries");
    assert!(*when >= Duration::from_secs(5) && *when < Duration::from_secs(6));
    assert_eq!(rig.drops.load(Ordering::Relaxed), 1);
}

fn message(qos: QoS) -> Step {
    message_on("sensors/t", b"21.5", qos)
}

fn message_on(topic: &str, payload: &[u8], qos: QoS) -> Step {
    ok(Polled::Message(crate::model::Incoming {
        topic: topic.into(),
        message: crate::model::Message {
            received_at_us: 0,
            qos,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: crate::model::payload::Payload::decode(payload, 1 << 20),
            properties: None,
        },
    }))
}

/// Each batch's (paused) arrival time and size, until `n` messages came.
async fn batches_until(events: &EventReceiver, n: usize) -> Vec<(Duration, usize)> {
    let start = Instant::now();
    let (mut got, mut seen) = (0, Vec::new());
    while got < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{got} of {n}: {seen:?}"
        );
        while let Some(b) = events.try_recv() {
            got += b.len();
            seen.push((start.elapsed(), b.len()));
        }
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
    seen
}

/// Messages a millisecond apart after the connection is up, then silence.
fn stream(qos: QoS, n: usize) -> Vec<Step> {
    let mut script = vec![ok(connack()), ok(granted())];
    script.extend((0..n).map(|_| message(qos)));
    script.push(Step::Hang);
    script
}

#[tokio::test(start_paused = true)]
async fn a_linger_spaces_batches_while_messages_stream() {
    let rig = start_loop_with(stream(QoS::AtMostOnce, 20), Duration::from_millis(5));
    let seen = batches_until(&rig.events, 20).await;
    // The first is handed on at once; from the next on, at most one batch every 5 ms (the
    // fake session yields a message per poll, so here they are spaced, not gathered).
    assert!(seen[0].0 < Duration::from_millis(5), "{seen:?}");
    for pair in seen[1..].windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= Duration::from_millis(5),
            "{seen:?}"
        );
    }
    // Without a linger the same stream is handed on a millisecond apart.
    let rig = start_loop(stream(QoS::AtMostOnce, 20));
    let unpaced = batches_until(&rig.events, 20).await;
    assert!(
        unpaced[unpaced.len() - 1].0 < Duration::from_millis(30),
        "{unpaced:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_linger_after_messages_that_need_an_acknowledgement() {
    let rig = start_loop_with(stream(QoS::AtLeastOnce, 20), Duration::from_millis(5));
    let seen = batches_until(&rig.events, 20).await;
    // Each QoS 1 message is handed on as it comes (a millisecond apart), so its PUBACK
    // goes out on the next poll.
    let last = seen[seen.len() - 1].0;
    assert!(last < Duration::from_millis(30), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn a_message_after_a_quiet_spell_is_handed_on_at_once() {
    let mut script = vec![ok(connack()), ok(granted()), message(QoS::AtMostOnce)];
    script.push(Step::After(
        Duration::from_secs(1),
        Ok(Polled::Message(crate::model::Incoming {
            topic: "sensors/t".into(),
            message: crate::model::Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: crate::model::payload::Payload::decode(b"22", 16),
                properties: None,
            },
        })),
    ));
    script.push(Step::Hang);
    let rig = start_loop_with(script, Duration::from_millis(5));
    let seen = batches_until(&rig.events, 2).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    let gap = seen[1].0 - seen[0].0;
    assert!(
        gap >= Duration::from_secs(1) && gap < Duration::from_millis(1002),
        "{seen:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_linger_while_reads_come_full() {
    // ConnAck and SubAck, then 88 messages waiting in the socket: ten reads of nine.
    let mut script = vec![ok(connack()), ok(granted())];
    script.extend((0..88).map(|_| match message(QoS::AtMostOnce) {
        Step::After(_, m) => Step::After(Duration::ZERO, m),
        hang => hang,
    }));
    script.push(Step::Hang);
    let rig = start_loop_reads(script, Duration::from_millis(5), 9);
    let seen = batches_until(&rig.events, 88).await;
    // Read on at once after a full read: a pause there would cap the rate at nine
    // messages a linger (1,800 msg/s) and let the broker's queue overflow.
    assert!(
        seen[seen.len() - 1].0 < Duration::from_millis(5),
        "{seen:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn messages_are_decoded_once_on_the_worker_by_the_rules_of_the_moment() {
    let mut script = vec![ok(connack()), ok(granted())];
    script.push(message_on("hex/1", b"6869", QoS::AtMostOnce));
    script.push(message_on("other/1", b"6869", QoS::AtMostOnce));
    script.push(Step::After(
        Duration::from_secs(1),
        Ok(Polled::Message(crate::model::Incoming {
            topic: "hex/2".into(),
            message: crate::model::Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: crate::model::payload::Payload::decode(b"6869", 16),
                properties: None,
            },
        })),
    ));
    script.push(Step::Hang);
    let rig = start_loop(script);
    rig.decoders
        .send_replace(Arc::new(DecoderRules::parse(["hex/#=hex+text"]).unwrap()));
    let mut got = Vec::new();
    let start = Instant::now();
    while got.len() < 2 && start.elapsed() < Duration::from_millis(900) {
        while let Some(b) = rig.events.try_recv() {
            got.extend(b);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let decoded = |m: &crate::model::Incoming| {
        m.message
            .payload
            .decoded()
            .map(|d| (d.by.to_string(), d.result.clone()))
    };
    assert_eq!(
        decoded(&got[0]),
        Some(("hex+text".to_string(), Ok("\"hi\"".into())))
    );
    assert_eq!(decoded(&got[1]), None, "no rule for other/#");
    // Rules changed while connected apply to the next message.
    rig.decoders.send_replace(Arc::new(DecoderRules::default()));
    while got.len() < 3 && start.elapsed() < Duration::from_secs(5) {
        while let Some(b) = rig.events.try_recv() {
            got.extend(b);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(decoded(&got[2]), None);
}
