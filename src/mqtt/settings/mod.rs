//! Connection settings, raw → validated → options, one job per file: the connection form
//! as typed and saved in profiles (`form`), broker URLs typed into it (`broker_url`), the
//! form checked field by field into [`ConnectionSettings`] (`validate`), and those turned
//! into rumqttc options (`options`). This file holds the validated settings themselves.

mod broker_url;
mod form;
mod options;
mod validate;

use std::time::Duration;

use crate::model::QoS;

pub use super::tls::{TlsOptions, Transport};
pub use form::ConnectionForm;
pub use options::{MAX_PACKET_SIZE, network_options};
pub use validate::{Field, SettingsError};

/// MQTT protocol version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MqttVersion {
    #[serde(rename = "3.1.1")]
    V311,
    #[default]
    #[serde(rename = "5")]
    V5,
}

impl MqttVersion {
    pub fn label(self) -> &'static str {
        match self {
            Self::V311 => "3.1.1",
            Self::V5 => "5",
        }
    }
}

/// One subscription the worker makes after every CONNACK, with its MQTT 5 options (a
/// 3.1.1 connection sends the filter and QoS only).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub filter: String,
    pub qos: QoS,
    /// Messages this connection publishes are not sent back to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_local: bool,
    /// Live messages keep the retain flag they were published with (otherwise only the
    /// retained messages sent on subscribing carry it). On by default: the tree tells which
    /// topics the broker keeps.
    #[serde(default = "yes")]
    pub retain_as_published: bool,
    /// When the broker sends its retained messages for this filter.
    #[serde(default, skip_serializing_if = "RetainHandling::is_default")]
    pub retain_handling: RetainHandling,
    /// The subscription identifier: set (1 ..= 268,435,455), or `None` for automatic (the
    /// subscription's place in the list, from 1, when the broker takes identifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
}

fn yes() -> bool {
    true
}

/// The largest subscription identifier MQTT 5 allows (a variable byte integer).
pub const MAX_SUBSCRIPTION_ID: u32 = 268_435_455;

impl Subscription {
    /// `filter` at `qos` with the default options.
    pub fn new(filter: impl Into<String>, qos: QoS) -> Self {
        Self {
            filter: filter.into(),
            qos,
            no_local: false,
            retain_as_published: true,
            retain_handling: RetainHandling::default(),
            id: None,
        }
    }
}

/// MQTT 5 retain handling: when the broker sends the retained messages of a filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetainHandling {
    /// 0: on every subscribe.
    #[default]
    Send,
    /// 1: only when the subscription is new (not on re-subscribing).
    IfNew,
    /// 2: never.
    Never,
}

impl RetainHandling {
    pub const ALL: [Self; 3] = [Self::Send, Self::IfNew, Self::Never];

    fn is_default(&self) -> bool {
        *self == Self::Send
    }

    /// The wire value, 0 to 2.
    pub fn as_u8(self) -> u8 {
        match self {
            Self::Send => 0,
            Self::IfNew => 1,
            Self::Never => 2,
        }
    }

    /// From the wire value (`--retain-handling 0|1|2`).
    pub fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_u8() == v)
    }

    /// In words, for the Connections window.
    pub fn label(self) -> &'static str {
        match self {
            Self::Send => "send retained on every subscribe",
            Self::IfNew => "send retained only if new",
            Self::Never => "never send retained",
        }
    }
}

/// The message the broker publishes for us when our connection ends without a DISCONNECT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// MQTT 5: seconds the broker waits before publishing it (a quick reconnect cancels it).
    pub delay_s: Option<u32>,
}

/// Validated settings, ready for the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub host: String,
    pub port: u16,
    pub version: MqttVersion,
    pub client_id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub keep_alive: Duration,
    /// MQTT 3.1.1 clean session / MQTT 5 clean start.
    pub clean_session: bool,
    /// MQTT 5: how long the broker keeps the session after a disconnect (0: not at all).
    pub session_expiry_s: u32,
    pub will: Option<Will>,
    pub subscriptions: Vec<Subscription>,
    /// MQTT 5: number the subscriptions without an identifier (1, 2, … in order).
    pub subscription_ids: bool,
    /// MQTT 5: topics published again go by a topic alias, within the broker's maximum.
    pub topic_aliases: bool,
    /// Dial the broker through this proxy.
    pub proxy: Option<super::proxy::ProxyUrl>,
    /// Payload bytes kept per message; the rest is cut and flagged.
    pub payload_cap: usize,
    pub transport: Transport,
    /// Path of the WebSocket endpoint (`/mqtt` on most brokers).
    pub ws_path: String,
    /// Used with the TLS transports.
    pub tls: TlsOptions,
    /// While messages stream, batches go to the consumer at most this often: the worker
    /// waits out the rest before reading on, so one wake-up takes many messages instead of
    /// two or three (zero: every read is handed on at once, for the lowest latency). Never
    /// after a QoS 1 or 2 message, whose acknowledgement must not wait.
    pub batch_linger: Duration,
}

/// The window's `batch_linger`: far below a data frame (100 ms), and it spares the worker a
/// wake-up per two or three messages while they stream.
pub const WINDOW_BATCH_LINGER: Duration = Duration::from_millis(5);

/// Default payload cap: 16 MiB.
pub const DEFAULT_PAYLOAD_CAP: usize = 16 << 20;

/// `mqscope-` and eight random letters and digits.
pub fn random_client_id() -> String {
    let suffix: String = (0..8).map(|_| fastrand::alphanumeric()).collect();
    format!("mqscope-{suffix}")
}

/// The default subscriptions: everything, and the broker's `$SYS` topics (which `#` does
/// not match), both at QoS 0.
pub fn default_subscriptions() -> Vec<Subscription> {
    ["#", "$SYS/#"]
        .into_iter()
        .map(|f| Subscription::new(f, QoS::AtMostOnce))
        .collect()
}

impl ConnectionSettings {
    /// Each subscription identifier the subscriptions carry, with its filter.
    pub fn id_filters(&self) -> Vec<(usize, String)> {
        self.subscriptions
            .iter()
            .enumerate()
            .filter_map(|(place, s)| {
                let id = s.id.map(|id| id as usize);
                let id = id.or(self.subscription_ids.then_some(place + 1))?;
                Some((id, s.filter.clone()))
            })
            .collect()
    }

    /// Settings for `host:port` with every default.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            version: MqttVersion::default(),
            client_id: random_client_id(),
            username: None,
            password: None,
            keep_alive: Duration::from_secs(30),
            clean_session: true,
            session_expiry_s: 0,
            will: None,
            subscriptions: default_subscriptions(),
            subscription_ids: false,
            topic_aliases: true,
            proxy: None,
            payload_cap: DEFAULT_PAYLOAD_CAP,
            transport: Transport::Tcp,
            ws_path: "/mqtt".into(),
            tls: TlsOptions::default(),
            batch_linger: Duration::ZERO,
        }
    }

    /// The broker as a URL: `mqtts://host:8883`, `ws://host:9001/mqtt`, …
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let path = if self.transport.is_websocket() {
            self.ws_path.as_str()
        } else {
            ""
        };
        format!("{}://{host}:{}{path}", self.transport.scheme(), self.port)
    }

    /// `host:port` for titles and messages.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_differ() {
        assert_ne!(random_client_id(), random_client_id());
    }
}
