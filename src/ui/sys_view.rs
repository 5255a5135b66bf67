//! The "Broker statistics" window: the broker's `$SYS` figures in plain words (version,
//! uptime, clients, message rates, retained messages, subscriptions), each with a sparkline.

use egui::{Sense, Ui, vec2};

use super::theme;
use crate::model::sys_stats::SysStats;

/// The window; `open` is its toggle.
pub fn sys_window_ui(ctx: &egui::Context, open: &mut bool, stats: &SysStats) {
    egui::Window::new("Broker statistics")
        .open(open)
        .default_pos(theme::WINDOW_POS)
        .resizable(false)
        .show(ctx, |ui| sys_ui(ui, stats));
}

fn sys_ui(ui: &mut Ui, stats: &SysStats) {
    let dark = ui.visuals().dark_mode;
    if stats.is_empty() {
        ui.label("No $SYS statistics received yet.");
        ui.colored_label(
            theme::muted(dark),
            "Brokers that publish them (Mosquitto, the local broker) send them every few \
             seconds to clients subscribed to $SYS/# (the default subscriptions include it).",
        );
        return;
    }
    ui.colored_label(
        theme::muted(dark),
        format!("From the broker's $SYS topics ({})", stats.broker()),
    );
    egui::Grid::new("sys_stats")
        .num_columns(3)
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for row in stats.rows() {
                ui.colored_label(theme::muted(dark), row.label)
                    .on_hover_text(row.source);
                ui.label(egui::RichText::new(&row.value).font(theme::mono()));
                sparkline_ui(ui, row.history);
                ui.end_row();
            }
        });
    let missing = stats.missing();
    if !missing.is_empty() {
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!(
                    "Not reported by this broker: {}",
                    missing.join(", ").to_lowercase()
                ))
                .color(theme::muted(dark)),
            )
            .wrap(),
        );
    }
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_secs(1));
}

/// A small line of `points` (time, value), scaled to its own range; nothing for fewer
/// than two points.
fn sparkline_ui(ui: &mut Ui, points: &[(f64, f64)]) {
    let (rect, _) = ui.allocate_exact_size(
        vec2(theme::SPARKLINE_WIDTH, theme::SPARKLINE_HEIGHT),
        Sense::hover(),
    );
    if points.len() < 2 {
        return;
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, v)| {
            (lo.min(v), hi.max(v))
        });
    let span_t = (t1 - t0).max(1e-9);
    let span_v = hi - lo;
    let line: Vec<egui::Pos2> = points
        .iter()
        .map(|&(t, v)| {
            let x = rect.left() + ((t - t0) / span_t) as f32 * rect.width();
            // A flat line sits in the middle.
            let y = if span_v > 0.0 {
                rect.bottom() - ((v - lo) / span_v) as f32 * rect.height()
            } else {
                rect.center().y
            };
            egui::pos2(x, y)
        })
        .collect();
    let dark = ui.visuals().dark_mode;
    ui.painter().add(egui::Shape::line(
        line,
        egui::Stroke::new(theme::SPARKLINE_STROKE, theme::series_color(dark, 0)),
    ));
}
