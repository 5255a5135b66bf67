//! `mqscope pub`: publish one message, wait until it is sent (QoS 0) or acknowledged
//! (QoS 1 and 2), and exit non-zero with the reason when it fails.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::model::QoS;
use crate::model::decode::spec::DecoderSpec;
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

/// Runs `mqscope pub`: prints nothing when it worked.
pub fn run(args: PubArgs) -> Result<ExitCode, CliError> {
    let PubArgs {
        connection,
        topic,
        message,
        file,
        qos,
        retain,
        encode,
        proto_path,
    } = args;
    let settings = connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
    if topic.is_empty() || topic.contains(['+', '#']) {
        return Err(CliError::PublishTopic(topic));
    }
    let payload = match (message, file) {
        (Some(m), _) => m.into_bytes(),
        (None, Some(path)) => {
            std::fs::read(&path).map_err(|source| CliError::Read { path, source })?
        }
        (None, None) => Vec::new(),
    };
    let payload = match encode {
        Some(name) => encoded(&name, &payload, &proto_path)?,
        None => payload,
    };
    let qos = QoS::from_u8(qos).unwrap_or(QoS::AtMostOnce);
    let outcome = run_pub(
        settings,
        &topic,
        payload,
        qos,
        retain,
        Duration::from_secs(10),
    )?;
    tracing::debug!("published: {outcome}");
    Ok(ExitCode::SUCCESS)
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
    mut settings: ConnectionSettings,
    topic: &str,
    payload: Vec<u8>,
    qos: QoS,
    retain: bool,
    timeout: Duration,
) -> Result<Delivered, PubError> {
    settings.subscriptions.clear();
    let worker = session::connect(settings, Default::default(), timeout)?;
    let request = PublishRequest {
        id: 1,
        topic: topic.into(),
        payload,
        qos,
        retain,
        properties: None,
        encode: None,
    };
    if let Err(e) = worker.publish(request) {
        session::disconnect(worker);
        return Err(PubError::Failed(e.to_string()));
    }
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
    session::disconnect(worker);
    result.map_err(PubError::Failed)
}
