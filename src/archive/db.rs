//! The history file of one connection: its schema, opening it (WAL; a corrupt or foreign
//! file is moved aside as `*.corrupt-<time>` and a new one started), writing a batch in
//! one transaction, pruning to a disk budget and an age (oldest first, in chunks, each
//! topic's latest message kept, pages given back by incremental vacuum), and reading back
//! the latest message of every topic and the statistics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::ArchiveError;
use super::rows::{COLUMNS, body, pack, row_message};
use crate::model::Incoming;

/// Marks a database as mqscope's (SQLite's `application_id`): "MQSC".
const APPLICATION_ID: i32 = 0x4D51_5343;
const SCHEMA_VERSION: i32 = 1;
/// Messages deleted per step when pruning.
const PRUNE_CHUNK: i64 = 20_000;
/// Topic ids kept in memory at most (then the cache starts again).
const TOPIC_CACHE: usize = 200_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL UNIQUE,
    latest INTEGER
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    topic_id INTEGER NOT NULL,
    received_us INTEGER NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    size INTEGER NOT NULL,
    zstd INTEGER NOT NULL,
    payload BLOB NOT NULL,
    properties TEXT,
    decoded TEXT,
    decoded_by TEXT
);
CREATE INDEX IF NOT EXISTS messages_topic ON messages(topic_id, id);
CREATE INDEX IF NOT EXISTS messages_time ON messages(received_us);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    topic, body, content='', contentless_delete=1, tokenize='unicode61'
);
";

/// A message read back, with its row id (newest has the highest).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub id: i64,
    pub incoming: Incoming,
}

/// What a history file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveStats {
    pub messages: u64,
    pub topics: u64,
    /// Bytes of the database file and its write-ahead log.
    pub file_bytes: u64,
    /// Microseconds since the epoch of the oldest and newest message.
    pub oldest_us: Option<i64>,
    pub newest_us: Option<i64>,
}

/// An open history file.
pub struct Archive {
    conn: Connection,
    path: PathBuf,
    topic_ids: HashMap<String, i64>,
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

impl Archive {
    /// Opens (or creates) the history file at `path` for writing. A file that is not an
    /// mqscope history is moved aside first; the name it got is returned with the archive.
    pub fn open(path: &Path) -> Result<(Self, Option<PathBuf>), ArchiveError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| ArchiveError::Folder {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        match Self::open_checked(path) {
            Ok(a) => Ok((a, None)),
            Err(Bad::Sqlite(e)) => Err(sql(path)(e)),
            Err(Bad::Foreign(why)) => {
                let aside = aside_name(path);
                std::fs::rename(path, &aside).map_err(|e| {
                    ArchiveError::Other(format!(
                        "{} is {why} and could not be moved aside: {e}",
                        path.display()
                    ))
                })?;
                for ext in ["-wal", "-shm"] {
                    let mut side = path.as_os_str().to_owned();
                    side.push(ext);
                    let _ = std::fs::remove_file(PathBuf::from(side));
                }
                tracing::warn!("{} was {why}: moved to {}", path.display(), aside.display());
                let a = Self::open_checked(path).map_err(|e| match e {
                    Bad::Sqlite(e) => sql(path)(e),
                    Bad::Foreign(why) => ArchiveError::Other(why),
                })?;
                Ok((a, Some(aside)))
            }
        }
    }

