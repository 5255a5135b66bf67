//! Transports (TCP, TLS, WebSocket, secure WebSocket) and the rustls client configuration:
//! the OS trust store plus an optional CA file, client certificates, ALPN, and an explicit
//! "skip verification"; TLS failures in words a user can act on.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::CertificateError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How the client reaches the broker.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Transport {
    #[default]
    Tcp,
    Tls,
    /// MQTT over WebSocket.
    Ws,
    /// MQTT over WebSocket over TLS.
    Wss,
}

impl Transport {
    pub const EVERY: [Self; 4] = [Self::Tcp, Self::Tls, Self::Ws, Self::Wss];

    pub fn label(self) -> &'static str {
        match self {
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
            Self::Ws => "WebSocket",
            Self::Wss => "WebSocket + TLS",
        }
    }

    /// The URL scheme: `mqtt`, `mqtts`, `ws`, `wss`.
    pub fn scheme(self) -> &'static str {
        match self {
            Self::Tcp => "mqtt",
            Self::Tls => "mqtts",
            Self::Ws => "ws",
            Self::Wss => "wss",
        }
    }

    pub fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => Some(Self::Tcp),
            "mqtts" | "ssl" | "tls" => Some(Self::Tls),
            "ws" => Some(Self::Ws),
            "wss" => Some(Self::Wss),
            _ => None,
        }
    }

    pub fn uses_tls(self) -> bool {
        matches!(self, Self::Tls | Self::Wss)
    }

    pub fn is_websocket(self) -> bool {
        matches!(self, Self::Ws | Self::Wss)
    }

    /// The port brokers usually listen on for this transport.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tcp => 1883,
            Self::Tls => 8883,
            Self::Ws => 80,
            Self::Wss => 443,
        }
    }
}

/// TLS choices beyond the defaults (OS trust store, the host name checked).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TlsOptions {
    /// Extra CA certificates (PEM) trusted besides the OS store, e.g. a self-signed CA.
    pub ca_file: Option<PathBuf>,
    /// Client certificate chain (PEM) for brokers that ask for one (mutual TLS).
    pub cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1; an encrypted
    /// PKCS#8 key is opened with `key_passphrase`).
    pub key_file: Option<PathBuf>,
    /// Never saved.
    #[serde(skip)]
    pub key_passphrase: String,
    /// Check the server's certificate against this name instead of the host dialled
    /// (e.g. dialling an IP address of `broker.example.com`).
    pub server_name: Option<String>,
    /// ALPN protocols to offer, e.g. `mqtt` (AWS IoT on 443).
    pub alpn: Vec<String>,
    /// Accept any certificate. Off unless the user turns it on, and then always warned about.
    pub insecure: bool,
}

/// The rustls client configuration for `options`, or what is wrong with them in words.
pub fn client_config(options: &TlsOptions) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?;
    let builder =
        if options.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(super::tls_extra::accept_any(provider))
        } else {
            let mut roots = rustls::RootCertStore::empty();
            // The OS trust store; certificates it cannot parse are skipped, as browsers do.
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
            if let Some(path) = &options.ca_file {
                let certs = read_certs(path, "CA file")?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(format!(
                        "the CA file {} holds no usable certificate",
                        path.display()
                    ));
                }
            }
            match &options.server_name {
                Some(name) => builder.dangerous().with_custom_certificate_verifier(
                    super::tls_extra::verify_as(Arc::new(roots), name, provider)?,
                ),
                None => builder.with_root_certificates(roots),
            }
        };
    let mut config = match (&options.cert_file, &options.key_file) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert, "client certificate")?;
            let key = super::tls_extra::read_private_key(key, &options.key_passphrase)?;
            // Sent as it is (any X.509 version): see `tls_extra::client_cert`.
            builder.with_client_cert_resolver(super::tls_extra::client_cert(chain, &key)?)
        }
        (Some(_), None) => return Err("a client certificate needs its key file".into()),
        (None, Some(_)) => return Err("a client key needs its certificate file".into()),
        (None, None) => builder.with_no_client_auth(),
    };
    config.alpn_protocols = options.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    if key_log_path().is_some() {
        // rustls appends each session's secrets to $SSLKEYLOGFILE (NSS key log format).
        config.key_log = Arc::new(rustls::KeyLogFile::new());
    }
    Ok(config)
}

