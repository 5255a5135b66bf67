//! Rates over a sliding window of whole seconds.

/// Counts events per second over the last few seconds.
#[derive(Clone, Debug, Default)]
pub struct RateMeter {
    /// `(second, count)` for the most recent seconds, one slot per second modulo the size.
    slots: [(u64, u64); RateMeter::SLOTS],
}

impl RateMeter {
    const SLOTS: usize = 8;
    /// Seconds averaged over; the current, incomplete second is left out.
    const WINDOW: u64 = 3;

    /// Adds `n` events at `now` (seconds on any monotonic clock).
    pub fn add(&mut self, now: f64, n: u64) {
        let sec = now.max(0.0) as u64;
        let slot = &mut self.slots[sec as usize % Self::SLOTS];
        if slot.0 != sec {
            *slot = (sec, 0);
        }
        slot.1 += n;
    }

    /// Events per second over the last complete seconds.
    pub fn rate(&self, now: f64) -> f64 {
        let sec = now.max(0.0) as u64;
        let total: u64 = (1..=Self::WINDOW)
            .filter_map(|back| sec.checked_sub(back))
            .map(|s| self.slots[s as usize % Self::SLOTS])
            .filter(|(at, _)| {
                sec.checked_sub(*at)
                    .is_some_and(|d| (1..=Self::WINDOW).contains(&d))
            })
            .map(|(_, n)| n)
            .sum();
        total as f64 / Self::WINDOW as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_over_complete_seconds() {
        let mut m = RateMeter::default();
        for s in 10..14 {
            m.add(s as f64 + 0.5, 30);
        }
        // At 14.2 the seconds 11, 12 and 13 are complete: 90 events in 3 s.
        assert_eq!(m.rate(14.2), 30.0);
        // Ten seconds later nothing is left in the window.
        assert_eq!(m.rate(24.2), 0.0);
    }
}
