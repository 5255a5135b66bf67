//! `mqscope history search|stats|export|prune`: the message history the app (or
//! `sub --store`) keeps on disk, read while the app may be writing it (WAL readers), by
//! MQTT filter, text, time and flags; exported as JSON Lines in the record format (so it
//! replays); pruned by age.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};

use super::CliError;
use super::args::ConnectionArgs;
use crate::archive::{Archive, ArchiveError, Query, TextMode};
use crate::model::QoS;
use crate::model::recording::RecordLine;
use crate::model::units::{format_bytes, thousands};

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// Stored messages that match, newest first.
    Search(SearchArgs),
    /// Messages, topics, bytes, oldest and newest, per connection.
    Stats(Which),
    /// Matching messages to a JSON Lines file (the record format: `replay` sends it again).
    Export(ExportArgs),
    /// Delete stored messages older than an age (each topic's latest stays).
    Prune(PruneArgs),
}

/// Whose history: a broker named as for any command (`--profile`, `--host/--port`, a URL)
/// or `--connection HOST:PORT`; none named means every stored connection (stats) or the
/// default broker.
#[derive(Args, Debug)]
pub struct Which {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The broker as HOST:PORT.
    #[arg(long = "connection", value_name = "HOST:PORT")]
    pub address: Option<String>,
    /// Where the history files are (default: the platform data folder's `history`).
    #[arg(long, value_name = "DIR")]
    pub history_dir: Option<PathBuf>,
    /// One JSON object (stats) or line per message (search), instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct Filters {
    /// An MQTT filter (`+`, `#`).
    #[arg(short = 't', long = "topic", value_name = "FILTER")]
    pub filter: Option<String>,
    /// FTS5 query over topics and text payloads: words, "a phrase", pre*, AND, OR, NOT.
    #[arg(long, value_name = "QUERY")]
    pub text: Option<String>,
    /// Read --text as plain text found anywhere (slower: a scan).
    #[arg(long)]
    pub contains: bool,
    /// From: ISO 8601 (2026-12-01, 2026-12-01T10:00:00Z) or an age (-1h, -30m, -7d).
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Until (the same forms).
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub until: Option<String>,
    #[arg(short = 'q', long, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: Option<u8>,
    /// Retained messages only.
    #[arg(long)]
    pub retained: bool,
    /// At most this many messages.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    pub which: Which,
    #[command(flatten)]
    pub filters: Filters,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub which: Which,
    #[command(flatten)]
    pub filters: Filters,
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    #[command(flatten)]
    pub which: Which,
    /// An age: 7d, 12h, 30m.
    #[arg(long, value_name = "AGE")]
    pub older_than: String,
}