/// Where TLS session keys are logged, for Wireshark: `$SSLKEYLOGFILE` when set (read once;
/// the window says so while a TLS connection is on).
pub fn key_log_path() -> Option<&'static std::path::Path> {
    static PATH: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        std::env::var_os("SSLKEYLOGFILE")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    })
    .as_deref()
}

fn read_certs(path: &std::path::Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("the {what} {} could not be read: {e}", path.display()))?
        .collect();
    let certs = certs.map_err(|e| format!("the {what} {} is not PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "the {what} {} holds no certificate",
            path.display()
        ));
    }
    Ok(certs)
}

/// A TLS failure somewhere in `error`'s chain, in words a user can act on; `None` when the
/// error is not about TLS.
pub fn explain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut at = Some(error);
    while let Some(e) = at {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(explain_rustls(tls));
        }
        // An I/O error hides the error it wraps from `source()`: look inside.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| explain(inner))
        {
            return Some(inner);
        }
        at = e.source();
    }
    None
}

fn explain_rustls(e: &rustls::Error) -> String {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => "the broker's certificate is signed by an \
                 unknown issuer: add its CA file (or, for a test broker only, skip \
                 verification)"
                .into(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the broker's certificate is not valid for this host name: connect by the \
                 name on the certificate, or set the server name"
                    .into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the broker's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the broker's certificate is not valid yet (check this computer's clock)".into()
            }
            CertificateError::Revoked => "the broker's certificate was revoked".into(),
            other => format!("the broker's certificate was refused: {other:?}"),
        },
        rustls::Error::AlertReceived(A::CertificateRequired) => {
            "the broker wants a client certificate: add one and its key".into()
        }
        rustls::Error::AlertReceived(
            A::BadCertificate | A::UnknownCA | A::CertificateUnknown | A::AccessDenied,
        ) => "the broker refused our client certificate".into(),
        rustls::Error::AlertReceived(alert) => {
            format!("the broker ended the TLS handshake ({alert:?})")
        }
        rustls::Error::NoApplicationProtocol => {
            "the broker accepts none of the ALPN protocols offered".into()
        }
        other => format!("TLS failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_round_trip() {
        for t in Transport::EVERY {
            assert_eq!(Transport::from_scheme(t.scheme()), Some(t));
        }
        assert_eq!(Transport::from_scheme("MQTTS"), Some(Transport::Tls));
        assert_eq!(Transport::from_scheme("http"), None);
    }

    #[test]
    fn bad_files_are_said_in_words() {
        crate::install_crypto_provider();
        let missing = TlsOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..TlsOptions::default()
        };
        let e = client_config(&missing).unwrap_err();
        assert!(
            e.contains("CA file /nonexistent/ca.pem could not be read"),
            "{e}"
        );
        let half = TlsOptions {
            cert_file: Some("/x/cert.pem".into()),
            ..TlsOptions::default()
        };
        assert_eq!(
            client_config(&half).unwrap_err(),
            "a client certificate needs its key file"
        );
        assert!(client_config(&TlsOptions::default()).is_ok());
        assert!(
            client_config(&TlsOptions {
                insecure: true,
                ..TlsOptions::default()
            })
            .is_ok()
        );
    }

    #[test]
    fn failures_are_explained() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::other(unknown);
        let said = explain(&io).unwrap();
        assert!(said.contains("unknown issuer"), "{said}");
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        assert!(explain_rustls(&alert).contains("client certificate"));
        assert!(explain(&std::io::Error::other("plain")).is_none());
    }
}
