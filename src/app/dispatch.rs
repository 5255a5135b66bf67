//! Applying commands: one exhaustive match (no wildcard arm, so the compiler checks that
//! every command is handled), each arm a small method. A tab command goes to its own tab,
//! whichever is shown; one whose worker is gone is answered ("not connected", or a problem
//! in the banner); one for a tab closed meanwhile is dropped (nothing is left to answer).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::tab::{ClearRun, ReplayRun, Tab};
use super::{App, AppCommand, TabCommand, TabId};
use crate::mqtt::{PublishError, WorkerCommand};

impl App {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in self.commands.take() {
            self.apply(ctx, command);
        }
    }

    fn apply(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::StartBroker(options) => self.start_broker(&options),
            AppCommand::StopBroker => self.stop_broker(),
            AppCommand::Demo(on) => {
                self.demo_on = on;
                self.update_demo();
            }
            AppCommand::SaveTemplate(name, message) => self.library.save_template(&name, message),
            AppCommand::RenameTemplate(from, to) => {
                if let Err(e) = self.library.rename_template(&from, &to) {
                    self.library.problems.push(e);
                }
            }
            AppCommand::DeleteTemplate(name) => self.library.delete_template(&name),
            AppCommand::DuplicateProfile(name) => self.duplicate_profile(&name),
            AppCommand::RenameProfile(from, to) => self.rename_profile(ctx, &from, &to),
            AppCommand::DeleteProfile(name) => self.delete_profile(ctx, name),
            AppCommand::ExportProfiles(path) => self.export_profiles(ctx, &path),
            AppCommand::ImportProfiles(path) => self.import_profiles(ctx, &path),
            AppCommand::NewConnection => self.new_tab(ctx),
            AppCommand::ShowConnection(id) => self.show_tab(ctx, id),
            AppCommand::CloseConnection(id) => self.close_tab(ctx, id),
            AppCommand::SetLimits(limits) => {
                self.saved.set_limits(limits);
                self.pace.set_fps(limits.data_fps);
                for tab in &mut self.tabs {
                    tab.set_limits(limits);
                }
            }
            AppCommand::Tab(id, command) => self.apply_to_tab(ctx, id, command),
        }
    }

    fn apply_to_tab(&mut self, ctx: &egui::Context, id: TabId, command: TabCommand) {
        if self.index_of(id).is_none() {
            tracing::debug!("a command for closed tab {id:?} was dropped: {command:?}");
            return;
        }
        match command {
            TabCommand::Connect(settings) => self.connect(ctx, id, settings),
            TabCommand::Disconnect => {
                self.send_to_worker(id, WorkerCommand::Disconnect);
            }
            TabCommand::ApplySubscriptions => self.apply_subscriptions(id),
            TabCommand::Search(c) => self.search_command(ctx, id, c),
            TabCommand::StartRepeat(spec) => {
                if let Some(tab) = self.tab_mut(id) {
                    let command = tab.repeats.start(*spec);
                    self.send_to_worker(id, command);
                }
            }
            TabCommand::StopRepeat(i) => {
                if let Some(tab) = self.tab_mut(id) {
                    tab.repeats.stop(i);
                }
            }
            TabCommand::ConnectForm => {
                let cap = self.saved.payload_cap;
                let checked = self.tab(id).map(|t| t.form.to_settings(cap));
                match checked {
                    Some(Ok(settings)) => self.connect(ctx, id, Box::new(settings)),
                    Some(Err(e)) => {
                        if let Some(tab) = self.tab_mut(id) {
                            tab.form_error = Some(e);
                        }
                    }
                    None => {}
                }
            }
            TabCommand::CheckForm => {
                let cap = self.saved.payload_cap;
                if let Some(tab) = self.tab_mut(id) {
                    tab.form_error = tab.form.to_settings(cap).err();
                }
            }
            TabCommand::ConnectLocal => self.connect_local(id),
            TabCommand::Publish(request, saved) => {
                let key = self.tab(id).map(Tab::key).unwrap_or_default();
                self.library.record(&key, saved);
                if let Some(tab) = self.tab_mut(id) {
                    publish(tab, *request);
                }
            }
            TabCommand::Request(request, saved) => {
                let key = self.tab(id).map(Tab::key).unwrap_or_default();
                self.library.record(&key, saved);
                if let Some(tab) = self.tab_mut(id) {
                    tab.send_request(*request);
                }
            }
            TabCommand::EditAsNew(node, seq) => self.edit_as_new(id, node, seq),
            TabCommand::LoadOlder { topic, until_us } => self.load_older(ctx, id, topic, until_us),
            TabCommand::EditOlderAsNew(n) => self.edit_older_as_new(id, n),
            TabCommand::ClearRetained(topics) => self.clear_retained(id, topics),
            TabCommand::CancelClear => {
                if let Some(run) = self.tab(id).and_then(|t| t.clear.as_ref()) {
                    run.cancel.store(true, Ordering::Relaxed);
                }
            }
            TabCommand::SaveProfile(name) => self.ask_save_profile(ctx, id, &name),
            TabCommand::OverwriteProfile(name) => self.save_profile(ctx, id, &name),
            TabCommand::LoadProfile(name) => self.load_profile(ctx, id, &name),
            TabCommand::AddDecoderRule(rule) => {
                if let Some(tab) = self.tab_mut(id) {
                    tab.form.decoders.retain(|r| *r != rule);
                    tab.form.decoders.insert(0, rule);
                }
                self.windows.decoders = true;
            }
            TabCommand::ExportDecoders(path) => self.export_rules(ctx, id, path),
            TabCommand::ImportDecoders(path) => self.import_rules(ctx, id, path),
            TabCommand::AddSeries(spec) => self.add_series(ctx, id, spec),
            TabCommand::RemoveSeries(index) => {
                if let Some(tab) = self.tab_mut(id) {
                    tab.store.remove_series(index);
                }
                self.save_plots(id);
            }
            TabCommand::ClearPlots => {
                if let Some(tab) = self.tab_mut(id) {
                    tab.store.clear_plot_points();
                }
            }
            TabCommand::ExportCsv { path, from, to } => self.start_export(ctx, id, path, from, to),
            TabCommand::StartRecording { path, filter } => self.start_recording(id, path, filter),
            TabCommand::StopRecording => {
                if let Some(r) = self.tab_mut(id).and_then(|t| t.recorder.as_mut()) {
                    r.stop();
                }
            }
            TabCommand::StartReplay { path, speed } => self.start_replay(id, path, speed),
            TabCommand::StopReplay => {
                if let Some(run) = self.tab(id).and_then(|t| t.replay.as_ref()) {
                    run.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// Sends `command` to tab `id`'s worker; says so in the banner when it cannot.
    fn send_to_worker(&mut self, id: TabId, command: WorkerCommand) -> bool {
        let sent = self
            .tab(id)
            .and_then(|t| t.worker.as_ref())
            .is_some_and(|w| w.send(command));
        if !sent {
            let label = self.tab(id).map(Tab::label).unwrap_or_default();
            self.problems.push(format!(
                "{label}: not connected — the connection's worker has stopped (close the tab \
                 and open a new connection)"
            ));
        }
        sent
    }

    fn connect(
        &mut self,
        ctx: &egui::Context,
        id: TabId,
        mut settings: Box<crate::mqtt::ConnectionSettings>,
    ) {
        // The window shows data at its frame rate, so the worker may gather it in batches.
        settings.batch_linger = crate::mqtt::WINDOW_BATCH_LINGER;
        if !self.send_to_worker(id, WorkerCommand::Connect(settings.clone())) {
            return;
        }
        let shown = self.active == id;
        let Some(tab) = self.tab_mut(id) else { return };
        if tab.key() != settings.address() {
            tab.store.clear_sys_stats();
        }
        tab.form_error = None;
        tab.inspector.subscription_filters = settings.id_filters();
        tab.settings = Some(*settings);
        if shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(tab.title()));
        }
        self.start_history(ctx, id);
    }

    /// The form's subscriptions to the live connection at once; a bad filter is said on
    /// the form.
    fn apply_subscriptions(&mut self, id: TabId) {
        let Some(tab) = self.tab_mut(id) else { return };
        let list = match tab.form.checked_subscriptions() {
            Ok(list) => list,
            Err(e) => {
                tab.form_error = Some(e);
                return;
            }
        };
        tab.form_error = None;
        if let Some(s) = &mut tab.settings {
            s.subscriptions = list.clone();
            tab.inspector.subscription_filters = s.id_filters();
        }
        let command = WorkerCommand::Subscriptions {
            list,
            numbered: false, // the identifiers are explicit already
        };
        self.send_to_worker(id, command);
    }

    fn edit_as_new(&mut self, id: TabId, node: crate::model::NodeId, seq: u64) {
        let Some(tab) = self.tab_mut(id) else { return };
        let tree = tab.store.tree();
        let Some(path) = tree.path(node) else { return };
        if let Some(m) = tree.node(node).history().and_then(|h| h.entry(seq)) {
            tab.publish.load_message(&path, m);
            tab.publish_topic_from = Some(node);
            self.windows.publish = true;
        }
    }

    fn clear_retained(&mut self, id: TabId, topics: Vec<(crate::model::NodeId, String)>) {
        let Some(tab) = self.tab_mut(id) else { return };
        tab.store
            .mark_clearing(topics.iter().map(|(node, _)| *node));
        let cancel = Arc::new(AtomicBool::new(false));
        let (progress, rx) = tokio::sync::watch::channel(crate::mqtt::ClearProgress {
            total: topics.len(),
            ..Default::default()
        });
        tab.clear = Some(ClearRun {
            cancel: cancel.clone(),
            progress: rx,
            started: Instant::now(),
            seconds: None,
        });
        let topics = topics.into_iter().map(|(_, t)| t).collect();
        let command = WorkerCommand::ClearRetained {
            topics,
            cancel,
            progress: progress.clone(),
        };
        if !tab.worker.as_ref().is_some_and(|w| w.send(command)) {
            // No worker to run it: it ends at once, with nothing cleared.
            progress.send_modify(|p| p.finished = true);
        }
    }

    fn add_series(&mut self, ctx: &egui::Context, id: TabId, spec: crate::model::SeriesSpec) {
        let Some(tab) = self.tab_mut(id) else { return };
        match tab.store.add_series(spec.clone()) {
            Ok(_) => {
                self.saved.show_chart = true;
                self.backfill_plots(ctx, id, vec![spec]);
            }
            Err(e) => self.problems.push(format!("Cannot plot: {e}")),
        }
        self.save_plots(id);
    }

    fn start_recording(&mut self, id: TabId, path: std::path::PathBuf, filter: String) {
        let Some(tab) = self.tab_mut(id) else { return };
        if let Some(old) = &mut tab.recorder {
            old.stop();
        }
        match super::Recorder::start(path, filter) {
            Ok(r) => {
                tab.recorder = Some(r);
                tab.record_result = None;
            }
            Err(e) => tab.record_result = Some(Err(e)),
        }
    }

    fn start_replay(&mut self, id: TabId, path: std::path::PathBuf, speed: Option<f64>) {
        let Some(tab) = self.tab_mut(id) else { return };
        let cancel = Arc::new(AtomicBool::new(false));
        let (request, progress) =
            crate::mqtt::replay::ReplayRequest::new(path.clone(), speed, cancel.clone());
        let refused = request.progress.clone();
        tab.replay = Some(ReplayRun {
            path,
            cancel,
            progress,
        });
        let sent = tab
            .worker
            .as_ref()
            .is_some_and(|w| w.send(WorkerCommand::Replay(Box::new(request))));
        if !sent {
            refused.send_replace(crate::mqtt::replay::ReplayProgress {
                finished: true,
                error: Some("not connected".into()),
                ..Default::default()
            });
        }
    }

    /// Remembers what the first tab plots (its broker is the one the app starts with), so
    /// the chart comes back after a restart.
    fn save_plots(&mut self, id: TabId) {
        if self.tabs.first().is_some_and(|t| t.id == id) {
            self.saved.plots = self.tabs[0].store.plots().specs();
        }
    }

    /// Opens a tab with an empty form, with the app's limits, and shows it.
    fn new_tab(&mut self, ctx: &egui::Context) {
        let id = TabId(self.next_tab);
        self.next_tab += 1;
        let form = crate::mqtt::ConnectionForm::default();
        let waker = self.pace.waker(ctx);
        let tab = Tab::new(
            id,
            waker,
            self.saved.limits(),
            form,
            self.recordings.clone(),
        );
        self.tabs.push(tab);
        self.show_tab(ctx, id);
        self.windows.connections = true;
    }

    /// Shows tab `id`; the window's title names its broker.
    pub(super) fn show_tab(&mut self, ctx: &egui::Context, id: TabId) {
        if self.index_of(id).is_none() {
            return;
        }
        self.active = id;
        self.commands.tab = id;
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(self.shown().title()));
    }

    /// Closes tab `id` and stops its worker; the last tab stays.
    fn close_tab(&mut self, ctx: &egui::Context, id: TabId) {
        let Some(i) = self.index_of(id) else { return };
        if self.tabs.len() == 1 {
            return;
        }
        self.tabs.remove(i);
        if self.connect_when_broker_runs == Some(id) {
            self.connect_when_broker_runs = None;
        }
        if self.active == id {
            let next = self.tabs[i.min(self.tabs.len() - 1)].id;
            self.show_tab(ctx, next);
        }
    }
}

/// Hands one publish to the tab's worker; what cannot be sent is answered at once.
pub(super) fn publish(tab: &mut Tab, request: crate::mqtt::PublishRequest) {
    let id = request.id;
    if request.retain {
        tab.store
            .expect_own_retained(&request.topic, &request.payload);
    }
    let result = match &tab.worker {
        Some(worker) => worker.publish(request),
        None => Err(PublishError::NotConnected),
    };
    if let Err(e) = result {
        tab.publish.outcome(id, Err(e), None);
    }
}
