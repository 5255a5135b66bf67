//! Connections through a proxy: an HTTP CONNECT proxy (rumqttc's own support), or a
//! SOCKS5 proxy through a local bridge. rumqttc speaks only HTTP CONNECT, so for SOCKS5 a
//! task on the connection's runtime takes rumqttc's CONNECT on a loopback port and opens
//! the tunnel with SOCKS5 (RFC 1928, user/password RFC 1929). rumqttc still dials the
//! broker by its name, so TLS checks and sends that name and WebSocket sends its Host.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The kind of proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    Http,
    Socks5,
}

/// A proxy as `http://[user:pass@]host:port` or `socks5://[user:pass@]host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyUrl {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Why a proxy URL cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyUrlError {
    #[error("{0:?}: a proxy is http://host:port or socks5://host:port")]
    Scheme(String),
    #[error("{0:?}: the proxy has no host")]
    Host(String),
    #[error("{0:?}: the proxy has no port (or one above 65535)")]
    Port(String),
}

impl std::str::FromStr for ProxyUrl {
    type Err = ProxyUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        let (kind, rest) = match t.split_once("://") {
            Some(("http", rest)) => (ProxyKind::Http, rest),
            Some(("socks5" | "socks5h", rest)) => (ProxyKind::Socks5, rest),
            _ => return Err(ProxyUrlError::Scheme(text.into())),
        };
        let rest = rest.trim_end_matches('/');
        let (auth, address) = match rest.rsplit_once('@') {
            Some((auth, address)) => (Some(auth), address),
            None => (None, rest),
        };
        let (username, password) = match auth.map(|a| a.split_once(':').unwrap_or((a, ""))) {
            Some((u, p)) => (Some(unescape(u)), Some(unescape(p))),
            None => (None, None),
        };
        let (host, port) = address
            .rsplit_once(':')
            .ok_or_else(|| ProxyUrlError::Port(text.into()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(ProxyUrlError::Host(text.into()));
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ProxyUrlError::Port(text.into()))?;
        Ok(Self {
            kind,
            host: host.into(),
            port,
            username,
            password,
        })
    }
}

/// `%40` and the like in a URL's user or password.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ProxyUrl {
    /// As typed, with the password left out (for the window and logs).
    pub fn display(&self) -> String {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
        };
        let user = self
            .username
            .as_ref()
            .map_or(String::new(), |u| format!("{u}@"));
        format!("{scheme}://{user}{}:{}", self.host, self.port)
    }

    /// rumqttc's HTTP CONNECT proxy at `host:port` with this proxy's credentials.
    fn rumqttc(&self, host: &str, port: u16) -> rumqttc::Proxy {
        let auth = match &self.username {
            Some(u) => rumqttc::ProxyAuth::Basic {
                username: u.clone(),
                password: self.password.clone().unwrap_or_default(),
            },
            None => rumqttc::ProxyAuth::None,
        };
        rumqttc::Proxy {
            ty: rumqttc::ProxyType::Http,
            auth,
            addr: host.into(),
            port,
        }
    }
}

/// What rumqttc is told to dial through, and the SOCKS5 bridge task (if any) that must
/// live as long as the connection.
pub(super) struct Route {
    pub proxy: rumqttc::Proxy,
    pub bridge: Option<tokio::task::JoinHandle<()>>,
}

/// The route through `proxy`: rumqttc's HTTP CONNECT straight to an HTTP proxy, or to a
/// SOCKS5 bridge started here on a loopback port. Must run inside the tokio runtime.
pub(super) fn route(proxy: &ProxyUrl) -> Result<Route, String> {
    match proxy.kind {
        ProxyKind::Http => Ok(Route {
            proxy: proxy.rumqttc(&proxy.host, proxy.port),
            bridge: None,
        }),
        ProxyKind::Socks5 => {
            let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| format!("the SOCKS5 bridge cannot listen on loopback: {e}"))?;
            let port = listener.local_addr().map_err(|e| e.to_string())?.port();
            let listener = TcpListener::from_std(listener).map_err(|e| e.to_string())?;
            let bridge = tokio::spawn(bridge(listener, proxy.clone()));
            let mut through = proxy.clone();
            through.username = None; // the bridge is ours: no credentials to it
            Ok(Route {
                proxy: through.rumqttc("127.0.0.1", port),
                bridge: Some(bridge),
            })
        }
    }
}

/// Takes rumqttc's HTTP CONNECTs and opens each tunnel through the SOCKS5 proxy.
async fn bridge(listener: TcpListener, proxy: ProxyUrl) {
    while let Ok((inbound, _)) = listener.accept().await {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            if let Err(e) = tunnel(inbound, &proxy).await {
                tracing::info!("SOCKS5 proxy {}: {e}", proxy.display());
            }
        });
    }
}

