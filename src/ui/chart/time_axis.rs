//! The chart's time axis: local clock times, grid lines on whole clock steps and their
//! labels.

use std::ops::RangeInclusive;

use egui_plot::{GridInput, GridMark};

use crate::ui::inspector::format_local;

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
/// not too dense, stronger ones at a coarser step.
pub(super) fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let offset = f64::from(chrono::Local::now().offset().local_minus_utc());
    let fine = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= input.base_step_size)
        .unwrap_or_else(|| (input.base_step_size / 86400.0).ceil() * 86400.0);
    let coarse = TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= fine * 4.0)
        .unwrap_or(fine * 5.0);
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
