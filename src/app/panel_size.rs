//! Resizable panels keep the size the user gave them. egui stores whatever size a panel
//! was last clamped to, so one frame of less room (the first frame after a restart, before
//! the window has its size; a second bottom panel opened) lost the user's choice for good.
//! Here the wished size is kept apart, handed back to egui whenever there is room for it
//! again, and changed only when the user drags the panel's edge.

use egui::containers::panel::PanelState;

/// A panel's size for one frame: made before the panel is shown, told the size it took
/// after.
#[must_use]
pub(super) struct KeptSize {
    /// The size egui is asked for this frame: the wish, within the panel's range.
    expected: f32,
    vertical: bool,
    /// egui's id of the panel, and of its resize handle (`__resize` under it).
    id: egui::Id,
    handle: egui::Id,
}

/// Before showing the panel `salt` in `ui` (whose range is `min..=max`): puts the wished
/// size back into egui's memory when egui holds a clamped one and there is room again.
pub(super) fn keep_size(
    ui: &egui::Ui,
    salt: impl egui::AsIdSalt,
    wish: f32,
    (min, max): (f32, f32),
    vertical: bool,
) -> KeptSize {
    let id = ui.scope_id().with(salt);
    let expected = wish.min(max).max(min);
    if let Some(mut state) = PanelState::load(ui.ctx(), id) {
        let have = size_of(state.outer_rect, vertical);
        if (have - expected).abs() > 0.5 {
            if vertical {
                state.outer_rect.set_height(expected);
            } else {
                state.outer_rect.set_width(expected);
            }
            ui.ctx().data_mut(|d| d.insert_persisted(id, state));
        }
    }
    KeptSize {
        expected,
        vertical,
        id,
        handle: id.with("__resize"),
    }
}

impl KeptSize {
    /// After the panel was shown: the size egui kept for it, when another than the one
    /// asked for while its edge is dragged or let go, is the user's choice, and becomes the
    /// wish (any other difference is egui clamping it to the room there is, or to its
    /// contents). Returns whether the wish changed.
    pub(super) fn taken(self, ui: &egui::Ui, wish: &mut f32) -> bool {
        let Some(state) = PanelState::load(ui.ctx(), self.id) else {
            return false;
        };
        let got = size_of(state.outer_rect, self.vertical);
        let dragging = ui
            .ctx()
            .read_response(self.handle)
            .is_some_and(|r| r.dragged() || r.drag_stopped());
        let changed = dragging && (got - self.expected).abs() > 0.5;
        if changed {
            *wish = got;
        }
        changed
    }
}

fn size_of(rect: egui::Rect, vertical: bool) -> f32 {
    if vertical {
        rect.height()
    } else {
        rect.width()
    }
}
