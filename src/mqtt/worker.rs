//! The client worker: a supervisor task takes commands, a connection task polls rumqttc.
//!
//! The poll loop never blocks: received messages are batched and handed to the bounded,
//! lossy data channel; publish outcomes go on the outcome channel (never shed); state,
//! subscription results and job progress go through watch channels, so the latest is never
//! lost. After a connection error it waits with capped exponential backoff, and it
//! re-subscribes on every CONNACK.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::channel::{
    EventReceiver, EventSender, OutcomeReceiver, OutcomeSender, Waker, channel, outcome_channel,
};
use super::clear::{ClearJob, clear_retained};
use super::command::{PublishRequest, WorkerCommand};
use super::connack::BrokerInfo;
use super::event::{ConnectionState, PublishError, SubscriptionResult};
use super::poll_loop::run;
use super::publisher::{Client, Tracker};
use super::session::{V5Session, V311Session};
use super::settings::{ConnectionSettings, MqttVersion};
use super::subscriber::Subscriptions;
use crate::model::decode::rules::DecoderRules;

/// Most messages in one batch sent to the UI.
pub(super) const MAX_BATCH: usize = 1024;
/// Batches the data channel holds (messages are bounded separately, by count).
const CHANNEL_BATCHES: usize = 16_384;
/// Requests rumqttc queues between the command task and its event loop.
const REQUEST_CAPACITY: usize = 1024;
/// Commands waiting for the supervisor.
const COMMAND_CAPACITY: usize = 256;

/// The app's handle on the worker thread. Dropping it stops the worker.
pub struct WorkerHandle {
    commands: mpsc::Sender<WorkerCommand>,
    /// Message batches from the worker, drained by the app under a time budget (lossy).
    pub events: EventReceiver,
    /// Publish outcomes, one per admitted request (never shed).
    pub outcomes: OutcomeReceiver,
    state: watch::Receiver<ConnectionState>,
    subscriptions: watch::Receiver<Vec<SubscriptionResult>>,
    /// What the broker said in its last CONNACK (`None` before the first).
    broker: watch::Receiver<Option<BrokerInfo>>,
    /// The decoder rules the worker applies to each message as it arrives.
    decoders: watch::Sender<Arc<DecoderRules>>,
    /// A second consumer of each decoded batch (history on disk).
    tap: watch::Sender<Option<Tap>>,
    /// Called when a job's progress changes (the same waker as the channels').
    waker: Waker,
}

/// The worker's ends of what [`WorkerHandle`] reads.
#[derive(Clone)]
pub(super) struct Outbox {
    pub events: EventSender,
    pub outcomes: OutcomeSender,
    pub state: watch::Sender<ConnectionState>,
    pub subscriptions: watch::Sender<Vec<SubscriptionResult>>,
    pub broker: watch::Sender<Option<BrokerInfo>>,
    /// The decoder rules of the moment (the app may change them while connected).
    pub decoders: watch::Receiver<Arc<DecoderRules>>,
    pub tap: watch::Receiver<Option<Tap>>,
}

/// Sees each batch as it is handed on, decoded, on the worker thread: it must not wait
/// (history on disk queues a copy, or counts it as skipped).
pub type Tap = Arc<dyn Fn(&[crate::model::Incoming]) + Send + Sync>;

impl Outbox {
    pub(super) fn set_state(&self, new: ConnectionState) {
        self.state.send_replace(new);
        self.events.wake();
    }
}

impl WorkerHandle {
    /// Starts the "mqtt" thread. `waker` is called whenever a batch, an outcome or a
    /// state change is ready.
    pub fn spawn(waker: Waker) -> io::Result<Self> {
        Self::spawn_named("mqtt", waker)
    }

