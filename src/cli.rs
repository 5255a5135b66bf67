//! The `sub`, `pub`, `record` and `replay` command-line companions: the app's worker,
//! headless.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::model::{Incoming, PayloadKind, QoS};
use crate::mqtt::{
    ConnectionSettings, ConnectionState, Delivered, PublishRequest, WorkerCommand, WorkerHandle,
};

/// How a `sub` or `record` run ended.
#[derive(Debug, PartialEq, Eq)]
pub struct SubSummary {
    pub messages: u64,
    /// Bytes written, line breaks included.
    pub bytes: u64,
    /// Messages the worker dropped because this reader fell behind (normally 0).
    pub dropped: u64,
}

/// One message as a JSON object: topic, qos, retain, received_at (ms), the payload as UTF-8
/// text (`payload`) or base64 (`payload_base64`), and MQTT 5 properties when present.
pub fn message_json(m: &Incoming) -> serde_json::Value {
    let msg = &m.message;
    let mut o = serde_json::Map::new();
    o.insert("topic".into(), m.topic.clone().into());
    o.insert("qos".into(), msg.qos.as_u8().into());
    o.insert("retain".into(), msg.retain.into());
    o.insert("received_at".into(), (msg.received_at_us / 1000).into());
    match (msg.payload.kind(), std::str::from_utf8(msg.payload.bytes())) {
        (PayloadKind::Binary, _) | (_, Err(_)) => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(msg.payload.bytes());
            o.insert("payload_base64".into(), b64.into());
        }
        (_, Ok(text)) => {
            o.insert("payload".into(), text.into());
        }
    }
    if msg.payload.is_truncated() {
        o.insert("truncated".into(), true.into());
        o.insert("size".into(), msg.payload.original_len().into());
    }
    if let Some(props) = &msg.properties {
        o.insert(
            "properties".into(),
            serde_json::to_value(props).unwrap_or_default(),
        );
    }
    serde_json::Value::Object(o)
}

fn quiet_worker() -> Result<WorkerHandle, String> {
    WorkerHandle::spawn(Arc::new(|| {})).map_err(|e| format!("cannot start the worker: {e}"))
}

fn wait_connected(worker: &mut WorkerHandle, timeout: Duration) -> Result<(), String> {
    // A command-line tool reports the first failure instead of retrying.
    let settled = |s: &ConnectionState| {
        matches!(
            s,
            ConnectionState::Connected | ConnectionState::Disconnected { .. }
        )
    };
    match worker.wait_state(timeout, settled) {
        ConnectionState::Connected => Ok(()),
        other => Err(format!(
            "could not connect: {}",
            other.describe(Instant::now())
        )),
    }
}

/// Says on stderr which subscriptions the broker refused (from its SUBACK); fails when it
/// refused every one, since nothing can arrive then.
fn check_subscriptions(worker: &WorkerHandle) -> Result<(), String> {
    let results = worker.subscriptions();
    let refused: Vec<String> = results
        .iter()
        .filter_map(|r| {
            r.granted
                .err()
                .map(|why| format!("subscription to {} refused by the broker: {why}", r.filter))
        })
        .collect();
    if !refused.is_empty() && refused.len() == results.len() {
        return Err(refused.join("; "));
    }
    for line in refused {
        eprintln!("mqscope: {line}");
    }
    Ok(())
}

/// Connects, subscribes and writes one JSON line per message to `out` until `count`
/// messages or `timeout` (whichever first). Fails if no connection is made in time.
pub fn run_sub(
    settings: ConnectionSettings,
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
) -> Result<SubSummary, String> {
    receive(settings, count, timeout, out, |m| {
        message_json(m).to_string()
    })
}

/// Like [`run_sub`], but the lines are a recording (see [`crate::model::recording`]),
/// written out after every batch so an interrupted run keeps what it received.
pub fn run_record(
    settings: ConnectionSettings,
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
) -> Result<SubSummary, String> {
    receive(settings, count, timeout, out, |m| {
        crate::model::recording::RecordLine::from_incoming(m).to_json()
    })
}

