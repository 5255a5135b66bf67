//! UI behaviour with egui_kittest (headless, AccessKit queries): the real App, fed events.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use mqscope::app::{App, StartOptions};
use mqscope::model::{Incoming, Message};

use crate::common;
use common::window::type_into;

use common::window::incoming as msg;

fn harness() -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    h.state_mut().feed(vec![
        msg("greenhouse/temperature", b"21.5", false),
        msg("greenhouse/state", br#"{"fan":true,"rpm":1200}"#, true),
        msg("office/lamp", b"ON", false),
        msg("office/raw", &[0xff, 0x00, 0x10], false),
    ]);
    h.run_steps(3);
    h
}

/// Selects a row by clicking it and opens it with the right arrow key.
fn expand(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
}

#[test]
fn fed_events_show_rows() {
    let h = harness();
    assert!(h.query_by_label("greenhouse").is_some());
    assert!(h.query_by_label("office").is_some());
    // Collapsed: second levels are not rows yet.
    assert!(h.query_by_label("temperature").is_none());
    assert!(
        h.query_by_label_contains("4 messages").is_some(),
        "status bar counts"
    );
    assert!(h.query_by_label_contains("4 topics").is_some());
}

#[test]
fn expanding_and_clicking_a_row_shows_its_inspector() {
    let mut h = harness();
    expand(&mut h, "greenhouse");
    h.run_steps(3);
    h.get_by_label("state").click();
    h.run_steps(3);
    assert!(
        h.query_by_label("greenhouse/state").is_some(),
        "full topic in the inspector"
    );
    assert!(h.query_by_label("Copy topic").is_some());
    // JSON payload opens pretty-printed.
    assert!(h.query_by_label("\"rpm\": ").is_some());
    assert!(
        h.query_by_role_and_label(Role::Button, "Plot rpm")
            .is_some(),
        "numeric fields are links that plot them"
    );
    assert!(h.query_by_label("yes").is_some(), "retained shown");
    // Switch to the hex view.
    h.get_by_label("Hex").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("00000000  7b 22 66 61").is_some());
}

#[test]
fn binary_payload_opens_as_hex() {
    let mut h = harness();
    expand(&mut h, "office");
    h.run_steps(3);
    h.get_by_label("raw").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("00000000  ff 00 10").is_some());
    assert!(h.query_by_label("binary").is_some());
}

#[test]
fn filter_hides_non_matching_rows() {
    let mut h = harness();
    h.get_by_role_and_label(Role::TextInput, "Filter").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Filter")
        .type_text("temp");
    h.run_steps(3);
    assert!(h.query_by_label("greenhouse").is_some());
    assert!(
        h.query_by_label("temperature").is_some(),
        "matches are shown expanded"
    );
    assert!(h.query_by_label("office").is_none());
    assert!(h.query_by_label("state").is_none());
}

#[test]
fn arrow_keys_move_expand_and_collapse() {
    let mut h = harness();
    h.get_by_label("greenhouse").click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight); // expand
    h.run_steps(2);
    assert!(h.query_by_label("temperature").is_some());
    h.key_press(egui::Key::ArrowDown); // -> state
    h.run_steps(2);
    h.key_press(egui::Key::ArrowDown); // -> temperature
    h.run_steps(2);
    assert!(h.query_by_label("greenhouse/temperature").is_some());
    h.key_press(egui::Key::ArrowLeft); // -> parent
    h.run_steps(2);
    h.key_press(egui::Key::ArrowLeft); // collapse
    h.run_steps(2);
    assert!(h.query_by_label("temperature").is_none());
}

#[test]
fn history_entries_can_be_picked() {
    let mut h = harness();
    for v in ["22.0", "22.5"] {
        h.state_mut()
            .feed(vec![msg("greenhouse/temperature", v.as_bytes(), false)]);
    }
    expand(&mut h, "greenhouse");
    h.run_steps(3);
    h.get_by_label("temperature").click();
    h.run_steps(3);
    assert!(h.query_by_label("22.5").is_some(), "latest payload shown");
    assert!(h.query_by_label_contains("3 kept of 3 received").is_some());
    h.get_by_label_contains("21.5").click(); // the oldest history row
    h.run_steps(3);
    assert!(h.query_by_label("21.5").is_some(), "picked payload shown");
    assert!(h.query_by_label("Back to the latest message").is_some());
}

#[test]
fn broker_panel_explains_a_bad_port_before_starting() {
    let mut h = harness();
    h.get_by_label("Local broker").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("broker stopped").is_some());
    h.get_by_role_and_label(Role::TextInput, "Broker port")
        .focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Broker port")
        .type_text("0");
    h.run_steps(2);
    h.get_by_label("Start").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("the port is a number from 1 to 65535")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("broker stopped").is_some(),
        "nothing was started"
    );
}

