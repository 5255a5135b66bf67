//! Options of the local broker, shared by the `broker` subcommand and the app's controller.

use std::net::IpAddr;

/// Environment variable the controller passes the broker password in (never an argument).
pub const PASSWORD_ENV: &str = "MQSCOPE_BROKER_PASSWORD";

/// How the local broker listens and who may connect.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BrokerOptions {
    pub port: u16,
    /// Address to bind; loopback unless the user asks otherwise.
    pub bind: String,
    /// WebSocket listener port (path `/mqtt`), if any.
    pub ws_port: Option<u16>,
    pub username: Option<String>,
    /// Never saved to disk.
    #[serde(skip)]
    pub password: Option<String>,
    /// Accept clients without credentials on a non-loopback address.
    pub allow_anonymous: bool,
}

impl Default for BrokerOptions {
    fn default() -> Self {
        Self {
            port: 1883,
            bind: "127.0.0.1".into(),
            ws_port: None,
            username: None,
            password: None,
            allow_anonymous: false,
        }
    }
}

impl BrokerOptions {
    /// Checks the security rule: a non-loopback address needs credentials or an explicit
    /// `allow_anonymous`. Returns warnings to log when the options are accepted.
    /// Whether the port (and WebSocket port) can be bound; a taken one comes back as an
    /// error suggesting a free one.
    pub fn check_ports(&self) -> Result<(), String> {
        for (what, p) in [("port", Some(self.port)), ("WebSocket port", self.ws_port)] {
            if let Some(p) = p
                && std::net::TcpListener::bind((self.bind.as_str(), p)).is_err()
            {
                let hint = free_port(&self.bind, 0)
                    .map(|f| format!("; try {f}"))
                    .unwrap_or_default();
                return Err(format!("{what} {p} is in use by another program{hint}"));
            }
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<Vec<String>, String> {
        let ip: IpAddr = self.bind.parse().map_err(|_| {
            format!(
                "--bind {}: not an IP address (e.g. 127.0.0.1 or 0.0.0.0)",
                self.bind
            )
        })?;
        if self.username.is_some() != self.password.is_some() {
            return Err(
                "give both a user name and a password (--username with --password-env)".into(),
            );
        }
        let mut warnings = Vec::new();
        if !ip.is_loopback() {
            if self.username.is_none() && !self.allow_anonymous {
                return Err(format!(
                    "binding {ip} exposes the broker to the network: set --username and \
                     --password-env, or pass --allow-anonymous"
                ));
            }
            if self.username.is_none() {
                warnings.push(format!(
                    "anyone who can reach {ip}:{} can use this broker (--allow-anonymous)",
                    self.port
                ));
            }
        }
        if self.ws_port == Some(self.port) {
            return Err("the WebSocket port must differ from the MQTT port".into());
        }
        Ok(warnings)
    }

    /// The `mqscope broker` arguments for these options (the password goes in
    /// [`PASSWORD_ENV`]).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            "--port".into(),
            self.port.to_string(),
            "--bind".into(),
            self.bind.clone(),
        ];
        if let Some(ws) = self.ws_port {
            args.extend(["--ws-port".into(), ws.to_string()]);
        }
        if let Some(user) = &self.username {
            args.extend([
                "--username".into(),
                user.clone(),
                "--password-env".into(),
                PASSWORD_ENV.into(),
            ]);
        }
        if self.allow_anonymous {
            args.push("--allow-anonymous".into());
        }
        args
    }

    /// `host:port` a local client should connect to.
    pub fn client_host(&self) -> String {
        match self.bind.parse::<IpAddr>() {
            Ok(ip) if ip.is_unspecified() => "127.0.0.1".into(),
            _ => self.bind.clone(),
        }
    }
}

/// A free TCP port on `bind`, preferring `preferred` when it is free.
pub fn free_port(bind: &str, preferred: u16) -> Option<u16> {
    if std::net::TcpListener::bind((bind, preferred)).is_ok() {
        return Some(preferred);
    }
    std::net::TcpListener::bind((bind, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_needs_nothing_else() {
        assert_eq!(BrokerOptions::default().validate(), Ok(vec![]));
    }

    #[test]
    fn network_bind_needs_credentials_or_explicit_anonymous() {
        let open = BrokerOptions {
            bind: "0.0.0.0".into(),
            ..Default::default()
        };
        assert!(open.validate().unwrap_err().contains("--allow-anonymous"));
        let anon = BrokerOptions {
            allow_anonymous: true,
            ..open.clone()
        };
        assert_eq!(anon.validate().unwrap().len(), 1, "a warning is logged");
        let creds = BrokerOptions {
            username: Some("u".into()),
            password: Some("p".into()),
            ..open
        };
        assert_eq!(creds.validate(), Ok(vec![]));
    }

    #[test]
    fn bad_options_are_explained() {
        let bad = BrokerOptions {
            bind: "nowhere".into(),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("not an IP address"));
        let half = BrokerOptions {
            username: Some("u".into()),
            ..Default::default()
        };
        assert!(half.validate().is_err());
    }

    #[test]
    fn args_carry_no_password() {
        let o = BrokerOptions {
            username: Some("u".into()),
            password: Some("secret".into()),
            ws_port: Some(9001),
            ..Default::default()
        };
        let args = o.to_args().join(" ");
        assert!(!args.contains("secret"));
        assert!(args.contains("--password-env MQSCOPE_BROKER_PASSWORD"));
        assert!(args.contains("--ws-port 9001"));
    }
}
