//! MQTT 5 refusals from a real Mosquitto with a password file and an ACL: a denied publish
//! at QoS 1 and 2 is said in words (never "acknowledged", never waiting forever), a denied
//! subscription is shown on that filter, and allowed topics still pass — in the worker, in
//! `mqscope pub` / `mqscope sub`, and in the app's connections window.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Mosquitto, free_port, mosquitto_available, settings, wait_connected, worker};
use mqscope::model::QoS;
use mqscope::mqtt::{
    Delivered, MqttVersion, PublishError, PublishRequest, Subscription, WorkerCommand,
};

const T: Duration = Duration::from_secs(10);
const REFUSED: &str = "refused by the broker: not authorized (0x87)";

/// Mosquitto where alice may read and write `allowed/#`, only read `secret/#`, and
/// nothing else; anonymous clients are refused.
fn acl_broker(test: &str) -> Option<Mosquitto> {
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
    std::fs::write(
        &acl,
        "user alice\ntopic readwrite allowed/#\ntopic read secret/#\n",
    )
    .unwrap();
    common::make_readable(&[&dir, &passwd, &acl]);
    let extra = format!(
        "allow_anonymous false\npassword_file {}\nacl_file {}",
        passwd.display(),
        acl.display()
    );
    Some(Mosquitto::start_on(port, &extra))
}

fn alice(port: u16, filters: &[&str]) -> mqscope::mqtt::ConnectionSettings {
    let mut s = settings(port, MqttVersion::V5, &[]);
    s.subscriptions = filters
        .iter()
        .map(|f| Subscription {
            filter: (*f).into(),
            qos: QoS::AtLeastOnce,
        })
        .collect();
    s.username = Some("alice".into());
    s.password = Some("s3cret".into());
    s
}

#[test]
fn denied_publishes_and_subscriptions_are_refusals_in_words() {
    let Some(broker) = acl_broker("denied_publishes_and_subscriptions_are_refusals_in_words")
    else {
        return;
    };
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(alice(
        broker.port,
        &["allowed/#", "forbidden/#"],
    ))));
    wait_connected(&mut w, T);
    let subs = w.subscriptions();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert_eq!(subs[0].granted, Ok(QoS::AtLeastOnce));
    let refused = subs[1].granted.unwrap_err();
    assert_eq!(
        (subs[1].filter.as_str(), refused.code),
        ("forbidden/#", 0x87)
    );

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
    let out = mqscope(
        broker.port,
        &["sub", "-t", "forbidden/#", "--timeout-ms", "500"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("subscription to forbidden/# refused by the broker: not authorized (0x87)"),
        "{err}"
    );
    let out = mqscope(
        broker.port,
        &[
            "sub",
            "-t",
            "allowed/#",
            "-t",
            "forbidden/#",
            "--timeout-ms",
            "500",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "one filter allowed: {err}");
    assert!(err.contains("forbidden/# refused"), "{err}");
}

#[test]
fn the_connections_window_shows_a_refused_subscription() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;
    use mqscope::app::{App, StartOptions};
    let Some(broker) = acl_broker("the_connections_window_shows_a_refused_subscription") else {
        return;
    };
    let mut form = mqscope::mqtt::ConnectionForm::default();
    form.port = broker.port.to_string();
    form.host = "127.0.0.1".into();
    form.version = MqttVersion::V5;
    form.username = "alice".into();
    form.password = "s3cret".into();
    form.subscriptions = alice(broker.port, &["allowed/#", "forbidden/#"]).subscriptions;
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
    let shown = h.query_by_label_contains("not authorized (0x87)").is_some();
    assert!(
        shown,
        "the refused filter says why in the connections window"
    );
}
