//! `mqscope pub`: publish one message, wait until it is sent (QoS 0) or acknowledged
//! (QoS 1 and 2), and exit non-zero with the reason when it fails.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::model::decode::spec::DecoderSpec;
use crate::model::message::now_us;
use crate::model::placeholders::Template;
use crate::model::{Properties, QoS};
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use crate::mqtt::{ConnectionSettings, Delivered, PublishRequest};

use super::CliError;
use super::args::PubArgs;
use super::session::{self, SessionError};

/// Why a message was not published.
#[derive(Debug, thiserror::Error)]
pub enum PubError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The publish failed, in words: the worker's reason, or no acknowledgement in time.
    #[error("{0}")]
    Failed(String),
}

/// One message to publish (topic, payload), or why it could not be made.
pub type Outgoing = Result<(String, Vec<u8>), CliError>;

/// Runs `mqscope pub`: prints nothing when it worked.
pub fn run(args: PubArgs) -> Result<ExitCode, CliError> {
    let mut settings = args.connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
    if let Some(id) = &args.client_id {
        settings.client_id = id.clone();
    }
    // Like mosquitto_pub: a topic alias only when asked for.
    settings.topic_aliases = false;
    if args.topic_alias.is_some() && settings.version != crate::mqtt::MqttVersion::V5 {
        return Err(CliError::NeedsV5("--topic-alias"));
    }
    let templated = args.repeat.is_some();
    let topic = if templated {
        Template::parse(&args.topic)?
    } else {
        Template::literal(&args.topic)
    };
    let first = topic.fill(1, now_us());
    if first.is_empty() || first.contains(['+', '#']) {
        return Err(CliError::PublishTopic(first));
    }
    let properties = properties(&args)?;
    let qos = QoS::from_u8(args.qos).unwrap_or(QoS::AtMostOnce);
    let encode = |payload: Vec<u8>| match &args.encode {
        Some(name) => encoded(name, &payload, &args.proto_path),
        None => Ok(payload),
    };
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|source| CliError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let stdin = || {
        let mut all = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut all)
            .map(|_| all)
            .map_err(|source| CliError::Read {
                path: "standard input".into(),
                source,
            })
    };
    let messages: Box<dyn Iterator<Item = Outgoing>> = if args.stdin_line {
        let lines = std::io::BufRead::lines(std::io::stdin().lock());
        Box::new(
            lines
                .filter(|l| l.as_ref().is_ok_and(|l| !l.is_empty()) || l.is_err())
                .map(move |line| {
                    let line = line.map_err(|source| CliError::Read {
                        path: "standard input".into(),
                        source,
                    })?;
                    Ok((first.clone(), encode(line.into_bytes())?))
                }),
        )
    } else {
        let fixed = match (&args.message, &args.file) {
            (Some(_), _) => None,
            (None, Some(path)) => Some(encode(read(path)?)?),
            (None, None) if args.stdin_file => Some(encode(stdin()?)?),
            (None, None) => Some(Vec::new()),
        };
        let payload = match (&args.message, templated) {
            (Some(m), true) => Some(Template::parse(m)?),
            (Some(m), false) => Some(Template::literal(m)),
            (None, _) => None,
        };
        let encode = &encode;
        Box::new((1..=args.repeat.unwrap_or(1)).map(move |seq| {
            let now = now_us();
            let bytes = match (&payload, &fixed) {
                (Some(t), _) => encode(t.fill(seq, now).into_bytes())?,
                (None, Some(b)) => b.clone(),
                (None, None) => Vec::new(),
            };
            Ok((topic.fill(seq, now), bytes))
        }))
    };
    let plan = Plan {
        qos,
        retain: args.retain,
        properties,
        interval: Duration::from_millis(args.interval_ms),
        timeout: Duration::from_secs(10),
    };
    let sent = publish_all(settings, messages, &plan)?;
    tracing::debug!("published {sent} messages");
    Ok(ExitCode::SUCCESS)
}

/// The MQTT 5 properties `pub`'s flags ask for (`None` when none is given).
fn properties(args: &PubArgs) -> Result<Option<Properties>, CliError> {
    let mut p = Properties {
        content_type: args.content_type.clone(),
        message_expiry_interval: args.message_expiry_s,
        payload_format_indicator: args.payload_format_indicator,
        response_topic: args.response_topic.clone(),
        correlation_data: args.correlation_data.clone().map(String::into_bytes),
        topic_alias: args.topic_alias,
        ..Properties::default()
    };
    for pair in &args.user_properties {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(CliError::UserProperty(pair.clone()));
        };
        p.user_properties.push((k.to_string(), v.to_string()));
    }
    if let Some(t) = &p.response_topic
        && (t.is_empty() || t.contains(['+', '#']))
    {
        return Err(CliError::PublishTopic(t.clone()));
    }
    Ok((!p.is_empty()).then_some(p))
}

