//! Keyboard navigation of the tree panel: up and down move the selection, right expands
//! (or enters), left collapses (or goes up), Home and End go to the first and last row,
//! PageUp and PageDown by a view's height, Enter opens or closes a level, Delete asks to
//! clear the retained message (or those below a level), and typing a name's first letters
//! jumps to the next row that starts with them.

use egui::{Key, Ui};

use super::TreeView;
use crate::model::{NodeId, TopicTree};

/// How long typed letters are kept to extend the name being jumped to, in seconds.
const TYPE_AHEAD_S: f64 = 1.0;

/// The keys pressed this frame that move in the tree.
#[derive(Default)]
struct Keys {
    up: bool,
    down: bool,
    left: bool,
    right: bool,
    home: bool,
    end: bool,
    page_up: bool,
    page_down: bool,
    enter: bool,
    delete: bool,
    typed: String,
}

impl Keys {
    fn read(ui: &Ui) -> Self {
        ui.input(|i| {
            let plain = !i.modifiers.command && !i.modifiers.alt && !i.modifiers.ctrl;
            let mut keys = Self {
                up: i.key_pressed(Key::ArrowUp),
                down: i.key_pressed(Key::ArrowDown),
                left: i.key_pressed(Key::ArrowLeft),
                right: i.key_pressed(Key::ArrowRight),
                home: i.key_pressed(Key::Home),
                end: i.key_pressed(Key::End),
                page_up: i.key_pressed(Key::PageUp),
                page_down: i.key_pressed(Key::PageDown),
                enter: i.key_pressed(Key::Enter),
                delete: i.key_pressed(Key::Delete),
                typed: String::new(),
            };
            if plain {
                for event in &i.events {
                    if let egui::Event::Text(text) = event {
                        // `?` opens the shortcuts; a space is no name's start.
                        keys.typed
                            .extend(text.chars().filter(|c| *c != '?' && !c.is_whitespace()));
                    }
                }
            }
            keys
        })
    }

    fn any(&self) -> bool {
        self.up
            || self.down
            || self.left
            || self.right
            || self.home
            || self.end
            || self.page_up
            || self.page_down
            || self.enter
            || self.delete
            || !self.typed.is_empty()
    }
}

impl TreeView {
    /// The tree's keys (see the module's comment); none while a text field has the keyboard.
    pub(super) fn handle_keys(&mut self, ui: &Ui, tree: &TopicTree) {
        if ui.ctx().egui_wants_keyboard_input() || self.rows.is_empty() {
            return;
        }
        let keys = Keys::read(ui);
        if !keys.any() || self.confirm_clear.is_some() {
            return;
        }
        let pos = self
            .selected
            .and_then(|s| self.rows.iter().position(|r| r.id == s));
        if !keys.typed.is_empty() {
            let now = ui.input(|i| i.time);
            self.type_to_jump(tree, &keys.typed, pos, now);
            return;
        }
        let last = self.rows.len() - 1;
        let Some(pos) = pos else {
            self.selected = Some(self.rows[if keys.end { last } else { 0 }].id);
            self.scroll_to_selected = true;
            return;
        };
        let page = self.page_rows.max(1);
        let id = self.rows[pos].id;
        let has_children = !tree.node(id).children().is_empty();
        let filtering = self.filtering();
        let go = |to: usize| self.rows[to.min(last)].id;
        let next = if keys.home {
            Some(go(0))
        } else if keys.end {
            Some(go(last))
        } else if keys.page_up {
            Some(go(pos.saturating_sub(page)))
        } else if keys.page_down {
            Some(go(pos + page))
        } else if keys.up && pos > 0 {
            Some(go(pos - 1))
        } else if keys.down && pos < last {
            Some(go(pos + 1))
        } else {
            None
        };
        if let Some(next) = next {
            self.selected = Some(next);
        } else if keys.delete {
            self.ask_clear(tree, id, has_children);
        } else if keys.enter && has_children && !filtering {
            let open = self.is_expanded(id);
            self.set_expanded(id, !open);
        } else if keys.right && has_children {
            if self.is_expanded(id) || filtering {
                if let Some(next) = self.rows.get(pos + 1) {
                    self.selected = Some(next.id);
                }
            } else {
                self.set_expanded(id, true);
            }
        } else if keys.left {
            if self.is_expanded(id) && !filtering {
                self.set_expanded(id, false);
            } else if tree.node(id).parent() != NodeId::ROOT {
                self.selected = Some(tree.node(id).parent());
            }
        }
        self.scroll_to_selected = true;
    }

    /// Selects the next row (from the selected one, wrapping) whose name starts with what
    /// was typed within [`TYPE_AHEAD_S`], case aside; the selected row itself while the
    /// name being typed still fits it.
    fn type_to_jump(&mut self, tree: &TopicTree, typed: &str, pos: Option<usize>, now: f64) {
        let (prefix, at) = &mut self.type_ahead;
        if now - *at > TYPE_AHEAD_S || now < *at {
            prefix.clear();
        }
        *at = now;
        prefix.push_str(&typed.to_lowercase());
        let prefix = prefix.clone();
        let starts = |index: usize| {
            tree.node(self.rows[index].id)
                .name()
                .to_lowercase()
                .starts_with(&prefix)
        };
        let n = self.rows.len();
        let from = pos.unwrap_or(0);
        // Still typing the selected row's name: it stays; else the next one that fits.
        let first = if prefix.chars().count() > 1 { 0 } else { 1 };
        if let Some(found) = (first..n + first)
            .map(|k| (from + k) % n)
            .find(|&index| starts(index))
        {
            self.selected = Some(self.rows[found].id);
            self.scroll_to_selected = true;
        }
    }
}
