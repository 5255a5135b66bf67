//! Publish history (the last 100 messages per connection) and named templates, on disk.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

pub use super::file::PendingWrite;
use super::file::{LoadReport, load};
use crate::model::QoS;
use crate::model::payload_format::PayloadFormat;

/// Messages kept in the publish history per connection.
pub const HISTORY_PER_CONNECTION: usize = 100;

/// A message as the editor holds it (payload as typed, in its format).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SavedMessage {
    pub topic: String,
    pub payload: String,
    pub format: PayloadFormat,
    pub qos: QoS,
    pub retain: bool,
    pub content_type: String,
    pub user_properties: String,
    pub expiry_s: String,
    pub response_topic: String,
    pub correlation_data: String,
    pub utf8_indicator: bool,
    /// The decoder rule's decoder the JSON payload is sent through (its `encode`), as
    /// written; empty: sent as typed.
    pub encode: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    pub name: String,
    pub message: SavedMessage,
}

/// History and templates, loaded once and saved after each change.
#[derive(Debug, Default)]
pub struct PublishLibrary {
    /// Connection ("host:port") → newest-first messages.
    history: BTreeMap<String, VecDeque<SavedMessage>>,
    templates: Vec<Template>,
    /// Where the files live; `None` keeps everything in memory (tests).
    dir: Option<PathBuf>,
    /// Problems met loading or saving, for a banner.
    pub problems: Vec<String>,
    /// Files that could not be read are never written over.
    read_only: [bool; 2],
    /// Changed since the last write was handed out, per file.
    dirty: [bool; 2],
    /// A write of the file is under way (handed out, not yet reported back).
    writing: [bool; 2],
}

const HISTORY_FILE: &str = "publish-history.json";
const TEMPLATES_FILE: &str = "templates.json";

impl PublishLibrary {
    /// Loads from `dir` (or starts empty in memory when `None`).
    pub fn open(dir: Option<PathBuf>) -> Self {
        let mut lib = Self {
            dir: dir.clone(),
            ..Self::default()
        };
        if let Some(dir) = dir {
            let (history, r1) = load(&dir.join(HISTORY_FILE));
            let (templates, r2) = load(&dir.join(TEMPLATES_FILE));
            lib.history = history;
            lib.templates = templates;
            for (i, (report, what)) in [(r1, "The publish history"), (r2, "The templates")]
                .into_iter()
                .enumerate()
            {
                lib.read_only[i] = matches!(report, LoadReport::Unreadable(_));
                lib.problems.extend(report.message(what));
            }
        }
        lib
    }