#[test]
fn publish_panel_explains_why_it_is_off_and_validates_formats() {
    let mut h = harness();
    h.get_by_label("Publish").click();
    h.run_steps(2);
    assert!(h.query_by_label("Publish is off: enter a topic").is_some());
    h.get_by_role_and_label(Role::TextInput, "Topic").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Topic")
        .type_text("a/+/b");
    h.run_steps(2);
    let reason = "a topic to publish to has no + or # (those are for subscribing)";
    assert!(
        h.query_by_label(reason).is_some(),
        "shown next to the field"
    );
    assert!(
        h.query_by_label(&format!("Publish is off: {reason}"))
            .is_some()
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Topic")
        .type_text("cmd/light");
    h.run_steps(2);
    // A valid topic, but the test app is not connected: the button says so.
    assert!(h.query_by_label("Publish is off: not connected").is_some());
    h.get_by_label("Hex").click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::MultilineTextInput, "Payload")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::MultilineTextInput, "Payload")
        .type_text("de ad b");
    h.run_steps(2);
    assert!(h.query_by_label("an odd number of hex digits").is_some());
    h.get_by_role_and_label(Role::MultilineTextInput, "Payload")
        .type_text("e");
    h.run_steps(2);
    assert!(h.query_by_label("3 bytes").is_some());
}

#[test]
fn edit_as_new_message_fills_the_publish_panel() {
    let mut h = harness();
    expand(&mut h, "greenhouse");
    h.get_by_label("state").click();
    h.run_steps(2);
    h.get_by_label("Edit as new message").click();
    h.run_steps(3);
    let topic = h.get_by_role_and_label(Role::TextInput, "Topic");
    assert_eq!(topic.value().as_deref(), Some("greenhouse/state"));
    let payload = h.get_by_role_and_label(Role::MultilineTextInput, "Payload");
    assert_eq!(
        payload.value().as_deref(),
        Some(r#"{"fan":true,"rpm":1200}"#)
    );
}

#[test]
fn limits_window_shows_the_budget() {
    let mut h = harness();
    h.get_by_label("Limits").click();
    h.run_steps(3);
    assert!(h.query_by_label("History budget (all topics)").is_some());
    assert!(h.query_by_label("Payload kept per message").is_some());
    assert!(
        h.query_by_label_contains("history ").is_some(),
        "the status bar shows the budget"
    );
}

#[test]
fn clear_retained_below_asks_with_the_count() {
    let mut h = harness();
    h.get_by_label("greenhouse").click_secondary();
    h.run_steps(2);
    h.get_by_label("Clear retained below…").click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("Clear 1 retained message (below greenhouse)?")
            .is_some()
    );
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("retained message (below")
            .is_none()
    );
}

#[test]
fn every_clear_gets_an_answer_even_where_nothing_is_known_retained() {
    let mut h = harness();
    // A parent with no retained topic below: the dialog comes at once (no other frame is
    // asked for: `run` stops when the window would sleep) and says what clearing does.
    h.get_by_label("office").click_secondary();
    h.run();
    h.get_by_label("Clear retained below…").click();
    h.run();
    assert!(
        h.query_by_label_contains("mqscope has seen no retained message below office")
            .is_some()
    );
    assert!(h.query_by_label_contains("to 2 topics").is_some());
    h.get_by_label("Cancel").click();
    h.run();
    // A topic not known as retained may be cleared too.
    expand(&mut h, "office");
    h.get_by_label("lamp").click_secondary();
    h.run();
    h.get_by_label("Clear retained message…").click();
    h.run();
    assert!(
        h.query_by_label_contains("no retained message on office/lamp")
            .is_some()
    );
    assert!(h.query_by_label("Clear anyway").is_some());
}

#[test]
fn a_saved_template_loads_back_into_the_editor() {
    let mut h = harness();
    h.get_by_label("Publish").click();
    h.run_steps(2);
    type_into(&mut h, Role::TextInput, "Topic", "home/light/set");
    type_into(&mut h, Role::MultilineTextInput, "Payload", "ON");
    type_into(&mut h, Role::TextInput, "Template name", "Light on");
    h.get_by_label("Save as template").click();
    h.run_steps(2);
    type_into(&mut h, Role::TextInput, "Topic", "something/else");
    h.get_by_label("Light on").click();
    h.run_steps(2);
    let topic = h.get_by_role_and_label(Role::TextInput, "Topic").value();
    assert_eq!(topic.as_deref(), Some("home/light/set"));
    h.get_by_label("Delete").click();
    h.run_steps(2);
    assert!(h.query_by_label("Light on").is_none());
}

#[test]
fn a_json_field_is_plotted_from_the_json_view_and_removed() {
    let mut h = harness();
    expand(&mut h, "greenhouse");
    h.get_by_label("state").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Plot rpm").click();
    h.run_steps(3);
    let plots = h.state().store().plots();
    assert_eq!(plots.len(), 1);
    let series = &plots.series()[0];
    assert_eq!(series.spec.label(), "greenhouse/state › rpm");
    assert_eq!(
        series.last(),
        Some(1200.0),
        "filled from the topic's history"
    );
    assert_eq!(
        series.retained_points().len(),
        1,
        "a retained value is marked"
    );
    // The chart panel opened, with the series in its statistics table (its legend).
    assert!(h.query_by_label("greenhouse/state › rpm").is_some());
    assert!(
        h.query_by_label_contains("plots 1 points").is_some(),
        "status bar"
    );
    // New messages feed it.
    h.state_mut().feed(vec![msg(
        "greenhouse/state",
        br#"{"fan":false,"rpm":900}"#,
        false,
    )]);
    h.run_steps(2);
    assert_eq!(h.state().store().plots().series()[0].last(), Some(900.0));
    h.get_by_label("Remove").click();
    h.run_steps(3);
    assert!(h.state().store().plots().is_empty());
    assert!(h.query_by_label_contains("Nothing plotted yet").is_some());
}

