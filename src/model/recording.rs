//! The recording file format: one JSON object per line per message (JSON Lines), written
//! by `record` (app and command line) and read back by `replay`.
//!
//! A line holds `ts_us` (receive time, microseconds since the Unix epoch), `topic`, `qos`,
//! `retain`, the payload as UTF-8 text (`payload`) or, when it is not valid UTF-8, as
//! standard base64 (`payload_base64`), MQTT 5 `properties` when there were any, and
//! `truncated_from` (the original size) when the app's payload cap cut the payload, and
//! `decoded` (what a decoder rule made of the payload) when a rule decoded it.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::message::{Incoming, Properties};
use super::payload::PayloadKind;
use super::units::{format_bytes, thousands};

/// One recorded message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLine {
    pub ts_us: i64,
    pub topic: String,
    pub qos: u8,
    pub retain: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Properties>,
    /// The size the payload had on the wire, when less of it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated_from: Option<u64>,
    /// What the topic's decoder rule made of the payload, beside the raw bytes (a replay
    /// sends the raw bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<serde_json::Value>,
}

impl RecordLine {
    /// The line for a received message.
    pub fn from_incoming(m: &Incoming) -> Self {
        let msg = &m.message;
        let bytes = msg.payload.bytes();
        let (payload, payload_base64) = match (msg.payload.kind(), std::str::from_utf8(bytes)) {
            (PayloadKind::Binary, _) | (_, Err(_)) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ),
            (_, Ok(text)) => (Some(text.to_string()), None),
        };
        Self {
            ts_us: msg.received_at_us,
            topic: m.topic.clone(),
            qos: msg.qos.as_u8(),
            retain: msg.retain,
            payload,
            payload_base64,
            properties: msg.properties.as_deref().cloned(),
            truncated_from: msg
                .payload
                .is_truncated()
                .then_some(msg.payload.original_len() as u64),
            decoded: msg.payload.decoded().and_then(|d| d.value()),
        }
    }

    /// The line as JSON text, without the line break.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and maps cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads one line, or says what is wrong with it.
    pub fn parse(line: &str) -> Result<Self, String> {
        let record: Self = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if record.qos > 2 {
            return Err(format!("qos {} is not 0, 1 or 2", record.qos));
        }
        if record.topic.is_empty() || record.topic.contains(['+', '#']) {
            return Err(format!("{:?} is not a topic to publish to", record.topic));
        }
        if record.payload.is_some() && record.payload_base64.is_some() {
            return Err("both payload and payload_base64".into());
        }
        Ok(record)
    }

    /// The payload bytes the line stands for.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.payload, &self.payload_base64) {
            (Some(text), _) => Ok(text.as_bytes().to_vec()),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("payload_base64: {e}")),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// The properties a replay may send again: those the broker sets on delivery
    /// (topic alias, subscription identifiers) are left out.
    pub fn publish_properties(&self) -> Option<Properties> {
        let mut p = self.properties.clone()?;
        p.topic_alias = None;
        p.subscription_identifiers.clear();
        (!p.is_empty()).then_some(p)
    }
}

/// A one-line account of a record or replay run: "1,234 messages, 55.4 KiB in 3.2 s".
pub fn summary(messages: u64, bytes: u64, seconds: f64) -> String {
    format!(
        "{} {}, {} in {seconds:.1} s",
        thousands(messages),
        if messages == 1 { "message" } else { "messages" },
        format_bytes(usize::try_from(bytes).unwrap_or(usize::MAX))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, Payload, QoS};

    fn incoming(topic: &str, payload: &[u8], cap: usize) -> Incoming {
        Incoming {
            topic: topic.into(),
            message: Message {
                received_at_us: 1_700_000_000_123_456,
                qos: QoS::AtLeastOnce,
                retain: true,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, cap),
                properties: None,
            },
        }
    }

    #[test]
    fn text_and_binary_round_trip_byte_for_byte() {
        for payload in [
            &b"21.5"[..],
            b"",
            b"\xff\x00\xfe",
            "héllo".as_bytes(),
            b"{\"a\":1}",
        ] {
            let line = RecordLine::from_incoming(&incoming("a/b", payload, 1 << 20)).to_json();
            assert!(!line.contains('\n'));
            let back = RecordLine::parse(&line).unwrap();
            assert_eq!(back.payload_bytes().unwrap(), payload, "{line}");
            assert_eq!(
                (back.ts_us, back.qos, back.retain),
                (1_700_000_000_123_456, 1, true)
            );
            assert_eq!(back.topic, "a/b");
            assert_eq!(back.truncated_from, None);
        }
        let line = RecordLine::from_incoming(&incoming("bin", b"\xff\xfe", 1 << 20)).to_json();
        assert!(line.contains("\"payload_base64\":\"//4=\""), "{line}");
    }

    #[test]
    fn a_decoded_payload_is_recorded_beside_its_raw_bytes() {
        let mut m = incoming("raw/1", &1.5f32.to_le_bytes(), 1 << 20);
        let rules =
            crate::model::decode::rules::DecoderRules::parse(["raw/#=binary:f32le"]).unwrap();
        let d = rules.decode(&m.topic, m.message.payload.bytes());
        m.message.payload.set_decoded(d);
        let back = RecordLine::parse(&RecordLine::from_incoming(&m).to_json()).unwrap();
        assert_eq!(back.decoded, Some(serde_json::json!(1.5)));
        assert_eq!(
            back.payload_bytes().unwrap(),
            1.5f32.to_le_bytes(),
            "raw bytes replay"
        );
    }

    #[test]
    fn a_cut_payload_says_so() {
        let line = RecordLine::from_incoming(&incoming("big", &[b'x'; 100], 10));
        assert_eq!(line.truncated_from, Some(100));
    }

    #[test]
    fn delivery_properties_are_not_replayed() {
        let mut line = RecordLine::from_incoming(&incoming("t", b"x", 10));
        line.properties = Some(Properties {
            topic_alias: Some(3),
            subscription_identifiers: vec![7],
            content_type: Some("text/plain".into()),
            ..Properties::default()
        });
        let back = RecordLine::parse(&line.to_json()).unwrap();
        let p = back.publish_properties().unwrap();
        assert_eq!(p.content_type.as_deref(), Some("text/plain"));
        assert_eq!((p.topic_alias, p.subscription_identifiers.len()), (None, 0));
        line.properties = Some(Properties {
            topic_alias: Some(3),
            ..Properties::default()
        });
        assert_eq!(line.publish_properties(), None);
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(RecordLine::parse("not json").is_err());
        assert!(RecordLine::parse(r#"{"ts_us":1,"topic":"a/#","qos":0,"retain":false}"#).is_err());
        assert!(RecordLine::parse(r#"{"ts_us":1,"topic":"a","qos":3,"retain":false}"#).is_err());
        let bad64 = r#"{"ts_us":1,"topic":"a","qos":0,"retain":false,"payload_base64":"!!"}"#;
        assert!(RecordLine::parse(bad64).unwrap().payload_bytes().is_err());
    }

    #[test]
    fn summaries_read_well() {
        assert_eq!(
            summary(1234, 56_700, 3.21),
            "1,234 messages, 55.4 KiB in 3.2 s"
        );
        assert_eq!(summary(1, 12, 0.0), "1 message, 12 B in 0.0 s");
    }
}
