//! Model ↔ rumqttc conversions: QoS, MQTT 5 publish properties, and every reason code of
//! PUBACK, PUBREC, PUBCOMP, SUBACK and UNSUBACK mapped explicitly to its wire value.
//!
//! rumqttc's reason enums have no explicit discriminants, so `reason as u8` gives the
//! variant's position (NotAuthorized is 4, not 0x87): never cast them.

use rumqttc::v5::mqttbytes::v5::{
    PubAckReason, PubCompReason, PubRecReason, SubscribeReasonCode, UnsubAckReason,
};

use crate::model::{Properties, QoS};

/// A reason code from the broker, with its wire value and its meaning in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reason {
    pub code: u8,
    pub words: &'static str,
}

impl Reason {
    const fn new(code: u8, words: &'static str) -> Self {
        Self { code, words }
    }

    /// Codes of 0x80 and above are failures (MQTT 5, section 2.4).
    pub fn is_failure(&self) -> bool {
        self.code >= 0x80
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:02X})", self.words, self.code)
    }
}

const UNSPECIFIED: Reason = Reason::new(0x80, "unspecified error");
const IMPLEMENTATION: Reason = Reason::new(0x83, "implementation specific error");
const NOT_AUTHORIZED: Reason = Reason::new(0x87, "not authorized");
const PKID_IN_USE: Reason = Reason::new(0x91, "packet identifier in use");
const QUOTA: Reason = Reason::new(0x97, "quota exceeded");
const SUCCESS: Reason = Reason::new(0x00, "success");
const NO_SUBSCRIBERS: Reason = Reason::new(0x10, "no matching subscribers");
const TOPIC_INVALID: Reason = Reason::new(0x90, "topic name invalid");
const PAYLOAD_INVALID: Reason = Reason::new(0x99, "payload format invalid");