#[test]
fn a_numeric_topic_is_plotted_and_the_chart_pauses_and_follows_again() {
    let mut h = harness();
    expand(&mut h, "greenhouse");
    h.get_by_label("temperature").click();
    h.run_steps(3);
    h.get_by_label("Plot").click();
    h.run_steps(3);
    assert_eq!(h.state().store().plots().len(), 1);
    assert!(
        h.query_by_label("Plotted").is_some(),
        "the button says it is done"
    );
    assert!(h.state().chart().live);
    h.get_by_label("Pause").click();
    h.run_steps(3);
    assert!(!h.state().chart().live);
    assert!(h.query_by_label("paused").is_some());
    // Paused: new values are still recorded, but the figures hold still with the chart
    // (Last and Points too, not only min, max and mean).
    let mut now = msg("greenhouse/temperature", b"23 \xc2\xb0C", false);
    now.message.received_at_us = mqscope::model::message::now_us();
    h.state_mut().feed(vec![now]);
    h.run_steps(2);
    assert_eq!(h.state().store().plots().series()[0].last(), Some(23.0));
    assert!(
        h.query_by_label("23").is_none(),
        "the paused table shows no new value"
    );
    h.get_by_label("Follow live").click();
    h.run_steps(3);
    assert!(h.state().chart().live);
    assert!(
        h.query_all_by_label("23").next().is_some(),
        "live again: it shows"
    );
    h.get_by_label("1 h").click();
    h.run_steps(2);
    assert_eq!(h.state().chart().window.label(), "1 h");
}

#[test]
fn text_that_is_not_a_number_offers_no_plot() {
    let mut h = harness();
    expand(&mut h, "office");
    h.get_by_label("lamp").click();
    h.run_steps(3);
    assert!(h.query_by_label("Edit as new message").is_some());
    assert!(h.query_by_label("Plot").is_none());
}

#[test]
fn the_visible_points_export_to_csv() {
    let mut h = harness();
    let now_ms = mqscope::model::message::now_ms();
    let mut fresh = msg("greenhouse/temperature", b"24.5", false);
    fresh.message.received_at_us = now_ms * 1000;
    h.state_mut().feed(vec![fresh]);
    expand(&mut h, "greenhouse");
    h.get_by_label("temperature").click();
    h.run_steps(2);
    h.get_by_label("Plot").click();
    h.run_steps(3);
    h.get_by_label("Export CSV…").click();
    h.run_steps(2);
    let path = std::env::temp_dir().join(format!("mqscope-export-{}.csv", std::process::id()));
    let field = h.get_by_role_and_label(Role::TextInput, "File");
    field.focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "File")
        .type_text(path.to_str().unwrap());
    h.run_steps(2);
    h.get_by_label("Save").click();
    for _ in 0..100 {
        h.run_steps(1);
        if h.query_by_label_contains("Wrote ").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(h.query_by_label_contains("Wrote 1 rows").is_some());
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        text,
        format!("timestamp_ms,series,value\n{now_ms},greenhouse/temperature,24.5\n"),
        "only the visible point (the 2023 one is outside the live window)"
    );
}

#[test]
fn plotted_series_come_back_from_saved_settings() {
    let ctx = egui::Context::default();
    let saved = mqscope::app::SavedState {
        plots: vec![
            mqscope::model::SeriesSpec {
                topic: "a/b".into(),
                path: "x[0]".into(),
                decoder: None,
                rule: None,
            },
            mqscope::model::SeriesSpec {
                topic: "bad".into(),
                path: "x[".into(),
                decoder: None,
                rule: None,
            },
        ],
        ..Default::default()
    };
    let app = App::with_context(&ctx, saved, StartOptions::default());
    let specs = app.store().plots().specs();
    assert_eq!(specs.len(), 1, "the unreadable one is dropped, and said so");
    assert_eq!(specs[0].label(), "a/b › x[0]");
}

#[test]
fn tls_options_say_what_is_wrong_with_a_file() {
    let mut h = harness();
    h.get_by_role_and_label(Role::ComboBox, "Transport").click();
    h.run_steps(2);
    h.get_by_label("TLS").click();
    h.run_steps(3);
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "Port")
            .value()
            .as_deref(),
        Some("8883"),
        "the usual TLS port"
    );
    h.get_by_role_and_label(Role::TextInput, "CA file").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "CA file")
        .type_text("/nonexistent/ca.pem");
    h.run_steps(2);
    h.get_by_label("Connect").click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("the CA file /nonexistent/ca.pem")
            .is_some()
    );
    h.get_by_label("Skip certificate verification").click();
    h.run_steps(2);
    assert!(h.query_by_label("certificates not verified").is_some());
}

