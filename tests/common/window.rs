//! Helpers for driving the real App under egui_kittest: messages to feed it, typing into a
//! field as a user would, and running frames with real time passing until something holds.

use std::time::{Duration, Instant};

use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::App;

/// A message as the worker hands it over (QoS 1, at a fixed time), to feed the app.
pub fn incoming(topic: &str, payload: &[u8], retain: bool) -> mqscope::model::Incoming {
    use mqscope::model::{Incoming, Message, Payload, QoS};
    Incoming {
        topic: topic.into(),
        message: Message {
            received_at_us: 1_700_000_000_042_000,
            qos: QoS::AtLeastOnce,
            retain,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(payload, 16 << 20),
            properties: None,
        },
    }
}

/// Focuses the field `label` (of `role`), selects what it holds and types `text` over it.
pub fn type_into(h: &mut Harness<'static, App>, role: Role, label: &str, text: &str) {
    h.get_by_role_and_label(role, label).focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(role, label).type_text(text);
    h.run_steps(2);
}

/// Runs frames (with real time passing) until `done` or `timeout`; whether `done` held.
pub fn run_until(
    h: &mut Harness<'static, App>,
    timeout: Duration,
    done: impl Fn(&App) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    while !done(h.state()) {
        if Instant::now() > deadline {
            return false;
        }
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The app (`options`, connecting with `form`) in a `height`-tall window, once it says it
/// is connected (at most 10 s).
pub fn connected_app(
    form: mqscope::mqtt::ConnectionForm,
    options: mqscope::app::StartOptions,
    height: f32,
) -> Harness<'static, App> {
    let options = mqscope::app::StartOptions {
        form,
        connect: true,
        ..options
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, height))
        .build_eframe(|cc| App::new(cc, options));
    let up = run_until(&mut h, Duration::from_secs(10), |a| {
        a.connection().is_connected()
    });
    assert!(up, "connected: {:?}", h.state().connection());
    h
}
