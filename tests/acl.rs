//! MQTT 5 refusals from real brokers: a publish that Mosquitto's ACL denies at QoS 1 and 2
//! is said in words (never "acknowledged", never waiting forever) while allowed topics
//! still pass; a subscription the broker refuses in its SUBACK is shown on that filter —
//! in the worker, in `mqscope pub` / `mqscope sub`, and in the app's connections window.
//! (Mosquitto's ACL file never refuses a SUBSCRIBE; the local broker refuses the filter
//! `$share/g`, a shared subscription without a topic, with 0x8F.)
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::{
    LocalBroker, Mosquitto, free_port, mosquitto_available, settings, wait_connected, worker,
};
use mqscope::model::QoS;
use mqscope::mqtt::{
    Delivered, MqttVersion, PublishError, PublishRequest, Subscription, WorkerCommand,
};

const T: Duration = Duration::from_secs(10);
const REFUSED: &str = "refused by the broker: not authorized (0x87)";
/// A filter the local broker refuses.
const BAD_SHARE: &str = "$share/g";

/// Mosquitto where alice may read and write `allowed/#`, only read `secret/#`, and
/// nothing else; admin may do anything; anonymous clients are refused.
fn acl_broker(test: &str) -> Option<Mosquitto> {
    acl_broker_with(test, "")
}

fn acl_broker_with(test: &str, extra: &str) -> Option<Mosquitto> {
    if !mosquitto_available(test) {
        return None;
    }
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("mqscope-acl-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let passwd = dir.join("passwd");
    let acl = dir.join("acl");
    let made = Command::new("mosquitto_passwd")
        .args(["-b", "-c"])
        .arg(&passwd)
        .args(["alice", "s3cret"])
        .status()
        .unwrap();
    assert!(made.success(), "mosquitto_passwd");
    let made = Command::new("mosquitto_passwd")
        .arg("-b")
        .arg(&passwd)
        .args(["admin", "r00t"])
        .status()
        .unwrap();
    assert!(made.success(), "mosquitto_passwd");
    std::fs::write(
        &acl,
        "user alice\ntopic readwrite allowed/#\ntopic read secret/#\n\nuser admin\ntopic readwrite #\n",
    )
    .unwrap();
    common::make_readable(&[&dir, &passwd, &acl]);
    let extra = format!(
        "allow_anonymous false\npassword_file {}\nacl_file {}\n{extra}",
        passwd.display(),
        acl.display()
    );
    Some(Mosquitto::start_on(port, &extra))
}

fn alice(port: u16, filters: &[&str]) -> mqscope::mqtt::ConnectionSettings {
    let mut s = settings(port, MqttVersion::V5, &[]);
    s.subscriptions = filters
        .iter()
        .map(|f| Subscription::new(*f, QoS::AtLeastOnce))
        .collect();
    s.username = Some("alice".into());
    s.password = Some("s3cret".into());
    s
}

#[test]
fn a_refused_subscription_is_said_on_its_filter() {
    if !mosquitto_available("a_refused_subscription_is_said_on_its_filter") {
        return;
    }
    let b = LocalBroker::start(&[]);
    // MQTT 5: over 3.1.1 this broker closes the connection instead of answering.
    let mut w = worker();
    let mut s = settings(b.port, MqttVersion::V5, &[]);
    s.subscriptions = ["fine/#", BAD_SHARE]
        .iter()
        .map(|f| Subscription::new(*f, QoS::AtLeastOnce))
        .collect();
    w.send(WorkerCommand::Connect(Box::new(s)));
    wait_connected(&mut w, T);
    let subs = w.subscriptions();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert_eq!(subs[0].granted, Ok(QoS::AtLeastOnce));
    assert_eq!(subs[1].filter, BAD_SHARE);
    let why = subs[1].granted.unwrap_err();
    assert!(why.is_failure(), "{why}");
    assert_eq!(why.to_string(), "topic filter invalid (0x8F)");
}

#[test]
fn denied_publishes_are_refusals_in_words() {
    let Some(broker) = acl_broker("denied_publishes_are_refusals_in_words") else {
        return;
    };
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(alice(
        broker.port,
        &["allowed/#"],
    ))));
    wait_connected(&mut w, T);
    assert_eq!(w.subscriptions()[0].granted, Ok(QoS::AtLeastOnce));

    let cases = [
        ("secret/one", QoS::AtLeastOnce, Err(REFUSED.to_string())),
        ("secret/two", QoS::ExactlyOnce, Err(REFUSED.to_string())),
        ("allowed/one", QoS::AtLeastOnce, Ok(Delivered::Acknowledged)),
        ("allowed/two", QoS::ExactlyOnce, Ok(Delivered::Acknowledged)),
    ];
    for (id, (topic, qos, expected)) in cases.into_iter().enumerate() {
        let request = PublishRequest {
            id: id as u64,
            topic: topic.into(),
            payload: b"1".to_vec(),
            qos,
            retain: false,
            properties: None,
            encode: None,
        };
        w.publish(request).unwrap();
        let outcome = w
            .outcomes
            .recv_timeout(T)
            .unwrap_or_else(|| panic!("{topic} at {qos:?}: no outcome in {T:?}"));
        assert_eq!(outcome.id, id as u64);
        let got = outcome.result.map_err(|e| {
            assert!(matches!(e, PublishError::Refused(_)), "{e:?}");
            e.to_string()
        });
        assert_eq!(got, expected, "{topic} at {qos:?}");
    }
}

