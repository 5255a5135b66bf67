//! The limits window: history budget, per-topic history, payload cap, frame rate, plot
//! points. Edits go to a draft; they apply when a drag ends or a value is typed, not on
//! every step of a drag (applying a smaller budget trims every tab's history).

use egui::{Response, Ui};

use super::theme;
use crate::status::Limits;

/// Whether an edit of `r` is final: its drag ended, or it changed without a drag (typed,
/// or stepped with the keyboard).
fn applies(r: &Response) -> bool {
    r.drag_stopped() || (r.changed() && !r.dragged())
}

/// A size in MiB, edited as a whole number of MiB.
fn mib_ui(ui: &mut Ui, bytes: &mut usize, range: std::ops::RangeInclusive<u64>) -> Response {
    let mut mib = (*bytes >> 20) as u64;
    let r = ui.add(egui::DragValue::new(&mut mib).range(range).suffix(" MiB"));
    if r.changed() {
        *bytes = (mib as usize) << 20;
    }
    r
}

/// History on disk: on for connections that do not say, its budget and age; whether an
/// edit is final.
fn disk_rows_ui(ui: &mut Ui, disk: &mut crate::status::DiskLimits) -> bool {
    let mut apply = false;
    ui.label("History on disk");
    apply |= ui
        .checkbox(&mut disk.on_by_default, "for connections that do not say")
        .on_hover_text(
            "Each connection can say on or off for itself in the Connections window; the \
             messages go to a database in the data folder, searchable after a restart",
        )
        .changed();
    ui.end_row();
    ui.label("Disk per connection");
    let r = ui.add(
        egui::DragValue::new(&mut disk.budget_mb)
            .range(16..=1_048_576)
            .suffix(" MiB"),
    );
    apply |= applies(&r.on_hover_text("The oldest go first; each topic's latest stays"));
    ui.end_row();
    ui.label("Days kept on disk");
    let r = ui.add(
        egui::DragValue::new(&mut disk.keep_days)
            .range(0..=36_500)
            .custom_formatter(|n, _| match n as u32 {
                0 => "as the disk allows".into(),
                d => format!("{d}"),
            }),
    );
    apply |= applies(&r);
    ui.end_row();
    apply
}

/// Draws the limits from `draft` (edited in place); true when the draft should be applied
/// (the app applies it to every tab).
pub fn settings_ui(ui: &mut Ui, draft: &mut Limits) -> bool {
    let dark = ui.visuals().dark_mode;
    let mut apply = false;
    egui::Grid::new("limits")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("History budget (all topics)");
            apply |= applies(&mib_ui(ui, &mut draft.history.budget_bytes, 16..=65_536));
            ui.end_row();
            ui.label("Messages kept per topic");
            let r =
                ui.add(egui::DragValue::new(&mut draft.history.max_per_topic).range(1..=1_000_000));
            apply |= applies(&r);
            ui.end_row();
            ui.label("History per topic");
            apply |= applies(&mib_ui(ui, &mut draft.history.max_topic_bytes, 1..=65_536));
            ui.end_row();
            ui.label("Payload kept per message");
            apply |= applies(&mib_ui(ui, &mut draft.payload_cap, 1..=256));
            ui.end_row();
            ui.label("Frames per second while data arrives");
            let r = ui
                .add(egui::DragValue::new(&mut draft.data_fps).range(1..=60))
                .on_hover_text(
                    "How often the window redraws when only data changes; clicks and typing \
                     always redraw at once",
                );
            apply |= applies(&r);
            ui.end_row();
            ui.label("Points kept per plotted series");
            let r = ui.add(
                egui::DragValue::new(&mut draft.point_cap)
                    .range(1_000..=10_000_000)
                    .speed(1000),
            );
            apply |= applies(&r);
            ui.end_row();
            apply |= disk_rows_ui(ui, &mut draft.disk);
        });
    ui.colored_label(
        theme::muted(dark),
        "History limits apply when you let go; the payload limit from the next connection on",
    );
    apply
}
