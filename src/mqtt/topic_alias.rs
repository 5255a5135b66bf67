//! Topic aliases (MQTT 5) for what this client publishes: within the maximum the broker's
//! CONNACK allows, a topic published again gets an alias, sent with the topic once and
//! alone (an empty topic) after that; the least recently used alias is rebound when all
//! are taken. An alias asked for by the user is checked against the maximum and bound
//! the same way. Aliases belong to one network connection: each CONNACK starts afresh.

use std::collections::{BTreeMap, HashMap, HashSet};

/// Topics seen once (waiting for a second publish to earn an alias) kept at most.
const SEEN_ONCE: usize = 4096;

/// How one publish uses an alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AliasUse {
    pub alias: u16,
    /// The topic goes with the alias (binding it); otherwise the topic is left empty.
    pub with_topic: bool,
}

/// A topic alias the broker does not allow, in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    #[error("the broker takes no topic aliases (its CONNACK allows none)")]
    NoneAllowed,
    #[error("topic alias {asked} is outside the broker's 1..={max}")]
    OutOfRange { asked: u16, max: u16 },
}

/// The aliases of one connection.
#[derive(Debug, Default)]
pub(super) struct TopicAliases {
    /// Topic Alias Maximum from the CONNACK (0 while there is no connection).
    max: u16,
    /// Whether repeated topics get aliases without being asked.
    auto: bool,
    by_topic: HashMap<String, u16>,
    /// Alias → its topic and when it was last used.
    by_alias: HashMap<u16, (String, u64)>,
    /// Last use → alias, for the least recently used.
    order: BTreeMap<u64, u16>,
    seen_once: HashSet<String>,
    tick: u64,
}

impl TopicAliases {
    /// A new connection with the broker's maximum (0: none): every binding is gone.
    pub(super) fn reset(&mut self, max: u16, auto: bool) {
        *self = Self {
            max,
            auto,
            ..Self::default()
        };
    }

    /// The alias publish to `topic` uses, if any; `asked` is an alias the user set.
    pub(super) fn assign(
        &mut self,
        topic: &str,
        asked: Option<u16>,
    ) -> Result<Option<AliasUse>, AliasError> {
        if let Some(asked) = asked {
            if self.max == 0 {
                return Err(AliasError::NoneAllowed);
            }
            if asked == 0 || asked > self.max {
                return Err(AliasError::OutOfRange {
                    asked,
                    max: self.max,
                });
            }
            return Ok(Some(self.bind(topic, asked)));
        }
        if self.max == 0 || !self.auto || topic.is_empty() {
            return Ok(None);
        }
        if let Some(&alias) = self.by_topic.get(topic) {
            return Ok(Some(self.bind(topic, alias)));
        }
        if !self.seen_once.remove(topic) {
            if self.seen_once.len() >= SEEN_ONCE {
                self.seen_once.clear();
            }
            self.seen_once.insert(topic.to_string());
            return Ok(None);
        }
        let alias = if self.by_alias.len() < usize::from(self.max) {
            // A free one: the next in line, or a gap left by a rebinding.
            let next = u16::try_from(self.by_alias.len() + 1).unwrap_or(self.max);
            if self.by_alias.contains_key(&next) {
                (1..=self.max).find(|a| !self.by_alias.contains_key(a))
            } else {
                Some(next)
            }
        } else {
            // All taken: the least recently used one.
            self.order.first_key_value().map(|(_, &a)| a)
        };
        let Some(alias) = alias else {
            return Ok(None);
        };
        Ok(Some(self.bind(topic, alias)))
    }

