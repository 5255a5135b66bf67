//! The client worker: a supervisor task takes commands, a connection task polls rumqttc.
//!
//! The poll loop never blocks: received messages are batched and handed to the bounded
//! event channel with `try_send`; state changes go through a watch channel. After a
//! connection error it waits with capped exponential backoff, and it re-subscribes on
//! every CONNACK.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::channel::{EventReceiver, EventSender, Waker, channel};
use super::command::{PublishRequest, WorkerCommand};
use super::event::{Backoff, ConnectionState, PublishOutcome, WorkerEvent};
use super::settings::{ConnectionSettings, MqttVersion, Subscription};
use crate::model::message::now_us;
use crate::model::{Incoming, Message, Payload, Properties, QoS};

/// Most messages in one batch sent to the UI.
const MAX_BATCH: usize = 1024;
/// Events the channel holds. Messages are bounded separately (by count, see
/// `channel::MAX_QUEUED_MESSAGES`), so this is generous: publish outcomes and clean-up
/// progress are small and must not be dropped because a burst of small batches came first.
const CHANNEL_BATCHES: usize = 16_384;
/// Requests rumqttc queues between the command task and its event loop.
const REQUEST_CAPACITY: usize = 1024;

/// The app's handle on the worker thread. Dropping it stops the worker.
pub struct WorkerHandle {
    commands: mpsc::Sender<WorkerCommand>,
    /// Events from the worker, drained by the app under a time budget.
    pub events: EventReceiver,
    state: watch::Receiver<ConnectionState>,
}

impl WorkerHandle {
    /// Starts the "mqtt" thread. `waker` is called whenever an event or state change is
    /// ready.
    pub fn spawn(waker: Waker) -> io::Result<Self> {
        let (commands, command_rx) = mpsc::channel(256);
        let (events_tx, events) = channel(CHANNEL_BATCHES, waker);
        let (state_tx, state) = watch::channel(ConnectionState::Idle);
        crate::runtime::spawn_runtime_thread("mqtt", supervise(command_rx, events_tx, state_tx))?;
        Ok(Self {
            commands,
            events,
            state,
        })
    }

    /// Sends a command without waiting; false when the queue is full or the worker ended.
    pub fn send(&self, command: WorkerCommand) -> bool {
        self.commands.try_send(command).is_ok()
    }

    /// The latest connection state.
    pub fn state(&self) -> ConnectionState {
        self.state.borrow().clone()
    }

