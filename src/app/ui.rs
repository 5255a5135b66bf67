//! Panel layout only: connection bar, status bar, tree on the left, inspector in the middle.

use super::App;
use crate::mqtt::MqttVersion;
use crate::ui::theme;
use crate::ui::{
    broker_panel, chart, connection, inspector, publish, record, settings, status_bar, sys_view,
    talkers, topic_tree,
};

impl App {
    pub(super) fn draw_ui(&mut self, ui: &mut egui::Ui) {
        let dark = ui.visuals().dark_mode;
        egui::Panel::top("connection").show(ui, |ui| {
            ui.add_space(4.0);
            let tabs = self.tabs();
            connection::connection_tabs_ui(ui, &tabs, self.active, &mut self.commands);
            connection::connection_bar_ui(
                ui,
                &mut self.conn.form,
                &mut self.conn.form_error,
                &self.conn.connection,
                self.saved.payload_cap,
                &mut self.show_transport,
                &mut self.commands,
            );
            ui.horizontal(|ui| {
                ui.toggle_value(&mut self.show_connections, "Connections…")
                    .on_hover_text("Saved brokers, client id, credentials, subscriptions");
                ui.toggle_value(&mut self.show_publish, "Publish")
                    .on_hover_text("Send a message to the broker");
                ui.toggle_value(&mut self.saved.show_chart, "Plots")
                    .on_hover_text("Numbers and JSON fields over time");
                let pause_label = if self.conn.pause.on {
                    "Resume view"
                } else {
                    "Pause view"
                };
                if ui
                    .selectable_label(self.conn.pause.on, pause_label)
                    .on_hover_text(
                        "Freeze the tree and inspector; messages are kept and applied on Resume",
                    )
                    .clicked()
                {
                    self.conn.pause.on = !self.conn.pause.on;
                    if self.conn.pause.on {
                        self.conn.pause.overflowed = 0;
                    }
                }
                if self.conn.pause.on {
                    ui.colored_label(
                        theme::warn(dark),
                        format!(
                            "paused: {} messages waiting ({:.0}% of the buffer){}",
                            self.conn.pause.held_messages,
                            self.conn.pause.fill() * 100.0,
                            if self.conn.pause.overflowed > 0 {
                                format!(", {} not kept", self.conn.pause.overflowed)
                            } else {
                                String::new()
                            }
                        ),
                    );
                }
                ui.toggle_value(&mut self.show_sys, "Broker stats")
                    .on_hover_text("The broker's $SYS figures in plain words");
                ui.toggle_value(&mut self.show_talkers, "Top talkers")
                    .on_hover_text("The topics sending the most messages per second");
                ui.toggle_value(&mut self.show_record, "Record / replay")
                    .on_hover_text("Record messages to a file; publish a recording again");
                record::record_indicator_ui(
                    ui,
                    self.conn.recorder.as_ref(),
                    self.conn.replay.as_ref(),
                    &mut self.commands,
                );
                ui.toggle_value(&mut self.show_settings, "Limits")
                    .on_hover_text("History budget and payload size limits");
                ui.toggle_value(&mut self.show_broker, "Local broker")
                    .on_hover_text("Start a broker on this machine, with optional demo devices");
                ui.colored_label(
                    theme::muted(dark),
                    format!("broker {}", self.broker.status().describe()),
                );
            });
            let mut dismissed = false;
            for problem in self
                .problems
                .iter()
                .chain(&self.library.problems)
                .chain(&self.profiles.problems)
            {
                ui.horizontal(|ui| {
                    ui.colored_label(theme::warn(dark), problem);
                    dismissed |= ui.small_button("Dismiss").clicked();
                });
            }
            if dismissed {
                self.library.problems.clear();
                self.profiles.problems.clear();
                self.problems.clear();
            }
            if let Some(e) = &self.conn.worker_error {
                ui.colored_label(theme::error(dark), e);
            }
            ui.add_space(2.0);
        });
        connection::connections_window_ui(
            ui.ctx(),
            &mut self.show_connections,
            (
                &self.profiles,
                self.profile_loaded.as_deref(),
                self.keychain_note.as_ref(),
            ),
            &mut self.profile_name,
            (&mut self.profile_file, self.profile_file_result.as_ref()),
            &mut self.conn.form,
            &mut self.conn.form_error,
            &self.conn.connection,
            self.saved.payload_cap,
            &mut self.commands,
        );
        sys_view::sys_window_ui(ui.ctx(), &mut self.show_sys, self.conn.store.sys_stats());
        talkers::top_talkers_window_ui(
            ui.ctx(),
            &mut self.show_talkers,
            &self.conn.store,
            &mut self.conn.tree,
        );
        record::record_window_ui(
            ui.ctx(),
            &mut self.show_record,
            &mut self.conn.record_form,
            self.conn.recorder.as_ref(),
            self.conn.record_result.as_ref(),
            self.conn.replay.as_ref(),
            self.conn.connection.is_connected(),
            &mut self.commands,
        );
        egui::Panel::bottom("status").show(ui, |ui| {
            status_bar::status_bar_ui(ui, &self.conn.store, self.dropped(), self.saved.payload_cap);
        });
        if self
            .conn
            .tree
            .selected
            .is_some_and(|id| self.conn.store.tree().is_removed(id))
        {
            self.conn.tree.selected = None;
        }
        topic_tree::clear_dialogs_ui(
            ui.ctx(),
            &mut self.conn.tree,
            self.conn.clear.as_ref(),
            &mut self.commands,
        );
        let mut open = self.show_settings;
        egui::Window::new("Limits")
            .open(&mut open)
            .resizable(false)
            .show(ui.ctx(), |ui| {
                if settings::settings_ui(ui, &mut self.saved) {
                    self.conn.store.set_limits(self.saved.limits);
                    self.conn.store.set_point_cap(self.saved.point_cap);
                }
            });
        self.show_settings = open;
        // Selecting a topic fills the publish topic (once per selection).
        if self.conn.tree.selected != self.conn.publish_topic_from
            && let Some(id) = self.conn.tree.selected
            && let Some(topic) = self.conn.store.tree().path(id)
        {
            self.conn.publish.msg.topic = topic;
            self.conn.publish_topic_from = Some(id);
        }
        if self.show_publish {
            egui::Panel::bottom("publish")
                .resizable(true)
                .default_size(theme::PUBLISH_PANEL_HEIGHT)
                .show(ui, |ui| {
                    ui.add_space(4.0);
                    egui::Panel::right("publish_library")
                        .resizable(true)
                        .default_size(theme::LIBRARY_WIDTH)
                        .show(ui, |ui| {
                            publish::library_ui(
                                ui,
                                &mut self.conn.publish,
                                &self.library,
                                &self.conn.connection_key,
                                &mut self.commands,
                            );
                        });
                    publish::publish_ui(
                        ui,
                        &mut self.conn.publish,
                        self.conn.store.tree(),
                        self.conn.connection.is_connected(),
                        self.conn.version == MqttVersion::V5,
                        &mut self.commands,
                    );
                });
        }
        if self.saved.show_chart {
            egui::Panel::bottom("chart")
                .resizable(true)
                .default_size(theme::CHART_PANEL_HEIGHT)
                .min_size(140.0)
                .show(ui, |ui| {
                    ui.add_space(4.0);
                    chart::chart_ui(
                        ui,
                        self.conn.store.plots(),
                        &mut self.conn.chart,
                        crate::model::message::now_ms() as f64 / 1000.0,
                        &mut self.commands,
                    );
                });
            self.saved.plot_window = self.conn.chart.window;
            if self.conn.chart.live && !self.conn.store.plots().is_empty() {
                // Follow live: the time axis moves even when no message arrives.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
        }
        if self.show_broker {
            egui::Panel::right("broker")
                .resizable(true)
                .default_size(theme::BROKER_PANEL_WIDTH)
                .min_size(220.0)
                .show(ui, |ui| {
                    ui.add_space(4.0);
                    broker_panel::broker_panel_ui(
                        ui,
                        &self.broker,
                        &mut self.broker_form,
                        self.demo_on,
                        &mut self.commands,
                    );
                });
        }
        egui::Panel::left("tree")
            .resizable(true)
            .default_size(theme::TREE_PANEL_WIDTH)
            .min_size(240.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                topic_tree::tree_ui(ui, &self.conn.store, &mut self.conn.tree);
            });
        egui::CentralPanel::default_margins().show(ui, |ui| {
            inspector::inspector_ui(
                ui,
                &self.conn.store,
                self.conn.tree.selected,
                &mut self.conn.inspector,
                &mut self.commands,
            );
        });
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
    }
}