/// How `publish_all` sends each message.
pub struct Plan {
    pub qos: QoS,
    pub retain: bool,
    pub properties: Option<Properties>,
    /// Pause between two messages.
    pub interval: Duration,
    /// How long to wait for the connection, and for the last acknowledgement.
    pub timeout: Duration,
}

/// Publishes at most this many messages before waiting for their acknowledgements.
const IN_FLIGHT: usize = 256;

/// Connects, publishes each message of `messages` (stopping at the first that cannot be
/// made or is refused), waits until all are sent (QoS 0) or acknowledged (QoS 1 and 2),
/// and disconnects. Returns how many were published.
pub fn publish_all(
    mut settings: ConnectionSettings,
    messages: impl Iterator<Item = Outgoing>,
    plan: &Plan,
) -> Result<u64, CliError> {
    settings.subscriptions.clear();
    let worker =
        session::connect(settings, Default::default(), plan.timeout).map_err(PubError::Session)?;
    let broker = worker.broker_info().unwrap_or_default();
    let mut waiting = std::collections::BTreeSet::new();
    let mut sent = 0u64;
    let result = (|| {
        for (n, message) in messages.enumerate() {
            let (topic, payload) = message?;
            if n > 0 && !plan.interval.is_zero() {
                std::thread::sleep(plan.interval);
            }
            let id = n as u64 + 1;
            let request = PublishRequest {
                id,
                topic,
                payload,
                qos: plan.qos,
                retain: plan.retain,
                properties: plan.properties.clone(),
                encode: None,
            };
            // What the CONNACK rules out is said, not sent (the broker would drop us).
            if let Some(why) = broker.refuses(&request) {
                return Err(PubError::Failed(why).into());
            }
            while waiting.len() >= IN_FLIGHT {
                answered(&worker, &mut waiting, plan.timeout)?;
            }
            loop {
                match worker.publish(request.clone()) {
                    Ok(()) => break,
                    Err(crate::mqtt::PublishError::Busy) if !waiting.is_empty() => {
                        answered(&worker, &mut waiting, plan.timeout)?;
                    }
                    Err(e) => return Err(PubError::Failed(e.to_string()).into()),
                }
            }
            waiting.insert(id);
            sent += 1;
        }
        while !waiting.is_empty() {
            answered(&worker, &mut waiting, plan.timeout)?;
        }
        Ok(sent)
    })();
    session::disconnect(worker);
    result
}

/// Waits for the next outcome of a message in `waiting`; a refusal is the error.
fn answered(
    worker: &crate::mqtt::WorkerHandle,
    waiting: &mut std::collections::BTreeSet<u64>,
    timeout: Duration,
) -> Result<(), CliError> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(
                PubError::Failed("no acknowledgement from the broker in time".into()).into(),
            );
        }
        if let Some(outcome) = worker.outcomes.recv_timeout(left)
            && waiting.remove(&outcome.id)
        {
            return match outcome.result {
                Ok(_) => Ok(()),
                Err(e) if outcome.id == 1 => Err(PubError::Failed(e.to_string()).into()),
                Err(e) => Err(PubError::Failed(format!("message {}: {e}", outcome.id)).into()),
            };
        }
    }
}

/// `payload` read as a JSON value and encoded by the decoder named `name` (its files read,
/// `.proto` imports looked for in `proto_paths` too).
fn encoded(
    name: &str,
    payload: &[u8],
    proto_paths: &[std::path::PathBuf],
) -> Result<Vec<u8>, CliError> {
    let said = |e: crate::model::decode::spec::SpecError| CliError::Encode(e.to_string());
    let mut spec: DecoderSpec = name.parse().map_err(said)?;
    spec.load(proto_paths).map_err(said)?;
    let value: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| CliError::Encode(format!("the payload is not a JSON value: {e}")))?;
    spec.encode(&value).map_err(CliError::Encode)
}

/// Connects, publishes one message, waits for it to be sent (QoS 0) or acknowledged
/// (QoS 1 and 2), and disconnects.
pub fn run_pub(
    settings: ConnectionSettings,
    topic: &str,
    payload: Vec<u8>,
    qos: QoS,
    retain: bool,
    timeout: Duration,
) -> Result<Delivered, PubError> {
    let plan = Plan {
        qos,
        retain,
        properties: None,
        interval: Duration::ZERO,
        timeout,
    };
    let one = std::iter::once(Ok((topic.to_string(), payload)));
    match publish_all(settings, one, &plan) {
        Ok(_) => Ok(if qos == QoS::AtMostOnce {
            Delivered::Written
        } else {
            Delivered::Acknowledged
        }),
        Err(CliError::Publish(e)) => Err(e),
        Err(other) => Err(PubError::Failed(other.to_string())),
    }
}
