//! Message history on disk from the command line, against a real Mosquitto: `sub --store`
//! collects, `history stats|search|export|prune` read it back (by filter, text, time and
//! flags), an export replays, and bad queries and unknown brokers are said in words.
//! Loopback only, bounded in time; each test has a history folder of its own.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;

use serde_json::Value;

use crate::common::{self, Mosquitto};

fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mqscope-history-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn history(port: u16, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    common::mqscope_at(
        port,
        &[
            &["history"],
            args,
            &["--history-dir", dir.to_str().unwrap()],
        ]
        .concat(),
    )
    .output()
    .unwrap()
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    common::assert_ok(out);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `sub --store` of 40 messages on plant/N/temp and one on office/lamp. They are queued
/// for a persistent session first, so none is missed however late the subscriber is.
fn collect_into(broker: &Mosquitto, dir: &std::path::Path) {
    let session = [
        "-c",
        "-i",
        "history-collector",
        "--session-expiry-s",
        "300",
        "-q",
        "1",
    ];
    let sub = |extra: &[&str]| {
        common::mqscope_at(
            broker.port,
            &[&["sub", "-t", "#"], &session[..], extra].concat(),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
    };
    // The session and its subscription, kept by the broker while nobody is connected.
    let out = sub(&["-C", "0", "-W", "1"]);
    common::assert_ok(&out);
    for i in 0..40 {
        broker.publish(&[
            "-t",
            &format!("plant/{}/temp", i % 4),
            "-m",
            &format!("{{\"t\": {i}, \"state\": \"run\"}}"),
            "-q",
            "1",
        ]);
    }
    broker.publish(&[
        "-t",
        "office/lamp",
        "-m",
        "alarm on",
        "-q",
        "1",
        "-V",
        "5",
        "-D",
        "publish",
        "user-property",
        "k",
        "v",
    ]);
    let out = sub(&[
        "-C",
        "41",
        "-W",
        "10",
        "--store",
        "--history-dir",
        dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("stored 41 messages"), "{err}");
}

#[test]
fn sub_store_then_history_search_stats_export_and_prune() {
    let Some(broker) = Mosquitto::start("sub_store_then_history_search_stats_export_and_prune")
    else {
        return;
    };
    let dir = folder("roundtrip");
    collect_into(&broker, &dir);
    let port = broker.port;
    let stats = lines(&history(port, &dir, &["stats", "--json"]));
    let s = &stats[0][0]["stats"];
    assert_eq!(
        (s["messages"].as_u64(), s["topics"].as_u64()),
        (Some(41), Some(5)),
        "{stats:?}"
    );
    let found = lines(&history(
        port,
        &dir,
        &["search", "-t", "plant/1/+", "--json"],
    ));
    assert_eq!(found.len(), 10);
    assert_eq!(
        found[0]["payload"], "{\"t\": 37, \"state\": \"run\"}",
        "newest first"
    );
    assert_eq!(found[0]["qos"], 1);
    let lamp = lines(&history(
        port,
        &dir,
        &["search", "--text", "alarm", "--json"],
    ));
    assert_eq!(lamp.len(), 1);
    assert_eq!(lamp[0]["topic"], "office/lamp");
    assert_eq!(lamp[0]["retain"], false, "a live publish, delivered live");
    assert_eq!(
        lamp[0]["properties"]["user_properties"][0][0], "k",
        "{lamp:?}"
    );
    let recent = lines(&history(
        port,
        &dir,
        &["search", "--since", "-1h", "--limit", "5", "--json"],
    ));
    assert_eq!(recent.len(), 5);
    let none = lines(&history(
        port,
        &dir,
        &["search", "--until", "-1h", "--json"],
    ));
    assert!(none.is_empty());
    let contains = lines(&history(
        port,
        &dir,
        &["search", "--text", "\"t\": 3", "--contains", "--json"],
    ));
    assert_eq!(contains.len(), 11, "3 and 30 to 39: {contains:?}");
    // Export, then replay it into the broker: the same messages arrive.
    let file = dir.join("plant.jsonl");
    let out = history(
        port,
        &dir,
        &["export", "-t", "plant/#", "--out", file.to_str().unwrap()],
    );
    common::assert_ok(&out);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 40);
    // Subscribed (SUBACK seen) before the replay starts.
    let sub = common::connected(port, mqscope::mqtt::MqttVersion::V5, &["plant/#"]);
    let out = common::mqscope_at(port, &["replay", file.to_str().unwrap(), "--max-rate"])
        .output()
        .unwrap();
    common::assert_ok(&out);
    let mut got = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while got < 40 && std::time::Instant::now() < deadline {
        if let Some(batch) = sub
            .events
            .recv_timeout(std::time::Duration::from_millis(100))
        {
            got += batch.len();
        }
    }
    assert_eq!(got, 40, "the export replays");
    // Pruning everything older than now keeps each topic's latest.
    let out = history(port, &dir, &["prune", "--older-than", "0s"]);
    common::assert_ok(&out);
    let stats = lines(&history(port, &dir, &["stats", "--json"]));
    assert_eq!(stats[0][0]["stats"]["messages"], 5);
}

#[test]
fn history_says_what_is_wrong_in_words() {
    let Some(broker) = Mosquitto::start("history_says_what_is_wrong_in_words") else {
        return;
    };
    let dir = folder("words");
    collect_into(&broker, &dir);
    let out = history(broker.port, &dir, &["search", "--text", "\"unclosed"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a valid FTS5 query") && err.contains("contains"),
        "{err}"
    );
    let out = history(
        broker.port,
        &dir,
        &["search", "--connection", "elsewhere:1884"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no history of"));
    let out = history(broker.port, &dir, &["search", "--since", "yesterday"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ISO 8601"));
}

/// The app on `port` keeping its history under `data`, connected, in a 900-tall window.
fn app_keeping_history(
    port: u16,
    data: &std::path::Path,
    select: Option<&str>,
) -> egui_kittest::Harness<'static, mqscope::app::App> {
    let form = mqscope::mqtt::ConnectionForm {
        port: port.to_string(),
        keep_history: Some(true),
        ..Default::default()
    };
    let options = mqscope::app::StartOptions {
        data_dir: Some(data.to_path_buf()),
        select: select.map(str::to_string),
        ..Default::default()
    };
    common::window::connected_app(form, options, 900.0)
}

/// Runs frames until the status bar shows `text` (at most 10 s).
fn until_label(h: &mut egui_kittest::Harness<'static, mqscope::app::App>, text: &str) -> bool {
    use egui_kittest::kittest::Queryable as _;
    (0..500).any(|_| {
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.query_by_label_contains(text).is_some()
    })
}

#[test]
fn the_tree_comes_back_from_disk_after_a_restart_exactly() {
    use egui_kittest::kittest::Queryable as _;
    let Some(broker) = Mosquitto::start("the_tree_comes_back_from_disk_after_a_restart_exactly")
    else {
        return;
    };
    let data = folder("restart");
    let mut h = app_keeping_history(broker.port, &data, None);
    assert!(
        until_label(&mut h, "disk "),
        "the status bar shows the history on disk"
    );
    broker.publish(&["-t", "keep/a", "-m", "first", "-q", "1"]);
    broker.publish(&["-t", "keep/a", "-m", "{\"v\": 2}", "-q", "1"]);
    broker.publish(&[
        "-t",
        "keep/b",
        "-m",
        "b",
        "-V",
        "5",
        "-D",
        "publish",
        "content-type",
        "text/x",
    ]);
    broker.publish(&["-t", "keep/r", "-m", "kept", "-r"]);
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| {
            ["keep/a", "keep/b", "keep/r"]
                .iter()
                .all(|t| common::latest(a.store(), t).is_some())
                && common::latest(a.store(), "keep/a")
                    .is_some_and(|m| m.payload.bytes() == b"{\"v\": 2}")
        }
    ));
    let before: Vec<mqscope::model::Message> = ["keep/a", "keep/b"]
        .iter()
        .map(|t| common::latest(h.state().store(), t).unwrap().clone())
        .collect();
    drop(h); // the writer writes what is queued, then the file closes
    let mut h = app_keeping_history(broker.port, &data, Some("keep/a"));
    assert!(
        until_label(&mut h, "(from disk)"),
        "the inspector says where it came from"
    );
    for (t, was) in ["keep/a", "keep/b"].iter().zip(&before) {
        let back = common::latest(h.state().store(), t).unwrap();
        assert!(back.from_disk, "{t} is marked from disk");
        assert_eq!(back.payload, was.payload, "{t}: the same bytes");
        assert_eq!(
            (back.qos, back.retain, back.received_at_us),
            (was.qos, was.retain, was.received_at_us)
        );
        assert_eq!(back.properties, was.properties, "{t}: the same properties");
    }
    // A live message replaces what came from disk.
    broker.publish(&["-t", "keep/a", "-m", "live"]);
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| { common::latest(a.store(), "keep/a").is_some_and(|m| !m.from_disk) }
    ));
    assert!(h.query_by_label_contains("(from disk)").is_none());
}

#[test]
fn a_second_instance_only_reads_and_an_unusable_folder_leaves_the_app_in_memory() {
    let Some(broker) = Mosquitto::start(
        "a_second_instance_only_reads_and_an_unusable_folder_leaves_the_app_in_memory",
    ) else {
        return;
    };
    let data = folder("two");
    let mut first = app_keeping_history(broker.port, &data, None);
    assert!(until_label(&mut first, "disk "));
    let mut second = app_keeping_history(broker.port, &data, None);
    assert!(
        until_label(&mut second, "disk history read only"),
        "another instance writes it"
    );
    drop(second);
    drop(first);
    // A data folder that cannot be made (a file is in its way): said, and messages still
    // arrive in memory.
    let blocked = folder("blocked");
    std::fs::create_dir_all(&blocked).unwrap();
    std::fs::write(blocked.join("data"), b"a file, not a folder").unwrap();
    let mut h = app_keeping_history(broker.port, &blocked.join("data"), None);
    assert!(until_label(&mut h, "disk history off"));
    broker.publish(&["-t", "mem/x", "-m", "1"]);
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| { common::latest(a.store(), "mem/x").is_some() }
    ));
}

