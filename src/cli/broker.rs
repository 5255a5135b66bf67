//! `mqscope broker`: the local broker in the foreground, on a tokio runtime of its own; as
//! the app's child (`--events`) it reports on stdout and exits with its parent.

use std::process::ExitCode;

use crate::broker::BrokerOptions;
use crate::broker::child::exit_with_parent;
use crate::broker::server::serve;

use super::CliError;
use super::args::BrokerArgs;
use super::connection::env_var;

/// Runs `mqscope broker` until it is stopped; a broker that cannot run says why on stderr
/// and exits with its code (2: the port is taken or the options are refused).
pub fn run(args: BrokerArgs) -> Result<ExitCode, CliError> {
    let password = match &args.password_env {
        Some(var) => Some(env_var(var, "broker password")?),
        None => None,
    };
    let options = BrokerOptions {
        port: args.port,
        bind: args.bind,
        ws_port: args.ws_port,
        username: args.username,
        password,
        allow_anonymous: args.allow_anonymous,
    };
    if args.events {
        exit_with_parent().map_err(CliError::ParentWatch)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("broker")
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    match runtime.block_on(serve(options, args.events)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("mqscope broker: {e}");
            Ok(ExitCode::from(e.exit_code()))
        }
    }
}