    /// Waits (blocking the caller, so not for the UI thread) until the state satisfies
    /// `done` or `timeout` passes; returns the last state seen.
    pub fn wait_state(
        &mut self,
        timeout: Duration,
        done: impl Fn(&ConnectionState) -> bool,
    ) -> ConnectionState {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.state();
            if done(&state) || Instant::now() >= deadline {
                return state;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.commands.try_send(WorkerCommand::Shutdown);
    }
}

/// Publish requests handed to rumqttc whose packet id is not known yet, in order.
pub(super) type Queued = Arc<Mutex<VecDeque<(u64, QoS)>>>;

/// Request ids of the worker's own publishes, retained clean-up and replay: no event each;
/// their acknowledgements are counted in [`Live::quiet_acked`] instead, one count each, so
/// a clean-up and a replay running at once do not count each other's.
pub(super) const QUIET_ID: u64 = u64::MAX;
pub(super) const REPLAY_ID: u64 = u64::MAX - 1;

/// Acknowledged internal publishes: `[clean-up, replay]`.
pub(super) type Acked = Arc<[AtomicU64; 2]>;

/// Which count of [`Acked`] an internal request id goes to; `None` for the user's.
fn internal(id: u64) -> Option<usize> {
    match id {
        QUIET_ID => Some(0),
        REPLAY_ID => Some(1),
        _ => None,
    }
}

/// The client side of a live connection.
#[derive(Clone)]
pub(super) enum Client {
    V311(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// A connection the supervisor is running.
struct Live {
    client: Client,
    task: JoinHandle<()>,
    queued: Queued,
    /// Acknowledged internal publishes (see [`QUIET_ID`]).
    quiet_acked: Acked,
}

async fn supervise(
    mut commands: mpsc::Receiver<WorkerCommand>,
    events: EventSender,
    state: watch::Sender<ConnectionState>,
) {
    let mut live: Option<Live> = None;
    let mut demo: Option<JoinHandle<()>> = None;
    let mut clearing: Option<JoinHandle<()>> = None;
    let mut replaying: Option<JoinHandle<()>> = None;
    while let Some(command) = commands.recv().await {
        match command {
            WorkerCommand::Connect(settings) => {
                if let Some(old) = live.take() {
                    stop(old).await;
                }
                live = match start(*settings, events.clone(), state.clone()) {
                    Ok(l) => Some(l),
                    Err(reason) => {
                        // Nothing to retry: the settings themselves are wrong.
                        set_state(
                            &state,
                            &events,
                            ConnectionState::Disconnected {
                                reason,
                                retry_at: None,
                            },
                        );
                        None
                    }
                };
            }
            WorkerCommand::Disconnect => {
                if let Some(old) = live.take() {
                    stop(old).await;
                }
                set_state(
                    &state,
                    &events,
                    ConnectionState::Disconnected {
                        reason: "disconnected by user".into(),
                        retry_at: None,
                    },
                );
            }
            WorkerCommand::Publish(request) => {
                let result = match &live {
                    Some(l) if state.borrow().is_connected() => publish(l, &request).await,
                    _ => Err("not connected".to_string()),
                };
                if let Err(e) = result {
                    events.send(WorkerEvent::Published(PublishOutcome {
                        id: request.id,
                        result: Err(e),
                    }));
                }
            }
            WorkerCommand::ClearRetained { topics, cancel } => {
                if let Some(old) = clearing.take() {
                    old.abort();
                }
                let total = topics.len();
                match &live {
                    Some(l) if state.borrow().is_connected() => {
                        let task = clear_retained(l, topics, cancel, events.clone());
                        clearing = Some(tokio::spawn(task));
                    }
                    _ => {
                        events.send(WorkerEvent::ClearProgress {
                            done: 0,
                            total,
                            finished: true,
                        });
                    }
                }
            }
            WorkerCommand::Replay(request) => {
                if let Some(old) = replaying.take() {
                    old.abort();
                }
                match &live {
                    Some(l) if state.borrow().is_connected() => {
                        let task = super::replay::replay(
                            l.client.clone(),
                            l.queued.clone(),
                            l.quiet_acked.clone(),
                            *request,
                            events.clone(),
                        );
                        replaying = Some(tokio::spawn(task));
                    }
                    _ => {
                        events.send(WorkerEvent::Replay(super::replay::ReplayProgress {
                            finished: true,
                            error: Some("not connected".into()),
                            ..Default::default()
                        }));
                    }
                }
            }
            WorkerCommand::Demo(target) => {
                if let Some(old) = demo.take() {
                    old.abort();
                }
                demo = target.map(|settings| tokio::spawn(super::demo::run(*settings)));
            }
            WorkerCommand::Shutdown => break,
        }
    }
    for task in [demo.take(), clearing.take(), replaying.take()]
        .into_iter()
        .flatten()
    {
        task.abort();
    }
    if let Some(old) = live.take() {
        stop(old).await;
    }
}

fn set_state(state: &watch::Sender<ConnectionState>, events: &EventSender, new: ConnectionState) {
    state.send_replace(new);
    events.wake();
}

/// Starts a connection task; `Err` when the settings cannot become options (e.g. an
/// unreadable certificate file), in words.
fn start(
    settings: ConnectionSettings,
    events: EventSender,
    state: watch::Sender<ConnectionState>,
) -> Result<Live, String> {
    let queued = Queued::default();
    let quiet_acked: Acked = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let acked = quiet_acked.clone();
    let (client, task) = match settings.version {
        MqttVersion::V311 => {
            let (client, eventloop) =
                rumqttc::AsyncClient::new(settings.v311_options()?, REQUEST_CAPACITY);
            let session = V311Session {
                client: client.clone(),
                eventloop,
            };
            let task = tokio::spawn(run(session, settings, events, state, queued.clone(), acked));
            (Client::V311(client), task)
        }
        MqttVersion::V5 => {
            let (client, eventloop) =
                rumqttc::v5::AsyncClient::new(settings.v5_options()?, REQUEST_CAPACITY);
            let session = V5Session {
                client: client.clone(),
                eventloop,
            };
            let task = tokio::spawn(run(session, settings, events, state, queued.clone(), acked));
            (Client::V5(client), task)
        }
    };
    Ok(Live {
        client,
        task,
        queued,
        quiet_acked,
    })
}

/// Sends DISCONNECT and gives the connection a moment to end cleanly, then ends it.
async fn stop(live: Live) {
    let Live {
        client, mut task, ..
    } = live;
    let _ = match &client {
        Client::V311(c) => c.try_disconnect().map_err(|e| e.to_string()),
        Client::V5(c) => c.try_disconnect().map_err(|e| e.to_string()),
    };
    if tokio::time::timeout(Duration::from_millis(500), &mut task)
        .await
        .is_err()
    {
        task.abort();
        let _ = task.await;
    }
}

async fn publish(live: &Live, request: &PublishRequest) -> Result<(), String> {
    send_publish(&live.client, &live.queued, request).await
}

/// Hands one publish to rumqttc, recording it in `queued` so its packet id and
/// acknowledgement can be matched to the request.
pub(super) async fn send_publish(
    client: &Client,
    queued: &Queued,
    request: &PublishRequest,
) -> Result<(), String> {
    queued
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push_back((request.id, request.qos));
    let result = match client {
        Client::V311(c) => c
            .publish(
                &request.topic,
                v311_qos(request.qos),
                request.retain,
                request.payload.clone(),
            )
            .await
            .map_err(|e| e.to_string()),
        Client::V5(c) => {
            let qos = v5_qos(request.qos);
            let topic = request.topic.clone();
            let payload = request.payload.clone();
            match &request.properties {
                Some(p) => {
                    c.publish_with_properties(topic, qos, request.retain, payload, v5_props(p))
                        .await
                }
                None => c.publish(topic, qos, request.retain, payload).await,
            }
            .map_err(|e| e.to_string())
        }
    };
    if result.is_err() {
        queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_back();
    }
    result
}

/// Clears the retained message of each topic: empty retained publishes at QoS 1, as many in
/// flight as the client allows, progress reported every 100 ms, until all are acknowledged,
/// `cancel` is set, or acknowledgements stop coming for 10 s.
fn clear_retained(
    live: &Live,
    topics: Vec<String>,
    cancel: Arc<AtomicBool>,
    events: EventSender,
) -> impl Future<Output = ()> + Send + 'static {
    let client = live.client.clone();
    let queued = live.queued.clone();
    let acked = live.quiet_acked.clone();
    async move {
        let total = topics.len();
        let base = acked[0].load(Ordering::Relaxed);
        let done = || (acked[0].load(Ordering::Relaxed) - base) as usize;
        let progress = |finished| WorkerEvent::ClearProgress {
            done: done(),
            total,
            finished,
        };
        let mut reported = Instant::now();
        let mut sent = 0;
        for topic in topics {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let request = PublishRequest {
                id: QUIET_ID,
                topic,
                payload: Vec::new(),
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: None,
            };
            if send_publish(&client, &queued, &request).await.is_err() {
                break;
            }
            sent += 1;
            if reported.elapsed() > Duration::from_millis(100) {
                events.send(progress(false));
                reported = Instant::now();
            }
        }
        let mut last = (done(), Instant::now());
        while done() < sent && !cancel.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if done() != last.0 {
                last = (done(), Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(10) {
                break;
            }
            if reported.elapsed() > Duration::from_millis(100) {
                events.send(progress(false));
                reported = Instant::now();
            }
        }
        events.send(progress(true));
    }
}

/// One step of a connection, the same for both protocol versions.
enum Polled {
    ConnAck,
    Message(Incoming),
    /// A PUBLISH was written with this packet id (0 for QoS 0).
    PublishSent(u16),
    /// PUBACK (QoS 1) or PUBCOMP (QoS 2) for this packet id, or a refusal in words.
    PublishAcked(u16, Result<(), String>),
    /// Our DISCONNECT was written: the user asked to stop.
    Disconnected,
    /// A keep-alive PINGREQ was written: the broker must answer soon.
    PingSent,
    /// Some other packet came from the broker (it is alive).
    Heard,
    /// SUBACK: the subscriptions are in place.
    SubAck,
    Other,
}

/// What the poll loop needs from a rumqttc event loop.
trait Session: Send + 'static {
    fn poll(&mut self, payload_cap: usize) -> impl Future<Output = Result<Polled, String>> + Send;
    /// Whether events are already buffered (the next poll will not wait).
    fn buffered(&self) -> bool;
    fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), String>;
    /// Drops the network connection at once (the next poll reconnects).
    fn drop_connection(&mut self);
}

/// Polls `session`; when a keep-alive ping has gone unanswered for half a keep-alive,
/// drops the connection and says so. rumqttc alone notices only at the next ping, up to
/// two keep-alives after a broker froze; this way the user hears within 1.5.
async fn poll_watched<S: Session>(
    session: &mut S,
    payload_cap: usize,
    ping_at: Option<Instant>,
    keep_alive: Duration,
) -> Result<Polled, String> {
    let Some(sent) = ping_at.filter(|_| !keep_alive.is_zero()) else {
        return session.poll(payload_cap).await;
    };
    let grace = keep_alive / 2;
    let deadline = tokio::time::Instant::from_std(sent + grace);
    match tokio::time::timeout_at(deadline, session.poll(payload_cap)).await {
        Ok(polled) => polled,
        Err(_) => {
            session.drop_connection();
            Err(format!(
                "the broker stopped answering (no reply {:.1} s after a keep-alive ping)",
                grace.as_secs_f64()
            ))
        }
    }
}

async fn run<S: Session>(
    mut session: S,
    settings: ConnectionSettings,
    events: EventSender,
    state: watch::Sender<ConnectionState>,
    queued: Queued,
    quiet_acked: Acked,
) {
    let mut backoff = Backoff::new();
    let mut attempt = 1;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Packet id → publish request id, waiting for PUBACK/PUBCOMP.
    let mut awaiting: HashMap<u16, u64> = HashMap::new();
    let outcome = |id, result| WorkerEvent::Published(PublishOutcome { id, result });
    // When the last keep-alive ping went out with nothing heard from the broker since.
    let mut ping_at: Option<Instant> = None;
    // Whether "connected" was said for this connection (after SUBACK).
    let mut subscribed = false;
    set_state(&state, &events, ConnectionState::Connecting { attempt });
    loop {
        let polled = poll_watched(
            &mut session,
            settings.payload_cap,
            ping_at,
            settings.keep_alive,
        )
        .await;
        ping_at = match &polled {
            Ok(Polled::PingSent) => ping_at.or_else(|| Some(Instant::now())),
            Ok(Polled::Other | Polled::PublishSent(_) | Polled::Disconnected) => ping_at,
            _ => None,
        };
        match polled {
            Ok(Polled::ConnAck) => {
                backoff.reset();
                attempt = 1;
                // "Connected" once the subscriptions are in place (SUBACK), so whatever is
                // published from then on arrives.
                subscribed = settings.subscriptions.is_empty();
                if !subscribed && let Err(e) = session.subscribe(&settings.subscriptions) {
                    tracing::warn!("subscribing failed: {e}");
                    subscribed = true;
                }
                if subscribed {
                    set_state(&state, &events, ConnectionState::Connected);
                }
            }
            // A broker that delivers before its SUBACK is clearly subscribed too.
            Ok(Polled::SubAck | Polled::Message(_)) if !subscribed => {
                subscribed = true;
                set_state(&state, &events, ConnectionState::Connected);
                if let Ok(Polled::Message(m)) = polled {
                    batch.push(m);
                }
            }
            Ok(Polled::SubAck) => {}
            Ok(Polled::Message(m)) => batch.push(m),
            Ok(Polled::PublishSent(pkid)) => {
                let next = queued
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                match next {
                    Some((id, QoS::AtMostOnce)) => match internal(id) {
                        Some(k) => {
                            quiet_acked[k].fetch_add(1, Ordering::Relaxed);
                        }
                        None => {
                            events.send(outcome(id, Ok("sent")));
                        }
                    },
                    Some((id, _)) => {
                        awaiting.insert(pkid, id);
                    }
                    None => {}
                }
            }
            Ok(Polled::PublishAcked(pkid, result)) => {
                if let Some(id) = awaiting.remove(&pkid) {
                    match internal(id) {
                        Some(k) => {
                            quiet_acked[k].fetch_add(1, Ordering::Relaxed);
                        }
                        None => {
                            events.send(outcome(id, result.map(|()| "acknowledged")));
                        }
                    }
                }
            }
            Ok(Polled::Disconnected) => {
                flush(&events, &mut batch);
                set_state(
                    &state,
                    &events,
                    ConnectionState::Disconnected {
                        reason: "disconnected by user".into(),
                        retry_at: None,
                    },
                );
                return;
            }
            Ok(Polled::Other | Polled::PingSent | Polled::Heard) => {}
            Err(reason) => {
                flush(&events, &mut batch);
                let lost = "connection lost before the broker acknowledged it";
                let waiting: Vec<u64> = {
                    let mut q = queued.lock().unwrap_or_else(PoisonError::into_inner);
                    q.drain(..)
                        .map(|(id, _)| id)
                        .chain(awaiting.drain().map(|(_, id)| id))
                        .collect()
                };
                for id in waiting.into_iter().filter(|&id| internal(id).is_none()) {
                    events.send(outcome(id, Err(lost.to_string())));
                }
                let delay = backoff.next_delay();
                tracing::info!("{}: {reason}; retrying in {delay:?}", settings.address());
                set_state(
                    &state,
                    &events,
                    ConnectionState::Disconnected {
                        reason,
                        retry_at: Some(Instant::now() + delay),
                    },
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
                set_state(&state, &events, ConnectionState::Connecting { attempt });
            }
        }
        let ready = !batch.is_empty() && (batch.len() >= MAX_BATCH || !session.buffered());
        if ready && !flush(&events, &mut batch) {
            return; // nobody listens any more
        }
    }
}

/// Hands the batch to the UI channel; false once the receiver is gone.
fn flush(events: &EventSender, batch: &mut Vec<Incoming>) -> bool {
    if batch.is_empty() {
        return true;
    }
    events.send(WorkerEvent::Messages(std::mem::replace(
        batch,
        Vec::with_capacity(MAX_BATCH),
    )))
}

fn received(payload: &[u8], qos: QoS, retain: bool, cap: usize) -> Message {
    Message {
        received_at_us: now_us(),
        qos,
        retain,
        payload: Payload::decode(payload, cap),
        properties: None,
    }
}

/// A connection error in words a user can act on.
fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (is a broker running there?)".into()
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            "connection closed by the broker".into()
        }
        io::ErrorKind::UnexpectedEof => "connection closed by the broker".into(),
        io::ErrorKind::TimedOut => "no answer from the broker (timed out)".into(),
        _ => e.to_string(),
    }
}

