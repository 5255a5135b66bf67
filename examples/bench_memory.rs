//! Memory figures for scripts/bench.sh, without the network: `bytes_per_topic` is the
//! resident memory the store grows by per topic after N distinct topics with one small
//! message each, minus the payload bytes themselves.
//!
//! Usage: bench_memory [TOPICS]   (default 1,000,000)
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use mqscope::model::{Incoming, Message, Payload, QoS, Store};
use mqscope::testkit::flood_topic;

/// Resident memory of this process in bytes (Linux `/proc/self/statm`).
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn main() {
    let topics: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of topics"))
        .unwrap_or(1_000_000);
    let payload = b"21.5";
    let before = rss_bytes();
    let mut store = Store::default();
    let mut payload_bytes = 0;
    for start in (0..topics).step_by(10_000) {
        let batch: Vec<Incoming> = (start..(start + 10_000).min(topics))
            .map(|i| Incoming {
                topic: flood_topic(i),
                message: Message {
                    received_at_us: 1_700_000_000_000_000 + i as i64,
                    qos: QoS::AtMostOnce,
                    retain: false,
                    pkid: 0,
                    from_disk: false,
                    payload: Payload::decode(payload, 1 << 20),
                    properties: None,
                },
            })
            .collect();
        payload_bytes += batch.len() * payload.len();
        store.apply_batch(batch);
    }
    let grown = rss_bytes().saturating_sub(before);
    assert_eq!(store.tree().topic_count(), topics);
    eprintln!(
        "memory: {topics} topics in {} tree nodes; RSS grew {:.1} MiB, of which payloads {:.1} MiB",
        store.tree().len(),
        grown as f64 / f64::from(1 << 20),
        payload_bytes as f64 / f64::from(1 << 20)
    );
    println!(
        "bytes_per_topic {:.0}",
        grown.saturating_sub(payload_bytes) as f64 / topics as f64
    );
}