#[test]
fn a_connection_profile_is_saved_and_loaded_back() {
    let mut h = harness();
    h.get_by_label("Connections…").click();
    h.run_steps(2);
    assert!(h.query_by_label("None yet: fill in and Save").is_some());
    let type_into = |h: &mut Harness<'static, App>, label: &str, text: &str| {
        type_into(h, Role::TextInput, label, text);
    };
    type_into(&mut h, "Host", "broker.example");
    type_into(&mut h, "User name", "alice");
    type_into(&mut h, "Profile name", "Plant");
    h.get_by_label("Save").click();
    h.run_steps(3);
    // Listed in the window, and the tab is named by it (the list comes last).
    assert_eq!(
        h.query_all_by_role_and_label(Role::Button, "Plant").count(),
        2,
        "listed, and the tab's name"
    );
    assert!(
        h.query_by_label_contains("cannot remember the password")
            .is_none(),
        "a profile without 'remember' does not touch the keychain"
    );
    type_into(&mut h, "Host", "elsewhere");
    h.query_all_by_role_and_label(Role::Button, "Plant")
        .last()
        .unwrap()
        .click();
    h.run_steps(3);
    let host = h.get_by_role_and_label(Role::TextInput, "Host").value();
    assert_eq!(host.as_deref(), Some("broker.example"));
    h.get_by_label("Duplicate").click();
    h.run_steps(3);
    assert!(
        h.query_by_role_and_label(Role::Button, "Plant copy")
            .is_some()
    );
    h.get_by_label("Delete").click();
    h.run_steps(3);
    assert!(
        h.query_by_role_and_label(Role::Button, "Plant copy")
            .is_none()
    );
}

#[test]
fn saving_over_a_profile_asks_first_and_shows_what_changes() {
    let mut h = harness();
    h.get_by_label("Connections…").click();
    h.run_steps(2);
    let type_into = |h: &mut Harness<'static, App>, label: &str, text: &str| {
        type_into(h, Role::TextInput, label, text);
    };
    type_into(&mut h, "Port", "1884");
    type_into(&mut h, "User name", "alice");
    type_into(&mut h, "Profile name", "Plant");
    h.get_by_label("Save").click();
    h.run_steps(3);
    // A new tab starts with default fields and an empty profile name.
    h.get_by_label("New connection").click();
    h.run_steps(3);
    let name = h
        .get_by_role_and_label(Role::TextInput, "Profile name")
        .value();
    assert_eq!(name.as_deref(), Some(""), "not the last profile's name");
    type_into(&mut h, "Profile name", "Plant");
    h.get_by_label("Save").click();
    h.run();
    assert!(h.query_by_label("Overwrite profile Plant?").is_some());
    assert!(h.query_by_label("Port: 1884 → 1883").is_some());
    assert!(h.query_by_label("User name: alice → (empty)").is_some());
    h.get_by_label("Keep the saved one").click();
    h.run_steps(3);
    // The first tab is named by its profile now (its list entry comes last: the window).
    assert_eq!(h.state().tabs()[0].1, "Plant");
    h.query_all_by_role_and_label(Role::Button, "Plant")
        .last()
        .unwrap()
        .click();
    h.run_steps(3);
    let port = h.get_by_role_and_label(Role::TextInput, "Port").value();
    assert_eq!(
        port.as_deref(),
        Some("1884"),
        "the saved profile is untouched"
    );
    // Rename is in the window: the loaded profile takes the name typed.
    assert!(h.query_by_label("Rename Plant").is_some());
    type_into(&mut h, "Profile name", "Plant B");
    h.get_by_label("Rename Plant").click();
    h.run_steps(3);
    assert!(
        h.query_all_by_role_and_label(Role::Button, "Plant B")
            .next()
            .is_some()
    );
    assert!(
        h.query_all_by_role_and_label(Role::Button, "Plant")
            .next()
            .is_none()
    );
    assert_eq!(h.state().tabs()[1].1, "Plant B", "tabs follow the rename");
}

#[test]
fn connection_fields_are_checked_as_they_are_typed() {
    let mut h = harness();
    h.get_by_role_and_label(Role::TextInput, "Port").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Port")
        .type_text("99999");
    h.run_steps(2);
    assert!(
        h.query_by_label("a port is a number from 1 to 65535")
            .is_some(),
        "said before Connect is pressed"
    );
}

#[test]
fn an_mqtt_filter_in_the_filter_box_matches_by_levels() {
    let mut h = harness();
    h.get_by_role_and_label(Role::TextInput, "Filter").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Filter")
        .type_text("+/temperature");
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("read as an MQTT filter")
            .is_some(),
        "the mode is said"
    );
    assert!(h.query_by_label("temperature").is_some());
    assert!(h.query_by_label("state").is_none());
    assert!(h.query_by_label("office").is_none());
}

#[test]
fn the_diff_view_compares_with_the_previous_message() {
    let mut h = harness();
    h.state_mut().feed(vec![msg(
        "greenhouse/state",
        br#"{"rpm":1300,"fan":true}"#,
        false,
    )]);
    expand(&mut h, "greenhouse");
    h.get_by_label("state").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Diff").click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("Against the previous message (JSON): 2 lines differ")
            .is_some()
    );
    assert!(h.query_by_label("-   \"rpm\": 1200").is_some());
    assert!(h.query_by_label("+   \"rpm\": 1300").is_some());
}

#[test]
fn pausing_the_view_holds_messages_and_resume_applies_them() {
    let mut h = harness();
    h.get_by_label("Pause view").click();
    h.run_steps(2);
    h.state_mut().feed(vec![
        msg("paused/one", b"1", false),
        msg("paused/two", b"2", false),
    ]);
    h.run_steps(2);
    assert!(
        h.query_by_label("paused").is_none(),
        "the tree stands still"
    );
    assert!(
        h.query_by_label_contains("paused: 2 messages waiting")
            .is_some()
    );
    assert_eq!(h.state().store().stats().total_messages, 4);
    h.get_by_label("Resume view").click();
    h.run_steps(3);
    assert!(h.query_by_label("paused").is_some(), "applied on resume");
    assert_eq!(h.state().store().stats().total_messages, 6);
    assert_eq!(h.state().pause().held_messages, 0);
}

