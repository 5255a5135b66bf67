//! Form → validated settings: each field checked, the first problem returned with the
//! field it is in and a message to show next to it.

use std::time::Duration;

use crate::model::topic_path::validate_filter;

use super::{ConnectionForm, ConnectionSettings, Subscription, TlsOptions, Will, random_client_id};

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
    Proxy,
}

/// A form field that does not validate, with the message to show next to it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    pub field: Field,
    pub message: String,
}

pub(super) fn field_error(field: Field, message: impl Into<String>) -> SettingsError {
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

impl ConnectionForm {
    /// Validates every field; the first problem is returned with its field.
    /// The subscription rows checked: empty ones left out, each filter valid, numbered
    /// ones given their row's place from 1 as identifier.
    pub fn checked_subscriptions(&self) -> Result<Vec<Subscription>, SettingsError> {
        let mut subscriptions = Vec::new();
        for (place, s) in self.subscriptions.iter().enumerate() {
            let filter = s.filter.trim();
            if filter.is_empty() {
                continue;
            }
            validate_filter(filter)
                .map_err(|m| field_error(Field::Subscription, format!("{filter}: {m}")))?;
            if s.id
                .is_some_and(|id| id == 0 || id > super::MAX_SUBSCRIPTION_ID)
            {
                return Err(field_error(
                    Field::Subscription,
                    format!(
                        "{filter}: a subscription identifier is 1 to {}",
                        super::MAX_SUBSCRIPTION_ID
                    ),
                ));
            }
            // Numbered by the row's place in the form, as the form shows it.
            let numbered = self.subscription_ids.then_some(place as u32 + 1);
            subscriptions.push(Subscription {
                filter: filter.into(),
                id: s.id.or(numbered),
                ..s.clone()
            });
        }
        Ok(subscriptions)
    }

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
        let subscriptions = self.checked_subscriptions()?;
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
            subscription_ids: self.subscription_ids,
            topic_aliases: self.topic_aliases,
            proxy: self.proxy_checked()?,
            payload_cap,
            transport: self.transport,
            ws_path: self.ws_path_checked()?,
            tls: self.tls_checked()?,
            batch_linger: Duration::ZERO,
        })
    }

    /// The proxy URL with the password of its own field; a password in the URL is refused
    /// (the URL is saved with the profile, the password never).
    fn proxy_checked(&self) -> Result<Option<super::super::proxy::ProxyUrl>, SettingsError> {
        let text = self.proxy.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let mut url: super::super::proxy::ProxyUrl =
            text.parse()
                .map_err(|e: super::super::proxy::ProxyUrlError| {
                    field_error(Field::Proxy, e.to_string())
                })?;
        if url.password.as_deref().is_some_and(|p| !p.is_empty()) {
            return Err(field_error(
                Field::Proxy,
                "give the proxy password in its own field (it is never saved), not in the URL",
            ));
        }
        if !self.proxy_password.is_empty() {
            url.password = Some(self.proxy_password.clone());
        }
        Ok(Some(url))
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
    use crate::model::QoS;
    use crate::mqtt::settings::{DEFAULT_PAYLOAD_CAP, Field, Transport};

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
