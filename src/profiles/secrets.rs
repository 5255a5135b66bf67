//! "Remember password" for saved connection profiles, kept in the OS keychain, never in our files.
//!
//! The keychain is the macOS Keychain, the Windows Credential Manager, or on Linux a Secret
//! Service reached over the D-Bus session bus (GNOME Keyring, KWallet), through the `keyring`
//! crate (on Linux and the BSDs with the Secret Service client of `secret_service.rs`). Each
//! profile has one entry: service = [`SERVICE`], account = the profile's name.
//!
//! Every call blocks until the keychain answers: a D-Bus round trip, or a user typing the
//! password of an unlock prompt. Call it off the UI thread (a named `std::thread` or tokio's
//! `spawn_blocking`) and show the outcome when it arrives. Inside, each call runs on a
//! short-lived thread of its own, so it may be called from any thread, inside a tokio runtime
//! or not (were keyring built with its `tokio` feature, its blocking D-Bus calls would panic
//! there), a panic in the keychain library becomes an `Err`, and a keychain that never answers
//! is given up on after [`ANSWER_WITHIN`] instead of hanging the caller or the app's shutdown.
//!
//! Where no keychain can be reached (Linux without a Secret Service, a headless CI box, a
//! container) `remember`, `recall`, `forget` and `rename` return an `Err` whose text starts
//! with [`UNAVAILABLE`]: show it next to the "Remember password" box and go on without it.

use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use keyring::{Entry, Error};

/// The service name of mqscope's keychain entries (tests use another one).
pub const SERVICE: &str = "mqscope";

/// How every error about a keychain that cannot be used begins.
pub const UNAVAILABLE: &str = "cannot remember the password here";

/// How long a call waits for the keychain: long enough to type an unlock password.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// Where passwords are remembered.
#[derive(Clone, Debug)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// The OS keychain under the service name `service`: [`SERVICE`] ("mqscope") in the app;
    /// tests use another service name so they never touch the user's entries.
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    /// Stores the password of profile `profile` (account name = the profile name), replacing any.
    /// Err in words, e.g. "cannot remember the password here: no keychain is available (on Linux
    /// a Secret Service such as GNOME Keyring must be running): …". Blocks: see the module doc.
    pub fn remember(&self, profile: &str, password: &str) -> Result<(), String> {
        let password = password.to_owned();
        self.call(profile, move |entry| entry.set_password(&password))
            .map_err(|e| describe(profile, e))
    }

    /// The remembered password, Ok(None) when there is none (NoEntry), Err in words when the
    /// keychain cannot be reached. Blocks: see the module doc.
    pub fn recall(&self, profile: &str) -> Result<Option<String>, String> {
        match self.call(profile, |entry| entry.get_password()) {
            Ok(password) => Ok(Some(password)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(profile, e)),
        }
    }

    /// Forgets it (no error when there was none). Blocks: see the module doc.
    pub fn forget(&self, profile: &str) -> Result<(), String> {
        match self.call(profile, |entry| entry.delete_credential()) {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(profile, e)),
        }
    }

    /// Moves an entry when a profile is renamed (nothing to do when `from` has none).
    /// The entry of `to` is written before the one of `from` is removed, so a failure
    /// halfway loses nothing. Blocks: see the module doc.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), String> {
        if from == to {
            return Ok(());
        }
        match self.recall(from)? {
            Some(password) => {
                self.remember(to, &password)?;
                self.forget(from)
            }
            None => Ok(()),
        }
    }

    /// Runs `op` on the entry of `profile`, on a thread of its own, waiting [`ANSWER_WITHIN`].
    fn call<T: Send + 'static>(
        &self,
        profile: &str,
        op: impl FnOnce(&Entry) -> keyring::Result<T> + Send + 'static,
    ) -> keyring::Result<T> {
        let (service, account) = (self.service.clone(), profile.to_owned());
        off_thread(ANSWER_WITHIN, move || op(&entry(&service, &account)?))
    }
}

