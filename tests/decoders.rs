//! Decoder rules in the real App (egui_kittest): the Decoders window adds, edits, reorders
//! and removes rules, says which work and why the others do not, and saves them with the
//! profile; samples made by independent encoders go through a real Mosquitto and come out
//! decoded in the inspector, field by field, plottable; "Decode as" keeps a one-off
//! choice and saves it as a rule.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::io::Write as _;
use std::time::Duration;

use base64::Engine as _;
use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::{App, StartOptions};
use mqscope::model::decode::rules::DecoderRule;

use common::window::{run_until, type_into};

fn harness(options: StartOptions) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::new(cc, options))
}

/// The app connected to a fresh Mosquitto with these decoder rules (and `options`), once
/// it says so; `None` (after a SKIPPED line) without Mosquitto.
fn connected(
    test: &str,
    decoders: Vec<DecoderRule>,
    options: StartOptions,
) -> Option<(common::Mosquitto, Harness<'static, App>)> {
    let broker = common::Mosquitto::start(test)?;
    let form = mqscope::mqtt::ConnectionForm {
        port: broker.port.to_string(),
        decoders,
        ..Default::default()
    };
    let mut h = harness(StartOptions {
        form,
        connect: true,
        ..options
    });
    let up = run_until(&mut h, Duration::from_secs(10), |a| {
        a.connection().is_connected()
    });
    assert!(up, "{test}: connected to Mosquitto");
    Some((broker, h))
}

