//! TLS helpers for the client configuration: passphrase-protected (encrypted PKCS#8) client
//! keys, and checking the broker's certificate against another name than the host dialled.

use std::path::Path;
use std::sync::Arc;

use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef, pkcs5};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

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
            let said = "SKIPPED keys_made_by_openssl: openssl is not installed (Debian package \
                        `openssl`)\n";
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
}
