//! TLS helpers for the client configuration: passphrase-protected (encrypted PKCS#8) client
//! keys, client certificates of any X.509 version, and checking the broker's certificate
//! against another name than the host dialled.

use std::path::Path;
use std::sync::Arc;

use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef, pkcs5};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{
    CertificateError, DigitallySignedStruct, InconsistentKeys, RootCertStore, SignatureScheme,
};

const ENCRYPTED_BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &[u8] = b"-----END ENCRYPTED PRIVATE KEY-----";

/// Reads a PEM private key file: unencrypted PKCS#8 / PKCS#1 (RSA) / SEC1 (EC), or an
/// encrypted PKCS#8 key (PBES2: PBKDF2 or scrypt with AES-CBC) decrypted with `passphrase`.
/// Errors are in words a user can act on; the passphrase is never part of them.
pub fn read_private_key(path: &Path, passphrase: &str) -> Result<PrivateKeyDer<'static>, String> {
    let what = format!("the client key {}", path.display());
    let bytes = std::fs::read(path).map_err(|e| format!("{what} could not be read: {e}"))?;
    if find(&bytes, b"Proc-Type: 4,ENCRYPTED").is_some() {
        return Err(format!(
            "{what} uses the old OpenSSL encryption (Proc-Type: 4,ENCRYPTED), which is not \
             supported: convert it with `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem`"
        ));
    }
    if let Some(start) = find(&bytes, ENCRYPTED_BEGIN) {
        let end = find(&bytes[start..], ENCRYPTED_END)
            .map(|at| start + at + ENCRYPTED_END.len())
            .ok_or_else(|| format!("{what} is cut short: its END line is missing"))?;
        return decrypt(&bytes[start..end], passphrase).map_err(|e| format!("{what} {e}"));
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(format!("{what} holds no private key")),
        Err(e) => Err(format!("{what} could not be read: {e}")),
    }
}

/// Decrypts one "ENCRYPTED PRIVATE KEY" PEM block; an error ends "the client key … ".
fn decrypt(block: &[u8], passphrase: &str) -> Result<PrivateKeyDer<'static>, String> {
    let (_, der) = pkcs8::der::pem::decode_vec(block)
        .map_err(|e| format!("is not a valid PEM encrypted key: {e}"))?;
    // Unknown ciphers (3DES, Camellia) and PBES1 already fail to parse.
    let unsupported = |e: &dyn std::fmt::Display| {
        format!(
            "uses an encryption scheme that is not supported ({e}): re-encrypt it with \
             `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem`"
        )
    };
    let info = EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).map_err(|e| unsupported(&e))?;
    // A wrong passphrase shows as bad padding or, rarely, as plaintext that is no PKCS#8 key.
    let doc = match info.decrypt(passphrase) {
        Ok(doc) if PrivateKeyInfoRef::try_from(doc.as_bytes()).is_ok() => doc,
        Err(pkcs8::Error::EncryptedPrivateKey(
            e @ (pkcs5::Error::UnsupportedAlgorithm { .. }
            | pkcs5::Error::NoPbes1CryptSupport
            | pkcs5::Error::AlgorithmParametersInvalid { .. }),
        )) => return Err(unsupported(&e)),
        _ if passphrase.is_empty() => return Err("is encrypted: enter its passphrase".into()),
        _ => return Err("could not be decrypted: wrong passphrase?".into()),
    };
    let der = PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec());
    Ok(PrivateKeyDer::Pkcs8(der))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The client certificate for mutual TLS: `chain` sent to the broker as it is, the handshake
