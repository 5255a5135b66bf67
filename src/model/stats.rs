//! Rates over a sliding window of whole seconds: all messages, and each topic's (for the
//! inspector's msg/s and the "top talkers" list).

use std::collections::HashMap;

use super::topic_tree::NodeId;

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

/// Messages per second of each topic over the last [`TopicRates::SECONDS`] complete
/// seconds. Only topics that spoke in that time are held, and at most
/// [`TopicRates::MAX_TOPICS`] a second (more are counted together as untracked), so a
/// million quiet topics cost nothing and a flood cannot grow it without bound.
#[derive(Clone, Debug, Default)]
pub struct TopicRates {
    /// The second being counted, and its counts.
    current: (u64, HashMap<NodeId, u32>),
    /// The complete seconds before it, newest first: `(second, counts)`.
    past: std::collections::VecDeque<(u64, HashMap<NodeId, u32>)>,
    /// Messages per topic over `past`, kept as seconds come and go.
    sums: HashMap<NodeId, u32>,
    /// Topics by rate, highest first, as of the last complete second.
    top: Vec<(NodeId, f64)>,
    /// Messages of topics past the per-second limit, over the window.
    untracked: u64,
    untracked_now: u64,
    /// The second counting began in (itself incomplete), when known: rates are shown once
    /// the whole window after it has been counted.
    since: Option<u64>,
    /// All tracked topics together over the window, in msg/s (what the rows add up to).
    total: f64,
}

impl TopicRates {
    /// Counting from `now` (seconds on the store's clock) on.
    pub fn starting(now: f64) -> Self {
        Self {
            since: Some(now.max(0.0) as u64),
            ..Self::default()
        }
    }

    /// Seconds until the first full window has been counted (0: the rates are real).
    pub fn measuring_for(&self, now: f64) -> u64 {
        let sec = now.max(0.0) as u64;
        self.since
            .map_or(0, |since| (since + Self::SECONDS + 1).saturating_sub(sec))
    }

    /// All tracked topics together, over the same window as the rows.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Seconds averaged over.
    pub const SECONDS: u64 = 5;
    /// Topics counted per second at most.
    pub const MAX_TOPICS: usize = 50_000;
    /// Topics kept in the top list.
    pub const TOP: usize = 50;

    /// Counts one message of `id` at `now` (seconds on a monotonic clock).
    pub fn add(&mut self, id: NodeId, now: f64) {
        let sec = now.max(0.0) as u64;
        if sec != self.current.0 {
            self.roll(sec);
        }
        let counts = &mut self.current.1;
        if let Some(n) = counts.get_mut(&id) {
            *n += 1;
        } else if counts.len() < Self::MAX_TOPICS {
            counts.insert(id, 1);
        } else {
            self.untracked_now += 1;
        }
    }

    /// Moves on to second `sec`: the current second joins the past ones, and the top list
    /// is worked out again (once a second, over the topics that spoke).
    fn roll(&mut self, sec: u64) {
        let (was, counts) = std::mem::replace(&mut self.current, (sec, HashMap::new()));
        // Only the second that ends and those that leave the window are walked.
        for (&id, &n) in &counts {
            *self.sums.entry(id).or_default() += n;
        }
        if !counts.is_empty() {
            self.past.push_front((was, counts));
        }
        while let Some((s, _)) = self.past.back() {
            if sec.saturating_sub(*s) <= Self::SECONDS {
                break;
            }
            let Some((_, gone)) = self.past.pop_back() else {
                break;
            };
            for (id, n) in gone {
                if let Some(sum) = self.sums.get_mut(&id) {
                    *sum = sum.saturating_sub(n);
                    if *sum == 0 {
                        self.sums.remove(&id);
                    }
                }
            }
        }
        self.untracked = std::mem::take(&mut self.untracked_now);
        self.total = f64::from(self.sums.values().sum::<u32>()) / Self::SECONDS as f64;
        let mut top: Vec<(NodeId, f64)> = self
            .sums
            .iter()
            .map(|(&id, &n)| (id, f64::from(n) / Self::SECONDS as f64))
            .collect();
        let by_rate =
            |a: &(NodeId, f64), b: &(NodeId, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if top.len() > Self::TOP {
            top.select_nth_unstable_by(Self::TOP, by_rate);
            top.truncate(Self::TOP);
        }
        top.sort_by(by_rate);
        self.top = top;
    }

    /// The busiest topics (rate in msg/s), as of the last second that ended while messages
    /// came; empty while the first window is being counted, and once it has passed with
    /// nothing new.
    pub fn top(&self, now: f64) -> &[(NodeId, f64)] {
        let sec = now.max(0.0) as u64;
        if self.measuring_for(now) > 0 || sec.saturating_sub(self.current.0) > Self::SECONDS {
            return &[];
        }
        &self.top
    }

    /// Messages of the last second past the per-second topic limit (not in any rate).
    pub fn untracked(&self) -> u64 {
        self.untracked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_rates_and_the_top_list() {
        let mut r = TopicRates::default();
        let (a, b, c) = (
            NodeId::from_index(1),
            NodeId::from_index(2),
            NodeId::from_index(3),
        );
        for s in 0..5u64 {
            for k in 0..100 {
                r.add(a, s as f64 + k as f64 / 100.0);
            }
            for k in 0..10 {
                r.add(b, s as f64 + k as f64 / 10.0);
            }
        }
        r.add(c, 5.5);
        // At 5.5 the seconds 0 to 4 are complete; c's second is not, so it is not ranked.
        assert_eq!(r.top(5.5), [(a, 100.0), (b, 10.0)]);
        // At 6.1 second 5 (c's one message) joins and second 0 leaves the window.
        r.add(c, 6.1);
        assert_eq!(r.top(6.1), [(a, 80.0), (b, 8.0), (c, 0.2)]);
        // Long after, nothing is left.
        assert!(r.top(60.0).is_empty());
    }

    #[test]
    fn no_rates_until_a_whole_window_was_counted() {
        // Counting starts at 10.7 (the window just opened), 4 msg/s on one topic.
        let mut r = TopicRates::starting(10.7);
        let a = NodeId::from_index(1);
        let mut t = 10.7;
        while t < 17.0 {
            r.add(a, t);
            if t < 16.0 {
                assert!(r.top(t).is_empty(), "at {t}: {:?}", r.top(t));
                assert!(r.measuring_for(t) > 0);
            }
            t += 0.25;
        }
        // From 16 on, seconds 11 to 15 are whole: 4 msg/s, not 0.8.
        assert_eq!(r.top(16.5), [(a, 4.0)]);
        assert_eq!(r.total(), 4.0, "the rows add up to the header");
    }

    #[test]
    fn a_flood_of_topics_stays_bounded() {
        let mut r = TopicRates::default();
        for i in 0..(TopicRates::MAX_TOPICS + 1000) {
            r.add(NodeId::from_index(i as u32 + 1), 0.5);
        }
        r.add(NodeId::from_index(1), 1.5);
        assert_eq!(r.untracked(), 1000);
        assert_eq!(r.top(1.5).len(), TopicRates::TOP);
    }

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
