//! Broker URLs typed into the form or given with `--url`: `mqtt[s]://[user@]host[:port]`,
//! `ws[s]://[user@]host[:port][/path]`, or a bare `host[:port]` (plain TCP). Parsed by the
//! `url` crate (WHATWG rules), so an `@`, `%` or `:` typed percent-encoded in the user name
//! arrives decoded, IPv6 hosts are checked, and a port is digits only.

use percent_encoding::percent_decode_str;
use url::{Host, ParseError, Url};

use super::validate::field_error;
use super::{ConnectionForm, Field, SettingsError, Transport};

const UNKNOWN_SCHEME: &str = "the URL starts with mqtt://, mqtts://, ws:// or wss://";
const BAD_PORT: &str = "the port is a number from 1 to 65535";
const NO_HOST: &str = "the URL has no host";

impl ConnectionForm {
    /// Fills the form from a broker URL: `mqtt[s]://[user@]host[:port]`,
    /// `ws[s]://[user@]host[:port][/path]` (a bare `host[:port]` means plain TCP). The port
    /// defaults to the scheme's usual one; a password in the URL is refused (it would end up
    /// in shell history). On an error the form is left as it was.
    pub fn apply_url(&mut self, url: &str) -> Result<(), SettingsError> {
        let url = BrokerUrl::parse(url)?;
        self.transport = url.transport;
        self.host = url.host;
        self.port = url.port.to_string();
        if let Some(path) = url.ws_path {
            self.ws_path = path;
        }
        if let Some(user) = url.username {
            self.username = user;
        }
        Ok(())
    }
}

/// A broker URL taken apart into what the form holds.
#[derive(Debug, PartialEq, Eq)]
struct BrokerUrl {
    transport: Transport,
    /// A name or an address; IPv6 without its brackets.
    host: String,
    /// The one typed, else the transport's usual one.
    port: u16,
    /// WebSocket URLs only: the path (and query) to ask for, `/mqtt` when none is typed.
    ws_path: Option<String>,
    /// Percent-decoded; `None` when the URL names no user.
    username: Option<String>,
}

fn bad(message: &str) -> SettingsError {
    field_error(Field::Url, message)
}

impl BrokerUrl {
    fn parse(text: &str) -> Result<Self, SettingsError> {
        let text = text.trim();
        // Without `://` it is a bare `host[:port]`; the url crate would read `host:1883` as
        // a URL of the scheme `host`.
        let (scheme, rest) = text.split_once("://").unwrap_or(("mqtt", text));
        let transport = Transport::from_scheme(scheme).ok_or_else(|| bad(UNKNOWN_SCHEME))?;
        // The canonical scheme, so `tcp://` and `ssl://` parse like `mqtt://` and `mqtts://`.
        let url = Url::parse(&format!("{}://{rest}", transport.scheme()))
            .map_err(|e| parse_error(e, rest))?;
        if url.password().is_some() {
            return Err(bad(
                "no password in the URL: use the password field or --password-env",
            ));
        }
        let host = host(&url)?;
        let port = match url.port() {
            Some(0) => return Err(bad(BAD_PORT)),
            Some(port) => port,
            // Absent, or (ws, wss) the scheme's default, which the url crate leaves out.
            None => transport.default_port(),
        };
        let ws_path = if transport.is_websocket() {
            Some(ws_path(&url, rest))
        } else if !url.path().is_empty() || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("only WebSocket URLs have a path"));
        } else {
            None
        };
        Ok(Self {
            transport,
            host,
            port,
            ws_path,
            username: decoded(url.username(), "user name")?,
        })
    }
}

/// The url crate's error in the words the form used before it.
fn parse_error(e: ParseError, rest: &str) -> SettingsError {
    match e {
        ParseError::EmptyHost => bad(NO_HOST),
        ParseError::InvalidPort => bad(BAD_PORT),
        ParseError::InvalidIpv6Address if rest.contains('[') && !rest.contains(']') => {
            bad("an IPv6 address is closed with ]")
        }
        ParseError::InvalidIpv6Address => bad("the host is not a valid IPv6 address"),
        // `://x` and the like: no scheme before the `://`.
        ParseError::RelativeUrlWithoutBase => bad(UNKNOWN_SCHEME),
        other => bad(&format!("not a broker URL: {other}")),
    }
}

/// The host as the form holds it: IPv6 without brackets, a name percent-decoded (mqtt and
/// mqtts URLs keep names as typed, encoded; ws and wss ones are lowercased and IDNA-mapped).
fn host(url: &Url) -> Result<String, SettingsError> {
    match url.host() {
        None => Err(bad(NO_HOST)),
        Some(Host::Domain(name)) => match decoded(name, "host")? {
            Some(name) => Ok(name),
            None => Err(bad(NO_HOST)),
        },
        Some(Host::Ipv4(ip)) => Ok(ip.to_string()),
        Some(Host::Ipv6(ip)) => Ok(ip.to_string()),
    }
}

/// A WebSocket URL's path and query; `/mqtt` when no path was typed (the url crate gives
/// `ws://host` the path `/`, the same as `ws://host/`, so `rest` is looked at for one).
fn ws_path(url: &Url, rest: &str) -> String {
    // The authority ends at the first of these; a path was typed if it is a slash.
    let typed = rest
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#'))
        .is_some_and(|c| c == '/' || c == '\\');
    let path = if typed { url.path() } else { "/mqtt" };
    match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    }
}

