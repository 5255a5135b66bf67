//! `mqscope request` (MQTT 5 request/response) against a real Mosquitto and a responder on
//! the app's own client: the matching reply with its round-trip time, a reply with other
//! correlation data left out, a timeout. Loopback only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{self, Mosquitto};
use mqscope::model::{Properties, QoS};
use mqscope::mqtt::{MqttVersion, PublishRequest};

/// Answers each request on `svc/req`: first with wrong correlation data, then with the
/// request's own, the payload `pong:` and the request's. Stops when `stop` is set.
fn responder(port: u16, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let w = common::connected(port, MqttVersion::V5, &["svc/req"]);
    std::thread::Builder::new()
        .name("responder".into())
        .spawn(move || {
            let mut id = 0;
            while !stop.load(Ordering::Relaxed) {
                let Some(batch) = w.events.recv_timeout(Duration::from_millis(50)) else {
                    continue;
                };
                for m in batch {
                    let p = m.message.properties.clone().unwrap_or_default();
                    let Some(to) = p.response_topic.clone() else {
                        continue;
                    };
                    let payload = [b"pong:".as_slice(), m.message.payload.bytes()].concat();
                    for data in [
                        b"someone-else".to_vec(),
                        p.correlation_data.clone().unwrap_or_default(),
                    ] {
                        id += 1;
                        let request = PublishRequest {
                            id,
                            topic: to.clone(),
                            payload: payload.clone(),
                            qos: QoS::AtLeastOnce,
                            retain: false,
                            properties: Some(Properties {
                                correlation_data: Some(data),
                                ..Properties::default()
                            }),
                            encode: None,
                        };
                        w.publish(request).unwrap();
                    }
                }
            }
        })
        .unwrap()
}

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
    let answering = responder(broker.port, stop.clone());
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
