//! The `mqscope` binary: the window by default; `broker`, `sub`, `pub`, `record` and `replay`
//! on the command line (see [`mqscope::cli`]). Start-up only: logging, the TLS provider, the
//! parsed command line handed to the library, errors printed with their causes.

use std::process::ExitCode;

use clap::Parser as _;

use mqscope::cli::Cli;

fn main() -> ExitCode {
    mqscope::mark_start();
    let cli = Cli::parse();
    // `check` breaks connections on purpose: their reconnects are no news.
    let ours = if matches!(cli.command, Some(mqscope::cli::args::Command::Check(_))) {
        "warn"
    } else {
        "info"
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: the app shows the broker child's log as text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                // The font provider warns of a "C" locale, which is no fault of the user.
                format!("warn,mqscope={ours},egui_system_font_provider=error").into()
            }),
        )
        .init();
    mqscope::install_crypto_provider();
    mqscope::survive_file_size_limit();
    match mqscope::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // 2: the command line is wrong (as clap's own errors); 1: anything else.
            let code = if e.is_usage() { 2 } else { 1 };
            eprintln!("mqscope: {:#}", anyhow::Error::from(e));
            ExitCode::from(code)
        }
    }
}
