//! The Search window's work for a tab: each search, page, count and export runs on a job
//! thread over a read-only connection to the tab's history file (the writer goes on
//! beside it), cancellable, with a generation so late pages of an older search are left
//! out; results open in the inspector and go to the publish panel from there.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::App;
use super::jobs::JobDone;
use crate::archive::{Archive, Query, StoredMessage};
use crate::command::{SearchCommand, TabId};
use crate::model::recording::RecordLine;
use crate::status::{SearchCount, SearchRow, SearchView};

/// Results read per page.
pub const PAGE: usize = 500;
/// Matches counted at most ("10,000+").
pub const COUNT_CAP: u64 = 10_000;
/// Messages an export writes at most.
const EXPORT_MAX: usize = 10_000_000;

/// A tab's searches.
#[derive(Debug, Default)]
pub(super) struct TabSearch {
    pub view: SearchView,
    results: Vec<StoredMessage>,
    query: Option<Query>,
    generation: u64,
    cancel: Arc<AtomicBool>,
}

/// A finished search job.
#[derive(Debug)]
pub enum SearchDone {
    /// A page of results (appended), and whether it was full.
    Page(u64, Result<Vec<StoredMessage>, String>),
    Count(u64, Result<Option<u64>, String>),
    Exported(Result<String, String>),
}

impl TabSearch {
    /// Why nothing can be searched: the tab keeps no history on disk.
    pub(super) fn set_unavailable(&mut self, why: Option<String>) {
        self.view.unavailable = why;
    }

    /// No search ran yet (the window then shows the newest stored messages at once).
    pub(super) fn never_ran(&self) -> bool {
        self.generation == 0
    }
}

fn row(m: &StoredMessage) -> SearchRow {
    let msg = &m.incoming.message;
    SearchRow {
        id: m.id,
        time: crate::ui::inspector::format_time(msg.received_at_us / 1000, true),
        topic: m.incoming.topic.clone(),
        preview: msg.payload.preview(crate::ui::theme::PREVIEW_CHARS),
        qos: msg.qos.as_u8(),
        retain: msg.retain,
        size: msg.payload.original_len(),
    }
}

/// One page of `q` from the file at `path`.
fn page(path: &Path, q: &Query, cancel: &AtomicBool) -> Result<Vec<StoredMessage>, String> {
    let a = Archive::open_read(path).map_err(|e| e.to_string())?;
    a.search(q, PAGE, cancel).map_err(|e| e.to_string())
}

/// Every match of `q` into `out`: JSON Lines in the record format, or CSV.
fn export(path: &Path, q: &Query, out: &Path, csv: bool) -> Result<String, String> {
    let a = Archive::open_read(path).map_err(|e| e.to_string())?;
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", out.display());
    let (mut lines, mut table) = if csv {
        (
            None,
            Some(csv::Writer::from_writer(std::io::BufWriter::new(file))),
        )
    } else {
        (Some(std::io::BufWriter::new(file)), None)
    };
    if let Some(t) = &mut table {
        t.write_record([
            "time", "topic", "qos", "retain", "size", "payload", "decoded",
        ])
        .map_err(|e| failed(&e))?;
    }
    let mut q = q.clone();
    let mut n = 0usize;
    let never = AtomicBool::new(false);
    while n < EXPORT_MAX {
        let found = a.search(&q, 5_000, &never).map_err(|e| e.to_string())?;
        for m in &found {
            let line = RecordLine::from_incoming(&m.incoming);
            if let Some(t) = &mut table {
                let payload = line
                    .payload
                    .clone()
                    .or_else(|| line.payload_base64.as_ref().map(|b| format!("base64:{b}")))
                    .unwrap_or_default();
                let decoded = line
                    .decoded
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                t.write_record([
                    crate::ui::inspector::format_time(line.ts_us / 1000, true),
                    line.topic.clone(),
                    line.qos.to_string(),
                    line.retain.to_string(),
                    m.incoming.message.payload.original_len().to_string(),
                    payload,
                    decoded,
                ])
                .map_err(|e| failed(&e))?;
            }
            if let Some(w) = &mut lines {
                writeln!(w, "{}", line.to_json()).map_err(|e| failed(&e))?;
            }
        }
        n += found.len();
        match found.last() {
            Some(last) if found.len() == 5_000 => q.before_id = Some(last.id),
            _ => break,
        }
    }
    if let Some(mut t) = table {
        t.flush().map_err(|e| failed(&e))?;
    }
    if let Some(w) = &mut lines {
        w.flush().map_err(|e| failed(&e))?;
    }
    Ok(format!(
        "exported {} messages to {}",
        crate::model::units::thousands(n as u64),
        out.display()
    ))
}

