//! The app's one background-job mechanism: work that may wait on a disk or D-Bus (CSV
//! export, keychain calls, publish-history and profile writes, profile files read) runs
//! on a named thread of its own and reports back through one bounded channel. A finished
//! job waits for room rather than being dropped, and wakes the window.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::command::TabId;

/// Results waiting for the UI thread at most (a job that finds it full waits).
const WAITING: usize = 64;

/// What a finished job reports.
#[derive(Debug)]
pub enum JobDone {
    /// A keychain call: a note for the connections window, or a recalled password.
    Keychain(KeychainDone),
    /// A CSV export of a tab's plots: the summary, or why it failed.
    Export(TabId, Result<String, String>),
    /// A publish-history or templates file write (which file, and how it went).
    LibraryWritten(usize, Result<(), String>),
    /// The profiles file was written.
    ProfilesWritten(Result<(), String>),
    /// Profiles exported to a file (how many, where), or why not.
    ProfilesExported(Result<String, String>),
    /// A tab's decoder rules of one generation, compiled, and each rule's status.
    DecodersCompiled(
        TabId,
        u64,
        Box<crate::model::decode::rules::DecoderRules>,
        Vec<(
            crate::model::decode::rules::DecoderRule,
            Result<String, String>,
        )>,
    ),
    /// A tab's decoder rules exported (how many, where), or why not.
    RulesExported(Result<String, String>),
    /// A decoder rules file read for a tab: its rules, or why not.
    RulesRead(
        TabId,
        std::path::PathBuf,
        Result<Vec<crate::model::decode::rules::DecoderRule>, String>,
    ),
    /// A file dialog closed.
    FilePicked(super::file_dialogs::Picked),
    /// A search job of a tab's history on disk finished.
    Search(TabId, super::search::SearchDone),
    /// Older messages read back from a tab's history on disk.
    Backfill(TabId, super::backfill::BackfillDone),
    /// A tab's history file opened (or why not).
    HistoryOpened(TabId, Box<Result<super::history::Opened, String>>),
    /// A profiles file read for import: its profiles, or why not.
    ProfilesRead(
        std::path::PathBuf,
        Result<Vec<crate::profiles::connections::Profile>, String>,
    ),
}

/// The outcome of a keychain call.
#[derive(Debug)]
pub enum KeychainDone {
    /// A note for the user (remembered, forgotten, moved), or why it failed.
    Note(Result<String, String>),
    /// The password remembered for a profile loaded into a tab (`None`: none is).
    Recalled(TabId, String, Result<Option<String>, String>),
}

/// Jobs running and their results.
pub struct Jobs {
    tx: SyncSender<JobDone>,
    rx: Receiver<JobDone>,
    /// Jobs started whose result has not been taken yet.
    running: usize,
}

impl Default for Jobs {
    fn default() -> Self {
        let (tx, rx) = sync_channel(WAITING);
        Self { tx, rx, running: 0 }
    }
}

impl Jobs {
    /// Runs `job` on a thread called `name`; its result comes back through
    /// [`Self::finished`], and the window is woken for it.
    pub fn spawn(
        &mut self,
        name: &str,
        ctx: &egui::Context,
        job: impl FnOnce() -> JobDone + Send + 'static,
    ) -> Result<(), String> {
        let tx = self.tx.clone();
        let waker = ctx.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                // Blocks only while the UI has not taken WAITING results: never dropped.
                let _ = tx.send(job());
                waker.request_repaint();
            })
            .map_err(|e| format!("cannot start a {name} thread: {e}"))?;
        self.running += 1;
        Ok(())
    }

    /// Results of jobs that ended since the last call.
    pub fn finished(&mut self) -> Vec<JobDone> {
        let done: Vec<JobDone> = self.rx.try_iter().collect();
        self.running = self.running.saturating_sub(done.len());
        done
    }

    /// Waits up to `timeout` for the running jobs (on exit, so the last file writes land);
    /// their results.
    pub fn wait(&mut self, timeout: std::time::Duration) -> Vec<JobDone> {
        let deadline = std::time::Instant::now() + timeout;
        let mut done = Vec::new();
        while self.running > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(d) => {
                    self.running -= 1;
                    done.push(d);
                }
                Err(_) => break,
            }
        }
        done
    }

    /// Jobs whose result has not been taken yet.
    pub fn running(&self) -> usize {
        self.running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_full() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        for i in 0..100 {
            jobs.spawn("test-job", &ctx, move || JobDone::LibraryWritten(i, Ok(())))
                .unwrap();
        }
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while seen.len() < 100 && std::time::Instant::now() < deadline {
            for done in jobs.finished() {
                if let JobDone::LibraryWritten(i, _) = done {
                    seen.push(i);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..100).collect::<Vec<_>>(),
            "more jobs than room: none lost"
        );
        assert_eq!(jobs.running(), 0);
    }
}
