//! Desktop behaviour under egui_kittest: text in every script drawn from real fonts (the
//! system's, or the bundled CJK subset).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use egui::{FontFamily, FontId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::fonts::{self, SystemFonts};
use mqscope::app::{App, StartOptions};

use crate::common;

fn msg(topic: &str, payload: &str) -> mqscope::model::Incoming {
    common::window::incoming(topic, payload.as_bytes(), false)
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

fn demo_harness(show: &[&str]) -> Harness<'static, App> {
    let options = StartOptions {
        show: show.iter().map(|s| s.to_string()).collect(),
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::new(cc, options));
    h.state_mut().feed(
        [
            ("greenhouse/temperature", "21.5"),
            ("greenhouse/state", r#"{"fan":true,"rpm":1200}"#),
            ("office/lamp", "ON"),
            ("office/temperature", "19.0"),
            ("warehouse/door", "closed"),
        ]
        .iter()
        .map(|(t, p)| msg(t, p))
        .collect(),
    );
    h.run_steps(3);
    h
}

fn palette_run(h: &mut Harness<'static, App>, query: &str) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(2);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Command palette")
        .type_text(query);
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
}

#[test]
fn the_palette_opens_narrows_as_you_type_and_runs_the_action() {
    let mut h = demo_harness(&[]);
    assert!(h.query_by_label("Export CSV…").is_none(), "no plots yet");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(2);
    assert!(h.query_by_label("Command palette").is_some());
    // Every action is listed with its shortcut before anything is typed.
    assert!(
        h.query_by_label_contains("Start or stop the local broker")
            .is_some()
    );
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Command palette")
        .type_text("shwplt");
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Show or hide the plots")
            .is_some()
    );
    assert!(h.query_by_label_contains("Quit").is_none(), "narrowed");
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    assert!(
        h.query_by_label("Command palette").is_none(),
        "closed after running"
    );
    assert!(
        h.query_by_label("Export CSV…").is_some(),
        "the plots panel opened"
    );
    // Ctrl+Shift+P opens it too; Escape closes it and runs nothing.
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::P,
    );
    h.run_steps(2);
    assert!(h.query_by_label("Command palette").is_some());
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.query_by_label("Command palette").is_none());
    assert!(h.query_by_label("Export CSV…").is_some());
}

#[test]
fn the_theme_switches_from_the_palette_and_the_view_menu() {
    let mut h = demo_harness(&[]);
    assert!(h.ctx.global_style().visuals.dark_mode);
    palette_run(&mut h, "theme light");
    assert!(!h.ctx.global_style().visuals.dark_mode, "light");
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Dark").click();
    h.run_steps(3);
    assert!(h.ctx.global_style().visuals.dark_mode, "dark again");
}

#[test]
fn shortcuts_open_windows_and_the_overlay_lists_them() {
    let mut h = demo_harness(&[]);
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    assert!(
        h.query_all_by_label("Keyboard shortcuts").count() >= 2,
        "window and row"
    );
    assert!(h.query_by_label("Ctrl+K").is_some(), "each action's keys");
    assert!(
        h.query_by_label("Jump to the next topic starting with them")
            .is_some()
    );
    // Ctrl+Shift+D opens the decoders, Ctrl+O the connections.
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::D,
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_steps(3);
    assert!(
        h.query_by_label("Decoders").is_some(),
        "the Decoders window"
    );
    assert!(
        h.query_by_label("Connections").is_some(),
        "the Connections window"
    );
    // Ctrl+F gives the filter the keyboard: typed text goes into it.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run_steps(2);
    h.event(egui::Event::Text("office".into()));
    h.run_steps(3);
    assert!(h.query_by_label("greenhouse").is_none(), "filtered");
    // Tab moves the keyboard on from the filter to the next control.
    let filter_focused = |h: &Harness<'static, App>| {
        use egui_kittest::kittest::NodeT as _;
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Filter")
            .accesskit_node()
            .is_focused()
    };
    assert!(filter_focused(&h));
    h.key_press(egui::Key::Tab);
    h.run_steps(2);
    assert!(!filter_focused(&h), "Tab left the filter");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Tab);
    h.run_steps(2);
    assert!(filter_focused(&h), "Shift+Tab came back");
}