/// Why a history command failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(
        "no history of {0} (nothing was stored for it: \"Keep history on disk\", or sub --store)"
    )]
    None(String),
    #[error("no platform data folder: name one with --history-dir")]
    NoDir,
    /// A time or age that cannot be read, and the forms that can.
    #[error("{0:?} is not a time: ISO 8601 (2026-12-01T10:00:00Z) or an age (-1h, -30m, 7d)")]
    When(String),
    #[error("--connection {0}: expected HOST:PORT")]
    Address(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The history folder: `--history-dir`, or the platform data folder's `history`.
pub fn history_dir(given: Option<&Path>) -> Result<PathBuf, HistoryError> {
    match given {
        Some(d) => Ok(d.to_path_buf()),
        None => crate::profiles::data_dir()
            .map(|d| d.join("history"))
            .ok_or(HistoryError::NoDir),
    }
}

impl Which {
    /// The history file of the broker named, if one is.
    fn file(&self) -> Result<Option<PathBuf>, CliError> {
        let dir = history_dir(self.history_dir.as_deref())?;
        if let Some(a) = &self.address {
            let (host, port) = a
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                .ok_or_else(|| HistoryError::Address(a.clone()))?;
            return Ok(Some(crate::archive::path_for(&dir, host, port)));
        }
        if !self.connection.names_a_broker() {
            return Ok(None);
        }
        let s = self.connection.form()?.to_settings(usize::MAX)?;
        Ok(Some(crate::archive::path_for(&dir, &s.host, s.port)))
    }

    /// The file of the broker named (the default broker when none is), opened to read.
    fn open(&self) -> Result<Archive, CliError> {
        let path = match self.file()? {
            Some(p) => p,
            None => crate::archive::path_for(
                &history_dir(self.history_dir.as_deref())?,
                "127.0.0.1",
                1883,
            ),
        };
        if !path.exists() {
            return Err(HistoryError::None(path.display().to_string()).into());
        }
        Ok(Archive::open_read(&path).map_err(HistoryError::from)?)
    }
}

/// A time or an age, or why it is neither.
pub fn parse_when(s: &str, now_us: i64) -> Result<i64, HistoryError> {
    crate::archive::query::parse_when(s, now_us).ok_or_else(|| HistoryError::When(s.to_string()))
}

impl Filters {
    fn query(&self) -> Result<Query, HistoryError> {
        let now = crate::model::message::now_us();
        let when = |w: &Option<String>| w.as_deref().map(|s| parse_when(s, now)).transpose();
        Ok(Query {
            filter: self.filter.clone(),
            text: self.text.clone(),
            mode: if self.contains {
                TextMode::Contains
            } else {
                TextMode::Fts
            },
            since_us: when(&self.since)?,
            until_us: when(&self.until)?,
            qos: self.qos.and_then(QoS::from_u8),
            retained: self.retained.then_some(true),
            ..Query::default()
        })
    }
}

pub fn run(args: HistoryArgs) -> Result<ExitCode, CliError> {
    match args.command {
        HistoryCommand::Search(a) => search(&a),
        HistoryCommand::Stats(w) => stats(&w),
        HistoryCommand::Export(a) => export(&a),
        HistoryCommand::Prune(a) => prune(&a),
    }
}

fn search(a: &SearchArgs) -> Result<ExitCode, CliError> {
    let archive = a.which.open()?;
    let q = a.filters.query()?;
    let found = archive
        .search(&q, a.filters.limit, &AtomicBool::new(false))
        .map_err(HistoryError::from)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for m in &found {
        let line = if a.which.json {
            RecordLine::from_incoming(&m.incoming).to_json()
        } else {
            let msg = &m.incoming.message;
            format!(
                "{}  {}  {}",
                super::format::local_time(msg.received_at_us),
                m.incoming.topic,
                msg.payload.preview(120)
            )
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    if !a.which.json && found.len() == a.filters.limit {
        eprintln!("mqscope: the first {} (--limit for more)", found.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn stats(w: &Which) -> Result<ExitCode, CliError> {
    let files = match w.file()? {
        Some(p) if p.exists() => vec![p],
        Some(p) => return Err(HistoryError::None(p.display().to_string()).into()),
        None => {
            let dir = history_dir(w.history_dir.as_deref())?;
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "sqlite"))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        }
    };
    let mut all = Vec::new();
    for f in &files {
        let a = Archive::open_read(f).map_err(HistoryError::from)?;
        let s = a.stats().map_err(HistoryError::from)?;
        let name = f
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if w.json {
            all.push(serde_json::json!({ "connection": name, "file": f, "stats": s }));
        } else {
            let when = |us: Option<i64>| us.map_or("-".to_string(), super::format::local_time);
            println!(
                "{name}: {} messages, {} topics, {}, oldest {}, newest {}",
                thousands(s.messages),
                thousands(s.topics),
                format_bytes(s.file_bytes as usize),
                when(s.oldest_us),
                when(s.newest_us)
            );
        }
    }
    if w.json {
        println!("{}", serde_json::Value::Array(all));
    } else if files.is_empty() {
        println!("no history stored yet");
    }
    Ok(ExitCode::SUCCESS)
}

fn export(a: &ExportArgs) -> Result<ExitCode, CliError> {
    let archive = a.which.open()?;
    let q = a.filters.query()?;
    let write_err = |source| HistoryError::Write {
        path: a.out.clone(),
        source,
    };
    let file = std::fs::File::create(&a.out).map_err(write_err)?;
    let mut out = std::io::BufWriter::new(file);
    let mut page = q.clone();
    let mut written = 0usize;
    // Newest first, a page at a time, up to --limit.
    while written < a.filters.limit {
        let want = (a.filters.limit - written).min(5_000);
        let found = archive
            .search(&page, want, &AtomicBool::new(false))
            .map_err(HistoryError::from)?;
        for m in &found {
            writeln!(out, "{}", RecordLine::from_incoming(&m.incoming).to_json())
                .map_err(write_err)?;
        }
        written += found.len();
        match found.last() {
            Some(last) if found.len() == want => page.before_id = Some(last.id),
            _ => break,
        }
    }
    out.flush().map_err(write_err)?;
    eprintln!(
        "exported {} messages to {}",
        thousands(written as u64),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn prune(a: &PruneArgs) -> Result<ExitCode, CliError> {
    let now = crate::model::message::now_us();
    let before = parse_when(&a.older_than, now)?;
    let path = match a.which.file()? {
        Some(p) => p,
        None => crate::archive::path_for(
            &history_dir(a.which.history_dir.as_deref())?,
            "127.0.0.1",
            1883,
        ),
    };
    if !path.exists() {
        return Err(HistoryError::None(path.display().to_string()).into());
    }
    let (mut archive, _) = Archive::open(&path).map_err(HistoryError::from)?;
    let deleted = archive
        .prune(u64::MAX, Some(before))
        .map_err(HistoryError::from)?;
    let s = archive.stats().map_err(HistoryError::from)?;
    println!(
        "deleted {} messages; {} left in {}",
        thousands(deleted),
        thousands(s.messages),
        format_bytes(s.file_bytes as usize)
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ages_are_read_and_others_explained() {
        let now = 10_000_000_000_000;
        assert_eq!(parse_when("-1h", now).unwrap(), now - 3_600_000_000);
        assert_eq!(parse_when("7d", now).unwrap(), now - 7 * 86_400_000_000);
        assert_eq!(parse_when("-30m", now).unwrap(), now - 1_800_000_000);
        assert_eq!(
            parse_when("2026-12-01T10:00:00Z", now).unwrap(),
            1_796_119_200_000_000
        );
        assert!(parse_when("2026-12-01", now).is_ok());
        let e = parse_when("yesterday", now).unwrap_err();
        assert!(e.to_string().contains("ISO 8601"), "{e}");
    }
}
