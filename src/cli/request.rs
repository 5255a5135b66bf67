//! `mqscope request`: MQTT 5 request/response, like mosquitto_rr. Subscribes to a response
//! topic, publishes the request with that response topic and fresh correlation data, and
//! prints the reply whose correlation data matches as one JSON line with `rtt_ms`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::model::{Properties, QoS};
use crate::mqtt::{ConnectionSettings, MqttVersion, PublishRequest, Subscription};

use super::CliError;
use super::args::RequestArgs;
use super::session::{self, SessionError};

/// Why no reply was printed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The request could not be published, in words.
    #[error("the request was not published: {0}")]
    Publish(String),
    #[error("no reply on {topic} within {ms} ms{ignored}")]
    NoReply {
        topic: String,
        ms: u128,
        /// Said when replies with other correlation data came.
        ignored: String,
    },
}

/// A reply and how long it took.
#[derive(Debug)]
pub struct Reply {
    pub message: crate::model::Incoming,
    pub rtt: Duration,
    /// Messages on the response topic whose correlation data was not ours.
    pub ignored: u64,
}

/// Runs `mqscope request`.
pub fn run(args: RequestArgs) -> Result<ExitCode, CliError> {
    let mut settings = args.connection.form()?.to_settings(usize::MAX)?;
    if settings.version != MqttVersion::V5 {
        return Err(CliError::NeedsV5("request"));
    }
    if let Some(id) = &args.client_id {
        settings.client_id = id.clone();
    }
    if args.topic.is_empty() || args.topic.contains(['+', '#']) {
        return Err(CliError::PublishTopic(args.topic));
    }
    let response_topic = args
        .response_topic
        .unwrap_or_else(|| format!("mqscope/reply/{}", settings.client_id));
    if response_topic.is_empty() || response_topic.contains(['+', '#']) {
        return Err(CliError::PublishTopic(response_topic));
    }
    let qos = QoS::from_u8(args.qos).unwrap_or(QoS::AtMostOnce);
    let payload = args.message.unwrap_or_default().into_bytes();
    let timeout = Duration::from_millis(args.timeout_ms);
    let reply = request(
        settings,
        (&args.topic, payload, qos),
        &response_topic,
        timeout,
    )
    .map_err(CliError::Request)?;
    if reply.ignored > 0 {
        eprintln!(
            "mqscope: {} replies with other correlation data were left out",
            reply.ignored
        );
    }
    let mut line = super::sub::message_json(&reply.message);
    if let serde_json::Value::Object(o) = &mut line {
        let ms = reply.rtt.as_secs_f64() * 1000.0;
        o.insert("rtt_ms".into(), ((ms * 1000.0).round() / 1000.0).into());
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

/// Connects subscribed to `response_topic`, publishes `(topic, payload, qos)` with it as
/// the response topic and fresh correlation data, and waits up to `timeout` for the reply
/// that carries the same correlation data.
pub fn request(
    mut settings: ConnectionSettings,
    (topic, payload, qos): (&str, Vec<u8>, QoS),
    response_topic: &str,
    timeout: Duration,
) -> Result<Reply, RequestError> {
    settings.subscriptions = vec![Subscription::new(response_topic, QoS::AtLeastOnce)];
    let worker = session::connect(settings, Default::default(), timeout)?;
    let data = crate::model::message::new_correlation();
    let request = PublishRequest {
        id: 1,
        topic: topic.into(),
        payload,
        qos,
        retain: false,
        properties: Some(Properties {
            response_topic: Some(response_topic.into()),
            correlation_data: Some(data.clone()),
            ..Properties::default()
        }),
        encode: None,
    };
    let sent = Instant::now();
    if let Err(e) = worker.publish(request) {
        session::disconnect(worker);
        return Err(RequestError::Publish(e.to_string()));
    }
    let deadline = sent + timeout;
    let mut ignored = 0;
    let result = loop {
        if let Some(outcome) = worker.outcomes.try_recv()
            && let Err(e) = outcome.result
        {
            break Err(RequestError::Publish(e.to_string()));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Err(RequestError::NoReply {
                topic: response_topic.into(),
                ms: timeout.as_millis(),
                ignored: if ignored > 0 {
                    format!(" ({ignored} with other correlation data left out)")
                } else {
                    String::new()
                },
            });
        }
        let Some(batch) = worker
            .events
            .recv_timeout(left.min(Duration::from_millis(50)))
        else {
            continue;
        };
        let rtt = sent.elapsed();
        let mut found = None;
        for m in batch {
            let ours = m.topic == response_topic
                && m.message
                    .properties
                    .as_ref()
                    .and_then(|p| p.correlation_data.as_ref())
                    == Some(&data);
            if ours && found.is_none() {
                found = Some(m);
            } else if m.topic == response_topic && !m.message.retain {
                ignored += 1;
            }
        }
        if let Some(message) = found {
            break Ok(Reply {
                message,
                rtt,
                ignored,
            });
        }
    };
    session::disconnect(worker);
    result
}
