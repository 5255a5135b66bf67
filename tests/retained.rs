//! The truth about retained messages (issue #15, item 1): a retained message published
//! from the window is shown retained on an MQTT 3.1.1 connection too (the broker clears the
//! flag on live delivery), and it can be cleared from the tree at once. Real Mosquitto,
//! the real App under egui_kittest, clicks and typing as a user would.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::{Duration, Instant};

use common::Mosquitto;
use common::window::type_into;
use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::{App, SavedState, StartOptions};
use mqscope::mqtt::{ConnectionForm, MqttVersion};

const T: Duration = Duration::from_secs(10);

fn run_until(h: &mut Harness<'static, App>, done: impl Fn(&App) -> bool) -> bool {
    common::window::run_until(h, T, done)
}

fn has(app: &App, topic: &str) -> bool {
    app.store().tree().find(topic).is_some()
}

fn is_retained(app: &App, topic: &str) -> bool {
    let tree = app.store().tree();
    tree.find(topic)
        .is_some_and(|id| tree.node(id).is_retained())
}

#[test]
fn a_retained_publish_from_the_window_shows_retained_on_mqtt_3() {
    let Some(broker) = Mosquitto::start("a_retained_publish_from_the_window_shows_retained") else {
        return;
    };
    let options = StartOptions {
        form: ConnectionForm {
            host: "127.0.0.1".into(),
            port: broker.port.to_string(),
            version: MqttVersion::V311,
            ..ConnectionForm::default()
        },
        connect: true,
        publish_panel: true,
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::with_context(&cc.egui_ctx, SavedState::default(), options));
    // Connected and subscribed once a probe published from outside arrives.
    let deadline = Instant::now() + T;
    while !has(h.state(), "probe") {
        assert!(Instant::now() < deadline, "never connected");
        broker.publish(&["-t", "probe", "-m", "1"]);
        h.run_steps(3);
        std::thread::sleep(Duration::from_millis(100));
    }

    type_into(&mut h, Role::TextInput, "Topic", "test/hello");
    type_into(&mut h, Role::MultilineTextInput, "Payload", "hi");
    h.get_by_label("Retain").click();
    h.run_steps(2);
    h.query_all_by_label("Publish").last().unwrap().click();
    h.run_steps(2);
    assert!(
        run_until(&mut h, |a| has(a, "test/hello")),
        "the echo arrives"
    );
    assert!(
        is_retained(h.state(), "test/hello"),
        "our own retained publish is shown retained although the broker cleared the flag"
    );
    // The broker agrees: a fresh subscriber gets it as retained.
    let fresh = common::mosquitto_sub(
        broker.port,
        &["-t", "test/hello", "-C", "1", "-v", "-W", "5"],
    );
    assert_eq!(fresh, vec!["test/hello hi".to_string()]);

    // A live non-retained message from elsewhere on another topic is not retained.
    broker.publish(&["-t", "test/live", "-m", "x"]);
    assert!(run_until(&mut h, |a| has(a, "test/live")));
    assert!(!is_retained(h.state(), "test/live"));
}
