//! Transports against a real Mosquitto: TLS with a CA made in the test (rcgen), without it,
//! with a client certificate (mutual TLS; also an X.509 version 1 one made by openssl), a
//! name mismatch, "skip verification", WebSocket and WebSocket over TLS, and the `sub`
//! companion with `--url` and `--cafile`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Mosquitto, free_port, ingest_until, latest, mosquitto_available, worker};
use mqscope::model::Store;
use mqscope::mqtt::{
    ConnectionSettings, MqttVersion, TlsOptions, Transport, WorkerCommand, WorkerHandle,
};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

const T: Duration = Duration::from_secs(10);

/// A CA, a server certificate for `names`, and a client certificate, as PEM files in a
/// folder Mosquitto (running as its own user) can read.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(tag: &str, names: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!("mqscope-pki-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mqscope test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_string()).collect();
        let server = CertificateParams::new(names)
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mqscope test client");
        let client = client_params.signed_by(&client_key, &ca).unwrap();
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server.pem()),
            ("server.key", server_key.serialize_pem()),
            ("client.pem", client.pem()),
            ("client.key", client_key.serialize_pem()),
        ] {
            std::fs::write(dir.join(name), pem).unwrap();
        }
        set_modes(&dir);
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Mosquitto lines for a TLS listener with these files.
    fn listener(&self, require_client: bool) -> String {
        format!(
            "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {require_client}\n",
            self.path("ca.pem").display(),
            self.path("server.pem").display(),
            self.path("server.key").display()
        )
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn set_modes(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o644));
    }
}

fn settings(host: &str, port: u16, transport: Transport, tls: TlsOptions) -> ConnectionSettings {
    let mut s = ConnectionSettings::new(host, port);
    s.version = MqttVersion::V5;
    s.transport = transport;
    s.tls = tls;
    s
}

/// Connects with `s`; returns the worker once connected, or the reason it is not after
/// 10 s (the state in words).
fn connect(s: ConnectionSettings) -> Result<WorkerHandle, String> {
    let mut w = worker();
    w.send(WorkerCommand::Connect(Box::new(s)));
    let state = w.wait_state(T, |st| {
        st.is_connected() || matches!(st, mqscope::mqtt::ConnectionState::Disconnected { .. })
    });
    if state.is_connected() {
        Ok(w)
    } else {
        Err(state.describe(std::time::Instant::now()))
    }
}

/// A message published by Mosquitto's own client reaches the worker's store.
fn round_trip(broker: &Mosquitto, w: &WorkerHandle, extra: &[&str]) {
    let mut args = vec!["-t", "tls/check", "-m", "42", "-q", "1"];
    args.extend_from_slice(extra);
    broker.publish(&args);
    let mut store = Store::default();
    assert!(ingest_until(w, &mut store, T, |s| latest(s, "tls/check").is_some()));
}

