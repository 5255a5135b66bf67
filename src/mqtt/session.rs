//! The seam between the poll loop and rumqttc: what one poll yields ([`Polled`], the same
//! for both protocol versions), the [`Session`] trait, its MQTT 3.1.1 and 5 adapters, and
//! connection errors in words a user can act on.

use std::io;
use std::time::Duration;

use super::convert::{self, props_from_v5, qos_from_v5, qos_from_v311};
use super::event::PublishError;
use super::publisher::Client;
use super::settings::Subscription;
use crate::model::message::now_us;
use crate::model::{Incoming, Message, Payload, QoS};

/// One step of a connection, the same for both protocol versions.
#[derive(Debug)]
pub(super) enum Polled {
    /// CONNACK: what the broker said about the session and its limits.
    ConnAck(Box<super::connack::BrokerInfo>),
    Message(Incoming),
    /// A PUBLISH was written with this packet id (0 for QoS 0).
    PublishSent(u16),
    /// The broker's answer to the publish with this packet id: PUBACK (QoS 1), PUBCOMP
    /// (QoS 2), or a refusal in any of PUBACK, PUBREC, PUBCOMP.
    PublishAcked(u16, Result<(), PublishError>),
    /// Our DISCONNECT was written: the user asked to stop.
    Disconnected,
    /// A keep-alive PINGREQ was written: the broker must answer soon.
    PingSent,
    /// Some other packet came from the broker (it is alive).
    Heard,
    /// SUBACK: each filter's granted QoS or refusal, in the order subscribed.
    SubAck(Vec<Result<QoS, convert::Reason>>),
    Other,
}

/// What the poll loop needs from a rumqttc event loop (tests drive the loop with a fake).
pub(super) trait Session: Send + 'static {
    fn poll(&mut self, payload_cap: usize) -> impl Future<Output = Result<Polled, String>> + Send;
    /// Whether events are already buffered (the next poll will not wait).
    fn buffered(&self) -> bool;
    /// Sends the subscriptions: one SUBSCRIBE for all, or (MQTT 5, `ids`) one per
    /// subscription, each with its identifier (set, or its place in the list from 1).
    fn subscribe(&self, subscriptions: &[Subscription], ids: bool) -> Result<(), String>;
    /// Drops the network connection at once (the next poll reconnects).
    fn drop_connection(&mut self);
    /// Forgets the requests rumqttc keeps to send again after a reconnect.
    fn forget_pending(&mut self);
}

/// Polls `session`; when a keep-alive ping has gone unanswered for half a keep-alive,
/// drops the connection and says so. rumqttc alone notices only at the next ping, up to
/// two keep-alives after a broker froze; this way the user hears within 1.5.
pub(super) async fn poll_watched<S: Session>(
    session: &mut S,
    payload_cap: usize,
    ping_at: Option<tokio::time::Instant>,
    keep_alive: Duration,
) -> Result<Polled, String> {
    let Some(sent) = ping_at.filter(|_| !keep_alive.is_zero()) else {
        return session.poll(payload_cap).await;
    };
    let grace = keep_alive / 2;
    let deadline = sent + grace;
    match tokio::time::timeout_at(deadline, session.poll(payload_cap)).await {
        Ok(polled) => polled,
        Err(_) => {
            session.drop_connection();
            Err(format!(
                "the broker stopped answering (no reply {:.1} s after a keep-alive ping)",
                grace.as_secs_f64()
            ))
        }
    }
}

fn received(payload: &[u8], (qos, pkid): (QoS, u16), retain: bool, cap: usize) -> Message {
    Message {
        received_at_us: now_us(),
        qos,
        retain,
        pkid,
        from_disk: false,
        payload: Payload::decode(payload, cap),
        properties: None,
    }
}

/// The [`Session`] methods that read only the event loop, the same for both protocol
/// versions' (different) rumqttc types.
macro_rules! eventloop_methods {
    () => {
        fn buffered(&self) -> bool {
            !self.eventloop.state.events.is_empty()
        }

        fn drop_connection(&mut self) {
            self.eventloop.clean();
        }

        fn forget_pending(&mut self) {
            self.eventloop.pending.clear();
        }
    };
}

/// A success code is an answer; a failure code a refusal.
fn answer(reason: convert::Reason) -> Result<(), PublishError> {
    if reason.is_failure() {
        Err(PublishError::Refused(reason))
    } else {
        Ok(())
    }
}

