//! Searching a history file: by MQTT filter, text (an FTS5 query over topics and text
//! payloads, or a plain "contains"), time range, QoS, retain flag and size; newest first,
//! a page at a time (each page starts below the last row id of the one before), counted up
//! to a cap, and cancellable between chunks.

use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::types::Value;

use super::ArchiveError;
use super::db::{Archive, StoredMessage};
use super::rows::{COLUMNS, row_message};
use crate::model::QoS;
use crate::model::topic_path::matches_filter;

/// How the text of a query is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextMode {
    /// FTS5 query syntax: words, "phrases", prefix*, AND / OR / NOT, topic: and body:.
    #[default]
    Fts,
    /// The text as it is, found anywhere in the topic, the payload or its decoded form.
    Contains,
}

/// What to look for. Empty fields do not narrow the search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// An MQTT filter (`+`, `#`).
    pub filter: Option<String>,
    pub text: Option<String>,
    pub mode: TextMode,
    /// Received at or after / before, microseconds since the epoch.
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    pub qos: Option<QoS>,
    pub retained: Option<bool>,
    /// Payload size in bytes, at least / at most.
    pub min_size: Option<u64>,
    pub max_size: Option<u64>,
    /// Only rows below this id: the page after one that ended there.
    pub before_id: Option<i64>,
}

/// Rows read per step of a "contains" scan (a cancel is seen between steps).
const SCAN_CHUNK: i64 = 2_000;

