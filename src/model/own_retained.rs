//! Retained messages this client published, recognised when the broker sends them back:
//! an MQTT 3.1.1 broker (or a 5 one without retain-as-published) delivers a live publish
//! with the retain flag cleared, although it keeps the message retained.

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Publishes awaiting their echo, at most; older ones are forgotten first.
const MAX_EXPECTED: usize = 256;

/// Our retained publishes whose echo has not come yet.
#[derive(Debug, Default)]
pub struct OwnRetained {
    expected: VecDeque<(String, u64)>,
}

fn digest(payload: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    payload.hash(&mut h);
    h.finish()
}

impl OwnRetained {
    /// Notes a retained publish of `payload` to `topic` (an empty one clears: not noted).
    pub fn expect(&mut self, topic: &str, payload: &[u8]) {
        if payload.is_empty() {
            return;
        }
        if self.expected.len() == MAX_EXPECTED {
            self.expected.pop_front();
        }
        self.expected.push_back((topic.to_owned(), digest(payload)));
    }

    /// Whether a message on `topic` with `payload` is the echo of one of ours (then it is
    /// no longer awaited).
    pub fn take(&mut self, topic: &str, payload: &[u8]) -> bool {
        if self.expected.is_empty() {
            return false;
        }
        let d = digest(payload);
        match self
            .expected
            .iter()
            .position(|(t, h)| *h == d && t == topic)
        {
            Some(i) => {
                self.expected.remove(i);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echo_is_recognised_once_and_only_on_its_topic() {
        let mut own = OwnRetained::default();
        own.expect("test/hello", b"hi");
        assert!(!own.take("test/other", b"hi"));
        assert!(!own.take("test/hello", b"bye"));
        assert!(own.take("test/hello", b"hi"));
        assert!(!own.take("test/hello", b"hi"), "taken once");
        own.expect("test/hello", b"");
        assert!(!own.take("test/hello", b""), "a clear is not retained");
    }

    #[test]
    fn the_oldest_are_forgotten_past_the_limit() {
        let mut own = OwnRetained::default();
        for i in 0..=MAX_EXPECTED {
            own.expect(&format!("t/{i}"), b"x");
        }
        assert!(!own.take("t/0", b"x"));
        assert!(own.take(&format!("t/{MAX_EXPECTED}"), b"x"));
    }
}
