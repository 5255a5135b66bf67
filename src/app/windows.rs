//! Which windows and panels are open, and the fields of the app-wide windows (view state
//! only: nothing here outlives the run).

use crate::command::TabId;

/// Which windows and panels are open (view state only).
#[derive(Debug, Default)]
pub(super) struct Windows {
    pub(super) broker: bool,
    pub(super) publish: bool,
    pub(super) settings: bool,
    /// The transport options window (TLS files, WebSocket path).
    pub(super) transport: bool,
    pub(super) connections: bool,
    pub(super) sys: bool,
    pub(super) talkers: bool,
    pub(super) record: bool,
    /// The decoder rules window.
    pub(super) decoders: bool,
    /// The Search window (history on disk).
    pub(super) search: bool,
    /// The limits window's values while they are edited (applied when a drag ends).
    pub(super) limits_draft: Option<crate::status::Limits>,
}

/// The Decoders window's rules file, as typed, and what its last export or import did.
#[derive(Debug, Default)]
pub(super) struct RulesFileUi {
    pub(super) path: String,
    pub(super) result: Option<Result<String, String>>,
}

/// The connections window's fields and what its last actions did.
#[derive(Debug, Default)]
pub(super) struct ProfileUi {
    /// A save that would overwrite a saved profile, waiting for the user's answer (the
    /// tab whose form it saves).
    pub(super) overwrite: Option<(TabId, crate::status::OverwriteAsk)>,
    /// File for profile import/export, as typed, and what the last one did.
    pub(super) file: String,
    pub(super) file_result: Option<Result<String, String>>,
    /// What the last keychain call did.
    pub(super) keychain_note: Option<Result<String, String>>,
}
