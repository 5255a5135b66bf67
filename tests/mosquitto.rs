//! Loopback tests of the client worker against a real Mosquitto.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::Duration;

use common::{Mosquitto, connected, ingest_until, latest, settings, wait_connected, worker};
use mqscope::model::{JsonPath, QoS, SeriesSpec, Store};
use mqscope::mqtt::{MqttVersion, WorkerCommand};

const T: Duration = Duration::from_secs(10);

fn flags_arrive(version: MqttVersion, name: &str) {
    let Some(broker) = Mosquitto::start(name) else {
        return;
    };
    // Retained before we subscribe: delivered with the retain flag.
    broker.publish(&["-t", "r/q1", "-m", "old", "-q", "1", "-r"]);
    let w = connected(broker.port, version, &["r/#", "live/#"]);
    let mut store = Store::default();
    assert!(ingest_until(&w, &mut store, T, |s| latest(s, "r/q1").is_some()));
    // Live messages at each QoS: delivered without the retain flag.
    for q in ["0", "1", "2"] {
        broker.publish(&[
            "-t",
            &format!("live/q{q}"),
            "-m",
            &format!("value {q}"),
            "-q",
            q,
        ]);
    }
    // A live retained publish: MQTT 5 subscribes with retain-as-published, so its flag
    // says what the broker keeps; a 3.1.1 broker clears it on live delivery.
    broker.publish(&["-t", "live/kept", "-m", "kept", "-r"]);
    let all = |s: &Store| {
        (0..3).all(|q| latest(s, &format!("live/q{q}")).is_some())
            && latest(s, "live/kept").is_some()
    };
    assert!(
        ingest_until(&w, &mut store, T, all),
        "live messages did not all arrive"
    );
    assert_eq!(
        latest(&store, "live/kept").unwrap().retain,
        version == MqttVersion::V5,
        "retain as published"
    );

    let r = latest(&store, "r/q1").unwrap();
    assert!(r.retain);
    assert_eq!(r.qos, QoS::AtLeastOnce);
    assert_eq!(r.payload.bytes(), b"old");
    for (q, qos) in [
        (0, QoS::AtMostOnce),
        (1, QoS::AtLeastOnce),
        (2, QoS::ExactlyOnce),
    ] {
        let m = latest(&store, &format!("live/q{q}")).unwrap();
        assert_eq!(m.qos, qos, "live/q{q}");
        assert!(!m.retain, "live/q{q}");
        assert_eq!(m.payload.bytes(), format!("value {q}").as_bytes());
        let id = store.tree().find(&format!("live/q{q}")).unwrap();
        assert_eq!(
            store.tree().node(id).own_messages(),
            1,
            "exactly once: live/q{q}"
        );
    }
}

#[test]
fn qos_and_retain_flags_arrive_v311() {
    flags_arrive(MqttVersion::V311, "qos_and_retain_flags_arrive_v311");
}

#[test]
fn qos_and_retain_flags_arrive_v5() {
    flags_arrive(MqttVersion::V5, "qos_and_retain_flags_arrive_v5");
}

#[test]
fn one_megabyte_retained_message_arrives_whole() {
    let Some(broker) = Mosquitto::start("one_megabyte_retained_message_arrives_whole") else {
        return;
    };
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let file = std::env::temp_dir().join(format!("mqscope-1mb-{}", broker.port));
    std::fs::write(&file, &payload).unwrap();
    broker.publish(&["-t", "big/blob", "-f", file.to_str().unwrap(), "-r"]);
    for version in [MqttVersion::V311, MqttVersion::V5] {
        let w = connected(broker.port, version, &["big/#"]);
        let mut store = Store::default();
        assert!(ingest_until(&w, &mut store, T, |s| latest(s, "big/blob").is_some()));
        let m = latest(&store, "big/blob").unwrap();
        assert!(!m.payload.is_truncated());
        assert_eq!(m.payload.bytes(), &payload[..], "{version:?}");
        assert!(m.retain);
        assert!(
            w.state().is_connected(),
            "connection survived the large message"
        );
    }
    let _ = std::fs::remove_file(file);
}

