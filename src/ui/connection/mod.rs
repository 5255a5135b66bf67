//! The connection UI: the bar (host or a broker URL, port, transport, MQTT version,
//! connect/disconnect and the state in words), the tabs of the open connections, the
//! connections window (saved profiles and the rest of the form) and the window for the TLS
//! and WebSocket options.

mod bar;
mod profile_form;
mod profiles;
mod subscriptions;
mod tabs;
mod transport;

use egui::Ui;

use super::theme;
use crate::mqtt::settings::Field;
use crate::mqtt::{ConnectionState, SettingsError};

pub use bar::connection_bar_ui;
pub use profiles::{connections_window_ui, overwrite_dialog_ui};
pub use tabs::connection_tabs_ui;

/// A dot in the colour of the connection's state: green connected, amber connecting, red
/// failing (retrying), grey idle or stopped.
fn state_dot_ui(ui: &mut Ui, state: &ConnectionState) {
    let dark = ui.visuals().dark_mode;
    let color = match state {
        ConnectionState::Connected => theme::good(dark),
        ConnectionState::Connecting { .. } => theme::warn(dark),
        ConnectionState::Disconnected {
            retry_at: Some(_), ..
        } => theme::error(dark),
        _ => theme::muted(dark),
    };
    let size = egui::vec2(
        theme::STATE_DOT_RADIUS * 2.0 + 1.0,
        theme::STATE_DOT_RADIUS * 2.0 + 1.0,
    );
    let (dot, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    ui.painter()
        .circle_filled(dot.center(), theme::STATE_DOT_RADIUS, color);
}

/// The message of `error` if it is about `field`.
fn field_problem(error: Option<&SettingsError>, field: Field) -> Option<String> {
    error
        .filter(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// A grid row under a field with the field's problem, if it has one.
fn problem_row_ui(ui: &mut Ui, problem: Option<String>) {
    if let Some(e) = problem {
        let dark = ui.visuals().dark_mode;
        ui.label("");
        ui.colored_label(theme::error(dark), e);
        ui.end_row();
    }
}
