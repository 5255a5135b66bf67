//! `mqscope check`: probes a broker and says what it supports — the MQTT versions it
//! accepts, its CONNACK, the largest payload and the longest and deepest topics it
//! delivers, retained messages, wills, wildcards, shared subscriptions, subscription
//! identifiers, `$SYS`, and round trips at QoS 0, 1 and 2. Every probe goes through the
//! worker the app uses, on topics of its own under `mqscope/check/<random>`.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::CliError;
use super::args::CheckArgs;
use super::check_probe::{Probe, Trip, first_message, packet_size};
use super::check_report::{Feature, Limit, QosTrip, Report, VersionAnswer};
use super::session;
use crate::model::QoS;
use crate::mqtt::{BrokerInfo, ConnectionSettings, MqttVersion, Subscription};

/// Why there was nothing to probe.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the broker accepts neither MQTT 3.1.1 nor MQTT 5: {0}")]
    NoVersion(String),
    #[error("the probe connection failed: {0}")]
    Probe(String),
}

/// How long a connection may take.
pub(super) const CONNECT_WAIT: Duration = Duration::from_secs(5);
/// The largest payload probed when the broker announces no maximum packet size.
const PAYLOAD_PROBE_MAX: usize = 16 << 20;
/// The longest topic probed: the most an MQTT string holds.
const TOPIC_PROBE_MAX: usize = 65_535;
/// The deepest topic probed, in levels.
const LEVELS_PROBE_MAX: usize = 1_000;
/// Round trips timed per QoS.
const TRIPS: usize = 5;

/// Runs `mqscope check`.
pub fn run(args: CheckArgs) -> Result<ExitCode, CliError> {
    // Only sizes matter: payloads are not kept.
    let settings = args.connection.form()?.to_settings(64)?;
    let report = check(settings, Duration::from_millis(args.wait_ms)).map_err(CliError::Check)?;
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    Ok(ExitCode::SUCCESS)
}

/// Probes the broker of `settings`; `wait` is how long a message that does not come is
/// waited for.
pub fn check(settings: ConnectionSettings, wait: Duration) -> Result<Report, CheckError> {
    let mut report = Report {
        broker: settings.url(),
        ..Report::default()
    };
    let mut infos = Vec::new();
    for version in [MqttVersion::V311, MqttVersion::V5] {
        let mut s = settings.clone();
        s.version = version;
        s.subscriptions.clear();
        let answer = match session::connect(s, Default::default(), CONNECT_WAIT) {
            Ok(w) => {
                infos.extend(w.broker_info());
                // The next version's probe uses the same client id: this one must be gone.
                session::disconnect_within(w, CONNECT_WAIT);
                VersionAnswer::accepted(version)
            }
            Err(e) => VersionAnswer::refused(version, e.to_string()),
        };
        report.versions.push(answer);
    }
    let Some(info) = infos.pop() else {
        let why = report.versions.iter().map(|v| v.text()).collect::<Vec<_>>();
        return Err(CheckError::NoVersion(why.join("; ")));
    };
    let base = format!(
        "mqscope/check/{}",
        crate::mqtt::settings::random_client_id()
    );
    let mut s = settings.clone();
    s.version = info.version;
    s.subscriptions = vec![Subscription::new(format!("{base}/#"), QoS::ExactlyOnce)];
    let mut probe = Probe::open(s, base, wait).map_err(CheckError::Probe)?;
    let granted = probe.granted();
    report.probed_with = info.version.label().to_string();
    report.qos = qos_trips(&mut probe, &info, granted);
    report.largest_payload = largest_payload(&mut probe, &info);
    report.topic_length = topic_length(&mut probe, &info);
    report.topic_levels = topic_levels(&mut probe, &info);
    report.features = vec![
        retained(&mut probe, &info),
        will(&mut probe),
        wildcards(&mut probe, &info),
        shared(&mut probe, &info),
        subscription_ids(&mut probe, &info),
        sys(&probe),
    ];
    report.connack = Some(info);
    probe.close();
    Ok(report)
}

