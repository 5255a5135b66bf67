//! Connection settings: the form's strings, validated into settings, turned into rumqttc options.

use std::time::Duration;

use crate::model::QoS;
use crate::model::topic_path::validate_filter;

pub use super::tls::{TlsOptions, Transport};

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

/// One subscription the worker makes after every CONNACK.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub filter: String,
    pub qos: QoS,
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

/// Largest packet MQTT allows (the remaining-length field's maximum). Accepting it means a
/// large retained message never kills the connection on every reconnect.
pub const MAX_PACKET_SIZE: usize = 268_435_455;

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
    /// Payload bytes kept per message; the rest is cut and flagged.
    pub payload_cap: usize,
    pub transport: Transport,
    /// Path of the WebSocket endpoint (`/mqtt` on most brokers).
    pub ws_path: String,
    /// Used with the TLS transports.
    pub tls: TlsOptions,
}

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
        .map(|f| Subscription {
            filter: f.into(),
            qos: QoS::AtMostOnce,
        })
        .collect()
}

impl ConnectionSettings {
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
            payload_cap: DEFAULT_PAYLOAD_CAP,
            transport: Transport::Tcp,
            ws_path: "/mqtt".into(),
            tls: TlsOptions::default(),
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

    /// rumqttc's transport for these settings (builds the TLS configuration).
    fn rumqttc_transport(&self) -> Result<rumqttc::Transport, String> {
        let tls = || {
            super::tls::client_config(&self.tls)
                .map(|c| rumqttc::TlsConfiguration::Rustls(std::sync::Arc::new(c)))
        };
        Ok(match self.transport {
            Transport::Tcp => rumqttc::Transport::Tcp,
            Transport::Tls => rumqttc::Transport::Tls(tls()?),
            Transport::Ws => rumqttc::Transport::Ws,
            Transport::Wss => rumqttc::Transport::Wss(tls()?),
        })
    }

    /// The address rumqttc dials: the host, or the whole URL for WebSocket.
    fn broker_addr(&self) -> String {
        if self.transport.is_websocket() {
            self.url()
        } else {
            self.host.clone()
        }
    }

    /// `host:port` for titles and messages.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// rumqttc panics on keep-alives it does not take (under 1 s for 3.1.1, under 5 s for
    /// 5, except 0 = off); settings that did not come through the form are raised to those.
    fn keep_alive_at_least(&self, min: Duration) -> Duration {
        if self.keep_alive.is_zero() {
            Duration::ZERO
        } else {
            self.keep_alive.max(min)
        }
    }

    /// rumqttc 3.1.1 options, or why they cannot be made (an unreadable certificate file).
    pub fn v311_options(&self) -> Result<rumqttc::MqttOptions, String> {
        let mut o = rumqttc::MqttOptions::new(&self.client_id, self.broker_addr(), self.port);
        o.set_transport(self.rumqttc_transport()?);
        o.set_keep_alive(self.keep_alive_at_least(Duration::from_secs(1)))
            .set_clean_session(self.clean_session)
            .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
            .set_inflight(100);
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        if let Some(w) = &self.will {
            o.set_last_will(rumqttc::LastWill::new(
                &w.topic,
                w.payload.clone(),
                super::worker::v311_qos(w.qos),
                w.retain,
            ));
        }
        Ok(o)
    }

    /// rumqttc 5 options, or why they cannot be made.
    pub fn v5_options(&self) -> Result<rumqttc::v5::MqttOptions, String> {
        let mut o = rumqttc::v5::MqttOptions::new(&self.client_id, self.broker_addr(), self.port);
        o.set_transport(self.rumqttc_transport()?);
        // rumqttc 5 asserts ≥ 5 s even for 0; "off" becomes its minimum there.
        o.set_keep_alive(self.keep_alive.max(Duration::from_secs(5)))
            .set_clean_start(self.clean_session)
            .set_session_expiry_interval(
                (self.session_expiry_s > 0).then_some(self.session_expiry_s),
            )
            .set_max_packet_size(Some(MAX_PACKET_SIZE as u32))
            .set_receive_maximum(Some(100));
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        if let Some(w) = &self.will {
            let properties = w
                .delay_s
                .map(|d| rumqttc::v5::mqttbytes::v5::LastWillProperties {
                    delay_interval: Some(d),
                    payload_format_indicator: None,
                    message_expiry_interval: None,
                    content_type: None,
                    response_topic: None,
                    correlation_data: None,
                    user_properties: Vec::new(),
                });
            o.set_last_will(rumqttc::v5::mqttbytes::v5::LastWill::new(
                &w.topic,
                w.payload.clone(),
                super::worker::v5_qos(w.qos),
                w.retain,
                properties,
            ));
        }
        Ok(o)
    }
}

