//! Per-topic message history: a ring capped by count and by bytes.
//!
//! The global byte budget across all topics is enforced by the store, which keeps the
//! arrival order of every entry; this file only knows one topic.

use std::collections::VecDeque;

use super::message::Message;

/// The limits on what history keeps. Every one is shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HistoryLimits {
    /// Messages kept per topic.
    pub max_per_topic: usize,
    /// Bytes kept per topic (the latest message is kept whatever its size).
    pub max_topic_bytes: usize,
    /// Bytes kept over all topics together; the oldest entries go first, the latest
    /// message of every topic stays.
    pub budget_bytes: usize,
}

impl Default for HistoryLimits {
    fn default() -> Self {
        Self {
            max_per_topic: 1000,
            max_topic_bytes: 64 << 20,
            budget_bytes: 256 << 20,
        }
    }
}

/// A topic's messages, oldest first: one inline (most topics of a large broker never get a
/// second, and a ring of one would cost an allocation of its own), or a ring.
#[derive(Debug, Default)]
enum Entries {
    #[default]
    Empty,
    One(Message),
    Many(VecDeque<Message>),
}

/// An empty ring to borrow from for the iterators of `Empty` and `One`.
static NO_MORE: VecDeque<Message> = VecDeque::new();

impl Entries {
    fn len(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::One(_) => 1,
            Self::Many(d) => d.len(),
        }
    }

    fn get(&self, i: usize) -> Option<&Message> {
        match self {
            Self::Empty => None,
            Self::One(m) => (i == 0).then_some(m),
            Self::Many(d) => d.get(i),
        }
    }

    fn back(&self) -> Option<&Message> {
        match self {
            Self::Empty => None,
            Self::One(m) => Some(m),
            Self::Many(d) => d.back(),
        }
    }

    fn iter(&self) -> Iter<'_> {
        match self {
            Self::Empty => [].iter().chain(NO_MORE.iter()),
            Self::One(m) => std::slice::from_ref(m).iter().chain(NO_MORE.iter()),
            Self::Many(d) => [].iter().chain(d.iter()),
        }
    }

    fn push_back(&mut self, message: Message) {
        match self {
            Self::Empty => *self = Self::One(message),
            Self::One(_) => {
                let Self::One(first) = std::mem::take(self) else {
                    return;
                };
                let mut ring = VecDeque::with_capacity(2);
                ring.push_back(first);
                ring.push_back(message);
                *self = Self::Many(ring);
            }
            Self::Many(ring) => {
                if ring.len() == ring.capacity() {
                    // Grow by half, not double: a full ring wastes at most a third.
                    ring.reserve_exact((ring.len() / 2).max(1));
                }
                ring.push_back(message);
            }
        }
    }

    fn pop_front(&mut self) -> Option<Message> {
        match self {
            Self::Empty => None,
            Self::One(_) => match std::mem::take(self) {
                Self::One(m) => Some(m),
                _ => None,
            },
            Self::Many(ring) => {
                let gone = ring.pop_front();
                if ring.len() == 1 {
                    // Back to one inline message; the ring's memory goes.
                    if let Some(last) = ring.pop_front() {
                        *self = Self::One(last);
                    }
                } else if ring.len() * 3 < ring.capacity() && ring.capacity() > 8 {
                    ring.shrink_to((ring.len() * 3 / 2).max(2));
                }
                gone
            }
        }
    }
}

/// The messages of a topic's history, oldest first.
pub type Iter<'a> =
    std::iter::Chain<std::slice::Iter<'a, Message>, std::collections::vec_deque::Iter<'a, Message>>;

/// The messages of one topic, oldest first.
#[derive(Debug, Default)]
pub struct TopicHistory {
    entries: Entries,
    /// Sequence number of `entries[0]`; entries are numbered consecutively per topic.
    first_seq: u64,
    /// Sum of [`Message::cost`] over `entries`.
    bytes: usize,
    /// The front entry lost its place in the store's arrival order while it was the only
    /// (latest) entry; it is the oldest entry the store has and goes first once newer ones
    /// arrive.
    pub(crate) front_untracked: bool,
}