#[test]
fn mqtt5_properties_reach_the_store() {
    let Some(broker) = Mosquitto::start("mqtt5_properties_reach_the_store") else {
        return;
    };
    let w = connected(broker.port, MqttVersion::V5, &["p/#"]);
    broker.publish(&[
        "-V",
        "5",
        "-t",
        "p/x",
        "-m",
        "{\"a\":1}",
        "-D",
        "publish",
        "user-property",
        "site",
        "lab-1",
        "-D",
        "publish",
        "content-type",
        "application/json",
        "-D",
        "publish",
        "response-topic",
        "p/reply",
        "-D",
        "publish",
        "correlation-data",
        "req-7",
    ]);
    let mut store = Store::default();
    assert!(ingest_until(&w, &mut store, T, |s| latest(s, "p/x").is_some()));
    let props = latest(&store, "p/x")
        .unwrap()
        .properties
        .as_deref()
        .expect("properties");
    assert_eq!(props.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        props.user_properties,
        [("site".to_string(), "lab-1".to_string())]
    );
    assert_eq!(props.response_topic.as_deref(), Some("p/reply"));
    assert_eq!(props.correlation_data.as_deref(), Some(&b"req-7"[..]));
}

#[test]
fn reconnects_and_resubscribes_after_the_broker_restarts() {
    let Some(mut broker) =
        Mosquitto::start("reconnects_and_resubscribes_after_the_broker_restarts")
    else {
        return;
    };
    let port = broker.port;
    let mut w = connected(port, MqttVersion::V311, &["a/#"]);
    broker.publish(&["-t", "a/before", "-m", "1"]);
    let mut store = Store::default();
    assert!(ingest_until(&w, &mut store, T, |s| latest(s, "a/before").is_some()));

    broker.kill();
    let state = w.wait_state(T, |s| !s.is_connected());
    assert!(
        !state.is_connected(),
        "the worker noticed the broker went away"
    );
    let words = state.describe(std::time::Instant::now());
    assert!(
        words.starts_with("disconnected") || words.starts_with("connecting"),
        "{words}"
    );

    // A fresh broker (no session, no retained state): only re-subscribing brings messages.
    let broker = Mosquitto::start_on(port, "");
    wait_connected(&mut w, Duration::from_secs(20));
    broker.publish(&["-t", "a/after", "-m", "2"]);
    assert!(
        ingest_until(&w, &mut store, T, |s| latest(s, "a/after").is_some()),
        "no message after reconnecting: not re-subscribed?"
    );
    assert!(
        latest(&store, "a/before").is_some(),
        "the tree is kept across reconnects"
    );
}

#[test]
fn refused_connection_is_explained_and_retried_with_backoff() {
    if !common::mosquitto_available("refused_connection_is_explained") {
        return;
    }
    let port = common::free_port(); // nothing listens here
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(settings(
        port,
        MqttVersion::V5,
        &["#"],
    ))));
    let state = w.wait_state(T, |s| {
        matches!(
            s,
            mqscope::mqtt::ConnectionState::Disconnected {
                retry_at: Some(_),
                ..
            }
        )
    });
    let words = state.describe(std::time::Instant::now());
    assert!(
        words.contains("connection refused") && words.contains("retrying in"),
        "{words}"
    );
    w.send(WorkerCommand::Disconnect);
    let state = w.wait_state(T, |s| !s.is_active());
    assert!(
        state
            .describe(std::time::Instant::now())
            .contains("disconnected by user")
    );
}