#[test]
fn kill_9_during_a_flood_loses_at_most_the_last_batch_and_the_file_opens_cleanly() {
    let Some(broker) = Mosquitto::start(
        "kill_9_during_a_flood_loses_at_most_the_last_batch_and_the_file_opens_cleanly",
    ) else {
        return;
    };
    let dir = folder("kill9");
    let store = |extra: &[&str]| {
        common::mqscope_at(
            broker.port,
            &[
                &[
                    "sub",
                    "-t",
                    "flood/#",
                    "--store",
                    "--history-dir",
                    dir.to_str().unwrap(),
                ],
                extra,
            ]
            .concat(),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
    };
    let mut sub = store(&["-W", "30"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut flood = common::mqscope_at(
        broker.port,
        &[
            "bench",
            "pub",
            "-c",
            "2",
            "--rate",
            "5000",
            "--size",
            "100",
            "-t",
            "flood/%i",
            "--duration-s",
            "4",
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2000));
    let _ = std::process::Command::new("kill")
        .args(["-9", &sub.id().to_string()])
        .status();
    let _ = sub.wait();
    let _ = flood.wait();
    let stats = lines(&history(broker.port, &dir, &["stats", "--json"]));
    let kept = stats[0][0]["stats"]["messages"].as_u64().unwrap();
    assert!(
        kept > 1_000,
        "what was committed before the kill is there: {kept}"
    );
    // The next start opens the same file (nothing moved aside) and goes on writing.
    let mut again = store(&["-C", "1", "-W", "10"]);
    std::thread::sleep(std::time::Duration::from_millis(700));
    broker.publish(&["-t", "flood/after", "-m", "x"]);
    let status = again.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(again.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success() && !err.contains("moved"), "{err}");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !files
            .iter()
            .any(|f| f.to_string_lossy().contains("corrupt")),
        "{files:?}"
    );
    let after = lines(&history(broker.port, &dir, &["stats", "--json"]));
    assert!(
        after[0][0]["stats"]["messages"].as_u64().unwrap() > kept,
        "{after:?}"
    );
}

#[test]
fn the_search_window_finds_pages_opens_in_the_inspector_and_exports() {
    use egui::Role;
    use egui_kittest::kittest::Queryable as _;
    let Some(broker) =
        Mosquitto::start("the_search_window_finds_pages_opens_in_the_inspector_and_exports")
    else {
        return;
    };
    let data = folder("search-window");
    let mut h = app_keeping_history(broker.port, &data, None);
    assert!(until_label(&mut h, "disk "));
    let many: String = (0..600).map(|i| format!("reading {i}\n")).collect();
    common::assert_ok(&common::mqscope_pub(
        broker.port,
        &["-t", "srch/a", "-l", "-q", "1"],
        many.as_bytes(),
    ));
    broker.publish(&["-t", "srch/b", "-m", "the needle is here", "-q", "1"]);
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| {
            common::latest(a.store(), "srch/b").is_some()
                && common::latest(a.store(), "srch/a")
                    .is_some_and(|m| m.payload.bytes() == b"reading 599")
        }
    ));
    std::thread::sleep(std::time::Duration::from_millis(500)); // the writer commits
    h.get_by_label("Search…").click();
    h.run_steps(2);
    common::window::type_into(&mut h, Role::TextInput, "Topic filter", "srch/#");
    h.get_by_label("Search").click();
    assert!(
        until_label(&mut h, "601 found, 500 shown"),
        "a first page and the count"
    );
    h.get_by_label("Load more").click_accesskit();
    assert!(until_label(&mut h, "601 found, 601 shown"), "the next page");
    common::window::type_into(&mut h, Role::TextInput, "Text", "needle");
    h.get_by_label("Search").click();
    assert!(until_label(&mut h, "1 found, 1 shown"));
    h.get_by_label_contains("srch/b  =  the needle is here")
        .click_accesskit();
    assert!(until_label(&mut h, "A message from the history on disk"));
    assert!(
        h.query_by_label_contains("stored on disk (found by a search)")
            .is_some()
    );
    // Export the results: JSON Lines in the record format.
    let out = data.join("found.jsonl");
    common::window::type_into(&mut h, Role::TextInput, "Export to", out.to_str().unwrap());
    h.get_by_label("JSON Lines").click_accesskit();
    assert!(until_label(&mut h, "exported 1 messages to"));
    let text = std::fs::read_to_string(&out).unwrap();
    let line: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(
        (line["topic"].as_str(), line["payload"].as_str()),
        (Some("srch/b"), Some("the needle is here"))
    );
    let csv = data.join("found.csv");
    common::window::type_into(&mut h, Role::TextInput, "Export to", csv.to_str().unwrap());
    h.get_by_label("CSV").click_accesskit();
    assert!(until_label(&mut h, "found.csv"));
    let table = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[0].starts_with("time,topic,qos,retain,size,payload"),
        "{table}"
    );
    assert!(
        rows[1].contains(",srch/b,0,false,18,the needle is here,"),
        "{table}"
    );
    // The stored message into the publish panel.
    h.get_by_label("Edit as new message").click_accesskit();
    h.run_steps(3);
    let topic = h.get_by_role_and_label(Role::TextInput, "Topic");
    assert_eq!(topic.value().as_deref(), Some("srch/b"));
    let payload = h.get_by_role_and_label(Role::MultilineTextInput, "Payload");
    assert_eq!(payload.value().as_deref(), Some("the needle is here"));
}

