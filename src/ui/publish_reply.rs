//! What comes back to the publish panel: the last publish's outcome (with the topic alias
//! it went by), and "Wait for reply" (MQTT 5 request/response) — the checkbox, and the
//! reply as it stands: waiting, received with its round-trip time, or none in time.

use egui::Ui;

use super::theme;
use crate::mqtt::{Delivered, PublishError};

/// Where a request's reply is.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplyState {
    Waiting {
        topic: String,
    },
    Got {
        topic: String,
        rtt_ms: f64,
        payload: String,
    },
    NoReply {
        topic: String,
        waited_s: u64,
    },
}

/// The checkbox (MQTT 5 only) and the last request's reply.
pub fn reply_ui(ui: &mut Ui, (wait, reply): (&mut bool, &Option<ReplyState>), v5: bool) {
    let dark = ui.visuals().dark_mode;
    if !v5 {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(wait, "Wait for reply").on_hover_text(
            "Send with a response topic (the field's, or mqscope/reply/CLIENT_ID) and fresh \
             correlation data, and show the reply that carries the same",
        );
        match reply {
            Some(ReplyState::Waiting { topic }) => {
                ui.colored_label(
                    theme::warn(dark),
                    format!("waiting for a reply on {topic}…"),
                );
                // The time-out is shown even if nothing else changes.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs(1));
            }
            Some(ReplyState::Got {
                topic,
                rtt_ms,
                payload,
            }) => {
                ui.colored_label(
                    theme::good(dark),
                    format!("reply in {rtt_ms:.1} ms on {topic}:"),
                );
                ui.label(egui::RichText::new(payload).font(theme::mono()));
            }
            Some(ReplyState::NoReply { topic, waited_s }) => {
                ui.colored_label(
                    theme::error(dark),
                    format!("no reply on {topic} within {waited_s} s"),
                );
            }
            None => {}
        }
    });
}

/// The last publish: waiting, its outcome, or why it failed.
pub fn outcome_ui(
    ui: &mut Ui,
    last: &Option<(u64, Option<Result<Delivered, PublishError>>)>,
    alias: Option<u16>,
) {
    let dark = ui.visuals().dark_mode;
    match last {
        Some((_, None)) => {
            ui.colored_label(theme::warn(dark), "publishing…");
        }
        Some((_, Some(Ok(what)))) => {
            let alias = alias.map(|a| format!(" · by topic alias {a}"));
            let text = format!("{what}{}", alias.unwrap_or_default());
            ui.colored_label(theme::good(dark), text);
        }
        Some((_, Some(Err(e)))) => {
            ui.colored_label(theme::error(dark), format!("failed: {e}"));
        }
        None => {}
    }
}
