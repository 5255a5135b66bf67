//! The Linux (and BSD) keychain: the Secret Service (GNOME Keyring, KWallet) over the D-Bus
//! session bus, through `secret-service` 5 on the D-Bus stack the window's accessibility
//! already uses (keyring 3's own backend brought a second, older one: 0.9 MB).
//!
//! Items carry the attributes keyring 3 gave them (`service`, `username`, `target` =
//! "default", `application` = "rust-keyring"), so passwords remembered by earlier versions
//! are found; new items go into the default collection. Secrets travel encrypted (the
//! Diffie-Hellman session of the Secret Service API). Every call blocks on D-Bus: the caller
//! (`secrets::Keychain`) runs it on a thread of its own.

use std::collections::HashMap;

use keyring::Error;
use keyring::credential::{Credential, CredentialApi};
use secret_service::blocking::{Item, SecretService};
use secret_service::{EncryptionType, Error as SsError};

/// One entry: service and account (the profile's name).
#[derive(Debug)]
pub struct SsCredential {
    service: String,
    user: String,
}

impl SsCredential {
    pub fn new(service: &str, user: &str) -> Self {
        Self {
            service: service.to_owned(),
            user: user.to_owned(),
        }
    }

    /// The attributes an item is found by.
    fn search(&self) -> HashMap<&str, &str> {
        HashMap::from([
            ("service", self.service.as_str()),
            ("username", self.user.as_str()),
            ("target", "default"),
        ])
    }

    /// Runs `f` on the one item of this entry (unlocking it if need be): NoEntry when there
    /// is none, Ambiguous when there are several.
    fn with_item<T>(
        &self,
        ss: &SecretService,
        f: impl Fn(&Item) -> keyring::Result<T>,
    ) -> keyring::Result<T> {
        let found = ss.search_items(self.search()).map_err(decode)?;
        let mut items = found.unlocked.iter().chain(found.locked.iter());
        let (Some(item), None) = (items.next(), items.next()) else {
            let count = found.unlocked.len() + found.locked.len();
            if count == 0 {
                return Err(Error::NoEntry);
            }
            let all = (0..count)
                .map(|_| Box::new(Self::new(&self.service, &self.user)) as Box<Credential>)
                .collect();
            return Err(Error::Ambiguous(all));
        };
        if item.is_locked().map_err(decode)? {
            item.unlock().map_err(decode)?;
        }
        f(item)
    }
}

fn connect() -> keyring::Result<SecretService<'static>> {
    SecretService::connect(EncryptionType::Dh).map_err(|e| Error::PlatformFailure(Box::new(e)))
}

/// keyring's error for a Secret Service error: a locked keychain, a dismissed prompt or no
/// answer is "no access"; anything else (no service on the bus) a platform failure.
fn decode(err: SsError) -> Error {
    match err {
        SsError::Locked | SsError::NoResult | SsError::Prompt | SsError::PromptDisconnected => {
            Error::NoStorageAccess(Box::new(err))
        }
        _ => Error::PlatformFailure(Box::new(err)),
    }
}

impl CredentialApi for SsCredential {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        let ss = connect()?;
        match self.with_item(&ss, |i| i.set_secret(secret, "text/plain").map_err(decode)) {
            Err(Error::NoEntry) => {}
            done => return done,
        }
        let collection = ss.get_default_collection().map_err(decode)?;
        if collection.is_locked().map_err(decode)? {
            collection.unlock().map_err(decode)?;
        }
        let mut attributes = self.search();
        attributes.insert("application", "rust-keyring");
        let label = format!("{}@{}:default (mqscope)", self.user, self.service);
        collection
            .create_item(&label, attributes, secret, true, "text/plain")
            .map_err(decode)?;
        Ok(())
    }

    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        self.with_item(&connect()?, |i| i.get_secret().map_err(decode))
    }

    fn delete_credential(&self) -> keyring::Result<()> {
        self.with_item(&connect()?, |i| i.delete().map_err(decode))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
