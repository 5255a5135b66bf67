//! Why a command did not run: one variant per failure, worded as the user reads it. The
//! binary prints the error with its causes (`mqscope: creating out.jsonl: Permission
//! denied`) and exits with code 1.

use std::path::PathBuf;

use crate::mqtt::SettingsError;

use super::connection::{ConnectionError, EnvVarError};
use super::publish::PubError;
use super::replay::ReplayError;
use super::sub::ReceiveError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A URL given as the argument besides `--url`, `--host` or `--port`.
    #[error("name the broker once: a URL, or --url, or --host/--port")]
    BrokerNamedTwice,
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Env(#[from] EnvVarError),
    /// The connection form does not validate (a message per field).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A `-t` filter that is not a valid MQTT filter.
    #[error("-t {filter}: {message}")]
    Filter { filter: String, message: String },
    /// `pub -t` names no single topic.
    #[error("--decode")]
    Decode(#[from] crate::model::decode::spec::SpecError),
    /// `pub --encode`: the value could not be encoded, in words.
    #[error("--encode: {0}")]
    Encode(String),
    /// `--decoders FILE` cannot be read or holds no rules list.
    #[error("--decoders")]
    RulesFile(#[from] crate::profiles::decoders::RulesFileError),
    /// A rule of a `--decoders` file that does not work.
    #[error("--decoders {}", .path.display())]
    RulesFileRule {
        path: PathBuf,
        #[source]
        source: crate::model::decode::spec::SpecError,
    },
    #[error("-t {0:?}: a topic to publish to is not empty and has no + or #")]
    PublishTopic(String),
    #[error("--speed {0}: give a number above 0 (or --max-rate)")]
    Speed(f64),
    #[error("creating {}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Receive(#[from] ReceiveError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Publish(#[from] PubError),
    /// `broker --events`: the thread that ends the broker with the app cannot start.
    #[error(transparent)]
    ParentWatch(std::io::Error),
    /// `broker`: its tokio runtime cannot start.
    #[error(transparent)]
    Runtime(std::io::Error),
    /// eframe's reason, as text (its error is not `Send`).
    #[error("the window could not start: {0}")]
    Window(String),
    /// `pub --repeat`: a placeholder in the topic or payload that cannot be used.
    #[error(transparent)]
    Template(#[from] crate::model::placeholders::TemplateError),
    #[error("--user-property {0:?}: give KEY=VALUE")]
    UserProperty(String),
    /// A command that only MQTT 5 has (the name), asked for over 3.1.1.
    #[error("{0} needs MQTT 5 (--mqtt-version 5, the default)")]
    NeedsV5(&'static str),
    #[error(transparent)]
    Request(super::request::RequestError),
    #[error(transparent)]
    Check(super::check::CheckError),
    #[error(transparent)]
    History(#[from] super::history::HistoryError),
    /// `sub -F`: a format that cannot be used.
    #[error(transparent)]
    Format(#[from] super::format::FormatError),
    /// `completions` or `man`: standard output cannot be written (a closed pipe, a full disk).
    #[error("cannot write to standard output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    /// Whether the command line itself is at fault (exit code 2, as for clap's own
    /// errors), not the broker, a file or the network (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::BrokerNamedTwice
                | Self::Filter { .. }
                | Self::PublishTopic(_)
                | Self::Speed(_)
                | Self::Format(_)
                | Self::Template(_)
                | Self::NeedsV5(_)
                | Self::UserProperty(_)
                | Self::Decode(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message with its causes, as the binary prints it (anyhow's `{:#}`).
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            text += &format!(": {c}");
            cause = c.source();
        }
        text
    }

    #[test]
    fn messages_keep_their_wording() {
        let missing = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let create = CliError::Create {
            path: "/no/such/dir/f".into(),
            source: missing(),
        };
        assert_eq!(create.to_string(), "creating /no/such/dir/f");
        assert_eq!(
            chain(&create),
            format!("creating /no/such/dir/f: {}", missing())
        );
        assert_eq!(
            CliError::PublishTopic("a/+".into()).to_string(),
            "-t \"a/+\": a topic to publish to is not empty and has no + or #"
        );
        assert_eq!(
            CliError::Speed(0.0).to_string(),
            "--speed 0: give a number above 0 (or --max-rate)"
        );
        let refused = ReceiveError::Session(crate::cli::SessionError::Connect(
            "disconnected: connection refused".into(),
        ));
        assert_eq!(
            chain(&CliError::from(refused)),
            "could not connect: disconnected: connection refused"
        );
    }
}
