//! Store ingest: 1M messages spread over 100k topics of realistic depth; prints messages per
//! second (criterion throughput) and memory per topic (RSS growth / topics).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use mqscope::model::{HistoryLimits, Incoming, Message, Payload, QoS, Store};

const TOPICS: usize = 100_000;
const MESSAGES: usize = 1_000_000;

/// Topics shaped like real deployments: 3 to 7 levels, shared prefixes, varied fan-out.
fn topics(n: usize) -> Vec<String> {
    let metrics = [
        "temperature",
        "humidity",
        "state",
        "battery",
        "power",
        "rssi",
        "config",
    ];
    (0..n)
        .map(|i| {
            let metric = metrics[i % metrics.len()];
            let dev = i / metrics.len();
            match i % 4 {
                0 => format!(
                    "site/{}/building/{}/floor/{}/dev-{dev}/{metric}",
                    dev % 5,
                    dev % 17,
                    dev % 9
                ),
                1 => format!("zigbee2mqtt/device_{dev}/{metric}"),
                2 => format!("homeassistant/sensor/node_{dev}/{metric}/state"),
                _ => format!("factory/line-{}/plc-{dev}/{metric}", dev % 12),
            }
        })
        .collect()
}

fn messages(topics: &[String], n: usize) -> Vec<Incoming> {
    (0..n)
        .map(|i| {
            let topic = &topics[(i * 7919) % topics.len()];
            let payload = if i % 3 == 0 {
                format!(
                    "{{\"value\":{}.{},\"unit\":\"C\",\"seq\":{i}}}",
                    20 + i % 10,
                    i % 10
                )
            } else {
                format!("{}.{}", 20 + i % 10, i % 100)
            };
            Incoming {
                topic: topic.clone(),
                message: Message {
                    received_at_us: 1_700_000_000_000_000 + i as i64,
                    qos: QoS::AtMostOnce,
                    retain: false,
                    pkid: 0,
                    from_disk: false,
                    payload: Payload::decode(payload.as_bytes(), 16 << 20),
                    properties: None,
                },
            }
        })
        .collect()
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<usize>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// Memory per topic: one message on each of `n` distinct topics, RSS growth / topics.
fn report_memory(n: usize) {
    let names = topics(n);
    let batch = messages(&names, n);
    let payload_bytes: usize = batch.iter().map(|m| m.message.payload.bytes().len()).sum();
    let before = rss_bytes();
    let mut store = Store::new(HistoryLimits::default());
    store.apply_batch(batch);
    let after = rss_bytes();
    let per_topic = after.saturating_sub(before) as f64 / store.tree().topic_count() as f64;
    let beyond_payload =
        (after.saturating_sub(before) - payload_bytes.min(after - before)) as f64 / n as f64;
    println!(
        "memory: {} topics ({} nodes): {:.0} bytes per topic (RSS growth), {:.0} beyond payload bytes",
        store.tree().topic_count(),
        store.tree().len(),
        per_topic,
        beyond_payload
    );
    black_box(store);
}

fn ingest(c: &mut Criterion) {
    let names = topics(TOPICS);
    let all = messages(&names, MESSAGES);
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("ingest_1m_messages_100k_topics", |b| {
        b.iter_batched(
            || all.clone(),
            |batch| {
                let mut store = Store::new(HistoryLimits::default());
                store.apply_batch(batch);
                store // dropped by criterion outside the timing
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, ingest);

fn main() {
    report_memory(TOPICS);
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