#[test]
fn recording_writes_what_arrives_and_says_how_much() {
    let mut h = harness();
    h.get_by_label("Record / replay").click();
    h.run_steps(2);
    let path = std::env::temp_dir().join(format!("mqscope-rec-{}.jsonl", std::process::id()));
    h.get_by_role_and_label(Role::TextInput, "Record to")
        .focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Record to")
        .type_text(path.to_str().unwrap());
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Only topics")
        .focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Only topics")
        .type_text("office/#");
    h.run_steps(2);
    h.get_by_label("Start recording").click();
    h.run_steps(2);
    assert!(h.state().recorder().is_some_and(|r| r.is_recording()));
    h.state_mut().feed(vec![
        msg("office/lamp", b"OFF", false),
        msg("greenhouse/temperature", b"22", false),
        msg("office/raw", &[0xfe, 0xff], false),
    ]);
    // The writer thread counts what it wrote.
    for _ in 0..100 {
        h.run_steps(1);
        if h.query_by_label_contains("REC 2 · ").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        h.query_by_label_contains("REC 2 · ").is_some(),
        "indicator in the top bar"
    );
    // One in the top bar, one in the window.
    h.query_all_by_role_and_label(Role::Button, "Stop recording")
        .next()
        .unwrap()
        .click();
    for _ in 0..100 {
        h.run_steps(1);
        if h.state().record_result().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Recorded 2 messages").is_some(),
        "summary shown; only the filter's topics recorded"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let lines: Vec<_> = text
        .lines()
        .map(|l| mqscope::model::recording::RecordLine::parse(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].payload.as_deref(), Some("OFF"));
    assert_eq!(lines[1].payload_bytes().unwrap(), [0xfe, 0xff]);
    assert_eq!(lines[1].ts_us, 1_700_000_000_042_000);
    // Replay needs a connection, and says so.
    assert!(
        h.get_by_role_and_label(Role::Button, "Start replay")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn the_filter_searches_payloads_and_explains_a_bad_regex() {
    let mut h = harness();
    h.get_by_label("in").click();
    h.run_steps(2);
    h.get_by_label("payloads").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Filter").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Filter")
        .type_text("RPM\":12");
    h.run_steps(3);
    assert!(
        h.query_by_label("state").is_some(),
        "its payload has rpm 1200"
    );
    assert!(h.query_by_label("temperature").is_none());
    assert!(h.query_by_label("office").is_none());
    // A regular expression that does not compile is explained; the rows stay.
    h.get_by_label("Match").click();
    h.run_steps(2);
    h.get_by_label("Regex").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Filter").focus();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Filter")
        .type_text("(");
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("not a regular expression")
            .is_some(),
        "the problem is said"
    );
    assert!(h.query_by_label("state").is_some());
}

#[test]
fn top_talkers_measure_a_whole_window_before_ranking_and_reveal_them() {
    let mut h = harness();
    // Topics are counted while the window is open; until five whole seconds are counted
    // it says so instead of showing rates that are too low (0.8 msg/s for 4 msg/s).
    h.get_by_label("Top talkers").click();
    h.run_steps(2);
    let now = |m: Incoming| Incoming {
        message: Message {
            received_at_us: mqscope::model::message::now_us(),
            ..m.message
        },
        ..m
    };
    let started = std::time::Instant::now();
    let mut said_measuring = false;
    // Four lamp messages for each temperature one, for up to 10 s, until ranked.
    while h
        .state()
        .store()
        .topic_rates()
        .top(h.state().store().now())
        .is_empty()
    {
        assert!(started.elapsed().as_secs() < 10, "never ranked");
        let batch = (0..4)
            .map(|i| now(msg("office/lamp", format!("{i}").as_bytes(), false)))
            .chain(std::iter::once(now(msg(
                "greenhouse/temperature",
                b"21",
                false,
            ))))
            .collect();
        h.state_mut().feed(batch);
        h.run_steps(1);
        said_measuring |= h.query_by_label_contains("Measuring…").is_some();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(said_measuring, "said while the first window was counted");
    assert!(
        started.elapsed().as_secs_f64() > 5.0,
        "no rates before a whole window"
    );
    h.run_steps(2);
    let store = h.state().store();
    let rates = store.topic_rates();
    let top = rates.top(store.now());
    let name = |id| store.tree().path(id).unwrap();
    assert_eq!(name(top[0].0), "office/lamp");
    assert_eq!(name(top[1].0), "greenhouse/temperature");
    let ratio = top[0].1 / top[1].1;
    assert!((3.5..=4.5).contains(&ratio), "rates as sent: {top:?}");
    let sum: f64 = top.iter().map(|t| t.1).sum();
    assert!(
        (sum - rates.total()).abs() < 1e-9,
        "the rows add up to the header"
    );
    let lamp = mqscope::ui::inspector::format_rate(top[0].1);
    assert!(h.query_all_by_label(&lamp).next().is_some(), "{lamp} shown");
    h.get_by_label("office/lamp").click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("on this topic").is_some(),
        "the inspector shows the topic"
    );
}