/// Round trips at each QoS the broker takes, timed; the QoS each arrived with.
fn qos_trips(probe: &mut Probe, info: &BrokerInfo, granted: Option<QoS>) -> Vec<QosTrip> {
    let topic = format!("{}/qos", probe.base());
    (0..=2u8)
        .filter_map(QoS::from_u8)
        .map(|qos| {
            if info.version == MqttVersion::V5 && qos.as_u8() > info.max_qos().as_u8() {
                return QosTrip::skipped(
                    qos,
                    format!(
                        "not sent: the CONNACK says QoS {} at most",
                        info.max_qos().as_u8()
                    ),
                );
            }
            let mut times = Vec::new();
            let mut delivered = qos;
            for n in 0..TRIPS {
                match probe.trip(
                    &format!("{topic}/{}/{n}", qos.as_u8()),
                    vec![b'q'],
                    qos,
                    false,
                ) {
                    Trip::Arrived(m, rtt) => {
                        delivered = m.message.qos.min(delivered);
                        times.push(rtt);
                    }
                    Trip::Missing => return QosTrip::failed(qos, "sent, never delivered".into()),
                    Trip::Failed(why) => return QosTrip::failed(qos, why),
                }
            }
            QosTrip::timed(qos, &mut times, delivered, granted)
        })
        .collect()
}

/// The largest payload that comes back, probed up to the announced maximum packet size
/// (or 16 MiB) by halving.
fn largest_payload(probe: &mut Probe, info: &BrokerInfo) -> Limit {
    let v5 = info.version == MqttVersion::V5;
    let base = probe.base().to_string();
    let topic = |n: usize| format!("{base}/size/{n}");
    let announced = info.maximum_packet_size.map(|m| m as usize);
    let fits = |payload: usize| announced.is_none_or(|m| packet_size(&topic(0), payload, v5) <= m);
    let upper = largest_fitting(PAYLOAD_PROBE_MAX, fits);
    let mut attempt = 0;
    let mut arrives = |probe: &mut Probe, size: usize| {
        attempt += 1;
        let t = topic(attempt);
        matches!(probe.trip(&t, vec![b'p'; size], QoS::AtLeastOnce, false),
            Trip::Arrived(m, _) if m.message.payload.original_len() == size)
    };
    if arrives(probe, upper) {
        let bound = (upper < PAYLOAD_PROBE_MAX).then_some("the announced maximum packet size");
        return Limit::reached(upper, upper, bound);
    }
    let (mut good, mut bad) = (0, upper);
    if !arrives(probe, 0) {
        return Limit::none(upper);
    }
    while bad - good > (good / 1000).max(1) {
        let mid = good + (bad - good) / 2;
        if arrives(probe, mid) {
            good = mid
        } else {
            bad = mid
        }
    }
    Limit::found(good, bad, upper)
}

/// The most `n` for which `len(n)` bytes of topic fit the announced maximum packet size
/// (with an empty payload), up to `most`; and whether that bound is below `most`.
fn within_packet(info: &BrokerInfo, most: usize, len: impl Fn(usize) -> usize) -> (usize, bool) {
    let v5 = info.version == MqttVersion::V5;
    let Some(max) = info.maximum_packet_size.map(|m| m as usize) else {
        return (most, false);
    };
    let fits = |n: usize| packet_size(&"t".repeat(len(n)), 0, v5) <= max;
    let most_fitting = largest_fitting(most, fits);
    (most_fitting, most_fitting < most)
}

/// The largest `n` in `0..=most` that `fits` (which holds up to some point, then never).
fn largest_fitting(most: usize, fits: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, most);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

const PACKET_BOUND: &str = "as much as the announced maximum packet size allows";

/// The longest topic delivered, probed up to 65,535 bytes.
fn topic_length(probe: &mut Probe, info: &BrokerInfo) -> Limit {
    let base = format!("{}/len/", probe.base());
    let make = |len: usize| {
        let pad = len.saturating_sub(base.len());
        format!("{base}{}", "l".repeat(pad))
    };
    let (hi, bounded) = within_packet(info, TOPIC_PROBE_MAX, |n| n);
    let bound = bounded.then_some(PACKET_BOUND);
    probe.limit_by_batches((base.len() + 1, hi), bound, &make)
}

/// The deepest topic delivered, in levels, probed up to 1,000.
fn topic_levels(probe: &mut Probe, info: &BrokerInfo) -> Limit {
    let base = format!("{}/lvl", probe.base());
    let own = base.split('/').count();
    let make = |levels: usize| format!("{base}{}", "/v".repeat(levels.saturating_sub(own)));
    let (hi, bounded) = within_packet(info, LEVELS_PROBE_MAX, |n| make(n).len());
    let bound = bounded.then_some(PACKET_BOUND);
    probe.limit_by_batches((own + 1, hi), bound, &make)
}

