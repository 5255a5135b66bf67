//! Per-frame logic: the local broker and demo, draining each tab under a time budget,
//! finished jobs, recordings, resuming a pause, screenshots.

use std::time::{Duration, Instant};

use super::jobs::JobDone;
use super::{App, AppCommand, TabCommand, TabId};
use crate::broker::BrokerStatus;

/// Longest the UI thread spends filing messages per frame; the rest waits for the next.
const INGEST_BUDGET: Duration = Duration::from_millis(8);
/// Least a connection gets of it per frame, however many are open.
const MIN_SHARE: Duration = Duration::from_millis(1);

impl App {
    pub(super) fn start_broker(&mut self, options: &crate::broker::BrokerOptions) {
        match options
            .check_ports()
            .and_then(|()| self.broker.start(options))
        {
            Ok(()) => {
                self.connect_when_broker_runs = Some(self.active);
                self.broker_form.error = None;
            }
            Err(e) => self.broker_form.error = Some(e),
        }
    }

    pub(super) fn stop_broker(&mut self) {
        self.broker.stop();
        self.connect_when_broker_runs = None;
        self.update_demo();
    }

    /// Settings for a client of the local broker, if it runs.
    fn local_settings(&self) -> Option<crate::mqtt::ConnectionSettings> {
        if !matches!(self.broker.status(), BrokerStatus::Running { .. }) {
            return None;
        }
        let options = self.broker.options()?;
        let mut settings =
            crate::mqtt::ConnectionSettings::new(options.client_host(), options.port);
        settings.username = options.username.clone();
        settings.password = options.password.clone();
        settings.payload_cap = self.saved.payload_cap;
        Some(settings)
    }

    /// Fills tab `id`'s connection bar with the local broker and connects it.
    pub(super) fn connect_local(&mut self, id: TabId) {
        let Some(settings) = self.local_settings() else {
            return;
        };
        let Some(tab) = self.tab_mut(id) else { return };
        tab.form.host = settings.host.clone();
        tab.form.port = settings.port.to_string();
        tab.form.username = settings.username.clone().unwrap_or_default();
        tab.form.password = settings.password.clone().unwrap_or_default();
        tab.form_error = None;
        self.commands
            .push(AppCommand::Tab(id, TabCommand::Connect(Box::new(settings))));
    }

    /// Starts or stops the demo devices to match `demo_on` and the broker's state: they run
    /// only while the local broker does, whichever tab is shown.
    pub(super) fn update_demo(&mut self) {
        match self.local_settings().filter(|_| self.demo_on) {
            Some(settings) => {
                let address = settings.address();
                if self.demo.is_running() && self.demo.target() == Some(address.as_str()) {
                    return;
                }
                if let Err(e) = self.demo.start(settings) {
                    self.problems
                        .push(format!("The demo devices could not start: {e}"));
                }
            }
            None => self.demo.stop(),
        }
    }

    /// Watches the broker child; connects to it once it runs if that was asked for.
    pub(super) fn broker_step(&mut self, ctx: &egui::Context) {
        let was_running = matches!(self.broker.status(), BrokerStatus::Running { .. });
        self.broker.poll();
        let running = matches!(self.broker.status(), BrokerStatus::Running { .. });
        if running && !was_running {
            if let Some(id) = self.connect_when_broker_runs.take() {
                self.connect_local(id);
            }
            self.update_demo();
        } else if was_running && !running {
            self.update_demo();
        }
        if self.broker.status().is_up() {
            // Its clients and log change live in the panel; otherwise only a crash would
            // show (in the bar), so a look each second is enough.
            let every = if self.windows.broker { 250 } else { 1000 };
            ctx.request_repaint_after(Duration::from_millis(every));
        }
    }

