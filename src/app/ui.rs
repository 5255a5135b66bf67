//! Panel layout only: connection bar, status bar, tree on the left, inspector in the middle.

use super::panel_size::keep_size;
use super::views::Views;
use super::{App, AppCommand};
use crate::ui::theme;
use crate::ui::{
    broker_panel, chart, connection, decoders, inspector, publish, record, settings, status_bar,
    sys_view, talkers, topic_tree,
};

impl App {
    pub(super) fn draw_ui(&mut self, ui: &mut egui::Ui) {
        let keys = crate::ui::actions::pressed(ui.ctx());
        self.keyboard.pending.extend(keys);
        let i = self.index_of(self.active).unwrap_or(0);
        self.commands.tab = self.tabs[i].id;
        let v = self.views(i);
        self.top_bar_ui(ui, i, &v);
        self.windows_ui(ui, i, &v);
        self.bottom_panels_ui(ui, i, &v);
        self.side_panels_ui(ui, i);
        self.keyboard_ui(ui.ctx());
        self.run_actions(ui.ctx());
        self.file_dialogs_step(ui.ctx());
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
    }

    /// The connection tabs and bar, the window toggles, problems.
    fn top_bar_ui(&mut self, ui: &mut egui::Ui, i: usize, v: &Views) {
        let dark = ui.visuals().dark_mode;
        let Self {
            tabs,
            commands,
            windows,
            saved,
            profiles,
            library,
            problems,
            broker,
            keyboard,
            ..
        } = self;
        let tab = &mut tabs[i];
        let menu = crate::ui::menu::MenuState {
            connected: matches!(tab.connection, crate::mqtt::ConnectionState::Connected),
            tabs: v.tab_list.len(),
            theme: saved.theme,
        };
        egui::Panel::top("connection").show(ui, |ui| {
            if let Some(action) = crate::ui::menu::menu_bar_ui(ui, &menu) {
                keyboard.pending.push(action);
            }
            connection::connection_tabs_ui(ui, &v.tab_list, v.active, commands);
            connection::connection_bar_ui(
                ui,
                &mut tab.form,
                &mut tab.form_error,
                (&tab.connection, v.session_present),
                &mut windows.transport,
                commands,
            );
            // Wrapped, so that a narrow window keeps every button and the broker's state.
            ui.horizontal_wrapped(|ui| {
                ui.toggle_value(&mut windows.connections, "Connections…")
                    .on_hover_text("Saved brokers, client id, credentials, subscriptions");
                ui.toggle_value(&mut windows.publish, "Publish")
                    .on_hover_text("Send a message to the broker");
                ui.toggle_value(&mut saved.show_chart, "Plots")
                    .on_hover_text("Numbers and JSON fields over time");
                let pause_label = if tab.pause.on {
                    "Resume view"
                } else {
                    "Pause view"
                };
                if ui
                    .selectable_label(tab.pause.on, pause_label)
                    .on_hover_text(
                        "Freeze the tree and inspector; messages are kept and applied on Resume",
                    )
                    .clicked()
                {
                    tab.pause.toggle();
                }
                if tab.pause.on {
                    ui.colored_label(
                        theme::warn(dark),
                        format!(
                            "paused: {} messages waiting ({:.0}% of the buffer){}",
                            tab.pause.held_messages,
                            tab.pause.fill() * 100.0,
                            if tab.pause.overflowed > 0 {
                                format!(", {} not kept", tab.pause.overflowed)
                            } else {
                                String::new()
                            }
                        ),
                    );
                }
                ui.toggle_value(&mut windows.sys, "Broker stats")
                    .on_hover_text("The broker's $SYS figures in plain words");
                ui.toggle_value(&mut windows.talkers, "Top talkers")
                    .on_hover_text("The topics sending the most messages per second");
                ui.toggle_value(&mut windows.decoders, "Decoders…")
                    .on_hover_text("Decode topics' payloads: base64, gzip, binary, MessagePack…");
                ui.toggle_value(&mut windows.record, "Record / replay")
                    .on_hover_text("Record messages to a file; publish a recording again");
                ui.toggle_value(&mut windows.search, "Search…")
                    .on_hover_text("Search the messages kept on disk (History on disk)");
                record::record_indicator_ui(
                    ui,
                    v.record_status.as_ref(),
                    v.replay_status.as_ref(),
                    commands,
                );
                ui.toggle_value(&mut windows.settings, "Limits")
                    .on_hover_text("History budget and payload size v.limits");
                ui.toggle_value(&mut windows.broker, "Local broker")
                    .on_hover_text("Start a broker on this machine, with optional demo devices");
                ui.colored_label(
                    theme::muted(dark),
                    format!("broker {}", broker.status().describe()),
                );
            });
            problems_ui(
                ui,
                [problems, &mut library.problems, &mut profiles.problems],
            );
            if let Some(e) = &tab.worker_error {
                ui.colored_label(theme::error(dark), e);
            }
            ui.add_space(2.0);
        });
    }