/// signed with `key` (ring: RSA, ECDSA or Ed25519).
///
/// rustls' `with_client_auth_cert` first pairs the two through webpki, which reads X.509
/// version 3 only, so it refused version 1 certificates ("UnsupportedCertVersion") that
/// `openssl x509 -req` makes without an extension file and OpenSSL-based clients send. Here
/// the pair is checked by comparing the certificate's public key with the key's, which works
/// for every version; errors keep the words rustls' check gave.
pub fn client_cert(
    chain: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'_>,
) -> Result<Arc<dyn ResolvesClientCert>, String> {
    let misfit = |e: rustls::Error| format!("the client certificate and key do not fit: {e}");
    let key = rustls::crypto::ring::sign::any_supported_type(key).map_err(misfit)?;
    let end_entity = chain
        .first()
        .ok_or_else(|| misfit(rustls::Error::NoCertificatesPresented))?;
    let cert_spki =
        spki_of(end_entity).ok_or_else(|| misfit(CertificateError::BadEncoding.into()))?;
    // ring's keys always know their public key; a key that did not could not be checked.
    if key
        .public_key()
        .is_some_and(|spki| spki.as_ref() != cert_spki)
    {
        return Err(misfit(InconsistentKeys::KeyMismatch.into()));
    }
    Ok(Arc::new(SingleCertAndKey::from(CertifiedKey::new(
        chain, key,
    ))))
}

/// The SubjectPublicKeyInfo of an X.509 certificate of any version (the whole DER element,
/// as `SigningKey::public_key` gives it); `None` when `cert` is no certificate.
///
/// Certificate ::= SEQUENCE { tbsCertificate, … }; tbsCertificate ::= SEQUENCE { version
/// [0] (absent in version 1), serialNumber, signature, issuer, validity, subject,
/// subjectPublicKeyInfo, … }.
fn spki_of(cert: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const VERSION: u8 = 0xa0;
    let (SEQUENCE, certificate, _) = der_element(cert)? else {
        return None;
    };
    let (SEQUENCE, mut tbs, _) = der_element(certificate)? else {
        return None;
    };
    if tbs.first() == Some(&VERSION) {
        tbs = der_element(tbs)?.2;
    }
    for _serial_signature_issuer_validity_subject in 0..5 {
        tbs = der_element(tbs)?.2;
    }
    let (SEQUENCE, _, after) = der_element(tbs)? else {
        return None;
    };
    tbs.get(..tbs.len() - after.len())
}

/// The DER element at the start of `der`: its tag, its contents and what follows it; `None`
/// when `der` does not start with a whole element of a low tag number.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes.iter().fold(0, |len, &b| (len << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

/// A verifier that checks the certificate chain exactly as rustls' WebPKI verifier does with
/// `roots`, but against `name` instead of the host dialled (the SNI sent stays the host's).
/// Install it with `config.dangerous().set_certificate_verifier(..)`.
pub fn verify_as(
    roots: Arc<RootCertStore>,
    name: &str,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let checked = ServerName::try_from(name.trim().to_owned())
        .map_err(|_| format!("\"{name}\" is not a valid host name"))?;
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| format!("TLS set-up failed: {e}"))?;
    Ok(Arc::new(Verifier {
        provider,
        chain: Some((inner, checked)),
    }))
}

/// "Skip certificate verification": signatures are still checked (so the handshake is a
/// real one), the certificate's issuer, name and dates are not.
pub fn accept_any(provider: Arc<CryptoProvider>) -> Arc<dyn ServerCertVerifier> {
    Arc::new(Verifier {
        provider,
        chain: None,
    })
}