fn retained(probe: &mut Probe, info: &BrokerInfo) -> Feature {
    let name = "Retained messages";
    if info.retain_available == Some(false) {
        return Feature::no(name, "the CONNACK says retain is not available");
    }
    let topic = format!("{}/retained", probe.base());
    if let Trip::Failed(why) = probe.trip(&topic, b"r".to_vec(), QoS::AtLeastOnce, true) {
        return Feature::no(name, &format!("a retained publish failed: {why}"));
    }
    let later = probe.subscriber(Subscription::new(&topic, QoS::AtLeastOnce));
    let got = later.map(|w| {
        let m = first_message(&w, probe.wait(), |m| m.topic == topic);
        session::disconnect(w);
        m
    });
    probe.clear(&topic);
    match got {
        Ok(Some(m)) if m.message.retain => {
            Feature::yes(name, "a later subscriber got it, flagged retained")
        }
        Ok(Some(_)) => Feature::no(name, "a later subscriber got it without the retain flag"),
        Ok(None) => Feature::no(name, "a later subscriber got nothing"),
        Err(e) => Feature::unknown(name, &e),
    }
}

fn will(probe: &mut Probe) -> Feature {
    let name = "Wills";
    match probe.will_after_cut() {
        Ok(Some(after)) => Feature::yes(
            name,
            &format!("sent {} ms after the connection broke", after.as_millis()),
        ),
        Ok(None) => Feature::no(name, "none came after the connection broke"),
        Err(e) => Feature::unknown(name, &e),
    }
}

fn wildcards(probe: &mut Probe, info: &BrokerInfo) -> Feature {
    let name = "Wildcards";
    if info.wildcards_available == Some(false) {
        return Feature::no(
            name,
            "the CONNACK says wildcard subscriptions are not available",
        );
    }
    let filter = format!("{}/plus/+/x", probe.base());
    let topic = format!("{}/plus/a/x", probe.base());
    match probe.delivers(Subscription::new(filter, QoS::AtMostOnce), &topic) {
        // The probes themselves arrive through `…/#`.
        Ok(Some(_)) => Feature::yes(name, "# and + both deliver"),
        Ok(None) => Feature::no(name, "# delivers, + does not"),
        Err(e) => Feature::unknown(name, &e),
    }
}

fn shared(probe: &mut Probe, info: &BrokerInfo) -> Feature {
    let name = "Shared subscriptions";
    if info.shared_subscriptions_available == Some(false) {
        return Feature::no(
            name,
            "the CONNACK says shared subscriptions are not available",
        );
    }
    let filter = format!("$share/mqscope-check/{}/shared", probe.base());
    let topic = format!("{}/shared", probe.base());
    match probe.delivers(Subscription::new(filter, QoS::AtMostOnce), &topic) {
        Ok(Some(_)) => Feature::yes(name, "$share/GROUP/… delivers"),
        Ok(None) => Feature::no(name, "$share/GROUP/… delivered nothing"),
        Err(e) => Feature::unknown(name, &e),
    }
}

fn subscription_ids(probe: &mut Probe, info: &BrokerInfo) -> Feature {
    let name = "Subscription identifiers";
    if info.version != MqttVersion::V5 {
        return Feature::no(name, "MQTT 5 only (the broker does not speak it)");
    }
    if info.subscription_ids_available == Some(false) {
        return Feature::no(name, "the CONNACK says they are not available");
    }
    let topic = format!("{}/subid", probe.base());
    let mut sub = Subscription::new(&topic, QoS::AtMostOnce);
    sub.id = Some(7);
    match probe.delivers(sub, &topic) {
        Ok(Some(m)) => {
            let ids: HashSet<usize> = m
                .message
                .properties
                .map(|p| p.subscription_identifiers.into_iter().collect())
                .unwrap_or_default();
            if ids.contains(&7) {
                Feature::yes(name, "a message carried its subscription's identifier")
            } else {
                Feature::no(name, "the message carried no identifier")
            }
        }
        Ok(None) => Feature::no(name, "a subscription with an identifier got nothing"),
        Err(e) => Feature::unknown(name, &e),
    }
}

fn sys(probe: &Probe) -> Feature {
    let name = "$SYS topics";
    let sub = probe.subscriber(Subscription::new("$SYS/#", QoS::AtMostOnce));
    match sub {
        Ok(w) => {
            let started = Instant::now();
            let m = first_message(&w, probe.wait(), |_| true);
            session::disconnect(w);
            match m {
                Some(m) => Feature::yes(
                    name,
                    &format!("{} within {} ms", m.topic, started.elapsed().as_millis()),
                ),
                None => Feature::no(
                    name,
                    &format!("nothing on $SYS/# within {} ms", probe.wait().as_millis()),
                ),
            }
        }
        Err(e) => Feature::unknown(name, &e),
    }
}
