//! Message history on disk: one SQLite database per connection (WAL, FTS5 over topics and
//! text payloads), written by one named thread from a bounded queue in batched
//! transactions, bounded by a disk budget and an age, searched and exported off the UI
//! thread. Depends on `model`; no egui, tokio or rumqttc.
//!
//! - [`db`]: the file: schema, opening (a corrupt or foreign file moved aside), writing a
//!   batch, pruning to the budget, the latest message of each topic, statistics.
//! - [`query`]: search by MQTT filter, text (FTS5 or a plain "contains"), time, QoS, retain
//!   and size, newest first and paged; export as JSON Lines.
//! - `rows`: a message in a row (payload compressed when that pays, the text indexed).
//! - [`writer`]: the writer thread and the handle that feeds it (skips counted, never
//!   waited for).

pub mod db;
pub mod query;
mod rows;
pub mod writer;

use std::path::{Path, PathBuf};

pub use db::{Archive, ArchiveStats, StoredMessage};
pub use query::{Query, TextMode};
pub use writer::{ArchiveWriter, Retention, WriterStatus};

/// Disk budget when none is set: 1 GiB.
pub const DEFAULT_BUDGET: u64 = 1 << 30;

/// What went wrong with a history file, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot create the history folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("history database {path}: {}", in_words(source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// A text query FTS5 cannot read, with SQLite's reason.
    #[error("the search text is not a valid FTS5 query ({0}); use \"contains\" for plain text")]
    Query(String),
    #[error("history: {0}")]
    Other(String),
}

/// SQLite's error, with what a full or failing disk means said plainly.
fn in_words(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => format!("the disk is full ({e})"),
        Some(rusqlite::ErrorCode::SystemIoFailure) => {
            format!("{e}: the disk may be full, read-only or gone, or the file at its size limit")
        }
        Some(rusqlite::ErrorCode::ReadOnly) => format!("{e}: the file or its folder is read-only"),
        _ => e.to_string(),
    }
}

/// The history file of the broker at `host:port` under `dir`.
pub fn path_for(dir: &Path, host: &str, port: u16) -> PathBuf {
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}-{port}.sqlite"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_per_broker_with_a_safe_name() {
        let dir = Path::new("/d");
        assert_eq!(
            path_for(dir, "broker.example.com", 8883),
            Path::new("/d/broker.example.com-8883.sqlite")
        );
        assert_eq!(path_for(dir, "::1", 1883), Path::new("/d/__1-1883.sqlite"));
        assert_eq!(path_for(dir, "../x", 1), Path::new("/d/.._x-1.sqlite"));
    }
}
