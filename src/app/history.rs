//! A tab's history on disk: opened off the UI thread when the tab connects with "History on
//! disk" on (a lock file says who writes; a second instance only reads), fed by the
//! worker's tap, the latest message of each stored topic brought back into the tree
//! (marked from disk), and its state for the status bar. When the disk cannot be used the
//! tab keeps running in memory and says so.

use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use super::tab::Tab;
use crate::archive::{Archive, ArchiveWriter, Retention};
use crate::model::Incoming;
use crate::status::{DiskLimits, DiskStatus};

/// An open history file of a tab.
pub(super) struct TabHistory {
    /// The broker it belongs to (`host:port`).
    pub address: String,
    pub path: PathBuf,
    /// `None`: another instance writes it; this one only read it.
    writer: Option<ArchiveWriter>,
    pub note: Option<String>,
    /// Held while this instance writes.
    _lock: Option<File>,
}

/// Messages held at most while a history file opens, and their payload bytes.
const HOLD: usize = 50_000;
const HOLD_BYTES: usize = 64 << 20;

type Feed = Box<dyn Fn(&[Incoming]) + Send + Sync>;

/// The worker's tap from the moment the tab connects: it holds what arrives while the
/// history file opens (the retained messages sent at subscribe time among it), then hands
/// it to the writer in order and forwards to it from then on. Over its limits it counts.
#[derive(Default)]
pub(super) struct Holding(Mutex<Held>);

#[derive(Default)]
struct Held {
    messages: Vec<Incoming>,
    bytes: usize,
    over: u64,
    forward: Option<Feed>,
}

impl Holding {
    fn tap(self: &Arc<Self>) -> crate::mqtt::Tap {
        let me = self.clone();
        Arc::new(move |batch: &[Incoming]| me.take(batch))
    }

    fn take(&self, batch: &[Incoming]) {
        let mut h = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(forward) = &h.forward {
            return forward(batch);
        }
        for m in batch {
            let size = m.message.payload.bytes().len();
            if h.messages.len() < HOLD && h.bytes + size <= HOLD_BYTES {
                h.bytes += size;
                h.messages.push(m.clone());
            } else {
                h.over += 1;
            }
        }
    }

    /// What was held goes to `writer` (before anything newer), and the rest from now on.
    fn forward_to(&self, writer: &ArchiveWriter) {
        let mut h = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let held = std::mem::take(&mut h.messages);
        if !held.is_empty() {
            writer.offer(held);
        }
        writer.count_skipped(h.over);
        h.forward = Some(Box::new(writer.feeder()));
    }
}

/// What opening a history file found, from the job thread.
pub struct Opened {
    address: String,
    path: PathBuf,
    writer: Option<ArchiveWriter>,
    latest: Vec<Incoming>,
    note: Option<String>,
    lock: Option<File>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("address", &self.address)
            .field("latest", &self.latest.len())
            .field("note", &self.note)
            .finish_non_exhaustive()
    }
}

/// Opens the history file `path` of `address` (on a job thread): to write when no other
/// instance does, else to read; its topics' latest messages.
pub fn open(path: PathBuf, address: String, disk: DiskLimits) -> Result<Opened, String> {
    let off = |why: String| format!("history on disk is off ({why}); messages stay in memory");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| off(format!("{}: {e}", dir.display())))?;
    }
    let lock_path = path.with_extension("lock");
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| off(format!("{}: {e}", lock_path.display())))?;
    match lock.try_lock() {
        Ok(()) => {
            let (archive, aside) = Archive::open(&path).map_err(|e| off(e.to_string()))?;
            let latest = archive.latest().map_err(|e| off(e.to_string()))?;
            let keep = Retention {
                budget: disk.budget_mb.saturating_mul(1 << 20),
                keep_days: (disk.keep_days > 0).then_some(disk.keep_days),
            };
            let writer = ArchiveWriter::start(archive, keep, "history-writer")
                .map_err(|e| off(e.to_string()))?;
            Ok(Opened {
                address,
                path,
                writer: Some(writer),
                latest: latest.into_iter().map(|s| s.incoming).collect(),
                note: aside
                    .map(|a| format!("the history file was unreadable: moved to {}", a.display())),
                lock: Some(lock),
            })
        }
        Err(TryLockError::WouldBlock) => {
            let archive = Archive::open_read(&path).map_err(|e| off(e.to_string()))?;
            let latest = archive.latest().map_err(|e| off(e.to_string()))?;
            Ok(Opened {
                address,
                path,
                writer: None,
                latest: latest.into_iter().map(|s| s.incoming).collect(),
                note: Some(
                    "another mqscope instance is writing this history: read, not written".into(),
                ),
                lock: None,
            })
        }
        Err(TryLockError::Error(e)) => Err(off(format!("{}: {e}", lock_path.display()))),
    }
}

