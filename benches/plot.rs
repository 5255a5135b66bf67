//! Chart draw data: reducing a 1M-point series to what a 2,000-pixel-wide chart draws
//! (min/max per pixel column), the work the chart does every frame while it follows live.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use mqscope::model::series::reduce;
use mqscope::testkit::sample_series;

fn draw_data(c: &mut Criterion) {
    let points = sample_series(1_000_000);
    let (x0, x1) = (points[0][0], points[points.len() - 1][0]);
    let mut out = Vec::new();
    let mut group = c.benchmark_group("plot");
    group.bench_function("draw_data_1m_points_2000px", |b| {
        b.iter(|| black_box(reduce(&points, x0, x1, 2000, &mut out)))
    });
    group.bench_function("draw_data_1m_points_last_10pct", |b| {
        let from = x1 - (x1 - x0) / 10.0;
        b.iter(|| black_box(reduce(&points, from, x1, 2000, &mut out)))
    });
    group.finish();
}

criterion_group!(benches, draw_data);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
