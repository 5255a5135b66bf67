//! Topic aliases (MQTT 5) on what mqscope publishes, against a real Mosquitto 2 with
//! `max_topic_alias` and against the local broker: repeated topics go by an alias within
//! the broker's maximum (rebinding the least recently used), every message still arrives
//! on its own topic, and `pub --topic-alias` is checked against the maximum. Loopback
//! only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::{self, LocalBroker, Mosquitto, collect, free_port, mosquitto_sub_spawn};
use mqscope::model::QoS;
use mqscope::mqtt::{MqttVersion, PublishRequest, WorkerHandle};

/// Publishes `topics` in order (payload: the topic and its place) at QoS 1 and returns
/// the topic alias each went by, in order.
fn publish_all(w: &WorkerHandle, topics: &[String]) -> Vec<Option<u16>> {
    let mut by_id = BTreeMap::new();
    for (n, topic) in topics.iter().enumerate() {
        let id = n as u64;
        w.publish(PublishRequest {
            id,
            topic: topic.clone(),
            payload: format!("{topic}#{n}").into_bytes(),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: None,
            encode: None,
        })
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !by_id.contains_key(&id) {
            let left = deadline.saturating_duration_since(Instant::now());
            let o = w.outcomes.recv_timeout(left).expect("an outcome in time");
            assert!(o.result.is_ok(), "publish {} failed: {:?}", o.id, o.result);
            by_id.insert(o.id, o.topic_alias);
        }
    }
    by_id.into_values().collect()
}

/// Every publish of `topics` reaches a subscriber with its own topic, and repeated topics
/// go by aliases within `max` (none when it is 0). The worker stays on one connection.
fn aliases_deliver_every_message(port: u16, max: u16) {
    // Round robin over three topics (more than two aliases), then one topic repeated.
    let mut topics: Vec<String> = (0..12).map(|n| format!("alias/t{}", n % 3)).collect();
    topics.extend((0..6).map(|_| "alias/a/long/topic/name/for/a/sensor".to_string()));
    let sub = mosquitto_sub_spawn(
        port,
        &[
            "-t",
            "alias/#",
            "-q",
            "1",
            "-C",
            &topics.len().to_string(),
            "-W",
            "10",
            "-F",
            "%t %p",
        ],
    );
    let mut settings = common::settings(port, MqttVersion::V5, &[]);
    settings.client_id = "alias-publisher".into();
    let mut w = common::worker();
    w.send(mqscope::mqtt::WorkerCommand::Connect(Box::new(settings)));
    common::wait_connected(&mut w, Duration::from_secs(10));
    let info = w.broker_info().unwrap();
    assert_eq!(info.topic_alias_maximum.unwrap_or(0), max, "{info:?}");
    let used = publish_all(&w, &topics);
    let want: Vec<String> = topics
        .iter()
        .enumerate()
        .map(|(n, t)| format!("{t} {t}#{n}"))
        .collect();
    assert_eq!(
        collect(sub),
        want,
        "each message on its own topic, in order"
    );
    for a in used.iter().flatten() {
        assert!(
            (1..=max).contains(a),
            "alias {a} outside 1..={max}: {used:?}"
        );
    }
    if max == 0 {
        assert!(used.iter().all(Option::is_none), "{used:?}");
    } else {
        assert_eq!(used[0], None, "a topic seen once goes without");
        assert!(used[3].is_some(), "t0 again: {used:?}");
        assert!(used[13..].iter().all(Option::is_some), "{used:?}");
        let last = used[13];
        assert!(used[13..].iter().all(|a| *a == last), "one alias: {used:?}");
    }
    assert_eq!(
        w.broker_info().unwrap().session_present,
        info.session_present
    );
    assert!(
        w.state().is_connected(),
        "no protocol error: {:?}",
        w.state()
    );
}

#[test]
fn repeated_topics_go_by_aliases_within_mosquittos_maximum() {
    if !common::mosquitto_available("repeated_topics_go_by_aliases_within_mosquittos_maximum") {
        return;
    }
    let broker = Mosquitto::start_on(free_port(), "max_topic_alias 2");
    aliases_deliver_every_message(broker.port, 2);
    let none = Mosquitto::start_on(free_port(), "max_topic_alias 0");
    aliases_deliver_every_message(none.port, 0);
}

#[test]
fn repeated_topics_go_by_aliases_on_the_local_broker() {
    if !common::mosquitto_available("repeated_topics_go_by_aliases_on_the_local_broker") {
        return; // mosquitto_sub reads what arrives
    }
    let broker = LocalBroker::start(&[]);
    let mut w = common::connected(broker.port, MqttVersion::V5, &[]);
    let max = w.broker_info().unwrap().topic_alias_maximum.unwrap_or(0);
    eprintln!("the local broker allows {max} topic aliases");
    w.send(mqscope::mqtt::WorkerCommand::Disconnect);
    let _ = w.wait_state(Duration::from_secs(5), |s| !s.is_connected());
    aliases_deliver_every_message(broker.port, max);
}