#[test]
fn the_inspector_history_and_plots_reach_back_to_what_is_on_disk() {
    use egui::Role;
    use egui_kittest::kittest::Queryable as _;
    let Some(broker) =
        Mosquitto::start("the_inspector_history_and_plots_reach_back_to_what_is_on_disk")
    else {
        return;
    };
    let data = folder("backfill");
    let mut h = app_keeping_history(broker.port, &data, None);
    assert!(until_label(&mut h, "disk "));
    let values: String = (0..300).map(|i| format!("{i}\n")).collect();
    common::assert_ok(&common::mqscope_pub(
        broker.port,
        &["-t", "old/t", "-l", "-q", "1"],
        values.as_bytes(),
    ));
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| common::latest(a.store(), "old/t").is_some_and(|m| m.payload.bytes() == b"299")
    ));
    drop(h); // the writer writes what is queued, then the file closes

    // After a restart memory holds the latest message only; the list reads back the rest.
    let mut h = app_keeping_history(broker.port, &data, Some("old/t"));
    assert!(
        until_label(&mut h, "200 older from disk"),
        "the first page is read as the end of the list shows"
    );
    // A row from disk in the inspector: its payload, the diff with the one before it, and
    // Edit as new message.
    h.get_by_label_contains("B  297").click();
    h.run_steps(3);
    assert!(
        h.query_by_label("297").is_some(),
        "the payload view shows it"
    );
    h.get_by_label("Edit as new message").click_accesskit();
    h.run_steps(3);
    let payload = h.get_by_role_and_label(Role::MultilineTextInput, "Payload");
    assert_eq!(payload.value().as_deref(), Some("297"));
    // Scrolled to its end, the list reads the next (last) page.
    let arrived = (0..200).any(|_| {
        if let Some(row) = h.query_all_by_label_contains(" B  ").last() {
            row.hover();
            row.scroll_down();
        }
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.query_by_label_contains("No older messages on disk")
            .is_some()
    });
    assert!(arrived, "the list's end");
    assert!(
        h.query_by_label_contains("299 older from disk").is_some(),
        "the second page"
    );
    let rows = &h.state().inspector_older().rows;
    let ns: Vec<String> = rows
        .iter()
        .map(|(_, m)| String::from_utf8_lossy(m.payload.bytes()).into_owned())
        .collect();
    let want: Vec<String> = (0..299).rev().map(|i| i.to_string()).collect();
    assert_eq!(ns, want, "every older message once, newest first");

    // A plot of the topic starts with the values stored before this run.
    h.get_by_label("Back to the latest message")
        .click_accesskit();
    h.run_steps(2);
    h.get_by_label("Plot").click_accesskit();
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| a
            .store()
            .plots()
            .series()
            .first()
            .is_some_and(|s| s.points().len() == 300)
    ));
    let series = &h.state().store().plots().series()[0];
    let values: Vec<f64> = series.points().iter().map(|p| p[1]).collect();
    assert_eq!(values, (0..300).map(f64::from).collect::<Vec<_>>());
}

