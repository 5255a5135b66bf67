//! The writer of one history file: a named thread fed by a bounded queue of batches, each
//! step one transaction of everything queued; every few seconds it prunes to the budget
//! and the age kept. Whatever does not fit the queue, or cannot be written (a full disk),
//! is skipped for disk only and counted: the network and the UI never wait for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::db::Archive;
use crate::model::Incoming;

/// Batches queued for the writer at most.
const QUEUE: usize = 256;
/// Messages written in one transaction at most.
const STEP: usize = 20_000;
/// How often the budget and the age are enforced.
const PRUNE_EVERY: Duration = Duration::from_secs(5);

/// How much is kept, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Bytes the file may use.
    pub budget: u64,
    /// Days messages are kept (`None`: as long as the budget allows).
    pub keep_days: Option<u32>,
}

/// What the writer did so far, for the status bar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriterStatus {
    pub written: u64,
    /// Messages not written: the queue was full, or writing failed.
    pub skipped: u64,
    /// Messages deleted to hold the budget or the age.
    pub pruned: u64,
    pub file_bytes: u64,
    pub budget: u64,
    /// The last failure, in words (cleared by the next write that succeeds).
    pub error: Option<String>,
}

/// Shared between the writer thread and whoever feeds it.
struct Shared {
    skipped: AtomicU64,
    status: Mutex<WriterStatus>,
}

/// The handle on a writer thread; dropping it lets the thread write what is queued, then
/// end.
pub struct ArchiveWriter {
    tx: Option<SyncSender<Vec<Incoming>>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ArchiveWriter {
    /// Starts the thread `name` writing into `archive`.
    pub fn start(archive: Archive, keep: Retention, name: &str) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let shared = Arc::new(Shared {
            skipped: AtomicU64::new(0),
            status: Mutex::new(WriterStatus {
                file_bytes: archive.file_bytes(),
                budget: keep.budget,
                ..WriterStatus::default()
            }),
        });
        let on_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || run(archive, keep, &rx, &on_thread))?;
        Ok(Self {
            tx: Some(tx),
            shared,
            thread: Some(thread),
        })
    }

    /// Queues `batch` for the disk; when the queue is full it is counted as skipped.
    pub fn offer(&self, batch: Vec<Incoming>) {
        let n = batch.len() as u64;
        let Some(tx) = &self.tx else {
            return;
        };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = tx.try_send(batch) {
            self.shared.skipped.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// A feeder for another thread (the worker's, which clones each batch into it).
    pub fn feeder(&self) -> impl Fn(&[Incoming]) + Send + Sync + 'static {
        let tx = self.tx.clone();
        let shared = self.shared.clone();
        move |batch: &[Incoming]| {
            let Some(tx) = &tx else {
                return;
            };
            if tx.try_send(batch.to_vec()).is_err() {
                shared
                    .skipped
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
        }
    }

    /// Counts `n` messages that never reached the queue as skipped.
    pub fn count_skipped(&self, n: u64) {
        self.shared.skipped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn status(&self) -> WriterStatus {
        let mut s = lock(&self.shared.status).clone();
        s.skipped += self.shared.skipped.load(Ordering::Relaxed);
        s
    }

    /// Writes what is queued and stops (waits for the thread).
    pub fn finish(mut self) -> WriterStatus {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.status()
    }
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(m: &Mutex<WriterStatus>) -> std::sync::MutexGuard<'_, WriterStatus> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn run(mut archive: Archive, keep: Retention, rx: &Receiver<Vec<Incoming>>, shared: &Shared) {
    let mut pruned_at = Instant::now();
    let mut pending: Vec<Incoming> = Vec::new();
    let mut open = true;
    while open || !pending.is_empty() {
        match rx.recv_timeout(PRUNE_EVERY) {
            Ok(batch) => pending.extend(batch),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        while pending.len() < STEP {
            match rx.try_recv() {
                Ok(batch) => pending.extend(batch),
                Err(_) => break,
            }
        }
        if !pending.is_empty() {
            let result = archive.write(&pending);
            let mut s = lock(&shared.status);
            match result {
                Ok(n) => {
                    s.written += n as u64;
                    s.error = None;
                }
                Err(e) => {
                    tracing::warn!("history not written: {e}");
                    s.skipped += pending.len() as u64;
                    s.error = Some(e.to_string());
                }
            }
            pending.clear();
        }
        if pruned_at.elapsed() >= PRUNE_EVERY || !open {
            pruned_at = Instant::now();
            let older = keep
                .keep_days
                .map(|d| crate::model::message::now_us() - i64::from(d) * 86_400 * 1_000_000);
            let result = archive.prune(keep.budget, older);
            let mut s = lock(&shared.status);
            match result {
                Ok(n) => s.pruned += n,
                Err(e) => s.error = Some(e.to_string()),
            }
            s.file_bytes = archive.file_bytes();
        }
    }
}
