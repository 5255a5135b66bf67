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

/// The messages of one topic, oldest first.
#[derive(Debug, Default)]
pub struct TopicHistory {
    entries: VecDeque<Message>,
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
    pub fn entries(&self) -> &VecDeque<Message> {
        &self.entries
    }

    pub fn latest(&self) -> Option<&Message> {
        self.entries.back()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Sequence number of the oldest entry kept; entries are numbered consecutively.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// The entry with sequence number `seq`, if still kept.
    pub fn entry(&self, seq: u64) -> Option<&Message> {
        seq.checked_sub(self.first_seq)
            .and_then(|i| self.entries.get(i as usize))
    }

    /// Appends `message` and returns its sequence number.
    pub(crate) fn push(&mut self, message: Message) -> u64 {
        self.bytes += message.cost();
        if self.entries.capacity() == 0 {
            // Most topics of a large broker only ever hold one message: room for one, not
            // the four a first push would reserve.
            self.entries.reserve_exact(1);
        }
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