    pub fn history(&self, connection: &str) -> impl Iterator<Item = &SavedMessage> {
        self.history.get(connection).into_iter().flatten()
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// Records a published message for `connection` (newest first, at most 100; an
    /// identical earlier entry moves to the front).
    pub fn record(&mut self, connection: &str, message: SavedMessage) {
        let list = self.history.entry(connection.to_string()).or_default();
        list.retain(|m| *m != message);
        list.push_front(message);
        list.truncate(HISTORY_PER_CONNECTION);
        self.save(0);
    }

    /// Saves `message` as template `name` (replacing one of that name).
    pub fn save_template(&mut self, name: &str, message: SavedMessage) {
        let name = name.trim().to_string();
        match self.templates.iter_mut().find(|t| t.name == name) {
            Some(t) => t.message = message,
            None => self.templates.push(Template { name, message }),
        }
        self.templates.sort_by(|a, b| a.name.cmp(&b.name));
        self.save(1);
    }

    pub fn rename_template(&mut self, from: &str, to: &str) -> Result<(), String> {
        let to = to.trim();
        if to.is_empty() {
            return Err("a template needs a name".into());
        }
        if self.templates.iter().any(|t| t.name == to) {
            return Err(format!("a template called \"{to}\" exists"));
        }
        if let Some(t) = self.templates.iter_mut().find(|t| t.name == from) {
            t.name = to.to_string();
        }
        self.templates.sort_by(|a, b| a.name.cmp(&b.name));
        self.save(1);
        Ok(())
    }

    pub fn delete_template(&mut self, name: &str) {
        self.templates.retain(|t| t.name != name);
        self.save(1);
    }

    fn save(&mut self, which: usize) {
        if self.dir.is_some() && !self.read_only[which] {
            self.dirty[which] = true;
        }
    }

    /// The next file to write, if one changed and is not being written already; the
    /// caller writes it off the UI thread and reports back with [`Self::written`]. Changes
    /// made meanwhile are written after, so writes never overtake each other.
    pub fn pending_write(&mut self) -> Option<PendingWrite> {
        let dir = self.dir.as_ref()?;
        let which = (0..2).find(|&w| self.dirty[w] && !self.writing[w])?;
        let (path, bytes) = if which == 0 {
            (
                dir.join(HISTORY_FILE),
                serde_json::to_vec_pretty(&self.history),
            )
        } else {
            (
                dir.join(TEMPLATES_FILE),
                serde_json::to_vec_pretty(&self.templates),
            )
        };
        self.dirty[which] = false;
        match bytes {
            Ok(bytes) => {
                self.writing[which] = true;
                Some(PendingWrite { which, path, bytes })
            }
            Err(e) => {
                self.problems
                    .push(format!("saving {}: {e}", path.display()));
                None
            }
        }
    }

    /// A write handed out by [`Self::pending_write`] ended.
    pub fn written(&mut self, which: usize, result: Result<(), String>) {
        if let Some(w) = self.writing.get_mut(which) {
            *w = false;
        }
        if let Err(e) = result {
            self.problems.push(e);
        }
    }

    /// Writes every changed file now, on this thread (tests, and the last save on exit).
    pub fn write_now(&mut self) {
        while let Some(w) = self.pending_write() {
            let result = w.write();
            self.written(w.which, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(topic: &str) -> SavedMessage {
        SavedMessage {
            topic: topic.into(),
            payload: "1".into(),
            ..Default::default()
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mqscope-lib-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn history_is_per_connection_newest_first_and_capped() {
        let d = dir("hist");
        let mut lib = PublishLibrary::open(Some(d.clone()));
        for i in 0..150 {
            lib.record("a:1883", msg(&format!("t/{i}")));
        }
        lib.record("b:1883", msg("other"));
        lib.record("a:1883", msg("t/5"));
        assert!(
            lib.pending_write().is_some(),
            "written off the caller's thread"
        );
        assert!(
            lib.pending_write().is_none(),
            "one write of a file at a time"
        );
        lib.written(0, Ok(()));
        lib.record("a:1883", msg("t/5"));
        lib.write_now();
        let again = PublishLibrary::open(Some(d));
        let a: Vec<_> = again.history("a:1883").map(|m| m.topic.clone()).collect();
        assert_eq!(a.len(), HISTORY_PER_CONNECTION);
        assert_eq!(a[0], "t/5");
        assert_eq!(a[1], "t/149");
        assert_eq!(again.history("b:1883").count(), 1);
        assert!(again.problems.is_empty());
    }

    #[test]
    fn templates_save_rename_delete_and_persist() {
        let d = dir("tpl");
        let mut lib = PublishLibrary::open(Some(d.clone()));
        lib.save_template("Light on", msg("home/light/set"));
        lib.save_template("Alarm", msg("home/alarm"));
        assert!(lib.rename_template("Alarm", "Light on").is_err());
        lib.rename_template("Alarm", "Siren").unwrap();
        lib.delete_template("Light on");
        lib.write_now();
        let again = PublishLibrary::open(Some(d));
        let names: Vec<_> = again.templates().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Siren"]);
    }

    #[test]
    fn corrupt_templates_are_reported_and_kept() {
        let d = dir("bad");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(TEMPLATES_FILE), "[{").unwrap();
        let lib = PublishLibrary::open(Some(d.clone()));
        assert_eq!(lib.problems.len(), 1);
        assert!(lib.problems[0].contains("The templates could not be read"));
        let kept = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("templates.json.corrupt-")
            });
        assert!(kept);
    }
}
