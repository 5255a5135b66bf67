//! `mqscope pub` with mosquitto_pub's flags against a real Mosquitto: -l, -s, -n, -f, -i,
//! --repeat with placeholders, and the MQTT 5 properties, read back by `mosquitto_sub`.
//! Loopback only, bounded in time.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common::{Mosquitto, collect, free_port, mosquitto_sub_spawn};

use crate::common::mqscope_pub;

fn ok(out: &std::process::Output) {
    crate::common::assert_ok(out);
}

#[test]
fn pub_reads_stdin_by_line_or_whole_and_sends_empty_messages() {
    let Some(broker) =
        Mosquitto::start("pub_reads_stdin_by_line_or_whole_and_sends_empty_messages")
    else {
        return;
    };
    let port = broker.port;
    let sub = mosquitto_sub_spawn(
        port,
        &["-t", "in/#", "-C", "5", "-W", "10", "-F", "%t:%p:%l"],
    );
    ok(&mqscope_pub(
        port,
        &["-t", "in/line", "-l", "-q", "1"],
        b"one\n\ntwo\n",
    ));
    ok(&mqscope_pub(port, &["-t", "in/whole", "-s"], b"a\nb"));
    ok(&mqscope_pub(port, &["-t", "in/empty", "-n"], b""));
    let file = std::env::temp_dir().join(format!("mqscope-pub-{}.bin", std::process::id()));
    std::fs::write(&file, [0x41, 0x42]).unwrap();
    ok(&mqscope_pub(
        port,
        &[
            "-t",
            "in/file",
            "-f",
            file.to_str().unwrap(),
            "-i",
            "pub-file",
        ],
        b"",
    ));
    let got = collect(sub);
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        got,
        [
            "in/line:one:3",
            "in/line:two:3",
            "in/whole:a",
            "b:3",
            "in/empty::0",
            "in/file:AB:2"
        ]
    );
}

#[test]
fn pub_repeats_with_placeholders_and_sends_mqtt5_properties() {
    let Some(broker) = Mosquitto::start("pub_repeats_with_placeholders_and_sends_mqtt5_properties")
    else {
        return;
    };
    let port = broker.port;
    let sub = mosquitto_sub_spawn(
        port,
        &[
            "-t",
            "rep/#",
            "-C",
            "3",
            "-W",
            "10",
            "-V",
            "5",
            "-F",
            "%t %p %C %R %D %E %P",
        ],
    );
    let out = mqscope_pub(
        port,
        &[
            "-t",
            "rep/{{seq}}",
            "-m",
            "{\"n\":{{seq}},\"v\":{{random_int:5:5}}}",
            "--repeat",
            "3",
            "--interval-ms",
            "20",
            "-q",
            "1",
            "--content-type",
            "application/json",
            "--response-topic",
            "rep/answers",
            "--correlation-data",
            "c-7",
            "--message-expiry-s",
            "60",
            "--user-property",
            "site=berlin",
        ],
        b"",
    );
    ok(&out);
    let got = collect(sub);
    let expect: Vec<String> = (1..=3)
        .map(|n| {
            format!("rep/{n} {{\"n\":{n},\"v\":5}} application/json rep/answers c-7 60 site:berlin")
        })
        .collect();
    // The expiry left may have ticked down by the time it is delivered.
    let got: Vec<String> = got.iter().map(|l| l.replace(" 59 ", " 60 ")).collect();
    assert_eq!(got, expect);
}

#[test]
fn pub_usage_errors_exit_with_2() {
    let port = free_port(); // nothing listens: these fail before connecting
    let out = mqscope_pub(port, &["-t", "a/{{nope}}", "-m", "1", "--repeat", "2"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("{{nope}}: unknown placeholder"));
    let out = mqscope_pub(
        port,
        &["-t", "a", "-m", "1", "--user-property", "novalue"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = mqscope_pub(port, &["-t", "a", "-m", "1", "-n"], b"");
    assert_eq!(out.status.code(), Some(2), "one payload source only");
    // A refusal is 1: nothing listens on the port.
    let out = mqscope_pub(port, &["-t", "a", "-m", "1"], b"");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn pub_says_what_the_connack_rules_out_instead_of_sending_it() {
    if !crate::common::mosquitto_available(
        "pub_says_what_the_connack_rules_out_instead_of_sending_it",
    ) {
        return;
    }
    let broker = Mosquitto::start_on(
        free_port(),
        "max_packet_size 2000\nmax_qos 1\nretain_available false",
    );
    let port = broker.port;
    let big = "x".repeat(3000);
    for (args, said) in [
        (
            &["-t", "lim/big", "-m", big.as_str()][..],
            "over the broker's largest packet (2000 B)",
        ),
        (
            &["-t", "lim/q2", "-m", "x", "-q", "2"],
            "takes QoS 1 at most",
        ),
        (
            &["-t", "lim/r", "-m", "x", "-r"],
            "keeps no retained messages",
        ),
    ] {
        let out = mqscope_pub(port, args, b"");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
    }
    let sub = mosquitto_sub_spawn(port, &["-t", "lim/#", "-C", "1", "-W", "5", "-v"]);
    ok(&mqscope_pub(
        port,
        &["-t", "lim/ok", "-m", "fits", "-q", "1"],
        b"",
    ));
    assert_eq!(collect(sub), ["lim/ok fits"], "what fits still goes");
}
