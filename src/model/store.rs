//! The store: the topic tree plus every topic's history under one global byte budget.

use std::collections::VecDeque;
use std::time::Instant;

use super::history::{HistoryLimits, TopicHistory};
use super::message::Incoming;
use super::series::{Plots, SeriesSpec};
use super::stats::{RateMeter, TopicRates};
use super::topic_tree::{NodeId, TopicTree};

// Every history entry is charged for its order record (see `Message::cost`).
const _: () = assert!(std::mem::size_of::<(NodeId, u64)>() == super::message::ORDER_RECORD_BYTES);

/// Running totals shown in the status bar.
#[derive(Clone, Debug, Default)]
pub struct StoreStats {
    /// Messages applied since the store was created.
    pub total_messages: u64,
    /// Messages whose payload was cut to the payload cap.
    pub truncated: u64,
    /// History entries removed to stay inside a limit.
    pub evicted: u64,
    /// Messages per second over the last seconds.
    pub rate: RateMeter,
}

/// Everything received, ready for the UI to read.
#[derive(Debug)]
pub struct Store {
    tree: TopicTree,
    limits: HistoryLimits,
    /// Arrival order of history entries over all topics, oldest first, as
    /// `(topic, sequence)`. Entries already dropped by their topic's own cap are skipped
    /// when met and compacted away when they pile up.
    order: VecDeque<(NodeId, u64)>,
    /// Sum of all topics' history bytes.
    history_bytes: usize,
    /// History entries kept over all topics.
    history_entries: usize,
    stats: StoreStats,
    /// Zero of the store clock used for update flashes and rates.
    epoch: Instant,
    /// Topics whose retained message the user is clearing: when the broker echoes the empty
    /// message, the topic leaves the tree instead of recording it.
    clearing: std::collections::HashSet<NodeId>,
    /// Retained messages this client published, whose echo is marked retained.
    own_retained: super::own_retained::OwnRetained,
    /// Plotted series, fed as messages arrive.
    plots: Plots,
    /// Each topic's message rate (for the top talkers), counted only while `track_rates`.
    topic_rates: TopicRates,
    track_rates: bool,
    /// The broker's `$SYS` statistics, as far as they are understood.
    sys: super::sys_stats::SysStats,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(HistoryLimits::default())
    }
}

impl Store {
    pub fn new(limits: HistoryLimits) -> Self {
        Self {
            tree: TopicTree::default(),
            limits,
            order: VecDeque::new(),
            history_bytes: 0,
            history_entries: 0,
            stats: StoreStats::default(),
            epoch: Instant::now(),
            clearing: Default::default(),
            own_retained: Default::default(),
            plots: Plots::default(),
            topic_rates: TopicRates::default(),
            track_rates: false,
            sys: Default::default(),
        }
    }

    pub fn tree(&self) -> &TopicTree {
        &self.tree
    }

    pub fn limits(&self) -> HistoryLimits {
        self.limits
    }

    /// Changes the limits; history over the new ones is trimmed at once (a walk over all
    /// topics: for a user's change of settings, not the per-message path).
    pub fn set_limits(&mut self, limits: HistoryLimits) {
        self.limits = limits;
        for history in self.tree.histories_mut() {
            while history.over(&limits) {
                let Some(gone) = history.pop_oldest() else {
                    break;
                };
                self.history_bytes -= gone;
                self.history_entries -= 1;
                self.stats.evicted += 1;
            }
        }
        self.enforce_budget();
    }

    pub fn stats(&self) -> &StoreStats {
        &self.stats
    }

    /// Bytes held by history over all topics.
    pub fn history_bytes(&self) -> usize {
        self.history_bytes
    }

    /// History entries held over all topics.
    pub fn history_entries(&self) -> usize {
        self.history_entries
    }

    /// Seconds since the store was created: the clock of [`super::Node::updated_at`].
    pub fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    /// Messages per second right now.
    pub fn rate(&self) -> f64 {
        self.stats.rate.rate(self.now())
    }

    /// Files a batch of messages under their topics.
    pub fn apply_batch(&mut self, batch: impl IntoIterator<Item = Incoming>) {
        let now = self.now();
        let mut n = 0;
        for incoming in batch {
            self.apply_at(incoming, now);
            n += 1;
        }
        self.stats.rate.add(now, n);
    }

    /// Files one message under its topic.
    pub fn apply(&mut self, incoming: Incoming) {
        self.apply_batch(std::iter::once(incoming));
    }

    /// The broker's `$SYS` statistics.
    pub fn sys_stats(&self) -> &super::sys_stats::SysStats {
        &self.sys
    }