/// The keychain entry of `account` under `service`.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn entry(service: &str, account: &str) -> keyring::Result<Entry> {
    let credential = super::secret_service::SsCredential::new(service, account);
    Ok(Entry::new_with_credential(Box::new(credential)))
}

/// The keychain entry of `account` under `service`.
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn entry(service: &str, account: &str) -> keyring::Result<Entry> {
    Entry::new(service, account)
}

/// Runs `call` on a new named thread and waits at most `within` for its answer. A thread that
/// does not answer in time is left behind (it ends with the process); a panic is reported.
fn off_thread<T: Send + 'static>(
    within: Duration,
    call: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> keyring::Result<T> {
    let (answer, answered) = sync_channel(1);
    std::thread::Builder::new()
        .name("mqscope-keychain".into())
        .spawn(move || {
            let _ = answer.send(call()); // Err only when the caller stopped waiting.
        })
        .map_err(|e| Error::PlatformFailure(format!("cannot start a thread: {e}").into()))?;
    match answered.recv_timeout(within) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(Error::NoStorageAccess(
            format!(
                "no answer within {} s (is an unlock prompt waiting?)",
                within.as_secs_f32()
            )
            .into(),
        )),
        Err(RecvTimeoutError::Disconnected) => Err(Error::PlatformFailure(
            "the keychain library panicked".into(),
        )),
    }
}

