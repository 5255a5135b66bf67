//! MQTT 5 subscription options and identifiers, and what the CONNACK said, against a real
//! Mosquitto 2: retain handling 0/1/2, retain-as-published, no-local, identifiers on
//! overlapping filters; `sub`'s mosquitto_sub flags (-F, -v, -N, -R, --subscription-ids)
//! through the binary. Loopback only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, Mosquitto, free_port, worker};
use mqscope::model::{Incoming, QoS};
use mqscope::mqtt::{
    ConnectionSettings, MqttVersion, PublishRequest, RetainHandling, Subscription, WorkerCommand,
    WorkerHandle,
};

fn settings(port: u16, subs: Vec<Subscription>) -> ConnectionSettings {
    let mut s = common::settings(port, MqttVersion::V5, &[]);
    s.subscriptions = subs;
    s
}

fn connect(s: ConnectionSettings) -> WorkerHandle {
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(s)));
    common::wait_connected(&mut w, Duration::from_secs(10));
    w
}

/// Publishes `marker` (live, not retained) until it arrives at `w`, and returns every
/// message that came before it and it. What a broker sends on subscribing comes before.
fn until_marker(broker: &Mosquitto, w: &WorkerHandle, marker: &str) -> Vec<Incoming> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        broker.publish(&["-t", marker, "-m", "m"]);
        let wait_until = Instant::now() + Duration::from_millis(300);
        while let Some(batch) = w
            .events
            .recv_timeout(wait_until.saturating_duration_since(Instant::now()))
        {
            let done = batch.iter().any(|m| m.topic == marker);
            got.extend(batch);
            if done {
                return got;
            }
        }
    }
    panic!("{marker} never arrived; got {:?}", topics(&got));
}

fn topics(got: &[Incoming]) -> Vec<&str> {
    got.iter().map(|m| m.topic.as_str()).collect()
}

fn with(filter: &str, f: impl FnOnce(&mut Subscription)) -> Subscription {
    let mut s = Subscription::new(filter, QoS::AtLeastOnce);
    f(&mut s);
    s
}

#[test]
fn retain_handling_sends_retained_always_only_when_new_or_never() {
    let Some(broker) =
        Mosquitto::start("retain_handling_sends_retained_always_only_when_new_or_never")
    else {
        return;
    };
    broker.publish(&["-t", "rh/kept", "-m", "21.5", "-r"]);
    let kept = |got: &[Incoming]| got.iter().filter(|m| m.topic == "rh/kept").count();

    // 0 and 2 on fresh sessions.
    let w = connect(settings(broker.port, vec![with("rh/#", |_| {})]));
    assert_eq!(kept(&until_marker(&broker, &w, "rh/m0")), 1, "0: sent");
    let w = connect(settings(
        broker.port,
        vec![with("rh/#", |s| s.retain_handling = RetainHandling::Never)],
    ));
    assert_eq!(kept(&until_marker(&broker, &w, "rh/m2")), 0, "2: never");

    // 1 on a session the broker keeps: sent when the subscription is new, not when the
    // same subscription is made again on reconnecting.
    let persistent = |handling| {
        let mut s = settings(
            broker.port,
            vec![with("rh/#", |s| s.retain_handling = handling)],
        );
        s.client_id = "rh-persistent".into();
        s.clean_session = false;
        s.session_expiry_s = 300;
        s
    };
    let mut w = connect(persistent(RetainHandling::IfNew));
    assert!(!w.broker_info().unwrap().session_present);
    assert_eq!(kept(&until_marker(&broker, &w, "rh/m1a")), 1, "1: new");
    w.send(WorkerCommand::Disconnect);
    w.wait_state(Duration::from_secs(5), |s| !s.is_connected());
    let mut w = connect(persistent(RetainHandling::IfNew));
    assert!(
        w.broker_info().unwrap().session_present,
        "the broker kept the session"
    );
    assert_eq!(kept(&until_marker(&broker, &w, "rh/m1b")), 0, "1: not new");
    w.send(WorkerCommand::Disconnect);
    w.wait_state(Duration::from_secs(5), |s| !s.is_connected());
    // The same re-subscription with 0 gets it again.
    let w = connect(persistent(RetainHandling::Send));
    assert_eq!(kept(&until_marker(&broker, &w, "rh/m1c")), 1, "0 again");
}

#[test]
fn retain_as_published_keeps_the_flag_of_a_live_retained_message() {
    let Some(broker) =
        Mosquitto::start("retain_as_published_keeps_the_flag_of_a_live_retained_message")
    else {
        return;
    };
    let kept = connect(settings(broker.port, vec![with("rap/#", |_| {})]));
    let cleared = connect(settings(
        broker.port,
        vec![with("rap/#", |s| s.retain_as_published = false)],
    ));
    broker.publish(&["-t", "rap/live", "-m", "on", "-r"]);
    for (w, flag) in [(&kept, true), (&cleared, false)] {
        let got = until_marker(&broker, w, "rap/marker");
        let live = got.iter().find(|m| m.topic == "rap/live").unwrap();
        assert_eq!(live.message.retain, flag);
    }
}

#[test]
fn no_local_keeps_a_clients_own_messages_from_it() {
    let Some(broker) = Mosquitto::start("no_local_keeps_a_clients_own_messages_from_it") else {
        return;
    };
    let own = |w: &WorkerHandle, id| {
        let request = PublishRequest {
            id,
            topic: "nl/own".into(),
            payload: b"1".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: None,
            encode: None,
        };
        w.publish(request).unwrap();
    };
    let local = connect(settings(broker.port, vec![with("nl/#", |_| {})]));
    let no_local = connect(settings(
        broker.port,
        vec![with("nl/#", |s| s.no_local = true)],
    ));
    own(&local, 1);
    own(&no_local, 2);
    let seen = |w| {
        let got = until_marker(&broker, w, "nl/marker");
        got.iter().filter(|m| m.topic == "nl/own").count()
    };
    // Each sees the other's message; only `local` sees its own too.
    assert_eq!(seen(&local), 2);
    assert_eq!(seen(&no_local), 1);
}

