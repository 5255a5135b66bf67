//! The status bar: rate, totals, history memory against its budget, the history on disk
//! against its own, drops and truncations.

use egui::Ui;

use super::inspector::format_bytes;
use super::theme;
use crate::model::Store;
use crate::status::DiskStatus;

/// Draws one line of counters; problems (drops, truncation, skips) only appear when
/// non-zero. `disk`: the history on disk, when the tab keeps one.
pub fn status_bar_ui(
    ui: &mut Ui,
    store: &Store,
    (dropped, disk): (u64, Option<&DiskStatus>),
    payload_cap: usize,
) {
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
        if let Some(d) = disk {
            ui.separator();
            disk_ui(ui, d);
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

/// The history on disk: its size against its budget, what was skipped, and what is wrong.
fn disk_ui(ui: &mut Ui, d: &DiskStatus) {
    let dark = ui.visuals().dark_mode;
    if d.budget == 0 {
        // Not written here: off (a failure), or read only (another instance writes it).
        let (color, text) = if d.failing {
            (theme::error(dark), "disk history off")
        } else {
            (theme::warn(dark), "disk history read only")
        };
        ui.colored_label(color, text)
            .on_hover_text(d.note.clone().unwrap_or_default());
        return;
    }
    ui.label(format!(
        "disk {} / {}",
        format_bytes(d.file_bytes as usize),
        format_bytes(d.budget as usize)
    ))
    .on_hover_text("History on disk: the oldest messages go first, each topic's latest stays");
    if d.skipped > 0 {
        ui.colored_label(theme::warn(dark), format!("{} not on disk", d.skipped))
            .on_hover_text("Messages the disk could not take in time (shown, not stored)");
    }
    if let Some(note) = &d.note {
        let color = if d.failing {
            theme::error(dark)
        } else {
            theme::warn(dark)
        };
        let short: String = note.chars().take(theme::STATE_INLINE_CHARS).collect();
        let text = if short.len() < note.len() {
            format!("{short}…")
        } else {
            short
        };
        ui.colored_label(color, text).on_hover_text(note);
    }
}
