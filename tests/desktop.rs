//! Desktop behaviour under egui_kittest: text in every script drawn from real fonts (the
//! system's, or the bundled CJK subset).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use egui::{FontFamily, FontId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::fonts::{self, SystemFonts};
use mqscope::app::{App, StartOptions};
use mqscope::model::{Incoming, Message, Payload, QoS};

fn msg(topic: &str, payload: &str) -> Incoming {
    Incoming {
        topic: topic.into(),
        message: Message {
            received_at_us: 1_700_000_000_042_000,
            qos: QoS::AtLeastOnce,
            retain: false,
            payload: Payload::decode(payload.as_bytes(), 16 << 20),
            properties: None,
        },
    }
}

/// Chinese, Japanese, Arabic (right to left) and emoji, in topics and payloads.
const WORLD: [(&str, &str); 4] = [
    ("工厂/温度传感器", "二十一度"),
    ("東京/センサー", "晴れ、気温は二十度"),
    ("مصنع/حساس", "درجة الحرارة ٢١"),
    ("home/😀", "🔥 hot ✓"),
];

fn proportional(h: &Harness<'static, App>, text: &str) -> bool {
    h.ctx
        .fonts_mut(|f| f.has_glyphs(&FontId::new(14.0, FontFamily::Proportional), text))
}

#[test]
fn topics_and_payloads_in_every_script_are_drawn_as_glyphs() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    h.state_mut()
        .feed(WORLD.iter().map(|(t, p)| msg(t, p)).collect());
    h.run_steps(3);
    for (topic, payload) in WORLD {
        let (root, leaf) = topic.split_once('/').unwrap();
        h.get_by_label(root).click();
        h.run_steps(2);
        h.key_press(egui::Key::ArrowRight);
        h.run_steps(2);
        h.get_by_label(leaf).click();
        h.run_steps(3);
        assert!(
            h.query_by_label(topic).is_some(),
            "{topic} in the inspector"
        );
        assert!(
            h.query_all_by_label_contains(payload).next().is_some(),
            "{payload} shown"
        );
    }
    // Chinese and Japanese always have glyphs: a system font, or else the bundled subset.
    for text in ["工厂温度传感器二十一度", "東京センサー晴れ、気温"] {
        assert!(proportional(&h, text), "{text} drawn as boxes");
    }
    // Emoji outlines come with egui's own fonts.
    assert!(proportional(&h, "😀🔥"), "emoji drawn as boxes");
    // Arabic needs a system font (DejaVu Sans has it; CI installs it).
    if std::env::var_os("CI").is_some() {
        assert!(proportional(&h, "مصنع"), "Arabic drawn as boxes");
    }
}

#[test]
fn with_no_system_fonts_common_cjk_comes_from_the_bundled_subset() {
    let ctx = egui::Context::default();
    fonts::install(&ctx, SystemFonts::Off);
    let mut out = ctx.run_ui(Default::default(), |ui| {
        ui.label("温度");
    });
    out.textures_delta.clear();
    let has = |text: &str| {
        ctx.fonts_mut(|f| f.has_glyphs(&FontId::new(14.0, FontFamily::Proportional), text))
    };
    assert!(has("温度传感器"), "Chinese");
    assert!(has("センサー東京"), "Japanese");
    // Not in the subset, and no system font asked: Korean stays missing.
    assert!(!has("한국"));
    let mono = ctx.fonts_mut(|f| f.has_glyphs(&FontId::new(14.0, FontFamily::Monospace), "温度"));
    assert!(mono, "the monospace views (hex, JSON) fall back too");
}