/// A Sparkplug B NDATA payload written out by the protobuf wire format: timestamp 1, one
/// Float metric "Temperature" = `value`, seq 0.
fn sparkplug(value: f32) -> Vec<u8> {
    let mut metric = vec![0x0a, 11];
    metric.extend_from_slice(b"Temperature");
    metric.extend_from_slice(&[0x20, 9, 0x65]);
    metric.extend_from_slice(&value.to_le_bytes());
    let mut payload = vec![0x08, 1, 0x12, metric.len() as u8];
    payload.extend_from_slice(&metric);
    payload.extend_from_slice(&[0x18, 0]);
    payload
}

#[test]
fn sparkplug_topics_open_decoded_and_their_metrics_plot() {
    let mut h = harness();
    h.state_mut().feed(vec![msg(
        "spBv1.0/plant/NDATA/edge1",
        &sparkplug(21.5),
        false,
    )]);
    h.run_steps(2);
    for level in ["spBv1.0", "plant", "NDATA"] {
        expand(&mut h, level);
    }
    h.get_by_label("edge1").click();
    h.run_steps(3);
    assert!(
        h.query_by_label("\"Temperature\": ").is_some(),
        "metrics by name"
    );
    assert!(h.query_by_label("\"Float\"").is_some(), "with their type");
    let plot = "Plot metrics.Temperature.value";
    h.get_by_role_and_label(Role::Button, plot).click();
    h.run_steps(3);
    let mut next = msg("spBv1.0/plant/NDATA/edge1", &sparkplug(22.25), false);
    next.message.received_at_us = mqscope::model::message::now_us();
    h.state_mut().feed(vec![next]);
    h.run_steps(2);
    let plots = h.state().store().plots();
    assert_eq!(plots.len(), 1);
    let series = &plots.series()[0];
    assert_eq!(
        series.spec.decoder,
        Some(mqscope::model::decode::Decoder::SparkplugB)
    );
    assert_eq!(series.points().back().map(|p| p[1]), Some(22.25));
}

#[test]
fn messagepack_is_decoded_when_picked() {
    let mut h = harness();
    // {"temp": 21.5, "ok": true}
    let mut bytes = vec![0x82, 0xa4];
    bytes.extend_from_slice(b"temp");
    bytes.push(0xcb);
    bytes.extend_from_slice(&21.5f64.to_be_bytes());
    bytes.extend_from_slice(&[0xa2, b'o', b'k', 0xc3]);
    h.state_mut()
        .feed(vec![msg("office/packed", &bytes, false)]);
    h.run_steps(2);
    expand(&mut h, "office");
    h.get_by_label("packed").click();
    h.run_steps(3);
    assert!(h.query_by_label("\"temp\": ").is_none(), "not guessed");
    h.get_by_label("Decode as").click();
    h.run_steps(2);
    h.get_by_label("MessagePack").click();
    h.run_steps(3);
    assert!(h.query_by_label("\"temp\": ").is_some());
    assert!(
        h.query_by_role_and_label(Role::Button, "Plot temp")
            .is_some()
    );
    // CBOR on the same bytes is not CBOR: said, and shown as hex.
    h.get_by_label("Decode as").click();
    h.run_steps(2);
    h.get_by_label("CBOR").click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("Not shown decoded: not CBOR")
            .is_some()
    );
}

#[test]
fn remember_password_goes_to_the_keychain_or_says_why_not() {
    // A keychain service of this test's own: never the user's entries.
    let service = format!("mqscope-test-ui-{}", std::process::id());
    let options = StartOptions {
        keychain_service: Some(service.clone()),
        show: vec!["connections".into()],
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, options));
    h.run_steps(2);
    for (role, field, text) in [
        (Role::TextInput, "Profile name", "kitchen"),
        (Role::PasswordInput, "Password", "pa55word"),
    ] {
        h.get_by_role_and_label(role, field).focus();
        h.run_steps(1);
        h.get_by_role_and_label(role, field).type_text(text);
        h.run_steps(1);
    }
    h.get_by_label("Remember the password in the system keychain (on Save)")
        .click();
    h.run_steps(1);
    h.get_by_label("Save").click();
    let said = |h: &Harness<'static, App>| {
        if h.query_by_label_contains("is in the keychain").is_some() {
            Some(true)
        } else if h
            .query_by_label_contains("cannot remember the password here")
            .is_some()
        {
            Some(false)
        } else {
            None
        }
    };
    let mut stored = None;
    for _ in 0..300 {
        h.run_steps(1);
        stored = said(&h);
        if stored.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let stored = stored.expect("the keychain's answer is shown");
    if std::env::var("MQSCOPE_KEYRING_TEST").is_ok_and(|v| v == "1") {
        assert!(stored, "a Secret Service runs in this test's session");
    }
    // The profile file never holds it.
    let profile = mqscope::profiles::connections::Profile {
        name: "kitchen".into(),
        form: mqscope::mqtt::ConnectionForm {
            password: "pa55word".into(),
            remember_password: true,
            ..Default::default()
        },
    };
    assert!(
        !serde_json::to_string(&profile)
            .unwrap()
            .contains("pa55word")
    );
    if stored {
        // Loading the profile brings the password back from the keychain.
        h.get_by_role_and_label(Role::PasswordInput, "Password")
            .focus();
        h.run_steps(1);
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.key_press(egui::Key::Backspace);
        h.run_steps(1);
        // The saved list's entry (the tab, named by the profile, comes first).
        h.query_all_by_role_and_label(Role::Button, "kitchen")
            .last()
            .unwrap()
            .click();
        for _ in 0..300 {
            h.run_steps(1);
            if h.query_by_label_contains("from the keychain").is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            h.query_by_label_contains("Password of kitchen from the keychain")
                .is_some()
        );
        let _ = mqscope::profiles::secrets::Keychain::new(&service).forget("kitchen");
    }
}

