//! The CSV export dialog: the file to write (a fresh name in the home folder to start
//! with), Save, and what the last export did.

use super::ChartView;
use super::time_axis::local_time;
use crate::command::{Commands, TabCommand};
use crate::ui::theme;

/// The CSV export dialog.
#[derive(Debug, Default)]
pub struct ExportDialog {
    /// File to write (the user edits it).
    pub path: String,
    /// What the last export did, in words (`Err` for a failure).
    pub status: Option<Result<String, String>>,
    /// An export is being written.
    pub running: bool,
}

impl ExportDialog {
    /// A dialog offering `mqscope-plot-<date>-<time>.csv` in the home folder.
    pub(super) fn fresh(now: f64) -> Self {
        let stamp = local_time(now, "%Y%m%d-%H%M%S");
        let dir = directories::UserDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .unwrap_or_default();
        Self {
            path: dir
                .join(format!("mqscope-plot-{stamp}.csv"))
                .display()
                .to_string(),
            ..Self::default()
        }
    }
}

/// The dialog, while it is open.
pub(super) fn export_dialog_ui(ctx: &egui::Context, view: &mut ChartView, commands: &mut Commands) {
    let Some(dialog) = &mut view.export else {
        return;
    };
    let (x0, x1) = view.visible;
    let mut open = true;
    egui::Window::new("Export CSV")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            ui.label(format!(
                "The visible points ({} to {}) as timestamp_ms, series, value",
                local_time(x0, "%H:%M:%S"),
                local_time(x1, "%H:%M:%S")
            ));
            ui.horizontal(|ui| {
                let label = ui.label("File");
                crate::ui::file_field::path_field_ui(
                    ui,
                    &mut dialog.path,
                    (label.id, "csv_export"),
                    (crate::ui::file_field::FileKind::Csv, true),
                    "plots.csv",
                );
            });
            ui.horizontal(|ui| {
                let can = !dialog.running && !dialog.path.trim().is_empty();
                if ui.add_enabled(can, egui::Button::new("Save")).clicked() {
                    dialog.running = true;
                    dialog.status = None;
                    commands.tab(TabCommand::ExportCsv {
                        path: dialog.path.trim().into(),
                        from: x0,
                        to: x1,
                    });
                }
                if dialog.running {
                    ui.spinner();
                }
            });
            match &dialog.status {
                Some(Ok(done)) => {
                    ui.colored_label(theme::good(dark), done);
                }
                Some(Err(e)) => {
                    ui.colored_label(theme::error(dark), e);
                }
                None => {}
            }
        });
    if !open {
        view.export = None;
    }
}
