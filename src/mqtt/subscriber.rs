//! The subscriptions of one connection, shared by its poll loop (which subscribes after
//! every CONNACK and reads the SUBACKs) and the supervisor (which changes them while
//! connected with SUBSCRIBE and UNSUBSCRIBE): what is asked for, which SUBACKs are due
//! for which filters, and the broker's answer to each.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use super::convert::Reason;
use super::event::SubscriptionResult;
use super::publisher::Client;
use super::settings::Subscription;
use crate::model::QoS;

/// The shared state; cheap to clone.
#[derive(Clone, Default)]
pub(super) struct Subscriptions(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    current: Vec<Subscription>,
    /// The broker takes subscription identifiers (MQTT 5, not refused in its CONNACK).
    takes_ids: bool,
    /// The filters of each SUBSCRIBE sent and not yet answered, oldest first.
    due: VecDeque<Vec<String>>,
    answers: HashMap<String, Result<QoS, Reason>>,
}

/// `subs` with identifiers made explicit: numbered ones get their place from 1.
fn explicit(mut subs: Vec<Subscription>, numbered: bool) -> Vec<Subscription> {
    if numbered {
        for (place, s) in subs.iter_mut().enumerate() {
            s.id = s.id.or(Some(place as u32 + 1));
        }
    }
    subs
}