#[test]
fn arrow_keys_move_in_the_tree_from_the_start() {
    // No click first: the tree has the keyboard as soon as the window opens.
    let mut h = harness();
    h.key_press(egui::Key::ArrowDown);
    h.run();
    let first = h.state_mut().tree_view().selected;
    assert!(first.is_some(), "the first row is selected");
    h.key_press(egui::Key::ArrowDown);
    h.run();
    let second = h.state_mut().tree_view().selected;
    assert!(second.is_some() && second != first, "and the next one");
    assert!(
        h.query_by_label_contains("No message on this exact topic")
            .is_some()
            || h.query_by_label("Copy topic").is_some(),
        "the inspector follows the selection"
    );
}

#[test]
fn a_tree_click_does_not_overwrite_a_typed_publish_topic() {
    let mut h = harness();
    h.get_by_label("Publish").click();
    h.run_steps(2);
    h.get_by_label("office").click();
    h.run_steps(2);
    let topic =
        |h: &Harness<'static, App>| h.get_by_role_and_label(Role::TextInput, "Topic").value();
    assert_eq!(
        topic(&h).as_deref(),
        Some("office"),
        "an empty field is filled"
    );
    h.get_by_label("greenhouse").click();
    h.run_steps(2);
    assert_eq!(
        topic(&h).as_deref(),
        Some("greenhouse"),
        "an untouched fill follows"
    );
    h.get_by_role_and_label(Role::TextInput, "Topic").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Topic")
        .type_text("my/own/topic");
    h.run_steps(2);
    h.get_by_label("office").click();
    h.run_steps(2);
    assert_eq!(topic(&h).as_deref(), Some("my/own/topic"), "typed: kept");
}

#[test]
fn choosing_json_moves_no_control() {
    let mut h = harness();
    h.get_by_label("Publish").click();
    h.run_steps(2);
    let retain_x = |h: &Harness<'static, App>| h.get_by_label("Retain").rect().min.x;
    let before = retain_x(&h);
    h.query_all_by_label("JSON").last().unwrap().click();
    h.run_steps(2);
    assert!(h.query_by_label("Pretty-print").is_some());
    assert_eq!(retain_x(&h), before, "Retain stays under the mouse");
}

#[test]
fn a_long_text_payload_wraps_with_a_toggle() {
    let mut h = harness();
    let long = "word ".repeat(400);
    h.state_mut()
        .feed(vec![msg("notes/long", long.as_bytes(), false)]);
    h.run_steps(2);
    expand(&mut h, "notes");
    h.get_by_label("long").click();
    h.run_steps(3);
    let wrap = h.get_by_label("Wrap");
    assert_eq!(
        wrap.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True),
        "on by default for text"
    );
    // Wrapped: the 2,000 characters take rows of the view's width; unwrapped, rows of
    // 1,000 characters scrolled sideways (the tree's preview matches too).
    let wrapped = h.query_all_by_label_contains("word word").count();
    h.get_by_label("Wrap").click();
    h.run_steps(3);
    let unwrapped = h.query_all_by_label_contains("word word").count();
    assert!(unwrapped <= 3, "{unwrapped} rows unwrapped");
    assert!(wrapped > unwrapped + 3, "{wrapped} rows wrapped");
}

#[test]
fn bottom_panels_leave_the_tree_room_in_a_small_window() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    h.state_mut()
        .feed(vec![msg("greenhouse/temperature", b"21.5", false)]);
    h.run_steps(2);
    h.get_by_label("Publish").click();
    h.run_steps(2);
    h.query_all_by_label("Plots").next().unwrap().click();
    h.run_steps(3);
    // Publish and plots together take at most 55 % of the height (each scrolls or shrinks).
    let topic = h.get_by_role_and_label(Role::TextInput, "Topic").rect();
    let pause = h.get_by_label("Pause").rect();
    assert!(
        pause.top() >= 600.0 * 0.45 - 30.0,
        "plots start at {}",
        pause.top()
    );
    assert!(
        topic.top() > pause.bottom(),
        "publish below the plots, not over them"
    );
    assert!(
        h.get_by_label("greenhouse").rect().bottom() < pause.top(),
        "a tree row shows"
    );
}

