//! `mqscope bench` against a real Mosquitto: what `pub` sent is what `sub` received on each
//! of its connections, with a latency; `conn` that cannot connect says so and exits
//! non-zero.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::process::{Command, Stdio};

use common::{Mosquitto, free_port};

fn bench(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqscope"));
    c.arg("bench")
        .args(args)
        .args(["--json", "--host", "127.0.0.1", "--port", &port.to_string()]);
    c
}

/// Runs `bench` to its end, which must succeed; its report.
fn succeed(port: u16, args: &[&str]) -> serde_json::Value {
    let out = bench(port, args).output().unwrap();
    common::assert_ok(&out);
    report(&out)
}

fn report(out: &std::process::Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} / {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn what_pub_sends_each_sub_connection_receives_with_a_latency() {
    let Some(broker) = Mosquitto::start("what_pub_sends_each_sub_connection_receives") else {
        return;
    };
    let sub = bench(broker.port, &["sub", "-c", "2", "--duration-s", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let p = succeed(
        broker.port,
        &[
            "pub",
            "-c",
            "2",
            "--rate",
            "50",
            "--duration-s",
            "1",
            "-q",
            "1",
        ],
    );
    let sent = p["sent"].as_u64().unwrap();
    assert!((90..=100).contains(&sent), "2 × 50 msg/s for 1 s: {p}");
    assert_eq!(p["acknowledged"], sent, "{p}");
    assert_eq!(p["refused"], 0);
    assert_eq!(p["failed"], 0);

    let out = sub.wait_with_output().unwrap();
    common::assert_ok(&out);
    let s = report(&out);
    assert_eq!(
        s["received"],
        2 * sent,
        "each subscriber got every message: {s}"
    );
    assert_eq!(s["dropped"], 0);
    let p50 = s["latency_ms"]["p50"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 < 1000.0, "{s}");
}

#[test]
fn connections_that_fail_are_counted_and_the_exit_code_says_so() {
    if !common::mosquitto_available("connections_that_fail_are_counted") {
        return;
    }
    let closed = free_port();
    let out = bench(closed, &["conn", "-c", "3", "--duration-s", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let r = report(&out);
    assert_eq!(
        (r["connections"].as_u64(), r["failed"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(
        r["first_failure"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{r}"
    );
}

#[test]
fn pub_with_a_count_sends_that_many_retained_from_each_connection() {
    let Some(broker) = Mosquitto::start("pub_with_a_count_sends_that_many_retained") else {
        return;
    };
    let p = succeed(
        broker.port,
        &[
            "pub",
            "-c",
            "2",
            "--rate",
            "0",
            "--count",
            "25",
            "--retain",
            "-q",
            "1",
            "-t",
            "cnt/%i/%n",
        ],
    );
    assert_eq!(
        (p["sent"].as_u64(), p["acknowledged"].as_u64()),
        (Some(50), Some(50))
    );
    let kept = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &broker.port.to_string()])
        .args(["-t", "cnt/#", "--retained-only", "-W", "3", "-F", "%t"])
        .output()
        .unwrap();
    let topics = String::from_utf8_lossy(&kept.stdout);
    assert_eq!(
        topics.lines().count(),
        50,
        "each message kept as retained: {topics}"
    );
    assert!(topics.lines().any(|t| t == "cnt/1/24"), "{topics}");
}