/// Which form field a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Host,
    Port,
    ClientId,
    KeepAlive,
    Subscription,
    /// The broker URL typed into the host field.
    Url,
    CaFile,
    CertFile,
    KeyFile,
    ServerName,
    /// ALPN protocols (any text is accepted).
    Alpn,
    WsPath,
    SessionExpiry,
    WillTopic,
    WillDelay,
}

/// A form field that does not validate, with the message to show next to it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    pub field: Field,
    pub message: String,
}

fn field_error(field: Field, message: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        message: message.into(),
    }
}

/// A count of seconds typed into `field`; `None` when empty.
fn seconds(text: &str, field: Field) -> Result<Option<u32>, SettingsError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| field_error(field, "a number of seconds (0 to 4294967295)"))
}

/// Reads the subscriptions of a saved form: a list, or (older profiles) a comma-separated
/// string of filters at QoS 0, empty for the defaults.
fn subscriptions_compat<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<Subscription>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<Subscription>),
        Text(String),
    }
    Ok(match <Either as serde::Deserialize>::deserialize(d)? {
        Either::List(list) => list,
        Either::Text(text) if text.trim().is_empty() => default_subscriptions(),
        Either::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| Subscription {
                filter: f.into(),
                qos: QoS::AtMostOnce,
            })
            .collect(),
    })
}

/// The connection form as typed: strings until validated.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ConnectionForm {
    pub host: String,
    pub port: String,
    pub version: MqttVersion,
    /// Empty means a fresh random id on each connect.
    pub client_id: String,
    pub username: String,
    /// Never saved to disk.
    #[serde(skip)]
    pub password: String,
    /// Keep the password of this profile in the OS keychain (never in our files).
    pub remember_password: bool,
    pub keep_alive_s: String,
    /// Filters and their QoS, as typed (rows with an empty filter are left out); none
    /// subscribes to nothing. Profiles saved before this was a list held a comma-separated
    /// string, read as filters at QoS 0 (empty: the defaults).
    #[serde(deserialize_with = "subscriptions_compat")]
    pub subscriptions: Vec<Subscription>,
    pub transport: Transport,
    /// WebSocket path, for the WebSocket transports.
    pub ws_path: String,
    /// PEM file of extra trusted CA certificates (empty: the OS trust store only).
    pub ca_file: String,
    /// PEM client certificate for mutual TLS (empty: none).
    pub cert_file: String,
    /// PEM key of the client certificate.
    pub key_file: String,
    /// Passphrase of an encrypted client key. Never saved to disk.
    #[serde(skip)]
    pub key_passphrase: String,
    /// Name to check the server certificate against (empty: the host).
    pub server_name: String,
    /// ALPN protocols to offer, comma-separated (e.g. `mqtt` for AWS IoT on port 443).
    pub alpn: String,
    /// Accept any server certificate (shown as a warning while on).
    pub insecure: bool,
    /// Off: the broker keeps our session (subscriptions, queued messages) between connections.
    pub clean_session: bool,
    /// MQTT 5 session expiry in seconds (empty: 0).
    pub session_expiry_s: String,
    /// Last will: empty topic for none.
    pub will_topic: String,
    pub will_payload: String,
    pub will_qos: QoS,
    pub will_retain: bool,
    /// MQTT 5 will delay in seconds (empty: none).
    pub will_delay_s: String,
}

impl Default for ConnectionForm {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: "1883".into(),
            version: MqttVersion::default(),
            client_id: String::new(),
            username: String::new(),
            password: String::new(),
            remember_password: false,
            keep_alive_s: "30".into(),
            subscriptions: default_subscriptions(),
            transport: Transport::Tcp,
            ws_path: "/mqtt".into(),
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
            key_passphrase: String::new(),
            server_name: String::new(),
            alpn: String::new(),
            insecure: false,
            clean_session: true,
            session_expiry_s: String::new(),
            will_topic: String::new(),
            will_payload: String::new(),
            will_qos: QoS::AtMostOnce,
            will_retain: false,
            will_delay_s: String::new(),
        }
    }
}