impl App {
    /// What the Search window asked of tab `id`.
    pub(super) fn search_command(&mut self, ctx: &egui::Context, id: TabId, c: SearchCommand) {
        let Some(tab) = self.tab_mut(id) else { return };
        let Some(path) = tab.history_path() else {
            tab.search.view.error = Some("this connection keeps no history on disk".into());
            return;
        };
        let s = &mut tab.search;
        match c {
            SearchCommand::Run(q) => {
                s.cancel.store(true, Ordering::Relaxed);
                s.cancel = Arc::new(AtomicBool::new(false));
                s.generation += 1;
                s.results.clear();
                s.view.rows.clear();
                s.view.error = None;
                s.view.running = true;
                s.view.count = SearchCount::Counting;
                s.query = Some((*q).clone());
                let (generation, cancel) = (s.generation, s.cancel.clone());
                let (p2, q2) = (path.clone(), (*q).clone());
                let job = move || {
                    JobDone::Search(id, SearchDone::Page(generation, page(&p2, &q2, &cancel)))
                };
                let count = move || {
                    let counted = Archive::open_read(&path)
                        .and_then(|a| a.count(&q, COUNT_CAP))
                        .map_err(|e| e.to_string());
                    JobDone::Search(id, SearchDone::Count(generation, counted))
                };
                self.spawn_search("history-search", ctx, job);
                self.spawn_search("history-count", ctx, count);
            }
            SearchCommand::More => {
                let (Some(q), Some(last)) = (&s.query, s.results.last()) else {
                    return;
                };
                if s.view.running {
                    return;
                }
                let mut q = q.clone();
                q.before_id = Some(last.id);
                s.view.running = true;
                let (generation, cancel) = (s.generation, s.cancel.clone());
                let job = move || {
                    JobDone::Search(id, SearchDone::Page(generation, page(&path, &q, &cancel)))
                };
                self.spawn_search("history-search", ctx, job);
            }
            SearchCommand::Cancel => {
                s.cancel.store(true, Ordering::Relaxed);
                s.view.running = false;
            }
            SearchCommand::Open(n) => {
                if let Some(m) = s.results.get(n) {
                    tab.inspector.stored = Some(crate::ui::inspector::StoredShown {
                        id: m.id,
                        topic: m.incoming.topic.clone(),
                        message: m.incoming.message.clone(),
                        shown_with: None,
                    });
                }
            }
            SearchCommand::Export { path: out, csv } => {
                let Some(q) = s.query.clone() else { return };
                s.view.exporting = true;
                s.view.export = None;
                let job =
                    move || JobDone::Search(id, SearchDone::Exported(export(&path, &q, &out, csv)));
                self.spawn_search("history-export", ctx, job);
            }
            SearchCommand::EditAsNew => {
                if let Some(st) = &tab.inspector.stored {
                    tab.publish.load_message(&st.topic, &st.message);
                    self.windows.publish = true;
                }
            }
        }
    }

    fn spawn_search(
        &mut self,
        name: &str,
        ctx: &egui::Context,
        job: impl FnOnce() -> JobDone + Send + 'static,
    ) {
        if let Err(e) = self.jobs.spawn(name, ctx, job) {
            self.problems.push(e);
        }
    }

    /// A search job of tab `id` finished.
    pub(super) fn search_done(&mut self, id: TabId, done: SearchDone) {
        let Some(tab) = self.tab_mut(id) else { return };
        let s = &mut tab.search;
        match done {
            SearchDone::Page(generation, _) | SearchDone::Count(generation, _)
                if generation != s.generation => {}
            SearchDone::Page(_, Ok(found)) => {
                s.view.running = false;
                s.view.more = found.len() == PAGE;
                s.view.rows.extend(found.iter().map(row));
                s.results.extend(found);
            }
            SearchDone::Page(_, Err(e)) => {
                s.view.running = false;
                s.view.error = Some(e);
            }
            SearchDone::Count(_, Ok(n)) => {
                s.view.count = n.map_or(SearchCount::AtLeast(COUNT_CAP), SearchCount::Exactly);
            }
            SearchDone::Count(_, Err(_)) => s.view.count = SearchCount::NotAsked,
            SearchDone::Exported(result) => {
                s.view.exporting = false;
                s.view.export = Some(result);
            }
        }
    }
}

/// The file a search of this tab reads.
pub(super) fn history_file(
    dir: Option<&Path>,
    s: &crate::mqtt::ConnectionSettings,
) -> Option<PathBuf> {
    dir.map(|d| crate::archive::path_for(d, &s.host, s.port))
}
