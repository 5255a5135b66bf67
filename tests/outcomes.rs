//! Outcomes are never shed: while the data channel is overrun (messages dropped and
//! counted), a publish, a retained clean-up and a replay all still finish, against a real
//! Mosquitto.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Mosquitto, settings, wait_connected, worker};
use mqscope::model::QoS;
use mqscope::mqtt::replay::ReplayRequest;
use mqscope::mqtt::{ClearProgress, Delivered, MqttVersion, PublishRequest, WorkerCommand};

const T: Duration = Duration::from_secs(30);

#[test]
fn outcomes_and_progress_finish_while_the_data_channel_is_overrun() {
    let Some(broker) =
        Mosquitto::start("outcomes_and_progress_finish_while_the_data_channel_is_overrun")
    else {
        return;
    };
    for i in 0..3 {
        broker.publish(&["-t", &format!("keep/{i}"), "-m", "x", "-r", "-q", "1"]);
    }
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(settings(
        broker.port,
        MqttVersion::V5,
        &["#"],
    ))));
    wait_connected(&mut w, T);
    // Nobody reads the messages: the worker's own 150,000 publishes come back and overrun
    // the data channel (100,000 messages at most), while their outcomes are taken.
    let mut sent = 0u64;
    let deadline = Instant::now() + T;
    while sent < 150_000 && Instant::now() < deadline {
        let request = PublishRequest {
            id: sent,
            topic: format!("flood/{}", sent % 100),
            payload: b"0123456789".to_vec(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: None,
            encode: None,
        };
        if w.publish(request).is_ok() {
            sent += 1;
        }
        while let Some(o) = w.outcomes.try_recv() {
            assert_eq!(o.result, Ok(Delivered::Written));
        }
    }
    let overrun = Instant::now() + T;
    while w.events.dropped() == 0 && Instant::now() < overrun {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(w.events.dropped() > 0, "the data channel was overrun");
    // Every flood publish is answered (none shed), while the data channel stays full.
    let answered = Instant::now() + T;
    while w.outcomes.outstanding() > 0 && Instant::now() < answered {
        if let Some(o) = w.outcomes.recv_timeout(Duration::from_millis(100)) {
            assert_eq!(o.result, Ok(Delivered::Written));
        }
    }
    assert_eq!(
        w.outcomes.outstanding(),
        0,
        "all {sent} flood publishes answered"
    );

    // A publish, a clean-up and a replay, all while the channel stays full.
    w.publish(PublishRequest {
        id: 9_999_999,
        topic: "outcome/x".into(),
        payload: b"1".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: None,
        encode: None,
    })
    .unwrap();
    let (progress, clear) = tokio::sync::watch::channel(ClearProgress::default());
    w.send(WorkerCommand::ClearRetained {
        topics: (0..3).map(|i| format!("keep/{i}")).collect(),
        cancel: Arc::new(AtomicBool::new(false)),
        progress,
    });
    let file = std::env::temp_dir().join(format!("mqscope-outcomes-{}.jsonl", broker.port));
    let lines: String = (0..5)
        .map(|i| format!("{{\"ts_us\":{i},\"topic\":\"replayed/{i}\",\"qos\":1,\"retain\":false,\"payload\":\"r\"}}\n"))
        .collect();
    std::fs::write(&file, lines).unwrap();
    let (request, replay) = ReplayRequest::new(file.clone(), None, Arc::default());
    w.send(WorkerCommand::Replay(Box::new(request)));

    // The flood's last outcomes may still come first.
    let outcome = loop {
        let o = w.outcomes.recv_timeout(T).expect("the publish outcome");
        if o.id == 9_999_999 {
            break o;
        }
        assert_eq!(o.result, Ok(Delivered::Written));
    };
    assert_eq!(outcome.result, Ok(Delivered::Acknowledged));
    let deadline = Instant::now() + T;
    while !(clear.borrow().finished && replay.borrow().finished) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let c = clear.borrow().clone();
    assert_eq!((c.done, c.total, c.finished), (3, 3, true));
    let r = replay.borrow().clone();
    assert!(r.finished && r.error.is_none(), "{r:?}");
    assert_eq!(r.sent, 5);
    let _ = std::fs::remove_file(file);
}
