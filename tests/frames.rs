//! Frames follow visible change (egui_kittest, the real App): a message's row glow steps
//! down instead of animating, no frame is asked for once it ended, and a feed of one
//! message a second draws a few frames per message, not thirty.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use mqscope::app::{App, StartOptions};
use mqscope::model::{Incoming, Message, Payload, QoS};

fn msg(topic: &str, payload: &[u8]) -> Incoming {
    Incoming {
        topic: topic.into(),
        message: Message {
            received_at_us: mqscope::model::message::now_us(),
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(payload, 1 << 20),
            properties: None,
        },
    }
}

fn harness() -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    h.run_steps(3);
    h
}

/// The delay before the frame the last one asked for (`Duration::MAX`: none).
fn asked(h: &Harness<'static, App>) -> Duration {
    h.output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map_or(Duration::MAX, |v| v.repaint_delay)
}

#[test]
fn the_glow_steps_and_no_frame_is_asked_for_once_it_ended() {
    let mut h = harness();
    assert_eq!(asked(&h), Duration::MAX, "idle: no frame asked for");
    h.state_mut().feed(vec![msg("plant/temperature", b"21.5")]);
    h.step();
    let wait = asked(&h);
    // The glow steps down half a second after the message (less the time this frame
    // took on a busy machine); at animation rate it would be 33 ms.
    assert!(
        wait >= Duration::from_millis(100) && wait <= Duration::from_millis(600),
        "the next frame is when the glow steps down, not at animation rate: {wait:?}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    h.step();
    h.step();
    assert_eq!(
        asked(&h),
        Duration::MAX,
        "the glow ended: no frame asked for"
    );
}

#[test]
fn a_feed_of_one_message_a_second_draws_a_few_frames_per_message() {
    let mut h = harness();
    let start = Instant::now();
    let (mut frames, mut sent) = (0u32, 0u32);
    let mut next_message = start;
    let mut next_frame: Option<Instant> = None;
    // An event loop as eframe runs it: a frame when a message arrives (the waker) or when
    // the last frame asked for one.
    while start.elapsed() < Duration::from_secs(4) {
        let now = Instant::now();
        if now >= next_message {
            h.state_mut()
                .feed(vec![msg("plant/temperature", sent.to_string().as_bytes())]);
            sent += 1;
            next_message += Duration::from_secs(1);
        } else if next_frame.is_none_or(|f| f > now) {
            let until = next_frame.map_or(next_message, |f| f.min(next_message));
            std::thread::sleep(until.saturating_duration_since(now));
            continue;
        }
        h.step();
        frames += 1;
        let wait = asked(&h);
        next_frame = (wait != Duration::MAX).then(|| Instant::now() + wait);
    }
    assert_eq!(sent, 4);
    assert!(
        frames <= sent * 3 + 2,
        "{frames} frames for {sent} messages (at animation rate it would be about 120)"
    );
}
