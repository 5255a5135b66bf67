//! The "Top talkers" window: the topics sending the most messages per second right now,
//! to find what floods a broker; a click reveals the topic in the tree.

use egui::Ui;

use super::inspector::format_rate;
use super::theme;
use super::topic_tree::TreeView;
use crate::model::payload::visible_text;
use crate::model::{Store, TopicRates};

/// The window; `open` is its toggle.
pub fn top_talkers_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    store: &Store,
    tree_view: &mut TreeView,
) {
    egui::Window::new("Top talkers")
        .open(open)
        .default_pos(theme::SIDE_WINDOW_POS)
        .default_width(theme::OPTIONS_WINDOW_WIDTH)
        .show(ctx, |ui| talkers_ui(ui, store, tree_view));
}

fn talkers_ui(ui: &mut Ui, store: &Store, tree_view: &mut TreeView) {
    let dark = ui.visuals().dark_mode;
    let now = store.now();
    let rates = store.topic_rates();
    let top = rates.top(now);
    ui.colored_label(
        theme::muted(dark),
        format!(
            "Messages per second over the last {} s, busiest first; all topics together: {}",
            TopicRates::SECONDS,
            format_rate(rates.total())
        ),
    );
    if rates.untracked() > 0 {
        ui.colored_label(
            theme::warn(dark),
            format!(
                "{} messages in the last second went to topics past the first {} and are \
                 not ranked",
                rates.untracked(),
                TopicRates::MAX_TOPICS
            ),
        );
    }
    let measuring = rates.measuring_for(now);
    if measuring > 0 {
        ui.add_space(theme::GROUP_GAP);
        ui.colored_label(
            theme::muted(dark),
            format!(
                "Measuring… counting while this window is open: rates show in {measuring} s, \
                 once {} whole seconds are counted",
                TopicRates::SECONDS
            ),
        );
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
        return;
    }
    if top.is_empty() {
        ui.add_space(theme::GROUP_GAP);
        ui.colored_label(
            theme::muted(dark),
            "Nothing arrived in the last few seconds",
        );
        return;
    }
    let tree = store.tree();
    egui::ScrollArea::vertical()
        .max_height(theme::TALKERS_HEIGHT)
        .show(ui, |ui| {
            egui::Grid::new("talkers")
                .num_columns(2)
                .striped(true)
                .spacing([16.0, 2.0])
                .show(ui, |ui| {
                    for &(id, rate) in top {
                        if tree.is_removed(id) {
                            continue;
                        }
                        ui.label(egui::RichText::new(format_rate(rate)).font(theme::mono()));
                        let path = tree.path(id).unwrap_or_default(); // not removed: see above
                        let shown = visible_text(path.as_bytes()).into_owned();
                        let selected = tree_view.selected == Some(id);
                        if ui
                            .selectable_label(selected, shown)
                            .on_hover_text("Show it in the tree")
                            .clicked()
                        {
                            tree_view.reveal(tree, id);
                        }
                        ui.end_row();
                    }
                });
        });
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_secs(1));
}
