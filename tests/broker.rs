//! The local broker (`mqscope broker`) checked with outside clients: Debian's
//! mosquitto_pub/mosquitto_sub and rumqttc, over real loopback sockets.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    LocalBroker, collect, connected, ingest_until, latest, mosquitto_available, mosquitto_pub,
    mosquitto_sub, mosquitto_sub_spawn, settings, wait_connected, worker,
};
use mqscope::broker::{BrokerController, BrokerOptions, BrokerStatus};
use mqscope::model::{QoS, Store};
use mqscope::mqtt::{MqttVersion, WorkerCommand};

const T: Duration = Duration::from_secs(10);

fn ready(test: &str) -> Option<LocalBroker> {
    mosquitto_available(test).then(|| LocalBroker::start(&[]))
}

#[test]
fn pub_sub_v311_and_v5_with_the_app_worker() {
    let Some(b) = ready("pub_sub_v311_and_v5_with_the_app_worker") else {
        return;
    };
    for version in [MqttVersion::V311, MqttVersion::V5] {
        let w = connected(b.port, version, &["t/#"]);
        let topic = format!("t/{version:?}");
        mosquitto_pub(
            b.port,
            &[
                "-t",
                &topic,
                "-m",
                "hello",
                "-V",
                if version == MqttVersion::V5 {
                    "5"
                } else {
                    "311"
                },
            ],
        );
        let mut store = Store::default();
        assert!(
            ingest_until(&w, &mut store, T, |s| latest(s, &topic).is_some()),
            "{version:?}"
        );
        assert_eq!(latest(&store, &topic).unwrap().payload.bytes(), b"hello");
    }
}

#[test]
fn qos2_subscriber_gets_each_publish_at_its_own_qos() {
    let Some(b) = ready("qos2_subscriber_gets_each_publish_at_its_own_qos") else {
        return;
    };
    let w = connected(b.port, MqttVersion::V5, &["q/#"]);
    for q in ["0", "1", "2"] {
        mosquitto_pub(b.port, &["-t", &format!("q/{q}"), "-m", q, "-q", q]);
    }
    let mut store = Store::default();
    let all = |s: &Store| (0..3).all(|q| latest(s, &format!("q/{q}")).is_some());
    assert!(ingest_until(&w, &mut store, T, all));
    for (q, qos) in [
        (0, QoS::AtMostOnce),
        (1, QoS::AtLeastOnce),
        (2, QoS::ExactlyOnce),
    ] {
        assert_eq!(
            latest(&store, &format!("q/{q}")).unwrap().qos,
            qos,
            "publish at QoS {q}"
        );
    }
    // And a QoS 0 subscription downgrades them all to 0.
    let lines = {
        let sub = mosquitto_sub_spawn(
            b.port,
            &["-t", "d/#", "-q", "0", "-C", "3", "-W", "5", "-F", "%t %q"],
        );
        for q in ["0", "1", "2"] {
            mosquitto_pub(b.port, &["-t", &format!("d/{q}"), "-m", "x", "-q", q]);
        }
        collect(sub)
    };
    assert_eq!(lines, ["d/0 0", "d/1 0", "d/2 0"]);
}

#[test]
fn retained_set_replace_clear() {
    let Some(b) = ready("retained_set_replace_clear") else {
        return;
    };
    let get = || mosquitto_sub(b.port, &["-t", "r/x", "-C", "1", "-W", "1", "-F", "%p %r"]);
    mosquitto_pub(b.port, &["-t", "r/x", "-m", "one", "-r"]);
    assert_eq!(get(), ["one 1"]);
    mosquitto_pub(b.port, &["-t", "r/x", "-m", "two", "-r", "-q", "1"]);
    assert_eq!(get(), ["two 1"]);
    mosquitto_pub(b.port, &["-t", "r/x", "-n", "-r"]);
    assert!(get().is_empty(), "an empty retained message clears it");
    // MQTT 5 retained messages carry no expiry the publisher did not set.
    mosquitto_pub(b.port, &["-t", "r/y", "-m", "v5", "-r", "-V", "5"]);
    let lines = mosquitto_sub(
        b.port,
        &[
            "-V", "5", "-t", "r/y", "-C", "1", "-W", "2", "-F", "%p e=%E",
        ],
    );
    assert_eq!(lines, ["v5 e="]);
}

