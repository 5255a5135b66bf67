//! The record and replay window: record what arrives to a JSON Lines file, replay a
//! recording into the connected broker; plus the "REC" indicator for the top bar.

use std::path::PathBuf;

use egui::Ui;

use super::theme;
use crate::command::{Commands, TabCommand};
use crate::model::recording::summary;
use crate::model::topic_path::validate_filter;
use crate::model::units::{format_bytes, thousands};
use crate::status::{RecordStatus, ReplayStatus};

/// Replay paces offered.
const SPEEDS: [(Option<f64>, &str); 5] = [
    (Some(1.0), "as recorded"),
    (Some(2.0), "2×"),
    (Some(10.0), "10×"),
    (Some(100.0), "100×"),
    (None, "as fast as possible"),
];

/// The window's fields.
#[derive(Debug)]
pub struct RecordForm {
    /// File to record to.
    pub path: String,
    /// The file of the recording that ended last.
    pub last_path: Option<String>,
    /// MQTT filter of what to record; empty records everything.
    pub filter: String,
    /// File to replay.
    pub replay_path: String,
    /// Index into the offered paces.
    pub speed: usize,
}

impl RecordForm {
    /// Fields for recordings kept in `dir` (empty: the working folder).
    pub fn new(dir: PathBuf) -> Self {
        Self {
            path: fresh_path(&dir),
            last_path: None,
            filter: String::new(),
            replay_path: String::new(),
            speed: 0,
        }
    }

    /// A recording to `path` ended: the next one goes to a new file in the same folder.
    pub fn recorded(&mut self, path: &std::path::Path) {
        self.last_path = Some(path.display().to_string());
        if self.path.trim() == path.display().to_string() {
            self.path = fresh_path(path.parent().unwrap_or(std::path::Path::new("")));
        }
    }
}

/// `mqscope-<date>-<time>.jsonl` in `dir`.
fn fresh_path(dir: &std::path::Path) -> String {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    dir.join(format!("mqscope-{stamp}.jsonl"))
        .display()
        .to_string()
}

/// "● REC 1,234 · 56.1 KiB" and a Stop button while recording; "Replay 45%" while
/// replaying.
pub fn record_indicator_ui(
    ui: &mut Ui,
    recorder: Option<&RecordStatus>,
    replay: Option<&ReplayStatus>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    if let Some(r) = recorder.filter(|r| r.recording) {
        recording_dot_ui(ui);
        ui.colored_label(
            theme::error(dark),
            format!(
                "REC {} · {}",
                thousands(r.messages),
                format_bytes(usize::try_from(r.bytes).unwrap_or(usize::MAX))
            ),
        )
        .on_hover_text(format!("Recording to {}", r.path.display()));
        if ui.small_button("Stop recording").clicked() {
            commands.tab(TabCommand::StopRecording);
        }
    }
    if let Some(run) = replay.filter(|r| !r.progress.finished) {
        ui.colored_label(
            theme::good(dark),
            format!("Replaying {:.0}%", run.progress.fraction * 100.0),
        )
        .on_hover_text(format!("Replaying {}", run.path.display()));
        if ui.small_button("Stop replay").clicked() {
            commands.tab(TabCommand::StopReplay);
        }
    }
}

/// A red dot, painted (the default fonts have no "●").
fn recording_dot_ui(ui: &mut Ui) {
    let dark = ui.visuals().dark_mode;
    let size = egui::vec2(theme::REC_DOT_RADIUS * 2.0, theme::REC_DOT_RADIUS * 2.0);
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    ui.painter()
        .circle_filled(rect.center(), theme::REC_DOT_RADIUS, theme::error(dark));
}

/// The window itself.
#[allow(clippy::too_many_arguments)]
pub fn record_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    form: &mut RecordForm,
    recorder: Option<&RecordStatus>,
    last_recording: Option<&Result<String, String>>,
    replay: Option<&ReplayStatus>,
    connected: bool,
    commands: &mut Commands,
) {
    egui::Window::new("Record and replay")
        .open(open)
        .default_pos(theme::WINDOW_POS)
        .min_width(theme::OPTIONS_WINDOW_WIDTH)
        .resizable(false)
        .show(ctx, |ui| {
            record_section_ui(ui, form, recorder, last_recording, commands);
            ui.separator();
            replay_section_ui(ui, form, replay, connected, commands);
        });
    if recorder.is_some() || replay.is_some_and(|r| !r.progress.finished) {
        ctx.request_repaint_after(std::time::Duration::from_millis(250));
    }
}