    /// The same, on a thread called `name`.
    pub fn spawn_named(name: &str, waker: Waker) -> io::Result<Self> {
        let (commands, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (events_tx, events) = channel(CHANNEL_BATCHES, waker.clone());
        let (outcomes_tx, outcomes) = outcome_channel(waker.clone());
        let (state_tx, state) = watch::channel(ConnectionState::Idle);
        let (subs_tx, subscriptions) = watch::channel(Vec::new());
        let (broker_tx, broker) = watch::channel(None);
        let (decoders, decoders_rx) = watch::channel(Arc::new(DecoderRules::default()));
        let (tap, tap_rx) = watch::channel(None);
        let outbox = Outbox {
            events: events_tx,
            outcomes: outcomes_tx,
            state: state_tx,
            subscriptions: subs_tx,
            broker: broker_tx,
            decoders: decoders_rx,
            tap: tap_rx,
        };
        crate::runtime::spawn_runtime_thread(name, supervise(command_rx, outbox))?;
        Ok(Self {
            commands,
            events,
            outcomes,
            state,
            subscriptions,
            broker,
            decoders,
            tap,
            waker,
        })
    }

    /// Hands each batch to `tap` too, from now on (`None`: no more).
    pub fn set_tap(&self, tap: Option<Tap>) {
        self.tap.send_replace(tap);
    }

    /// Sets the decoder rules applied to each message from now on (once per message, on
    /// the worker thread; see [`DecoderRules::decode`]).
    pub fn set_decoders(&self, rules: DecoderRules) {
        self.decoders.send_replace(Arc::new(rules));
    }

    /// Sends a command without waiting; false when the queue is full or the worker ended.
    /// A publish is let in only while its outcome has room (see
    /// [`super::channel::MAX_OUTSTANDING_PUBLISHES`]).
    pub fn send(&self, command: WorkerCommand) -> bool {
        let publish = matches!(command, WorkerCommand::Publish(_));
        if publish && !self.outcomes.admit() {
            return false;
        }
        let sent = self.commands.try_send(command).is_ok();
        if publish && !sent {
            self.outcomes.withdraw();
        }
        sent
    }

    /// Asks for one publish; its outcome arrives on [`Self::outcomes`].
    pub fn publish(&self, request: PublishRequest) -> Result<(), PublishError> {
        if self.commands.is_closed() {
            return Err(PublishError::NotConnected);
        }
        if self.send(WorkerCommand::Publish(Box::new(request))) {
            Ok(())
        } else {
            Err(PublishError::Busy)
        }
    }

    /// The waker the worker calls on each change (jobs get it too).
    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    /// The latest connection state.
    pub fn state(&self) -> ConnectionState {
        self.state.borrow().clone()
    }

    /// The broker's answer to each subscription of the current connection (empty until
    /// its SUBACK).
    pub fn subscriptions(&self) -> Vec<SubscriptionResult> {
        self.subscriptions.borrow().clone()
    }

    /// What the broker said in the last CONNACK: session, assigned id, limits.
    pub fn broker_info(&self) -> Option<BrokerInfo> {
        self.broker.borrow().clone()
    }

    /// Whether the last CONNACK said the broker kept this client's session.
    pub fn session_present(&self) -> bool {
        self.broker
            .borrow()
            .as_ref()
            .is_some_and(|b| b.session_present)
    }

    /// Whether the worker thread still runs.
    pub fn is_alive(&self) -> bool {
        !self.commands.is_closed()
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
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.commands.try_send(WorkerCommand::Shutdown);
    }
}

/// A connection the supervisor is running.
struct Live {
    client: Client,
    task: JoinHandle<()>,
    tracker: Arc<Tracker>,
    subs: Subscriptions,
    /// The SOCKS5 bridge of this connection, if it goes through one.
    bridge: Option<JoinHandle<()>>,
}

/// Takes commands until Shutdown (or the handle is gone), then stops what it started.
async fn supervise(mut commands: mpsc::Receiver<WorkerCommand>, outbox: Outbox) {
    let mut live: Option<Live> = None;
    let mut clearing: Option<JoinHandle<()>> = None;
    let mut replaying: Option<JoinHandle<()>> = None;
    // Timed publishes of the current connection; a new connection ends them.
    let mut repeating: Vec<JoinHandle<()>> = Vec::new();
    while let Some(command) = commands.recv().await {
        let connected = live
            .as_ref()
            .filter(|_| outbox.state.borrow().is_connected());
        match command {
            WorkerCommand::Connect(settings) => {
                repeating.drain(..).for_each(|t| t.abort());
                if let Some(old) = live.take() {
                    stop(old).await;
                }
                live = match start(*settings, outbox.clone()) {
                    Ok(l) => Some(l),
                    // Nothing to retry: the settings themselves are wrong.
                    Err(reason) => {
                        outbox.set_state(ConnectionState::Disconnected {
                            reason,
                            retry_at: None,
                        });
                        None
                    }
                };
            }
            WorkerCommand::Disconnect => {
                repeating.drain(..).for_each(|t| t.abort());
                if let Some(old) = live.take() {
                    stop(old).await;
                }
                outbox.set_state(ConnectionState::Disconnected {
                    reason: "disconnected by user".into(),
                    retry_at: None,
                });
            }
            // Handed over by a task of its own, so a full request queue never holds up the
            // next command (publishes keep their order: the hand-over takes turns).
            WorkerCommand::Publish(mut request) => match connected {
                Some(l) => {
                    let (tracker, client) = (l.tracker.clone(), l.client.clone());
                    let rules = outbox.decoders.borrow().clone();
                    let outcomes = outbox.outcomes.clone();
                    tokio::spawn(async move {
                        if let Some(name) = request.encode.take() {
                            match rules.encode(&name, &request.payload) {
                                Ok(bytes) => request.payload = bytes,
                                Err(why) => {
                                    outcomes.send(super::PublishOutcome {
                                        id: request.id,
                                        result: Err(PublishError::Encode(why)),
                                        topic_alias: None,
                                    });
                                    return;
                                }
                            }
                        }
                        // A failure is answered inside `send`.
                        let _ = tracker.send(&client, &request).await;
                    });
                }
                None => outbox.outcomes.send(super::PublishOutcome {
                    id: request.id,
                    result: Err(PublishError::NotConnected),
                    topic_alias: None,
                }),
            },
            WorkerCommand::ClearRetained {
                topics,
                cancel,
                progress,
            } => {
                if let Some(old) = clearing.take() {
                    // Its publishes still in hand-over leave the queue; its late answers
                    // go to no run.
                    old.abort();
                }
                let job = ClearJob {
                    topics,
                    cancel,
                    progress,
                    waker: outbox.events.waker(),
                };
                clearing = start_clear(connected, job);
            }
            WorkerCommand::Replay(request) => {
                if let Some(old) = replaying.take() {
                    old.abort();
                }
                let waker = outbox.events.waker();
                replaying = match connected {
                    Some(l) => Some(tokio::spawn(super::replay::replay(
                        l.client.clone(),
                        l.tracker.clone(),
                        *request,
                        waker,
                    ))),
                    None => {
                        super::replay::refuse(&request, "not connected", &waker);
                        None
                    }
                };
            }
            WorkerCommand::Repeat(request) => {
                repeating.retain(|t| !t.is_finished());
                let waker = outbox.events.waker();
                match connected {
                    Some(l) => repeating.push(tokio::spawn(super::repeat::repeat(
                        l.client.clone(),
                        l.tracker.clone(),
                        *request,
                        waker,
                    ))),
                    None => super::repeat::refuse(&request, "not connected", &waker),
                }
            }
            WorkerCommand::Subscriptions { list, numbered } => {
                if let Some(l) = &live {
                    let client = connected.map(|c| &c.client);
                    if let Err(e) = l.subs.change(list, numbered, client) {
                        tracing::warn!("changing the subscriptions failed: {e}");
                    }
                    outbox.subscriptions.send_replace(l.subs.results());
                    outbox.events.wake();
                }
            }
            WorkerCommand::Shutdown => break,
        }
    }
    for task in [clearing.take(), replaying.take()]
        .into_iter()
        .flatten()
        .chain(repeating)
    {
        task.abort();
    }
    if let Some(old) = live.take() {
        stop(old).await;
    }
}

/// Starts a retained clean-up on the live connection, or ends it at once without one.
fn start_clear(connected: Option<&Live>, job: ClearJob) -> Option<JoinHandle<()>> {
    match connected {
        Some(l) => Some(tokio::spawn(clear_retained(
            l.client.clone(),
            l.tracker.clone(),
            job,
        ))),
        None => {
            job.refuse("not connected");
            None
        }
    }
}

/// Starts a connection task; `Err` when the settings cannot become options (e.g. an
/// unreadable certificate file), in words.
fn start(settings: ConnectionSettings, outbox: Outbox) -> Result<Live, String> {
    let tracker = Tracker::new(outbox.outcomes.clone());
    let subs = Subscriptions::new(settings.subscriptions.clone(), settings.subscription_ids);
    let shared = (outbox, subs.clone());
    let route = settings
        .proxy
        .as_ref()
        .map(super::proxy::route)
        .transpose()?;
    let (proxy, bridge) = route.map_or((None, None), |r| (Some(r.proxy), r.bridge));
    let (client, task) = match settings.version {
        MqttVersion::V311 => {
            let mut options = settings.v311_options()?;
            if let Some(p) = proxy {
                options.set_proxy(p);
            }
            let (client, mut eventloop) = rumqttc::AsyncClient::new(options, REQUEST_CAPACITY);
            eventloop.set_network_options(crate::mqtt::settings::network_options());
            let session = V311Session {
                client: client.clone(),
                eventloop,
            };
            let task = tokio::spawn(run(session, settings, shared, tracker.clone()));
            (Client::V311(client), task)
        }
        MqttVersion::V5 => {
            let mut options = settings.v5_options()?;
            if let Some(p) = proxy {
                options.set_proxy(p);
            }
            let (client, eventloop) = rumqttc::v5::AsyncClient::new(options, REQUEST_CAPACITY);
            let session = V5Session {
                client: client.clone(),
                eventloop,
                leaked: 0,
                aliases: Default::default(),
            };
            let task = tokio::spawn(run(session, settings, shared, tracker.clone()));
            (Client::V5(client), task)
        }
    };
    Ok(Live {
        client,
        task,
        tracker,
        subs,
        bridge,
    })
}

/// Sends DISCONNECT and gives the connection a moment to end cleanly, then ends it.
/// Publishes still in flight are answered as lost.
async fn stop(live: Live) {
    let Live {
        client,
        mut task,
        tracker,
        bridge,
        ..
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
    if let Some(bridge) = bridge {
        bridge.abort(); // after the DISCONNECT went out through it
    }
    tracker.lost();
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