/// One tunnel: reads `CONNECT host:port`, dials it through SOCKS5, answers 200 (or 502
/// with the reason) and copies both ways until either side closes.
async fn tunnel(inbound: TcpStream, proxy: &ProxyUrl) -> io::Result<()> {
    let mut inbound = BufReader::new(inbound);
    let mut line = String::new();
    inbound.read_line(&mut line).await?;
    let target = line
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|t| t.rsplit_once(':'))
        .and_then(|(h, p)| {
            Some((
                h.trim_matches(['[', ']']).to_string(),
                p.parse::<u16>().ok()?,
            ))
        });
    // The rest of the request's head.
    loop {
        let mut header = String::new();
        if inbound.read_line(&mut header).await? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let Some((host, port)) = target else {
        inbound
            .get_mut()
            .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            .await?;
        return Ok(());
    };
    match socks5_connect(proxy, &host, port).await {
        Ok(mut outbound) => {
            let mut inbound = inbound.into_inner();
            inbound
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?;
            tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await?;
            Ok(())
        }
        Err(e) => {
            let answer = format!(
                "HTTP/1.1 502 {}\r\n\r\n",
                e.to_string().replace(['\r', '\n'], " ")
            );
            inbound.get_mut().write_all(answer.as_bytes()).await?;
            Err(e)
        }
    }
}

/// A connection to `host:port` through the SOCKS5 proxy (the name resolved by the proxy).
pub async fn socks5_connect(proxy: &ProxyUrl, host: &str, port: u16) -> io::Result<TcpStream> {
    let refused = |why: String| io::Error::new(io::ErrorKind::ConnectionRefused, why);
    let mut s = TcpStream::connect((proxy.host.as_str(), proxy.port)).await?;
    let with_password = proxy.username.is_some();
    let methods: &[u8] = if with_password {
        &[0x00, 0x02]
    } else {
        &[0x00]
    };
    s.write_all(&[&[0x05, methods.len() as u8][..], methods].concat())
        .await?;
    let mut chosen = [0u8; 2];
    s.read_exact(&mut chosen).await?;
    match chosen {
        [0x05, 0x00] => {}
        [0x05, 0x02] if with_password => {
            let user = proxy.username.as_deref().unwrap_or_default().as_bytes();
            let pass = proxy.password.as_deref().unwrap_or_default().as_bytes();
            if user.len() > 255 || pass.len() > 255 {
                return Err(refused(
                    "SOCKS5 user names and passwords are at most 255 bytes".into(),
                ));
            }
            let mut m = vec![0x01, user.len() as u8];
            m.extend_from_slice(user);
            m.push(pass.len() as u8);
            m.extend_from_slice(pass);
            s.write_all(&m).await?;
            let mut status = [0u8; 2];
            s.read_exact(&mut status).await?;
            if status[1] != 0 {
                return Err(refused(
                    "the SOCKS5 proxy refused the user name or password".into(),
                ));
            }
        }
        [0x05, 0xff] => {
            return Err(refused(if with_password {
                "the SOCKS5 proxy accepts neither no authentication nor a password".into()
            } else {
                "the SOCKS5 proxy wants a user name and password (socks5://user:pass@…)".into()
            }));
        }
        other => {
            return Err(refused(format!(
                "not a SOCKS5 proxy (it answered {other:02x?})"
            )));
        }
    }
    let name = host.as_bytes();
    if name.len() > 255 {
        return Err(refused(
            "a host name for SOCKS5 is at most 255 bytes".into(),
        ));
    }
    let mut request = vec![0x05, 0x01, 0x00, 0x03, name.len() as u8];
    request.extend_from_slice(name);
    request.extend_from_slice(&port.to_be_bytes());
    s.write_all(&request).await?;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await?;
    if head[1] != 0 {
        return Err(refused(format!(
            "the SOCKS5 proxy could not reach {host}:{port}: {}",
            socks_reply(head[1])
        )));
    }
    // The address the proxy bound: skipped.
    let skip = match head[3] {
        0x01 => 4,
        0x04 => 16,
        0x03 => {
            let mut len = [0u8; 1];
            s.read_exact(&mut len).await?;
            usize::from(len[0])
        }
        _ => {
            return Err(refused(
                "the SOCKS5 proxy answered an unknown address type".into(),
            ));
        }
    };
    let mut rest = vec![0u8; skip + 2];
    s.read_exact(&mut rest).await?;
    Ok(s)
}

/// A SOCKS5 reply code in words (RFC 1928, section 6).
fn socks_reply(code: u8) -> &'static str {
    match code {
        0x01 => "general failure",
        0x02 => "not allowed by its rules",
        0x03 => "network unreachable",
        0x04 => "host unreachable",
        0x05 => "connection refused",
        0x06 => "TTL expired",
        0x07 => "command not supported",
        0x08 => "address type not supported",
        _ => "unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_read_with_their_credentials() {
        let p: ProxyUrl = "socks5://al%40ce:pa:ss@proxy.lan:1080".parse().unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5);
        assert_eq!((p.host.as_str(), p.port), ("proxy.lan", 1080));
        assert_eq!(p.username.as_deref(), Some("al@ce"));
        assert_eq!(p.password.as_deref(), Some("pa:ss"));
        assert_eq!(p.display(), "socks5://al@ce@proxy.lan:1080");
        let h: ProxyUrl = "http://[::1]:3128/".parse().unwrap();
        assert_eq!(
            (h.kind, h.host.as_str(), h.username),
            (ProxyKind::Http, "::1", None)
        );
        assert_eq!(
            "ftp://x:1".parse::<ProxyUrl>().unwrap_err(),
            ProxyUrlError::Scheme("ftp://x:1".into())
        );
        assert!(matches!(
            "http://x".parse::<ProxyUrl>(),
            Err(ProxyUrlError::Port(_))
        ));
        assert!(matches!(
            "http://:80".parse::<ProxyUrl>(),
            Err(ProxyUrlError::Host(_))
        ));
    }
}