    /// Opens an existing history file to read (while another process may write it).
    pub fn open_read(path: &Path) -> Result<Self, ArchiveError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql(path))?;
        let id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(sql(path))?;
        if id != APPLICATION_ID {
            return Err(ArchiveError::Other(format!(
                "{} is not an mqscope history file",
                path.display()
            )));
        }
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            topic_ids: HashMap::new(),
        })
    }

    fn open_checked(path: &Path) -> Result<Self, Bad> {
        let conn = Connection::open(path).map_err(Bad::Sqlite)?;
        let probe = |conn: &Connection| -> rusqlite::Result<(i32, i64)> {
            let id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
            let tables = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
            Ok((id, tables))
        };
        match probe(&conn) {
            Ok((APPLICATION_ID, _)) | Ok((0, 0)) => {}
            Ok(_) => return Err(Bad::Foreign("another program's database".into())),
            Err(e) if is_corrupt(&e) => return Err(Bad::Foreign("not a readable database".into())),
            Err(e) => return Err(Bad::Sqlite(e)),
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(Bad::Sqlite)?;
        let setup = || -> rusqlite::Result<()> {
            // Before the first table: pages freed by pruning can be given back.
            conn.execute_batch(
                "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL;",
            )?;
            conn.execute_batch(SCHEMA)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Ok(())
        };
        match setup() {
            Ok(()) => {}
            Err(e) if is_corrupt(&e) => return Err(Bad::Foreign("not a readable database".into())),
            Err(e) => return Err(Bad::Sqlite(e)),
        }
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            topic_ids: HashMap::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Writes `batch` in one transaction; the number written.
    pub fn write(&mut self, batch: &[Incoming]) -> Result<usize, ArchiveError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(sql(&path))?;
        let mut latest: HashMap<i64, i64> = HashMap::new();
        {
            let mut topic_insert = tx
                .prepare_cached(
                    "INSERT INTO topics(topic) VALUES (?1) ON CONFLICT(topic) DO NOTHING",
                )
                .map_err(sql(&path))?;
            let mut topic_id = tx
                .prepare_cached("SELECT id FROM topics WHERE topic = ?1")
                .map_err(sql(&path))?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO messages(topic_id, received_us, qos, retain, size, zstd, \
                     payload, properties, decoded, decoded_by) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(sql(&path))?;
            let mut index = tx
                .prepare_cached("INSERT INTO search(rowid, topic, body) VALUES (?1, ?2, ?3)")
                .map_err(sql(&path))?;
            if self.topic_ids.len() > TOPIC_CACHE {
                self.topic_ids.clear();
            }
            for m in batch {
                let tid = match self.topic_ids.get(&m.topic) {
                    Some(id) => *id,
                    None => {
                        topic_insert.execute([&m.topic]).map_err(sql(&path))?;
                        let id: i64 = topic_id
                            .query_row([&m.topic], |r| r.get(0))
                            .map_err(sql(&path))?;
                        self.topic_ids.insert(m.topic.clone(), id);
                        id
                    }
                };
                let msg = &m.message;
                let bytes = msg.payload.bytes();
                let packed = pack(bytes);
                let (zstd, stored) = match &packed {
                    Some(z) => (true, z.as_slice()),
                    None => (false, bytes),
                };
                let properties = msg
                    .properties
                    .as_ref()
                    .and_then(|p| serde_json::to_string(p).ok());
                let (decoded, by) = match msg.payload.decoded() {
                    Some(d) => match &d.result {
                        Ok(t) => (Some(t.to_string()), Some(d.by.to_string())),
                        Err(_) => (None, None),
                    },
                    None => (None, None),
                };
                insert
                    .execute(params![
                        tid,
                        msg.received_at_us,
                        msg.qos.as_u8(),
                        msg.retain,
                        msg.payload.original_len() as i64,
                        zstd,
                        stored,
                        properties,
                        decoded,
                        by,
                    ])
                    .map_err(sql(&path))?;
                let id = tx.last_insert_rowid();
                latest.insert(tid, id);
                index
                    .execute(params![id, m.topic, body(msg, decoded.as_deref())])
                    .map_err(sql(&path))?;
            }
            let mut set_latest = tx
                .prepare_cached("UPDATE topics SET latest = ?2 WHERE id = ?1")
                .map_err(sql(&path))?;
            for (tid, id) in &latest {
                set_latest.execute([tid, id]).map_err(sql(&path))?;
            }
        }
        tx.commit().map_err(sql(&path))?;
        Ok(batch.len())
    }

    /// Bytes of the file and its write-ahead log on disk.
    pub fn file_bytes(&self) -> u64 {
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        size(&self.path) + size(Path::new(&wal))
    }

    /// Bytes the pages in use take (the file without its free pages).
    fn used_bytes(&self) -> Result<u64, ArchiveError> {
        let q = |name: &str| -> Result<i64, ArchiveError> {
            self.conn
                .pragma_query_value(None, name, |r| r.get(0))
                .map_err(sql(&self.path))
        };
        let pages = q("page_count")? - q("freelist_count")?;
        Ok((pages.max(0) * q("page_size")?) as u64)
    }

    /// Deletes the oldest messages (never a topic's latest) until nothing is older than
    /// `older_than_us` (if set) and what is used fits `budget`, in chunks sized by the
    /// excess, then gives the freed pages back to the file system. The number deleted.
    pub fn prune(&mut self, budget: u64, older_than_us: Option<i64>) -> Result<u64, ArchiveError> {
        let path = self.path.clone();
        let mut deleted = 0u64;
        let delete = |conn: &Connection, extra: &str, arg: i64| -> rusqlite::Result<usize> {
            let ids: Vec<i64> = {
                let mut s = conn.prepare_cached(&format!(
                    "SELECT id FROM messages WHERE id NOT IN (SELECT latest FROM topics \
                     WHERE latest IS NOT NULL) {extra} ORDER BY id LIMIT ?1"
                ))?;
                if extra.is_empty() {
                    s.query_map([arg], |r| r.get(0))?
                        .collect::<Result<_, _>>()?
                } else {
                    s.query_map([PRUNE_CHUNK, arg], |r| r.get(0))?
                        .collect::<Result<_, _>>()?
                }
            };
            let tx = conn.unchecked_transaction()?;
            {
                let mut m = tx.prepare_cached("DELETE FROM messages WHERE id = ?1")?;
                let mut f = tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?;
                for id in &ids {
                    m.execute([id])?;
                    f.execute([id])?;
                }
            }
            tx.commit()?;
            Ok(ids.len())
        };
        if let Some(before) = older_than_us {
            loop {
                let n = delete(&self.conn, "AND received_us < ?2", before).map_err(sql(&path))?;
                deleted += n as u64;
                if n == 0 {
                    break;
                }
            }
        }
        loop {
            let used = self.used_bytes()?;
            if used <= budget {
                break;
            }
            // As many of the oldest as the excess holds, by the mean size of a message.
            let count: i64 = self
                .conn
                .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
                .map_err(sql(&path))?;
            let mean = (used / count.max(1) as u64).max(1);
            let chunk = ((used - budget) / mean + 1).clamp(100, PRUNE_CHUNK as u64) as i64;
            let n = delete(&self.conn, "", chunk).map_err(sql(&path))?;
            deleted += n as u64;
            if n == 0 {
                break; // only latest messages are left
            }
        }
        if deleted > 0 {
            // Each step of incremental_vacuum frees a page: it is stepped to the end.
            let vacuum = || -> rusqlite::Result<()> {
                let mut s = self.conn.prepare("PRAGMA incremental_vacuum")?;
                let mut rows = s.query([])?;
                while rows.next()?.is_some() {}
                drop(rows);
                let mut s = self.conn.prepare("PRAGMA wal_checkpoint(TRUNCATE)")?;
                let mut rows = s.query([])?;
                while rows.next()?.is_some() {}
                Ok(())
            };
            vacuum().map_err(sql(&path))?;
        }
        Ok(deleted)
    }

    /// The latest message of every stored topic, in no order.
    pub fn latest(&self) -> Result<Vec<StoredMessage>, ArchiveError> {
        let mut s = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM topics t JOIN messages m ON m.id = t.latest"
            ))
            .map_err(sql(&self.path))?;
        let rows = s
            .query_map([], row_message)
            .map_err(sql(&self.path))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql(&self.path))?;
        Ok(rows)
    }

    pub fn stats(&self) -> Result<ArchiveStats, ArchiveError> {
        let (messages, oldest_us, newest_us) = self
            .conn
            .query_row(
                "SELECT count(*), min(received_us), max(received_us) FROM messages",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(sql(&self.path))?;
        let topics: i64 = self
            .conn
            .query_row("SELECT count(*) FROM topics", [], |r| r.get(0))
            .map_err(sql(&self.path))?;
        Ok(ArchiveStats {
            messages: messages as u64,
            topics: topics as u64,
            file_bytes: self.file_bytes(),
            oldest_us,
            newest_us,
        })
    }

    /// The message with row id `id`, if it is still kept.
    pub fn message(&self, id: i64) -> Result<Option<StoredMessage>, ArchiveError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages m JOIN topics t ON t.id = m.topic_id WHERE m.id = ?1"),
                [id],
                row_message,
            )
            .optional()
            .map_err(sql(&self.path))
    }
}

/// Why a file cannot be used as it is.
enum Bad {
    Sqlite(rusqlite::Error),
    /// Not ours, or not a database at all: it is moved aside.
    Foreign(String),
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// `name.sqlite.corrupt-20261202-014500` beside `path`.
fn aside_name(path: &Path) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".corrupt-{stamp}"));
    PathBuf::from(name)
}

#[cfg(test)]
#[path = "db_tests.rs"]
mod tests;