impl Archive {
    /// Up to `limit` messages that match, newest first; `cancel` stops a long search
    /// between steps (with what was found so far).
    pub fn search(
        &self,
        q: &Query,
        limit: usize,
        cancel: &AtomicBool,
    ) -> Result<Vec<StoredMessage>, ArchiveError> {
        let Some((mut clause, mut args)) = self.clause(q)? else {
            return Ok(Vec::new());
        };
        let contains = match (&q.text, q.mode) {
            (Some(t), TextMode::Contains) if !t.is_empty() => Some(t.as_str()),
            _ => None,
        };
        let Some(needle) = contains else {
            args.push(Value::Integer(limit as i64));
            return self.rows(&format!("{clause} ORDER BY m.id DESC LIMIT ?"), args);
        };
        // A scan in steps, newest first, keeping the rows that contain the text.
        let mut found = Vec::new();
        let mut below = q.before_id;
        clause.push_str(" AND (? IS NULL OR m.id < ?)");
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Ok(found);
            }
            let mut step = args.clone();
            let below_arg = below.map_or(Value::Null, Value::Integer);
            step.extend([below_arg.clone(), below_arg, Value::Integer(SCAN_CHUNK)]);
            let rows = self.rows(&format!("{clause} ORDER BY m.id DESC LIMIT ?"), step)?;
            let done = (rows.len() as i64) < SCAN_CHUNK;
            below = rows.last().map(|r| r.id);
            for r in rows {
                if has(&r, needle) {
                    found.push(r);
                    if found.len() == limit {
                        return Ok(found);
                    }
                }
            }
            if done {
                return Ok(found);
            }
        }
    }

    /// How many messages match, counting up to `cap` (`None`: more than that).
    pub fn count(&self, q: &Query, cap: u64) -> Result<Option<u64>, ArchiveError> {
        if q.mode == TextMode::Contains && q.text.as_deref().is_some_and(|t| !t.is_empty()) {
            let found = self.search(q, cap as usize + 1, &AtomicBool::new(false))?;
            return Ok((found.len() as u64 <= cap).then_some(found.len() as u64));
        }
        let Some((clause, mut args)) = self.clause(q)? else {
            return Ok(Some(0));
        };
        args.push(Value::Integer(cap as i64 + 1));
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 {} LIMIT ?)",
            clause.trim_start_matches(&format!("SELECT {COLUMNS}"))
        );
        let n: i64 = self
            .conn()
            .query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
            .map_err(|e| self.explain(e))?;
        Ok((n as u64 <= cap).then_some(n as u64))
    }

    /// The `SELECT … WHERE …` of a query and its arguments; `None` when no topic matches.
    fn clause(&self, q: &Query) -> Result<Option<(String, Vec<Value>)>, ArchiveError> {
        let mut sql =
            format!("SELECT {COLUMNS} FROM messages m JOIN topics t ON t.id = m.topic_id WHERE 1");
        let mut args = Vec::new();
        if let Some(f) = q.filter.as_deref().filter(|f| !f.is_empty() && *f != "#") {
            let ids = self.topic_ids(f)?;
            if ids.is_empty() {
                return Ok(None);
            }
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            sql.push_str(&format!(" AND m.topic_id IN ({})", list.join(",")));
        }
        if let (Some(t), TextMode::Fts) = (&q.text, q.mode)
            && !t.trim().is_empty()
        {
            sql.push_str(" AND m.id IN (SELECT rowid FROM search WHERE search MATCH ?)");
            args.push(Value::Text(t.clone()));
        }
        let mut bound = |cond: &str, v: Option<i64>| {
            if let Some(v) = v {
                sql.push_str(cond);
                args.push(Value::Integer(v));
            }
        };
        bound(" AND m.received_us >= ?", q.since_us);
        bound(" AND m.received_us < ?", q.until_us);
        bound(" AND m.qos = ?", q.qos.map(|q| i64::from(q.as_u8())));
        bound(" AND m.retain = ?", q.retained.map(i64::from));
        bound(" AND m.size >= ?", q.min_size.map(|s| s as i64));
        bound(" AND m.size <= ?", q.max_size.map(|s| s as i64));
        if q.mode == TextMode::Fts {
            bound(" AND m.id < ?", q.before_id);
        }
        Ok(Some((sql, args)))
    }

    /// Ids of the stored topics `filter` matches.
    fn topic_ids(&self, filter: &str) -> Result<Vec<i64>, ArchiveError> {
        if !filter.contains(['+', '#']) {
            let id =
                self.conn()
                    .query_row("SELECT id FROM topics WHERE topic = ?1", [filter], |r| {
                        r.get(0)
                    });
            return match id {
                Ok(id) => Ok(vec![id]),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(Vec::new()),
                Err(e) => Err(self.explain(e)),
            };
        }
        // The literal part before the first wildcard narrows the topics read.
        let prefix = filter.split(['+', '#']).next().unwrap_or_default();
        let mut s = self
            .conn()
            .prepare_cached("SELECT id, topic FROM topics WHERE substr(topic, 1, ?2) = ?1")
            .map_err(|e| self.explain(e))?;
        let rows = s
            .query_map(rusqlite::params![prefix, prefix.len() as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.explain(e))?;
        let mut ids = Vec::new();
        for row in rows {
            let (id, topic) = row.map_err(|e| self.explain(e))?;
            if matches_filter(filter, &topic) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn rows(&self, sql: &str, args: Vec<Value>) -> Result<Vec<StoredMessage>, ArchiveError> {
        let mut s = self.conn().prepare(sql).map_err(|e| self.explain(e))?;
        let rows = s
            .query_map(rusqlite::params_from_iter(args), row_message)
            .map_err(|e| self.explain(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.explain(e))
    }

    /// An FTS5 syntax error in words; anything else as it is.
    fn explain(&self, e: rusqlite::Error) -> ArchiveError {
        let text = e.to_string();
        let fts = [
            "fts5",
            "syntax error",
            "no such column",
            "unterminated",
            "unknown special",
        ];
        if fts.iter().any(|w| text.contains(w)) {
            return ArchiveError::Query(text);
        }
        ArchiveError::Sqlite {
            path: self.path().to_path_buf(),
            source: e,
        }
    }
}

/// Whether the topic, payload text or decoded form of `m` contains `needle`.
fn has(m: &StoredMessage, needle: &str) -> bool {
    let msg = &m.incoming.message;
    m.incoming.topic.contains(needle)
        || msg.payload.text().is_some_and(|t| t.contains(needle))
        || msg
            .payload
            .decoded()
            .and_then(|d| d.result.as_ref().ok())
            .is_some_and(|t| t.contains(needle))
}

/// A time (ISO 8601, or a date) or an age before now (`-1h`, `7d`), in µs since the epoch.
pub fn parse_when(s: &str, now_us: i64) -> Option<i64> {
    let t = s.trim();
    let age = t.strip_prefix('-').unwrap_or(t);
    if let Some(unit) = age.chars().last().filter(|c| "smhdw".contains(*c))
        && let Ok(n) = age[..age.len() - 1].parse::<i64>()
    {
        let secs = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => 604_800,
        };
        return Some(now_us - n.saturating_mul(secs).saturating_mul(1_000_000));
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp_micros());
    }
    let local = |n: chrono::NaiveDateTime| {
        n.and_local_timezone(chrono::Local)
            .earliest()
            .map(|d| d.timestamp_micros())
    };
    for form in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, form) {
            return local(n);
        }
    }
    let date = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    local(date.and_hms_opt(0, 0, 0)?)
}
