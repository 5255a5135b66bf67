//! "Wait for reply" in the publish panel: MQTT 5 request/response from the window. The
//! request goes with a response topic (the form's, or one of the connection's own) and
//! fresh correlation data; the response topic is subscribed to for as long as the wait
//! lasts when no subscription covers it; the reply that carries the same correlation data
//! is shown with its round-trip time, or "no reply" after [`REPLY_WAIT`].

use std::time::{Duration, Instant};

use super::tab::Tab;
use crate::model::topic_path::matches_filter;
use crate::model::{Incoming, QoS};
use crate::mqtt::{PublishRequest, Subscription, WorkerCommand};
use crate::ui::publish::ReplyState;

/// How long a request waits for its reply.
pub(super) const REPLY_WAIT: Duration = Duration::from_secs(10);

/// The request being waited on.
pub(super) struct PendingReply {
    topic: String,
    correlation: Vec<u8>,
    sent: Instant,
    /// The subscriptions to go back to when the wait ends (when one was added for it).
    restore: Option<Vec<Subscription>>,
}

impl Tab {
    /// Publishes `request` as a request: response topic and correlation data set (the
    /// form's, or made here), the response topic subscribed to if nothing covers it.
    pub(super) fn send_request(&mut self, mut request: PublishRequest) {
        let mut props = request.properties.take().unwrap_or_default();
        let client_id = self
            .settings
            .as_ref()
            .map_or("mqscope", |s| s.client_id.as_str());
        let topic = props
            .response_topic
            .get_or_insert_with(|| format!("mqscope/reply/{client_id}"))
            .clone();
        let correlation = props
            .correlation_data
            .get_or_insert_with(crate::model::message::new_correlation)
            .clone();
        request.properties = Some(props);
        self.end_wait();
        let current = self
            .settings
            .as_ref()
            .map(|s| s.subscriptions.clone())
            .unwrap_or_default();
        let covered = current.iter().any(|s| matches_filter(&s.filter, &topic));
        let restore = (!covered).then(|| current.clone());
        if let (Some(worker), false) = (&self.worker, covered) {
            let mut list = current;
            list.push(Subscription::new(topic.clone(), QoS::AtLeastOnce));
            // Sent before the request, so the broker subscribes before it routes it.
            worker.send(WorkerCommand::Subscriptions {
                list,
                numbered: false,
            });
        }
        self.publish.reply = Some(ReplyState::Waiting {
            topic: topic.clone(),
        });
        self.reply = Some(PendingReply {
            topic,
            correlation,
            sent: Instant::now(),
            restore,
        });
        super::dispatch::publish(self, request);
    }

    /// Looks for the reply in `batch`.
    pub(super) fn watch_reply(&mut self, batch: &[Incoming]) {
        let Some(pending) = &self.reply else { return };
        let found = batch.iter().find(|m| {
            m.topic == pending.topic
                && m.message
                    .properties
                    .as_ref()
                    .and_then(|p| p.correlation_data.as_ref())
                    == Some(&pending.correlation)
        });
        if let Some(m) = found {
            let rtt = pending.sent.elapsed();
            let bytes = m.message.payload.bytes();
            let preview =
                crate::model::payload::visible_text(&bytes[..bytes.len().min(200)]).into_owned();
            self.publish.reply = Some(ReplyState::Got {
                topic: m.topic.clone(),
                rtt_ms: rtt.as_secs_f64() * 1000.0,
                payload: preview,
            });
            self.end_wait();
        }
    }

    /// When a reply still waited for stops being waited for (a frame is due then, to say
    /// so).
    pub(super) fn reply_deadline(&self) -> Option<Instant> {
        self.reply.as_ref().map(|p| p.sent + REPLY_WAIT)
    }

    /// Gives up on a reply that did not come in time.
    pub(super) fn reply_timeout(&mut self) {
        if let Some(p) = &self.reply
            && p.sent.elapsed() > REPLY_WAIT
        {
            self.publish.reply = Some(ReplyState::NoReply {
                topic: p.topic.clone(),
                waited_s: REPLY_WAIT.as_secs(),
            });
            self.end_wait();
        }
    }

    /// Ends a wait: the subscriptions as they were.
    fn end_wait(&mut self) {
        let Some(pending) = self.reply.take() else {
            return;
        };
        if let (Some(list), Some(worker)) = (pending.restore, &self.worker) {
            worker.send(WorkerCommand::Subscriptions {
                list,
                numbered: false,
            });
        }
    }
}