fn record_section_ui(
    ui: &mut Ui,
    form: &mut RecordForm,
    recorder: Option<&RecordStatus>,
    last_recording: Option<&Result<String, String>>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.heading("Record");
    ui.label("Every message received (or those matching a filter), one JSON line each");
    let recording = recorder.is_some_and(|r| r.recording);
    let filter_problem = {
        let f = form.filter.trim();
        (!f.is_empty()).then(|| validate_filter(f).err()).flatten()
    };
    egui::Grid::new("record_fields")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Record to");
            ui.add_enabled_ui(!recording, |ui| {
                crate::ui::file_field::path_field_ui(
                    ui,
                    &mut form.path,
                    (label.id, "record_to"),
                    (crate::ui::file_field::FileKind::Recording, true),
                    "recording.jsonl",
                );
            });
            ui.end_row();
            let label = ui.label("Only topics");
            ui.add_enabled(
                !recording,
                egui::TextEdit::singleline(&mut form.filter)
                    .hint_text("everything; or e.g. sensors/#")
                    .desired_width(theme::PATH_FIELD_WIDTH),
            )
            .labelled_by(label.id);
            ui.end_row();
        });
    if let Some(p) = &filter_problem {
        ui.colored_label(theme::error(dark), p);
    }
    ui.horizontal(|ui| {
        if recording {
            if ui.button("Stop recording").clicked() {
                commands.tab(TabCommand::StopRecording);
            }
        } else {
            let can = filter_problem.is_none() && !form.path.trim().is_empty();
            if ui
                .add_enabled(can, egui::Button::new("Start recording"))
                .clicked()
            {
                commands.tab(TabCommand::StartRecording {
                    path: PathBuf::from(form.path.trim()),
                    filter: form.filter.trim().to_string(),
                });
            }
        }
    });
    if let Some(r) = recorder {
        ui.colored_label(
            theme::error(dark),
            format!(
                "{} {}{}",
                if r.recording {
                    "Recording:"
                } else {
                    "Finishing:"
                },
                summary(r.messages, r.bytes, r.seconds),
                if r.dropped > 0 {
                    format!(", {} not recorded (disk too slow)", thousands(r.dropped))
                } else {
                    String::new()
                }
            ),
        );
    } else {
        match last_recording {
            Some(Ok(s)) => {
                ui.colored_label(theme::good(dark), s);
                if let Some(last) = &form.last_path
                    && ui.small_button("Replay this file").clicked()
                {
                    form.replay_path = last.clone();
                }
            }
            Some(Err(e)) => {
                ui.colored_label(theme::error(dark), e);
            }
            None => {}
        }
    }
}

fn replay_section_ui(
    ui: &mut Ui,
    form: &mut RecordForm,
    replay: Option<&ReplayStatus>,
    connected: bool,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.heading("Replay");
    ui.label("Publish a recording to the connected broker");
    let running = replay.is_some_and(|r| !r.progress.finished);
    egui::Grid::new("replay_fields")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Recording");
            ui.add_enabled_ui(!running, |ui| {
                crate::ui::file_field::path_field_ui(
                    ui,
                    &mut form.replay_path,
                    (label.id, "replay_from"),
                    (crate::ui::file_field::FileKind::Recording, false),
                    "recording.jsonl",
                );
            });
            ui.end_row();
            let label = ui.label("Pace");
            ui.add_enabled_ui(!running, |ui| {
                egui::ComboBox::from_id_salt("replay_speed")
                    .selected_text(SPEEDS.get(form.speed).map_or("", |s| s.1))
                    .show_ui(ui, |ui| {
                        for (i, (_, label)) in SPEEDS.iter().enumerate() {
                            ui.selectable_value(&mut form.speed, i, *label);
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            ui.end_row();
        });
    ui.horizontal(|ui| {
        if running {
            if ui.button("Stop replay").clicked() {
                commands.tab(TabCommand::StopReplay);
            }
        } else {
            let can = connected && !form.replay_path.trim().is_empty();
            let button = ui
                .add_enabled(can, egui::Button::new("Start replay"))
                .on_disabled_hover_text(if connected {
                    "Name a recording file"
                } else {
                    "Connect to a broker first"
                });
            if button.clicked() {
                commands.tab(TabCommand::StartReplay {
                    path: PathBuf::from(form.replay_path.trim()),
                    speed: SPEEDS.get(form.speed).and_then(|s| s.0),
                });
            }
        }
    });
    let Some(run) = replay else { return };
    let p = &run.progress;
    ui.add(egui::ProgressBar::new(p.fraction).text(format!(
        "{:.0}% of the file · {}",
        p.fraction * 100.0,
        summary(p.sent, p.bytes, p.seconds)
    )));
    if p.system_skipped > 0 {
        ui.colored_label(
            theme::muted(dark),
            format!(
                "{} messages of $ topics left out (the broker's own; clients may not publish them)",
                thousands(p.system_skipped)
            ),
        );
    }
    if let Some(problem) = &p.first_problem {
        ui.colored_label(
            theme::warn(dark),
            format!("{} unreadable lines skipped; first: {problem}", p.skipped),
        );
    }
    if p.refused > 0 {
        ui.colored_label(
            theme::warn(dark),
            format!(
                "{} messages refused by the broker or lost",
                thousands(p.refused)
            ),
        );
    }
    match (&p.error, p.finished) {
        (Some(e), _) => {
            ui.colored_label(theme::error(dark), format!("Replay stopped: {e}"));
        }
        (None, true) => {
            ui.colored_label(
                theme::good(dark),
                format!("Replayed {}", summary(p.sent, p.bytes, p.seconds)),
            );
        }
        (None, false) => {}
    }
}