fn receive(
    settings: ConnectionSettings,
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
    line: impl Fn(&Incoming) -> String,
) -> Result<SubSummary, String> {
    let mut worker = quiet_worker()?;
    let deadline = Instant::now() + timeout;
    worker.send(WorkerCommand::Connect(Box::new(settings)));
    wait_connected(&mut worker, timeout)?;
    check_subscriptions(&worker)?;
    let mut messages = 0;
    let mut bytes = 0;
    while count.is_none_or(|c| messages < c) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Some(batch) = worker.events.recv_timeout(left) else {
            continue;
        };
        for m in batch {
            if count.is_some_and(|c| messages >= c) {
                break;
            }
            let text = line(&m);
            writeln!(out, "{text}").map_err(|e| format!("writing: {e}"))?;
            bytes += text.len() as u64 + 1;
            messages += 1;
        }
        out.flush().map_err(|e| format!("writing: {e}"))?;
    }
    out.flush().map_err(|e| format!("writing: {e}"))?;
    let dropped = worker.events.dropped();
    worker.send(WorkerCommand::Disconnect);
    worker.wait_state(Duration::from_millis(500), |s| !s.is_active());
    Ok(SubSummary {
        messages,
        bytes,
        dropped,
    })
}

/// Connects (subscribing to nothing), publishes the recording at `path` at `speed` times
/// the recorded pace (`None`: as fast as possible), and disconnects once the broker has
/// taken every message. Fails if no connection is made in `connect_timeout` or the replay
/// stops early; lines that cannot be read are skipped and counted.
pub fn run_replay(
    mut settings: ConnectionSettings,
    path: &std::path::Path,
    speed: Option<f64>,
    connect_timeout: Duration,
) -> Result<crate::mqtt::replay::ReplayProgress, String> {
    settings.subscriptions.clear();
    let mut worker = quiet_worker()?;
    worker.send(WorkerCommand::Connect(Box::new(settings)));
    wait_connected(&mut worker, connect_timeout)?;
    let (request, mut progress) =
        crate::mqtt::replay::ReplayRequest::new(path.to_path_buf(), speed, Arc::default());
    worker.send(WorkerCommand::Replay(Box::new(request)));
    let result = loop {
        let now = progress.borrow_and_update().clone();
        if now.finished {
            break now;
        }
        if !worker.state().is_active() {
            break crate::mqtt::replay::ReplayProgress {
                error: Some(worker.state().describe(Instant::now())),
                ..Default::default()
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    worker.send(WorkerCommand::Disconnect);
    worker.wait_state(Duration::from_millis(500), |s| !s.is_active());
    match &result.error {
        Some(e) => Err(format!(
            "{e} (after {})",
            crate::model::recording::summary(result.sent, result.bytes, result.seconds)
        )),
        None => Ok(result),
    }
}

/// Connects, publishes one message, waits for it to be sent (QoS 0) or acknowledged
/// (QoS 1 and 2), and disconnects.
pub fn run_pub(
    mut settings: ConnectionSettings,
    topic: &str,
    payload: Vec<u8>,
    qos: QoS,
    retain: bool,
    timeout: Duration,
) -> Result<Delivered, String> {
    settings.subscriptions.clear();
    let mut worker = quiet_worker()?;
    worker.send(WorkerCommand::Connect(Box::new(settings)));
    wait_connected(&mut worker, timeout)?;
    let request = PublishRequest {
        id: 1,
        topic: topic.into(),
        payload,
        qos,
        retain,
        properties: None,
    };
    worker.publish(request).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    let result = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Err("no acknowledgement from the broker in time".to_string());
        }
        if let Some(outcome) = worker.outcomes.recv_timeout(left)
            && outcome.id == 1
        {
            break outcome.result.map_err(|e| e.to_string());
        }
    };
    worker.send(WorkerCommand::Disconnect);
    worker.wait_state(Duration::from_millis(500), |s| !s.is_active());
    result
}
