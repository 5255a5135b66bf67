//! Tabs are first-class: limits reach every tab (new ones too), commands go to the tab they
//! were made for whichever is shown, and the demo devices belong to the app beside the
//! local broker (switched off from any tab, stopped with the broker). egui_kittest runs the
//! real App; the local broker is the real `mqscope broker` child process.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use mqscope::app::{App, SavedState, StartOptions};
use mqscope::broker::BrokerOptions;
use mqscope::command::{AppCommand, TabCommand};
use mqscope::model::HistoryLimits;
use mqscope::status::Limits;

fn harness(saved: SavedState, options: StartOptions) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::with_context(&cc.egui_ctx, saved, options))
}

use common::window::run_until;

#[test]
fn limits_reach_every_tab_and_new_tabs_start_with_them() {
    let saved = SavedState {
        point_cap: 5_000,
        ..SavedState::default()
    };
    let mut h = harness(saved, StartOptions::default());
    h.state_mut().push(AppCommand::NewConnection);
    h.run_steps(2);
    let tabs = h.state().tabs();
    assert_eq!(tabs.len(), 2);
    for (id, ..) in &tabs {
        let store = h.state().tab(*id).unwrap().store();
        assert_eq!(store.plots().cap, 5_000, "tab {id:?} got the point cap");
    }
    // Changed while the second tab is shown: the first tab gets them too.
    let limits = Limits {
        history: HistoryLimits {
            max_per_topic: 7,
            ..HistoryLimits::default()
        },
        payload_cap: 1 << 20,
        point_cap: 12_000,
        data_fps: 12,
        disk: Default::default(),
    };
    h.state_mut().push(AppCommand::SetLimits(limits));
    h.run_steps(2);
    for (id, ..) in &tabs {
        let store = h.state().tab(*id).unwrap().store();
        assert_eq!(store.limits().max_per_topic, 7, "tab {id:?}");
        assert_eq!(store.plots().cap, 12_000, "tab {id:?}");
    }
    h.state_mut().push(AppCommand::NewConnection);
    h.run_steps(2);
    let third = h.state().active_tab();
    let store = h.state().tab(third).unwrap().store();
    assert_eq!(store.limits().max_per_topic, 7);
    assert_eq!(store.plots().cap, 12_000);
}

#[test]
fn a_command_goes_to_its_tab_even_when_another_is_shown_by_then() {
    let mut h = harness(SavedState::default(), StartOptions::default());
    let first = h.state().active_tab();
    // The plot is asked for while the first tab is drawn; a new tab is shown first.
    h.state_mut().push(AppCommand::NewConnection);
    h.state_mut().push(AppCommand::Tab(
        first,
        TabCommand::AddSeries(mqscope::model::SeriesSpec::new("a/b", &Default::default())),
    ));
    h.run_steps(2);
    assert_ne!(h.state().active_tab(), first);
    assert_eq!(h.state().tab(first).unwrap().store().plots().len(), 1);
    assert!(h.state().store().plots().is_empty(), "not the tab shown");
}

fn demo_count(app: &App, tab: mqscope::command::TabId) -> u64 {
    let store = app.tab(tab).unwrap().store();
    store
        .tree()
        .find("demo/greenhouse/1/temperature")
        .map_or(0, |id| store.tree().node(id).messages())
}

#[test]
fn demo_devices_belong_to_the_app_and_stop_with_the_broker() {
    let port = common::free_port();
    let options = StartOptions {
        local_broker: Some(BrokerOptions {
            port,
            ..BrokerOptions::default()
        }),
        broker_program: Some(env!("CARGO_BIN_EXE_mqscope").into()),
        demo: true,
        ..StartOptions::default()
    };
    let mut h = harness(SavedState::default(), options);
    let first = h.state().active_tab();
    let t = Duration::from_secs(20);
    assert!(
        run_until(&mut h, t, |a| demo_count(a, first) > 2),
        "demo readings reach the first tab"
    );
    assert!(h.state().demo_target().is_some());

    // Switched off while another tab is shown: the devices stop all the same.
    h.state_mut().push(AppCommand::NewConnection);
    h.run_steps(2);
    h.state_mut().push(AppCommand::Demo(false));
    h.run_steps(2);
    assert_eq!(h.state().demo_target(), None);
    std::thread::sleep(Duration::from_millis(600)); // what was in flight lands
    h.run_steps(2);
    let before = demo_count(h.state(), first);
    let quiet_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < quiet_until {
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        demo_count(h.state(), first),
        before,
        "no readings after Demo off"
    );

    // On again, then the broker stops: the devices stop with it instead of retrying.
    h.state_mut().push(AppCommand::Demo(true));
    h.run_steps(2);
    assert!(h.state().demo_target().is_some());
    h.state_mut().push(AppCommand::StopBroker);
    assert!(
        run_until(&mut h, t, |a| a.demo_target().is_none()),
        "the demo stopped with the broker"
    );
}

#[test]
fn tabs_come_back_after_a_restart_with_their_connections() {
    let Some(broker) = common::Mosquitto::start("tabs_come_back_after_a_restart") else {
        return;
    };
    use egui::Role;
    let mut h = harness(SavedState::default(), StartOptions::default());
    // A second tab connected to Mosquitto, a third left disconnected, shown last.
    h.state_mut().push(AppCommand::NewConnection);
    h.run_steps(2);
    let second = h.state().active_tab();
    common::window::type_into(&mut h, Role::TextInput, "Port", &broker.port.to_string());
    h.state_mut()
        .push(AppCommand::Tab(second, TabCommand::ConnectForm));
    let connected = |app: &App, i: usize| {
        app.tabs()
            .get(i)
            .is_some_and(|t| matches!(t.2, mqscope::mqtt::ConnectionState::Connected))
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| connected(
        a, 1
    )));
    h.state_mut().push(AppCommand::NewConnection);
    h.run_steps(2);
    common::window::type_into(&mut h, Role::TextInput, "Port", "1");
    let saved = h.state_mut().saved_for_restart();
    drop(h);
    assert_eq!(saved.tabs.len(), 2, "the tabs after the first");
    // Through the settings file's format, as eframe writes it.
    let text = ron::to_string(&saved).unwrap();
    let saved: SavedState = ron::from_str(&text).unwrap();

    let mut h = harness(saved, StartOptions::default());
    h.run_steps(2);
    let tabs = h.state().tabs();
    assert_eq!(tabs.len(), 3, "{tabs:?}");
    assert_eq!(tabs[1].1, format!("127.0.0.1:{}", broker.port));
    assert_eq!(
        h.state().active_tab(),
        tabs[2].0,
        "the tab shown last is shown"
    );
    assert!(
        run_until(&mut h, Duration::from_secs(10), |a| connected(a, 1)),
        "the connected tab connects again: {:?}",
        h.state().tabs()[1].2
    );
    assert!(
        matches!(h.state().tabs()[2].2, mqscope::mqtt::ConnectionState::Idle),
        "the disconnected one stays so: {:?}",
        h.state().tabs()[2].2
    );
    assert!(
        h.state().tabs()[2].1.ends_with(":1"),
        "{:?}",
        h.state().tabs()[2].1
    );
}