impl Subscriptions {
    pub fn new(subs: Vec<Subscription>, numbered: bool) -> Self {
        let s = Self::default();
        s.lock().current = explicit(subs, numbered);
        s
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding it leaves plain data: still usable.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// After a CONNACK: forgets the answers and what was due, and returns the list to
    /// subscribe to and whether identifiers go with it (`takes_ids`: the broker's word).
    pub fn reconnected(&self, takes_ids: bool) -> (Vec<Subscription>, bool) {
        let mut i = self.lock();
        i.answers.clear();
        i.due.clear();
        i.takes_ids = takes_ids;
        let ids = takes_ids && i.current.iter().any(|s| s.id.is_some());
        (i.current.clone(), ids)
    }

    /// Notes SUBSCRIBEs sent for `subs`: one for all, or one each with identifiers.
    pub fn sent(&self, subs: &[Subscription], ids: bool) {
        let filters = subs.iter().map(|s| s.filter.clone());
        let mut i = self.lock();
        if ids {
            i.due.extend(filters.map(|f| vec![f]));
        } else if !subs.is_empty() {
            i.due.push_back(filters.collect());
        }
    }

    /// A SUBACK: its answers go to the oldest SUBSCRIBE due. Returns whether none is due
    /// any more.
    pub fn answered(&self, granted: Vec<Result<QoS, Reason>>) -> bool {
        let mut i = self.lock();
        if let Some(filters) = i.due.pop_front() {
            for (filter, answer) in filters.into_iter().zip(granted) {
                i.answers.insert(filter, answer);
            }
        }
        i.due.is_empty()
    }

    /// Each current subscription the broker has answered, with its answer, in order.
    pub fn results(&self) -> Vec<SubscriptionResult> {
        let i = self.lock();
        i.current
            .iter()
            .filter_map(|s| {
                let granted = *i.answers.get(&s.filter)?;
                Some(SubscriptionResult {
                    filter: s.filter.clone(),
                    granted,
                })
            })
            .collect()
    }

    /// Changes the subscriptions to `new`. On a live connection (`client`) the filters
    /// gone are unsubscribed and the new or changed ones subscribed, at once; otherwise
    /// the next CONNACK subscribes to the new list.
    pub fn change(
        &self,
        new: Vec<Subscription>,
        numbered: bool,
        client: Option<&Client>,
    ) -> Result<(), String> {
        let new = explicit(new, numbered);
        let mut i = self.lock();
        let old = std::mem::replace(&mut i.current, new.clone());
        let Some(client) = client else {
            return Ok(());
        };
        let gone: Vec<String> = old
            .iter()
            .filter(|o| !new.iter().any(|n| n.filter == o.filter))
            .map(|o| o.filter.clone())
            .collect();
        let changed: Vec<Subscription> = new.into_iter().filter(|n| !old.contains(n)).collect();
        for filter in &gone {
            i.answers.remove(filter);
        }
        // Identifiers only where the broker takes them (never on 3.1.1).
        let ids = i.takes_ids && changed.iter().any(|s| s.id.is_some());
        drop(i);
        client.unsubscribe(&gone)?;
        if !changed.is_empty() {
            client.subscribe(&changed, ids)?;
            self.sent(&changed, ids);
        }
        Ok(())
    }
}

impl Client {
    /// Sends the subscriptions: one SUBSCRIBE for all, or (MQTT 5, `ids`) one each with
    /// its identifier (set, or its place in `subs` from 1). A 3.1.1 connection sends the
    /// filter and QoS only.
    pub(super) fn subscribe(&self, subs: &[Subscription], ids: bool) -> Result<(), String> {
        use rumqttc::v5::mqttbytes::v5::SubscribeProperties;
        match self {
            Self::V311(c) => {
                let filters = subs.iter().map(|s| {
                    rumqttc::SubscribeFilter::new(s.filter.clone(), super::convert::v311_qos(s.qos))
                });
                c.try_subscribe_many(filters).map_err(|e| e.to_string())
            }
            Self::V5(c) if !ids => c
                .try_subscribe_many(subs.iter().map(v5_filter))
                .map_err(|e| e.to_string()),
            Self::V5(c) => {
                for (place, s) in subs.iter().enumerate() {
                    let properties = SubscribeProperties {
                        id: Some(s.id.map_or(place + 1, |id| id as usize)),
                        user_properties: Vec::new(),
                    };
                    c.try_subscribe_many_with_properties([v5_filter(s)], properties)
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            }
        }
    }

    /// UNSUBSCRIBE from each filter.
    pub(super) fn unsubscribe(&self, filters: &[String]) -> Result<(), String> {
        for f in filters {
            match self {
                Self::V311(c) => c.try_unsubscribe(f.clone()).map_err(|e| e.to_string()),
                Self::V5(c) => c.try_unsubscribe(f.clone()).map_err(|e| e.to_string()),
            }?;
        }
        Ok(())
    }
}

/// A subscription with its MQTT 5 options, as rumqttc sends it.
fn v5_filter(s: &Subscription) -> rumqttc::v5::mqttbytes::v5::Filter {
    use super::settings::RetainHandling;
    use rumqttc::v5::mqttbytes::v5::{Filter, RetainForwardRule};
    let mut filter = Filter::new(s.filter.clone(), super::convert::v5_qos(s.qos));
    filter.nolocal = s.no_local;
    filter.preserve_retain = s.retain_as_published;
    filter.retain_forward_rule = match s.retain_handling {
        RetainHandling::Send => RetainForwardRule::OnEverySubscribe,
        RetainHandling::IfNew => RetainForwardRule::OnNewSubscribe,
        RetainHandling::Never => RetainForwardRule::Never,
    };
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_to_the_filters_of_their_subscribe() {
        let subs = Subscriptions::new(
            vec![
                Subscription::new("a/#", QoS::AtLeastOnce),
                Subscription::new("b/#", QoS::AtMostOnce),
            ],
            true,
        );
        let (list, ids) = subs.reconnected(true);
        assert!(ids);
        assert_eq!(list[1].id, Some(2), "numbered by place");
        subs.sent(&list, ids);
        assert!(
            !subs.answered(vec![Ok(QoS::AtLeastOnce)]),
            "one SUBACK still due"
        );
        assert_eq!(subs.results().len(), 1);
        assert!(subs.answered(vec![Err(Reason {
            code: 0x87,
            words: "not authorized",
        })]));
        let results = subs.results();
        assert_eq!(results[1].filter, "b/#");
        assert!(results[1].granted.is_err());
        // A broker that takes no identifiers gets one SUBSCRIBE for all.
        let (list, ids) = subs.reconnected(false);
        assert!(!ids && subs.results().is_empty());
        subs.sent(&list, ids);
        assert!(subs.answered(vec![Ok(QoS::AtMostOnce), Ok(QoS::AtMostOnce)]));
        assert_eq!(subs.results().len(), 2);
    }
}