    /// Uses `alias` for `topic`, binding it first when it stands for something else.
    fn bind(&mut self, topic: &str, alias: u16) -> AliasUse {
        self.tick += 1;
        let with_topic = match self.by_alias.get(&alias) {
            Some((bound, _)) => bound != topic,
            None => true,
        };
        if let Some((old, used)) = self.by_alias.remove(&alias) {
            self.order.remove(&used);
            if old != topic {
                self.by_topic.remove(&old);
            }
        }
        if with_topic && let Some(previous) = self.by_topic.insert(topic.to_string(), alias) {
            // The topic moves to the asked alias; its old one is free.
            if previous != alias
                && let Some((_, used)) = self.by_alias.remove(&previous)
            {
                self.order.remove(&used);
            }
        }
        self.by_alias.insert(alias, (topic.to_string(), self.tick));
        self.order.insert(self.tick, alias);
        AliasUse { alias, with_topic }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(max: u16) -> TopicAliases {
        let mut a = TopicAliases::default();
        a.reset(max, true);
        a
    }

    fn use_(alias: u16, with_topic: bool) -> Option<AliasUse> {
        Some(AliasUse { alias, with_topic })
    }

    #[test]
    fn a_repeated_topic_gets_an_alias_sent_with_it_once() {
        let mut a = aliases(10);
        assert_eq!(a.assign("t/1", None), Ok(None), "once: no alias");
        assert_eq!(a.assign("t/1", None), Ok(use_(1, true)));
        assert_eq!(a.assign("t/1", None), Ok(use_(1, false)));
        assert_eq!(a.assign("t/2", None), Ok(None));
        assert_eq!(a.assign("t/2", None), Ok(use_(2, true)));
        assert_eq!(a.assign("t/1", None), Ok(use_(1, false)));
    }

    #[test]
    fn none_without_a_maximum_and_none_after_a_reset_until_earned_again() {
        let mut a = aliases(0);
        for _ in 0..3 {
            assert_eq!(a.assign("t", None), Ok(None));
        }
        assert_eq!(a.assign("t", Some(1)), Err(AliasError::NoneAllowed));
        let mut a = aliases(5);
        a.assign("t", None).ok();
        assert_eq!(a.assign("t", None), Ok(use_(1, true)));
        a.reset(5, true);
        assert_eq!(
            a.assign("t", None),
            Ok(None),
            "a new connection knows no alias"
        );
    }

    #[test]
    fn the_least_recently_used_alias_is_rebound_when_all_are_taken() {
        let mut a = aliases(2);
        for t in ["a", "a", "b", "b"] {
            a.assign(t, None).ok();
        }
        assert_eq!(a.assign("a", None), Ok(use_(1, false)), "a used last");
        a.assign("c", None).ok();
        assert_eq!(
            a.assign("c", None),
            Ok(use_(2, true)),
            "b's alias, b least recent"
        );
        assert_eq!(a.assign("b", None), Ok(None), "b lost its alias");
        assert_eq!(a.assign("a", None), Ok(use_(1, false)));
        let mut seen = std::collections::HashSet::new();
        for i in 0..100 {
            let t = format!("t/{}", i % 7);
            if let Ok(Some(u)) = a.assign(&t, None) {
                assert!((1..=2).contains(&u.alias), "within the maximum");
                seen.insert(u.alias);
            }
        }
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn an_asked_alias_is_checked_and_rebinds() {
        let mut a = aliases(3);
        assert_eq!(
            a.assign("t", Some(4)),
            Err(AliasError::OutOfRange { asked: 4, max: 3 })
        );
        assert!(a.assign("t", Some(0)).is_err());
        assert_eq!(a.assign("t", Some(3)), Ok(use_(3, true)));
        assert_eq!(a.assign("t", Some(3)), Ok(use_(3, false)));
        assert_eq!(a.assign("t", None), Ok(use_(3, false)), "auto reuses it");
        assert_eq!(a.assign("u", Some(3)), Ok(use_(3, true)), "rebound to u");
        assert_eq!(a.assign("t", None), Ok(None), "t has none now (seen once)");
        assert_eq!(a.assign("t", None), Ok(use_(2, true)));
        assert_eq!(a.assign("t", Some(1)), Ok(use_(1, true)), "moved to 1");
        a.assign("v", None).ok();
        assert_eq!(
            a.assign("v", None),
            Ok(use_(2, true)),
            "2 was freed by the move"
        );
    }

    #[test]
    fn auto_off_uses_only_asked_aliases() {
        let mut a = TopicAliases::default();
        a.reset(5, false);
        for _ in 0..3 {
            assert_eq!(a.assign("t", None), Ok(None));
        }
        assert_eq!(a.assign("t", Some(2)), Ok(use_(2, true)));
    }
}
