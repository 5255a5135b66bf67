//! The connection form as typed and saved in profiles: strings until validated, with
//! `#[serde(default)]` so older profiles still read.

use crate::model::QoS;
use crate::model::decode::rules::DecoderRule;

use super::{MqttVersion, Subscription, Transport, default_subscriptions};

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
            .map(|f| Subscription::new(f, QoS::AtMostOnce))
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
    /// MQTT 5: number the subscriptions without an identifier of their own (1, 2, … in
    /// order), so each message says which delivered it.
    pub subscription_ids: bool,
    /// MQTT 5: topics published again go by a topic alias, within the broker's maximum.
    pub topic_aliases: bool,
    /// Keep this connection's messages on disk (`None`: as the Limits window says for all).
    pub keep_history: Option<bool>,
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
    /// `http://[user@]host:port` or `socks5://[user@]host:port` (empty: none).
    pub proxy: String,
    /// The proxy's password. Never saved to disk.
    #[serde(skip)]
    pub proxy_password: String,
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
    /// Topic filter → decoder rules, in order (the first match decodes a message); saved,
    /// exported and imported with the profile.
    pub decoders: Vec<DecoderRule>,
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
            subscription_ids: false,
            topic_aliases: true,
            keep_history: None,
            transport: Transport::Tcp,
            ws_path: "/mqtt".into(),
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
            key_passphrase: String::new(),
            server_name: String::new(),
            alpn: String::new(),
            insecure: false,
            proxy: String::new(),
            proxy_password: String::new(),
            clean_session: true,
            session_expiry_s: String::new(),
            will_topic: String::new(),
            will_payload: String::new(),
            will_qos: QoS::AtMostOnce,
            will_retain: false,
            will_delay_s: String::new(),
            decoders: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_keep_their_qos_and_old_profiles_still_read() {
        let mut form = ConnectionForm {
            subscriptions: vec![
                Subscription::new(" sensors/# ", QoS::ExactlyOnce),
                Subscription::new("", QoS::AtLeastOnce),
            ],
            ..ConnectionForm::default()
        };
        let s = form.to_settings(1).unwrap();
        assert_eq!(
            s.subscriptions,
            [Subscription::new("sensors/#", QoS::ExactlyOnce)],
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
    fn password_is_never_serialised() {
        let form = ConnectionForm {
            password: "secret".into(),
            ..Default::default()
        };
        let json = serde_json::to_string(&form).unwrap();
        assert!(!json.contains("secret"));
    }
}