#[test]
fn the_history_is_never_drawn_over_the_payload_at_any_size() {
    for (width, height) in [
        (800.0, 500.0),
        (900.0, 600.0),
        (1280.0, 800.0),
        (1920.0, 1080.0),
    ] {
        let mut h = Harness::builder()
            .with_size(egui::vec2(width, height))
            .build_eframe(|cc| App::new(cc, StartOptions::default()));
        let text: String = (1..=40).map(|i| format!("line {i}\n")).collect();
        h.state_mut().feed(
            (0..6)
                .map(|_| msg("dev/journal", text.as_bytes(), false))
                .collect(),
        );
        h.run_steps(2);
        for panel in ["Publish", "Local broker"] {
            h.get_by_label(panel).click();
            h.run_steps(2);
        }
        h.query_all_by_label("Plots").next().unwrap().click();
        h.run_steps(2);
        expand(&mut h, "dev");
        h.get_by_label("journal").click();
        h.run_steps(4);
        let size = format!("{width}×{height}");
        let history = h.get_by_label("History").rect();
        let copy = h.get_by_label("Copy").rect();
        assert!(
            copy.bottom() <= history.top(),
            "{size}: view row under the history"
        );
        let rows: Vec<egui::Rect> = h
            .query_all_by_label_contains("line ")
            .filter(|n| {
                n.accesskit_node()
                    .value()
                    .is_some_and(|l| l.starts_with("line "))
            })
            .map(|n| n.rect())
            .collect();
        assert!(!rows.is_empty(), "{size}: payload rows shown");
        // egui lays out one row past the view's bottom edge (clipped): rows may start at
        // most a row's height below the view, which ends above the history's heading.
        for row in rows {
            assert!(
                row.top() < history.top() + row.height(),
                "{size}: a payload row at {} under the history heading at {}",
                row.top(),
                history.top()
            );
        }
    }
}

#[test]
fn a_dragged_plots_height_comes_back_when_there_is_room_again() {
    let mut h = harness();
    h.query_all_by_label("Plots").next().unwrap().click();
    h.run_steps(3);
    let chart_top = |h: &Harness<'static, App>| h.get_by_label("Pause").rect().top();
    let before = chart_top(&h);
    // The chart's top edge: the full-width resize handle just above its toolbar.
    let edge = h
        .query_all_by_label("Resize panel")
        .map(|n| n.rect())
        .filter(|r| r.width() > 1000.0 && r.center().y < before)
        .max_by(|a, b| a.center().y.total_cmp(&b.center().y))
        .unwrap()
        .center();
    h.hover_at(edge);
    h.run_steps(2);
    h.drag_at(edge);
    h.run_steps(2);
    for step in 1..=6 {
        h.hover_at(edge - egui::vec2(0.0, 20.0 * step as f32));
        h.run_steps(1);
    }
    // Let go where the pointer is (kittest's drop_at also takes the pointer away at once,
    // which no mouse does).
    h.event(egui::Event::PointerButton {
        pos: edge - egui::vec2(0.0, 120.0),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(2);
    h.remove_cursor();
    h.run_steps(2);
    let dragged = chart_top(&h);
    assert!(
        (before - dragged - 120.0).abs() < 8.0,
        "dragged from {before} to {dragged}"
    );
    // Publish beside it: the two share the room, so the chart is kept smaller for now…
    h.get_by_label("Publish").click();
    h.run_steps(3);
    let publish_open = chart_top(&h);
    h.query_all_by_label("Publish").next().unwrap().click();
    h.run_steps(3);
    // …and gets its height back when publish closes (egui alone kept the smaller size).
    let back = chart_top(&h);
    assert!(
        (back - dragged).abs() < 2.0,
        "the chart started at {dragged}, {publish_open} beside publish, then {back}"
    );
}

#[test]
fn a_narrow_hex_view_keeps_its_ascii_column_in_view() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    let mut payload = vec![0xff_u8];
    payload.extend_from_slice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij");
    h.state_mut().feed(vec![msg("dev/blob", &payload, false)]);
    h.run_steps(2);
    h.get_by_label("Local broker").click();
    h.run_steps(2);
    expand(&mut h, "dev");
    h.get_by_label("blob").click();
    h.run_steps(4);
    // The toolbar's toggle, then the panel's heading.
    let broker = h.query_all_by_label("Local broker").last().unwrap().rect();
    let rows: Vec<_> = h
        .query_all_by_label_contains("00000")
        .filter_map(|n| n.accesskit_node().value().map(|v| (v, n.rect())))
        .filter(|(v, _)| v.starts_with("00000"))
        .collect();
    assert!(rows.len() >= 2, "hex rows: {rows:?}");
    for (text, rect) in &rows {
        assert!(
            rect.right() < broker.left(),
            "{text:?} ends at {} under the broker panel at {}",
            rect.right(),
            broker.left()
        );
    }
    // Fewer than 16 bytes a line here, and the first line's ASCII shows its letters.
    assert!(
        rows[0].0.ends_with("ABCDEFG") || rows[0].0.ends_with("ABC"),
        "{:?}",
        rows[0].0
    );
}

#[test]
fn a_large_json_payload_is_prepared_off_the_frame() {
    let mut h = harness();
    // About 2 MiB of JSON: its layout is worked out on a background thread.
    let items: Vec<String> = (0..60_000)
        .map(|i| format!(r#"{{"sensor":{i},"ok":true}}"#))
        .collect();
    let big = format!(r#"{{"first_key":1,"items":[{}]}}"#, items.join(","));
    h.state_mut()
        .feed(vec![msg("bulk/dump", big.as_bytes(), false)]);
    h.run_steps(2);
    expand(&mut h, "bulk");
    h.get_by_label("dump").click();
    h.run_steps(1);
    assert!(
        h.query_by_label_contains("Preparing the view of").is_some(),
        "the frame does not wait for the layout"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The JSON view's key (the tree's preview has no space after the colon).
    while h.query_by_label_contains("\"first_key\": ").is_none() {
        assert!(std::time::Instant::now() < deadline, "the view never came");
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(h.query_by_label_contains("Preparing the view of").is_none());
}
