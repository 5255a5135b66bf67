//! `mqscope request` (MQTT 5 request/response) against a real Mosquitto and a responder on
//! the app's own client: the matching reply with its round-trip time, a reply with other
//! correlation data left out, a timeout. Loopback only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{self, Mosquitto};

fn request(port: u16, args: &[&str]) -> std::process::Output {
    common::mqscope_at(port, &[&["request"], args].concat())
        .output()
        .unwrap()
}

#[test]
fn request_prints_the_reply_that_matches_with_its_round_trip() {
    let Some(broker) =
        Mosquitto::start("request_prints_the_reply_that_matches_with_its_round_trip")
    else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let answering = common::responder(broker.port, stop.clone());
    let out = request(
        broker.port,
        &[
            "-t",
            "svc/req",
            "-m",
            "ping",
            "--response-topic",
            "svc/answers/7",
            "-q",
            "1",
        ],
    );
    stop.store(true, Ordering::Relaxed);
    answering.join().unwrap();
    common::assert_ok(&out);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["topic"], "svc/answers/7");
    assert_eq!(line["payload"], "pong:ping");
    let rtt = line["rtt_ms"].as_f64().unwrap();
    assert!(rtt > 0.0 && rtt < 5000.0, "{line}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("1 replies with other correlation data were left out"),
        "{said}"
    );
}

#[test]
fn request_without_a_responder_times_out_in_words() {
    let Some(broker) = Mosquitto::start("request_without_a_responder_times_out_in_words") else {
        return;
    };
    let out = request(
        broker.port,
        &["-t", "svc/none", "--timeout-ms", "300", "-i", "rr-1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("no reply on mqscope/reply/rr-1 within 300 ms"),
        "{said}"
    );
    let out = request(broker.port, &["-t", "svc/none", "--mqtt-version", "3"]);
    assert_eq!(out.status.code(), Some(2), "MQTT 5 only");
}

#[test]
fn the_publish_panel_waits_for_the_reply_and_shows_its_round_trip() {
    use crate::common::window::type_into;
    use egui::Role;
    use egui_kittest::kittest::Queryable;
    use mqscope::app::StartOptions;
    let Some(broker) =
        Mosquitto::start("the_publish_panel_waits_for_the_reply_and_shows_its_round_trip")
    else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let answering = common::responder(broker.port, stop.clone());
    // Subscribed to nothing the reply goes to: the panel subscribes for the wait.
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        subscriptions: vec![mqscope::mqtt::Subscription::new(
            "other/#",
            mqscope::model::QoS::AtMostOnce,
        )],
        ..Default::default()
    };
    let options = StartOptions {
        publish_panel: true,
        ..StartOptions::default()
    };
    let mut h = crate::common::window::connected_app(form, options, 1000.0);
    type_into(&mut h, Role::TextInput, "Topic", "svc/req");
    type_into(&mut h, Role::MultilineTextInput, "Payload", "ping");
    h.get_by_label("Wait for reply").click_accesskit();
    h.run_steps(2);
    h.query_all_by_label("Publish")
        .last()
        .unwrap()
        .click_accesskit();
    h.run_steps(2);
    let mut said = false;
    for _ in 0..250 {
        h.run_steps(1);
        if h.query_by_label_contains("reply in ").is_some() {
            said = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    answering.join().unwrap();
    assert!(said, "the reply is shown");
    assert!(h.query_by_label_contains("on mqscope/reply/").is_some());
    assert!(
        h.query_by_label("pong:ping").is_some(),
        "the reply with our correlation data"
    );
    // The reply came in through a subscription made for the wait (only other/# was asked).
    assert!(h.state().store().tree().find("mqscope").is_some());
    assert!(h.state().store().tree().find("svc").is_none());
}

#[test]
fn the_window_says_no_reply_when_none_comes_in_time() {
    use crate::common::window::type_into;
    use egui::Role;
    use egui_kittest::kittest::Queryable;
    let Some(broker) = Mosquitto::start("the_window_says_no_reply_when_none_comes_in_time") else {
        return;
    };
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        ..Default::default()
    };
    let options = mqscope::app::StartOptions {
        publish_panel: true,
        ..Default::default()
    };
    let mut h = crate::common::window::connected_app(form, options, 1000.0);
    type_into(&mut h, Role::TextInput, "Topic", "svc/nobody");
    h.get_by_label("Wait for reply").click_accesskit();
    h.run_steps(2);
    h.query_all_by_label("Publish")
        .last()
        .unwrap()
        .click_accesskit();
    h.run_steps(2);
    let started = std::time::Instant::now();
    let mut said = false;
    while started.elapsed() < Duration::from_secs(14) {
        h.run_steps(1);
        if h.query_by_label_contains("no reply on mqscope/reply/")
            .is_some()
        {
            said = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(said, "no reply is said");
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "after the 10 s wait"
    );
    assert!(h.query_by_label_contains("within 10 s").is_some());
}
