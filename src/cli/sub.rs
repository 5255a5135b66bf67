//! `mqscope sub`: subscribe and print one JSON object per message, until a count or a
//! timeout. Also the receive loop that `record` shares, and the `-t` filters of both.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::model::decode::rules::DecoderRules;
use crate::model::topic_path::validate_filter;
use crate::model::{Incoming, PayloadKind, QoS};
use crate::mqtt::{ConnectionSettings, RetainHandling, Subscription, WorkerHandle};

use super::CliError;
use super::args::SubArgs;
use super::format::{Format, Output};
use super::session::{self, SessionError};

/// How a `sub` or `record` run ended.
#[derive(Debug, PartialEq, Eq)]
pub struct SubSummary {
    pub messages: u64,
    /// Bytes written, line breaks included.
    pub bytes: u64,
    /// Messages the worker dropped because this reader fell behind (normally 0).
    pub dropped: u64,
}

/// Why a `sub` or `record` run stopped before its count or timeout.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The output (stdout, the recording) cannot be written.
    #[error("writing: {0}")]
    Write(std::io::Error),
    /// The broker refused every subscription (each with its reason).
    #[error("{0}")]
    Refused(String),
}

/// Runs `mqscope sub`: the messages go to stdout (JSON lines, `-v` or `-F`), a drop count
/// (if any) to stderr.
pub fn run(args: SubArgs) -> Result<ExitCode, CliError> {
    let rules = decoder_rules(&args.decode, args.decoders.as_deref(), &args.proto_path)?;
    let output = match (&args.format, args.verbose) {
        (Some(f), _) => Output::Format(Format::parse(f)?),
        (None, true) => Output::Verbose,
        (None, false) => Output::Json,
    };
    let eol = !args.no_newline;
    let settings = sub_settings(&args)?;
    let v311 = settings.version == crate::mqtt::MqttVersion::V311;
    // -R: MQTT 5 asks the broker not to send them; 3.1.1 leaves them out here (live
    // messages never carry the flag there).
    let skip_retained = args.no_retained && v311;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let timeout = args
        .timeout_s
        .map_or(Duration::from_millis(args.timeout_ms), Duration::from_secs);
    let store = match args.store {
        true => Some(store_writer(&args, &settings)?),
        false => None,
    };
    let tap = store
        .as_ref()
        .map(|w| std::sync::Arc::new(w.feeder()) as crate::mqtt::Tap);
    let summary = receive((settings, rules, tap), args.count, timeout, &mut out, |m| {
        (!(skip_retained && m.message.retain)).then(|| output.record(m, eol))
    });
    if let Some(w) = store {
        let s = w.finish();
        eprintln!(
            "mqscope: stored {} messages{}",
            crate::model::units::thousands(s.written),
            match s.skipped {
                0 => String::new(),
                n => format!(", {} skipped", crate::model::units::thousands(n)),
            }
        );
        if let Some(e) = s.error {
            eprintln!("mqscope: history: {e}");
        }
    }
    let summary = summary?;
    if summary.dropped > 0 {
        eprintln!(
            "mqscope: {} messages dropped (output too slow)",
            summary.dropped
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The writer of `sub --store`: the broker's history file, as the app keeps it.
fn store_writer(
    args: &SubArgs,
    settings: &ConnectionSettings,
) -> Result<crate::archive::ArchiveWriter, CliError> {
    let dir = super::history::history_dir(args.history_dir.as_deref())?;
    let path = crate::archive::path_for(&dir, &settings.host, settings.port);
    let (archive, aside) =
        crate::archive::Archive::open(&path).map_err(super::history::HistoryError::from)?;
    if let Some(aside) = aside {
        eprintln!(
            "mqscope: the history file was unreadable: moved to {}",
            aside.display()
        );
    }
    let keep = crate::archive::Retention {
        budget: args.history_budget_mb.saturating_mul(1 << 20),
        keep_days: None,
    };
    crate::archive::ArchiveWriter::start(archive, keep, "history-writer").map_err(|e| {
        super::history::HistoryError::from(crate::archive::ArchiveError::Other(e.to_string()))
            .into()
    })
}

/// The connection and subscriptions `sub`'s flags ask for.
fn sub_settings(args: &SubArgs) -> Result<ConnectionSettings, CliError> {
    let mut settings = args.connection.form()?.to_settings(usize::MAX)?;
    if let Some(id) = &args.client_id {
        settings.client_id = id.clone();
    }
    settings.clean_session = !args.no_clean;
    settings.session_expiry_s =
        args.session_expiry_s
            .unwrap_or(if args.no_clean { u32::MAX } else { 0 });
    let qos = QoS::from_u8(args.qos).unwrap_or(QoS::AtMostOnce);
    let mut subs = subscriptions(args.topics.clone(), qos)?;
    let handling = match args.retain_handling.and_then(RetainHandling::from_u8) {
        Some(h) => h,
        None if args.no_retained => RetainHandling::Never,
        None => RetainHandling::Send,
    };
    for s in &mut subs {
        s.no_local = args.no_local;
        s.retain_as_published = args.retain_as_published;
        s.retain_handling = handling;
    }
    settings.subscriptions = subs;
    settings.subscription_ids = args.subscription_ids;
    Ok(settings)
}

/// `-t` filters (default `#`) as subscriptions at `qos`, each checked.
pub(super) fn subscriptions(topics: Vec<String>, qos: QoS) -> Result<Vec<Subscription>, CliError> {
    let topics = if topics.is_empty() {
        vec!["#".to_string()]
    } else {
        topics
    };
    topics
        .into_iter()
        .map(|filter| match validate_filter(&filter) {
            Ok(()) => Ok(Subscription::new(filter, qos)),
            Err(message) => Err(CliError::Filter { filter, message }),
        })
        .collect()
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
        if !props.subscription_identifiers.is_empty() {
            o.insert(
                "subscription_identifiers".into(),
                props.subscription_identifiers.clone().into(),
            );
        }
        o.insert(
            "properties".into(),
            serde_json::to_value(props).unwrap_or_default(),
        );
    }
    serde_json::Value::Object(o)
}

/// The rules of `--decode FILTER=DECODER` (first) and of a `--decoders` rules file (as
/// the app's Decoders window exports it), in that order, their files read (`.proto`
/// imports looked for in `proto_paths` too); the first that does not work is the error.
fn decoder_rules(
    decode: &[String],
    file: Option<&std::path::Path>,
    proto_paths: &[std::path::PathBuf],
) -> Result<DecoderRules, CliError> {
    let given = DecoderRules::split(decode.iter().map(String::as_str))?;
    let mut rules = DecoderRules::loaded(&given, proto_paths)?;
    if let Some(path) = file {
        let listed = crate::profiles::decoders::read_rules(path)?;
        let loaded = DecoderRules::loaded(&listed, proto_paths).map_err(|source| {
            CliError::RulesFileRule {
                path: path.to_path_buf(),
                source,
            }
        })?;
        rules.extend(loaded);
    }
    Ok(rules)
}

/// [`message_json`] with what the worker's decoder rules made of the payload: `decoded`,
/// or `decode_error` in words (the raw payload stays in the line either way). Sparkplug B
/// payloads under `spBv1.0/` are decoded when no rule matches, as the app does.
pub fn decoded_json(m: &Incoming) -> serde_json::Value {
    let mut line = message_json(m);
    if let Some(decoded) = m.message.payload.decoded()
        && let serde_json::Value::Object(o) = &mut line
    {
        match &decoded.result {
            Ok(_) => o.insert("decoded".into(), decoded.value().unwrap_or_default()),
            Err(why) => o.insert("decode_error".into(), why.to_string().into()),
        };
        if let Some(errors) = &decoded.schema_errors {
            o.insert("valid".into(), errors.is_empty().into());
            let errors: Vec<serde_json::Value> = errors.iter().map(|e| (**e).into()).collect();
            o.insert("errors".into(), errors.into());
        }
    }
    line
}

/// Connects, subscribes and writes one JSON line per message to `out` until `count`
/// messages or `timeout` (whichever first). Fails if no connection is made in time.
pub fn run_sub(
    settings: ConnectionSettings,
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
) -> Result<SubSummary, ReceiveError> {
    receive(
        (settings, DecoderRules::default(), None),
        count,
        timeout,
        out,
        |m| Some(json_line(&message_json(m))),
    )
}

/// A JSON value as one line, newline included.
pub(super) fn json_line(v: &serde_json::Value) -> Vec<u8> {
    let mut line = v.to_string().into_bytes();
    line.push(b'\n');
    line
}

/// Says on stderr which subscriptions the broker refused (from its SUBACK); fails when it
/// refused every one, since nothing can arrive then.
fn check_subscriptions(worker: &WorkerHandle) -> Result<(), ReceiveError> {
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
        return Err(ReceiveError::Refused(refused.join("; ")));
    }
    for line in refused {
        eprintln!("mqscope: {line}");
    }
    Ok(())
}

/// Connects, subscribes and writes the `record` of each message (decoded on the worker by
/// `rules`; `None` leaves it out) to `out` (flushed after every batch) until `count` messages or `timeout`,
/// whichever first.
pub(super) fn receive(
    (settings, rules, tap): (ConnectionSettings, DecoderRules, Option<crate::mqtt::Tap>),
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
    record: impl Fn(&Incoming) -> Option<Vec<u8>>,
) -> Result<SubSummary, ReceiveError> {
    let deadline = Instant::now() + timeout;
    let worker = session::connect_tapped(settings, (rules, tap), timeout)?;
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
            let Some(bytes_out) = record(&m) else {
                continue; // left out (-R), not counted
            };
            out.write_all(&bytes_out).map_err(ReceiveError::Write)?;
            bytes += bytes_out.len() as u64;
            messages += 1;
        }
        out.flush().map_err(ReceiveError::Write)?;
    }
    out.flush().map_err(ReceiveError::Write)?;
    let dropped = worker.events.dropped();
    session::disconnect(worker);
    Ok(SubSummary {
        messages,
        bytes,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, Payload};

    #[test]
    fn no_filter_means_everything_and_a_bad_one_is_named() {
        let all = subscriptions(Vec::new(), QoS::ExactlyOnce).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].filter.as_str(), all[0].qos),
            ("#", QoS::ExactlyOnce)
        );
        let e = subscriptions(vec!["a/#".into(), "a/#/b".into()], QoS::AtMostOnce).unwrap_err();
        assert_eq!(
            e.to_string(),
            "-t a/#/b: '#' must be a whole level and the last one"
        );
    }

    #[test]
    fn binary_payloads_print_as_base64_and_text_as_text() {
        let message = |payload: &[u8]| Incoming {
            topic: "t".into(),
            message: Message {
                received_at_us: 1_700_000_000_123_456,
                qos: QoS::AtLeastOnce,
                retain: true,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, 1 << 20),
                properties: None,
            },
        };
        let text = message_json(&message("héllo".as_bytes()));
        assert_eq!(text["payload"], "héllo");
        assert_eq!(
            (text["qos"].as_u64(), text["retain"].as_bool()),
            (Some(1), Some(true))
        );
        assert_eq!(text["received_at"], 1_700_000_000_123i64);
        let bin = message_json(&message(&[0xff, 0x00, 0xfe]));
        assert_eq!(bin["payload_base64"], "/wD+");
        assert!(bin.get("payload").is_none());
    }

    #[test]
    fn sparkplug_topics_are_decoded_without_a_rule_and_rules_come_first() {
        let on = |topic: &str, payload: &[u8]| Incoming {
            topic: topic.into(),
            message: Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, 1 << 20),
                properties: None,
            },
        };
        let decoded = |topic: &str, payload: &[u8], rules: &DecoderRules| {
            let mut m = on(topic, payload);
            let d = rules.decode(topic, payload);
            m.message.payload.set_decoded(d);
            decoded_json(&m)
        };
        let none = DecoderRules::default();
        // An empty Sparkplug payload message is a valid, empty Payload.
        let line = decoded("spBv1.0/g/NDATA/n", &[0x08, 0x01], &none);
        assert!(line["decoded"].is_object(), "{line}");
        let line = decoded("spBv1.0/g/NDATA/n", &[0xff], &none);
        let why = line["decode_error"].as_str().unwrap_or_default();
        assert!(why.starts_with("not Sparkplug B"), "{line}");
        // Not for STATE (JSON), nor elsewhere; a matching rule wins.
        let line = decoded("spBv1.0/STATE/host", b"{}", &none);
        assert!(line.get("decoded").is_none() && line.get("decode_error").is_none());
        let rules = DecoderRules::parse(["spBv1.0/#=hex+text"]).unwrap();
        let line = decoded("spBv1.0/g/NDATA/n", b"6869", &rules);
        assert_eq!(line["decoded"], "hi");
    }
}