    /// The windows (connections, broker stats, top talkers, record/replay, clean-up,
    /// limits) and the status bar.
    fn windows_ui(&mut self, ui: &mut egui::Ui, i: usize, v: &Views) {
        let Self {
            tabs,
            commands,
            windows,
            saved,
            profiles,
            profile_ui,
            rules_file,
            ..
        } = self;
        let tab = &mut tabs[i];
        connection::connections_window_ui(
            ui.ctx(),
            &mut windows.connections,
            (
                profiles,
                tab.profile_loaded.as_deref(),
                profile_ui.keychain_note.as_ref(),
            ),
            &mut tab.profile_name,
            (&mut profile_ui.file, profile_ui.file_result.as_ref()),
            &mut tab.form,
            &mut tab.form_error,
            (
                &tab.connection,
                &v.granted,
                v.broker.as_ref(),
                v.subs_changed,
            ),
            commands,
        );
        if let Some((id, ask)) = &profile_ui.overwrite
            && let Some(answer) = connection::overwrite_dialog_ui(ui.ctx(), ask)
        {
            if answer {
                commands.push(crate::command::AppCommand::Tab(
                    *id,
                    crate::command::TabCommand::OverwriteProfile(ask.name.clone()),
                ));
            }
            profile_ui.overwrite = None;
        }
        decoders::decoders_window_ui(
            ui.ctx(),
            &mut windows.decoders,
            (
                &mut tab.form.decoders,
                tab.profile_loaded.as_deref(),
                &tab.decoder_status,
            ),
            (&mut rules_file.path, rules_file.result.as_ref()),
            commands,
        );
        sys_view::sys_window_ui(ui.ctx(), &mut windows.sys, tab.store.sys_stats());
        talkers::top_talkers_window_ui(ui.ctx(), &mut windows.talkers, &tab.store, &mut tab.tree);
        record::record_window_ui(
            ui.ctx(),
            &mut windows.record,
            &mut tab.record_form,
            v.record_status.as_ref(),
            tab.record_result.as_ref(),
            v.replay_status.as_ref(),
            tab.connection.is_connected(),
            commands,
        );
        if windows.search {
            let available = tab.history_path().is_some();
            if available && tab.search.never_ran() {
                // Opened: the newest stored messages, before anything is typed.
                if let Ok(q) = tab.search_form.query(crate::model::message::now_us()) {
                    let run = crate::command::SearchCommand::Run(Box::new(q));
                    commands.tab(crate::command::TabCommand::Search(run));
                }
            }
            tab.search.set_unavailable((!available).then(|| {
                "This connection keeps no history on disk: turn on History on disk in the \
                 Connections window (or for all connections in Limits), then connect"
                    .to_string()
            }));
            crate::ui::search::search_window_ui(
                ui.ctx(),
                &mut windows.search,
                (&mut tab.search_form, &tab.search.view),
                commands,
            );
        }
        egui::Panel::bottom("status").show(ui, |ui| {
            status_bar::status_bar_ui(
                ui,
                &tab.store,
                (v.dropped, v.disk.as_ref()),
                saved.payload_cap,
            );
        });
        if tab
            .tree
            .selected
            .is_some_and(|id| tab.store.tree().is_removed(id))
        {
            tab.tree.selected = None;
        }
        topic_tree::clear_dialogs_ui(ui.ctx(), &mut tab.tree, v.clear_status.as_ref(), commands);
        let mut open = windows.settings;
        egui::Window::new("Limits")
            .open(&mut open)
            .resizable(false)
            .show(ui.ctx(), |ui| {
                let draft = windows.limits_draft.get_or_insert(v.limits);
                if settings::settings_ui(ui, draft) {
                    commands.push(AppCommand::SetLimits(*draft));
                }
            });
        windows.settings = open;
        if !open {
            windows.limits_draft = None; // the next opening starts from what applies
        }
    }

