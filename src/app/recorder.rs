//! Recording received messages to a JSON Lines file: the app hands each batch over, the
//! named "recorder" thread writes it. Memory stays bounded however long it runs: batches
//! wait in a short queue, and what does not fit while the disk is slow is counted.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::model::Incoming;
use crate::model::recording::RecordLine;
use crate::model::topic_path::{matches_filter, validate_filter};

/// Batches waiting for the writer at most.
const QUEUED_BATCHES: usize = 256;

/// A recording in progress (or finishing).
#[derive(Debug)]
pub struct Recorder {
    pub path: PathBuf,
    /// MQTT filter the topics must match; empty records everything.
    pub filter: String,
    pub started: Instant,
    /// Messages lost to the recording because the writer fell behind.
    pub dropped: u64,
    sender: Option<SyncSender<Vec<Incoming>>>,
    written: Arc<(AtomicU64, AtomicU64)>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Recorder {
    /// Creates (or replaces) the file and starts the writer.
    pub fn start(path: PathBuf, filter: String) -> Result<Self, String> {
        let filter = filter.trim().to_string();
        if !filter.is_empty() {
            validate_filter(&filter).map_err(|e| format!("filter {filter}: {e}"))?;
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Incoming>>(QUEUED_BATCHES);
        let written = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let counts = written.clone();
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                let mut out = std::io::BufWriter::new(file);
                let fail = |e: std::io::Error| format!("writing {shown}: {e}");
                for batch in receiver {
                    for m in &batch {
                        let line = RecordLine::from_incoming(m).to_json();
                        writeln!(out, "{line}").map_err(fail)?;
                        counts.0.fetch_add(1, Ordering::Relaxed);
                        counts.1.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                    }
                    out.flush().map_err(fail)?;
                }
                out.flush().map_err(fail)
            })
            .map_err(|e| format!("cannot start the recorder thread: {e}"))?;
        Ok(Self {
            path,
            filter,
            started: Instant::now(),
            dropped: 0,
            sender: Some(sender),
            written,
            thread: Some(thread),
        })
    }

    /// Hands over the messages of `batch` that match the filter; never waits.
    pub fn take(&mut self, batch: &[Incoming]) {
        let Some(sender) = &self.sender else { return };
        let kept: Vec<Incoming> = if self.filter.is_empty() {
            batch.to_vec()
        } else {
            batch
                .iter()
                .filter(|m| matches_filter(&self.filter, &m.topic))
                .cloned()
                .collect()
        };
        if kept.is_empty() {
            return;
        }
        let n = kept.len() as u64;
        match sender.try_send(kept) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.dropped += n,
            // The writer stopped (a write failed): `finished` says why.
            Err(TrySendError::Disconnected(_)) => {
                self.sender = None;
                self.dropped += n;
            }
        }
    }

    /// Messages written so far.
    pub fn messages(&self) -> u64 {
        self.written.0.load(Ordering::Relaxed)
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.written.1.load(Ordering::Relaxed)
    }

    /// Whether it still takes messages.
    pub fn is_recording(&self) -> bool {
        self.sender.is_some()
    }

    /// What the UI shows of it.
    pub fn status(&self) -> crate::status::RecordStatus {
        crate::status::RecordStatus {
            path: self.path.clone(),
            recording: self.is_recording(),
            messages: self.messages(),
            bytes: self.bytes(),
            seconds: self.started.elapsed().as_secs_f64(),
            dropped: self.dropped,
        }
    }

    /// No more messages; the writer finishes what it has.
    pub fn stop(&mut self) {
        self.sender = None;
    }

    /// Once the writer has ended (after [`Self::stop`], or on a write error): the summary
    /// line, or why it failed. `None` while it is still writing.
    pub fn finished(&mut self) -> Option<Result<String, String>> {
        if !self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        let result = match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            _ => Err("the recorder thread failed".into()),
        };
        self.sender = None;
        let summary = crate::model::recording::summary(
            self.messages(),
            self.bytes(),
            self.started.elapsed().as_secs_f64(),
        );
        let dropped = if self.dropped > 0 {
            format!(" ({} not recorded: the disk was too slow)", self.dropped)
        } else {
            String::new()
        };
        Some(match result {
            Ok(()) => Ok(format!(
                "Recorded {summary} to {}{dropped}",
                self.path.display()
            )),
            Err(e) => Err(format!("Recording stopped after {summary}: {e}")),
        })
    }
}
