//! The command palette (Ctrl+K, Ctrl+Shift+P): every action in a list that narrows as you
//! type (letters in order, word starts first), each with its shortcut; arrows move, Enter
//! runs, Escape or a click outside closes.

use egui::{Key, Modifiers};

use super::actions::{self, Action};
use super::theme;

/// The palette while it is open.
#[derive(Debug, Default)]
pub struct PaletteState {
    pub open: bool,
    query: String,
    selected: usize,
    focus: bool,
}

impl PaletteState {
    /// Opens it empty, with the keyboard in its field.
    pub fn show(&mut self) {
        *self = Self {
            open: true,
            focus: true,
            ..Self::default()
        };
    }
}

/// Draws the palette when open; the action chosen, if one was. `enabled` says which
/// actions can run now (the others are listed, greyed).
pub fn palette_ui(
    ctx: &egui::Context,
    state: &mut PaletteState,
    enabled: &dyn Fn(Action) -> bool,
) -> Option<Action> {
    if !state.open {
        return None;
    }
    let found = actions::matching(&state.query);
    let runnable: Vec<usize> = (0..found.len())
        .filter(|&k| enabled(found[k].action))
        .collect();
    let (up, down, enter) = ctx.input_mut(|i| {
        (
            i.consume_key(Modifiers::NONE, Key::ArrowUp),
            i.consume_key(Modifiers::NONE, Key::ArrowDown),
            i.consume_key(Modifiers::NONE, Key::Enter),
        )
    });
    let mut at = runnable
        .iter()
        .position(|&k| k == state.selected)
        .unwrap_or(0);
    if up {
        at = at.saturating_sub(1);
    }
    if down && at + 1 < runnable.len() {
        at += 1;
    }
    state.selected = runnable.get(at).copied().unwrap_or(0);
    let mut chosen = enter
        .then(|| runnable.get(at).map(|&k| found[k].action))
        .flatten();
    let area = egui::Modal::default_area(egui::Id::unique("command_palette")).anchor(
        egui::Align2::CENTER_TOP,
        egui::vec2(0.0, theme::GROUP_GAP * 6.0),
    );
    let modal = egui::Modal::new(egui::Id::unique("command_palette"))
        .area(area)
        .show(ctx, |ui| {
            ui.set_width(theme::PALETTE_WIDTH);
            let label = ui.label("Command palette");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut state.query)
                        .hint_text("Type an action: publish, plot, theme…")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut state.focus) || !field.has_focus() {
                field.request_focus();
            }
            if field.changed() {
                state.selected = runnable.first().copied().unwrap_or(0);
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(theme::PALETTE_LIST_HEIGHT)
                .show(ui, |ui| {
                    if found.is_empty() {
                        ui.weak("No action fits");
                    }
                    for (k, a) in found.iter().enumerate() {
                        let shortcut = actions::shortcut_text(ctx, a.action);
                        let button = egui::Button::selectable(k == state.selected, a.name)
                            .shortcut_text(shortcut)
                            .min_size(egui::vec2(ui.available_width(), theme::ROW_HEIGHT));
                        let row = ui.add_enabled(enabled(a.action), button);
                        if (up || down) && k == state.selected {
                            row.scroll_to_me(None);
                        }
                        if row.clicked() {
                            chosen = Some(a.action);
                        }
                    }
                });
        });
    if chosen.is_some() || modal.should_close() {
        state.open = false;
    }
    chosen
}
