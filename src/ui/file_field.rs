//! A path field with a **Browse…** button beside it: the button asks the app for a file
//! dialog (the system's, through the XDG desktop portal on Linux, run off the UI thread),
//! and the path picked comes back into the field. The field stays a plain text field, for
//! typing a path, for headless use and tests, and when no dialog service answers.
//!
//! The asks and answers pass through egui's memory, so the widget needs no more than the
//! text it edits: the app takes the asks after the frame ([`take_asks`]) and hands each
//! answer back ([`answer`]) for the field to take on its next frame.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::{Id, Ui};

use super::theme;

/// What a field holds: the dialog's filter, and the folder it remembers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// CSV exports.
    Csv,
    /// Recordings (JSON Lines).
    Recording,
    /// Connection profiles exported or imported (JSON).
    Profiles,
    /// PEM certificates and keys.
    Pem,
    /// Decoder rules files (JSON).
    Rules,
}

impl FileKind {
    /// The name its folder is remembered by.
    pub fn key(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Recording => "recording",
            Self::Profiles => "profiles",
            Self::Pem => "pem",
            Self::Rules => "rules",
        }
    }

    /// The dialog's filter: its name and the extensions it shows.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::Csv => ("CSV", &["csv"]),
            Self::Recording => ("Recordings", &["jsonl", "ndjson", "json"]),
            Self::Profiles | Self::Rules => ("JSON", &["json"]),
            Self::Pem => ("PEM", &["pem", "crt", "cer", "key"]),
        }
    }
}

/// A dialog asked for by a field.
#[derive(Clone, Debug)]
pub struct FileAsk {
    /// The field that asked (its answer goes back to it).
    pub field: Id,
    pub kind: FileKind,
    /// A file to write (the dialog asks before replacing one), else one to read.
    pub save: bool,
    /// What the field holds now: the dialog starts from it.
    pub current: String,
}

/// Asks not yet taken, answers not yet taken, and the field whose dialog is open.
#[derive(Clone, Debug, Default)]
struct Exchange {
    asks: Vec<FileAsk>,
    answers: HashMap<Id, PathBuf>,
    open: Option<Id>,
}

fn exchange_id() -> Id {
    Id::unique("file_field_exchange")
}

fn with_exchange<R>(ctx: &egui::Context, f: impl FnOnce(&mut Exchange) -> R) -> R {
    ctx.data_mut(|d| f(d.get_temp_mut_or_default::<Exchange>(exchange_id())))
}

/// The dialogs fields asked for this frame (the app opens them).
pub fn take_asks(ctx: &egui::Context) -> Vec<FileAsk> {
    with_exchange(ctx, |x| std::mem::take(&mut x.asks))
}

/// A dialog closed: the path picked goes to the field that asked (nothing when cancelled).
pub fn answer(ctx: &egui::Context, field: Id, picked: Option<PathBuf>) {
    with_exchange(ctx, |x| {
        if x.open == Some(field) {
            x.open = None;
        }
        if let Some(path) = picked {
            x.answers.insert(field, path);
        }
    });
    ctx.request_repaint();
}

/// Whether a dialog is open (one at a time).
pub fn dialog_open(ctx: &egui::Context) -> bool {
    with_exchange(ctx, |x| x.open.is_some())
}

/// A path field `text` labelled by `label`, with **Browse…** beside it; `salt` names the
/// field among the others (its answer finds it by it). The response is the text field's,
/// marked changed when a picked path came in.
pub fn path_field_ui(
    ui: &mut Ui,
    text: &mut String,
    (label, salt): (egui::Id, &str),
    (kind, save): (FileKind, bool),
    hint: &str,
) -> egui::Response {
    let field = Id::unique(("path_field", salt));
    let picked = with_exchange(ui.ctx(), |x| x.answers.remove(&field));
    ui.horizontal(|ui| {
        let mut edit = ui
            .add(
                egui::TextEdit::singleline(text)
                    .hint_text(hint)
                    .desired_width(theme::PATH_FIELD_WIDTH - theme::BROWSE_BUTTON_ROOM),
            )
            .labelled_by(label);
        let busy = dialog_open(ui.ctx());
        let browse = ui
            .add_enabled(!busy, egui::Button::new("Browse…"))
            .on_hover_text(if save {
                "Choose where to save, in the system's file dialog"
            } else {
                "Choose the file in the system's file dialog"
            });
        if browse.clicked() {
            let current = text.clone();
            with_exchange(ui.ctx(), |x| {
                x.open = Some(field);
                x.asks.push(FileAsk {
                    field,
                    kind,
                    save,
                    current,
                });
            });
        }
        if let Some(path) = picked {
            *text = path.display().to_string();
            edit.mark_changed();
        }
        edit
    })
    .inner
}
