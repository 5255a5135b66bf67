//! Sample data for the chart's benchmarks and tests: a long, sensor-like series.

use std::collections::VecDeque;

/// A deterministic sensor-like series of `n` points (10 per second, a slow wave, noise and
/// rare spikes), for benchmarks and tests of the reduction.
pub fn sample_series(n: usize) -> VecDeque<[f64; 2]> {
    let mut rng = fastrand::Rng::with_seed(7);
    let start = 1_700_000_000.0;
    (0..n)
        .map(|i| {
            let t = i as f64 * 0.1;
            let mut v = 20.0 + 3.0 * (t / 600.0).sin() + 0.3 * (rng.f64() - 0.5);
            if rng.u32(..1000) == 0 {
                v += 40.0 * (rng.f64() - 0.5);
            }
            [start + t + rng.f64() * 0.05, v]
        })
        .collect()
}
