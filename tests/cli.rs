//! The `mqscope sub` and `mqscope pub` companions, run as the real binary against Mosquitto.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::process::Command;

use common::Mosquitto;

fn mqscope(port: u16, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .output()
        .expect("run mqscope")
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
