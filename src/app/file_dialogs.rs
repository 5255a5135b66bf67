//! Opens the file dialogs that path fields ask for ([`crate::ui::file_field`]): the
//! system's dialog on a named thread (the UI thread never waits for it), starting in the
//! folder last used for that kind of file, remembered across runs. When no dialog service
//! answers (no XDG desktop portal, no zenity: a headless machine, a bare window manager),
//! the user is told to type the path into the field instead.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::App;
use super::jobs::JobDone;
use crate::ui::file_field::{self, FileAsk, FileKind};

/// Where picked paths come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FilePicker {
    /// The system's file dialog.
    #[default]
    Native,
    /// None (headless runs): every ask is answered with the advice to type the path.
    Off,
    /// This path, as if the user had picked it (tests of the fields' round trip).
    Fixed(PathBuf),
}

/// A dialog that closes sooner than this with nothing picked never showed: no person
/// cancels that fast.
const NEVER_SHOWN: Duration = Duration::from_millis(300);

/// What the user reads when no dialog could open.
pub const NO_DIALOG: &str = "No file dialog opened (no XDG desktop portal or zenity answered): \
                             type the path into the field instead.";

/// A dialog's result.
#[derive(Debug)]
pub struct Picked {
    pub field: egui::Id,
    pub kind: FileKind,
    pub path: Option<PathBuf>,
    /// Whether it closed too soon, with nothing, to have been shown.
    pub never_shown: bool,
}

impl App {
    /// Opens the dialogs the fields asked for this frame.
    pub(super) fn file_dialogs_step(&mut self, ctx: &egui::Context) {
        for ask in file_field::take_asks(ctx) {
            self.open_dialog(ctx, ask);
        }
    }

    /// The folder a dialog for `kind` starts in: the last one used for it, else the
    /// field's own file's folder.
    pub fn dialog_folder(&self, kind: FileKind, current: &str) -> Option<PathBuf> {
        self.saved
            .last_folders
            .get(kind.key())
            .cloned()
            .or_else(|| {
                Path::new(current.trim())
                    .parent()
                    .filter(|p| p.is_absolute())
                    .map(Path::to_path_buf)
            })
    }

    fn open_dialog(&mut self, ctx: &egui::Context, ask: FileAsk) {
        let folder = self.dialog_folder(ask.kind, &ask.current);
        let (field, kind) = (ask.field, ask.kind);
        let job = match self.file_picker.clone() {
            FilePicker::Off => {
                self.file_picked(
                    ctx,
                    Picked {
                        field,
                        kind,
                        path: None,
                        never_shown: true,
                    },
                );
                return;
            }
            FilePicker::Fixed(path) => Box::new(move || {
                JobDone::FilePicked(Picked {
                    field,
                    kind,
                    path: Some(path),
                    never_shown: false,
                })
            }) as Box<dyn FnOnce() -> JobDone + Send>,
            FilePicker::Native => Box::new(move || {
                let started = Instant::now();
                let path = native_dialog(&ask, folder);
                JobDone::FilePicked(Picked {
                    field,
                    kind,
                    never_shown: path.is_none() && started.elapsed() < NEVER_SHOWN,
                    path,
                })
            }),
        };
        if let Err(e) = self.jobs.spawn("file-dialog", ctx, job) {
            file_field::answer(ctx, field, None);
            self.problems.push(e);
        }
    }

    /// A dialog closed: the field gets its path, the folder is remembered.
    pub(super) fn file_picked(&mut self, ctx: &egui::Context, picked: Picked) {
        if let Some(folder) = picked.path.as_deref().and_then(Path::parent) {
            self.saved
                .last_folders
                .insert(picked.kind.key().to_string(), folder.to_path_buf());
        }
        if picked.never_shown && !self.problems.iter().any(|p| p == NO_DIALOG) {
            self.problems.push(NO_DIALOG.to_string());
        }
        file_field::answer(ctx, picked.field, picked.path);
    }
}

/// The system's dialog, waited for on this (the job's) thread.
fn native_dialog(ask: &FileAsk, folder: Option<PathBuf>) -> Option<PathBuf> {
    let (name, extensions) = ask.kind.filter();
    let mut dialog = rfd::AsyncFileDialog::new()
        .set_title(if ask.save { "Save as" } else { "Open" })
        .add_filter(name, extensions);
    if let Some(folder) = folder {
        dialog = dialog.set_directory(folder);
    }
    if let Some(file) = Path::new(ask.current.trim()).file_name() {
        dialog = dialog.set_file_name(file.to_string_lossy());
    }
    let picked = if ask.save {
        pollster::block_on(dialog.save_file())
    } else {
        pollster::block_on(dialog.pick_file())
    };
    picked.map(|handle| handle.path().to_path_buf())
}
