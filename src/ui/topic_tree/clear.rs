//! Retained clean-up from the tree: the row's context menu, the confirmation dialog and
//! the progress window of a running clean-up.

use egui::Ui;

use super::TreeView;
use crate::model::{NodeId, TopicTree};

impl TreeView {
    /// Asks to confirm clearing the retained message of `id`, or (`below`) every retained
    /// one under it.
    pub(super) fn ask_clear(&mut self, tree: &TopicTree, id: NodeId, below: bool) {
        let Some(path) = tree.path(id) else {
            return; // removed since the rows were built
        };
        let topics = if below {
            tree.retained_below(id)
        } else {
            vec![(id, path.clone())]
        };
        let what = if below { format!("below {path}") } else { path };
        self.confirm_clear = Some((what, topics));
    }
}

/// The row's context menu: `Some(false)` to clear its retained message, `Some(true)` for
/// every retained one below it.
pub(super) fn clear_menu_ui(ui: &mut Ui, retained: bool, has_children: bool) -> Option<bool> {
    let mut clear = None;
    if ui
        .add_enabled(retained, egui::Button::new("Clear retained message"))
        .clicked()
    {
        clear = Some(false);
        ui.close();
    }
    if ui
        .add_enabled(has_children, egui::Button::new("Clear retained below…"))
        .clicked()
    {
        clear = Some(true);
        ui.close();
    }
    clear
}

/// The confirmation of a retained clean-up, and its progress once running.
pub fn clear_dialogs_ui(
    ctx: &egui::Context,
    view: &mut TreeView,
    run: Option<&crate::status::ClearStatus>,
    commands: &mut crate::command::Commands,
) {
    use crate::command::TabCommand;
    if let Some((what, topics)) = &view.confirm_clear {
        let mut decided = None;
        egui::Modal::new(egui::Id::unique("confirm_clear")).show(ctx, |ui| {
            ui.heading("Clear retained messages");
            let n = topics.len();
            ui.label(match n {
                0 => format!("No retained topic {what}"),
                1 => format!("Clear 1 retained message ({what})?"),
                n => format!("Clear {n} retained messages {what}?"),
            });
            ui.label("The broker forgets them; topics with nothing else leave the tree");
            ui.horizontal(|ui| {
                if ui.add_enabled(n > 0, egui::Button::new("Clear")).clicked() {
                    decided = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    decided = Some(false);
                }
            });
        });
        match decided {
            Some(true) => {
                if let Some((_, topics)) = view.confirm_clear.take() {
                    commands.tab(TabCommand::ClearRetained(topics));
                }
            }
            Some(false) => view.confirm_clear = None,
            None => {}
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