use crate::common::mqscope_pub;

#[test]
fn pub_topic_alias_sends_by_the_alias_and_is_checked_against_the_maximum() {
    if !common::mosquitto_available(
        "pub_topic_alias_sends_by_the_alias_and_is_checked_against_the_maximum",
    ) {
        return;
    }
    let broker = Mosquitto::start_on(free_port(), "max_topic_alias 2");
    let port = broker.port;
    let sub = mosquitto_sub_spawn(port, &["-t", "cli/#", "-C", "3", "-W", "10", "-v"]);
    let out = mqscope_pub(
        port,
        &["-t", "cli/alias", "-l", "-q", "1", "--topic-alias", "2"],
        b"one\ntwo\nthree\n",
    );
    common::assert_ok(&out);
    assert_eq!(
        collect(sub),
        ["cli/alias one", "cli/alias two", "cli/alias three"]
    );
    let out = mqscope_pub(
        port,
        &["-t", "cli/alias", "-m", "x", "--topic-alias", "3"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("topic alias 3 is outside the broker's 1..=2"),
        "{err}"
    );
    let out = mqscope_pub(
        port,
        &[
            "-t",
            "cli/alias",
            "-m",
            "x",
            "--topic-alias",
            "1",
            "--mqtt-version",
            "3",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--topic-alias needs MQTT 5"), "{err}");
}

#[test]
fn messages_the_local_broker_sends_by_alias_arrive_on_their_topic_with_the_alias() {
    if !common::mosquitto_available(
        "messages_the_local_broker_sends_by_alias_arrive_on_their_topic_with_the_alias",
    ) {
        return;
    }
    let broker = LocalBroker::start(&[]);
    let w = common::connected(broker.port, MqttVersion::V5, &["in/#"]);
    for n in 0..4 {
        common::mosquitto_pub(broker.port, &["-t", "in/by/alias", "-m", &n.to_string()]);
    }
    let mut store = mqscope::model::Store::default();
    let arrived = common::ingest_until(&w, &mut store, Duration::from_secs(10), |s| {
        common::latest(s, "in/by/alias").is_some_and(|m| m.payload.bytes() == b"3")
    });
    let topics: Vec<String> = store
        .tree()
        .find("in/by/alias")
        .and_then(|id| store.tree().node(id).history())
        .map(|h| {
            h.entries()
                .map(|m| format!("{:?} {:?}", m.payload.bytes(), m.properties))
                .collect()
        })
        .unwrap_or_default();
    assert!(arrived, "{topics:?} {} {:?}", store.tree().len(), w.state());
    let id = store.tree().find("in/by/alias").unwrap();
    let history = store.tree().node(id).history().unwrap();
    let aliases: Vec<Option<u16>> = history
        .entries()
        .map(|m| m.properties.as_ref().and_then(|p| p.topic_alias))
        .collect();
    assert_eq!(aliases.len(), 4, "all four on their topic");
    assert!(
        aliases
            .iter()
            .all(|a| a.is_some_and(|a| (1..=10).contains(&a))),
        "{aliases:?}"
    );
}

#[test]
fn the_window_says_the_alias_a_repeated_publish_went_by() {
    use egui::Role;
    use egui_kittest::kittest::Queryable as _;
    if !common::mosquitto_available("the_window_says_the_alias_a_repeated_publish_went_by") {
        return;
    }
    let broker = Mosquitto::start_on(free_port(), "max_topic_alias 4");
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        ..Default::default()
    };
    let options = mqscope::app::StartOptions {
        publish_panel: true,
        ..Default::default()
    };
    let mut h = common::window::connected_app(form, options, 1000.0);
    common::window::type_into(&mut h, Role::TextInput, "Topic", "win/alias");
    common::window::type_into(&mut h, Role::MultilineTextInput, "Payload", "x");
    let mut said = Vec::new();
    for _ in 0..2 {
        h.query_all_by_label("Publish")
            .last()
            .unwrap()
            .click_accesskit();
        h.run_steps(2);
        let shown = (0..250).any(|_| {
            h.run_steps(1);
            std::thread::sleep(Duration::from_millis(20));
            h.query_by_label_contains("sent").is_some()
        });
        assert!(shown, "an outcome is shown");
        said.push(h.query_by_label_contains("by topic alias 1").is_some());
    }
    assert_eq!(
        said,
        [false, true],
        "the second publish of the topic goes by alias 1"
    );
}
