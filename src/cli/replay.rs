//! `mqscope replay`: a recording published to the broker at the recorded pace (or faster),
//! waiting until the broker has taken every message, then a one-line summary.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::recording::summary;
use crate::mqtt::replay::{ReplayProgress, ReplayRequest};
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use crate::mqtt::{ConnectionSettings, WorkerCommand};

use super::CliError;
use super::args::ReplayArgs;
use super::session::{self, SessionError};

/// Why a replay did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// It stopped early (the file cannot be opened, the connection was lost), after
    /// `done` (a summary: "12 messages, 1.2 KiB in 0.3 s").
    #[error("{error} (after {done})")]
    Stopped { error: String, done: String },
}

/// Runs `mqscope replay`: the summary goes to stdout.
pub fn run(args: ReplayArgs) -> Result<ExitCode, CliError> {
    let speed = args.speed;
    let speed_ok = speed.is_finite() && speed > 0.0;
    if !args.max_rate && !speed_ok {
        return Err(CliError::Speed(speed));
    }
    let settings = args.connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
    let done = run_replay(
        settings,
        &args.file,
        (!args.max_rate).then_some(speed),
        Duration::from_secs(10),
    )?;
    println!(
        "replayed {}{}{}",
        summary(done.sent, done.bytes, done.seconds),
        match done.system_skipped {
            0 => String::new(),
            n => format!(" ({n} messages of $ topics left out)"),
        },
        match (&done.first_problem, done.skipped) {
            (Some(p), n) => format!(" ({n} unreadable lines skipped; {p})"),
            _ => String::new(),
        }
    );
    if done.refused > 0 {
        eprintln!(
            "mqscope: {} messages refused by the broker or lost",
            done.refused
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Connects (subscribing to nothing), publishes the recording at `path` at `speed` times
/// the recorded pace (`None`: as fast as possible), and disconnects once the broker has
/// taken every message. Fails if no connection is made in `connect_timeout` or the replay
/// stops early; lines that cannot be read are skipped and counted.
pub fn run_replay(
    mut settings: ConnectionSettings,
    path: &Path,
    speed: Option<f64>,
    connect_timeout: Duration,
) -> Result<ReplayProgress, ReplayError> {
    settings.subscriptions.clear();
    let worker = session::connect(settings, Default::default(), connect_timeout)?;
    let (request, mut progress) = ReplayRequest::new(path.to_path_buf(), speed, Arc::default());
    worker.send(WorkerCommand::Replay(Box::new(request)));
    let result = loop {
        let now = progress.borrow_and_update().clone();
        if now.finished {
            break now;
        }
        if !worker.state().is_active() {
            break ReplayProgress {
                error: Some(worker.state().describe(Instant::now())),
                ..Default::default()
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    session::disconnect(worker);
    match result.error {
        Some(error) => Err(ReplayError::Stopped {
            error,
            done: summary(result.sent, result.bytes, result.seconds),
        }),
        None => Ok(result),
    }
}