/// Runs frames (real time passing) until the window shows what `shown` looks for, for up
/// to 6 s; whether it did.
fn wait_shown(
    h: &mut Harness<'static, App>,
    shown: impl Fn(&Harness<'static, App>) -> bool,
) -> bool {
    for _ in 0..300 {
        h.run_steps(1);
        if shown(h) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mqscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Types `text` into the `n`th field labelled `label`.
fn type_nth(h: &mut Harness<'static, App>, label: &str, n: usize, text: &str) {
    h.query_all_by_role_and_label(Role::TextInput, label)
        .nth(n)
        .unwrap()
        .focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.query_all_by_role_and_label(Role::TextInput, label)
        .nth(n)
        .unwrap()
        .type_text(text);
    h.run_steps(2);
}

#[test]
fn the_rules_window_adds_reorders_says_why_and_saves_with_the_profile() {
    let config = temp_dir("decoders-window");
    let mut h = harness(StartOptions {
        config_dir: Some(config.clone()),
        show: vec!["connections".into()],
        ..StartOptions::default()
    });
    h.run_steps(2);
    h.get_by_label("Decoders…").click();
    h.run_steps(2);
    assert!(h.query_by_label("No rules yet").is_some());
    h.get_by_label("Add rule").click();
    h.run_steps(2);
    type_nth(&mut h, "Topic filter", 0, "plant/#");
    type_nth(&mut h, "Decoder", 0, "rot13");
    assert!(
        h.query_by_label_contains("\"rot13\" is not a decoder")
            .is_some(),
        "a rule that does not work says why"
    );
    type_nth(&mut h, "Decoder", 0, "gzip+json");
    assert!(
        h.query_by_label("Works: gzip, then JSON").is_some(),
        "and one that works says what it does"
    );
    h.get_by_label("Add rule").click();
    h.run_steps(2);
    type_nth(&mut h, "Topic filter", 1, "plant/+/raw");
    type_nth(&mut h, "Decoder", 1, "binary:f32le[]");
    let rules = |h: &Harness<'static, App>| h.state().shown().decoder_rules().to_vec();
    assert_eq!(
        rules(&h),
        [
            DecoderRule::new("plant/#", "gzip+json"),
            DecoderRule::new("plant/+/raw", "binary:f32le[]")
        ]
    );
    // The narrower rule first, or the broad one would take its messages.
    h.query_all_by_label("Up").nth(1).unwrap().click();
    h.run_steps(2);
    assert_eq!(rules(&h)[0].filter, "plant/+/raw");
    h.get_by_label("Add rule").click();
    h.run_steps(2);
    h.query_all_by_label("Remove").last().unwrap().click();
    h.run_steps(2);
    assert_eq!(rules(&h).len(), 2);

    // Saved with the profile, and read back from its file (the Decoders window closed, so
    // that it covers none of the Connections window).
    h.get_by_label("Decoders…").click();
    h.run_steps(2);
    type_into(&mut h, Role::TextInput, "Profile name", "plant");
    h.get_by_label("Save").click();
    let file = config.join("profiles.json");
    let saved = |_: &App| {
        mqscope::profiles::connections::ProfileStore::read_file(&file)
            .is_ok_and(|p| p.iter().any(|p| p.name == "plant"))
    };
    assert!(run_until(&mut h, Duration::from_secs(10), saved));
    let profiles = mqscope::profiles::connections::ProfileStore::read_file(&file).unwrap();
    assert_eq!(profiles[0].form.decoders, rules(&h));

    // Exported to a rules file (what `sub --decoders` reads), and imported into a new tab.
    h.get_by_label("Decoders…").click();
    h.run_steps(2);
    let rules_file = config.join("rules.json");
    type_into(
        &mut h,
        Role::TextInput,
        "Rules file",
        rules_file.to_str().unwrap(),
    );
    h.get_by_label("Export rules").click();
    assert!(run_until(&mut h, Duration::from_secs(10), |_| rules_file.exists()));
    assert_eq!(
        mqscope::profiles::decoders::read_rules(&rules_file).unwrap(),
        rules(&h)
    );
    h.state_mut()
        .push(mqscope::command::AppCommand::NewConnection);
    h.run_steps(3);
    assert!(rules(&h).is_empty(), "a new tab has rules of its own");
    h.get_by_label("Import rules").click();
    assert!(run_until(&mut h, Duration::from_secs(10), |a| a
        .shown()
        .decoder_rules()
        .len()
        == 2));
    assert!(h.query_by_label_contains("Added 2 rules from").is_some());
    let _ = std::fs::remove_dir_all(&config);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Publishes `bytes` to `topic` from a file (mosquitto_pub -f), so any byte goes through.
fn publish_bytes(broker: &common::Mosquitto, dir: &std::path::Path, topic: &str, bytes: &[u8]) {
    let file = dir.join(topic.replace('/', "_"));
    std::fs::write(&file, bytes).unwrap();
    broker.publish(&["-t", topic, "-f", file.to_str().unwrap()]);
}

#[test]
fn payloads_through_mosquitto_come_out_decoded_field_by_field_and_plot() {
    let test = "payloads_through_mosquitto_come_out_decoded";
    let dir = temp_dir("decoders-mosquitto");
    let Some((broker, mut h)) = connected(
        test,
        vec![
            DecoderRule::new("plant/+/raw", "binary:f32le[]"),
            DecoderRule::new("plant/+/pb", mqscope::testkit::plant_proto::state_decoder()),
            DecoderRule::new(
                "plant/+/avro",
                format!(
                    "avro:{}",
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/avro/list.avsc")
                        .display()
                ),
            ),
            DecoderRule::new(
                "plant/+/gps",
                format!(
                    "script:{}",
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/scripts/tracker.js")
                        .display()
                ),
            ),
            DecoderRule::new("plant/#", "base64+gzip+json"),
        ],
        StartOptions {
            select: Some("plant/7/state".into()),
            ..StartOptions::default()
        },
    ) else {
        return;
    };
    let state = |temp: f64| {
        let doc = format!(
            r#"{{"temp":{temp},"id":"Gewächshaus-7","valves":[{{"open":true}},{{"flow":3}}]}}"#
        );
        base64::engine::general_purpose::STANDARD.encode(gzip(doc.as_bytes()))
    };
    publish_bytes(&broker, &dir, "plant/7/state", state(21.5).as_bytes());
    let raw: Vec<u8> = [1.5f32, -2.25, 1e6]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    publish_bytes(&broker, &dir, "plant/7/raw", &raw);
    publish_bytes(&broker, &dir, "plant/7/broken", b"not base64!");
    publish_bytes(
        &broker,
        &dir,
        "plant/7/pb",
        &mqscope::testkit::plant_proto::sample_state(),
    );
    // A packed fix, for the JavaScript rule (std's to_le_bytes as the encoder).
    let fix: Vec<u8> = [52.52f32.to_le_bytes(), 13.405f32.to_le_bytes()]
        .concat()
        .into_iter()
        .chain([87])
        .collect();
    publish_bytes(&broker, &dir, "plant/7/gps", &fix);
    // A two-node list written by apache-avro's writer (a recursive schema).
    use apache_avro::types::Value as A;
    let list = apache_avro::Schema::parse_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/avro/list.avsc"),
        )
        .unwrap(),
    )
    .unwrap();
    let node = |value: i32, next: A| {
        A::Record(vec![("value".into(), A::Int(value)), ("next".into(), next)])
    };
    let two = node(
        4,
        A::Union(1, Box::new(node(5, A::Union(0, Box::new(A::Null))))),
    );
    let datum = apache_avro::writer::datum::GenericDatumWriter::builder(&list)
        .build()
        .unwrap()
        .write_value_to_vec(two)
        .unwrap();
    publish_bytes(&broker, &dir, "plant/7/avro", &datum);
    let decoded = |a: &App, topic: &str| {
        common::latest(a.store(), topic).and_then(|m| {
            m.payload
                .decoded()
                .map(|d| (d.by.to_string(), d.value(), d.result.clone()))
        })
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| [
        "plant/7/state",
        "plant/7/raw",
        "plant/7/broken",
        "plant/7/pb",
        "plant/7/gps",
        "plant/7/avro"
    ]
    .iter()
    .all(|t| decoded(a, t).is_some())));
    let (by, value, _) = decoded(h.state(), "plant/7/state").unwrap();
    assert_eq!(by, "base64+gzip+json");
    let value = value.unwrap();
    assert_eq!(value["temp"], 21.5);
    assert_eq!(value["id"], "Gewächshaus-7");
    assert_eq!(value["valves"][0]["open"], true);
    assert_eq!(value["valves"][1]["flow"], 3);
    let (by, value, _) = decoded(h.state(), "plant/7/raw").unwrap();
    assert_eq!(by, "binary:f32le[]", "the first matching rule");
    assert_eq!(value.unwrap(), serde_json::json!([1.5, -2.25, 1_000_000.0]));
    let (by, value, _) = decoded(h.state(), "plant/7/pb").unwrap();
    assert!(
        by.starts_with("protobuf:") && by.ends_with(":plant.State"),
        "{by}"
    );
    let value = value.unwrap();
    assert_eq!(value["readings"][0]["name"], "air");
    assert_eq!(value["readings"][0]["unit"], "CELSIUS");
    assert_eq!(value["uptime_s"], 5_000_000_000i64);
    let (_, value, _) = decoded(h.state(), "plant/7/avro").unwrap();
    let value = value.unwrap();
    assert_eq!(
        (value["value"].as_i64(), value["next"]["value"].as_i64()),
        (Some(4), Some(5))
    );
    let (by, value, _) = decoded(h.state(), "plant/7/gps").unwrap();
    assert!(by.ends_with("tracker.js"), "{by}");
    let value = value.unwrap();
    assert_eq!(
        (value["lat"].as_f64(), value["battery"].as_u64()),
        (Some(52.52), Some(87))
    );
    assert_eq!(value["topic"], "plant/7/gps", "the script sees the topic");
    let (_, value, result) = decoded(h.state(), "plant/7/broken").unwrap();
    assert!(value.is_none());
    assert!(result.unwrap_err().starts_with("not base64"));
    assert_eq!(
        common::latest(h.state().store(), "plant/7/broken")
            .unwrap()
            .payload
            .bytes(),
        b"not base64!",
        "the raw payload stays"
    );

    // The inspector opens the decoded tree; its numbers plot through the rule.
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("Decoded by the rule base64+gzip+json")
            .is_some()
    );
    h.get_by_label("Plot temp").click();
    h.run_steps(3);
    let plotted = |a: &App| a.store().plots().series().first().and_then(|s| s.last());
    publish_bytes(&broker, &dir, "plant/7/state", state(22.75).as_bytes());
    assert!(run_until(&mut h, Duration::from_secs(10), |a| plotted(a)
        == Some(22.75)));
    let spec = &h.state().store().plots().series()[0].spec;
    assert_eq!(spec.rule.as_deref(), Some("base64+gzip+json"));
    assert_eq!(spec.path, "temp");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decode_as_keeps_a_one_off_choice_and_saves_it_as_a_rule() {
    let test = "decode_as_keeps_a_one_off_choice";
    let dir = temp_dir("decoders-decode-as");
    let Some((broker, mut h)) = connected(
        test,
        Vec::new(),
        StartOptions {
            select: Some("pack/a/1".into()),
            ..StartOptions::default()
        },
    ) else {
        return;
    };
    // MessagePack made by rmpv: {"level": 7}.
    let sample = |level: i64| {
        let v = rmpv::Value::Map(vec![("level".into(), level.into())]);
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, &v).unwrap();
        out
    };
    publish_bytes(&broker, &dir, "pack/a/1", &sample(7));
    assert!(run_until(&mut h, Duration::from_secs(10), |a| {
        common::latest(a.store(), "pack/a/1").is_some()
    }));
    h.run_steps(3);
    h.get_by_label("Decode as").click();
    h.run_steps(2);
    h.get_by_label("MessagePack").click();
    h.run_steps(3);
    assert!(h.query_by_label("Plot level").is_some(), "the one-off view");
    h.get_by_label("Save as rule").click();
    h.run_steps(2);
    h.get_by_label("For pack/a/#").click();
    h.run_steps(3);
    assert_eq!(
        h.state().shown().decoder_rules(),
        [DecoderRule::new("pack/a/#", "msgpack")]
    );
    assert!(
        h.query_by_label("Works: MessagePack").is_some(),
        "shown in Decoders"
    );
    publish_bytes(&broker, &dir, "pack/a/2", &sample(8));
    let decoded = |a: &App| {
        common::latest(a.store(), "pack/a/2")
            .and_then(|m| m.payload.decoded().and_then(|d| d.value()))
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| decoded(a).is_some()));
    assert_eq!(decoded(h.state()).unwrap()["level"], 8);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schema_rules_are_compiled_off_the_frame_and_say_file_and_line() {
    let dir = temp_dir("decoders-schema");
    let proto = mqscope::testkit::plant_proto::fixtures();
    // A copy of a schema, deleted once the rule works.
    let copy = dir.join("units.proto");
    std::fs::copy(proto.join("common/units.proto"), &copy).unwrap();
    let form = mqscope::mqtt::ConnectionForm {
        decoders: vec![
            DecoderRule::new("a/#", mqscope::testkit::plant_proto::state_decoder()),
            DecoderRule::new(
                "b/#",
                format!("protobuf:{}:Broken", proto.join("broken.proto").display()),
            ),
            DecoderRule::new("c/#", format!("protobuf:{}:common.Reading", copy.display())),
        ],
        ..Default::default()
    };
    let mut h = harness(StartOptions {
        form,
        show: vec!["decoders".into()],
        ..StartOptions::default()
    });
    let shown = |text: &'static str| {
        move |h: &Harness<'static, App>| h.query_by_label_contains(text).is_some()
    };
    assert!(wait_shown(
        &mut h,
        shown("Works: Protobuf plant.State (plant.proto)")
    ));
    assert!(
        h.query_by_label_contains("broken.proto:4: ").is_some(),
        "file and line"
    );
    assert!(
        h.query_by_label_contains("Works: Protobuf common.Reading")
            .is_some()
    );
    // The file of a working rule deleted: the next compile says so.
    std::fs::remove_file(&copy).unwrap();
    type_nth(&mut h, "Topic filter", 2, "c/+");
    assert!(wait_shown(&mut h, shown("units.proto: no such file")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn messages_failing_their_schema_are_marked_and_filtered() {
    let test = "messages_failing_their_schema_are_marked";
    let dir = temp_dir("decoders-schema-app");
    let schema = dir.join("reading.json");
    std::fs::write(
        &schema,
        r#"{"type": "object", "properties": {"temp": {"type": "number"}}}"#,
    )
    .unwrap();
    let Some((broker, mut h)) = connected(
        test,
        vec![DecoderRule::new(
            "room/#",
            format!("json-schema:{}", schema.display()),
        )],
        StartOptions {
            select: Some("room/bad".into()),
            ..StartOptions::default()
        },
    ) else {
        return;
    };
    // Published once the schema rule is compiled (until then the rule waits).
    assert!(run_until(&mut h, Duration::from_secs(10), |a| a
        .shown()
        .decoder_status()
        .len()
        == 1));
    h.run_steps(5);
    broker.publish(&["-t", "room/ok", "-m", r#"{"temp": 20}"#]);
    broker.publish(&["-t", "room/bad", "-m", r#"{"temp": "warm"}"#]);
    let invalid = |a: &App, t: &str| {
        common::latest(a.store(), t)
            .and_then(|m| m.payload.decoded().map(|d| d.invalid().map(str::to_string)))
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| invalid(
        a, "room/bad"
    )
    .is_some()
        && invalid(a, "room/ok").is_some()));
    assert_eq!(invalid(h.state(), "room/ok"), Some(None));
    let why = invalid(h.state(), "room/bad").unwrap().unwrap();
    assert!(why.starts_with("at /temp: "), "{why}");
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("it fails the schema: at /temp: ")
            .is_some(),
        "the inspector says where and why"
    );
    // "Invalid only" keeps the topic that fails and drops the one that passes.
    h.get_by_label("Invalid only").click();
    h.run_steps(4);
    assert!(h.query_by_label("bad").is_some());
    assert!(h.query_by_label("ok").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_image_payload_is_shown_as_a_picture() {
    let test = "an_image_payload_is_shown_as_a_picture";
    let dir = temp_dir("decoders-image");
    let Some((broker, mut h)) = connected(
        test,
        Vec::new(),
        StartOptions {
            select: Some("cam/door/snapshot".into()),
            ..StartOptions::default()
        },
    ) else {
        return;
    };
    // A snapshot encoded by the image crate's own PNG encoder.
    let img = image::RgbImage::from_fn(64, 40, |x, y| image::Rgb([x as u8 * 4, y as u8 * 6, 90]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    publish_bytes(&broker, &dir, "cam/door/snapshot", png.get_ref());
    // The note above the view, and the picture's own text.
    let shown =
        |h: &Harness<'static, App>| h.query_all_by_label("PNG image, 64×40 px").count() == 2;
    assert!(wait_shown(&mut h, shown), "the picture, with what it is");
    // Still there frames later (the texture is kept, not made once and dropped).
    h.run_steps(5);
    assert_eq!(h.query_all_by_label("PNG image, 64×40 px").count(), 2);
    assert!(
        h.query_by_label("Image").is_some(),
        "the Image view is offered"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_publish_panel_sends_a_json_value_through_a_rule() {
    let test = "the_publish_panel_sends_a_json_value_through_a_rule";
    let Some((broker, mut h)) = connected(
        test,
        vec![
            DecoderRule::new("enc/#", "base64+msgpack"),
            DecoderRule::new("num/#", "binary:u8"),
        ],
        StartOptions {
            publish_panel: true,
            ..StartOptions::default()
        },
    ) else {
        return;
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| a
        .connection()
        .is_connected()
        && a.shown().decoder_status().len() == 2));
    let raw = common::mosquitto_sub_spawn(broker.port, &["-t", "enc/a", "-C", "1", "-W", "10"]);
    std::thread::sleep(Duration::from_millis(300));
    type_into(&mut h, Role::TextInput, "Topic", "enc/a");
    h.get_by_label("JSON").click();
    h.run_steps(2);
    type_into(
        &mut h,
        Role::MultilineTextInput,
        "Payload",
        r#"{"level": 9}"#,
    );
    h.get_by_label("Send as").click();
    h.run_steps(2);
    h.get_by_label("base64+msgpack").click();
    h.run_steps(2);
    // The panel's button (the toolbar's toggle comes first).
    h.query_all_by_label("Publish").last().unwrap().click();
    h.run_steps(2);
    // An independent reader sees the encoded bytes; the app's own rule reads them back.
    assert_eq!(common::collect(raw), ["gaVsZXZlbAk="]);
    let decoded = |a: &App| {
        common::latest(a.store(), "enc/a").and_then(|m| m.payload.decoded().and_then(|d| d.value()))
    };
    assert!(run_until(&mut h, Duration::from_secs(10), |a| decoded(a).is_some()));
    assert_eq!(decoded(h.state()).unwrap()["level"], 9);
    // What the rule cannot encode fails in words, as the publish's outcome.
    type_into(&mut h, Role::TextInput, "Topic", "num/a");
    type_into(&mut h, Role::MultilineTextInput, "Payload", "[1, 2]");
    h.get_by_label("Send as").click();
    h.run_steps(2);
    h.get_by_label("binary:u8").click();
    h.run_steps(2);
    // The panel's button (the toolbar's toggle comes first).
    h.query_all_by_label("Publish").last().unwrap().click();
    let said = |h: &Harness<'static, App>| {
        h.query_by_label_contains("failed: not encoded: [1,2] is not a number")
            .is_some()
    };
    assert!(wait_shown(&mut h, said));
}
