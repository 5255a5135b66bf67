//! What the broker said in its CONNACK: the session, the identifiers it assigned and the
//! limits it announced (MQTT 5 properties), kept as data and said in words for the
//! Connection info view and `mqscope check`.

use rumqttc::v5::mqttbytes::v5::ConnAckProperties;

use super::settings::MqttVersion;
use crate::model::QoS;

/// The bytes of a PUBLISH with a topic and payload of these lengths, at most (the fixed
/// header at its largest, the properties estimated from above).
pub fn packet_bytes(
    topic: usize,
    properties: Option<&crate::model::Properties>,
    payload: usize,
) -> usize {
    let props = properties.map_or(0, |p| p.heap_bytes() + 16);
    // Fixed header (at most 5), topic length, packet id.
    5 + 2 + topic + 2 + props + payload
}

/// The broker's CONNACK. `None` fields were not sent: MQTT 5 then means the default (no
/// limit, available), and a 3.1.1 CONNACK carries none of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BrokerInfo {
    pub version: MqttVersion,
    /// The broker kept a session for this client id (a reconnect with clean start off).
    pub session_present: bool,
    pub assigned_client_id: Option<String>,
    pub session_expiry_s: Option<u32>,
    pub server_keep_alive_s: Option<u16>,
    pub receive_maximum: Option<u16>,
    pub maximum_qos: Option<u8>,
    pub retain_available: Option<bool>,
    pub maximum_packet_size: Option<u32>,
    pub topic_alias_maximum: Option<u16>,
    pub wildcards_available: Option<bool>,
    pub subscription_ids_available: Option<bool>,
    pub shared_subscriptions_available: Option<bool>,
    pub response_information: Option<String>,
    pub server_reference: Option<String>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

impl BrokerInfo {
    /// A 3.1.1 CONNACK: the session flag only.
    pub fn v311(session_present: bool) -> Self {
        Self {
            version: MqttVersion::V311,
            session_present,
            ..Self::default()
        }
    }

    /// An MQTT 5 CONNACK and its properties.
    pub fn v5(session_present: bool, p: Option<ConnAckProperties>) -> Self {
        let mut info = Self {
            version: MqttVersion::V5,
            session_present,
            ..Self::default()
        };
        let Some(p) = p else {
            return info;
        };
        let flag = |v: Option<u8>| v.map(|v| v != 0);
        info.assigned_client_id = p.assigned_client_identifier;
        info.session_expiry_s = p.session_expiry_interval;
        info.server_keep_alive_s = p.server_keep_alive;
        info.receive_maximum = p.receive_max;
        info.maximum_qos = p.max_qos;
        info.retain_available = flag(p.retain_available);
        info.maximum_packet_size = p.max_packet_size;
        info.topic_alias_maximum = p.topic_alias_max;
        info.wildcards_available = flag(p.wildcard_subscription_available);
        info.subscription_ids_available = flag(p.subscription_identifiers_available);
        info.shared_subscriptions_available = flag(p.shared_subscription_available);
        info.response_information = p.response_information;
        info.server_reference = p.server_reference;
        info.reason_string = p.reason_string;
        info.user_properties = p.user_properties;
        info
    }

    /// Whether the broker takes subscription identifiers (MQTT 5, unless it said not).
    pub fn takes_subscription_ids(&self) -> bool {
        self.version == MqttVersion::V5 && self.subscription_ids_available != Some(false)
    }