    /// The publish panel (with its library) and the chart panel, along the bottom.
    fn bottom_panels_ui(&mut self, ui: &mut egui::Ui, i: usize, v: &Views) {
        let Self {
            tabs,
            commands,
            windows,
            saved,
            library,
            pace,
            ..
        } = self;
        let tab = &mut tabs[i];
        // Selecting a topic fills the publish topic (once per selection, and not over a
        // topic the user typed).
        if tab.tree.selected != tab.publish_topic_from
            && let Some(id) = tab.tree.selected
            && let Some(path) = tab.store.tree().path(id)
        {
            tab.publish.fill_topic(&path);
            tab.publish_topic_from = Some(id);
        }
        // The bottom panels share at most part of the height (each its half when both
        // show), and leave the tree and inspector their least height.
        let height = ui.available_height();
        let open = f32::from(u8::from(windows.publish) + u8::from(saved.show_chart));
        let bottom_max = theme::bottom_panel_max(height, open);
        let width = ui.available_width();
        let range = (theme::BOTTOM_PANEL_MIN_HEIGHT, bottom_max);
        if windows.publish {
            let mut wish = saved.panel_size("publish", theme::PUBLISH_PANEL_HEIGHT);
            let kept = keep_size(ui, "publish", wish, range, true);
            egui::Panel::bottom("publish")
                .resizable(true)
                .default_size(wish)
                .min_size(range.0)
                .max_size(range.1)
                .show(ui, |ui| {
                    keep_filled(ui);
                    ui.add_space(4.0);
                    egui::Panel::right("publish_library")
                        .resizable(true)
                        .default_size(theme::LIBRARY_WIDTH)
                        .min_size(theme::LIBRARY_MIN_WIDTH)
                        .max_size(theme::panel_max(
                            width,
                            theme::LIBRARY_MAX_SHARE,
                            theme::LIBRARY_MIN_WIDTH,
                        ))
                        .show(ui, |ui| {
                            filling_scroll(ui, "publish_library").show(ui, |ui| {
                                publish::library_ui(
                                    ui,
                                    &mut tab.publish,
                                    library,
                                    &v.key,
                                    commands,
                                );
                            });
                        });
                    // Scrolls when the panel is kept smaller than the form.
                    filling_scroll(ui, "publish_form").show(ui, |ui| {
                        publish::publish_ui(
                            ui,
                            &mut tab.publish,
                            (tab.store.tree(), &tab.encoders),
                            (tab.connection.is_connected(), v.v5),
                            tab.worker.as_ref().and_then(|w| w.broker_info()).as_ref(),
                            commands,
                        );
                        ui.separator();
                        crate::ui::publish_repeat::repeat_ui(
                            ui,
                            &mut tab.publish,
                            (tab.connection.is_connected(), v.v5),
                            &tab.repeats.views(),
                            commands,
                        );
                    });
                });
            if kept.taken(ui, &mut wish) {
                saved.set_panel_size("publish", wish);
            }
        }
        if saved.show_chart {
            // Each tab keeps its own height once dragged; until then the last one dragged.
            let mut wish = tab
                .chart_height
                .unwrap_or_else(|| saved.panel_size("chart", theme::CHART_PANEL_HEIGHT));
            let salt = ("chart", tab.id.0);
            let kept = keep_size(ui, salt, wish, range, true);
            egui::Panel::bottom(salt)
                .resizable(true)
                .default_size(wish)
                .min_size(range.0)
                .max_size(range.1)
                .show(ui, |ui| {
                    keep_filled(ui);
                    ui.add_space(4.0);
                    chart::chart_ui(
                        ui,
                        tab.store.plots(),
                        &mut tab.chart,
                        crate::model::message::now_ms() as f64 / 1000.0,
                        commands,
                    );
                });
            if kept.taken(ui, &mut wish) {
                tab.chart_height = Some(wish);
                saved.set_panel_size("chart", wish);
            }
            saved.plot_window = tab.chart.window;
            if tab.chart.live && !tab.store.plots().is_empty() {
                // Follow live: the time axis moves even when no message arrives, by about
                // a pixel per frame (a 10-minute window: one frame in 0.6 s), never faster
                // than the data rate.
                let per_pixel = tab.chart.window.seconds().unwrap_or(3600.0) / 1000.0;
                let every = std::time::Duration::from_secs_f64(per_pixel.min(1.0))
                    .max(pace.data_interval());
                ui.ctx().request_repaint_after(every);
            }
        }
    }