/// Maps a PUBACK-style reason enum (PUBACK and PUBREC share their codes) to its codes.
macro_rules! publish_reasons {
    ($(#[$doc:meta])* $name:ident, $enum:ident) => {
        $(#[$doc])*
        pub fn $name(reason: &$enum) -> Reason {
            use $enum as R;
            match reason {
                R::Success => SUCCESS,
                R::NoMatchingSubscribers => NO_SUBSCRIBERS,
                R::UnspecifiedError => UNSPECIFIED,
                R::ImplementationSpecificError => IMPLEMENTATION,
                R::NotAuthorized => NOT_AUTHORIZED,
                R::TopicNameInvalid => TOPIC_INVALID,
                R::PacketIdentifierInUse => PKID_IN_USE,
                R::QuotaExceeded => QUOTA,
                R::PayloadFormatInvalid => PAYLOAD_INVALID,
            }
        }
    };
}

publish_reasons!(
    /// The reason of a PUBACK (QoS 1).
    puback,
    PubAckReason
);
publish_reasons!(
    /// The reason of a PUBREC (first answer to QoS 2; a failure ends the exchange).
    pubrec,
    PubRecReason
);

/// The reason of a PUBCOMP (end of QoS 2).
pub fn pubcomp(reason: &PubCompReason) -> Reason {
    match reason {
        PubCompReason::Success => SUCCESS,
        PubCompReason::PacketIdentifierNotFound => Reason::new(0x92, "packet identifier not found"),
    }
}

/// One filter's answer in a SUBACK: the QoS granted, or why it was refused.
pub fn suback(code: &SubscribeReasonCode) -> Result<QoS, Reason> {
    use SubscribeReasonCode as R;
    Err(match code {
        R::Success(q) => return Ok(qos_from_v5(*q)),
        R::Failure | R::Unspecified => UNSPECIFIED,
        R::ImplementationSpecific => IMPLEMENTATION,
        R::NotAuthorized => NOT_AUTHORIZED,
        R::TopicFilterInvalid => Reason::new(0x8F, "topic filter invalid"),
        R::PkidInUse => PKID_IN_USE,
        R::QuotaExceeded => QUOTA,
        R::SharedSubscriptionsNotSupported => {
            Reason::new(0x9E, "shared subscriptions not supported")
        }
        R::SubscriptionIdNotSupported => {
            Reason::new(0xA1, "subscription identifiers not supported")
        }
        R::WildcardSubscriptionsNotSupported => {
            Reason::new(0xA2, "wildcard subscriptions not supported")
        }
    })
}

/// One filter's answer in an MQTT 3.1.1 SUBACK (0x80 is its only failure).
pub fn suback_v311(code: &rumqttc::SubscribeReasonCode) -> Result<QoS, Reason> {
    match code {
        rumqttc::SubscribeReasonCode::Success(q) => Ok(qos_from_v311(*q)),
        rumqttc::SubscribeReasonCode::Failure => Err(Reason::new(0x80, "failure")),
    }
}

/// One filter's answer in an UNSUBACK.
pub fn unsuback(reason: &UnsubAckReason) -> Reason {
    use UnsubAckReason as R;
    match reason {
        R::Success => SUCCESS,
        R::NoSubscriptionExisted => Reason::new(0x11, "no subscription existed"),
        R::UnspecifiedError => UNSPECIFIED,
        R::ImplementationSpecificError => IMPLEMENTATION,
        R::NotAuthorized => NOT_AUTHORIZED,
        R::TopicFilterInvalid => Reason::new(0x8F, "topic filter invalid"),
        R::PacketIdentifierInUse => PKID_IN_USE,
    }
}

/// A CONNACK refusal of MQTT 3.1.1 (codes 1 to 5).
pub fn connack_v311(code: &rumqttc::ConnectReturnCode) -> Reason {
    use rumqttc::ConnectReturnCode as C;
    match code {
        C::Success => SUCCESS,
        C::RefusedProtocolVersion => Reason::new(0x01, "unacceptable protocol version"),
        C::BadClientId => Reason::new(0x02, "client identifier rejected"),
        C::ServiceUnavailable => Reason::new(0x03, "server unavailable"),
        C::BadUserNamePassword => Reason::new(0x04, "bad user name or password"),
        C::NotAuthorized => Reason::new(0x05, "not authorised"),
    }
}

/// A CONNACK refusal of MQTT 5.
pub fn connack_v5(code: &rumqttc::v5::mqttbytes::v5::ConnectReturnCode) -> Reason {
    use rumqttc::v5::mqttbytes::v5::ConnectReturnCode as C;
    let (code, words) = match code {
        C::Success => return SUCCESS,
        C::RefusedProtocolVersion | C::UnsupportedProtocolVersion => {
            (0x84, "unsupported protocol version")
        }
        C::BadClientId | C::ClientIdentifierNotValid => (0x85, "client identifier not valid"),
        C::ServiceUnavailable | C::ServerUnavailable => (0x88, "server unavailable"),
        C::UnspecifiedError => (0x80, "unspecified error"),
        C::MalformedPacket => (0x81, "malformed packet"),
        C::ProtocolError => (0x82, "protocol error"),
        C::ImplementationSpecificError => (0x83, "implementation specific error"),
        C::BadUserNamePassword => (0x86, "bad user name or password"),
        C::NotAuthorized => (0x87, "not authorised"),
        C::ServerBusy => (0x89, "server busy"),
        C::Banned => (0x8A, "banned"),
        C::BadAuthenticationMethod => (0x8C, "bad authentication method"),
        C::TopicNameInvalid => (0x90, "topic name invalid"),
        C::PacketTooLarge => (0x95, "packet too large"),
        C::QuotaExceeded => (0x97, "quota exceeded"),
        C::PayloadFormatInvalid => (0x99, "payload format invalid"),
        C::RetainNotSupported => (0x9A, "retain not supported"),
        C::QoSNotSupported => (0x9B, "QoS not supported"),
        C::UseAnotherServer => (0x9C, "use another server"),
        C::ServerMoved => (0x9D, "server moved"),
        C::ConnectionRateExceeded => (0x9F, "connection rate exceeded"),
    };
    Reason::new(code, words)
}

pub fn v311_qos(q: QoS) -> rumqttc::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

pub fn v5_qos(q: QoS) -> rumqttc::v5::mqttbytes::QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match q {
        QoS::AtMostOnce => Q::AtMostOnce,
        QoS::AtLeastOnce => Q::AtLeastOnce,
        QoS::ExactlyOnce => Q::ExactlyOnce,
    }
}

pub fn qos_from_v311(q: rumqttc::QoS) -> QoS {
    match q {
        rumqttc::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

pub fn qos_from_v5(q: rumqttc::v5::mqttbytes::QoS) -> QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match q {
        Q::AtMostOnce => QoS::AtMostOnce,
        Q::AtLeastOnce => QoS::AtLeastOnce,
        Q::ExactlyOnce => QoS::ExactlyOnce,
    }
}

pub fn v5_props(p: &Properties) -> rumqttc::v5::mqttbytes::v5::PublishProperties {
    rumqttc::v5::mqttbytes::v5::PublishProperties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: None,
        response_topic: p.response_topic.clone(),
        correlation_data: p.correlation_data.clone().map(Into::into),
        user_properties: p.user_properties.clone(),
        subscription_identifiers: Vec::new(),
        content_type: p.content_type.clone(),
    }
}

pub fn props_from_v5(p: rumqttc::v5::mqttbytes::v5::PublishProperties) -> Properties {
    Properties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data.map(|b| b.to_vec()),
        user_properties: p.user_properties,
        subscription_identifiers: p.subscription_identifiers,
        content_type: p.content_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_their_wire_codes() {
        // The old code cast the enum (NotAuthorized as u8 == 4) and took it for success.
        let r = puback(&PubAckReason::NotAuthorized);
        assert_eq!(r.code, 0x87);
        assert!(r.is_failure());
        assert_eq!(r.to_string(), "not authorized (0x87)");
        assert!(!puback(&PubAckReason::NoMatchingSubscribers).is_failure());
        assert!(pubrec(&PubRecReason::QuotaExceeded).is_failure());
        assert_eq!(pubrec(&PubRecReason::PayloadFormatInvalid).code, 0x99);
        assert_eq!(pubcomp(&PubCompReason::PacketIdentifierNotFound).code, 0x92);
        assert_eq!(
            suback(&SubscribeReasonCode::NotAuthorized).map_err(|r| r.code),
            Err(0x87)
        );
        assert_eq!(
            suback(&SubscribeReasonCode::Success(
                rumqttc::v5::mqttbytes::QoS::AtLeastOnce
            )),
            Ok(QoS::AtLeastOnce)
        );
        assert_eq!(
            suback_v311(&rumqttc::SubscribeReasonCode::Failure).map_err(|r| r.code),
            Err(0x80)
        );
        assert_eq!(unsuback(&UnsubAckReason::NoSubscriptionExisted).code, 0x11);
        assert!(!unsuback(&UnsubAckReason::NoSubscriptionExisted).is_failure());
    }

    #[test]
    fn every_puback_reason_matches_the_spec_table() {
        use PubAckReason as R;
        let all = [
            (R::Success, 0x00),
            (R::NoMatchingSubscribers, 0x10),
            (R::UnspecifiedError, 0x80),
            (R::ImplementationSpecificError, 0x83),
            (R::NotAuthorized, 0x87),
            (R::TopicNameInvalid, 0x90),
            (R::PacketIdentifierInUse, 0x91),
            (R::QuotaExceeded, 0x97),
            (R::PayloadFormatInvalid, 0x99),
        ];
        for (reason, code) in all {
            assert_eq!(puback(&reason).code, code, "{reason:?}");
        }
    }
}
