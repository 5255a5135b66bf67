//! MQTT 5 subscription options and identifiers, and what the CONNACK said, against a real
//! Mosquitto 2: retain handling 0/1/2, retain-as-published, no-local, identifiers on
//! overlapping filters; `sub`'s mosquitto_sub flags (-F, -v, -N, -R, --subscription-ids)
//! through the binary. Loopback only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::process::Stdio;
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
        // Acknowledged: the broker has it, so it reaches subscribers before the marker.
        let outcome = w.outcomes.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(outcome.result.is_ok(), "{outcome:?}");
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
    assert_eq!(
        s.id_filters(),
        [
            (1, "ov/#".into()),
            (2, "ov/+/x".into()),
            (42, "ov/set/#".into())
        ]
    );
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

use crate::common::mqscope_at as mqscope;

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
    common::assert_ok(&out);
    assert_eq!(out.stdout, b"fmt/old|21.5|0|1|4|32312e35\n");
    // %m: the packet id a QoS 1 delivery came with (0 at QoS 0, as above).
    let out = mqscope(
        broker.port,
        &[
            "sub", "-t", "fmt/#", "-q", "1", "-C", "1", "-W", "10", "-F", "%q %m",
        ],
    )
    .output()
    .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    let (qos, mid) = line.trim().split_once(' ').unwrap();
    assert_eq!(qos, "1", "{line}");
    assert!(mid.parse::<u16>().unwrap() >= 1, "{line}");
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
        common::assert_ok(&out);
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
    let out = mqscope(port, &["sub", "-F", "%t %w"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown code %w") && err.contains("%t topic"),
        "{err}"
    );
    let out = mqscope(port, &["sub", "-c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "-c needs a client id");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"));
}

#[test]
fn the_window_sets_subscription_options_and_shows_what_the_broker_said() {
    use crate::common::window::run_until;
    use egui_kittest::kittest::Queryable;
    use mqscope::app::StartOptions;
    if !common::mosquitto_available(
        "the_window_sets_subscription_options_and_shows_what_the_broker_said",
    ) {
        return;
    }
    let broker = Mosquitto::start_on(free_port(), "max_qos 1\nmax_packet_size 5000");
    let mut form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        subscriptions: vec![Subscription::new("win/#", QoS::AtMostOnce)],
        ..Default::default()
    };
    form.subscription_ids = true;
    let options = StartOptions {
        show: vec!["connections".into()],
        ..StartOptions::default()
    };
    let mut h = crate::common::window::connected_app(form, options, 900.0);
    // The numbered subscription says its identifier on its options button.
    h.get_by_label("id 1").click();
    h.run_steps(2);
    h.get_by_label("No local: not the messages this connection publishes")
        .click();
    h.run_steps(2);
    assert!(
        h.query_by_label("no-local, id 1").is_some(),
        "the button sums the options up"
    );
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    // A new filter while connected: applied at once, no reconnect.
    // The no-local change waits to be applied to the live connection, with a new filter.
    assert!(h.query_by_label("Apply subscriptions").is_some());
    h.get_by_label("Add subscription").click();
    h.run_steps(2);
    crate::common::window::type_into(&mut h, egui::Role::TextInput, "2.", "added/#");
    h.get_by_label("Apply subscriptions").click();
    h.run_steps(2);
    assert!(h.query_by_label("Apply subscriptions").is_none(), "applied");
    // What the CONNACK said, in words.
    h.get_by_label("Connection info…").click();
    h.run_steps(3);
    assert!(h.query_by_label("5000 B").is_some(), "maximum packet size");
    assert!(h.query_by_label("no: a new session").is_some());
    assert!(h.query_by_label("Maximum QoS").is_some());
    assert!(
        h.query_by_label("no limit stated").is_none(),
        "every limit was stated"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while h.state().store().tree().find("added/x").is_none() {
        assert!(Instant::now() < deadline, "added/# never delivered");
        broker.publish(&["-t", "added/x", "-m", "1"]);
        run_until(&mut h, Duration::from_millis(300), |a| {
            a.store().tree().find("added/x").is_some()
        });
    }
    assert!(h.state().connection().is_connected());
}

