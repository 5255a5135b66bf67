//! Commands the UI emits while drawing, applied once the frame is drawn.

use crate::mqtt::ConnectionSettings;

/// Something the user asked for that changes more than view state.
#[derive(Debug)]
#[must_use]
pub enum AppCommand {
    Connect(Box<ConnectionSettings>),
    Disconnect,
}
