//! Runs the actions of the keyboard, the command palette and the menu bar
//! ([`crate::ui::actions`]): windows and panels shown or hidden, commands for the tab shown,
//! the theme, quitting. Applied after the frame, like commands.

use super::{App, AppCommand, TabCommand};
use crate::model::number::parse_number;
use crate::model::{PayloadKind, SeriesSpec};
use crate::mqtt::ConnectionState;
use crate::ui::actions::Action;
use crate::ui::theme::{self, ThemeChoice};

/// The palette, the help windows, and the actions asked for this frame.
#[derive(Debug, Default)]
pub(super) struct Keyboard {
    pub palette: crate::ui::palette::PaletteState,
    pub shortcuts: bool,
    pub about: bool,
    pub pending: Vec<Action>,
}

impl Keyboard {
    /// With the palette or the shortcuts open at start (`--show palette`, `--show shortcuts`).
    pub fn opened(show: &[String]) -> Self {
        let mut keyboard = Self::default();
        if show.iter().any(|w| w == "palette") {
            keyboard.palette.show();
        }
        keyboard.shortcuts = show.iter().any(|w| w == "shortcuts");
        keyboard
    }
}

impl App {
    /// Whether `action` can run now (the palette greys the others, the menus too).
    pub(super) fn can_run(&self, action: Action) -> bool {
        let tab = &self.tabs[self.index_of(self.active).unwrap_or(0)];
        let connected = matches!(tab.connection, ConnectionState::Connected);
        let idle = matches!(
            tab.connection,
            ConnectionState::Idle | ConnectionState::Disconnected { .. }
        );
        match action {
            Action::Connect => idle,
            Action::Disconnect => !idle,
            Action::CloseTab | Action::NextTab | Action::PreviousTab => self.tabs.len() > 1,
            Action::SendMessage | Action::ClearRetained => connected,
            Action::PlotSelected => tab.tree.selected.is_some(),
            _ => true,
        }
    }

    /// Runs what was asked for this frame.
    pub(super) fn run_actions(&mut self, ctx: &egui::Context) {
        for action in std::mem::take(&mut self.keyboard.pending) {
            if self.can_run(action) {
                self.run_action(ctx, action);
            }
        }
    }

    fn run_action(&mut self, ctx: &egui::Context, action: Action) {
        let i = self.index_of(self.active).unwrap_or(0);
        let id = self.tabs[i].id;
        let w = &mut self.windows;
        match action {
            Action::Palette => self.keyboard.palette.show(),
            Action::Shortcuts => self.keyboard.shortcuts = !self.keyboard.shortcuts,
            Action::About => self.keyboard.about = true,
            Action::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Action::Connections => w.connections = !w.connections,
            Action::PublishPanel => w.publish = !w.publish,
            Action::Plots => self.saved.show_chart = !self.saved.show_chart,
            Action::BrokerStats => w.sys = !w.sys,
            Action::TopTalkers => w.talkers = !w.talkers,
            Action::Decoders => w.decoders = !w.decoders,
            Action::RecordWindow => w.record = !w.record,
            Action::Limits => w.settings = !w.settings,
            Action::LocalBrokerPanel => w.broker = !w.broker,
            Action::Connect => self
                .commands
                .push(AppCommand::Tab(id, TabCommand::ConnectForm)),
            Action::Disconnect => self
                .commands
                .push(AppCommand::Tab(id, TabCommand::Disconnect)),
            Action::NewTab => self.commands.push(AppCommand::NewConnection),
            Action::CloseTab => self.commands.push(AppCommand::CloseConnection(id)),
            Action::NextTab | Action::PreviousTab => {
                let n = self.tabs.len();
                let to = if action == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                let to = self.tabs[to].id;
                self.commands.push(AppCommand::ShowConnection(to));
            }
            Action::FocusFilter => self.tabs[i].tree.focus_filter = true,
            Action::SendMessage => {
                w.publish = true;
                self.tabs[i].publish.send_now = true;
            }
            Action::PlotSelected => self.plot_selected(i),
            Action::ClearRetained => {
                let tab = &mut self.tabs[i];
                if let Some(node) = tab.tree.selected {
                    let tree = tab.store.tree();
                    let below = !tree.node(node).children().is_empty();
                    tab.tree.ask_clear(tree, node, below);
                }
            }
            Action::Pause => self.tabs[i].pause.toggle(),
            Action::Record => self.record(i),
            Action::LocalBroker => {
                if self.broker.status().is_up() {
                    self.commands.push(AppCommand::StopBroker);
                } else {
                    match self.broker_form.to_options() {
                        Ok(options) => {
                            self.commands
                                .push(AppCommand::StartBroker(Box::new(options)));
                        }
                        Err(e) => {
                            self.broker_form.error = Some(e);
                            w.broker = true;
                        }
                    }
                }
            }
            Action::ThemeDark => self.set_theme(ctx, ThemeChoice::Dark),
            Action::ThemeLight => self.set_theme(ctx, ThemeChoice::Light),
            Action::ThemeSystem => self.set_theme(ctx, ThemeChoice::System),
        }
        ctx.request_repaint();
    }