    /// The local broker panel, the tree, and the inspector in the middle.
    fn side_panels_ui(&mut self, ui: &mut egui::Ui, i: usize) {
        let Self {
            tabs,
            commands,
            windows,
            broker,
            broker_form,
            demo_on,
            saved,
            ..
        } = self;
        let demo_on = *demo_on;
        let tab = &mut tabs[i];
        let width = ui.available_width();
        if windows.broker {
            let range = (
                theme::BROKER_PANEL_MIN_WIDTH,
                theme::panel_max(
                    width,
                    theme::BROKER_PANEL_MAX_SHARE,
                    theme::BROKER_PANEL_MIN_WIDTH,
                ),
            );
            let mut wish = saved.panel_size("broker", theme::BROKER_PANEL_WIDTH);
            let kept = keep_size(ui, "broker", wish, range, false);
            egui::Panel::right("broker")
                .resizable(true)
                .default_size(wish)
                .min_size(range.0)
                .max_size(range.1)
                // egui draws this panel's separator the whole window's height, through the
                // bottom panels; it is drawn here along the panel only.
                .show_separator_line(false)
                .show(ui, |ui| {
                    keep_filled(ui);
                    let rect = ui.max_rect();
                    let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
                    let x = rect.left() - theme::PANEL_MARGIN;
                    ui.painter().with_clip_rect(ui.ctx().content_rect()).vline(
                        x,
                        rect.y_range(),
                        stroke,
                    );
                    ui.add_space(4.0);
                    filling_scroll(ui, "broker_panel").show(ui, |ui| {
                        broker_panel::broker_panel_ui(ui, broker, broker_form, demo_on, commands);
                    });
                });
            if kept.taken(ui, &mut wish) {
                saved.set_panel_size("broker", wish);
            }
        }
        let range = (
            theme::TREE_PANEL_MIN_WIDTH,
            theme::panel_max(
                width,
                theme::SIDE_PANEL_MAX_SHARE,
                theme::TREE_PANEL_MIN_WIDTH,
            ),
        );
        let mut wish = saved.panel_size("tree", theme::TREE_PANEL_WIDTH);
        let kept = keep_size(ui, "tree", wish, range, false);
        egui::Panel::left("tree")
            .resizable(true)
            .default_size(wish)
            .min_size(range.0)
            .max_size(range.1)
            .show(ui, |ui| {
                keep_filled(ui);
                ui.add_space(4.0);
                topic_tree::tree_ui(ui, &tab.store, &mut tab.tree);
            });
        if kept.taken(ui, &mut wish) {
            saved.set_panel_size("tree", wish);
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            inspector::inspector_ui(
                ui,
                &tab.store,
                tab.tree.selected,
                &mut tab.inspector,
                commands,
            );
        });
    }
}

/// The problems banner: each problem with Dismiss (which clears them all).
fn problems_ui(ui: &mut egui::Ui, lists: [&mut Vec<String>; 3]) {
    let dark = ui.visuals().dark_mode;
    let mut dismissed = false;
    for problem in lists.iter().flat_map(|l| l.iter()) {
        ui.horizontal(|ui| {
            ui.colored_label(theme::warn(dark), problem);
            dismissed |= ui.small_button("Dismiss").clicked();
        });
    }
    if dismissed {
        for list in lists {
            list.clear();
        }
    }
}

/// Makes a panel's contents take the whole panel: egui keeps a panel as large as what was
/// drawn in it, so a panel with little in it (a chart with nothing plotted) shrank for good.
fn keep_filled(ui: &mut egui::Ui) {
    ui.set_min_size(ui.available_size_before_wrap());
}

/// A vertical scroll area filling its panel: the panel keeps its size, the contents scroll.
fn filling_scroll(ui: &egui::Ui, salt: &str) -> egui::ScrollArea {
    egui::ScrollArea::vertical()
        .id_salt(salt)
        .auto_shrink([false, false])
        .min_scrolled_height(theme::fitting_height(ui))
}