    /// Files what each connection's worker sent, the one shown first; each gets its share
    /// of [`INGEST_BUDGET`], so a flooded connection cannot starve another. Asks for
    /// another frame at once if more is waiting.
    pub(super) fn drain_events(&mut self, ctx: &egui::Context) {
        let share = INGEST_BUDGET / u32::try_from(self.tabs.len()).unwrap_or(u32::MAX);
        let share = share.max(MIN_SHARE);
        // The tab shown first, then the others in tab order.
        let shown = self.index_of(self.active).unwrap_or(0);
        let mut more = self.tabs[shown].drain(share);
        for (i, tab) in self.tabs.iter_mut().enumerate() {
            if i != shown {
                more |= tab.drain(share);
            }
        }
        if more {
            ctx.request_repaint();
        }
        let first = &mut self.tabs[0];
        if let Some(id) = self
            .pending_select
            .as_deref()
            .and_then(|t| first.store.tree().find(t))
        {
            first.tree.reveal(first.store.tree(), id);
            self.pending_select = None;
        }
        let shown = self.shown();
        if let Some(at) = shown.reply_deadline() {
            // "No reply" must show when the wait ends, input or not.
            let left = at.saturating_duration_since(std::time::Instant::now());
            ctx.request_repaint_after(left + Duration::from_millis(10));
        }
        if shown.connection.is_connected() && shown.store.rate() > 0.0 {
            // Keep the rate display current while it moves (it settles at 0 a few seconds
            // after the last message; then no frame is needed for it).
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Applies one batch of messages to the tab shown (tests feed messages through here).
    pub fn feed(&mut self, batch: Vec<crate::model::Incoming>) {
        self.shown_mut().feed(batch);
    }

    /// The topic (or level) selected in the shown tab's tree, as its full path.
    pub fn selected_topic(&self) -> Option<String> {
        let tab = self.shown();
        tab.tree.selected.and_then(|id| tab.store.tree().path(id))
    }

    /// Notices recordings that ended (stopped, or a write failed) and keeps their summary.
    pub(super) fn record_step(&mut self, ctx: &egui::Context) {
        for c in &mut self.tabs {
            let Some(r) = &mut c.recorder else { continue };
            if let Some(result) = r.finished() {
                c.record_form.recorded(&r.path);
                c.record_result = Some(result);
                c.recorder = None;
            } else if !r.is_recording() {
                ctx.request_repaint_after(Duration::from_millis(50));
            } else {
                // The size shown keeps growing.
                ctx.request_repaint_after(Duration::from_millis(500));
            }
        }
    }

    /// Files what was held while paused, a slice per frame (under the ingest budget).
    pub(super) fn resume_step(&mut self, ctx: &egui::Context) {
        for c in &mut self.tabs {
            if c.pause.on || c.pause.held.is_empty() {
                continue;
            }
            let start = Instant::now();
            while let Some(batch) = c.pause.held.pop_front() {
                c.pause.held_messages -= batch.len();
                c.store.apply_batch(batch);
                if start.elapsed() > INGEST_BUDGET {
                    break;
                }
            }
            ctx.request_repaint();
        }
    }

    /// Takes finished jobs, and hands changed profile and publish-history files to writer
    /// jobs.
    pub(super) fn jobs_step(&mut self, ctx: &egui::Context) {
        self.decoders_step(ctx);
        for done in self.jobs.finished() {
            match done {
                JobDone::Keychain(k) => self.keychain_done(k),
                JobDone::Export(id, result) => {
                    if let Some(dialog) = self.tab_mut(id).and_then(|t| t.chart.export.as_mut()) {
                        dialog.running = false;
                        dialog.status = Some(result);
                    }
                }
                JobDone::LibraryWritten(which, result) => self.library.written(which, result),
                JobDone::ProfilesWritten(result) => self.profiles.written(result),
                JobDone::ProfilesExported(result) => self.profile_ui.file_result = Some(result),
                JobDone::ProfilesRead(path, read) => self.profiles_read(&path, read),
                JobDone::DecodersCompiled(id, generation, rules, status) => {
                    if let Some(tab) = self.tab_mut(id) {
                        tab.decoders_compiled(generation, *rules, status);
                    }
                }
                JobDone::RulesExported(result) => self.rules_file.result = Some(result),
                JobDone::RulesRead(id, path, read) => self.rules_read(id, &path, read),
                JobDone::FilePicked(picked) => self.file_picked(ctx, picked),
                JobDone::Search(id, done) => self.search_done(id, done),
                JobDone::Backfill(id, done) => self.backfill_done(id, done),
                JobDone::HistoryOpened(id, opened) => {
                    if let Some(tab) = self.tab_mut(id) {
                        tab.history_opened(*opened);
                        // Plots go back to what was stored before their first point.
                        let specs = tab.store.plots().specs();
                        self.backfill_plots(ctx, id, specs);
                    }
                }
            }
        }
        if let Some(write) = self.profiles.pending_write() {
            let job = move || JobDone::ProfilesWritten(write.write());
            if let Err(e) = self.jobs.spawn("profiles-write", ctx, job) {
                self.profiles.written(Err(e));
            }
        }
        while let Some(write) = self.library.pending_write() {
            let which = write.which;
            let job = move || JobDone::LibraryWritten(write.which, write.write());
            if let Err(e) = self.jobs.spawn("publish-history", ctx, job) {
                self.library.written(which, Err(e));
            }
        }
    }

    /// Writes tab `id`'s plotted points between `from` and `to` to `path` as a job (a
    /// million rows take a while; the window goes on).
    pub(super) fn start_export(
        &mut self,
        ctx: &egui::Context,
        id: TabId,
        path: std::path::PathBuf,
        from: f64,
        to: f64,
    ) {
        let Some(tab) = self.tab(id) else { return };
        let data = crate::model::series::visible_points(tab.store.plots().series(), from, to);
        let job = move || {
            let result = std::fs::File::create(&path)
                .map_err(|e| format!("Could not create {}: {e}", path.display()))
                .and_then(|file| {
                    crate::model::series::write_csv(std::io::BufWriter::new(file), &data)
                        .map_err(|e| format!("Could not write {}: {e}", path.display()))
                })
                .map(|rows| format!("Wrote {rows} rows to {}", path.display()));
            JobDone::Export(id, result)
        };
        if let Err(e) = self.jobs.spawn("csv-export", ctx, job)
            && let Some(dialog) = self.tab_mut(id).and_then(|t| t.chart.export.as_mut())
        {
            dialog.running = false;
            dialog.status = Some(Err(format!("Could not start the export: {e}")));
        }
    }

    /// Messages the worker of the tab shown had to drop because the UI fell behind.
    pub fn dropped(&self) -> u64 {
        self.shown().dropped()
    }

    pub(super) fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(plan) = &mut self.screenshot else {
            return;
        };
        if plan.requested {
            return;
        }
        let now = Instant::now();
        if now < plan.at {
            ctx.request_repaint_after(plan.at - now);
            return;
        }
        plan.requested = true;
        let path = plan.path.clone();
        let closer = ctx.clone();
        ctx.request_screenshot(move |image| {
            let [w, h] = image.size;
            let pixels: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
            let saved = image::RgbaImage::from_raw(w as u32, h as u32, pixels)
                .ok_or_else(|| "the screenshot had the wrong size".to_string())
                .and_then(|img| img.save(&path).map_err(|e| e.to_string()));
            match saved {
                Ok(()) => eprintln!("mqscope: screenshot saved to {}", path.display()),
                Err(e) => eprintln!(
                    "mqscope: could not save the screenshot to {}: {e}",
                    path.display()
                ),
            }
            closer.send_viewport_cmd(egui::ViewportCommand::Close);
            closer.request_repaint();
        });
        ctx.request_repaint();
    }
}
