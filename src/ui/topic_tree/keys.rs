//! Keyboard navigation of the tree panel: up and down move the selection, right expands
//! (or enters), left collapses (or goes up).

use egui::{Key, Ui};

use super::TreeView;
use crate::model::{NodeId, TopicTree};

impl TreeView {
    /// Arrow keys: up/down move, right expands (or enters), left collapses (or goes up).
    pub(super) fn handle_keys(&mut self, ui: &Ui, tree: &TopicTree) {
        if ui.ctx().egui_wants_keyboard_input() || self.rows.is_empty() {
            return;
        }
        let (up, down, left, right) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::ArrowRight),
            )
        });
        if !(up || down || left || right) {
            return;
        }
        let pos = self
            .selected
            .and_then(|s| self.rows.iter().position(|r| r.id == s));
        let filtering = self.filtering();
        let Some(pos) = pos else {
            self.selected = Some(self.rows[0].id);
            self.scroll_to_selected = true;
            return;
        };
        let id = self.rows[pos].id;
        let has_children = !tree.node(id).children().is_empty();
        if up && pos > 0 {
            self.selected = Some(self.rows[pos - 1].id);
        } else if down && pos + 1 < self.rows.len() {
            self.selected = Some(self.rows[pos + 1].id);
        } else if right && has_children {
            if self.is_expanded(id) || filtering {
                if let Some(next) = self.rows.get(pos + 1) {
                    self.selected = Some(next.id);
                }
            } else {
                self.set_expanded(id, true);
            }
        } else if left {
            if self.is_expanded(id) && !filtering {
                self.set_expanded(id, false);
            } else if tree.node(id).parent() != NodeId::ROOT {
                self.selected = Some(tree.node(id).parent());
            }
        }
        self.scroll_to_selected = true;
    }
}