#[test]
fn tls_with_the_right_ca_works_and_without_it_says_unknown_issuer() {
    if !mosquitto_available("tls_with_the_right_ca") {
        return;
    }
    let pki = Pki::new("ca", &["localhost"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(false));
    let ca = pki.path("ca.pem");
    let with_ca = TlsOptions {
        ca_file: Some(ca.clone()),
        ..TlsOptions::default()
    };
    let w = connect(settings("localhost", broker.port, Transport::Tls, with_ca)).unwrap();
    let cafile = ca.to_str().unwrap();
    round_trip(&broker, &w, &["--cafile", cafile, "-h", "localhost"]);
    drop(w);

    let without = connect(settings(
        "localhost",
        broker.port,
        Transport::Tls,
        TlsOptions::default(),
    ))
    .err()
    .unwrap();
    assert!(without.contains("unknown issuer"), "{without}");

    // "Skip verification" connects anyway.
    let insecure = TlsOptions {
        insecure: true,
        ..TlsOptions::default()
    };
    connect(settings("localhost", broker.port, Transport::Tls, insecure)).unwrap();
}

#[test]
fn a_certificate_for_another_name_is_explained() {
    if !mosquitto_available("a_certificate_for_another_name") {
        return;
    }
    let pki = Pki::new("name", &["broker.example"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(false));
    let tls = TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        ..TlsOptions::default()
    };
    let said = connect(settings("localhost", broker.port, Transport::Tls, tls))
        .err()
        .unwrap();
    assert!(said.contains("not valid for this host name"), "{said}");
}

#[test]
fn mutual_tls_needs_the_client_certificate() {
    if !mosquitto_available("mutual_tls") {
        return;
    }
    let pki = Pki::new("mtls", &["localhost"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(true));
    let with_cert = TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        cert_file: Some(pki.path("client.pem")),
        key_file: Some(pki.path("client.key")),
        ..TlsOptions::default()
    };
    let w = connect(settings(
        "localhost",
        broker.port,
        Transport::Tls,
        with_cert,
    ))
    .unwrap();
    let (ca, cert, key) = (
        pki.path("ca.pem"),
        pki.path("client.pem"),
        pki.path("client.key"),
    );
    round_trip(
        &broker,
        &w,
        &[
            "-h",
            "localhost",
            "--cafile",
            ca.to_str().unwrap(),
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    let without = TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        ..TlsOptions::default()
    };
    let said = connect(settings("localhost", broker.port, Transport::Tls, without))
        .err()
        .unwrap();
    assert!(said.contains("client certificate"), "{said}");
}

#[test]
fn websocket_and_secure_websocket() {
    if !mosquitto_available("websocket") {
        return;
    }
    // A TCP listener (for Mosquitto's own client) and a WebSocket one.
    let ws_port = free_port();
    let broker = Mosquitto::start_on(
        free_port(),
        &format!("listener {ws_port} 127.0.0.1\nprotocol websockets"),
    );
    common::wait_listening(ws_port);
    let w = connect(settings(
        "127.0.0.1",
        ws_port,
        Transport::Ws,
        TlsOptions::default(),
    ))
    .unwrap();
    round_trip(&broker, &w, &[]);

    let pki = Pki::new("wss", &["localhost"]);
    let wss_port = free_port();
    let secure = Mosquitto::start_on(
        free_port(),
        &format!(
            "listener {wss_port} 127.0.0.1\nprotocol websockets\n{}",
            pki.listener(false)
        ),
    );
    common::wait_listening(wss_port);
    let tls = TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        ..TlsOptions::default()
    };
    let w = connect(settings("localhost", wss_port, Transport::Wss, tls)).unwrap();
    round_trip(&secure, &w, &[]);
}

#[test]
fn sub_takes_a_url_and_a_ca_file() {
    if !mosquitto_available("sub_takes_a_url") {
        return;
    }
    let pki = Pki::new("cli", &["localhost"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(false));
    let url = format!("mqtts://localhost:{}", broker.port);
    let ca = pki.path("ca.pem");
    let sub = std::process::Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(["sub", "--url", &url, "--cafile", ca.to_str().unwrap()])
        .args(["-t", "cli/#", "--count", "1", "--timeout-ms", "10000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    broker.publish(&[
        "-h",
        "localhost",
        "--cafile",
        ca.to_str().unwrap(),
        "-t",
        "cli/x",
        "-m",
        "over TLS",
        "-q",
        "1",
    ]);
    let out = sub.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"payload\":\"over TLS\""), "{text}");
}

/// `key` (PEM, unencrypted) encrypted as PKCS#8 with `passphrase` by `openssl pkcs8`, an
/// encoder independent of ours; `None` (after a SKIPPED line) without openssl.
fn openssl_encrypted(key: &Path, out: &Path, passphrase: &str) -> Option<()> {
    let ran = std::process::Command::new("openssl")
        .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in"])
        .arg(key)
        .arg("-out")
        .arg(out)
        .arg("-passout")
        .arg(format!("pass:{passphrase}"))
        .status();
    match ran {
        Ok(s) if s.success() => {
            set_modes(out.parent().unwrap());
            Some(())
        }
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("openssl is needed (apt-get install openssl), and CI=true")
        }
        _ => {
            eprintln!("SKIPPED encrypted keys: openssl is not installed");
            None
        }
    }
}

#[test]
fn an_encrypted_client_key_opens_with_its_passphrase() {
    if !mosquitto_available("encrypted_client_key") {
        return;
    }
    let pki = Pki::new("enc", &["localhost"]);
    let encrypted = pki.path("client-enc.key");
    if openssl_encrypted(&pki.path("client.key"), &encrypted, "s3cret pass").is_none() {
        return;
    }
    let broker = Mosquitto::start_on(free_port(), &pki.listener(true));
    let tls = |passphrase: &str| TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        cert_file: Some(pki.path("client.pem")),
        key_file: Some(encrypted.clone()),
        key_passphrase: passphrase.into(),
        ..TlsOptions::default()
    };
    let w = connect(settings(
        "localhost",
        broker.port,
        Transport::Tls,
        tls("s3cret pass"),
    ))
    .unwrap();
    drop(w);
    let said = connect(settings(
        "localhost",
        broker.port,
        Transport::Tls,
        tls("wrong"),
    ))
    .err()
    .unwrap();
    assert!(said.contains("wrong passphrase?"), "{said}");
    assert!(
        !said.contains("wrong\""),
        "the passphrase is not repeated: {said}"
    );
    // The form says it before connecting.
    let form = mqscope::mqtt::ConnectionForm {
        transport: Transport::Tls,
        cert_file: pki.path("client.pem").display().to_string(),
        key_file: encrypted.display().to_string(),
        ..Default::default()
    };
    let e = form.to_settings(1).unwrap_err();
    assert_eq!(e.message, "this key is encrypted: enter its passphrase");
}