    /// Forgets the `$SYS` statistics (another broker is connected).
    pub fn clear_sys_stats(&mut self) {
        self.sys.clear();
    }

    /// Counts each topic's messages (for the top talkers) or stops and forgets: it costs a
    /// hash update per message, so it runs only while someone looks.
    pub fn track_topic_rates(&mut self, on: bool) {
        if on != self.track_rates {
            self.track_rates = on;
            self.topic_rates = TopicRates::starting(self.now());
        }
    }

    /// Each topic's message rate, and the busiest topics.
    pub fn topic_rates(&self) -> &TopicRates {
        &self.topic_rates
    }

    pub fn plots(&self) -> &Plots {
        &self.plots
    }

    /// Plots a topic (or a JSON field of it), starting with what its history holds; the
    /// series' index. A series already plotted keeps its points.
    pub fn add_series(&mut self, spec: SeriesSpec) -> Result<usize, String> {
        if let Some(i) = self.plots.series().iter().position(|s| s.spec == spec) {
            return Ok(i);
        }
        let topic = spec.topic.clone();
        let index = self.plots.add(spec)?;
        let history = self
            .tree
            .find(&topic)
            .and_then(|id| self.tree.node(id).history());
        for message in history.into_iter().flat_map(|h| h.entries()) {
            self.plots.observe(&topic, message, Some(index));
        }
        Ok(index)
    }

    pub fn remove_series(&mut self, index: usize) {
        self.plots.remove(index);
    }

    /// Puts values read back from disk before series `index`'s first point; how many.
    pub fn prepend_points(&mut self, index: usize, older: super::series::OlderPoints) -> usize {
        self.plots.prepend(index, older)
    }

    /// Removes every plotted point; the series stay and go on from the next message.
    pub fn clear_plot_points(&mut self) {
        self.plots.clear_points();
    }

    /// Points kept per series; series over it lose their oldest points at once.
    pub fn set_point_cap(&mut self, cap: usize) {
        self.plots.set_cap(cap);
    }

    /// Notes a retained message this client publishes: when the broker delivers it back
    /// without the flag (MQTT 3.1.1 clears it on live messages), it is filed as retained,
    /// which it is at the broker.
    pub fn expect_own_retained(&mut self, topic: &str, payload: &[u8]) {
        self.own_retained.expect(topic, payload);
    }

    /// Marks topics being cleared (see [`Store::apply`]: their empty echo removes them).
    pub fn mark_clearing(&mut self, ids: impl IntoIterator<Item = NodeId>) {
        self.clearing.extend(ids);
    }

    /// Removes a topic and its history from the tree.
    pub fn remove_topic(&mut self, id: NodeId) {
        self.clearing.remove(&id);
        if let Some(history) = self.tree.remove_topic(id) {
            self.history_bytes -= history.bytes();
            self.history_entries -= history.len();
        }
    }

    fn apply_at(&mut self, incoming: Incoming, now: f64) {
        let Incoming { topic, mut message } = incoming;
        if !message.retain
            && !message.payload.is_truncated()
            && self.own_retained.take(&topic, message.payload.bytes())
        {
            message.retain = true;
        }
        if message.payload.bytes().is_empty()
            && !self.clearing.is_empty()
            && let Some(id) = self.tree.find(&topic)
            && self.clearing.contains(&id)
        {
            self.stats.total_messages += 1;
            self.remove_topic(id);
            return;
        }
        self.stats.total_messages += 1;
        if message.payload.is_truncated() {
            self.stats.truncated += 1;
        }
        if !self.plots.is_empty() {
            self.plots.observe(&topic, &message, None);
        }
        if topic.starts_with("$SYS/") {
            self.sys.observe(&topic, message.payload.bytes(), now);
        }
        let retained = message.retain;
        let cost = message.cost();
        let id = self.tree.ensure(&topic);
        if self.track_rates {
            self.topic_rates.add(id, now);
        }
        let node = self.tree.node_mut(id);
        let new_topic = node.history.is_none();
        let history = node.history.get_or_insert_with(Box::default);
        if history.front_untracked {
            // The previous latest entry lost its order record while protected; it is
            // older than everything recorded, so it goes to the front of the order.
            history.front_untracked = false;
            self.order.push_front((id, history.first_seq()));
        }
        let seq = history.push(message);
        self.history_bytes += cost;
        self.history_entries += 1;
        while history.over(&self.limits) {
            match history.pop_oldest() {
                Some(gone) => {
                    self.history_bytes -= gone;
                    self.history_entries -= 1;
                    self.stats.evicted += 1;
                }
                None => break,
            }
        }
        self.order.push_back((id, seq));
        self.tree.count_message(id, new_topic, retained, now);
        self.enforce_budget();
        self.compact_order();
    }

