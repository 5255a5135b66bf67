//! The `mqscope sub` and `mqscope pub` companions, run as the real binary against Mosquitto.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::process::Command;

use common::Mosquitto;

fn mqscope(port: u16, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .output()
        .expect("run mqscope")
}

/// The JSON lines of a `sub` run that succeeded.
fn json_lines(out: std::process::Output) -> Vec<serde_json::Value> {
    common::assert_ok(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn pub_then_sub_round_trip_as_json_lines() {
    let Some(broker) = Mosquitto::start("pub_then_sub_round_trip_as_json_lines") else {
        return;
    };
    let port = broker.port;
    let out = mqscope(
        port,
        &["pub", "-t", "cli/text", "-m", "héllo", "-q", "1", "-r"],
    );
    common::assert_ok(&out);
    broker.publish(&["-t", "cli/bin", "-r", "-m", "x"]);
    let bin = std::env::temp_dir().join(format!("mqscope-bin-{port}"));
    std::fs::write(&bin, [0xff, 0x00, 0xfe]).unwrap();
    let out = mqscope(
        port,
        &[
            "pub",
            "-t",
            "cli/bin",
            "--file",
            bin.to_str().unwrap(),
            "-r",
            "--mqtt-version",
            "3",
        ],
    );
    common::assert_ok(&out);

    let out = mqscope(
        port,
        &[
            "sub",
            "-t",
            "cli/#",
            "--count",
            "2",
            "--timeout-ms",
            "10000",
        ],
    );
    let lines = json_lines(out);
    assert_eq!(lines.len(), 2);
    let text = lines
        .iter()
        .find(|v| v["topic"] == "cli/text")
        .expect("cli/text");
    assert_eq!(text["payload"], "héllo");
    assert_eq!(text["retain"], true);
    assert!(text["received_at"].as_i64().unwrap() > 1_600_000_000_000);
    let bin = lines
        .iter()
        .find(|v| v["topic"] == "cli/bin")
        .expect("cli/bin");
    assert_eq!(bin["payload_base64"], "/wD+");
    assert!(bin.get("payload").is_none());
}

#[test]
fn sub_times_out_and_pub_fails_with_a_reason() {
    let Some(broker) = Mosquitto::start("sub_times_out_and_pub_fails_with_a_reason") else {
        return;
    };
    let out = mqscope(
        broker.port,
        &["sub", "-t", "nothing/here", "--timeout-ms", "300"],
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty());

    let closed = common::free_port();
    let out = mqscope(closed, &["pub", "-t", "x", "-m", "y"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not connect") && err.contains("connection refused"),
        "{err}"
    );

    let out = mqscope(broker.port, &["pub", "-t", "a/+", "-m", "y"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no + or #"));
}

/// Starts `mqscope record` in the background on `port`; returns once it has written its
/// first line (the retained message `ready` stands for), so the subscription is live.
fn start_record(port: u16, args: &[&str], out: &std::path::Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args([
            "record",
            "--out",
            out.to_str().unwrap(),
            "--duration-s",
            "60",
        ])
        .args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mqscope record");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::metadata(out).map_or(0, |m| m.len()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "record wrote nothing in 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}

/// `(topic, payload bytes, qos)` of each line of a recording.
fn recorded(path: &std::path::Path) -> Vec<(String, Vec<u8>, u8)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let r = mqscope::model::recording::RecordLine::parse(l).unwrap();
            let payload = r.payload_bytes().unwrap();
            (r.topic, payload, r.qos)
        })
        .collect()
}

#[test]
fn record_from_mosquitto_then_replay_into_a_second_broker_byte_for_byte() {
    let test = "record_from_mosquitto_then_replay_into_a_second_broker_byte_for_byte";
    let (Some(a), Some(b)) = (Mosquitto::start(test), Mosquitto::start(test)) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mqscope-record-{}-{}", a.port, b.port));
    std::fs::create_dir_all(&dir).unwrap();
    let first = dir.join("first.jsonl");
    let second = dir.join("second.jsonl");

    // 10,000 messages: one retained (it also tells that the recorder is subscribed),
    // 9,979 text lines at QoS 1, and 20 binary or odd payloads at QoS 0, 1 and 2.
    a.publish(&["-t", "rec/data/ready", "-r", "-q", "1", "-m", "héllo"]);
    let recorder = start_record(a.port, &["-t", "rec/data/#", "--count", "10000"], &first);
    let lines: String = (0..9_979)
        .map(|i| format!("line {i} {}\n", "x".repeat(i % 50)))
        .collect();
    let mut feeder = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &a.port.to_string()])
        .args(["-t", "rec/data/lines", "-q", "1", "-l"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut feeder.stdin.take().unwrap(), lines.as_bytes()).unwrap();
    assert!(feeder.wait().unwrap().success());
    for i in 0..20u8 {
        let payload = dir.join(format!("bin{i}"));
        let bytes: Vec<u8> = match i % 4 {
            0 => vec![0xff, 0x00, i, 0xfe],
            1 => format!("{{\"n\":{i},\"s\":\"\\u00e9\"}}").into_bytes(),
            2 => (0..=255u8).cycle().take(70_000 + usize::from(i)).collect(),
            _ => "\u{200b}\u{feff}\u{202e}text".as_bytes().to_vec(),
        };
        std::fs::write(&payload, bytes).unwrap();
        let qos = (i % 3).to_string();
        a.publish(&[
            "-t",
            &format!("rec/data/odd/{i}"),
            "-q",
            &qos,
            "-f",
            payload.to_str().unwrap(),
        ]);
    }
    let out = recorder.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    common::assert_ok(&out);
    assert!(said.starts_with("recorded 10,000 messages, "), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    let original = recorded(&first);
    assert_eq!(original.len(), 10_000);

    // Replay into the second broker while a second recorder listens there.
    b.publish(&["-t", "ready", "-r", "-m", "go"]);
    let listener = start_record(
        b.port,
        &["-t", "rec/data/#", "-t", "ready", "--count", "10001"],
        &second,
    );
    let replay = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(["replay", first.to_str().unwrap(), "--max-rate"])
        .args(["--host", "127.0.0.1", "--port", &b.port.to_string()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(said.starts_with("replayed 10,000 messages, "), "{said}");
    let out = listener.wait_with_output().unwrap();
    common::assert_ok(&out);
    let mut again = recorded(&second);
    again.retain(|(topic, _, _)| topic != "ready");
    assert_eq!(again.len(), 10_000);
    // One publisher, one subscriber: the QoS 1 lines keep their order exactly.
    let in_order = |v: &[(String, Vec<u8>, u8)]| -> Vec<Vec<u8>> {
        v.iter()
            .filter(|(t, _, _)| t == "rec/data/lines")
            .map(|(_, p, _)| p.clone())
            .collect()
    };
    assert_eq!(in_order(&again), in_order(&original));
    // Every message, byte for byte, with its QoS.
    let (mut x, mut y) = (original, again);
    x.sort();
    y.sort();
    assert!(
        x == y,
        "the replayed messages differ from the recorded ones"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_paces_as_recorded_and_reports_bad_lines() {
    let Some(broker) = Mosquitto::start("replay_paces_as_recorded_and_reports_bad_lines") else {
        return;
    };
    let path = std::env::temp_dir().join(format!("mqscope-pace-{}.jsonl", broker.port));
    // Three messages 400 ms apart, and a line that is not a message.
    let body = [
        r#"{"ts_us":1000000,"topic":"pace/a","qos":0,"retain":false,"payload":"1"}"#,
        "this is not json",
        r#"{"ts_us":1400000,"topic":"pace/a","qos":1,"retain":false,"payload":"2"}"#,
        r#"{"ts_us":1800000,"topic":"pace/a","qos":2,"retain":false,"payload_base64":"/wD+"}"#,
        r#"{"ts_us":1800000,"topic":"$SYS/broker/uptime","qos":0,"retain":true,"payload":"9"}"#,
    ]
    .join("\n");
    std::fs::write(&path, body).unwrap();
    let sub = common::mosquitto_sub_spawn(broker.port, &["-t", "pace/#", "-C", "3", "-W", "10"]);
    let started = std::time::Instant::now();
    let out = mqscope(
        broker.port,
        &["replay", path.to_str().unwrap(), "--speed", "2"],
    );
    let took = started.elapsed();
    let said = String::from_utf8_lossy(&out.stdout);
    common::assert_ok(&out);
    assert!(said.starts_with("replayed 3 messages, "), "{said}");
    assert!(
        said.contains("1 unreadable lines skipped; line 2:"),
        "{said}"
    );
    assert!(said.contains("(1 messages of $ topics left out)"), "{said}");
    // 0.8 s of recording at twice the speed: at least 0.4 s (an upper bound would be a
    // timed assertion; speed is measured in the benchmarks).
    assert!(took >= std::time::Duration::from_millis(400), "{took:?}");
    assert_eq!(common::collect(sub).len(), 3);
    let _ = std::fs::remove_file(&path);

    let out = mqscope(broker.port, &["replay", "/nonexistent/file.jsonl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.jsonl"));
}

// The Protobuf sample comes from the testkit (the README's test command turns it on).
#[cfg(feature = "testkit")]
#[test]
fn sub_decodes_by_rule_and_says_why_when_it_cannot() {
    let Some(broker) = Mosquitto::start("sub_decodes_by_rule") else {
        return;
    };
    let port = broker.port;
    let dir = std::env::temp_dir().join(format!("mqscope-decode-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    // Samples made by independent encoders, published retained by mosquitto_pub.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, r#"{"temp":21.5,"id":"温室-1"}"#.as_bytes()).unwrap();
    // An Avro reading in the Confluent wire format (schema id 8), by apache-avro's writer.
    let alarm = apache_avro::Schema::parse_str(
        r#"{"type": "record", "name": "Alarm", "fields": [{"name": "on", "type": "boolean"}]}"#,
    )
    .unwrap();
    let datum = apache_avro::writer::datum::GenericDatumWriter::builder(&alarm)
        .build()
        .unwrap()
        .write_value_to_vec(apache_avro::types::Value::Record(vec![(
            "on".into(),
            apache_avro::types::Value::Boolean(true),
        )]))
        .unwrap();
    let samples: [(&str, Vec<u8>); 5] = [
        ("dec/avro", [vec![0, 0, 0, 0, 8], datum].concat()),
        ("dec/pb", mqscope::testkit::plant_proto::sample_state()),
        ("dec/state", gz.finish().unwrap()),
        (
            "dec/raw",
            [1.5f32, -2.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        ("dec/broken", b"not gzip".to_vec()),
    ];
    for (topic, bytes) in &samples {
        let file = dir.join(topic.replace('/', "_"));
        std::fs::write(&file, bytes).unwrap();
        broker.publish(&["-t", topic, "-r", "-f", file.to_str().unwrap()]);
    }
    // The second rule from a rules file, as the app's Decoders window exports it.
    let rules = dir.join("rules.json");
    mqscope::profiles::decoders::rules_file(
        &rules,
        &[mqscope::model::decode::rules::DecoderRule::new(
            "dec/#",
            "gzip+json",
        )],
    )
    .unwrap()
    .write()
    .unwrap();
    let out = mqscope(
        port,
        &[
            "sub",
            "-t",
            "dec/#",
            "--count",
            "5",
            "--timeout-ms",
            "10000",
            "--decode",
            "dec/raw=binary:f32le[]",
            "--decode",
            &format!(
                "dec/avro=avro-confluent:{}",
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/avro/registry")
                    .display()
            ),
            "--decode",
            &format!("dec/pb={}", mqscope::testkit::plant_proto::state_decoder()),
            "--decoders",
            rules.to_str().unwrap(),
        ],
    );
    let lines = json_lines(out);
    let line = |topic: &str| lines.iter().find(|v| v["topic"] == topic).unwrap().clone();
    assert_eq!(
        line("dec/state")["decoded"],
        serde_json::json!({"temp": 21.5, "id": "温室-1"})
    );
    assert_eq!(line("dec/raw")["decoded"], serde_json::json!([1.5, -2.0]));
    // Protobuf from the user's .proto (with an import), field by field.
    let pb = &line("dec/pb")["decoded"];
    assert_eq!(pb["id"], "Gewächshaus-7");
    assert_eq!(pb["uptime_s"], 5_000_000_000i64);
    assert_eq!(pb["readings"][0]["value"], 21.5);
    assert_eq!(pb["readings"][1]["unit"], "PERCENT");
    assert_eq!(pb["counters"]["starts"], 3);
    assert_eq!(pb["#99"], 42);
    assert_eq!(line("dec/avro")["decoded"], serde_json::json!({"on": true}));
    let broken = line("dec/broken");
    assert!(broken.get("decoded").is_none());
    assert!(
        broken["decode_error"]
            .as_str()
            .unwrap()
            .starts_with("not gzip"),
        "{broken}"
    );
    assert_eq!(broken["payload"], "not gzip", "the raw payload stays");
    // A decoder name that is not one: refused before connecting, in words.
    let out = mqscope(
        port,
        &["sub", "--decode", "a/#=rot13", "--timeout-ms", "500"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"rot13\" is not a decoder"), "{err}");
    // A rules file that is not one, or a rule in it that does not work: the same.
    std::fs::write(&rules, b"{\"host\": \"x\"}").unwrap();
    let out = mqscope(port, &["sub", "--decoders", rules.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("is not a decoder rules file"),
        "{err}"
    );
    std::fs::write(&rules, br#"[{"filter": "a/#", "decoder": "base64+rot13"}]"#).unwrap();
    let out = mqscope(port, &["sub", "--decoders", rules.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("\"base64+rot13\" is not a decoder"),
        "{err}"
    );
    assert_eq!(
        err.matches("is not a decoder").count(),
        1,
        "said once: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sub_checks_json_against_a_schema_and_lists_the_errors() {
    let Some(broker) = Mosquitto::start("sub_checks_json_against_a_schema") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mqscope-schema-cli-{}", broker.port));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("reading.json");
    std::fs::write(
        &schema,
        r#"{"type": "object", "required": ["temp"],
            "properties": {"temp": {"type": "number"}, "unit": {"enum": ["C", "F"]}}}"#,
    )
    .unwrap();
    broker.publish(&["-t", "sch/ok", "-r", "-m", r#"{"temp": 21.5, "unit": "C"}"#]);
    broker.publish(&[
        "-t",
        "sch/bad",
        "-r",
        "-m",
        r#"{"temp": "hot", "unit": "K"}"#,
    ]);
    let rule = format!("sch/#=json-schema:{}", schema.display());
    let out = mqscope(
        broker.port,
        &[
            "sub",
            "-t",
            "sch/#",
            "-C",
            "2",
            "--timeout-ms",
            "10000",
            "--decode",
            &rule,
        ],
    );
    let lines = json_lines(out);
    let line = |topic: &str| lines.iter().find(|v| v["topic"] == topic).unwrap().clone();
    let ok = line("sch/ok");
    assert_eq!(
        (ok["valid"].as_bool(), ok["decoded"]["temp"].as_f64()),
        (Some(true), Some(21.5))
    );
    assert_eq!(ok["errors"], serde_json::json!([]));
    let bad = line("sch/bad");
    assert_eq!(bad["valid"], false, "{bad}");
    let errors: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("at /temp: ")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("at /unit: ")),
        "{errors:?}"
    );
    assert_eq!(bad["decoded"]["unit"], "K", "the message is kept");
    let _ = std::fs::remove_dir_all(&dir);
}

// The Protobuf sample comes from the testkit (the README's test command turns it on).
#[cfg(feature = "testkit")]
#[test]
fn pub_encodes_json_values_and_sub_decodes_them_back() {
    let Some(broker) = Mosquitto::start("pub_encodes_json_values") else {
        return;
    };
    let port = broker.port;
    let proto = mqscope::testkit::plant_proto::state_decoder();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scripts/tracker.js")
        .display()
        .to_string();
    let fix = r#"{"lat": 52.52, "lon": 13.405, "battery": 87}"#;
    let state = r#"{"id": "p-1", "uptime_s": 12, "running": true,
        "readings": [{"name": "air", "value": 19.5, "unit": "CELSIUS"}]}"#;
    let sent = [
        ("enc/pb", proto.as_str(), state),
        ("enc/mp", "base64+msgpack", r#"{"level": 7}"#),
        ("enc/js", &format!("script:{script}"), fix),
    ];
    for (topic, encoder, value) in sent {
        let out = mqscope(
            port,
            &["pub", "-t", topic, "-r", "-m", value, "--encode", encoder],
        );
        common::assert_ok(&out);
    }
    // What the broker holds is the encoded form: read by mosquitto_sub, not JSON.
    let raw = common::mosquitto_sub(port, &["-t", "enc/mp", "-C", "1", "-W", "5"]);
    assert_eq!(
        raw,
        ["gaVsZXZlbAc="],
        "base64 of MessagePack {{\"level\": 7}}"
    );
    let out = mqscope(
        port,
        &[
            "sub",
            "-t",
            "enc/#",
            "-C",
            "3",
            "--timeout-ms",
            "10000",
            "--decode",
            &format!("enc/pb={proto}"),
            "--decode",
            "enc/mp=base64+msgpack",
            "--decode",
            &format!("enc/js=script:{script}"),
        ],
    );
    let lines = json_lines(out);
    let line = |topic: &str| lines.iter().find(|v| v["topic"] == topic).unwrap().clone();
    assert_eq!(line("enc/pb")["decoded"]["readings"][0]["value"], 19.5);
    assert_eq!(line("enc/pb")["decoded"]["uptime_s"], 12);
    assert_eq!(line("enc/mp")["decoded"], serde_json::json!({"level": 7}));
    let js = line("enc/js")["decoded"].clone();
    assert_eq!(
        (js["lat"].as_f64(), js["battery"].as_u64()),
        (Some(52.52), Some(87))
    );
    assert_eq!(js["retain"], true, "the script sees the retain flag");
    // A value the encoder cannot take: refused in words, nothing sent.
    let out = mqscope(
        port,
        &[
            "pub",
            "-t",
            "enc/x",
            "-m",
            "[1, 2]",
            "--encode",
            "binary:u8",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--encode: [1,2] is not a number"), "{err}");
}