#[test]
fn ten_thousand_retained_topics_reach_a_new_subscriber() {
    let Some(b) = ready("ten_thousand_retained_topics_reach_a_new_subscriber") else {
        return;
    };
    // Published through the app's own worker, pipelined, each acknowledged.
    let mut w = worker();
    let mut s = settings(b.port, MqttVersion::V5, &[]);
    s.subscriptions.clear();
    w.send(WorkerCommand::Connect(Box::new(s)));
    wait_connected(&mut w, T);
    let mut acked = 0;
    let take_outcomes = |w: &mqscope::mqtt::WorkerHandle, wait: Duration, acked: &mut usize| {
        while let Some(o) = w.outcomes.recv_timeout(wait) {
            assert!(o.result.is_ok(), "{o:?}");
            *acked += 1;
        }
    };
    for i in 0..10_000u32 {
        let request = mqscope::mqtt::PublishRequest {
            id: u64::from(i),
            topic: format!("many/{i}"),
            payload: i.to_string().into_bytes(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: None,
            encode: None,
        };
        while !w.send(WorkerCommand::Publish(Box::new(request.clone()))) {
            take_outcomes(&w, Duration::from_millis(1), &mut acked);
        }
        take_outcomes(&w, Duration::ZERO, &mut acked);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked < 10_000 && Instant::now() < deadline {
        take_outcomes(&w, Duration::from_millis(100), &mut acked);
    }
    assert_eq!(w.events.dropped(), 0);
    assert_eq!(acked, 10_000);
    let lines = mosquitto_sub(
        b.port,
        &["-t", "many/#", "-W", "10", "-C", "10000", "-F", "%r"],
    );
    assert_eq!(lines.len(), 10_000, "every retained topic delivered");
    assert!(lines.iter().all(|l| l == "1"));
}

#[test]
fn will_on_abrupt_disconnect_none_on_clean_disconnect() {
    let Some(b) = ready("will_on_abrupt_disconnect_none_on_clean_disconnect") else {
        return;
    };
    let watcher = mosquitto_sub_spawn(b.port, &["-t", "will/#", "-W", "4", "-F", "%t %p"]);
    // Abrupt: a subscriber with a will, killed.
    let mut abrupt = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &b.port.to_string(),
            "-t",
            "x",
            "-k",
            "5",
        ])
        .args(["--will-topic", "will/abrupt", "--will-payload", "gone"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    abrupt.kill().unwrap();
    abrupt.wait().unwrap();
    // Clean: a publisher with a will that disconnects normally.
    mosquitto_pub(
        b.port,
        &[
            "-t",
            "x",
            "-m",
            "y",
            "--will-topic",
            "will/clean",
            "--will-payload",
            "no",
        ],
    );
    let lines = collect(watcher);
    assert_eq!(lines, ["will/abrupt gone"]);
}

#[test]
fn persistent_session_gets_what_was_published_while_offline() {
    let Some(b) = ready("persistent_session_gets_what_was_published_while_offline") else {
        return;
    };
    let id = format!("persist-{}", b.port);
    let args = ["-i", id.as_str(), "-c", "-q", "1", "-t", "off/#"];
    // Create the session, then go away.
    let _ = mosquitto_sub(b.port, &[&args[..], &["-W", "1"]].concat());
    mosquitto_pub(b.port, &["-t", "off/line", "-m", "while away", "-q", "1"]);
    let lines = mosquitto_sub(
        b.port,
        &[&args[..], &["-C", "1", "-W", "3", "-F", "%t %p"]].concat(),
    );
    assert_eq!(lines, ["off/line while away"]);
}

#[test]
fn mqtt5_user_properties_pass_through() {
    let Some(b) = ready("mqtt5_user_properties_pass_through") else {
        return;
    };
    let w = connected(b.port, MqttVersion::V5, &["p/#"]);
    mosquitto_pub(
        b.port,
        &[
            "-V",
            "5",
            "-t",
            "p/x",
            "-m",
            "1",
            "-D",
            "publish",
            "user-property",
            "k",
            "v",
            "-D",
            "publish",
            "content-type",
            "text/plain",
        ],
    );
    let mut store = Store::default();
    assert!(ingest_until(&w, &mut store, T, |s| latest(s, "p/x").is_some()));
    let props = latest(&store, "p/x").unwrap().properties.clone().unwrap();
    assert_eq!(props.user_properties, [("k".to_string(), "v".to_string())]);
    assert_eq!(props.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        props.message_expiry_interval, None,
        "no expiry added by the broker"
    );
}

#[test]
fn one_megabyte_payload() {
    let Some(b) = ready("one_megabyte_payload") else {
        return;
    };
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let file = std::env::temp_dir().join(format!("mqscope-broker-1mb-{}", b.port));
    std::fs::write(&file, &payload).unwrap();
    mosquitto_pub(
        b.port,
        &["-t", "big", "-f", file.to_str().unwrap(), "-r", "-q", "1"],
    );
    let w = connected(b.port, MqttVersion::V311, &["big"]);
    let mut store = Store::default();
    assert!(ingest_until(&w, &mut store, T, |s| latest(s, "big").is_some()));
    assert_eq!(latest(&store, "big").unwrap().payload.bytes(), &payload[..]);
    let _ = std::fs::remove_file(file);
}

#[test]
fn websocket_pub_sub() {
    if !mosquitto_available("websocket_pub_sub") {
        return;
    }
    let ws = common::free_port();
    let b = LocalBroker::start(&["--ws-port", &ws.to_string()]);
    common::wait_listening(ws);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let got = rt.block_on(async {
        let mut o = rumqttc::MqttOptions::new("ws-test", format!("ws://127.0.0.1:{ws}/mqtt"), ws);
        o.set_transport(rumqttc::Transport::Ws);
        let (client, mut el) = rumqttc::AsyncClient::new(o, 10);
        client
            .subscribe("ws/#", rumqttc::QoS::AtLeastOnce)
            .await
            .unwrap();
        let deadline = tokio::time::Instant::now() + T;
        let mut published = false;
        loop {
            let ev = tokio::time::timeout_at(deadline, el.poll())
                .await
                .expect("in time")
                .unwrap();
            match ev {
                rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)) if !published => {
                    published = true;
                    // A plain TCP client publishes; the WebSocket client receives.
                    mosquitto_pub(b.port, &["-t", "ws/hello", "-m", "over ws"]);
                }
                rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) => break p.payload.to_vec(),
                _ => {}
            }
        }
    });
    assert_eq!(got, b"over ws");
}

