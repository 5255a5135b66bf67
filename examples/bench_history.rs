//! History on disk at size, for scripts/bench-history.sh: writes N messages of 100-byte
//! JSON over T topics into a fresh history file (batches as the writer takes them), then
//! times the first page (100, newest first) of a search by topic filter, by a word, and by
//! both, beside a linear scan of the same rows in Rust. Prints one `name value` per line.
//!
//! Usage: bench_history DIR N TOPICS
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use mqscope::archive::{Archive, Query};
use mqscope::model::{Incoming, Message, Payload, QoS};

/// Which rows a scan keeps.
type Keep<'a> = dyn Fn(&Incoming) -> bool + 'a;

/// Message `i`: 100 bytes of JSON; one in 100,000 says "alarm".
fn message(i: u64, topics: u64) -> Incoming {
    let state = if i % 100_000 == 7 { "alarm" } else { "ok" };
    let mut json = format!(
        "{{\"seq\":{i},\"temp\":{:.2},\"state\":\"{state}\",\"unit\":\"C\",\"pad\":\"",
        20.0 + (i % 1000) as f64 / 100.0
    );
    while json.len() < 98 {
        json.push('x');
    }
    json.push_str("\"}");
    Incoming {
        topic: format!("plant/{}/sensor", i % topics),
        message: Message {
            received_at_us: 1_700_000_000_000_000 + i as i64 * 100,
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(json.as_bytes(), usize::MAX),
            properties: None,
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(&args[0]);
    let n: u64 = args[1].parse().unwrap();
    let topics: u64 = args[2].parse().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("bench.sqlite");
    let (mut archive, _) = Archive::open(&path).unwrap();
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<Incoming> = (i..(i + 20_000).min(n))
            .map(|j| message(j, topics))
            .collect();
        archive.write(&batch).unwrap();
        i += batch.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    drop(archive); // closing checkpoints the write-ahead log into the file
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!("stored_messages {n}");
    println!("write_msg_per_s {:.0}", n as f64 / secs);
    println!("store_bytes_per_message {:.1}", bytes as f64 / n as f64);
    println!("store_file_mb {:.1}", bytes as f64 / f64::from(1 << 20));
    println!("write_peak_rss_mb {:.1}", mqscope::testkit::peak_rss_mb());

    let reader = Archive::open_read(&path).unwrap();
    let never = AtomicBool::new(false);
    let time = |q: &Query| {
        let t = Instant::now();
        let found = reader.search(q, 100, &never).unwrap();
        (t.elapsed().as_secs_f64() * 1000.0, found.len())
    };
    let filter = Query {
        filter: Some("plant/42/sensor".into()),
        ..Query::default()
    };
    let word = Query {
        text: Some("alarm".into()),
        ..Query::default()
    };
    let both = Query {
        filter: Some("plant/+/sensor".into()),
        text: Some("alarm".into()),
        ..Query::default()
    };
    for (name, q) in [("filter", &filter), ("word", &word), ("filter_word", &both)] {
        let (ms, found) = time(q);
        println!("search_{name}_first_page_ms {ms:.2} (found {found})");
    }
    // The same three by reading every row (newest first) and testing it in Rust.
    let scan = |keep: &Keep<'_>| {
        let t = Instant::now();
        let mut found = 0;
        let mut page = Query::default();
        'rows: loop {
            let rows = reader.search(&page, 50_000, &never).unwrap();
            for r in &rows {
                if keep(&r.incoming) {
                    found += 1;
                    if found == 100 {
                        break 'rows;
                    }
                }
            }
            match rows.last() {
                Some(last) if rows.len() == 50_000 => page.before_id = Some(last.id),
                _ => break,
            }
        }
        (t.elapsed().as_secs_f64() * 1000.0, found)
    };
    let has_alarm = |m: &Incoming| {
        m.message
            .payload
            .text()
            .is_some_and(|t| t.contains("alarm"))
    };
    let scans: [(&str, &Keep<'_>); 3] = [
        ("filter", &|m| m.topic == "plant/42/sensor"),
        ("word", &has_alarm),
        ("filter_word", &|m| {
            mqscope::model::topic_path::matches_filter("plant/+/sensor", &m.topic) && has_alarm(m)
        }),
    ];
    for (name, keep) in scans {
        let (ms, found) = scan(keep);
        println!("scan_{name}_first_page_ms {ms:.2} (found {found})");
    }
    println!("peak_rss_mb {:.1}", mqscope::testkit::peak_rss_mb());
}
