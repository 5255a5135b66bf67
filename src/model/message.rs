//! One received MQTT message as the store keeps it, plus its MQTT 5 properties.

use super::payload::Payload;

/// Quality of service, as received.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum QoS {
    #[default]
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

impl QoS {
    pub fn from_u8(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::AtMostOnce),
            1 => Some(Self::AtLeastOnce),
            2 => Some(Self::ExactlyOnce),
            _ => None,
        }
    }

    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// MQTT 5 publish properties; absent for MQTT 3.1.1 messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Properties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_format_indicator: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expiry_interval: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_alias: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_topic: Option<String>,
    /// Correlation data is binary; shown as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_data: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_properties: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscription_identifiers: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl Properties {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Heap bytes this set of properties holds (for the history budget).
    pub fn heap_bytes(&self) -> usize {
        self.response_topic.as_ref().map_or(0, String::len)
            + self.correlation_data.as_ref().map_or(0, Vec::len)
            + self
                .user_properties
                .iter()
                .map(|(k, v)| k.len() + v.len() + 48)
                .sum::<usize>()
            + self.subscription_identifiers.len() * 8
            + self.content_type.as_ref().map_or(0, String::len)
            + std::mem::size_of::<Self>()
    }
}

/// A message in a topic's history. The topic itself is the tree node that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Wall-clock receive time, microseconds since the Unix epoch.
    pub received_at_us: i64,
    pub qos: QoS,
    pub retain: bool,
    /// The packet identifier it came with (0 at QoS 0), as `sub -F %m` prints it.
    pub pkid: u16,
    /// Read back from the history on disk (stored before this run), not received live.
    pub from_disk: bool,
    pub payload: Payload,
    /// Boxed because most messages (all MQTT 3.1.1 ones) have none.
    pub properties: Option<Box<Properties>>,
}

/// Bytes of the store's arrival-order record each history entry has.
pub const ORDER_RECORD_BYTES: usize = 16;

/// Bytes the allocator really takes for a block of `n` bytes (a header and 16-byte
/// granules, at least 32, as glibc's malloc does; 0 for nothing).
pub fn allocated_bytes(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n + 8).next_multiple_of(16).max(32)
    }
}

impl Message {
    /// Bytes this message costs in history, as counted against the budgets: its slot, its
    /// arrival-order record, and its payload, properties and decoded form as the allocator holds them,
    /// so the budget bounds the memory really used.
    pub fn cost(&self) -> usize {
        std::mem::size_of::<Self>()
            + ORDER_RECORD_BYTES
            + allocated_bytes(self.payload.bytes().len())
            + self.properties.as_ref().map_or(0, |p| p.heap_bytes())
            + self.payload.decoded().map_or(0, |d| d.heap_bytes())
    }
}

/// A message as it arrives from the network, before it is filed under its topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub topic: String,
    pub message: Message,
}

impl Incoming {
    /// Whether this is the reply on `topic` to the MQTT 5 request that carried
    /// `correlation` (request/response: `mqscope request`, "Wait for reply").
    pub fn is_reply(&self, topic: &str, correlation: &[u8]) -> bool {
        self.topic == topic
            && self
                .message
                .properties
                .as_ref()
                .and_then(|p| p.correlation_data.as_deref())
                == Some(correlation)
    }
}

/// Fresh correlation data for a request: sixteen random bytes as 32 hex digits.
pub fn new_correlation() -> Vec<u8> {
    (0..16)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect::<String>()
        .into_bytes()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    now_us() / 1000
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
