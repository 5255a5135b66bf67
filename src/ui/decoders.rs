//! The "Decoders" window: the connection's ordered topic filter → decoder rules, each with
//! whether it works (or why not, in words), to add, edit, reorder and remove.

use egui::Ui;

use super::theme;
use crate::command::{Commands, TabCommand};
use crate::model::decode::rules::{DecoderRule, RuleStatus};
use crate::model::decode::spec::FORMATS;

/// What the user asked of one rule this frame.
enum Action {
    Up(usize),
    Down(usize),
    Remove(usize),
}

/// The window; `open` is its toggle, `rules` the tab's (its connection form's) rules,
/// edited in place (the tab gives the worker the new rules when they change). `profile`
/// names the profile they are saved with.
/// `file` is the rules file path as typed, and what its last export or import did.
pub fn decoders_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    (rules, profile, status): (&mut Vec<DecoderRule>, Option<&str>, &[RuleStatus]),
    (file, file_result): (&mut String, Option<&Result<String, String>>),
    commands: &mut Commands,
) {
    egui::Window::new("Decoders")
        .open(open)
        .default_pos(theme::SIDE_WINDOW_POS)
        .default_width(theme::OPTIONS_WINDOW_WIDTH)
        .show(ctx, |ui| {
            decoders_ui(ui, rules, profile, status);
            ui.separator();
            rules_file_ui(ui, file, file_result, commands);
        });
}

/// A rules file to export the rules to, or import rules from (what `mqscope sub
/// --decoders FILE` reads).
fn rules_file_ui(
    ui: &mut Ui,
    file: &mut String,
    result: Option<&Result<String, String>>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Rules file");
        crate::ui::file_field::path_field_ui(
            ui,
            file,
            (label.id, "rules_file"),
            (crate::ui::file_field::FileKind::Rules, false),
            "/path/to/rules.json",
        )
        .on_hover_text("A JSON list of rules; mqscope sub --decoders FILE reads it too");
        let path = file.trim();
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Export rules"))
            .on_hover_text("Write these rules to the file")
            .clicked()
        {
            commands.tab(TabCommand::ExportDecoders(path.into()));
        }
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Import rules"))
            .on_hover_text("Add the file's rules after these (ones already here are skipped)")
            .clicked()
        {
            commands.tab(TabCommand::ImportDecoders(path.into()));
        }
    });
    match result {
        Some(Ok(note)) => {
            ui.colored_label(theme::good(dark), note);
        }
        Some(Err(why)) => {
            ui.colored_label(theme::error(dark), why);
        }
        None => {}
    }
}

/// The rules, their status (`status`: what compiling the rules that read files found) and
/// the buttons.
pub fn decoders_ui(
    ui: &mut Ui,
    rules: &mut Vec<DecoderRule>,
    profile: Option<&str>,
    status: &[RuleStatus],
) {
    let dark = ui.visuals().dark_mode;
    ui.add(
        egui::Label::new(
            egui::RichText::new(
                "Each message is decoded as it arrives by the first rule whose topic filter \
                 matches it; Sparkplug B under spBv1.0/ is decoded when no rule matches. \
                 The raw payload stays: Text and Hex always show it.",
            )
            .color(theme::muted(dark)),
        )
        .wrap(),
    );
    ui.colored_label(
        theme::muted(dark),
        match profile {
            Some(name) => format!("Saved with the profile {name:?} when it is saved"),
            None => "Saved with a profile: save the connection as one (Connections…)".into(),
        },
    );
    ui.add_space(theme::GROUP_GAP);
    let mut action = None;
    let last = rules.len().saturating_sub(1);
    egui::ScrollArea::vertical()
        .id_salt("decoder_rules")
        .auto_shrink([false, true])
        .max_height(theme::DECODER_RULES_HEIGHT)
        .show(ui, |ui| {
            for (i, rule) in rules.iter_mut().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(format!("{}.", i + 1));
                    let label = ui.label("Topic filter");
                    ui.add(
                        egui::TextEdit::singleline(&mut rule.filter)
                            .hint_text("plant/+/raw")
                            .desired_width(theme::SUBSCRIPTION_FIELD_WIDTH),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("An MQTT topic filter: + matches one level, # the rest");
                    let label = ui.label("Decoder");
                    ui.add(
                        egui::TextEdit::singleline(&mut rule.decoder)
                            .hint_text("base64+gzip+json")
                            .desired_width(theme::SUBSCRIPTION_FIELD_WIDTH),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(FORMATS);
                    if rule.decoder.contains("protobuf:") || !rule.imports.is_empty() {
                        let label = ui.label("Imports");
                        ui.add(
                            egui::TextEdit::singleline(&mut rule.imports)
                                .hint_text("/path/to/protos")
                                .desired_width(theme::SUBSCRIPTION_FIELD_WIDTH),
                        )
                        .labelled_by(label.id)
                        .on_hover_text(
                            "Folders where the .proto file's imports are found, besides its \
                             own (several joined as in PATH)",
                        );
                    }
                    if ui
                        .add_enabled(i > 0, egui::Button::new("Up").small())
                        .on_hover_text("Try this rule before the one above")
                        .clicked()
                    {
                        action = Some(Action::Up(i));
                    }
                    if ui
                        .add_enabled(i < last, egui::Button::new("Down").small())
                        .on_hover_text("Try this rule after the one below")
                        .clicked()
                    {
                        action = Some(Action::Down(i));
                    }
                    if ui.small_button("Remove").clicked() {
                        action = Some(Action::Remove(i));
                    }
                });
                // A name is checked at once; files (schemas, scripts) once compiled.
                let compiled = || status.iter().find(|(r, _)| r == rule).map(|(_, s)| s);
                let said = match rule.check() {
                    Err(why) => Some(Err(why.to_string())),
                    Ok(spec) if !spec.needs_files() => Some(Ok(spec.describe())),
                    Ok(_) => compiled().cloned(),
                };
                match said {
                    Some(Ok(what)) => ui.colored_label(theme::good(dark), format!("Works: {what}")),
                    Some(Err(why)) => ui.colored_label(theme::error(dark), why),
                    None => ui.colored_label(theme::muted(dark), "Checking…"),
                };
                ui.add_space(theme::LOG_LINE_GAP);
            }
        });
    match action {
        Some(Action::Up(i)) => rules.swap(i - 1, i),
        Some(Action::Down(i)) => rules.swap(i, i + 1),
        Some(Action::Remove(i)) => {
            rules.remove(i);
        }
        None => {}
    }
    if rules.is_empty() {
        ui.colored_label(theme::muted(dark), "No rules yet");
    }
    if ui
        .button("Add rule")
        .on_hover_text("A rule at the end: it decodes what no rule above it matches")
        .clicked()
    {
        rules.push(DecoderRule::new("", "json"));
    }
    ui.add_space(theme::GROUP_GAP);
    ui.add(
        egui::Label::new(
            egui::RichText::new(format!("Decoders: {FORMATS}.")).color(theme::muted(dark)),
        )
        .wrap(),
    );
}