/// The app's own certificate checks: the chain checked against another name than the host
/// (`chain`), or not at all (`None`: skip verification); handshake signatures always.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    chain: Option<(Arc<WebPkiServerVerifier>, ServerName<'static>)>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.chain {
            Some((inner, checked)) => {
                inner.verify_server_cert(end_entity, intermediates, checked, ocsp_response, now)
            }
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::tls::{TlsOptions, client_config};
    use std::path::PathBuf;
    use std::process::Command;

    /// A fresh scratch folder for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mqscope-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn usable(path: &Path, passphrase: &str) -> Result<(), String> {
        let key = read_private_key(path, passphrase)?;
        rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| e.to_string())?;
        Ok(())
    }

    fn assert_err(path: &Path, passphrase: &str, says: &str) {
        let e = read_private_key(path, passphrase).unwrap_err();
        assert!(e.contains(says), "{e}");
        assert!(e.contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn encrypted_pkcs8_made_in_rust() {
        let dir = scratch("rust-key");
        let der = rcgen::KeyPair::generate().unwrap().serialize_der();
        let info = PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
        let params =
            pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, b"salty!", [7; 16]);
        let encrypted = info.encrypt_with_params(params.unwrap(), "s3cret").unwrap();
        let path = dir.join("key.pem");
        let pem = encrypted.to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF);
        std::fs::write(&path, pem.unwrap().as_bytes()).unwrap();
        usable(&path, "s3cret").unwrap();
        assert_err(&path, "", "is encrypted: enter its passphrase");
        assert_err(&path, "wrong", "could not be decrypted: wrong passphrase?");
        assert_err(&dir.join("none.pem"), "", "could not be read: ");
        std::fs::write(&path, "just text\n").unwrap();
        assert_err(&path, "", "holds no private key");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Runs openssl in `dir`; false (and a loud SKIPPED, a failure on CI) when it is missing.
    fn openssl(dir: &Path, commands: &[&str]) -> bool {
        if Command::new("openssl").arg("version").output().is_err() {
            // Straight to stderr: the test harness would swallow eprintln! in a passing test.
            let said = "SKIPPED a test of keys or certificates made by openssl: openssl is not \
                        installed (Debian package `openssl`)\n";
            std::io::Write::write_all(&mut std::io::stderr(), said.as_bytes()).unwrap();
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI needs openssl"
            );
            return false;
        }
        for command in commands {
            let args: Vec<&str> = command.split(' ').collect();
            let out = Command::new("openssl")
                .args(&args)
                .current_dir(dir)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "openssl {command}: {stderr}");
        }
        true
    }

    #[test]
    fn keys_made_by_openssl() {
        let dir = scratch("openssl-keys");
        let pass = "-passout pass:s3cret";
        let made = openssl(
            &dir,
            &[
                "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem",
                "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem",
                "ec -in ec.pem -out ec-sec1.pem",
                "rsa -in rsa.pem -traditional -out rsa-pkcs1.pem",
                &format!("pkcs8 -topk8 -v2 aes-256-cbc -in ec.pem {pass} -out ec-pbkdf2.pem"),
                &format!("pkcs8 -topk8 -v2 aes-256-cbc -in rsa.pem {pass} -out rsa-pbkdf2.pem"),
                &format!("pkcs8 -topk8 -scrypt -in ec.pem {pass} -out ec-scrypt.pem"),
                &format!("pkcs8 -topk8 -scrypt -in rsa.pem {pass} -out rsa-scrypt.pem"),
                &format!("pkcs8 -topk8 -v2 des3 -in ec.pem {pass} -out ec-des3.pem"),
                &format!("ec -in ec.pem -aes256 {pass} -out ec-old.pem"),
                &format!("rsa -in rsa.pem -aes256 -traditional {pass} -out rsa-old.pem"),
            ],
        );
        if !made {
            return;
        }
        for plain in ["ec.pem", "rsa.pem", "ec-sec1.pem", "rsa-pkcs1.pem"] {
            usable(&dir.join(plain), "").unwrap();
            usable(&dir.join(plain), "anything").unwrap();
        }
        for encrypted in ["ec-pbkdf2", "rsa-pbkdf2", "ec-scrypt", "rsa-scrypt"] {
            let path = dir.join(format!("{encrypted}.pem"));
            usable(&path, "s3cret").unwrap();
            assert_err(&path, "", "is encrypted: enter its passphrase");
            assert_err(
                &path,
                "s3cret!",
                "could not be decrypted: wrong passphrase?",
            );
        }
        assert_err(
            &dir.join("ec-des3.pem"),
            "s3cret",
            "scheme that is not supported",
        );
        for old in ["ec-old.pem", "rsa-old.pem"] {
            assert_err(
                &dir.join(old),
                "s3cret",
                "old OpenSSL encryption (Proc-Type",
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A CA and a certificate it signed for `broker.example.com`.
    fn ca_and_server() -> (Arc<RootCertStore>, CertificateDer<'static>) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let server = rcgen::CertificateParams::new(vec!["broker.example.com".to_owned()]);
        let server = server.unwrap().signed_by(&key, &issuer).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(ca_cert.der().clone()).unwrap();
        (Arc::new(roots), server.der().clone())
    }

    #[test]
    fn verify_as_checks_the_other_name() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (roots, cert) = ca_and_server();
        let dialled = ServerName::try_from("127.0.0.1").unwrap();
        let check = |name: &str| {
            let verifier = verify_as(roots.clone(), name, provider.clone()).unwrap();
            verifier.verify_server_cert(&cert, &[], &dialled, &[], UnixTime::now())
        };
        assert!(check("broker.example.com").is_ok());
        let e = check("other.example.com").unwrap_err();
        assert!(matches!(e, rustls::Error::InvalidCertificate(_)), "{e:?}");
        let e = verify_as(roots.clone(), "not a name!", provider.clone()).unwrap_err();
        assert_eq!(e, "\"not a name!\" is not a valid host name");
        let verifier = verify_as(roots, "broker.example.com", provider.clone()).unwrap();
        let schemes = provider
            .signature_verification_algorithms
            .supported_schemes();
        assert_eq!(verifier.supported_verify_schemes(), schemes);
    }

    /// What rustls' own pairing check says of `chain` and `key`, with our prefix.
    fn rustls_says(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> String {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(RootCertStore::empty());
        let e = builder.with_client_auth_cert(chain, key).unwrap_err();
        format!("the client certificate and key do not fit: {e}")
    }

    fn key_der(key: &rcgen::KeyPair) -> PrivateKeyDer<'static> {
        PrivateKeyDer::try_from(key.serialize_der()).unwrap()
    }

    #[test]
    fn client_cert_pairs_are_checked_in_the_words_rustls_used() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["client".to_owned()]).unwrap();
        let cert = params.self_signed(&key).unwrap().der().clone();
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        assert_eq!(spki_of(&cert), Some(spki.as_slice()));
        let resolver = client_cert(vec![cert.clone()], &key_der(&key)).unwrap();
        assert!(resolver.has_certs());
        let other = key_der(&rcgen::KeyPair::generate().unwrap());
        let said = client_cert(vec![cert.clone()], &other).err().unwrap();
        assert_eq!(said, rustls_says(vec![cert.clone()], other.clone_key()));
        for broken in [&cert[..cert.len() / 2], &[0x30, 0x03, 1, 2, 3], b"not DER"] {
            let broken = CertificateDer::from(broken.to_vec());
            let said = client_cert(vec![broken.clone()], &key_der(&key))
                .err()
                .unwrap();
            assert_eq!(said, rustls_says(vec![broken], key_der(&key)));
        }
        let said = client_cert(Vec::new(), &key_der(&key)).err().unwrap();
        assert_eq!(said, rustls_says(Vec::new(), key_der(&key)));
    }

    /// `openssl x509 -req` without an extension file makes version 1 certificates, which
    /// rustls' `with_client_auth_cert` refused ("UnsupportedCertVersion").
    #[test]
    fn version_1_certificates_made_by_openssl() {
        let dir = scratch("openssl-v1");
        let sign = "x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 2";
        let made = openssl(
            &dir,
            &[
                "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
                 -subj /CN=v1-CA -keyout ca.key -out ca.pem",
                "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ec \
                 -keyout ec.key -out ec.csr",
                "req -new -newkey rsa:2048 -nodes -subj /CN=rsa -keyout rsa.key -out rsa.csr",
                &format!("{sign} -in ec.csr -out ec.pem"),
                &format!("{sign} -in rsa.csr -out rsa.pem"),
            ],
        );
        if !made {
            return;
        }
        let tls = |cert: &str, key: &str| TlsOptions {
            cert_file: Some(dir.join(cert)),
            key_file: Some(dir.join(key)),
            ..TlsOptions::default()
        };
        for kind in ["ec", "rsa"] {
            let der = std::fs::read(dir.join(format!("{kind}.pem"))).unwrap();
            let cert = CertificateDer::from_pem_slice(&der).unwrap();
            let (_, certificate, _) = der_element(&cert).unwrap();
            let (_, tbs, _) = der_element(certificate).unwrap();
            assert_ne!(
                tbs.first(),
                Some(&0xa0),
                "{kind}: no version field, so version 1"
            );
            assert!(spki_of(&cert).is_some(), "{kind}");
            let pair = tls(&format!("{kind}.pem"), &format!("{kind}.key"));
            client_config(&pair).unwrap();
        }
        let said = client_config(&tls("ec.pem", "rsa.key")).unwrap_err();
        assert!(
            said.starts_with("the client certificate and key do not fit: "),
            "{said}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