    /// Drops the oldest entries over all topics until the budget holds; every topic keeps
    /// its latest message.
    fn enforce_budget(&mut self) {
        while self.history_bytes > self.limits.budget_bytes {
            let Some((id, seq)) = self.order.pop_front() else {
                break;
            };
            let Some(history) = self.tree.node_mut(id).history.as_deref_mut() else {
                continue;
            };
            if history.is_evictable(seq) {
                if let Some(gone) = history.pop_oldest() {
                    self.history_bytes -= gone;
                    self.history_entries -= 1;
                    self.stats.evicted += 1;
                }
            } else if history.holds(seq) {
                // The topic's only, latest message: it stays, and goes first once a newer
                // message arrives on the topic.
                history.front_untracked = true;
            }
        }
    }

    /// Removes order records of entries their topic already dropped, once they make up
    /// more than a third of the records, so the order never outgrows the history by much.
    fn compact_order(&mut self) {
        if self.order.len() <= 1024 || 2 * self.order.len() <= 3 * self.history_entries {
            return;
        }
        let tree = &self.tree;
        self.order.retain(|&(id, seq)| {
            tree.node(id)
                .history
                .as_deref()
                .is_some_and(|h: &TopicHistory| h.holds(seq))
        });
    }

    /// Order records held (for tests and memory figures).
    pub fn order_len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::{Message, QoS};
    use crate::model::payload::Payload;