#[test]
fn subscriptions_change_while_connected_without_reconnecting() {
    let Some(broker) =
        Mosquitto::start("subscriptions_change_while_connected_without_reconnecting")
    else {
        return;
    };
    let w = connect(settings(broker.port, vec![with("old/#", |_| {})]));
    let seen = |got: &[Incoming], topic: &str| got.iter().any(|m| m.topic == topic);
    broker.publish(&["-t", "old/a", "-m", "1"]);
    let got = until_marker(&broker, &w, "old/marker");
    assert!(seen(&got, "old/a"));
    // old/# goes, new/# comes with an identifier and no retained messages.
    broker.publish(&["-t", "new/kept", "-m", "r", "-r"]);
    let list = vec![with("new/#", |s| {
        s.id = Some(9);
        s.retain_handling = RetainHandling::Never;
    })];
    w.send(WorkerCommand::Subscriptions {
        list,
        numbered: false,
    });
    let answered = Instant::now() + Duration::from_secs(10);
    while !(w.subscriptions().len() == 1 && w.subscriptions()[0].filter == "new/#") {
        assert!(Instant::now() < answered, "{:?}", w.subscriptions());
        std::thread::sleep(Duration::from_millis(20));
    }
    broker.publish(&["-t", "old/b", "-m", "2"]);
    let got = until_marker(&broker, &w, "new/marker");
    assert!(!seen(&got, "old/b"), "unsubscribed: {:?}", topics(&got));
    assert!(
        !seen(&got, "new/kept"),
        "retain handling 2 on the new filter"
    );
    let marker = got.iter().find(|m| m.topic == "new/marker").unwrap();
    let ids = &marker
        .message
        .properties
        .as_ref()
        .unwrap()
        .subscription_identifiers;
    assert_eq!(ids, &[9]);
    assert!(w.state().is_connected());
    assert!(
        !w.broker_info().unwrap().session_present,
        "still the first connection"
    );
}

#[test]
fn the_window_says_a_resumed_session_and_the_expiry_left_of_a_message() {
    use egui_kittest::kittest::Queryable as _;
    let Some(broker) =
        Mosquitto::start("the_window_says_a_resumed_session_and_the_expiry_left_of_a_message")
    else {
        return;
    };
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        client_id: "resume-me".into(),
        clean_session: false,
        session_expiry_s: "60".into(),
        ..Default::default()
    };
    let options = mqscope::app::StartOptions {
        select: Some("exp/t".into()),
        ..Default::default()
    };
    let mut h = common::window::connected_app(form, options, 900.0);
    assert!(
        h.query_by_label_contains("session resumed").is_none(),
        "a new session"
    );
    h.query_all_by_label("Disconnect")
        .next()
        .unwrap()
        .click_accesskit();
    assert!(common::window::run_until(
        &mut h,
        Duration::from_secs(5),
        |a| { !a.connection().is_active() }
    ));
    h.query_all_by_label("Connect")
        .next()
        .unwrap()
        .click_accesskit();
    assert!(common::window::run_until(
        &mut h,
        Duration::from_secs(10),
        |a| { a.connection().is_connected() }
    ));
    let resumed = (0..100).any(|_| {
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
        h.query_by_label_contains("session resumed").is_some()
    });
    assert!(resumed, "the broker kept it: {:?}", h.state().connection());
    broker.publish(&[
        "-V",
        "5",
        "-t",
        "exp/t",
        "-m",
        "soon",
        "-D",
        "publish",
        "message-expiry-interval",
        "90",
    ]);
    let shown = (0..250).any(|_| {
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
        h.query_by_label_contains("s left when delivered (until ")
            .is_some()
    });
    assert!(shown, "the inspector says the expiry left");
}