#[test]
fn subscription_identifiers_say_which_filters_delivered() {
    let Some(broker) = Mosquitto::start("subscription_identifiers_say_which_filters_delivered")
    else {
        return;
    };
    let mut s = settings(
        broker.port,
        vec![
            with("ov/#", |_| {}),
            with("ov/+/x", |_| {}),
            with("ov/set/#", |s| s.id = Some(42)),
        ],
    );
    s.subscription_ids = true;
    let w = connect(s.clone());
    assert_eq!(w.subscriptions().len(), 3, "one SUBACK each, all answered");
    assert!(w.subscriptions().iter().all(|r| r.granted.is_ok()));
    for topic in ["ov/a/x", "ov/b", "ov/set/x"] {
        broker.publish(&["-t", topic, "-m", "1"]);
    }
    let got = until_marker(&broker, &w, "ov/zz");
    let ids = |topic: &str| -> BTreeSet<usize> {
        got.iter()
            .filter(|m| m.topic == topic)
            .flat_map(|m| {
                m.message
                    .properties
                    .as_ref()
                    .unwrap()
                    .subscription_identifiers
                    .clone()
            })
            .collect()
    };
    assert_eq!(
        ids("ov/a/x"),
        BTreeSet::from([1, 2]),
        "both overlapping filters"
    );
    assert_eq!(ids("ov/b"), BTreeSet::from([1]));
    assert_eq!(
        ids("ov/set/x"),
        BTreeSet::from([1, 2, 42]),
        "a set identifier"
    );
    assert_eq!(s.filters_of_id(2), ["ov/+/x"]);
    assert_eq!(s.filters_of_id(42), ["ov/set/#"]);
}

#[test]
fn the_connack_limits_of_a_configured_broker_are_read() {
    if !common::mosquitto_available("the_connack_limits_of_a_configured_broker_are_read") {
        return;
    }
    let broker = Mosquitto::start_on(
        free_port(),
        "max_qos 1\nretain_available false\nmax_packet_size 10000\nmax_topic_alias 10",
    );
    let w = connect(settings(
        broker.port,
        vec![with("lim/#", |s| s.qos = QoS::AtMostOnce)],
    ));
    let info = w.broker_info().unwrap();
    assert_eq!(info.maximum_qos, Some(1));
    assert_eq!(info.retain_available, Some(false));
    assert_eq!(info.maximum_packet_size, Some(10000));
    assert_eq!(info.topic_alias_maximum, Some(10));
    assert!(!info.session_present);
    assert!(info.assigned_client_id.is_none(), "our client id was taken");
    assert!(info.refuses_publish(QoS::ExactlyOnce, false, 10).is_some());
}

fn mqscope(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqscope"));
    c.args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()]);
    c
}

/// Runs `sub` with `args` while publishing `live` (not retained) every 200 ms, until it
/// exits; returns its output.
fn sub_while_publishing(broker: &Mosquitto, args: &[&str], live: &str) -> std::process::Output {
    let mut child = mqscope(broker.port, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "sub {args:?} did not end");
        broker.publish(&["-t", live, "-m", "now"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn sub_prints_formats_and_leaves_out_stale_retained() {
    let Some(broker) = Mosquitto::start("sub_prints_formats_and_leaves_out_stale_retained") else {
        return;
    };
    broker.publish(&["-t", "fmt/old", "-m", "21.5", "-r", "-q", "1"]);
    let out = mqscope(
        broker.port,
        &[
            "sub",
            "-t",
            "fmt/#",
            "-C",
            "1",
            "-W",
            "10",
            "-F",
            "%t|%p|%q|%r|%l|%x",
        ],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"fmt/old|21.5|0|1|4|32312e35\n");
    let out = mqscope(
        broker.port,
        &["sub", "-t", "fmt/#", "-C", "1", "-W", "10", "-v", "-N"],
    )
    .output()
    .unwrap();
    assert_eq!(out.stdout, b"fmt/old 21.5");
    // -R: the retained message is left out; the live one printed. Both protocol versions.
    for version in ["5", "3"] {
        let out = sub_while_publishing(
            &broker,
            &[
                "sub",
                "-t",
                "fmt/#",
                "-C",
                "1",
                "-W",
                "10",
                "-R",
                "-v",
                "--mqtt-version",
                version,
            ],
            "fmt/new",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"fmt/new now\n", "MQTT {version}");
    }
    // --subscription-ids: each -t numbered in order, and said in each JSON line.
    let out = sub_while_publishing(
        &broker,
        &[
            "sub",
            "-t",
            "x/none",
            "-t",
            "fmt/new",
            "-C",
            "1",
            "-W",
            "10",
            "-R",
            "--subscription-ids",
        ],
        "fmt/new",
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["subscription_identifiers"], serde_json::json!([2]));
}

#[test]
fn sub_usage_errors_exit_with_2_and_say_why() {
    // No broker is needed: these fail before connecting.
    let port = free_port();
    let out = mqscope(port, &["sub", "-F", "%t %m"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown code %m") && err.contains("%t topic"),
        "{err}"
    );
    let out = mqscope(port, &["sub", "-c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "-c needs a client id");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"));
}