/// A connection error in words a user can act on.
fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (is a broker running there?)".into()
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            "connection closed by the broker".into()
        }
        io::ErrorKind::UnexpectedEof => "connection closed by the broker".into(),
        io::ErrorKind::TimedOut => "no answer from the broker (timed out)".into(),
        _ => e.to_string(),
    }
}

/// A CONNACK refusal in words ("refused by the broker: bad user name or password").
fn describe_refusal(reason: convert::Reason) -> String {
    match reason.code {
        // Said as before: a user acts on these words, not on the code.
        0x04 | 0x86 | 0x05 | 0x87 => format!("refused by the broker: {}", reason.words),
        _ => format!("refused by the broker: {reason}"),
    }
}

fn describe_state_error(e: &rumqttc::StateError) -> String {
    use rumqttc::StateError as E;
    match e {
        E::Io(io) => describe_io(io),
        E::AwaitPingResp => "the broker stopped answering (no ping response)".into(),
        E::ConnectionAborted => "connection closed by the broker".into(),
        other => super::tls::explain(other).unwrap_or_else(|| other.to_string()),
    }
}

pub(super) struct V311Session {
    pub client: rumqttc::AsyncClient,
    pub eventloop: rumqttc::EventLoop,
}

impl Session for V311Session {
    async fn poll(&mut self, payload_cap: usize) -> Result<Polled, String> {
        use rumqttc::{ConnectionError as CE, Event, Outgoing, Packet};
        match self.eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(a))) => Ok(Polled::ConnAck(Box::new(
                super::connack::BrokerInfo::v311(a.session_present),
            ))),
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let message = received(
                    &p.payload,
                    (qos_from_v311(p.qos), p.pkid),
                    p.retain,
                    payload_cap,
                );
                Ok(Polled::Message(Incoming {
                    topic: p.topic,
                    message,
                }))
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => Ok(Polled::PublishAcked(a.pkid, Ok(()))),
            Ok(Event::Incoming(Packet::PubComp(a))) => Ok(Polled::PublishAcked(a.pkid, Ok(()))),
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Ok(Polled::PublishSent(pkid)),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => Ok(Polled::Disconnected),
            Ok(Event::Outgoing(Outgoing::PingReq)) => Ok(Polled::PingSent),
            Ok(Event::Incoming(Packet::SubAck(a))) => Ok(Polled::SubAck(
                a.return_codes.iter().map(convert::suback_v311).collect(),
            )),
            Ok(Event::Incoming(_)) => Ok(Polled::Heard),
            Ok(_) => Ok(Polled::Other),
            Err(e) => Err(match &e {
                CE::Io(io) => describe_io(io),
                CE::MqttState(s) => describe_state_error(s),
                CE::NetworkTimeout => "no answer from the broker (timed out)".into(),
                CE::ConnectionRefused(code) => describe_refusal(convert::connack_v311(code)),
                CE::Tls(t) => super::tls::explain(t).unwrap_or_else(|| format!("TLS: {t}")),
                CE::Proxy(p) => format!("through the proxy: {p}"),
                other => super::tls::explain(&e).unwrap_or_else(|| other.to_string()),
            }),
        }
    }

    eventloop_methods!();

    fn subscribe(&self, subscriptions: &[Subscription], ids: bool) -> Result<(), String> {
        Client::V311(self.client.clone()).subscribe(subscriptions, ids)
    }
}

pub(super) struct V5Session {
    pub client: rumqttc::v5::AsyncClient,
    pub eventloop: rumqttc::v5::EventLoop,
    /// QoS 2 publishes refused at PUBREC or PUBCOMP: rumqttc 0.25 keeps their in-flight
    /// slots until the connection is cleaned, so after [`LEAKED_SLOTS`] it is renewed.
    pub leaked: u16,
    /// Topic aliases the broker set on this connection. rumqttc 0.25 hands a PUBLISH on
    /// before resolving its alias, so a message sent by alias alone would arrive with an
    /// empty topic: they are resolved here.
    pub aliases: std::collections::HashMap<u16, String>,
}

/// Refused QoS 2 publishes after which the connection is renewed, well before rumqttc
/// runs out of in-flight slots (Mosquitto grants 20 by default) and every publish stalls.
const LEAKED_SLOTS: u16 = 10;

