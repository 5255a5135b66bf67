//! The command line: its clap types ([`args`]), one file per subcommand, and [`run`], which
//! the binary calls with what it parsed.
//!
//! - [`window`]: no subcommand, the window (local broker and demo when no broker is named).
//! - [`broker`]: the local broker in the foreground.
//! - [`bench`]: load from many connections, on the same client code.
//! - [`docs`]: `completions SHELL` and `man`, generated from these same clap types.
//! - [`sub`], [`record`], [`replay`], [`publish`] (`pub`): the app's worker, headless,
//!   through [`session`]; [`connection`] turns the shared options into a connection form.
//!
//! Errors are typed ([`CliError`]) and keep the words the user reads.

pub mod args;
pub mod bench;
pub mod broker;
pub mod check;
mod check_probe;
pub mod check_report;
pub mod connection;
pub mod docs;
mod error;
pub mod format;
pub mod history;
pub mod publish;
pub mod record;
pub mod replay;
pub mod request;
pub mod session;
pub mod sub;
pub mod window;

use std::process::ExitCode;

pub use args::{Cli, Command};
pub use error::CliError;
pub use publish::{PubError, run_pub};
pub use record::run_record;
pub use replay::{ReplayError, run_replay};
pub use session::SessionError;
pub use sub::{ReceiveError, SubSummary, message_json, run_sub};

/// Runs what the command line asks for; the exit code when it ran (the broker has codes of
/// its own), or why it could not.
pub fn run(mut cli: Cli) -> Result<ExitCode, CliError> {
    if let Some(url) = cli.broker.take() {
        if cli.connection.url.is_some() || cli.connection.names_a_broker() {
            return Err(CliError::BrokerNamedTwice);
        }
        cli.connection.url = Some(url);
    }
    match cli.command.take() {
        None => window::run(cli),
        Some(Command::Broker(args)) => broker::run(args),
        Some(Command::Sub(args)) => sub::run(args),
        Some(Command::Record(args)) => record::run(args),
        Some(Command::Replay(args)) => replay::run(args),
        Some(Command::Pub(args)) => publish::run(args),
        Some(Command::Request(args)) => request::run(args),
        Some(Command::Check(args)) => check::run(args),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Bench(args)) => bench::run(args),
        Some(Command::Completions(args)) => docs::completions(args.shell, &mut std::io::stdout()),
        Some(Command::Man) => docs::man(&mut std::io::stdout()),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn connection_options_go_before_or_after_the_subcommand() {
        for line in [
            &["mqscope", "--port", "1884", "sub", "-t", "a/#"][..],
            &["mqscope", "sub", "-t", "a/#", "--port", "1884"],
        ] {
            let cli = Cli::try_parse_from(line).unwrap();
            let Some(Command::Sub(sub)) = cli.command else {
                panic!("{line:?} is a sub");
            };
            assert_eq!(sub.connection.port, Some(1884), "{line:?}");
            assert_eq!(sub.topics, ["a/#"]);
        }
    }

    #[test]
    fn a_url_argument_and_a_host_are_one_broker_too_many() {
        let cli = Cli::try_parse_from(["mqscope", "mqtt://h", "--host", "x"]).unwrap();
        assert!(matches!(run(cli), Err(CliError::BrokerNamedTwice)));
    }
}
