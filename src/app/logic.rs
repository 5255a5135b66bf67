//! Per-frame logic: apply commands, drain worker events under a time budget, screenshots.

use std::time::{Duration, Instant};

use super::{App, AppCommand, KeychainDone};
use crate::broker::BrokerStatus;
use crate::mqtt::{WorkerCommand, WorkerEvent};

/// Longest the UI thread spends filing messages per frame; the rest waits for the next.
const INGEST_BUDGET: Duration = Duration::from_millis(8);
/// Least a connection gets of it per frame, however many are open.
const MIN_SHARE: Duration = Duration::from_millis(1);

impl App {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                AppCommand::StartBroker(options) => {
                    match self.broker.start(&options) {
                        Ok(()) => {
                            self.connect_when_broker_runs = true;
                            self.broker_form.error = None;
                        }
                        Err(e) => self.broker_form.error = Some(e),
                    }
                    continue;
                }
                AppCommand::StopBroker => {
                    self.broker.stop();
                    self.connect_when_broker_runs = false;
                    continue;
                }
                AppCommand::ConnectLocal => {
                    self.connect_local();
                    continue;
                }
                AppCommand::Demo(on) => {
                    self.demo_on = on;
                    self.update_demo();
                    continue;
                }
                AppCommand::SaveTemplate(name, message) => {
                    self.library.save_template(&name, message);
                    continue;
                }
                AppCommand::RenameTemplate(from, to) => {
                    if let Err(e) = self.library.rename_template(&from, &to) {
                        self.library.problems.push(e);
                    }
                    continue;
                }
                AppCommand::DeleteTemplate(name) => {
                    self.library.delete_template(&name);
                    continue;
                }
                AppCommand::AddSeries(spec) => {
                    match self.conn.store.add_series(spec) {
                        Ok(_) => self.saved.show_chart = true,
                        Err(e) => self.problems.push(format!("Cannot plot: {e}")),
                    }
                    self.save_plots();
                    continue;
                }
                AppCommand::RemoveSeries(index) => {
                    self.conn.store.remove_series(index);
                    self.save_plots();
                    continue;
                }
                AppCommand::SaveProfile(name) => {
                    let was_remembered = self
                        .profiles
                        .find(name.trim())
                        .is_some_and(|p| p.form.remember_password);
                    match self.profiles.save_profile(&name, &self.conn.form) {
                        Ok(()) => {
                            let name = name.trim().to_string();
                            self.profile_loaded = Some(name.clone());
                            let password = self.conn.form.password.clone();
                            if self.conn.form.remember_password {
                                self.keychain_call(ctx, move |k| {
                                    KeychainDone::Note(k.remember(&name, &password).map(|()| {
                                        format!("The password of {name} is in the keychain")
                                    }))
                                });
                            } else if was_remembered {
                                // Unticked: the keychain entry goes too.
                                self.keychain_call(ctx, move |k| {
                                    KeychainDone::Note(k.forget(&name).map(|()| String::new()))
                                });
                            }
                        }
                        Err(e) => self.problems.push(e),
                    }
                    continue;
                }
                AppCommand::LoadProfile(name) => {
                    if let Some(p) = self.profiles.find(&name) {
                        self.conn.form = p.form.clone();
                        self.conn.form_error = None;
                        self.keychain_note = None;
                        if p.form.remember_password {
                            let asked = name.clone();
                            self.keychain_call(ctx, move |k| {
                                KeychainDone::Recalled(asked.clone(), k.recall(&asked))
                            });
                        }
                        self.profile_loaded = Some(name.clone());
                        self.profile_name = name;
                    }
                    continue;
                }
                AppCommand::RenameProfile(from, to) => {
                    match self.profiles.rename(&from, &to) {
                        Ok(()) => {
                            let to = to.trim().to_string();
                            if self
                                .profiles
                                .find(&to)
                                .is_some_and(|p| p.form.remember_password)
                            {
                                let (a, b) = (from.clone(), to.clone());
                                self.keychain_call(ctx, move |k| {
                                    KeychainDone::Note(k.rename(&a, &b).map(|()| String::new()))
                                });
                            }
                            self.profile_loaded = Some(to.clone());
                            self.profile_name = to;
                        }
                        Err(e) => self.keychain_note = Some(Err(e)),
                    }
                    continue;
                }
                AppCommand::DuplicateProfile(name) => {
                    if let Some(copy) = self.profiles.duplicate(&name) {
                        self.profile_name = copy;
                    }
                    continue;
                }
                AppCommand::ExportProfiles(path) => {
                    self.profile_file_result = Some(
                        self.profiles
                            .export(&path)
                            .map(|n| format!("Exported {n} profiles to {}", path.display())),
                    );
                    continue;
                }
                AppCommand::ImportProfiles(path) => {
                    self.profile_file_result = Some(
                        self.profiles
                            .import(&path)
                            .map(|n| format!("Imported {n} profiles from {}", path.display())),
                    );
                    continue;
                }
                AppCommand::DeleteProfile(name) => {
                    let remembered = self
                        .profiles
                        .find(&name)
                        .is_some_and(|p| p.form.remember_password);
                    self.profiles.delete(&name);
                    if self.profile_loaded.as_deref() == Some(name.as_str()) {
                        self.profile_loaded = None;
                    }
                    if remembered {
                        self.keychain_call(ctx, move |k| {
                            KeychainDone::Note(k.forget(&name).map(|()| String::new()))
                        });
                    }
                    continue;
                }
                AppCommand::NewConnection => {
                    let form = crate::mqtt::ConnectionForm::default();
                    let conn =
                        super::Conn::new(ctx, self.saved.limits, form, self.recordings.clone());
                    self.others.push(conn);
                    self.show_tab(ctx, self.others.len());
                    self.show_connections = true;
                    continue;
                }
                AppCommand::ShowConnection(n) => {
                    self.show_tab(ctx, n);
                    continue;
                }
                AppCommand::CloseConnection(n) => {
                    self.close_tab(ctx, n);
                    continue;
                }
                AppCommand::StartRecording { path, filter } => {
                    if let Some(old) = &mut self.conn.recorder {
                        old.stop();
                    }
                    match super::Recorder::start(path, filter) {
                        Ok(r) => {
                            self.conn.recorder = Some(r);
                            self.conn.record_result = None;
                        }
                        Err(e) => self.conn.record_result = Some(Err(e)),
                    }
                    continue;
                }
                AppCommand::StopRecording => {
                    if let Some(r) = &mut self.conn.recorder {
                        r.stop();
                    }
                    continue;
                }
                AppCommand::StopReplay => {
                    if let Some(run) = &self.conn.replay {
                        run.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    continue;
                }
                AppCommand::ClearPlots => {
                    self.conn.store.clear_plot_points();
                    continue;
                }
                AppCommand::ExportCsv { path, from, to } => {
                    self.start_export(path, from, to);
                    continue;
                }
                AppCommand::EditAsNew(id, seq) => {
                    let tree = self.conn.store.tree();
                    if let Some(m) = tree.node(id).history().and_then(|h| h.entry(seq))
                        && let Some(topic) = tree.path(id)
                    {
                        self.conn.publish.load_message(&topic, m);
                        self.conn.publish_topic_from = Some(id);
                        self.show_publish = true;
                    }
                    continue;
                }
                _ => {}
            }
            let Some(worker) = &self.conn.worker else {
                continue;
            };
            match command {
                AppCommand::Connect(settings) => {
                    let title = format!("mqscope — {}", settings.address());
                    if title != self.conn.title {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
                        self.conn.title = title;
                    }
                    self.conn.version = settings.version;
                    if self.conn.connection_key != settings.address() {
                        self.conn.store.clear_sys_stats();
                    }
                    self.conn.connection_key = settings.address();
                    worker.send(WorkerCommand::Connect(settings));
                }
                AppCommand::Disconnect => {
                    worker.send(WorkerCommand::Disconnect);
                }
                AppCommand::ClearRetained(topics) => {
                    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                    self.conn
                        .store
                        .mark_clearing(topics.iter().map(|(id, _)| *id));
                    self.conn.clear = Some(super::ClearRun {
                        cancel: cancel.clone(),
                        done: 0,
                        total: topics.len(),
                        finished: false,
                        started: Instant::now(),
                        seconds: None,
                    });
                    let topics = topics.into_iter().map(|(_, t)| t).collect();
                    worker.send(WorkerCommand::ClearRetained { topics, cancel });
                }
                AppCommand::StartReplay { path, speed } => {
                    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                    self.conn.replay = Some(super::ReplayRun {
                        path: path.clone(),
                        cancel: cancel.clone(),
                        progress: Default::default(),
                    });
                    let request = crate::mqtt::replay::ReplayRequest {
                        path,
                        speed,
                        cancel,
                    };
                    worker.send(WorkerCommand::Replay(Box::new(request)));
                }
                AppCommand::CancelClear => {
                    if let Some(run) = &self.conn.clear {
                        run.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                AppCommand::Publish(request, saved) => {
                    self.library.record(&self.conn.connection_key, saved);
                    let id = request.id;
                    if !worker.send(WorkerCommand::Publish(request)) {
                        self.conn
                            .publish
                            .outcome(id, Err("the worker is busy; try again".into()));
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs `call` on the keychain on a thread of its own (it may wait for D-Bus or an
    /// unlock prompt); its outcome arrives in [`Self::keychain_step`]. Without a keychain
    /// in this run, says so at once.
    fn keychain_call(
        &mut self,
        ctx: &egui::Context,
        call: impl FnOnce(&crate::profiles::secrets::Keychain) -> KeychainDone + Send + 'static,
    ) {
        let Some(keychain) = self.keychain.clone() else {
            self.keychain_note = Some(Err(format!(
                "{}: this run keeps no passwords",
                crate::profiles::secrets::UNAVAILABLE
            )));
            return;
        };
        let done = self.keychain_done.0.clone();
        let waker = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = done.send(call(&keychain));
                waker.request_repaint();
            });
        if let Err(e) = spawned {
            self.keychain_note = Some(Err(format!("cannot reach the keychain: {e}")));
        }
    }

    /// Takes the outcomes of keychain calls: notes for the connections window, and a
    /// recalled password into the form of the profile it belongs to.
    pub(super) fn keychain_step(&mut self, _ctx: &egui::Context) {
        while let Ok(done) = self.keychain_done.1.try_recv() {
            match done {
                KeychainDone::Note(Ok(note)) if note.is_empty() => {}
                KeychainDone::Note(note) => self.keychain_note = Some(note),
                KeychainDone::Recalled(name, result) => {
                    if self.profile_loaded.as_deref() != Some(name.as_str()) {
                        continue; // another profile was loaded meanwhile
                    }
                    match result {
                        Ok(Some(password)) => {
                            self.conn.form.password = password;
                            self.keychain_note =
                                Some(Ok(format!("Password of {name} from the keychain")));
                        }
                        Ok(None) => {
                            self.keychain_note =
                                Some(Err(format!("No password of {name} in the keychain")));
                        }
                        Err(e) => self.keychain_note = Some(Err(e)),
                    }
                }
            }
        }
    }

    /// Remembers what the first tab plots (its broker is the one the app starts with), so
    /// the chart comes back after a restart.
    fn save_plots(&mut self) {
        if self.active == 0 {
            self.saved.plots = self.conn.store.plots().specs();
        }
    }

    /// Shows tab `j`: its connection becomes `conn`, the one shown so far goes back in
    /// its place among `others`.
    fn show_tab(&mut self, ctx: &egui::Context, j: usize) {
        if j == self.active || j > self.others.len() {
            return;
        }
        let k = if j < self.active { j } else { j - 1 };
        let next = self.others.remove(k);
        let previous = std::mem::replace(&mut self.conn, next);
        let at = if self.active < j {
            self.active
        } else {
            self.active - 1
        };
        self.others.insert(at, previous);
        self.active = j;
        self.show_title(ctx);
    }

    /// Closes tab `j` and stops its worker; the last tab stays.
    fn close_tab(&mut self, ctx: &egui::Context, j: usize) {
        if self.others.is_empty() || j > self.others.len() {
            return;
        }
        if j == self.active {
            let k = self.active.min(self.others.len() - 1);
            self.conn = self.others.remove(k);
            self.active = k;
            self.show_title(ctx);
        } else {
            self.others.remove(if j < self.active { j } else { j - 1 });
            if j < self.active {
                self.active -= 1;
            }
        }
    }

    /// The window's title names the broker of the connection shown.
    fn show_title(&self, ctx: &egui::Context) {
        let title = if self.conn.title.is_empty() {
            "mqscope".to_string()
        } else {
            self.conn.title.clone()
        };
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
    }

    /// Writes the plotted points between `from` and `to` to `path` on a thread of its own
    /// (a million rows take a while; the window goes on).
    fn start_export(&mut self, path: std::path::PathBuf, from: f64, to: f64) {
        let data = crate::model::series::visible_points(self.conn.store.plots().series(), from, to);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("csv-export".into())
            .spawn(move || {
                let result = std::fs::File::create(&path)
                    .map_err(|e| format!("Could not create {}: {e}", path.display()))
                    .and_then(|file| {
                        crate::model::series::write_csv(std::io::BufWriter::new(file), &data)
                            .map_err(|e| format!("Could not write {}: {e}", path.display()))
                    })
                    .map(|rows| format!("Wrote {rows} rows to {}", path.display()));
                let _ = tx.send(result);
            });
        match spawned {
            Ok(_) => self.export = Some(rx),
            Err(e) => self.export_done(Err(format!("Could not start the export: {e}"))),
        }
    }

    fn export_done(&mut self, result: Result<String, String>) {
        if let Some(dialog) = &mut self.conn.chart.export {
            dialog.running = false;
            dialog.status = Some(result);
        }
    }

    /// Picks up a finished CSV export.
    pub(super) fn export_step(&mut self) {
        let Some(rx) = &self.export else { return };
        match rx.try_recv() {
            Ok(result) => {
                self.export = None;
                self.export_done(result);
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.export = None;
                self.export_done(Err("The export stopped before it finished".into()));
            }
        }
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

    /// Fills the connection bar with the local broker and connects.
    fn connect_local(&mut self) {
        let Some(settings) = self.local_settings() else {
            return;
        };
        self.conn.form.host = settings.host.clone();
        self.conn.form.port = settings.port.to_string();
        self.conn.form.username = settings.username.clone().unwrap_or_default();
        self.conn.form.password = settings.password.clone().unwrap_or_default();
        self.conn.form_error = None;
        self.commands.push(AppCommand::Connect(Box::new(settings)));
    }

    /// Starts or stops the demo devices to match `demo_on` and the broker's state.
    fn update_demo(&self) {
        let Some(worker) = &self.conn.worker else {
            return;
        };
        let target = self.local_settings().filter(|_| self.demo_on).map(Box::new);
        worker.send(WorkerCommand::Demo(target));
    }

    /// Watches the broker child; connects to it once it runs if that was asked for.
    pub(super) fn broker_step(&mut self, ctx: &egui::Context) {
        let was_running = matches!(self.broker.status(), BrokerStatus::Running { .. });
        self.broker.poll();
        let running = matches!(self.broker.status(), BrokerStatus::Running { .. });
        if running && !was_running {
            if std::mem::take(&mut self.connect_when_broker_runs) {
                self.connect_local();
            }
            self.update_demo();
        }
        if self.broker.status().is_up() {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    /// Files what each connection's worker sent, the one shown first; each gets its share
    /// of [`INGEST_BUDGET`], so a flooded connection cannot starve another. Asks for
    /// another frame at once if more is waiting.
    pub(super) fn drain_events(&mut self, ctx: &egui::Context) {
        let share = INGEST_BUDGET / u32::try_from(1 + self.others.len()).unwrap_or(u32::MAX);
        let mut more = self.conn.drain(share.max(MIN_SHARE));
        for c in &mut self.others {
            more |= c.drain(share.max(MIN_SHARE));
        }
        if more {
            ctx.request_repaint();
        }
        if let Some(id) = self
            .pending_select
            .as_deref()
            .and_then(|t| self.conn.store.tree().find(t))
        {
            self.conn.tree.reveal(self.conn.store.tree(), id);
            self.pending_select = None;
        }
        if self.conn.connection.is_connected() {
            // Keep the rate display current.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Applies one worker event to the connection shown (tests feed events through here).
    pub fn feed(&mut self, event: WorkerEvent) {
        self.conn.feed(event);
    }

    /// Notices recordings that ended (stopped, or a write failed) and keeps their summary.
    pub(super) fn record_step(&mut self, ctx: &egui::Context) {
        for c in std::iter::once(&mut self.conn).chain(&mut self.others) {
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
        for c in std::iter::once(&mut self.conn).chain(&mut self.others) {
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

    /// Messages the worker of the connection shown had to drop because the UI fell behind.
    pub fn dropped(&self) -> u64 {
        self.conn.dropped()
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