#[test]
fn port_in_use_gives_one_clear_line_and_exit_code_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(["broker", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().last().unwrap();
    assert!(
        line.contains(&format!(
            "port {port} is in use by another program; try --port "
        )),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn network_bind_without_credentials_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args([
            "broker",
            "--bind",
            "0.0.0.0",
            "--port",
            &common::free_port().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-anonymous"));
}

#[test]
fn credentials_are_checked() {
    if !mosquitto_available("credentials_are_checked") {
        return;
    }
    let port = common::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args([
            "broker",
            "--port",
            &port.to_string(),
            "--username",
            "alice",
            "--password-env",
            "TEST_BROKER_PW",
        ])
        .env("TEST_BROKER_PW", "s3cret")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::wait_listening(port);
    let accepted = |extra: &[&str]| {
        Command::new("mosquitto_pub")
            .args(["-p", &port.to_string(), "-t", "a", "-m", "b"])
            .args(extra)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let ok = accepted(&["-u", "alice", "-P", "s3cret"]);
    let bad = accepted(&["-u", "alice", "-P", "wrong"]);
    let anon = accepted(&[]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ok, "right credentials accepted");
    assert!(!bad, "wrong password refused");
    assert!(!anon, "anonymous refused when credentials are set");
}

fn wait_status(c: &mut BrokerController, done: impl Fn(&BrokerStatus) -> bool) -> BrokerStatus {
    let deadline = Instant::now() + T;
    loop {
        c.poll();
        if done(c.status()) || Instant::now() > deadline {
            return c.status().clone();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn controller_start_stop_start_frees_and_rebinds_the_port() {
    let mut c = BrokerController::with_program(env!("CARGO_BIN_EXE_mqscope"));
    let port = common::free_port();
    let options = BrokerOptions {
        port,
        ..BrokerOptions::default()
    };
    for round in 0..2 {
        c.start(&options).unwrap();
        let status = wait_status(&mut c, |s| matches!(s, BrokerStatus::Running { .. }));
        assert_eq!(
            status.describe(),
            format!("running on 127.0.0.1:{port}"),
            "round {round}"
        );
        // A client shows up in the controller's list.
        let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        drop(stream);
        c.stop();
        assert_eq!(c.status(), &BrokerStatus::Stopped);
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "stopping frees the port"
        );
    }
    assert!(
        c.log().iter().any(|l| l.contains("listening on")),
        "{:?}",
        c.log()
    );
}

#[test]
fn controller_reports_clients_and_failures() {
    if !mosquitto_available("controller_reports_clients_and_failures") {
        return;
    }
    let mut c = BrokerController::with_program(env!("CARGO_BIN_EXE_mqscope"));
    let port = common::free_port();
    c.start(&BrokerOptions {
        port,
        ..BrokerOptions::default()
    })
    .unwrap();
    wait_status(&mut c, |s| matches!(s, BrokerStatus::Running { .. }));
    let sub = mosquitto_sub_spawn(port, &["-i", "watcher-1", "-t", "x", "-W", "2"]);
    let deadline = Instant::now() + T;
    while !c.clients().contains_key("watcher-1") && Instant::now() < deadline {
        c.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(c.clients()["watcher-1"].starts_with("127.0.0.1:"));
    collect(sub);
    c.stop();

    // A second broker on a taken port fails with the reason in words.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    c.start(&BrokerOptions {
        port,
        ..BrokerOptions::default()
    })
    .unwrap();
    let status = wait_status(&mut c, |s| matches!(s, BrokerStatus::Failed(_)));
    assert!(
        status.describe().contains("is in use by another program"),
        "{status:?}"
    );
}

#[test]
fn the_child_exits_when_its_parent_is_killed() {
    let port = common::free_port();
    // A shell is the parent: it holds the only write end of the child's stdin (a FIFO)
    // and then becomes `sleep`, which we kill.
    let dir = std::env::temp_dir().join(format!("mqscope-parent-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "cd '{}' || exit 1; rm -f stdin; mkfifo stdin || exit 1
         \"$0\" broker --port {port} --events <stdin >/dev/null 2>&1 &
         exec 3>stdin; echo $!; exec sleep 60",
        dir.display()
    );
    let mut parent = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_mqscope")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(parent.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let child_pid: u32 = line.trim().parse().unwrap();
    common::wait_listening(port);
    parent.kill().unwrap(); // SIGKILL: no clean-up code runs in the parent
    parent.wait().unwrap();
    let alive = || {
        std::path::Path::new(&format!("/proc/{child_pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{child_pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    };
    let deadline = Instant::now() + T;
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!alive(), "broker child {child_pid} outlived its parent");
}

#[test]
fn shared_subscription_splits_messages_between_members() {
    let Some(b) = ready("shared_subscription_splits_messages_between_members") else {
        return;
    };
    let a = mosquitto_sub_spawn(b.port, &["-V", "5", "-t", "$share/g/s/#", "-W", "3"]);
    let c = mosquitto_sub_spawn(b.port, &["-V", "5", "-t", "$share/g/s/#", "-W", "3"]);
    for i in 0..20 {
        mosquitto_pub(b.port, &["-t", &format!("s/{i}"), "-m", &i.to_string()]);
    }
    let (a, c) = (collect(a), collect(c));
    assert_eq!(
        a.len() + c.len(),
        20,
        "each message goes to exactly one member"
    );
    assert!(
        !a.is_empty() && !c.is_empty(),
        "both members get some: {} / {}",
        a.len(),
        c.len()
    );
}

#[test]
fn sys_topics_report_statistics() {
    let Some(b) = ready("sys_topics_report_statistics") else {
        return;
    };
    let lines = mosquitto_sub(b.port, &["-t", "$SYS/#", "-C", "1", "-W", "12", "-F", "%t"]);
    assert_eq!(lines.len(), 1, "a $SYS message within the publish interval");
    assert!(lines[0].starts_with("$SYS/"), "{lines:?}");
}

#[test]
fn the_local_broker_publishes_statistics_the_app_reads() {
    // No Mosquitto needed: the app's own worker is the only client.
    let b = LocalBroker::start(&[]);
    let w = connected(b.port, MqttVersion::V5, &["$SYS/#"]);
    for i in 0..10 {
        w.send(WorkerCommand::Publish(Box::new(
            mqscope::mqtt::PublishRequest {
                id: i,
                topic: "counted/x".into(),
                payload: b"1".to_vec(),
                qos: QoS::AtLeastOnce,
                retain: false,
                properties: None,
                encode: None,
            },
        )));
    }
    let mut store = Store::default();
    // rmqtt publishes them every 5 s; the metrics count what was published.
    let published = |s: &Store| {
        let m = latest(s, "$SYS/brokers/0/metrics")?;
        let v: serde_json::Value = serde_json::from_slice(m.payload.bytes()).ok()?;
        v["messages.publish"].as_u64()
    };
    let done = ingest_until(&w, &mut store, T, |s| {
        s.sys_stats()
            .rows()
            .iter()
            .any(|r| r.label == "Clients connected")
            && published(s).is_some()
    });
    assert!(done, "no statistics in 10 s: {:?}", store.sys_stats());
    assert_eq!(store.sys_stats().broker(), "rmqtt");
    let rows = store.sys_stats().rows();
    let value = |l: &str| rows.iter().find(|r| r.label == l).map(|r| r.value.clone());
    assert_eq!(value("Clients connected").as_deref(), Some("1"));
    assert_eq!(value("Subscriptions").as_deref(), Some("1"));
    // Our hook counts messages (rmqtt alone reports 0), so rates can be shown.
    assert!(published(&store).unwrap() >= 10, "{:?}", published(&store));
}
