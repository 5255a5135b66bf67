//! Ingest with a decoder rule on every topic against none: 200,000 Protobuf messages
//! (`plant.State` of the test schema, 300 bytes each) over 10,000 topics, decoded as the
//! worker does (once per message) and filed in the store, best of three runs. Prints
//! `decode_protobuf_msgs_per_s`, `decode_none_msgs_per_s` and `decode_protobuf_ratio`
//! (time with the rule / time without).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use mqscope::model::decode::rules::{DecoderRule, DecoderRules};
use mqscope::model::{HistoryLimits, Incoming, Message, Payload, QoS, Store};
use mqscope::testkit::plant_proto::{state_decoder, state_with};

const MESSAGES: usize = 200_000;
const TOPICS: usize = 10_000;

fn batch() -> Vec<Incoming> {
    (0..MESSAGES)
        .map(|i| Incoming {
            topic: format!("plant/{}/state", i % TOPICS),
            message: Message {
                received_at_us: 1_700_000_000_000_000 + i as i64,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(&state_with(20.0 + (i % 100) as f64 / 10.0), 1 << 20),
                properties: None,
            },
        })
        .collect()
}

/// The best of three runs of decoding (by `rules`, if any) and filing every message.
fn best(rules: Option<&DecoderRules>) -> Duration {
    (0..3)
        .map(|_| {
            let mut messages = batch();
            let start = Instant::now();
            if let Some(rules) = rules {
                for m in &mut messages {
                    let d = rules.decode(&m.topic, m.message.payload.bytes());
                    m.message.payload.set_decoded(d);
                }
            }
            let mut store = Store::new(HistoryLimits::default());
            for chunk in messages.chunks(1024) {
                store.apply_batch(chunk.to_vec());
            }
            let took = start.elapsed();
            std::hint::black_box(store);
            took
        })
        .min()
        .unwrap()
}

fn main() {
    let rules =
        DecoderRules::loaded(&[DecoderRule::new("plant/+/state", state_decoder())], &[]).unwrap();
    let sample = batch().swap_remove(0);
    let decoded = rules
        .decode(&sample.topic, sample.message.payload.bytes())
        .unwrap();
    assert!(decoded.result.is_ok(), "{:?}", decoded.result);
    let none = best(None);
    let protobuf = best(Some(&rules));
    let rate = |d: Duration| MESSAGES as f64 / d.as_secs_f64();
    println!("decode_none_msgs_per_s {:.0}", rate(none));
    println!("decode_protobuf_msgs_per_s {:.0}", rate(protobuf));
    println!(
        "decode_protobuf_ratio {:.2}",
        protobuf.as_secs_f64() / none.as_secs_f64()
    );
}
