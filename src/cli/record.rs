//! `mqscope record`: what arrives, written to a recording (JSON Lines, see
//! [`crate::model::recording`]) as it comes, then a one-line summary.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::model::QoS;
use crate::model::recording::{RecordLine, summary};
use crate::mqtt::ConnectionSettings;

use super::CliError;
use super::args::RecordArgs;
use super::sub::{ReceiveError, SubSummary, receive, subscriptions};

/// Runs `mqscope record`: the recording goes to `--out`, the summary to stdout.
pub fn run(args: RecordArgs) -> Result<ExitCode, CliError> {
    let mut settings = args.connection.form()?.to_settings(usize::MAX)?;
    // QoS 2 subscriptions: the broker delivers each message at the QoS it was
    // published with, so the recording keeps it.
    settings.subscriptions = subscriptions(args.topics, QoS::ExactlyOnce)?;
    let out = args.out;
    let file = std::fs::File::create(&out).map_err(|source| CliError::Create {
        path: out.clone(),
        source,
    })?;
    let mut writer = std::io::BufWriter::new(file);
    let started = Instant::now();
    let timeout = Duration::from_secs(args.duration_s.unwrap_or(u64::MAX / 4));
    let done = run_record(settings, args.count, timeout, &mut writer)?;
    println!(
        "recorded {} to {}{}",
        summary(done.messages, done.bytes, started.elapsed().as_secs_f64()),
        out.display(),
        if done.dropped > 0 {
            format!(" ({} dropped: the disk was too slow)", done.dropped)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Like [`super::run_sub`], but the lines are a recording (see [`crate::model::recording`]),
/// written out after every batch so an interrupted run keeps what it received.
pub fn run_record(
    settings: ConnectionSettings,
    count: Option<u64>,
    timeout: Duration,
    out: &mut impl Write,
) -> Result<SubSummary, ReceiveError> {
    receive(
        (settings, Default::default(), None),
        count,
        timeout,
        out,
        |m| {
            let mut line = RecordLine::from_incoming(m).to_json().into_bytes();
            line.push(b'\n');
            Some(line)
        },
    )
}