impl super::App {
    /// Opens the history file of tab `id`'s connection on a job thread when the tab keeps
    /// one and it is not open yet; closes it when the tab does not keep one.
    pub(super) fn start_history(&mut self, ctx: &egui::Context, id: crate::command::TabId) {
        let disk = self.saved.disk;
        let Some(tab) = self.tab_mut(id) else { return };
        if !tab.wants_history(&disk) {
            tab.close_history();
            tab.history_error = None;
            return;
        }
        let Some(settings) = tab.settings.clone() else {
            return;
        };
        let Some(path) = tab.history_to_open(&settings, &disk) else {
            return;
        };
        // A file of another broker closes first; what arrives meanwhile is held for the
        // new one.
        tab.close_history();
        let holding = Arc::new(Holding::default());
        if let Some(w) = &tab.worker {
            w.set_tap(Some(holding.tap()));
        }
        tab.holding = Some(holding);
        tab.history_opening = true;
        let address = settings.address();
        let job =
            move || super::jobs::JobDone::HistoryOpened(id, Box::new(open(path, address, disk)));
        if let Err(e) = self.jobs.spawn("history-open", ctx, job) {
            self.problems.push(e);
        }
    }
}

impl Tab {
    /// Whether this tab keeps its messages on disk, by its form or the default.
    pub(super) fn wants_history(&self, disk: &DiskLimits) -> bool {
        self.form.keep_history.unwrap_or(disk.on_by_default)
    }

    /// The history file this tab should open for the broker of `s`, if it should open
    /// one now.
    pub(super) fn history_to_open(
        &self,
        s: &crate::mqtt::ConnectionSettings,
        disk: &DiskLimits,
    ) -> Option<PathBuf> {
        let dir = self.history_dir.as_ref()?;
        if !self.wants_history(disk) || self.history_opening {
            return None;
        }
        if self
            .history
            .as_ref()
            .is_some_and(|h| h.address == s.address())
        {
            return None;
        }
        Some(crate::archive::path_for(dir, &s.host, s.port))
    }

    /// The history is not wanted any more (or belongs to another broker): the worker stops
    /// feeding it, and its writer finishes on a thread of its own.
    pub(super) fn close_history(&mut self) {
        if let Some(w) = &self.worker {
            w.set_tap(None);
        }
        self.inspector.older = Default::default();
        self.holding = None;
        if let Some(old) = self.history.take() {
            let _ = std::thread::Builder::new()
                .name("history-close".into())
                .spawn(move || drop(old));
        }
    }

    /// What the open job found: the worker feeds the writer from now on, and the latest
    /// stored message of each topic the tree does not have yet comes back, from disk.
    pub(super) fn history_opened(&mut self, result: Result<Opened, String>) {
        self.history_opening = false;
        let holding = self.holding.take();
        let opened = match result {
            Ok(o) => o,
            Err(why) => {
                self.close_history();
                self.history_error = Some(why);
                return;
            }
        };
        self.history_error = None;
        match (&opened.writer, holding) {
            (Some(writer), Some(holding)) => holding.forward_to(writer),
            (Some(writer), None) => {
                if let Some(w) = &self.worker {
                    w.set_tap(Some(Arc::new(writer.feeder())));
                }
            }
            // Another instance writes it.
            (None, _) => {
                if let Some(w) = &self.worker {
                    w.set_tap(None);
                }
            }
        }
        let tree = self.store.tree();
        let restored: Vec<Incoming> = opened
            .latest
            .into_iter()
            .filter(|m| tree.find(&m.topic).is_none())
            .collect();
        if !restored.is_empty() {
            self.store.apply_batch(restored);
        }
        self.inspector.older.available = true;
        self.history = Some(TabHistory {
            address: opened.address,
            path: opened.path,
            writer: opened.writer,
            note: opened.note,
            _lock: opened.lock,
        });
    }

    /// The history file a search reads: the one open, or the one stored for this broker
    /// before (searchable while the tab does not keep history now).
    pub(super) fn history_path(&self) -> Option<PathBuf> {
        if let Some(h) = &self.history {
            return Some(h.path.clone());
        }
        let s = self.settings.as_ref()?;
        super::search::history_file(self.history_dir.as_deref(), s).filter(|p| p.exists())
    }

    /// The history on disk as the status bar shows it (`None`: not kept).
    pub(super) fn disk_status(&self) -> Option<DiskStatus> {
        if let Some(why) = &self.history_error {
            return Some(DiskStatus {
                note: Some(why.clone()),
                failing: true,
                ..DiskStatus::default()
            });
        }
        let h = self.history.as_ref()?;
        let s = h
            .writer
            .as_ref()
            .map(ArchiveWriter::status)
            .unwrap_or_default();
        Some(DiskStatus {
            file_bytes: s.file_bytes,
            budget: s.budget,
            skipped: s.skipped,
            failing: s.error.is_some(),
            note: s.error.or_else(|| h.note.clone()),
        })
    }
}