    fn msg(topic: &str, payload: &[u8]) -> Incoming {
        Incoming {
            topic: topic.into(),
            message: Message {
                received_at_us: 0,
                qos: QoS::AtMostOnce,
                retain: false,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, usize::MAX),
                properties: None,
            },
        }
    }

    fn cost(payload_len: usize) -> usize {
        msg("x", &vec![0; payload_len]).message.cost()
    }

    #[test]
    fn counts_and_history() {
        let mut s = Store::default();
        s.apply(msg("a/b", b"1"));
        s.apply(msg("a/b", b"2"));
        s.apply(msg("a/c", b"3"));
        let b = s.tree().find("a/b").unwrap();
        let h = s.tree().node(b).history().unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.latest().unwrap().payload.bytes(), b"2");
        assert_eq!(s.stats().total_messages, 3);
        assert_eq!(s.tree().topic_count(), 2);
        assert_eq!(s.history_entries(), 3);
        assert_eq!(s.history_bytes(), 3 * cost(1));
    }

    #[test]
    fn per_topic_count_cap() {
        let mut s = Store::new(HistoryLimits {
            max_per_topic: 3,
            ..Default::default()
        });
        for i in 0..10u8 {
            s.apply(msg("t", &[i]));
        }
        let t = s.tree().find("t").unwrap();
        let h = s.tree().node(t).history().unwrap();
        let kept: Vec<u8> = h.entries().map(|m| m.payload.bytes()[0]).collect();
        assert_eq!(kept, [7, 8, 9]);
        assert_eq!(s.tree().node(t).own_messages(), 10);
        assert_eq!(s.stats().evicted, 7);
        assert_eq!(s.history_bytes(), 3 * cost(1));
    }

    #[test]
    fn per_topic_byte_cap_keeps_the_latest() {
        let limits = HistoryLimits {
            max_topic_bytes: cost(100) * 2,
            ..Default::default()
        };
        let mut s = Store::new(limits);
        for _ in 0..5 {
            s.apply(msg("t", &[1; 100]));
        }
        s.apply(msg("t", &[2; 1000]));
        let t = s.tree().find("t").unwrap();
        let h = s.tree().node(t).history().unwrap();
        assert_eq!(h.len(), 1, "only the latest, oversized message stays");
        assert_eq!(h.latest().unwrap().payload.bytes().len(), 1000);
    }

    #[test]
    fn budget_evicts_oldest_first_and_keeps_every_latest() {
        let budget = cost(10) * 5;
        let mut s = Store::new(HistoryLimits {
            budget_bytes: budget,
            ..Default::default()
        });
        // Old entries on topic a, then many topics with one message each.
        for i in 0..3u8 {
            s.apply(msg("a", &[i; 10]));
        }
        for i in 0..6 {
            s.apply(msg(&format!("t{i}"), &[9; 10]));
        }
        // a's older entries went first; every topic still has its latest message.
        let a = s.tree().find("a").unwrap();
        let ha = s.tree().node(a).history().unwrap();
        assert_eq!(ha.len(), 1);
        assert_eq!(ha.latest().unwrap().payload.bytes()[0], 2);
        for i in 0..6 {
            let t = s.tree().find(&format!("t{i}")).unwrap();
            assert_eq!(s.tree().node(t).history().unwrap().len(), 1);
        }
        // Seven latest messages are over the budget of five: latest messages stay.
        assert_eq!(s.history_entries(), 7);
        // A new message on `a` lets its previous (oldest) entry go first.
        s.apply(msg("a", &[3; 10]));
        let ha = s.tree().node(a).history().unwrap();
        assert_eq!(ha.len(), 1);
        assert_eq!(ha.latest().unwrap().payload.bytes()[0], 3);
        assert_eq!(s.history_entries(), 7);
    }

    #[test]
    fn budget_keeps_recent_history_of_hot_topics() {
        let budget = cost(10) * 20;
        let mut s = Store::new(HistoryLimits {
            budget_bytes: budget,
            ..Default::default()
        });
        for i in 0..100u8 {
            s.apply(msg("hot", &[i; 10]));
        }
        assert!(s.history_bytes() <= budget);
        let hot = s.tree().find("hot").unwrap();
        let h = s.tree().node(hot).history().unwrap();
        assert_eq!(h.len(), 20);
        assert_eq!(h.entries().next().unwrap().payload.bytes()[0], 80);
        assert_eq!(s.stats().evicted, 80);
    }

    #[test]
    fn order_records_do_not_outgrow_history() {
        let mut s = Store::new(HistoryLimits {
            max_per_topic: 2,
            ..Default::default()
        });
        for i in 0..50_000u32 {
            s.apply(msg(&format!("t{}", i % 10), &i.to_le_bytes()));
        }
        assert_eq!(s.history_entries(), 20);
        assert!(s.order_len() <= 2048, "order has {} records", s.order_len());
    }

    #[test]
    fn lowering_limits_trims_at_once() {
        let mut s = Store::default();
        for i in 0..10u8 {
            s.apply(msg("a", &[i; 10]));
            s.apply(msg("b", &[i; 10]));
        }
        s.set_limits(HistoryLimits {
            max_per_topic: 2,
            ..Default::default()
        });
        assert_eq!(s.history_entries(), 4);
        assert_eq!(s.history_bytes(), 4 * cost(10));
        let budget = cost(10) * 2;
        s.set_limits(HistoryLimits {
            max_per_topic: 2,
            budget_bytes: budget,
            ..Default::default()
        });
        assert_eq!(s.history_entries(), 2, "only each topic's latest stays");
    }

    #[test]
    fn the_echo_of_our_own_retained_publish_is_filed_as_retained() {
        let mut s = Store::default();
        s.expect_own_retained("test/hello", b"hi");
        s.apply(msg("test/other", b"hi"));
        s.apply(msg("test/hello", b"hi")); // the live echo, flag cleared by the broker
        let id = s.tree().find("test/hello").unwrap();
        assert!(s.tree().node(id).is_retained());
        assert!(
            s.tree()
                .node(id)
                .history()
                .unwrap()
                .latest()
                .unwrap()
                .retain
        );
        assert!(
            !s.tree()
                .node(s.tree().find("test/other").unwrap())
                .is_retained()
        );
        s.apply(msg("test/hello", b"hi")); // someone else's live message, later
        assert!(!s.tree().node(id).is_retained());
    }

    #[test]
    fn cleared_topics_leave_the_tree_on_their_empty_echo() {
        let mut s = Store::default();
        let mut r = msg("dev/1/config", b"{}");
        r.message.retain = true;
        s.apply(r);
        s.apply(msg("dev/2/state", b"on"));
        let id = s.tree().find("dev/1/config").unwrap();
        s.mark_clearing([id]);
        s.apply(msg("dev/2/state", b"")); // not being cleared: recorded
        s.apply(msg("dev/1/config", b""));
        assert!(s.tree().find("dev/1").is_none());
        assert_eq!(s.tree().topic_count(), 1);
        assert_eq!(s.history_entries(), 2);
        assert_eq!(s.history_bytes(), cost(2) + cost(0));
        assert_eq!(
            s.tree().node(s.tree().find("dev").unwrap()).topics_below(),
            1
        );
    }

    #[test]
    fn truncated_payloads_are_counted() {
        let mut s = Store::default();
        let mut m = msg("t", b"");
        m.message.payload = Payload::decode(&[0; 100], 10);
        s.apply(m);
        assert_eq!(s.stats().truncated, 1);
    }
}