    /// The highest QoS the broker accepts in a PUBLISH (2 unless it said less).
    pub fn max_qos(&self) -> QoS {
        match self.maximum_qos {
            Some(0) => QoS::AtMostOnce,
            Some(1) => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    /// Why the broker would refuse this publish, in words, or `None` if it is within what
    /// the CONNACK announced.
    pub fn refuses_publish(&self, qos: QoS, retain: bool, packet_bytes: usize) -> Option<String> {
        if qos.as_u8() > self.max_qos().as_u8() {
            return Some(format!(
                "the broker takes QoS {} at most (its CONNACK said so)",
                self.max_qos().as_u8()
            ));
        }
        if retain && self.retain_available == Some(false) {
            return Some("the broker keeps no retained messages (retain unavailable)".into());
        }
        if let Some(max) = self.maximum_packet_size
            && packet_bytes > max as usize
        {
            return Some(format!(
                "the message ({packet_bytes} B) is over the broker's largest packet ({max} B)"
            ));
        }
        None
    }

    /// Why the broker would refuse `request` by what its CONNACK said, if it would.
    pub fn refuses(&self, request: &super::PublishRequest) -> Option<String> {
        let bytes = packet_bytes(
            request.topic.len(),
            request.properties.as_ref(),
            request.payload.len(),
        );
        self.refuses_publish(request.qos, request.retain, bytes)
    }

    /// Each fact as (what, in words), in the order the Connection info view shows them.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let or_default = |v: Option<String>, default: &str| v.unwrap_or_else(|| default.into());
        let avail = |v: Option<bool>| match v {
            Some(false) => "no".to_string(),
            Some(true) => "yes".to_string(),
            None => "yes (not stated)".to_string(),
        };
        let mut out = vec![
            ("Protocol", format!("MQTT {}", self.version.label())),
            (
                "Session present",
                if self.session_present {
                    "yes: the broker kept this client's session".into()
                } else {
                    "no: a new session".into()
                },
            ),
        ];
        if self.version == MqttVersion::V311 {
            out.push((
                "Limits",
                "MQTT 3.1.1 brokers announce none (connect with MQTT 5 to see them)".into(),
            ));
            return out;
        }
        let limit = |v: Option<String>| or_default(v, "no limit stated");
        out.extend([
            (
                "Assigned client id",
                or_default(self.assigned_client_id.clone(), "none (ours was taken)"),
            ),
            (
                "Session expiry",
                or_default(
                    self.session_expiry_s
                        .map(|s| format!("{s} s (the broker's)")),
                    "as asked",
                ),
            ),
            (
                "Server keep-alive",
                or_default(
                    self.server_keep_alive_s
                        .map(|s| format!("{s} s (the broker's)")),
                    "as asked",
                ),
            ),
            (
                "Receive maximum",
                or_default(
                    self.receive_maximum
                        .map(|n| format!("{n} QoS 1/2 messages in flight")),
                    "65,535 (default)",
                ),
            ),
            ("Maximum QoS", format!("{}", self.max_qos().as_u8())),
            ("Retain available", avail(self.retain_available)),
            (
                "Maximum packet size",
                limit(self.maximum_packet_size.map(|n| format!("{n} B"))),
            ),
            (
                "Topic alias maximum",
                or_default(
                    self.topic_alias_maximum.map(|n| n.to_string()),
                    "0 (no topic aliases)",
                ),
            ),
            ("Wildcard subscriptions", avail(self.wildcards_available)),
            (
                "Subscription identifiers",
                avail(self.subscription_ids_available),
            ),
            (
                "Shared subscriptions",
                avail(self.shared_subscriptions_available),
            ),
        ]);
        for (what, v) in [
            ("Response information", &self.response_information),
            ("Server reference", &self.server_reference),
            ("Reason", &self.reason_string),
        ] {
            if let Some(v) = v {
                out.push((what, v.clone()));
            }
        }
        for (k, v) in &self.user_properties {
            out.push(("User property", format!("{k} = {v}")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_read_and_said_in_words() {
        let p = ConnAckProperties {
            session_expiry_interval: None,
            receive_max: None,
            max_qos: Some(1),
            retain_available: Some(0),
            max_packet_size: Some(1000),
            assigned_client_identifier: None,
            topic_alias_max: Some(10),
            reason_string: None,
            user_properties: Vec::new(),
            wildcard_subscription_available: None,
            subscription_identifiers_available: Some(0),
            shared_subscription_available: None,
            server_keep_alive: None,
            response_information: None,
            server_reference: None,
            authentication_method: None,
            authentication_data: None,
        };
        let info = BrokerInfo::v5(true, Some(p));
        assert!(!info.takes_subscription_ids());
        assert_eq!(info.max_qos(), QoS::AtLeastOnce);
        assert!(
            info.refuses_publish(QoS::ExactlyOnce, false, 10)
                .unwrap()
                .contains("QoS 1 at most")
        );
        assert!(
            info.refuses_publish(QoS::AtMostOnce, true, 10)
                .unwrap()
                .contains("retain")
        );
        assert!(
            info.refuses_publish(QoS::AtMostOnce, false, 1001)
                .unwrap()
                .contains("1000 B")
        );
        assert_eq!(info.refuses_publish(QoS::AtLeastOnce, false, 1000), None);
        let lines = info.lines();
        let said = |what: &str| lines.iter().find(|(w, _)| *w == what).unwrap().1.clone();
        assert!(said("Session present").starts_with("yes"));
        assert_eq!(said("Retain available"), "no");
        assert_eq!(said("Maximum packet size"), "1000 B");
        assert_eq!(said("Topic alias maximum"), "10");
        assert_eq!(said("Shared subscriptions"), "yes (not stated)");
    }

    #[test]
    fn a_311_connack_says_it_has_no_limits_to_show() {
        let info = BrokerInfo::v311(false);
        assert!(!info.takes_subscription_ids());
        assert_eq!(info.refuses_publish(QoS::ExactlyOnce, true, 1 << 20), None);
        assert_eq!(info.lines().len(), 3);
    }
}