#[test]
fn the_retry_countdown_is_the_real_wait_and_the_waits_grow() {
    use mqscope::mqtt::ConnectionState;
    let port = common::free_port(); // nothing listens here
    let w = worker();
    w.send(WorkerCommand::Connect(Box::new(settings(
        port,
        MqttVersion::V311,
        &["#"],
    ))));
    // Each wait as the state says it: from when it is said to the retry time. A refused
    // attempt fails at once, so the next wait is said right when the last one ran out.
    let mut said = Vec::new();
    let mut last_retry = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while said.len() < 5 && std::time::Instant::now() < deadline {
        if let ConnectionState::Disconnected {
            retry_at: Some(at), ..
        } = w.state()
            && last_retry != Some(at)
        {
            let now = std::time::Instant::now();
            let words = w.state().describe(now);
            let secs = at.saturating_duration_since(now).as_secs_f64().ceil() as u64;
            assert!(words.ends_with(&format!("retrying in {secs} s")), "{words}");
            said.push((now, at));
            last_retry = Some(at);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(said.len(), 5, "five waits: {said:?}");
    for (i, pair) in said.windows(2).enumerate() {
        let ((from, at), (next_from, _)) = (pair[0], pair[1]);
        let wait = at.duration_since(from);
        let least = Duration::from_millis(500 << i);
        assert!(
            wait + Duration::from_millis(50) >= least,
            "wait {i}: {wait:?}"
        );
        let late = next_from.saturating_duration_since(at);
        assert!(
            late < Duration::from_millis(500),
            "wait {i} ended {late:?} after it said"
        );
    }
    w.send(WorkerCommand::Disconnect);
}

#[test]
fn publishes_arrive_once_with_their_flags_and_exact_bytes() {
    use mqscope::model::{Properties, payload_format::PayloadFormat};
    use mqscope::mqtt::{Delivered, PublishRequest};
    let Some(broker) = Mosquitto::start("publishes_arrive_once_with_their_flags_and_exact_bytes")
    else {
        return;
    };
    // A live subscriber (QoS 2, so each message keeps its own QoS) and a publisher.
    let live = connected(broker.port, MqttVersion::V5, &["pub/#"]);
    let w = connected(broker.port, MqttVersion::V5, &[]);
    let props = Properties {
        content_type: Some("application/json".into()),
        user_properties: vec![("site".into(), "lab".into())],
        ..Default::default()
    };
    let mut cases = Vec::new();
    for (qos, q) in [
        (QoS::AtMostOnce, 0),
        (QoS::AtLeastOnce, 1),
        (QoS::ExactlyOnce, 2),
    ] {
        for retain in [false, true] {
            cases.push((format!("pub/q{q}/r{}", u8::from(retain)), qos, retain));
        }
    }
    let formats = [
        (PayloadFormat::Text, "plain", b"plain".to_vec()),
        (
            PayloadFormat::Hex,
            "de ad be ef 00",
            vec![0xde, 0xad, 0xbe, 0xef, 0x00],
        ),
        (PayloadFormat::Base64, "/wD+", vec![0xff, 0x00, 0xfe]),
    ];
    for (i, (topic, qos, retain)) in cases.iter().enumerate() {
        let (format, text, _) = &formats[i % formats.len()];
        let request = PublishRequest {
            id: i as u64,
            topic: topic.clone(),
            payload: format.encode(text).unwrap(),
            qos: *qos,
            retain: *retain,
            properties: Some(props.clone()),
            encode: None,
        };
        assert!(w.send(WorkerCommand::Publish(Box::new(request))));
        let outcome = loop {
            if let Some(o) = w.outcomes.recv_timeout(T) {
                break o;
            }
        };
        let expected = if *qos == QoS::AtMostOnce {
            Delivered::Written
        } else {
            Delivered::Acknowledged
        };
        assert_eq!(outcome.result, Ok(expected), "{topic}");
    }
    let mut store = Store::default();
    let all = |s: &Store| cases.iter().all(|(t, ..)| latest(s, t).is_some());
    assert!(ingest_until(&live, &mut store, T, all));
    std::thread::sleep(std::time::Duration::from_millis(300)); // a duplicate would show now
    // File anything that arrived since (a duplicate would raise a count below).
    let _ = ingest_until(
        &live,
        &mut store,
        std::time::Duration::from_millis(1),
        |_| false,
    );
    for (i, (topic, qos, retain)) in cases.iter().enumerate() {
        let m = latest(&store, topic).unwrap();
        let id = store.tree().find(topic).unwrap();
        assert_eq!(
            store.tree().node(id).own_messages(),
            1,
            "exactly once: {topic}"
        );
        assert_eq!(m.qos, *qos, "{topic}");
        // MQTT 5, subscribed with retain-as-published: the flag as it was sent.
        assert_eq!(m.retain, *retain, "{topic}");
        assert_eq!(
            m.payload.bytes(),
            &formats[i % formats.len()].2[..],
            "{topic}"
        );
        let p = m.properties.as_deref().unwrap();
        assert_eq!(p.content_type.as_deref(), Some("application/json"));
        assert_eq!(p.user_properties, [("site".to_string(), "lab".to_string())]);
    }
    // A fresh subscriber gets exactly the retained ones, flagged.
    let fresh = connected(broker.port, MqttVersion::V311, &["pub/#"]);
    let mut after = Store::default();
    let retained: Vec<_> = cases.iter().filter(|c| c.2).map(|c| c.0.clone()).collect();
    assert!(ingest_until(&fresh, &mut after, T, |s| retained
        .iter()
        .all(|t| latest(s, t).is_some())));
    assert!(retained.iter().all(|t| latest(&after, t).unwrap().retain));
    assert_eq!(after.tree().topic_count(), retained.len());
}

#[test]
fn clearing_ten_thousand_retained_topics() {
    use mqscope::mqtt::PublishRequest;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let Some(broker) = Mosquitto::start("clearing_ten_thousand_retained_topics") else {
        return;
    };
    const N: usize = 10_000;
    // Fill: 10,000 retained topics through the app's worker (quiet, pipelined QoS 1).
    let w = connected(broker.port, MqttVersion::V5, &["clean/#"]);
    let topics: Vec<String> = (0..N).map(|i| format!("clean/dev{}/config", i)).collect();
    let mut store = Store::default();
    let drain = |w: &mqscope::mqtt::WorkerHandle, store: &mut Store| {
        while let Some(batch) = w.events.try_recv() {
            store.apply_batch(batch);
        }
        while w.outcomes.try_recv().is_some() {}
    };
    for (i, t) in topics.iter().enumerate() {
        let r = PublishRequest {
            id: i as u64,
            topic: t.clone(),
            payload: b"{}".to_vec(),
            qos: QoS::AtMostOnce,
            retain: true,
            properties: None,
            encode: None,
        };
        while !w.send(WorkerCommand::Publish(Box::new(r.clone()))) {
            drain(&w, &mut store);
        }
        drain(&w, &mut store);
    }
    // The same worker sees them (its own publishes come back) and files them.
    assert!(ingest_until(&w, &mut store, Duration::from_secs(30), |s| s
        .tree()
        .topic_count()
        == N));
    let root = store.tree().find("clean").unwrap();
    let retained_topics = {
        // Retained flags are set only for messages delivered from the broker's store, so
        // ask a fresh subscriber to learn which are retained.
        let fresh = connected(broker.port, MqttVersion::V5, &["clean/#"]);
        let mut seen = Store::default();
        assert!(ingest_until(
            &fresh,
            &mut seen,
            Duration::from_secs(30),
            |s| s.tree().topic_count() == N
        ));
        let r = seen
            .tree()
            .retained_below(seen.tree().find("clean").unwrap());
        assert_eq!(r.len(), N);
        r.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
    };
    let ids: Vec<_> = retained_topics
        .iter()
        .map(|t| store.tree().find(t).unwrap())
        .collect();
    store.mark_clearing(ids);
    let (progress, watch) = tokio::sync::watch::channel(Default::default());
    w.send(WorkerCommand::ClearRetained {
        topics: retained_topics,
        cancel: Arc::new(AtomicBool::new(false)),
        progress,
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut finished = None;
    while finished.is_none() && std::time::Instant::now() < deadline {
        if let Some(batch) = w.events.recv_timeout(Duration::from_millis(100)) {
            store.apply_batch(batch);
        }
        let p: mqscope::mqtt::ClearProgress = watch.borrow().clone();
        if p.finished {
            finished = Some((p.done, p.total));
        }
    }
    assert_eq!(finished, Some((N, N)), "every clear acknowledged");
    // The empty echoes remove the topics from the tree.
    assert!(
        ingest_until(&w, &mut store, T, |s| s.tree().find("clean").is_none()),
        "{} left",
        store.tree().topic_count()
    );
    assert!(store.tree().is_removed(root));
    // A fresh subscriber receives none of them.
    let fresh = connected(broker.port, MqttVersion::V311, &["clean/#"]);
    let mut after = Store::default();
    assert!(!ingest_until(
        &fresh,
        &mut after,
        Duration::from_secs(1),
        |s| s.tree().topic_count() > 0
    ));
    assert_eq!(w.events.dropped(), 0, "nothing dropped on the way");
}

#[test]
fn published_values_reach_a_series_in_order() {
    let Some(broker) = Mosquitto::start("published_values_reach_a_series_in_order") else {
        return;
    };
    // A retained value from before we subscribed: plotted, but marked as retained.
    broker.publish(&["-t", "plot/temp", "-m", "19.5 °C", "-q", "1", "-r"]);
    let w = connected(broker.port, MqttVersion::V5, &["plot/#"]);
    let mut store = Store::default();
    store
        .add_series(SeriesSpec::new("plot/temp", &JsonPath::default()))
        .unwrap();
    store
        .add_series(SeriesSpec {
            topic: "plot/state".into(),
            path: "sensors[1].v".into(),
            decoder: None,
            rule: None,
        })
        .unwrap();
    assert!(ingest_until(&w, &mut store, T, |s| s
        .plots()
        .total_points()
        == 1));
    // One publisher connection (`-l`: a message per line), so the order is defined.
    let lines: String = (1..=200).map(|i| format!("{i}.25\n")).collect();
    let file = std::env::temp_dir().join(format!("mqscope-plot-{}", broker.port));
    std::fs::write(&file, lines).unwrap();
    let status = std::process::Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &broker.port.to_string()])
        .args(["-t", "plot/temp", "-q", "1", "-l"])
        .stdin(std::fs::File::open(&file).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let _ = std::fs::remove_file(file);
    for (i, v) in [3, 4, 5].iter().enumerate() {
        let json = format!(r#"{{"sensors":[{{"v":0}},{{"v":{v}}}],"n":{i}}}"#);
        broker.publish(&["-t", "plot/state", "-m", &json, "-q", "1"]);
    }
    broker.publish(&["-t", "plot/state", "-m", r#"{"sensors":[]}"#, "-q", "1"]);
    let done = |s: &Store| {
        let series = s.plots().series();
        series[0].points().len() == 201
            && series[1].points().len() + series[1].not_numeric as usize == 4
    };
    assert!(ingest_until(&w, &mut store, T, done), "every value arrived");
    let series = store.plots().series();
    let values: Vec<f64> = series[0].points().iter().map(|p| p[1]).collect();
    let want: Vec<f64> = std::iter::once(19.5)
        .chain((1..=200).map(|i| f64::from(i) + 0.25))
        .collect();
    assert_eq!(values, want, "in the order published");
    assert!(
        series[0]
            .points()
            .iter()
            .zip(series[0].points().iter().skip(1))
            .all(|(a, b)| a[0] <= b[0]),
        "times never go backwards"
    );
    assert_eq!(
        series[0].retained_points().len(),
        1,
        "only the retained one is hollow"
    );
    let fields: Vec<f64> = series[1].points().iter().map(|p| p[1]).collect();
    assert_eq!(fields, [3.0, 4.0, 5.0]);
    assert_eq!(
        series[1].not_numeric, 1,
        "a message without the field is counted"
    );
}

/// A loopback TCP proxy to `port` whose connections the test can cut, as a pulled cable
/// would (the broker sees the connection end without a DISCONNECT).
struct CuttableProxy {
    port: u16,
    streams: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl CuttableProxy {
    fn start(to: u16) -> Self {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let streams = std::sync::Arc::new(std::sync::Mutex::new(Vec::<TcpStream>::new()));
        let kept = streams.clone();
        std::thread::Builder::new()
            .name("proxy".into())
            .spawn(move || {
                // Bounded: the test makes one connection (a reconnect or two at most).
                for client in listener.incoming().take(4).flatten() {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
                        continue;
                    };
                    for (mut from, mut into) in [
                        (client.try_clone().unwrap(), server.try_clone().unwrap()),
                        (server.try_clone().unwrap(), client.try_clone().unwrap()),
                    ] {
                        std::thread::Builder::new()
                            .name("proxy-copy".into())
                            .spawn(move || {
                                let _ = std::io::copy(&mut from, &mut into);
                                let _ = into.shutdown(std::net::Shutdown::Both);
                            })
                            .unwrap();
                    }
                    kept.lock().unwrap().extend([client, server]);
                }
            })
            .unwrap();
        Self { port, streams }
    }

    fn cut(&self) {
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn the_last_will_is_published_when_the_connection_is_cut() {
    let Some(broker) = Mosquitto::start("the_last_will_is_published") else {
        return;
    };
    for version in [MqttVersion::V311, MqttVersion::V5] {
        let proxy = CuttableProxy::start(broker.port);
        let mut s = settings(proxy.port, version, &["nothing/#"]);
        s.will = Some(mqscope::mqtt::settings::Will {
            topic: "app/status".into(),
            payload: b"gone".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: false,
            delay_s: None,
        });
        let mut w = worker();
        w.send(WorkerCommand::Connect(Box::new(s)));
        wait_connected(&mut w, T);
        let watcher =
            common::mosquitto_sub_spawn(broker.port, &["-t", "app/status", "-C", "1", "-W", "10"]);
        proxy.cut();
        let got = common::collect(watcher);
        assert_eq!(
            got,
            ["gone"],
            "{version:?}: the will reached another client"
        );
        drop(w);
    }
}

#[test]
fn credentials_are_accepted_or_refused_in_words_with_backoff() {
    use mqscope::mqtt::ConnectionState;
    use std::time::Instant;
    if !common::mosquitto_available("credentials_are_accepted_or_refused") {
        return;
    }
    let port = common::free_port();
    let dir = std::env::temp_dir().join(format!("mqscope-passwd-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("passwd");
    let made = std::process::Command::new("mosquitto_passwd")
        .args(["-c", "-b", file.to_str().unwrap(), "alice", "s3cret"])
        .status()
        .unwrap();
    assert!(made.success(), "mosquitto_passwd");
    {
        use std::os::unix::fs::PermissionsExt;
        let world = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(&dir, world).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let broker = Mosquitto::start_on(
        port,
        &format!("allow_anonymous false\npassword_file {}", file.display()),
    );
    let with = |user: &str, password: &str| {
        let mut s = settings(broker.port, MqttVersion::V5, &["#"]);
        s.username = Some(user.into());
        s.password = Some(password.into());
        let w = worker();
        w.send(WorkerCommand::Connect(Box::new(s)));
        w
    };
    let mut good = with("alice", "s3cret");
    wait_connected(&mut good, T);

    let mut bad = with("alice", "wrong");
    let refused = |s: &ConnectionState| {
        matches!(
            s,
            ConnectionState::Disconnected {
                retry_at: Some(_),
                ..
            }
        )
    };
    let mut delays = Vec::new();
    for attempt in 1..=2u32 {
        let state = bad.wait_state(T, refused);
        let ConnectionState::Disconnected {
            reason,
            retry_at: Some(at),
        } = &state
        else {
            panic!("attempt {attempt}: not refused: {state:?}");
        };
        assert!(
            reason.contains("bad user name or password") || reason.contains("not authorised"),
            "{reason}"
        );
        delays.push(at.saturating_duration_since(Instant::now()));
        if attempt == 2 {
            break;
        }
        // Wait for the next attempt before looking again.
        bad.wait_state(
            T,
            |s| matches!(s, ConnectionState::Connecting { attempt: a } if *a > attempt),
        );
    }
    // Backing off, not storming: each wait longer than the one before.
    assert!(delays.windows(2).all(|d| d[1] > d[0]), "delays {delays:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn broker_statistics_come_from_sys_topics_in_words() {
    if !common::mosquitto_available("broker_statistics_come_from_sys_topics_in_words") {
        return;
    }
    let broker = Mosquitto::start_on(common::free_port(), "sys_interval 1");
    let worker = common::connected(broker.port, MqttVersion::V5, &["$SYS/#", "load/#"]);
    for i in 0..20 {
        broker.publish(&["-t", "load/x", "-m", &i.to_string()]);
    }
    let mut store = Store::default();
    let label = |s: &Store, l: &str| {
        s.sys_stats()
            .rows()
            .into_iter()
            .find(|r| r.label == l)
            .map(|r| (r.value, r.history.len()))
    };
    // Two updates (about 2 s apart) give a rate from the counters.
    let done = common::ingest_until(&worker, &mut store, Duration::from_secs(10), |s| {
        label(s, "Messages in").is_some_and(|(_, points)| points >= 2)
    });
    assert!(done, "no message rate in 10 s: {:?}", store.sys_stats());
    assert!(store.sys_stats().broker().starts_with("Mosquitto"));
    let (version, _) = label(&store, "Version").unwrap();
    assert!(
        version.chars().next().unwrap().is_ascii_digit(),
        "{version}"
    );
    let (clients, _) = label(&store, "Clients connected").unwrap();
    assert!(clients.parse::<u32>().unwrap() >= 1, "{clients}");
    assert!(label(&store, "Messages in").unwrap().0.ends_with(" msg/s"));
    assert!(label(&store, "Uptime").unwrap().0.ends_with(" s"));
}

#[test]
fn each_subscription_keeps_its_own_qos() {
    let Some(broker) = Mosquitto::start("each_subscription_keeps_its_own_qos") else {
        return;
    };
    let mut settings = common::settings(broker.port, MqttVersion::V5, &[]);
    settings.subscriptions = vec![
        mqscope::mqtt::Subscription::new("q1/#", QoS::AtLeastOnce),
        mqscope::mqtt::Subscription::new("q0/#", QoS::AtMostOnce),
    ];
    let mut w = common::worker();
    w.send(mqscope::mqtt::WorkerCommand::Connect(Box::new(settings)));
    common::wait_connected(&mut w, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    broker.publish(&["-t", "q1/x", "-q", "2", "-m", "a"]);
    broker.publish(&["-t", "q0/x", "-q", "2", "-m", "b"]);
    let mut store = Store::default();
    assert!(common::ingest_until(
        &w,
        &mut store,
        Duration::from_secs(10),
        |s| { common::latest(s, "q1/x").is_some() && common::latest(s, "q0/x").is_some() }
    ));
    // The broker delivers at the lower of the published and the subscribed QoS.
    assert_eq!(
        common::latest(&store, "q1/x").unwrap().qos,
        QoS::AtLeastOnce
    );
    assert_eq!(common::latest(&store, "q0/x").unwrap().qos, QoS::AtMostOnce);
}

#[test]
fn two_connections_at_once_each_with_its_own_tree() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    let test = "two_connections_at_once_each_with_its_own_tree";
    let (Some(mut a), Some(b)) = (Mosquitto::start(test), Mosquitto::start(test)) else {
        return;
    };
    let form = mqscope::mqtt::ConnectionForm {
        port: a.port.to_string(),
        ..Default::default()
    };
    let options = mqscope::app::StartOptions {
        form,
        connect: true,
        ..Default::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| mqscope::app::App::new(cc, options));
    let wait = |h: &mut Harness<'_, mqscope::app::App>,
                what: &str,
                done: &dyn Fn(&mqscope::app::App) -> bool| {
        let deadline = std::time::Instant::now() + T;
        while !done(h.state()) {
            assert!(std::time::Instant::now() < deadline, "{what} within {T:?}");
            h.run_steps(1);
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait(&mut h, "the first connection", &|app| {
        app.connection().is_connected()
    });

    // A second tab, connected to the second broker from the connection bar.
    h.get_by_label("New connection").click();
    h.run_steps(3);
    assert_eq!(h.state().tabs().len(), 2);
    assert_eq!(h.state().active_tab(), h.state().tabs()[1].0);
    h.get_by_label("Port").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Port").type_text(&b.port.to_string());
    h.run_steps(1);
    // The connection bar's (the Connections window, opened for the new tab, has one too).
    h.query_all_by_label("Connect").next().unwrap().click();
    wait(&mut h, "the second connection", &|app| {
        app.connection().is_connected()
    });
    assert!(
        h.state().tabs()[0].2.is_connected(),
        "the first stays connected"
    );

    a.publish(&["-t", "only/a", "-m", "1"]);
    b.publish(&["-t", "only/b", "-m", "2"]);
    wait(&mut h, "the second broker's message", &|app| {
        app.store().tree().find("only/b").is_some()
    });
    assert!(
        h.state().store().tree().find("only/a").is_none(),
        "its own tree"
    );

    // The first tab got its own message meanwhile (its events are drained in the
    // background), and a broker that goes away does not stop the other.
    h.get_by_label(&format!("127.0.0.1:{}", a.port)).click();
    h.run_steps(2);
    assert_eq!(h.state().active_tab(), h.state().tabs()[0].0);
    wait(&mut h, "the first broker's message", &|app| {
        app.store().tree().find("only/a").is_some()
    });
    assert!(h.state().store().tree().find("only/b").is_none());
    let b_port = b.port;
    drop(b);
    a.publish(&["-t", "only/a2", "-m", "3"]);
    wait(&mut h, "a message while the other broker is gone", &|app| {
        app.store().tree().find("only/a2").is_some()
    });
    wait(
        &mut h,
        "the other tab noticing its broker is gone",
        &|app| !app.tabs()[1].2.is_connected(),
    );
    // Closing a tab stops its connection; the last one cannot be closed.
    h.get_by_label(&format!("Close 127.0.0.1:{b_port}")).click();
    h.run_steps(2);
    assert_eq!(h.state().tabs().len(), 1);
    assert!(
        h.query_by_label(&format!("Close 127.0.0.1:{}", a.port))
            .is_none()
    );
    a.kill();
}
