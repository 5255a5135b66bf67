//! The limits window: history budget, per-topic history, payload cap, plot points.

use egui::Ui;

use super::theme;
use crate::status::Limits;

/// Draws the limits; returns the new ones when something changed (the app applies them
/// to every tab).
pub fn settings_ui(ui: &mut Ui, limits: &Limits) -> Option<Limits> {
    let dark = ui.visuals().dark_mode;
    let mut changed = false;
    let mut edited = *limits;
    let saved = &mut edited;
    let mib = |bytes: usize| (bytes >> 20) as u64;
    egui::Grid::new("limits")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let mut budget = mib(saved.history.budget_bytes);
            ui.label("History budget (all topics)");
            if ui
                .add(
                    egui::DragValue::new(&mut budget)
                        .range(16..=65_536)
                        .suffix(" MiB"),
                )
                .changed()
            {
                saved.history.budget_bytes = (budget as usize) << 20;
                changed = true;
            }
            ui.end_row();
            ui.label("Messages kept per topic");
            changed |= ui
                .add(egui::DragValue::new(&mut saved.history.max_per_topic).range(1..=1_000_000))
                .changed();
            ui.end_row();
            let mut per_topic = mib(saved.history.max_topic_bytes);
            ui.label("History per topic");
            if ui
                .add(
                    egui::DragValue::new(&mut per_topic)
                        .range(1..=65_536)
                        .suffix(" MiB"),
                )
                .changed()
            {
                saved.history.max_topic_bytes = (per_topic as usize) << 20;
                changed = true;
            }
            ui.end_row();
            let mut cap = mib(saved.payload_cap);
            ui.label("Payload kept per message");
            if ui
                .add(egui::DragValue::new(&mut cap).range(1..=256).suffix(" MiB"))
                .changed()
            {
                saved.payload_cap = (cap as usize) << 20;
                changed = true;
            }
            ui.end_row();
            ui.label("Frames per second while data arrives");
            changed |= ui
                .add(egui::DragValue::new(&mut saved.data_fps).range(1..=60))
                .on_hover_text(
                    "How often the window redraws when only data changes; clicks and typing \
                     always redraw at once",
                )
                .changed();
            ui.end_row();
            ui.label("Points kept per plotted series");
            changed |= ui
                .add(
                    egui::DragValue::new(&mut saved.point_cap)
                        .range(1_000..=10_000_000)
                        .speed(1000),
                )
                .changed();
            ui.end_row();
        });
    ui.colored_label(
        theme::muted(dark),
        "History limits apply at once; the payload limit from the next connection on",
    );
    changed.then_some(edited)
}