impl ConnectionForm {
    /// Fills the form from a broker URL: `mqtt[s]://[user@]host[:port]`,
    /// `ws[s]://[user@]host[:port][/path]` (a bare `host[:port]` means plain TCP). The port
    /// defaults to the scheme's usual one; a password in the URL is refused (it would end up
    /// in shell history).
    pub fn apply_url(&mut self, url: &str) -> Result<(), SettingsError> {
        let bad = |m: &str| field_error(Field::Url, m);
        let url = url.trim();
        let (transport, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (
                Transport::from_scheme(scheme)
                    .ok_or_else(|| bad("the URL starts with mqtt://, mqtts://, ws:// or wss://"))?,
                rest,
            ),
            None => (Transport::Tcp, url),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((user, hp)) => {
                if user.contains(':') {
                    return Err(bad(
                        "no password in the URL: use the password field or --password-env",
                    ));
                }
                (Some(user), hp)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address is closed with ]"))?;
            (h, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(bad("the URL has no host"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(|| bad("the port is a number from 1 to 65535"))?,
            None => transport.default_port(),
        };
        if !path.is_empty() && !transport.is_websocket() {
            return Err(bad("only WebSocket URLs have a path"));
        }
        self.transport = transport;
        self.host = host.into();
        self.port = port.to_string();
        if transport.is_websocket() {
            self.ws_path = if path.is_empty() {
                "/mqtt".into()
            } else {
                path.into()
            };
        }
        if let Some(user) = user {
            self.username = user.into();
        }
        Ok(())
    }

    /// Validates every field; the first problem is returned with its field.
    pub fn to_settings(&self, payload_cap: usize) -> Result<ConnectionSettings, SettingsError> {
        if self.host.contains("://") {
            let mut from_url = self.clone();
            from_url.apply_url(&self.host)?;
            return from_url.to_settings(payload_cap);
        }
        let host = self.host.trim();
        if host.is_empty() {
            return Err(field_error(Field::Host, "enter a host name or address"));
        }
        if host.contains(char::is_whitespace) || host.contains('/') {
            return Err(field_error(Field::Host, "a host has no spaces or slashes"));
        }
        let port = match self.port.trim().parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                return Err(field_error(
                    Field::Port,
                    "a port is a number from 1 to 65535",
                ));
            }
        };
        let client_id = self.client_id.trim();
        if client_id.len() > 65_535 {
            return Err(field_error(
                Field::ClientId,
                "a client id is at most 65,535 bytes",
            ));
        }
        let keep_alive = match self.keep_alive_s.trim().parse::<u16>() {
            Ok(s) if s == 0 || s >= 5 => Duration::from_secs(s.into()),
            _ => {
                return Err(field_error(
                    Field::KeepAlive,
                    "keep-alive is 0 (off) or 5 to 65535 seconds",
                ));
            }
        };
        let mut subscriptions = Vec::new();
        for s in &self.subscriptions {
            let filter = s.filter.trim();
            if filter.is_empty() {
                continue;
            }
            validate_filter(filter)
                .map_err(|m| field_error(Field::Subscription, format!("{filter}: {m}")))?;
            subscriptions.push(Subscription {
                filter: filter.into(),
                qos: s.qos,
            });
        }
        Ok(ConnectionSettings {
            host: host.into(),
            port,
            version: self.version,
            client_id: if client_id.is_empty() {
                random_client_id()
            } else {
                client_id.into()
            },
            username: (!self.username.is_empty()).then(|| self.username.clone()),
            password: (!self.password.is_empty()).then(|| self.password.clone()),
            keep_alive,
            clean_session: self.clean_session,
            session_expiry_s: seconds(&self.session_expiry_s, Field::SessionExpiry)?.unwrap_or(0),
            will: self.will_checked()?,
            subscriptions,
            payload_cap,
            transport: self.transport,
            ws_path: self.ws_path_checked()?,
            tls: self.tls_checked()?,
        })
    }

    fn will_checked(&self) -> Result<Option<Will>, SettingsError> {
        let topic = self.will_topic.trim();
        if topic.is_empty() {
            return Ok(None);
        }
        crate::model::payload_format::validate_topic(topic)
            .map_err(|m| field_error(Field::WillTopic, format!("last will topic: {m}")))?;
        Ok(Some(Will {
            topic: topic.into(),
            payload: self.will_payload.as_bytes().to_vec(),
            qos: self.will_qos,
            retain: self.will_retain,
            delay_s: seconds(&self.will_delay_s, Field::WillDelay)?,
        }))
    }

    fn ws_path_checked(&self) -> Result<String, SettingsError> {
        let path = self.ws_path.trim();
        if !self.transport.is_websocket() {
            return Ok("/mqtt".into());
        }
        if !path.starts_with('/') || path.contains(char::is_whitespace) {
            return Err(field_error(
                Field::WsPath,
                "a WebSocket path starts with / and has no spaces",
            ));
        }
        Ok(path.into())
    }

    /// The TLS files, checked to be readable now rather than at the first handshake.
    fn tls_checked(&self) -> Result<TlsOptions, SettingsError> {
        let file = |s: &str, field, what: &str| -> Result<Option<std::path::PathBuf>, _> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match std::fs::metadata(s) {
                Ok(m) if m.is_file() => Ok(Some(s.into())),
                Ok(_) => Err(field_error(field, format!("the {what} {s} is not a file"))),
                Err(e) => Err(field_error(field, format!("the {what} {s}: {e}"))),
            }
        };
        let key_file = file(&self.key_file, Field::KeyFile, "key")?;
        // An encrypted key without its passphrase is said now; a wrong passphrase shows at
        // the handshake (decrypting takes a moment: not on every keystroke).
        if let Some(key) = &key_file
            && self.key_passphrase.is_empty()
            && std::fs::read(key).is_ok_and(|b| b.windows(9).any(|w| w == b"ENCRYPTED"))
        {
            return Err(field_error(
                Field::KeyFile,
                "this key is encrypted: enter its passphrase",
            ));
        }
        let server_name = self.server_name.trim();
        if !server_name.is_empty() {
            rustls::pki_types::ServerName::try_from(server_name).map_err(|_| {
                field_error(
                    Field::ServerName,
                    format!("\"{server_name}\" is not a host name"),
                )
            })?;
        }
        let options = TlsOptions {
            ca_file: file(&self.ca_file, Field::CaFile, "CA file")?,
            cert_file: file(&self.cert_file, Field::CertFile, "certificate")?,
            key_file,
            key_passphrase: self.key_passphrase.clone(),
            server_name: (!server_name.is_empty()).then(|| server_name.to_string()),
            alpn: self
                .alpn
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
            insecure: self.insecure,
        };
        match (&options.cert_file, &options.key_file) {
            (Some(_), None) => Err(field_error(
                Field::KeyFile,
                "a client certificate needs its key file",
            )),
            (None, Some(_)) => Err(field_error(
                Field::CertFile,
                "a client key needs its certificate file",
            )),
            _ => Ok(options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_form_validates() {
        let s = ConnectionForm::default()
            .to_settings(DEFAULT_PAYLOAD_CAP)
            .unwrap();
        assert_eq!(s.port, 1883);
        assert!(s.client_id.starts_with("mqscope-") && s.client_id.len() == 16);
        let filters: Vec<_> = s.subscriptions.iter().map(|s| s.filter.as_str()).collect();
        assert_eq!(filters, ["#", "$SYS/#"]);
        assert_eq!(s.address(), "127.0.0.1:1883");
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let bad = |f: fn(&mut ConnectionForm)| {
            let mut form = ConnectionForm::default();
            f(&mut form);
            form.to_settings(1).unwrap_err().field
        };
        assert_eq!(bad(|f| f.host = " ".into()), Field::Host);
        assert_eq!(bad(|f| f.port = "0".into()), Field::Port);
        assert_eq!(bad(|f| f.port = "70000".into()), Field::Port);
        assert_eq!(bad(|f| f.port = "abc".into()), Field::Port);
        assert_eq!(bad(|f| f.keep_alive_s = "2".into()), Field::KeepAlive);
        assert_eq!(
            bad(|f| f.subscriptions[0].filter = "a/#/b".into()),
            Field::Subscription
        );
    }

    #[test]
    fn subscriptions_keep_their_qos_and_old_profiles_still_read() {
        let mut form = ConnectionForm {
            subscriptions: vec![
                Subscription {
                    filter: " sensors/# ".into(),
                    qos: QoS::ExactlyOnce,
                },
                Subscription {
                    filter: "".into(),
                    qos: QoS::AtLeastOnce,
                },
            ],
            ..ConnectionForm::default()
        };
        let s = form.to_settings(1).unwrap();
        assert_eq!(
            s.subscriptions,
            [Subscription {
                filter: "sensors/#".into(),
                qos: QoS::ExactlyOnce
            }],
            "trimmed, empty rows left out"
        );
        form.subscriptions.clear();
        assert!(form.to_settings(1).unwrap().subscriptions.is_empty());
        let json = serde_json::to_string(&ConnectionForm::default()).unwrap();
        let back: ConnectionForm = serde_json::from_str(&json).unwrap();
        assert_eq!(back.subscriptions, default_subscriptions());
        let old: ConnectionForm =
            serde_json::from_str(r#"{"subscriptions": "a/#, b/+/c"}"#).unwrap();
        let filters: Vec<_> = old
            .subscriptions
            .iter()
            .map(|s| s.filter.as_str())
            .collect();
        assert_eq!(filters, ["a/#", "b/+/c"]);
        let old: ConnectionForm = serde_json::from_str(r#"{"subscriptions": ""}"#).unwrap();
        assert_eq!(old.subscriptions, default_subscriptions());
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(random_client_id(), random_client_id());
    }

    #[test]
    fn password_is_never_serialised() {
        let form = ConnectionForm {
            password: "secret".into(),
            ..Default::default()
        };
        let json = serde_json::to_string(&form).unwrap();
        assert!(!json.contains("secret"));
    }

    #[test]
    fn broker_urls_fill_the_form() {
        let mut f = ConnectionForm::default();
        f.apply_url("mqtts://alice@broker.example:8884").unwrap();
        assert_eq!(
            (
                f.transport,
                f.host.as_str(),
                f.port.as_str(),
                f.username.as_str()
            ),
            (Transport::Tls, "broker.example", "8884", "alice")
        );
        f.apply_url("wss://broker.example/ws").unwrap();
        assert_eq!((f.transport, f.port.as_str()), (Transport::Wss, "443"));
        assert_eq!(f.ws_path, "/ws");
        f.apply_url("ws://[::1]:9001").unwrap();
        assert_eq!((f.host.as_str(), f.port.as_str()), ("::1", "9001"));
        assert_eq!(f.ws_path, "/mqtt");
        f.apply_url("10.0.0.7").unwrap();
        assert_eq!((f.transport, f.port.as_str()), (Transport::Tcp, "1883"));
        for bad in [
            "http://x",
            "mqtt://u:secret@x",
            "mqtt://x:0",
            "mqtt://x/path",
            "mqtt://",
        ] {
            assert_eq!(f.apply_url(bad).unwrap_err().field, Field::Url, "{bad}");
        }
        // The host field takes a URL too.
        let typed = ConnectionForm {
            host: "ws://127.0.0.1:9001/mqtt".into(),
            ..ConnectionForm::default()
        };
        let s = typed.to_settings(DEFAULT_PAYLOAD_CAP).unwrap();
        assert_eq!(s.url(), "ws://127.0.0.1:9001/mqtt");
    }

    #[test]
    fn tls_files_are_checked_before_connecting() {
        let f = ConnectionForm {
            transport: Transport::Tls,
            ca_file: "/nonexistent/ca.pem".into(),
            ..ConnectionForm::default()
        };
        assert_eq!(f.to_settings(1).unwrap_err().field, Field::CaFile);
        let half = ConnectionForm {
            transport: Transport::Tls,
            cert_file: "/etc/hostname".into(),
            ..ConnectionForm::default()
        };
        assert_eq!(half.to_settings(1).unwrap_err().field, Field::KeyFile);
    }

    #[test]
    fn session_and_last_will_fields() {
        let f = ConnectionForm {
            clean_session: false,
            session_expiry_s: "3600".into(),
            will_topic: "app/status".into(),
            will_payload: "gone".into(),
            will_qos: QoS::AtLeastOnce,
            will_delay_s: "5".into(),
            ..ConnectionForm::default()
        };
        let s = f.to_settings(1).unwrap();
        assert!(!s.clean_session);
        assert_eq!(s.session_expiry_s, 3600);
        let will = s.will.clone().unwrap();
        assert_eq!((will.topic.as_str(), will.delay_s), ("app/status", Some(5)));
        assert!(s.v5_options().is_ok() && s.v311_options().is_ok());
        let bad_topic = ConnectionForm {
            will_topic: "a/+/b".into(),
            ..ConnectionForm::default()
        };
        assert_eq!(
            bad_topic.to_settings(1).unwrap_err().field,
            Field::WillTopic
        );
        let bad_expiry = ConnectionForm {
            session_expiry_s: "soon".into(),
            ..ConnectionForm::default()
        };
        assert_eq!(
            bad_expiry.to_settings(1).unwrap_err().field,
            Field::SessionExpiry
        );
    }
}