#[test]
fn the_certificate_can_be_checked_against_another_name() {
    if !mosquitto_available("check_as_another_name") {
        return;
    }
    // The certificate names broker.example; the app dials 127.0.0.1.
    let pki = Pki::new("sni", &["broker.example"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(false));
    let tls = |name: Option<&str>| TlsOptions {
        ca_file: Some(pki.path("ca.pem")),
        server_name: name.map(String::from),
        ..TlsOptions::default()
    };
    let said = connect(settings(
        "127.0.0.1",
        broker.port,
        Transport::Tls,
        tls(None),
    ))
    .err()
    .unwrap();
    assert!(said.contains("not valid for this host name"), "{said}");
    let w = connect(settings(
        "127.0.0.1",
        broker.port,
        Transport::Tls,
        tls(Some("broker.example")),
    ))
    .unwrap();
    round_trip(
        &broker,
        &w,
        &[
            "--cafile",
            pki.path("ca.pem").to_str().unwrap(),
            "--insecure",
        ],
    );
    let said = connect(settings(
        "127.0.0.1",
        broker.port,
        Transport::Tls,
        tls(Some("other.example")),
    ))
    .err()
    .unwrap();
    assert!(said.contains("not valid for this host name"), "{said}");
}

/// Runs `openssl` with `args` in `dir` and returns what it printed; `None` (after a SKIPPED
/// line) when openssl is not installed, a failure under CI.
fn openssl(dir: &Path, args: &[&str]) -> Option<String> {
    let out = match std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("openssl is needed (apt-get install openssl), and CI=true")
        }
        Err(_) => {
            eprintln!("SKIPPED version 1 client certificate: openssl is not installed");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openssl {args:?}: {stderr}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A CA and a client certificate it signed, made by the openssl command line the way
/// `openssl x509 -req` does without an extension file: X.509 version 1. Mosquitto's own
/// clients send such a certificate; webpki cannot read it, so rustls' own pairing check
/// ("UnsupportedCertVersion") refused it before connecting.
#[test]
fn a_version_1_client_certificate_is_sent_as_it_is() {
    if !mosquitto_available("version_1_client_certificate") {
        return;
    }
    let pki = Pki::new("v1", &["localhost"]);
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for step in [
        format!("req -x509 {ec} -days 2 -subj /CN=v1-CA -keyout client-ca.key -out client-ca.pem"),
        format!("req -new {ec} -subj /CN=v1-client -keyout v1.key -out v1.csr"),
        // No -extfile: a version 1 certificate.
        "x509 -req -in v1.csr -CA client-ca.pem -CAkey client-ca.key -CAcreateserial -days 2 \
         -out v1.pem"
            .into(),
    ] {
        let args: Vec<&str> = step.split_whitespace().collect();
        if openssl(&pki.dir, &args).is_none() {
            return;
        }
    }
    let text = openssl(&pki.dir, &["x509", "-in", "v1.pem", "-noout", "-text"]).unwrap();
    assert!(
        text.contains("Version: 1 (0x0)"),
        "not a v1 certificate:\n{text}"
    );
    // The broker trusts both CAs: the client's (openssl) and its own (rcgen).
    let mut both = std::fs::read_to_string(pki.path("client-ca.pem")).unwrap();
    both.push_str(&std::fs::read_to_string(pki.path("ca.pem")).unwrap());
    std::fs::write(pki.path("both-ca.pem"), both).unwrap();
    set_modes(&pki.dir);
    let broker = Mosquitto::start_on(
        free_port(),
        &format!(
            "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\n",
            pki.path("both-ca.pem").display(),
            pki.path("server.pem").display(),
            pki.path("server.key").display()
        ),
    );
    let (ca, cert, key) = (pki.path("ca.pem"), pki.path("v1.pem"), pki.path("v1.key"));
    let tls = TlsOptions {
        ca_file: Some(ca.clone()),
        cert_file: Some(cert.clone()),
        key_file: Some(key.clone()),
        ..TlsOptions::default()
    };
    let w = connect(settings("localhost", broker.port, Transport::Tls, tls)).unwrap();
    // Mosquitto's own client publishes with the same certificate.
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    let (ca, cert, key) = (path(&ca), path(&cert), path(&key));
    round_trip(
        &broker,
        &w,
        &[
            "-h",
            "localhost",
            "--cafile",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
        ],
    );
}

#[test]
fn tls_keys_are_logged_when_sslkeylogfile_is_set() {
    if !mosquitto_available("tls_keys_are_logged") {
        return;
    }
    let pki = Pki::new("keylog", &["localhost"]);
    let broker = Mosquitto::start_on(free_port(), &pki.listener(false));
    let log = pki.path("keys.log");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args([
            "pub",
            "--url",
            &format!("mqtts://localhost:{}", broker.port),
        ])
        .args(["--cafile", pki.path("ca.pem").to_str().unwrap()])
        .args(["-t", "keylog/x", "-m", "1", "-q", "1"])
        .env("SSLKEYLOGFILE", &log)
        .output()
        .unwrap();
    common::assert_ok(&out);
    // NSS key log lines, one per secret of the session (TLS 1.3) or CLIENT_RANDOM (1.2).
    let keys = std::fs::read_to_string(&log).unwrap();
    assert!(
        keys.lines()
            .any(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ") || l.starts_with("CLIENT_RANDOM ")),
        "{keys}"
    );
}
