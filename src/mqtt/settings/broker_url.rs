//! Broker URLs typed into the form or given with `--url`: `mqtt[s]://[user@]host[:port]`,
//! `ws[s]://[user@]host[:port][/path]`, or a bare `host[:port]`.

use super::validate::field_error;
use super::{ConnectionForm, Field, SettingsError, Transport};

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;

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
}
