//! The connection options every subcommand shares, turned into the app's connection form:
//! host and port or a URL or a saved profile, secrets read from environment variables (never
//! from the command line), a profile's password from the keychain.

use crate::mqtt::{ConnectionForm, SettingsError};
use crate::profiles::connections::ProfileStore;
use crate::profiles::secrets::{Keychain, SERVICE};

use super::args::ConnectionArgs;

/// An environment variable named on the command line that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {var} (for the {what})")]
pub struct EnvVarError {
    pub var: String,
    /// What the value was for: "password", "key passphrase", "broker password".
    pub what: &'static str,
    #[source]
    pub source: std::env::VarError,
}

/// Why the connection options do not make a connection form.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(transparent)]
    Env(#[from] EnvVarError),
    /// `--profile NAME` names none of the saved profiles (listed, or "none").
    #[error("no connection profile called \"{name}\" (saved: {saved})")]
    NoProfile { name: String, saved: String },
    #[error("--url {url}: {error}")]
    Url { url: String, error: SettingsError },
}

/// The value of the environment variable `var`, which holds the `what`.
pub fn env_var(var: &str, what: &'static str) -> Result<String, EnvVarError> {
    std::env::var(var).map_err(|source| EnvVarError {
        var: var.to_string(),
        what,
        source,
    })
}

/// The value of the optional variable `var` (empty when none was named).
fn env_var_or_empty(var: Option<&String>, what: &'static str) -> Result<String, EnvVarError> {
    var.map_or(Ok(String::new()), |var| env_var(var, what))
}

impl ConnectionArgs {
    /// Whether the user named a broker at all.
    pub fn names_a_broker(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.url.is_some() || self.profile.is_some()
    }

    /// The connection form these options describe: the flags, then a `--profile` (whose
    /// fields win, except the secrets and the certificate name given here), then a `--url`.
    pub fn form(&self) -> Result<ConnectionForm, ConnectionError> {
        let mut form = ConnectionForm {
            host: self.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            port: self.port.unwrap_or(1883).to_string(),
            version: self.mqtt_version,
            username: self.username.clone().unwrap_or_default(),
            password: env_var_or_empty(self.password_env.as_ref(), "password")?,
            ca_file: self.cafile.clone().unwrap_or_default(),
            cert_file: self.cert.clone().unwrap_or_default(),
            key_file: self.key.clone().unwrap_or_default(),
            insecure: self.insecure,
            key_passphrase: env_var_or_empty(self.key_passphrase_env.as_ref(), "key passphrase")?,
            server_name: self.tls_server_name.clone().unwrap_or_default(),
            proxy: self.proxy.clone().unwrap_or_default(),
            proxy_password: env_var_or_empty(self.proxy_password_env.as_ref(), "proxy password")?,
            ..ConnectionForm::default()
        };
        if let Some(name) = &self.profile {
            form = self.with_profile(form, name)?;
        }
        if let Some(url) = &self.url {
            form.apply_url(url).map_err(|error| ConnectionError::Url {
                url: url.clone(),
                error,
            })?;
            if let Some(user) = &self.username {
                form.username = user.clone();
            }
        }
        Ok(form)
    }

    /// The saved profile `name`, keeping the secrets (and a certificate name) of `given`;
    /// the password from the keychain when the profile remembers one and none was given.
    fn with_profile(
        &self,
        mut given: ConnectionForm,
        name: &str,
    ) -> Result<ConnectionForm, ConnectionError> {
        let store = ProfileStore::open(crate::profiles::config_dir());
        let Some(profile) = store.find(name) else {
            let known: Vec<&str> = store.profiles().iter().map(|p| p.name.as_str()).collect();
            return Err(ConnectionError::NoProfile {
                name: name.to_string(),
                saved: if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                },
            });
        };
        let server_name = std::mem::take(&mut given.server_name);
        let proxy = std::mem::take(&mut given.proxy);
        let mut form = ConnectionForm {
            password: std::mem::take(&mut given.password),
            key_passphrase: std::mem::take(&mut given.key_passphrase),
            proxy_password: std::mem::take(&mut given.proxy_password),
            ..profile.form.clone()
        };
        if !server_name.is_empty() {
            form.server_name = server_name;
        }
        if !proxy.is_empty() {
            form.proxy = proxy;
        }
        if form.password.is_empty() && form.remember_password {
            match Keychain::new(SERVICE).recall(name) {
                Ok(Some(password)) => form.password = password,
                Ok(None) => eprintln!("mqscope: no password of \"{name}\" in the keychain"),
                Err(e) => eprintln!("mqscope: {e}"),
            }
        }
        if let Some(user) = &self.username {
            form.username = user.clone();
        }
        Ok(form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::MqttVersion;

    fn args(flags: &[&str]) -> ConnectionArgs {
        use clap::Parser as _;
        let cli = super::super::Cli::try_parse_from(
            std::iter::once("mqscope").chain(flags.iter().copied()),
        )
        .unwrap();
        cli.connection
    }

    #[test]
    fn flags_fill_the_form_with_defaults_for_what_is_not_given() {
        let form = args(&["--port", "1884", "--mqtt-version", "3"])
            .form()
            .unwrap();
        assert_eq!(
            (form.host.as_str(), form.port.as_str()),
            ("127.0.0.1", "1884")
        );
        assert_eq!(form.version, MqttVersion::V311);
        assert!(form.password.is_empty());
    }

    #[test]
    fn a_url_names_host_port_and_user_and_username_still_wins() {
        let a = args(&[
            "--url",
            "mqtts://alice@broker.example:8884",
            "--username",
            "bob",
        ]);
        assert!(a.names_a_broker());
        let form = a.form().unwrap();
        assert_eq!(
            (form.host.as_str(), form.port.as_str()),
            ("broker.example", "8884")
        );
        assert_eq!(form.username, "bob");
    }

    #[test]
    fn unreadable_secrets_and_urls_are_said_as_before() {
        let e = args(&["--password-env", "MQSCOPE_TEST_NOT_SET_ANYWHERE"])
            .form()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable MQSCOPE_TEST_NOT_SET_ANYWHERE (for the password)"
        );
        assert!(std::error::Error::source(&e).is_some(), "the cause follows");
        let e = args(&["--url", "bogus://x"]).form().unwrap_err();
        assert!(e.to_string().starts_with("--url bogus://x: "), "{e}");
    }
}