    pub(super) fn set_theme(&mut self, ctx: &egui::Context, theme: ThemeChoice) {
        self.saved.theme = theme;
        ctx.set_theme(theme.preference());
    }

    /// Plots the selected topic: its value when it is a number, its first numeric field
    /// when it is JSON; else says why not.
    fn plot_selected(&mut self, i: usize) {
        let tab = &mut self.tabs[i];
        let Some(node) = tab.tree.selected else {
            return;
        };
        let tree = tab.store.tree();
        let Some(topic) = tree.path(node) else {
            return;
        };
        let latest = tree.node(node).history().and_then(|h| h.latest());
        let size = latest.map_or(0, |m| m.payload.bytes().len());
        // The payload is read here, on the frame: a large one is left to the JSON view,
        // which lays it out off the frame.
        let too_large = match latest.map(|m| m.payload.kind()) {
            Some(PayloadKind::Json) => size > theme::OFF_FRAME_BYTES,
            _ => size > theme::NUMBER_MAX_BYTES,
        };
        let spec = latest
            .filter(|_| !too_large)
            .and_then(|m| match m.payload.kind() {
                PayloadKind::Json => m
                    .payload
                    .text()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .and_then(|v| first_number_field(&v))
                    .map(|field| SeriesSpec {
                        path: field,
                        ..SeriesSpec::new(topic.clone(), &Default::default())
                    }),
                _ => m
                    .payload
                    .text()
                    .and_then(parse_number)
                    .map(|_| SeriesSpec::new(topic.clone(), &Default::default())),
            });
        match spec {
            Some(spec) => {
                self.saved.show_chart = true;
                self.commands
                    .push(AppCommand::Tab(tab.id, TabCommand::AddSeries(spec)));
            }
            None if too_large => self.problems.push(format!(
                "{topic}: its last message ({}) is too large to look for a number in; plot a \
                 field from the inspector's JSON view",
                crate::model::units::format_bytes(size)
            )),
            None => self.problems.push(format!("{topic} has no number to plot")),
        }
    }

    /// Starts recording with the record window's file and filter, or stops it; opens the
    /// window when its file is not filled in.
    fn record(&mut self, i: usize) {
        let tab = &self.tabs[i];
        if tab.recorder.is_some() {
            self.commands
                .push(AppCommand::Tab(tab.id, TabCommand::StopRecording));
        } else if tab.record_form.path.trim().is_empty() {
            self.windows.record = true;
        } else {
            self.commands.push(AppCommand::Tab(
                tab.id,
                TabCommand::StartRecording {
                    path: tab.record_form.path.trim().into(),
                    filter: tab.record_form.filter.trim().to_string(),
                },
            ));
        }
    }
}

/// The first top-level field of a JSON object that is a number (`temperature`), if any.
fn first_number_field(value: &serde_json::Value) -> Option<String> {
    value
        .as_object()?
        .iter()
        .find(|(_, v)| v.is_number())
        .map(|(k, _)| {
            crate::model::json_path::JsonPath(vec![crate::model::json_path::Segment::Key(
                k.clone(),
            )])
            .to_string()
        })
}

impl App {
    /// The palette and the help windows, over the panels.
    pub(super) fn keyboard_ui(&mut self, ctx: &egui::Context) {
        if self.keyboard.palette.open {
            let can: Vec<Action> = crate::ui::actions::ACTIONS
                .iter()
                .map(|a| a.action)
                .filter(|&a| self.can_run(a))
                .collect();
            let chosen = crate::ui::palette::palette_ui(ctx, &mut self.keyboard.palette, &|a| {
                can.contains(&a)
            });
            self.keyboard.pending.extend(chosen);
        }
        crate::ui::help::shortcuts_window_ui(ctx, &mut self.keyboard.shortcuts);
        crate::ui::help::about_window_ui(ctx, &mut self.keyboard.about);
    }
}
