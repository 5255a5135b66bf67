//! The chart reduction: the points of a time window cut to about two a pixel column
//! (each column's minimum and maximum), so drawing a million points costs as little as
//! drawing a few thousand; and the window's statistics.

use std::collections::VecDeque;

/// Last, minimum, maximum and mean of the points inside a time window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowStats {
    pub count: usize,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Index range of the points with `x0 <= time <= x1`.
pub(crate) fn window(points: &VecDeque<[f64; 2]>, x0: f64, x1: f64) -> (usize, usize) {
    (
        points.partition_point(|p| p[0] < x0),
        points.partition_point(|p| p[0] <= x1),
    )
}

/// Builds what a chart draws of `points` between times `x0` and `x1` at `buckets`
/// horizontal pixels: when there are more than two points per pixel, each pixel column
/// keeps its minimum and its maximum (in the order they came), so every peak and dip
/// stays visible; one point either side of the window is added so the line reaches the
/// edges. `out` is cleared first. Returns the statistics of the points inside the window.
pub fn reduce(
    points: &VecDeque<[f64; 2]>,
    x0: f64,
    x1: f64,
    buckets: usize,
    out: &mut Vec<[f64; 2]>,
) -> Option<WindowStats> {
    out.clear();
    let (lo, hi) = window(points, x0, x1);
    if lo > 0 {
        out.push(points[lo - 1]);
    }
    let stats = if hi <= lo {
        None
    } else if hi - lo <= 2 * buckets.max(1) {
        let mut acc = Acc::new();
        for p in points.range(lo..hi) {
            acc.add(p[1]);
            out.push(*p);
        }
        Some(acc.finish(points[hi - 1][1], hi - lo))
    } else {
        Some(reduce_min_max(points, lo, hi, x0, x1, buckets, out))
    };
    if hi < points.len() {
        out.push(points[hi]);
    }
    stats
}

/// Running min/max/sum.
struct Acc {
    min: f64,
    max: f64,
    sum: f64,
}

impl Acc {
    fn new() -> Self {
        Self {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    fn add(&mut self, v: f64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
    }

    fn finish(&self, last: f64, count: usize) -> WindowStats {
        WindowStats {
            count,
            last,
            min: self.min,
            max: self.max,
            mean: self.sum / count as f64,
        }
    }
}

fn reduce_min_max(
    points: &VecDeque<[f64; 2]>,
    lo: usize,
    hi: usize,
    x0: f64,
    x1: f64,
    buckets: usize,
    out: &mut Vec<[f64; 2]>,
) -> WindowStats {
    let scale = buckets as f64 / (x1 - x0).max(f64::MIN_POSITIVE);
    let last_bucket = buckets - 1;
    let mut acc = Acc::new();
    let mut bucket = usize::MAX;
    // Current column: its minimum and maximum points and their order.
    let (mut min_p, mut max_p) = ([0.0; 2], [0.0; 2]);
    let (mut min_i, mut max_i) = (0usize, 0usize);
    let flush = |out: &mut Vec<[f64; 2]>, min_p, max_p, min_i: usize, max_i: usize| {
        if min_i == max_i {
            out.push(min_p);
        } else if min_i < max_i {
            out.push(min_p);
            out.push(max_p);
        } else {
            out.push(max_p);
            out.push(min_p);
        }
    };
    let (a, b) = points.as_slices();
    let slices = if lo < a.len() {
        [&a[lo..hi.min(a.len())], &b[..hi.saturating_sub(a.len())]]
    } else {
        [&b[lo - a.len()..hi - a.len()], &b[..0]]
    };
    for (i, p) in slices.into_iter().flatten().enumerate() {
        let v = p[1];
        acc.add(v);
        let col = (((p[0] - x0) * scale) as usize).min(last_bucket);
        if col != bucket {
            if bucket != usize::MAX {
                flush(out, min_p, max_p, min_i, max_i);
            }
            bucket = col;
            (min_p, max_p, min_i, max_i) = (*p, *p, i, i);
        } else if v < min_p[1] {
            (min_p, min_i) = (*p, i);
        } else if v > max_p[1] {
            (max_p, max_i) = (*p, i);
        }
    }
    if bucket != usize::MAX {
        flush(out, min_p, max_p, min_i, max_i);
    }
    acc.finish(points[hi - 1][1], hi - lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reduction_keeps_every_extreme_of_every_column() {
        // A ring that has wrapped, so the points sit in two slices.
        let mut points = VecDeque::with_capacity(200_000);
        points.extend(crate::testkit::sample_series(200_000));
        while points.as_slices().1.len() < 1000 {
            let p = points.pop_front().unwrap();
            let t = points.back().unwrap()[0] + 0.1;
            points.push_back([t, p[1]]);
        }
        let (x0, x1, px) = (1_700_000_500.0, 1_700_019_000.0, 700);
        let mut out = Vec::new();
        let stats = reduce(&points, x0, x1, px, &mut out).unwrap();
        assert!(out.len() <= 2 * px + 2, "{} points", out.len());
        // Column by column, the minimum and maximum are in the output.
        let scale = px as f64 / (x1 - x0);
        let mut cols: HashMap<usize, (f64, f64)> = HashMap::new();
        let inside: Vec<[f64; 2]> = points
            .iter()
            .copied()
            .filter(|p| p[0] >= x0 && p[0] <= x1)
            .collect();
        for p in &inside {
            let c = (((p[0] - x0) * scale) as usize).min(px - 1);
            let e = cols.entry(c).or_insert((p[1], p[1]));
            e.0 = e.0.min(p[1]);
            e.1 = e.1.max(p[1]);
        }
        for (c, (lo, hi)) in cols {
            let kept = |v: f64| {
                out.iter().any(|p| {
                    p[1] == v && (((p[0] - x0) * scale).max(0.0) as usize).min(px - 1) == c
                })
            };
            assert!(kept(lo) && kept(hi), "column {c} lost an extreme");
        }
        // Sorted by time, edges included, statistics over the window.
        assert!(out.windows(2).all(|w| w[0][0] <= w[1][0]));
        assert!(out[0][0] < x0 && out[out.len() - 1][0] > x1);
        assert_eq!(stats.count, inside.len());
        let min = inside.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        let max = inside
            .iter()
            .map(|p| p[1])
            .fold(f64::NEG_INFINITY, f64::max);
        let mean = inside.iter().map(|p| p[1]).sum::<f64>() / inside.len() as f64;
        assert_eq!((stats.min, stats.max), (min, max));
        assert!((stats.mean - mean).abs() < 1e-9);
        assert_eq!(stats.last, inside[inside.len() - 1][1]);
    }

    #[test]
    fn few_points_pass_through_unchanged() {
        let points: VecDeque<[f64; 2]> = (0..10).map(|i| [i as f64, i as f64 * 2.0]).collect();
        let mut out = Vec::new();
        let stats = reduce(&points, 2.0, 5.0, 100, &mut out).unwrap();
        assert_eq!(out.len(), 6, "4 inside and one either side");
        assert_eq!((stats.min, stats.max, stats.last), (4.0, 10.0, 10.0));
        assert!(reduce(&points, 20.0, 30.0, 100, &mut out).is_none());
        assert_eq!(out, [[9.0, 18.0]]);
    }
}