/// A CONNACK refusal in words (3.1.1 and 5 codes share these variant names).
fn describe_refusal(code: &impl std::fmt::Debug) -> String {
    match format!("{code:?}").as_str() {
        "BadUserNamePassword" => "refused by the broker: bad user name or password".into(),
        "NotAuthorized" => "refused by the broker: not authorised".into(),
        other => format!("refused by the broker: {other}"),
    }
}

fn describe_state_error(e: &rumqttc::StateError) -> String {
    use rumqttc::StateError as E;
    match e {
        E::Io(io) => describe_io(io),
        E::AwaitPingResp => "the broker stopped answering (no ping response)".into(),
        E::ConnectionAborted => "connection closed by the broker".into(),
        other => super::tls::explain(other).unwrap_or_else(|| other.to_string()),
    }
}

pub(super) fn v311_qos(q: QoS) -> rumqttc::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

pub(super) fn v5_qos(q: QoS) -> rumqttc::v5::mqttbytes::QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match q {
        QoS::AtMostOnce => Q::AtMostOnce,
        QoS::AtLeastOnce => Q::AtLeastOnce,
        QoS::ExactlyOnce => Q::ExactlyOnce,
    }
}

fn qos_from_v311(q: rumqttc::QoS) -> QoS {
    match q {
        rumqttc::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn qos_from_v5(q: rumqttc::v5::mqttbytes::QoS) -> QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match q {
        Q::AtMostOnce => QoS::AtMostOnce,
        Q::AtLeastOnce => QoS::AtLeastOnce,
        Q::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn v5_props(p: &Properties) -> rumqttc::v5::mqttbytes::v5::PublishProperties {
    rumqttc::v5::mqttbytes::v5::PublishProperties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: None,
        response_topic: p.response_topic.clone(),
        correlation_data: p.correlation_data.clone().map(Into::into),
        user_properties: p.user_properties.clone(),
        subscription_identifiers: Vec::new(),
        content_type: p.content_type.clone(),
    }
}

fn props_from_v5(p: rumqttc::v5::mqttbytes::v5::PublishProperties) -> Properties {
    Properties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data.map(|b| b.to_vec()),
        user_properties: p.user_properties,
        subscription_identifiers: p.subscription_identifiers,
        content_type: p.content_type,
    }
}

struct V311Session {
    client: rumqttc::AsyncClient,
    eventloop: rumqttc::EventLoop,
}

impl Session for V311Session {
    async fn poll(&mut self, payload_cap: usize) -> Result<Polled, String> {
        use rumqttc::{ConnectionError as CE, Event, Outgoing, Packet};
        match self.eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => Ok(Polled::ConnAck),
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let message = received(&p.payload, qos_from_v311(p.qos), p.retain, payload_cap);
                Ok(Polled::Message(Incoming {
                    topic: p.topic,
                    message,
                }))
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => Ok(Polled::PublishAcked(a.pkid, Ok(()))),
            Ok(Event::Incoming(Packet::PubComp(a))) => Ok(Polled::PublishAcked(a.pkid, Ok(()))),
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Ok(Polled::PublishSent(pkid)),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => Ok(Polled::Disconnected),
            Ok(Event::Outgoing(Outgoing::PingReq)) => Ok(Polled::PingSent),
            Ok(Event::Incoming(Packet::SubAck(_))) => Ok(Polled::SubAck),
            Ok(Event::Incoming(_)) => Ok(Polled::Heard),
            Ok(_) => Ok(Polled::Other),
            Err(e) => Err(match &e {
                CE::Io(io) => describe_io(io),
                CE::MqttState(s) => describe_state_error(s),
                CE::NetworkTimeout => "no answer from the broker (timed out)".into(),
                CE::ConnectionRefused(code) => describe_refusal(code),
                CE::Tls(t) => super::tls::explain(t).unwrap_or_else(|| format!("TLS: {t}")),
                other => super::tls::explain(&e).unwrap_or_else(|| other.to_string()),
            }),
        }
    }

    fn buffered(&self) -> bool {
        !self.eventloop.state.events.is_empty()
    }

    fn drop_connection(&mut self) {
        self.eventloop.clean();
    }

    fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), String> {
        let filters = subscriptions
            .iter()
            .map(|s| rumqttc::SubscribeFilter::new(s.filter.clone(), v311_qos(s.qos)));
        self.client
            .try_subscribe_many(filters)
            .map_err(|e| e.to_string())
    }
}