#[test]
fn a_full_disk_stops_the_history_on_disk_and_loses_no_message() {
    let Some(broker) =
        Mosquitto::start("a_full_disk_stops_the_history_on_disk_and_loses_no_message")
    else {
        return;
    };
    let dir = folder("full");
    let session = [
        "-c",
        "-i",
        "full-disk",
        "--session-expiry-s",
        "300",
        "-q",
        "1",
    ];
    let sub = |limit: Option<&str>, extra: &[&str]| {
        let args = [&["sub", "-t", "full/#"], &session[..], extra].concat();
        let mut c = match limit {
            // The process may not grow a file past this (RLIMIT_FSIZE): to the history
            // writer, a disk that is full.
            Some(bytes) => {
                let mut c = std::process::Command::new("prlimit");
                c.arg(format!("--fsize={bytes}"))
                    .arg(env!("CARGO_BIN_EXE_mqscope"))
                    .args(args)
                    .args(["--host", "127.0.0.1", "--port", &broker.port.to_string()]);
                c
            }
            None => common::mqscope_at(broker.port, &args),
        };
        c.stderr(std::process::Stdio::piped()).output().unwrap()
    };
    let out = sub(None, &["-C", "0", "-W", "1"]);
    common::assert_ok(&out);
    // 1,000 messages of 1,000 letters that do not compress, queued for the session.
    let mut x: u32 = 7;
    let mut feed = String::new();
    for _ in 0..1000 {
        for _ in 0..1000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            feed.push(char::from(b'a' + ((x >> 16) % 26) as u8));
        }
        feed.push('\n');
    }
    let out = common::mqscope_pub(
        broker.port,
        &["-t", "full/x", "-l", "-q", "1"],
        feed.as_bytes(),
    );
    common::assert_ok(&out);
    let d = dir.to_str().unwrap();
    let args = ["-C", "1000", "-W", "20", "--store", "--history-dir", d];
    let out = sub(Some("300000"), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the disk filled, mqscope went on: {err}"
    );
    let printed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(printed, 1000, "every message still reaches stdout: {err}");
    assert!(err.contains("skipped") && err.contains("history:"), "{err}");
    // What was written opens cleanly, and a later run with room goes on writing.
    let stats = lines(&history(broker.port, &dir, &["stats", "--json"]));
    let stored = stats[0][0]["stats"]["messages"].as_u64().unwrap();
    // A transaction that did not fit is not there at all.
    assert!(stored < 1000, "{stats:?}");
    let out = common::mqscope_pub(
        broker.port,
        &["-t", "full/y", "-m", "room again", "-q", "1"],
        b"",
    );
    assert!(out.status.success());
    let out = sub(
        None,
        &["-C", "1", "-W", "10", "--store", "--history-dir", d],
    );
    common::assert_ok(&out);
    let found = lines(&history(
        broker.port,
        &dir,
        &["search", "-t", "full/y", "--json"],
    ));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn the_retained_messages_sent_at_connect_are_stored_while_the_file_opens() {
    let Some(broker) =
        Mosquitto::start("the_retained_messages_sent_at_connect_are_stored_while_the_file_opens")
    else {
        return;
    };
    // Retained messages wait at the broker: they arrive right after SUBACK, while the
    // history file may still be opening.
    let out = common::mqscope_at(
        broker.port,
        &[
            "bench",
            "pub",
            "-c",
            "1",
            "--rate",
            "0",
            "--retain",
            "-q",
            "1",
            "-t",
            "ret/%n",
            "--count",
            "2000",
            "--duration-s",
            "60",
        ],
    )
    .output()
    .unwrap();
    common::assert_ok(&out);
    let data = folder("retained-at-connect");
    let mut h = app_keeping_history(broker.port, &data, None);
    assert!(common::window::run_until(
        &mut h,
        std::time::Duration::from_secs(10),
        |a| (0..2000).all(|i| common::latest(a.store(), &format!("ret/{i}")).is_some())
    ));
    std::thread::sleep(std::time::Duration::from_millis(500)); // the writer commits
    drop(h);
    let found = lines(&history(
        broker.port,
        &data.join("history"),
        &["search", "-t", "ret/#", "--limit", "10000", "--json"],
    ));
    assert_eq!(
        found.len(),
        2000,
        "every retained message delivered at connect is on disk"
    );
}