/// The words for `err`, which happened on the entry of `profile`.
fn describe(profile: &str, err: Error) -> String {
    match err {
        Error::PlatformFailure(e) => format!(
            "{UNAVAILABLE}: no keychain is available (on Linux a Secret Service such as GNOME Keyring must be running): {e}"
        ),
        Error::NoStorageAccess(e) => format!(
            "{UNAVAILABLE}: the keychain could not be opened (it may be locked, or access was refused): {e}"
        ),
        Error::NoEntry => format!("no password is remembered for profile {profile:?}"),
        Error::BadEncoding(_) => {
            format!("the password remembered for profile {profile:?} is not UTF-8 text")
        }
        Error::TooLong(what, max) => {
            format!("the {what} of profile {profile:?} is too long for the keychain (limit {max})")
        }
        Error::Invalid(what, why) => {
            format!("the keychain refuses the {what} of profile {profile:?}: {why}")
        }
        Error::Ambiguous(found) => format!(
            "the keychain holds {} entries for profile {profile:?}: delete the extra ones in the system's keychain app",
            found.len()
        ),
        other => format!("keychain error for profile {profile:?}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the tests may use the real keychain (MQSCOPE_KEYRING_TEST=1); says so when not.
    fn real_keychain_wanted() -> bool {
        let wanted = std::env::var("MQSCOPE_KEYRING_TEST").as_deref() == Ok("1");
        if !wanted {
            println!("SKIPPED: set MQSCOPE_KEYRING_TEST=1 to use the real keychain");
        }
        wanted
    }

    /// A service name of the tests' own, so they never touch the user's entries.
    fn test_keychain() -> Keychain {
        Keychain::new(&format!("mqscope-test-{}", std::process::id()))
    }

    #[test]
    fn errors_are_worded_per_kind() {
        let no_bus = describe("p", Error::PlatformFailure("no bus".into()));
        assert_eq!(
            no_bus,
            "cannot remember the password here: no keychain is available (on Linux a Secret Service such as GNOME Keyring must be running): no bus"
        );
        let locked = describe("p", Error::NoStorageAccess("locked".into()));
        assert!(locked.starts_with(UNAVAILABLE) && locked.ends_with("refused): locked"));
        let long = describe("p", Error::TooLong("password".into(), 512));
        assert!(long.ends_with("too long for the keychain (limit 512)"));
        assert!(describe("p", Error::BadEncoding(vec![0xff])).contains("not UTF-8"));
    }

    #[test]
    fn a_hung_or_panicking_keychain_is_reported_not_waited_for() {
        let hung = off_thread(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        });
        let text = describe("p", hung.unwrap_err());
        assert!(text.starts_with(UNAVAILABLE) && text.contains("no answer within 0.05 s"));
        let panicked = off_thread::<()>(ANSWER_WITHIN, || panic!("boom"));
        assert!(describe("p", panicked.unwrap_err()).ends_with("the keychain library panicked"));
    }

    /// Where no D-Bus session bus can be reached (CI, containers) every call fails in words, `recall`
    /// too (keyring says PlatformFailure "no secret service provider or dbus session found", not
    /// NoEntry), from a plain thread and inside a tokio runtime alike, and nothing panics.
    #[test]
    fn without_a_secret_service_calls_fail_in_words() {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || std::env::var_os("XDG_RUNTIME_DIR")
                .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
        if !cfg!(target_os = "linux") || bus {
            println!("SKIPPED: a keychain may be reachable here");
            return;
        }
        let keychain = test_keychain();
        let check = |keychain: &Keychain| {
            for result in [
                keychain.remember("p", "pw"),
                keychain.recall("p").map(|_| ()),
                keychain.forget("p"),
                keychain.rename("p", "q"),
            ] {
                let text = result.unwrap_err();
                assert!(
                    text.starts_with(&format!("{UNAVAILABLE}: no keychain")),
                    "{text}"
                );
            }
        };
        check(&keychain);
        let runtime = tokio::runtime::Builder::new_multi_thread().build().unwrap();
        runtime.block_on(async { check(&keychain) });
    }

    /// A password remembered by an earlier mqscope (keyring 3's own Secret Service backend,
    /// which set these attributes) is recalled and forgotten; needs a keychain
    /// (MQSCOPE_KEYRING_TEST=1).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_password_remembered_by_keyring_3_is_found() {
        if !real_keychain_wanted() {
            return;
        }
        use secret_service::{EncryptionType, blocking::SecretService};
        let keychain = test_keychain();
        let ss = SecretService::connect(EncryptionType::Dh).unwrap();
        let attributes = std::collections::HashMap::from([
            ("service", keychain.service.as_str()),
            ("username", "old"),
            ("target", "default"),
            ("application", "rust-keyring"),
        ]);
        ss.get_default_collection()
            .unwrap()
            .create_item(
                "old@test:default (keyring v3.6.3)",
                attributes,
                b"from v3",
                true,
                "text/plain",
            )
            .unwrap();
        assert_eq!(keychain.recall("old").unwrap().as_deref(), Some("from v3"));
        keychain.forget("old").unwrap();
        assert_eq!(keychain.recall("old"), Ok(None));
    }

    /// A real round trip; needs a keychain, so it runs only with MQSCOPE_KEYRING_TEST=1.
    #[test]
    fn round_trip_with_a_real_keychain() {
        if !real_keychain_wanted() {
            return;
        }
        let keychain = test_keychain();
        assert_eq!(keychain.recall("never saved"), Ok(None));
        assert_eq!(keychain.forget("never saved"), Ok(()));
        keychain.remember("home", "s3cret ünïcode").unwrap();
        keychain.remember("home", "s3cret ünïcode 2").unwrap();
        assert_eq!(
            keychain.recall("home").unwrap().as_deref(),
            Some("s3cret ünïcode 2")
        );
        keychain.rename("home", "home broker").unwrap();
        assert_eq!(keychain.recall("home"), Ok(None));
        let runtime = tokio::runtime::Builder::new_multi_thread().build().unwrap();
        let moved = runtime.block_on(async { keychain.recall("home broker") });
        assert_eq!(moved.unwrap().as_deref(), Some("s3cret ünïcode 2"));
        keychain.forget("home broker").unwrap();
        assert_eq!(keychain.recall("home broker"), Ok(None));
        assert_eq!(keychain.rename("home broker", "other"), Ok(()));
    }
}
