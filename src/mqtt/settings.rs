//! Connection settings: the form's strings, validated into settings, turned into rumqttc options.

use std::time::Duration;

use crate::model::QoS;
use crate::model::topic_path::validate_filter;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub filter: String,
    pub qos: QoS,
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
    pub clean_session: bool,
    pub subscriptions: Vec<Subscription>,
    /// Payload bytes kept per message; the rest is cut and flagged.
    pub payload_cap: usize,
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
            subscriptions: default_subscriptions(),
            payload_cap: DEFAULT_PAYLOAD_CAP,
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

    pub fn v311_options(&self) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(&self.client_id, &self.host, self.port);
        o.set_keep_alive(self.keep_alive_at_least(Duration::from_secs(1)))
            .set_clean_session(self.clean_session)
            .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
            .set_inflight(100);
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        o
    }

    pub fn v5_options(&self) -> rumqttc::v5::MqttOptions {
        let mut o = rumqttc::v5::MqttOptions::new(&self.client_id, &self.host, self.port);
        // rumqttc 5 asserts ≥ 5 s even for 0; "off" becomes its minimum there.
        o.set_keep_alive(self.keep_alive.max(Duration::from_secs(5)))
            .set_clean_start(self.clean_session)
            .set_max_packet_size(Some(MAX_PACKET_SIZE as u32))
            .set_receive_maximum(Some(100));
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        o
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
    pub keep_alive_s: String,
    /// Comma-separated filters; empty means `#` and `$SYS/#`.
    pub subscriptions: String,
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
            keep_alive_s: "30".into(),
            subscriptions: String::new(),
        }
    }
}

impl ConnectionForm {
    /// Validates every field; the first problem is returned with its field.
    pub fn to_settings(&self, payload_cap: usize) -> Result<ConnectionSettings, SettingsError> {
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
        let subscriptions = if self.subscriptions.trim().is_empty() {
            default_subscriptions()
        } else {
            let mut subs = Vec::new();
            for filter in self
                .subscriptions
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
            {
                validate_filter(filter)
                    .map_err(|m| field_error(Field::Subscription, format!("{filter}: {m}")))?;
                subs.push(Subscription {
                    filter: filter.into(),
                    qos: QoS::AtMostOnce,
                });
            }
            subs
        };
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
            clean_session: true,
            subscriptions,
            payload_cap,
        })
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
            bad(|f| f.subscriptions = "a/#/b".into()),
            Field::Subscription
        );
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
}