/// `text` percent-decoded; `None` when empty.
fn decoded(text: &str, what: &str) -> Result<Option<String>, SettingsError> {
    if text.is_empty() {
        return Ok(None);
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| Some(s.into_owned()))
        .map_err(|_| bad(&format!("the {what} in the URL is not UTF-8 once decoded")))
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

    /// The form after `url`, or the message and field of its error.
    fn apply(url: &str) -> Result<ConnectionForm, (Field, String)> {
        let mut form = ConnectionForm::default();
        form.apply_url(url)
            .map(|()| form)
            .map_err(|e| (e.field, e.message))
    }

    fn refused(url: &str) -> String {
        let (field, message) = apply(url).expect_err(url);
        assert_eq!(field, Field::Url, "{url}");
        message
    }

    #[test]
    fn user_names_are_percent_decoded() {
        let f = apply("mqtts://al%40ice@host").unwrap();
        assert_eq!(
            (
                f.transport,
                f.username.as_str(),
                f.host.as_str(),
                f.port.as_str()
            ),
            (Transport::Tls, "al@ice", "host", "8883")
        );
        let f = apply("mqtt://a%25b@host:1884").unwrap();
        assert_eq!(
            (f.username.as_str(), f.host.as_str(), f.port.as_str()),
            ("a%b", "host", "1884")
        );
        // An @ typed as it is: the last one ends the user name.
        let f = apply("mqtt://al@ice@host").unwrap();
        assert_eq!((f.username.as_str(), f.host.as_str()), ("al@ice", "host"));
        let s = ConnectionForm {
            host: "mqtts://al%40ice@host".into(),
            ..ConnectionForm::default()
        };
        let s = s.to_settings(DEFAULT_PAYLOAD_CAP).unwrap();
        assert_eq!(s.username.as_deref(), Some("al@ice"), "the host field too");
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_an_encoded_colon_is_the_user_name() {
        for url in [
            "mqtt://alice:secret@host",
            "mqtt://al%40ice:s%40cret@host:1884",
            "wss://alice:secret@[::1]/ws",
        ] {
            let said = refused(url);
            assert_eq!(
                said, "no password in the URL: use the password field or --password-env",
                "{url}"
            );
        }
        let f = apply("mqtt://u%3Ax@host").unwrap();
        assert_eq!(f.username, "u:x");
    }

    #[test]
    fn ipv6_hosts() {
        let f = apply("mqtt://al%40ice@[::1]:1884").unwrap();
        assert_eq!(
            (f.username.as_str(), f.host.as_str(), f.port.as_str()),
            ("al@ice", "::1", "1884")
        );
        let f = apply("[::1]").unwrap();
        assert_eq!((f.host.as_str(), f.port.as_str()), ("::1", "1883"));
        assert_eq!(refused("mqtt://[::1"), "an IPv6 address is closed with ]");
        for url in [
            "mqtt://[::1]junk",
            "mqtt://[not-v6]:1883",
            "ws://[::1]x/mqtt",
        ] {
            refused(url);
        }
    }

    #[test]
    fn websocket_paths() {
        let f = apply("ws://al%40ice@host:9001/mqtt?token=a%20b").unwrap();
        assert_eq!(
            (f.username.as_str(), f.host.as_str(), f.port.as_str()),
            ("al@ice", "host", "9001")
        );
        assert_eq!(f.ws_path, "/mqtt?token=a%20b");
        let f = apply("wss://host").unwrap();
        assert_eq!((f.ws_path.as_str(), f.port.as_str()), ("/mqtt", "443"));
        assert_eq!(apply("wss://host/").unwrap().ws_path, "/");
        let f = apply("ws://host?x=1").unwrap();
        assert_eq!((f.host.as_str(), f.ws_path.as_str()), ("host", "/mqtt?x=1"));
        assert_eq!(
            refused("mqtt://host/path"),
            "only WebSocket URLs have a path"
        );
        assert_eq!(
            refused("mqtts://host?x=1"),
            "only WebSocket URLs have a path"
        );
    }

    #[test]
    fn bad_ports_are_refused() {
        for url in [
            "mqtt://x:0",
            "mqtt://x:65536",
            "mqtt://x:abc",
            "mqtt://x:-1",
            "mqtt://x:+1883",
            "mqtt://x:1883:1884",
            "x:1883:1884",
            "ws://[::1]:99999/mqtt",
        ] {
            assert_eq!(
                refused(url),
                "the port is a number from 1 to 65535",
                "{url}"
            );
        }
        assert_eq!(apply("mqtt://x:65535").unwrap().port, "65535");
    }

    #[test]
    fn unknown_schemes_are_refused() {
        for url in ["http://x", "mqttx://x", "file:///etc/passwd", "://x"] {
            assert_eq!(
                refused(url),
                "the URL starts with mqtt://, mqtts://, ws:// or wss://",
                "{url}"
            );
        }
        assert_eq!(apply("MQTTS://host").unwrap().transport, Transport::Tls);
        // Without a scheme it is plain TCP, not a URL with the scheme "localhost".
        let f = apply("localhost:1884").unwrap();
        assert_eq!(
            (f.transport, f.host.as_str(), f.port.as_str()),
            (Transport::Tcp, "localhost", "1884")
        );
        assert_eq!(refused("mqtt://"), "the URL has no host");
        assert_eq!(refused("mqtt://alice@"), "the URL has no host");
    }
}