impl Session for V5Session {
    async fn poll(&mut self, payload_cap: usize) -> Result<Polled, String> {
        use rumqttc::Outgoing;
        use rumqttc::v5::mqttbytes::v5::Packet;
        use rumqttc::v5::{ConnectionError as CE, Event};
        if self.leaked >= LEAKED_SLOTS {
            self.leaked = 0;
            self.eventloop.clean();
            return Err(format!(
                "renewing the connection after {LEAKED_SLOTS} refused QoS 2 publishes \
                 (the client keeps their in-flight slots)"
            ));
        }
        match self.eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(a))) => {
                self.aliases.clear();
                Ok(Polled::ConnAck(Box::new(super::connack::BrokerInfo::v5(
                    a.session_present,
                    a.properties,
                ))))
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let topic = match String::from_utf8(p.topic.to_vec()) {
                    Ok(t) => t,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                let alias = p.properties.as_ref().and_then(|p| p.topic_alias);
                let topic = match alias {
                    Some(a) if topic.is_empty() => match self.aliases.get(&a) {
                        Some(t) => t.clone(),
                        // rumqttc answers this with DISCONNECT (protocol error).
                        None => return Ok(Polled::Heard),
                    },
                    Some(a) => {
                        self.aliases.insert(a, topic.clone());
                        topic
                    }
                    None => topic,
                };
                let mut message = received(
                    &p.payload,
                    (qos_from_v5(p.qos), p.pkid),
                    p.retain,
                    payload_cap,
                );
                message.properties = p
                    .properties
                    .map(props_from_v5)
                    .filter(|p| !p.is_empty())
                    .map(Box::new);
                Ok(Polled::Message(Incoming { topic, message }))
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => Ok(Polled::PublishAcked(
                a.pkid,
                answer(convert::puback(&a.reason)),
            )),
            // A refused PUBREC ends the QoS 2 exchange: no PUBREL, no PUBCOMP will follow.
            Ok(Event::Incoming(Packet::PubRec(r))) if convert::pubrec(&r.reason).is_failure() => {
                self.leaked += 1;
                Ok(Polled::PublishAcked(
                    r.pkid,
                    answer(convert::pubrec(&r.reason)),
                ))
            }
            Ok(Event::Incoming(Packet::PubComp(a))) => {
                let result = answer(convert::pubcomp(&a.reason));
                self.leaked += u16::from(result.is_err());
                Ok(Polled::PublishAcked(a.pkid, result))
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Ok(Polled::PublishSent(pkid)),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => Ok(Polled::Disconnected),
            Ok(Event::Outgoing(Outgoing::PingReq)) => Ok(Polled::PingSent),
            Ok(Event::Incoming(Packet::SubAck(a))) => Ok(Polled::SubAck(
                a.return_codes.iter().map(convert::suback).collect(),
            )),
            Ok(Event::Incoming(_)) => Ok(Polled::Heard),
            Ok(_) => Ok(Polled::Other),
            Err(e) => Err(match &e {
                CE::Io(io) => describe_io(io),
                CE::MqttState(rumqttc::v5::StateError::Io(io)) => describe_io(io),
                // A TLS alert read while decoding (e.g. "client certificate required").
                CE::MqttState(rumqttc::v5::StateError::Deserialization(
                    rumqttc::v5::mqttbytes::Error::Io(io),
                )) => super::tls::explain(io).unwrap_or_else(|| describe_io(io)),
                CE::MqttState(rumqttc::v5::StateError::AwaitPingResp) => {
                    "the broker stopped answering (no ping response)".into()
                }
                CE::MqttState(rumqttc::v5::StateError::ConnectionAborted) => {
                    "connection closed by the broker".into()
                }
                CE::ConnectionRefused(code) => describe_refusal(convert::connack_v5(code)),
                CE::Timeout(_) => "no answer from the broker (timed out)".into(),
                CE::Tls(t) => super::tls::explain(t).unwrap_or_else(|| format!("TLS: {t}")),
                CE::Proxy(p) => format!("through the proxy: {p}"),
                other => super::tls::explain(&e).unwrap_or_else(|| other.to_string()),
            }),
        }
    }

    eventloop_methods!();

    fn subscribe(&self, subscriptions: &[Subscription], ids: bool) -> Result<(), String> {
        Client::V5(self.client.clone()).subscribe(subscriptions, ids)
    }
}
