//! Retained clean-up from the tree: the row's context menu, the confirmation dialog and
//! the progress window of a running clean-up.

use egui::Ui;

use super::TreeView;
use crate::model::topic_tree::TopicList;
use crate::model::{NodeId, TopicTree};

/// A retained clean-up waiting for the user's confirmation.
#[derive(Clone, Debug)]
pub struct ClearAsk {
    /// What was asked for, in words: a topic, or "below" one.
    pub what: String,
    /// Topics whose last message came retained.
    pub retained: TopicList,
    /// Topics mqscope saw no retained message on (the broker may still keep one, sent
    /// before it was watched, or when live messages hide the flag).
    pub others: TopicList,
}

impl TreeView {
    /// Asks to confirm clearing the retained message of `id`, or (`below`) every retained
    /// one under it. Every topic may be cleared: an empty retained message where the
    /// broker keeps nothing changes nothing, so the dialog says what is known instead.
    pub fn ask_clear(&mut self, tree: &TopicTree, id: NodeId, below: bool) {
        let Some(path) = tree.path(id) else {
            return; // removed since the rows were built
        };
        let node = tree.node(id);
        let (retained, others) = if below {
            tree.topics_below(id)
        } else if node.is_retained() {
            (vec![(id, path.clone())], Vec::new())
        } else {
            (Vec::new(), vec![(id, path.clone())])
        };
        let what = if below { format!("below {path}") } else { path };
        self.confirm_clear = Some(ClearAsk {
            what,
            retained,
            others,
        });
    }
}

/// The row's context menu: `Some(false)` to clear its retained message, `Some(true)` for
/// every retained one below it. Both are always offered (the dialog says what is known).
pub(super) fn clear_menu_ui(ui: &mut Ui, is_topic: bool, has_children: bool) -> Option<bool> {
    let mut clear = None;
    if ui
        .add_enabled(is_topic, egui::Button::new("Clear retained message…"))
        .on_disabled_hover_text("Nothing was published on this level itself")
        .clicked()
    {
        clear = Some(false);
        ui.close();
    }
    if ui
        .add_enabled(has_children, egui::Button::new("Clear retained below…"))
        .on_disabled_hover_text("No topics below this one")
        .clicked()
    {
        clear = Some(true);
        ui.close();
    }
    clear
}

/// What the dialog asks, and the topics its button clears.
fn question(ask: &ClearAsk) -> (String, Option<(&'static str, TopicList)>) {
    let what = &ask.what;
    let plural = |n: usize, one: &str, many: &str| crate::model::units::count(n as u64, one, many);
    match (ask.retained.len(), ask.others.len()) {
        (0, 0) => (
            format!("No topic {what} has messages: nothing to clear."),
            None,
        ),
        (0, n) => (
            format!(
                "mqscope has seen no retained message {}{what}. Clearing publishes an empty \
                 retained message to {}; where the broker keeps nothing, that changes nothing.",
                if ask.what.starts_with("below ") {
                    ""
                } else {
                    "on "
                },
                plural(n, "topic", "topics"),
            ),
            Some(("Clear anyway", ask.others.clone())),
        ),
        (n, _) => (
            format!(
                "Clear {} ({what})? The broker forgets {}; topics with nothing else leave the tree.",
                plural(n, "retained message", "retained messages"),
                if n == 1 { "it" } else { "them" },
            ),
            Some(("Clear", ask.retained.clone())),
        ),
    }
}

/// The confirmation of a retained clean-up, and its progress once running.
pub fn clear_dialogs_ui(
    ctx: &egui::Context,
    view: &mut TreeView,
    run: Option<&crate::status::ClearStatus>,
    commands: &mut crate::command::Commands,
) {
    use crate::command::TabCommand;
    if let Some(ask) = &view.confirm_clear {
        let (text, action) = question(ask);
        let mut decided = None;
        egui::Modal::new(egui::Id::unique("confirm_clear")).show(ctx, |ui| {
            ui.set_max_width(crate::ui::theme::DIALOG_WIDTH);
            ui.heading("Clear retained messages");
            ui.label(text);
            ui.horizontal(|ui| match &action {
                Some((button, topics)) => {
                    if ui.button(*button).clicked() {
                        decided = Some(Some(topics.clone()));
                    }
                    if ui.button("Cancel").clicked() {
                        decided = Some(None);
                    }
                }
                None => {
                    if ui.button("OK").clicked() {
                        decided = Some(None);
                    }
                }
            });
        });
        if let Some(decided) = decided {
            view.confirm_clear = None;
            if let Some(topics) = decided {
                commands.tab(TabCommand::ClearRetained(topics));
            }
        }
    }
    let Some(run) = run else { return };
    if run.finished && run.seconds.is_some_and(|s| s > 0.0) && run.started.elapsed().as_secs() > 5 {
        return; // the result stays visible for a few seconds
    }
    egui::Window::new("Retained clean-up")
        .resizable(false)
        .collapsible(false)
        .anchor(egui::Align2::RIGHT_BOTTOM, [-16.0, -40.0])
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            ui.add(
                egui::ProgressBar::new(run.done as f32 / run.total.max(1) as f32)
                    .text(format!("{} of {} cleared", run.done, run.total)),
            );
            if run.refused > 0 {
                ui.colored_label(
                    crate::ui::theme::warn(dark),
                    format!("{} refused by the broker or lost", run.refused),
                );
            }
            if let Some(e) = &run.error {
                ui.colored_label(crate::ui::theme::error(dark), e);
            }
            match (run.finished, run.seconds) {
                (true, Some(s)) => {
                    ui.label(format!("Done in {s:.1} s"));
                }
                _ => {
                    if ui.button("Cancel").clicked() {
                        commands.tab(TabCommand::CancelClear);
                    }
                    ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
            }
        });
}
