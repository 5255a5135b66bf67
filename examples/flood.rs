//! A fast MQTT 3.1.1 publisher for the end-to-end benchmarks (see `mqscope::testkit::flood`).
//! Prints one summary line to stderr.
//!
//! Usage: flood PORT MESSAGES [TOPICS] [PAYLOAD_BYTES] [RATE_PER_S]
//! (defaults: 100000 topics, 100 B, unlimited rate). Loopback only.
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use mqscope::testkit::{Flood, flood};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i)
            .map(|a| a.parse().expect("numeric arguments"))
            .unwrap_or(default)
    };
    let f = Flood {
        port: u16::try_from(arg(0, 1883)).expect("a port number"),
        messages: arg(1, 1_000_000),
        topics: arg(2, 100_000),
        payload_bytes: arg(3, 100),
        rate: arg(4, 0),
    };
    let secs = flood(&f).expect("flood the broker");
    eprintln!(
        "flood: {} messages of {} B over {} topics in {secs:.2} s ({:.0} msg/s)",
        f.messages,
        f.payload_bytes,
        f.topics,
        f.messages as f64 / secs
    );
}