fn mqscope(port: u16, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--mqtt-version", "5", "--username", "alice"])
        .args(["--password-env", "ACL_TEST_PASSWORD"])
        .env("ACL_TEST_PASSWORD", "s3cret")
        .output()
        .unwrap()
}

#[test]
fn pub_and_sub_exit_non_zero_on_refusals() {
    let Some(broker) = acl_broker("pub_and_sub_exit_non_zero_on_refusals") else {
        return;
    };
    for q in ["1", "2"] {
        let out = mqscope(broker.port, &["pub", "-t", "secret/x", "-m", "1", "-q", q]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "QoS {q}: {err}");
        assert!(err.contains(REFUSED), "QoS {q}: {err}");
        let out = mqscope(broker.port, &["pub", "-t", "allowed/x", "-m", "1", "-q", q]);
        assert!(
            out.status.success(),
            "QoS {q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let local = LocalBroker::start(&[]);
    let sub = |filters: &[&str]| {
        let mut args = vec!["sub", "--timeout-ms", "500", "--mqtt-version", "5"];
        for f in filters {
            args.extend(["-t", f]);
        }
        Command::new(env!("CARGO_BIN_EXE_mqscope"))
            .args(&args)
            .args(["--host", "127.0.0.1", "--port", &local.port.to_string()])
            .output()
            .unwrap()
    };
    let out = sub(&[BAD_SHARE]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    let said = "subscription to $share/g refused by the broker: topic filter invalid (0x8F)";
    assert!(err.contains(said), "{err}");
    let out = sub(&["fine/#", BAD_SHARE]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "one filter granted: {err}");
    assert!(err.contains(said), "{err}");
}

#[test]
fn the_connections_window_shows_a_refused_subscription() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;
    use mqscope::app::{App, StartOptions};
    if !mosquitto_available("the_connections_window_shows_a_refused_subscription") {
        return;
    }
    let broker = LocalBroker::start(&[]);
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        host: "127.0.0.1".into(),
        version: MqttVersion::V5,
        subscriptions: alice(broker.port, &["fine/#", BAD_SHARE]).subscriptions,
        ..Default::default()
    };
    let options = StartOptions {
        form,
        connect: true,
        show: vec!["connections".into()],
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, options));
    let deadline = std::time::Instant::now() + T;
    while !h.state().connection().is_connected() && std::time::Instant::now() < deadline {
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(3);
    assert!(h.state().connection().is_connected());
    let shown = h
        .query_by_label_contains("refused by the broker: topic filter invalid (0x8F)")
        .is_some();
    assert!(
        shown,
        "the refused filter says why in the connections window"
    );
}

#[test]
fn a_clean_up_the_acl_refuses_says_so_instead_of_cleared() {
    use mqscope::mqtt::ClearProgress;
    let Some(broker) = acl_broker("a_clean_up_the_acl_refuses_says_so_instead_of_cleared") else {
        return;
    };
    for i in 0..3 {
        broker.publish(&[
            "-u",
            "admin",
            "-P",
            "r00t",
            "-t",
            &format!("secret/{i}"),
            "-m",
            "x",
            "-r",
        ]);
    }
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(alice(
        broker.port,
        &["secret/#"],
    ))));
    wait_connected(&mut w, T);
    let (progress, watch) = tokio::sync::watch::channel(ClearProgress::default());
    w.send(WorkerCommand::ClearRetained {
        topics: (0..3).map(|i| format!("secret/{i}")).collect(),
        cancel: std::sync::Arc::default(),
        progress,
    });
    let deadline = std::time::Instant::now() + T;
    while !watch.borrow().finished && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let p = watch.borrow().clone();
    assert!(p.finished, "{p:?}");
    assert_eq!(
        (p.done, p.refused, p.total),
        (0, 3, 3),
        "refused, not cleared"
    );
}

#[test]
fn refused_qos2_publishes_do_not_use_up_the_client() {
    // A small receive maximum: rumqttc keeps the slot of each refused QoS 2 publish.
    let Some(broker) = acl_broker_with(
        "refused_qos2_publishes_do_not_use_up_the_client",
        "max_inflight_messages 10",
    ) else {
        return;
    };
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(alice(broker.port, &[]))));
    wait_connected(&mut w, T);
    for id in 0..25u64 {
        let request = PublishRequest {
            id,
            topic: "secret/denied".into(),
            payload: b"1".to_vec(),
            qos: QoS::ExactlyOnce,
            retain: false,
            properties: None,
            encode: None,
        };
        w.publish(request).unwrap();
        let o = w.outcomes.recv_timeout(T).expect("an outcome for each");
        assert_eq!(o.id, id);
        assert!(o.result.is_err(), "{o:?}");
    }
    wait_connected(&mut w, T);
    w.publish(PublishRequest {
        id: 100,
        topic: "allowed/after".into(),
        payload: b"1".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: None,
        encode: None,
    })
    .unwrap();
    let o = w
        .outcomes
        .recv_timeout(T)
        .expect("the allowed publish answered");
    assert_eq!((o.id, o.result), (100, Ok(Delivered::Acknowledged)));
}
