//! Timed publish from the window's publish panel against a real Mosquitto: placeholders
//! filled in for each message, a count, two at once, Stop. Read back by `mosquitto_sub`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::{App, StartOptions};

use crate::common::window::{run_until, type_into};
use crate::common::{self, Mosquitto};

/// Types `text` into the number field `label` (a DragValue) and leaves it.
fn set_number(h: &mut Harness<'static, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(label).type_text(text);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
}

#[test]
fn timed_publish_fills_placeholders_counts_and_stops() {
    let Some(broker) = Mosquitto::start("timed_publish_fills_placeholders_counts_and_stops") else {
        return;
    };
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        ..Default::default()
    };
    let options = StartOptions {
        publish_panel: true,
        ..StartOptions::default()
    };
    let mut h = crate::common::window::connected_app(form, options, 900.0);
    let counted = common::mosquitto_sub_spawn(
        broker.port,
        &["-t", "rep/#", "-C", "3", "-W", "10", "-F", "%t %p"],
    );
    type_into(&mut h, Role::TextInput, "Topic", "rep/{{seq}}");
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "Payload",
        "n={{seq}} t={{random_int:7:7}}",
    );
    // The repeat row is below the fold of the publish panel: its buttons are pressed
    // through accessibility (a pointer click in the real window was checked by hand).
    set_number(&mut h, "Repeat every", "20");
    set_number(&mut h, "times", "3");
    h.get_by_label("Start repeating").click_accesskit();
    h.run_steps(2);
    assert_eq!(
        common::collect(counted),
        ["rep/1 n=1 t=7", "rep/2 n=2 t=7", "rep/3 n=3 t=7"]
    );
    assert!(run_until(&mut h, Duration::from_secs(5), |_| true));
    let done = |h: &Harness<'static, App>| {
        h.query_by_label_contains("3 sent, 3 taken by the broker; done")
            .is_some()
    };
    for _ in 0..100 {
        if done(&h) {
            break;
        }
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(done(&h), "the finished run says what it sent");
    // Until stopped: messages keep coming until Stop, then no more.
    type_into(&mut h, Role::TextInput, "Topic", "forever/{{seq}}");
    set_number(&mut h, "times", "0");
    h.get_by_label("Start repeating").click_accesskit();
    h.run_steps(2);
    let watch =
        common::mosquitto_sub_spawn(broker.port, &["-t", "forever/#", "-C", "2", "-W", "10"]);
    assert_eq!(common::collect(watch).len(), 2);
    h.run_steps(2);
    h.get_by_label("Stop").click_accesskit();
    h.run_steps(2);
    std::thread::sleep(Duration::from_millis(300));
    h.run_steps(2);
    let after =
        common::mosquitto_sub_spawn(broker.port, &["-t", "forever/#", "-C", "1", "-W", "1"]);
    let late = common::collect(after);
    assert!(late.is_empty(), "nothing after Stop: {late:?}");
    assert_eq!(h.query_all_by_label("Remove").count(), 2, "both runs ended");
}
