//! Load and sample data for tests, benchmarks and examples, kept out of the library's
//! public API: compiled only with the `testkit` feature (and for the library's own unit
//! tests).
//!
//! - [`flood`]: a raw MQTT 3.1.1 publisher, as fast as a socket takes it, and its topics.
//! - [`hostile`]: messages a broker may carry that a naive explorer chokes on.
//! - [`series`]: a long, sensor-like series for the chart's reduction.
//! - [`plant_proto`]: Protobuf samples of the test schema, encoded by prost.
//! - [`peak_rss_mb`]: the peak memory of the running benchmark.
//!
//! Depends on nothing else in this crate, so it can never pull test code into the app.

pub mod flood;
pub mod hostile;
pub mod plant_proto;
pub mod series;

pub use flood::{Flood, flood, flood_topic};
pub use hostile::hostile_corpus;
pub use series::sample_series;

/// Peak resident memory of this process in MiB (Linux `VmHWM`; 0 elsewhere), for the
/// benchmarks.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