impl TopicHistory {
    /// Messages kept, oldest first.
    pub fn entries(&self) -> Iter<'_> {
        self.entries.iter()
    }

    pub fn latest(&self) -> Option<&Message> {
        self.entries.back()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Sequence number of the oldest entry kept; entries are numbered consecutively.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// The entry with sequence number `seq`, if still kept.
    /// Messages received at or after `since_us` (microseconds since the epoch), counted
    /// from the newest back; at most the entries kept.
    pub fn count_since(&self, since_us: i64) -> usize {
        let first = self.first_seq();
        let last = first + self.len() as u64;
        (first..last)
            .rev()
            .map_while(|seq| self.entry(seq).filter(|m| m.received_at_us >= since_us))
            .count()
    }

    pub fn entry(&self, seq: u64) -> Option<&Message> {
        seq.checked_sub(self.first_seq)
            .and_then(|i| self.entries.get(i as usize))
    }

    /// Appends `message` and returns its sequence number.
    pub(crate) fn push(&mut self, message: Message) -> u64 {
        self.bytes += message.cost();
        self.entries.push_back(message);
        self.first_seq + self.entries.len() as u64 - 1
    }

    /// Removes the oldest entry unless it is the latest; returns its cost.
    pub(crate) fn pop_oldest(&mut self) -> Option<usize> {
        if self.entries.len() <= 1 {
            return None;
        }
        let gone = self.entries.pop_front()?;
        self.first_seq += 1;
        self.front_untracked = false;
        let cost = gone.cost();
        self.bytes -= cost;
        Some(cost)
    }

    /// Whether entry `seq` is still kept and is not the latest one.
    pub(crate) fn is_evictable(&self, seq: u64) -> bool {
        seq == self.first_seq && self.entries.len() > 1
    }

    /// Whether entry `seq` is still kept.
    pub(crate) fn holds(&self, seq: u64) -> bool {
        seq >= self.first_seq && seq < self.first_seq + self.entries.len() as u64
    }

    /// Whether the ring is over its own count or byte cap.
    pub(crate) fn over(&self, limits: &HistoryLimits) -> bool {
        self.entries.len() > 1
            && (self.entries.len() > limits.max_per_topic.max(1)
                || self.bytes > limits.max_topic_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Payload, QoS};

    fn msg(n: u8) -> Message {
        Message {
            received_at_us: i64::from(n),
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(&[n], 16),
            properties: None,
        }
    }

    #[test]
    fn one_message_inline_then_a_ring_then_one_again() {
        let mut h = TopicHistory::default();
        assert!(h.is_empty() && h.latest().is_none());
        assert_eq!(h.push(msg(0)), 0);
        assert!(
            matches!(h.entries, Entries::One(_)),
            "no ring for one message"
        );
        for n in 1..10 {
            assert_eq!(h.push(msg(n)), u64::from(n));
        }
        assert!(matches!(h.entries, Entries::Many(_)));
        let got: Vec<u8> = h.entries().map(|m| m.payload.bytes()[0]).collect();
        assert_eq!(got, (0..10).collect::<Vec<u8>>());
        assert_eq!(h.entry(3).map(|m| m.received_at_us), Some(3));
        assert_eq!(h.latest().map(|m| m.received_at_us), Some(9));
        let bytes = h.bytes();
        while h.pop_oldest().is_some() {}
        assert_eq!(h.len(), 1, "the latest stays");
        assert!(matches!(h.entries, Entries::One(_)), "the ring was let go");
        assert_eq!(h.first_seq(), 9);
        assert_eq!(h.entry(9).map(|m| m.received_at_us), Some(9));
        assert_eq!(h.bytes(), bytes / 10);
        assert_eq!(h.entries().rev().count(), 1);
    }

    #[test]
    fn recent_messages_are_counted_from_the_newest() {
        let mut h = TopicHistory::default();
        for n in 1..=10 {
            h.push(msg(n));
        }
        assert_eq!(h.count_since(7), 4);
        assert_eq!(h.count_since(0), 10);
        assert_eq!(h.count_since(11), 0);
    }

    #[test]
    fn sizes_stay_small() {
        // Per-topic memory is a benchmark figure (bytes_per_topic); these keep it honest.
        // 56 since a payload keeps what its decoder rule made of it (one pointer).
        assert!(std::mem::size_of::<Message>() <= 56);
        assert!(std::mem::size_of::<Entries>() <= 56);
        assert!(std::mem::size_of::<TopicHistory>() <= 80);
    }
}
