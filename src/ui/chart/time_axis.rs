//! The chart's time axis: local clock times, grid lines on whole clock steps and their
//! labels.

use std::ops::RangeInclusive;

use egui_plot::{GridInput, GridMark};

use crate::ui::inspector::format_local;
use crate::ui::theme;

/// Local time of `t` (seconds since the epoch) in the given chrono format.
pub(super) fn local_time(t: f64, fmt: &str) -> String {
    format_local((t * 1000.0).round() as i64, fmt).unwrap_or_default()
}

/// Grid steps that read well on a clock, in seconds.
const TIME_STEPS: [f64; 21] = [
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
];

/// Grid marks on whole clock steps (local time): fine lines at the smallest step that is
/// not too dense, stronger, labelled ones at a step far enough apart on screen for
/// egui_plot to paint their labels (a fixed ratio to the fine step lost every label of a
/// one-minute window).
pub(super) fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let offset = f64::from(chrono::Local::now().offset().local_minus_utc());
    let fine = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= input.base_step_size)
        .unwrap_or_else(|| (input.base_step_size / 86400.0).ceil() * 86400.0);
    // egui_plot's base step is the time that the least grid spacing covers.
    let seconds_per_point = input.base_step_size / f64::from(theme::CHART_GRID_MIN_SPACING);
    let label_step = (seconds_per_point * theme::CHART_TIME_LABEL_SPACING).max(fine * 2.0);
    let coarse = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= label_step)
        .unwrap_or_else(|| (label_step / 86400.0).ceil() * 86400.0);
    let mut marks = Vec::new();
    let mut k = ((lo + offset) / fine).ceil();
    while k * fine - offset <= hi && marks.len() < 1000 {
        let local = k * fine;
        let step_size = if (local / coarse).fract().abs() < 1e-9 {
            coarse
        } else {
            fine
        };
        marks.push(GridMark {
            value: local - offset,
            step_size,
        });
        k += 1.0;
    }
    marks
}

/// The label of a grid line: the date, or the time to the precision of its step.
pub(super) fn time_label(mark: GridMark, _range: &RangeInclusive<f64>) -> String {
    let fmt = if mark.step_size >= 86400.0 {
        "%m-%d"
    } else if mark.step_size >= 60.0 {
        "%H:%M"
    } else if mark.step_size >= 1.0 {
        "%H:%M:%S"
    } else {
        "%H:%M:%S%.3f"
    };
    local_time(mark.value, fmt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grid_step_has_a_label() {
        for step in TIME_STEPS.into_iter().chain([0.01, 172_800.0]) {
            let mark = GridMark {
                value: 1_700_000_000.5,
                step_size: step,
            };
            assert!(!time_label(mark, &(0.0..=1.0)).is_empty(), "step {step}");
        }
    }

    /// What egui_plot does with the marks: a label where the mark's step is over 60
    /// points and wider than the text.
    fn labelled(window_s: f64, width_points: f64) -> usize {
        let lo = 1_700_000_003.0;
        let marks = time_grid(GridInput {
            bounds: (lo, lo + window_s),
            base_step_size: window_s / width_points * f64::from(theme::CHART_GRID_MIN_SPACING),
        });
        let points_per_second = width_points / window_s;
        marks
            .iter()
            .filter(|m| m.step_size * points_per_second > 60.0)
            .count()
    }

    #[test]
    fn every_window_keeps_time_labels_at_every_width() {
        for window in [60.0, 600.0, 3600.0, 86_400.0] {
            for width in [250.0, 400.0, 670.0, 1200.0, 1900.0] {
                let n = labelled(window, width);
                assert!(n >= 2, "{window} s over {width} points: {n} labels");
                assert!(
                    n as f64 <= width / 60.0,
                    "{window} s over {width} points: {n} labels crowd"
                );
            }
        }
    }

    #[test]
    fn time_grid_marks_sit_on_clock_steps() {
        let marks = time_grid(GridInput {
            bounds: (1_700_000_003.0, 1_700_000_600.0),
            base_step_size: 7.0,
        });
        assert!(!marks.is_empty());
        let offset = f64::from(chrono::Local::now().offset().local_minus_utc());
        for m in &marks {
            assert!(m.value >= 1_700_000_003.0 && m.value <= 1_700_000_600.0);
            assert_eq!(((m.value + offset) % 10.0).abs(), 0.0, "on a 10 s step");
        }
        assert!(
            marks.iter().any(|m| m.step_size > 10.0),
            "some stronger lines"
        );
    }
}