#[test]
fn the_tree_is_driven_by_the_keyboard_alone() {
    let mut h = demo_harness(&[]);
    // End selects the last row, Home the first; typing jumps by name.
    h.key_press(egui::Key::End);
    h.run_steps(2);
    assert_eq!(selected(&h), Some("warehouse".into()));
    h.key_press(egui::Key::Home);
    h.run_steps(2);
    assert_eq!(selected(&h), Some("greenhouse".into()));
    h.event(egui::Event::Text("o".into()));
    h.run_steps(2);
    assert_eq!(selected(&h), Some("office".into()));
    // Enter opens the level; Down goes into it.
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    h.key_press(egui::Key::ArrowDown);
    h.run_steps(2);
    assert_eq!(selected(&h), Some("office/lamp".into()));
    // Typing "te" jumps to the next row starting with it.
    h.event(egui::Event::Text("te".into()));
    h.run_steps(2);
    assert_eq!(selected(&h), Some("office/temperature".into()));
    // PageDown goes no further than the last row.
    h.key_press(egui::Key::PageDown);
    h.run_steps(2);
    assert_eq!(selected(&h), Some("warehouse".into()));
    // Delete asks before clearing anything.
    h.key_press(egui::Key::Delete);
    h.run_steps(3);
    assert!(h.query_by_label("Clear retained messages").is_some());
    assert!(h.query_by_label("Clear anyway").is_some());
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.query_by_label("Clear retained messages").is_none());
}

fn selected(h: &Harness<'static, App>) -> Option<String> {
    h.state().selected_topic()
}

/// The interactive widgets a screen reader reads out that have no name.
fn unnamed<S>(h: &Harness<'_, S>) -> Vec<String> {
    use egui::accesskit::Role;
    use egui_kittest::kittest::NodeT as _;
    let roles = [
        Role::Button,
        Role::CheckBox,
        Role::TextInput,
        Role::PasswordInput,
        Role::MultilineTextInput,
        Role::TreeItem,
        Role::ComboBox,
        Role::RadioButton,
        Role::Slider,
        Role::SpinButton,
        Role::Link,
        Role::Tab,
        Role::MenuItem,
    ];
    h.root()
        .children_recursive()
        .filter_map(|node| {
            let n = node.accesskit_node();
            let named = n.label().is_some_and(|l| !l.trim().is_empty());
            (roles.contains(&n.role()) && !named).then(|| {
                format!(
                    "{:?} value={:?} parent={:?}",
                    n.role(),
                    n.value(),
                    n.parent().and_then(|p| p.label())
                )
            })
        })
        .collect()
}

#[test]
fn the_walk_finds_a_field_with_no_name() {
    let mut text = String::new();
    // (kittest's own check would stop at the unnamed field first.)
    let h = Harness::builder()
        .with_accessibility_check(false)
        .build_ui(move |ui| {
            // The app's fonts (egui's own, bundled by mqscope), as every window has them.
            ui.ctx().set_fonts(fonts::definitions());
            ui.label("not tied to the field");
            ui.text_edit_singleline(&mut text);
            let _ = ui.button("Named");
        });
    let missing = unnamed(&h);
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].starts_with("TextInput"));
}