struct V5Session {
    client: rumqttc::v5::AsyncClient,
    eventloop: rumqttc::v5::EventLoop,
}

impl Session for V5Session {
    async fn poll(&mut self, payload_cap: usize) -> Result<Polled, String> {
        use rumqttc::Outgoing;
        use rumqttc::v5::mqttbytes::v5::Packet;
        use rumqttc::v5::{ConnectionError as CE, Event};
        match self.eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => Ok(Polled::ConnAck),
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let topic = match String::from_utf8(p.topic.to_vec()) {
                    Ok(t) => t,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                let mut message = received(&p.payload, qos_from_v5(p.qos), p.retain, payload_cap);
                message.properties = p
                    .properties
                    .map(props_from_v5)
                    .filter(|p| !p.is_empty())
                    .map(Box::new);
                Ok(Polled::Message(Incoming { topic, message }))
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => {
                let code = a.reason as u8;
                let result = if code < 0x80 {
                    Ok(())
                } else {
                    Err(format!("refused by the broker: {:?}", a.reason))
                };
                Ok(Polled::PublishAcked(a.pkid, result))
            }
            Ok(Event::Incoming(Packet::PubComp(a))) => Ok(Polled::PublishAcked(a.pkid, Ok(()))),
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Ok(Polled::PublishSent(pkid)),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => Ok(Polled::Disconnected),
            Ok(Event::Outgoing(Outgoing::PingReq)) => Ok(Polled::PingSent),
            Ok(Event::Incoming(Packet::SubAck(_))) => Ok(Polled::SubAck),
            Ok(Event::Incoming(_)) => Ok(Polled::Heard),
            Ok(_) => Ok(Polled::Other),
            Err(e) => Err(match &e {
                CE::Io(io) => describe_io(io),
                CE::MqttState(rumqttc::v5::StateError::Io(io)) => describe_io(io),
                // A TLS alert read while decoding (e.g. "client certificate required").
                CE::MqttState(rumqttc::v5::StateError::Deserialization(
                    rumqttc::v5::mqttbytes::Error::Io(io),
                )) => super::tls::explain(io).unwrap_or_else(|| describe_io(io)),
                CE::MqttState(rumqttc::v5::StateError::AwaitPingResp) => {
                    "the broker stopped answering (no ping response)".into()
                }
                CE::MqttState(rumqttc::v5::StateError::ConnectionAborted) => {
                    "connection closed by the broker".into()
                }
                CE::ConnectionRefused(code) => describe_refusal(code),
                CE::Timeout(_) => "no answer from the broker (timed out)".into(),
                CE::Tls(t) => super::tls::explain(t).unwrap_or_else(|| format!("TLS: {t}")),
                other => super::tls::explain(&e).unwrap_or_else(|| other.to_string()),
            }),
        }
    }

    fn buffered(&self) -> bool {
        !self.eventloop.state.events.is_empty()
    }

    fn drop_connection(&mut self) {
        self.eventloop.clean();
    }

    fn subscribe(&self, subscriptions: &[Subscription]) -> Result<(), String> {
        let filters = subscriptions
            .iter()
            .map(|s| rumqttc::v5::mqttbytes::v5::Filter::new(s.filter.clone(), v5_qos(s.qos)));
        self.client
            .try_subscribe_many(filters)
            .map_err(|e| e.to_string())
    }
}
