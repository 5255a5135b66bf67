//! The status bar: rate, totals, history memory against its budget, drops and truncations.

use egui::Ui;

use super::inspector::format_bytes;
use super::theme;
use crate::model::Store;

/// Draws one line of counters; problems (drops, truncation) only appear when non-zero.
pub fn status_bar_ui(ui: &mut Ui, store: &Store, dropped: u64, payload_cap: usize) {
    let dark = ui.visuals().dark_mode;
    let stats = store.stats();
    ui.horizontal(|ui| {
        ui.label(format!("{:.0} msg/s", store.rate()));
        ui.separator();
        ui.label(format!("{} messages", stats.total_messages));
        ui.separator();
        ui.label(format!("{} topics", store.tree().topic_count()));
        ui.separator();
        ui.label(format!(
            "history {} / {}",
            format_bytes(store.history_bytes()),
            format_bytes(store.limits().budget_bytes)
        ))
        .on_hover_text(format!(
            "{} messages kept; {} older ones removed to stay inside the limits",
            store.history_entries(),
            stats.evicted
        ));
        let plots = store.plots();
        if !plots.is_empty() {
            ui.separator();
            ui.label(format!(
                "plots {} points, {}",
                plots.total_points(),
                format_bytes(plots.bytes())
            ))
            .on_hover_text(format!(
                "{} series; each keeps at most {} points (oldest go first)",
                plots.len(),
                plots.cap
            ));
        }
        if dropped > 0 {
            ui.separator();
            ui.colored_label(theme::error(dark), format!("{dropped} dropped"))
                .on_hover_text("Messages received faster than the window could take them");
        }
        if stats.truncated > 0 {
            ui.separator();
            ui.colored_label(theme::warn(dark), format!("{} truncated", stats.truncated))
                .on_hover_text(format!(
                    "Payloads over {} were cut",
                    format_bytes(payload_cap)
                ));
        }
    });
}