#[test]
fn every_control_in_every_window_has_a_name() {
    let windows = [
        "stats",
        "talkers",
        "record",
        "connections",
        "decoders",
        "shortcuts",
    ];
    let mut options = StartOptions {
        show: windows.iter().map(|s| s.to_string()).collect(),
        publish_panel: true,
        ..StartOptions::default()
    };
    options
        .form
        .decoders
        .push(mqscope::model::decode::rules::DecoderRule::new(
            "plant/#",
            "base64+json",
        ));
    let mut h = Harness::builder()
        .with_size(egui::vec2(1920.0, 1400.0))
        .build_eframe(move |cc| App::new(cc, options));
    h.state_mut().feed(vec![
        msg("greenhouse/state", r#"{"fan":true,"rpm":1200}"#),
        msg("greenhouse/temperature", "21.5"),
    ]);
    h.run_steps(3);
    // The tree, the inspector with a JSON message, the plots, the local broker panel.
    h.get_by_label("greenhouse").click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    h.get_by_label("temperature").click();
    h.run_steps(2);
    for action in [
        "plot the selected",
        "show or hide the plots",
        "local broker panel",
    ] {
        palette_run(&mut h, action);
    }
    let mut missing = unnamed(&h);
    // And the palette itself.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(2);
    missing.extend(unnamed(&h));
    assert!(
        missing.is_empty(),
        "unnamed controls:\n{}",
        missing.join("\n")
    );
}

fn record_window(picker: mqscope::app::FilePicker) -> Harness<'static, App> {
    let options = StartOptions {
        show: vec!["record".into()],
        file_picker: picker,
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::new(cc, options));
    h.run_steps(3);
    h
}

fn field_value(h: &Harness<'static, App>, label: &str) -> String {
    use egui_kittest::kittest::NodeT as _;
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .accesskit_node()
        .value()
        .unwrap_or_default()
}

#[test]
fn with_no_dialog_service_the_path_is_typed_and_the_user_is_told() {
    let mut h = record_window(mqscope::app::FilePicker::Off);
    h.get_all_by_label("Browse…").next().unwrap().click();
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("No file dialog opened").is_some(),
        "says why no dialog came"
    );
    common::window::type_into(
        &mut h,
        egui::accesskit::Role::TextInput,
        "Record to",
        "/tmp/typed.jsonl",
    );
    assert_eq!(field_value(&h, "Record to"), "/tmp/typed.jsonl");
}

#[test]
fn a_picked_path_fills_its_own_field_and_its_folder_is_remembered() {
    let dir = std::env::temp_dir().join(format!("mqscope-pick-{}", std::process::id()));
    let picked = dir.join("picked.jsonl");
    let mut h = record_window(mqscope::app::FilePicker::Fixed(picked.clone()));
    let before = field_value(&h, "Recording");
    // The second Browse… is the replay field's.
    h.get_all_by_label("Browse…").nth(1).unwrap().click();
    // The dialog runs on a thread of its own; its answer comes back within a few frames.
    for _ in 0..500 {
        h.run_steps(1);
        if field_value(&h, "Recording") == picked.display().to_string() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(field_value(&h, "Recording"), picked.display().to_string());
    assert_ne!(
        field_value(&h, "Record to"),
        picked.display().to_string(),
        "only its own field"
    );
    assert_ne!(before, picked.display().to_string());
    let folder = h
        .state()
        .dialog_folder(mqscope::ui::file_field::FileKind::Recording, "");
    assert_eq!(folder, Some(dir));
}

#[test]
fn plot_selected_takes_a_number_or_a_json_field_and_says_why_not_otherwise() {
    let mut h = demo_harness(&[]);
    let big = format!(r#"{{"t":1,"pad":"{}"}}"#, "x".repeat(1 << 20));
    h.state_mut().feed(vec![msg("big/dump", &big)]);
    h.run_steps(2);
    // A JSON payload: its first numeric field is plotted.
    h.get_by_label("greenhouse").click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    h.get_by_label("state").click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::G);
    h.run_steps(3);
    let labels: Vec<String> = h
        .state()
        .store()
        .plots()
        .series()
        .iter()
        .map(|s| s.spec.label())
        .collect();
    assert_eq!(labels, ["greenhouse/state › rpm"]);
    assert!(
        h.query_by_label("Export CSV…").is_some(),
        "the plots opened"
    );
    // Text that is no number: said so.
    h.get_by_label("office").click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    h.get_by_label("lamp").click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::G);
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("office/lamp has no number to plot")
            .is_some()
    );
    // A megabyte of JSON is not parsed on the frame: said so.
    h.get_by_label("big").click();
    h.run_steps(2);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    h.get_by_label("dump").click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::G);
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("too large to look for a number")
            .is_some()
    );
}
