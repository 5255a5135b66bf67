//! Older messages read back from a tab's history on disk, on job threads: the inspector's
//! history list a page at a time as it is scrolled to its end, and the values of a plotted
//! series from before what memory holds, so plots show what was stored before the app
//! started.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::App;
use super::jobs::JobDone;
use crate::archive::{Archive, Query, StoredMessage};
use crate::command::TabId;
use crate::model::SeriesSpec;
use crate::model::series::OlderPoints;

/// Older messages read per page of the inspector's list.
pub const OLDER_PAGE: usize = 200;
/// Stored messages a series reads back at most, and their payload bytes at most.
pub const PLOT_BACKFILL_MESSAGES: usize = 100_000;
const PLOT_BACKFILL_BYTES: usize = 64 << 20;
/// Rows read per step of a series' backfill.
const PLOT_STEP: usize = 5_000;

/// Where a tab's list of older messages stands.
#[derive(Debug, Default)]
pub(super) struct TabBackfill {
    /// Changes with the topic, so a late page of another topic is left out.
    generation: u64,
    /// The first page's bound: older than the oldest message memory held then.
    until_us: Option<i64>,
}

/// A finished read.
#[derive(Debug)]
pub enum BackfillDone {
    /// A page of the inspector's older messages (of list `generation`).
    Older(u64, Result<Vec<StoredMessage>, String>),
    /// The values a series had before its first point.
    Plot(SeriesSpec, Result<OlderPoints, String>),
}

/// A page of `topic`'s messages received before `until_us`, below row `before_id`.
fn older_page(
    path: &Path,
    topic: String,
    until_us: Option<i64>,
    before_id: Option<i64>,
) -> Result<Vec<StoredMessage>, String> {
    let a = Archive::open_read(path).map_err(|e| e.to_string())?;
    let q = Query {
        filter: Some(topic),
        until_us,
        before_id,
        ..Query::default()
    };
    a.search(&q, OLDER_PAGE, &AtomicBool::new(false))
        .map_err(|e| e.to_string())
}

/// The stored values of `spec` received before `until_us`: the newest
/// [`PLOT_BACKFILL_MESSAGES`] messages (within [`PLOT_BACKFILL_BYTES`] of payload).
fn plot_points(
    path: &Path,
    spec: &SeriesSpec,
    until_us: Option<i64>,
) -> Result<OlderPoints, String> {
    let a = Archive::open_read(path).map_err(|e| e.to_string())?;
    let mut q = Query {
        filter: Some(spec.topic.clone()),
        until_us,
        ..Query::default()
    };
    let never = AtomicBool::new(false);
    let (mut newest_first, mut bytes) = (Vec::new(), 0usize);
    while newest_first.len() < PLOT_BACKFILL_MESSAGES && bytes < PLOT_BACKFILL_BYTES {
        let step = a.search(&q, PLOT_STEP, &never).map_err(|e| e.to_string())?;
        let full = step.len() == PLOT_STEP;
        q.before_id = step.last().map(|m| m.id);
        for m in step {
            bytes += m.incoming.message.payload.bytes().len();
            newest_first.push(m.incoming.message);
        }
        if !full {
            break;
        }
    }
    newest_first.reverse();
    OlderPoints::read(spec, &newest_first)
}

impl App {
    /// The inspector asked for the next page of `topic`'s older messages (`until_us`: the
    /// first page's bound).
    pub(super) fn load_older(
        &mut self,
        ctx: &egui::Context,
        id: TabId,
        topic: String,
        until_us: Option<i64>,
    ) {
        let Some(tab) = self.tab_mut(id) else { return };
        let Some(path) = tab.history.as_ref().map(|h| h.path.clone()) else {
            return;
        };
        let (older, b) = (&mut tab.inspector.older, &mut tab.backfill);
        if older.topic != topic || older.rows.is_empty() {
            b.generation += 1;
            b.until_us = until_us;
            older.topic = topic.clone();
            older.rows.clear();
            older.error = None;
        } else if older.loading {
            return;
        }
        older.loading = true;
        let before_id = older.rows.last().map(|(id, _)| *id);
        let (generation, until_us) = (b.generation, b.until_us);
        let job = move || {
            let page = older_page(&path, topic, until_us, before_id);
            JobDone::Backfill(id, BackfillDone::Older(generation, page))
        };
        if let Err(e) = self.jobs.spawn("history-older", ctx, job) {
            self.problems.push(e);
        }
    }

    /// Reads back the stored values of these series from before their first point, when
    /// the tab keeps a history on disk.
    pub(super) fn backfill_plots(
        &mut self,
        ctx: &egui::Context,
        id: TabId,
        specs: Vec<SeriesSpec>,
    ) {
        let Some(tab) = self.tab(id) else { return };
        let Some(path) = tab.history.as_ref().map(|h| h.path.clone()) else {
            return;
        };
        let series = tab.store.plots().series();
        let jobs: Vec<_> = specs
            .into_iter()
            .map(|spec| {
                let first = series.iter().find(|s| s.spec == spec);
                let until_us = first
                    .and_then(|s| s.points().front())
                    .map(|p| (p[0] * 1e6).round() as i64);
                let path = path.clone();
                move || {
                    let points = plot_points(&path, &spec, until_us);
                    JobDone::Backfill(id, BackfillDone::Plot(spec, points))
                }
            })
            .collect();
        for job in jobs {
            if let Err(e) = self.jobs.spawn("history-plot", ctx, job) {
                self.problems.push(e);
            }
        }
    }

    /// A read of tab `id`'s history on disk finished.
    pub(super) fn backfill_done(&mut self, id: TabId, done: BackfillDone) {
        let Some(tab) = self.tab_mut(id) else { return };
        match done {
            BackfillDone::Older(generation, _) if generation != tab.backfill.generation => {}
            BackfillDone::Older(_, page) => {
                let older = &mut tab.inspector.older;
                older.loading = false;
                match page {
                    Ok(rows) => {
                        older.more = rows.len() == OLDER_PAGE;
                        older
                            .rows
                            .extend(rows.into_iter().map(|m| (m.id, m.incoming.message)));
                    }
                    Err(e) => older.error = Some(e),
                }
            }
            BackfillDone::Plot(spec, Ok(points)) => {
                let index = tab
                    .store
                    .plots()
                    .series()
                    .iter()
                    .position(|s| s.spec == spec);
                if let Some(i) = index {
                    tab.store.prepend_points(i, points);
                }
            }
            BackfillDone::Plot(spec, Err(e)) => self
                .problems
                .push(format!("Cannot read {}'s stored values: {e}", spec.topic)),
        }
    }

    /// Copies row `n` of the inspector's older messages into the publish editor.
    pub(super) fn edit_older_as_new(&mut self, id: TabId, n: usize) {
        let Some(tab) = self.tab_mut(id) else { return };
        if let Some((_, m)) = tab.inspector.older.rows.get(n) {
            let topic = tab.inspector.older.topic.clone();
            tab.publish.load_message(&topic, m);
            self.windows.publish = true;
        }
    }
}
