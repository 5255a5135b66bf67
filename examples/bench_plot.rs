//! `plot_draw_1m_ms` for scripts/bench.sh: the median time to build a chart's draw data
//! for a 1M-point series at 2,000 px, with the same `reduce` the chart calls per frame.

use std::time::Instant;

use mqscope::model::series::reduce;
use mqscope::testkit::sample_series;

fn main() {
    let points = sample_series(1_000_000);
    let (x0, x1) = (points[0][0], points[points.len() - 1][0]);
    let mut out = Vec::new();
    let mut times: Vec<f64> = (0..101)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(reduce(&points, x0, x1, 2000, &mut out));
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    eprintln!(
        "plot: 1,000,000 points -> {} drawn points; min {:.2} ms, median {:.2} ms, max {:.2} ms",
        out.len(),
        times[0],
        times[50],
        times[100]
    );
    println!("plot_draw_1m_ms {:.2}", times[50]);
}
