//! The topic tree panel: filter and sort controls, and the visible rows, drawn with
//! `show_rows`.
//!
//! The flattened list of visible rows is cached. It is rebuilt when the tree gains nodes,
//! a node is expanded or collapsed, or the filter or sort changes; a rebuild that walks a
//! big tree (a filter over a million topics, say) is done a slice per frame under a time
//! budget, showing the previous rows and its progress until it is complete, so no frame
//! freezes. While topics keep arriving, filtered or sorted rows are rebuilt at most a few
//! times a second.

mod clear;
mod controls;
mod flatten;
mod keys;
mod row;
mod sort;

use std::collections::HashSet;

use egui::Ui;

use super::theme;
use crate::model::filter::FilterSpec;
use crate::model::{NodeId, Store, TopicTree};
pub use clear::clear_dialogs_ui;
use controls::controls_ui;
use flatten::{BUILD_BUDGET, Build, Row, Shape};
use row::{RowAction, row_ui};
pub use sort::SortMode;

/// State of the tree panel that survives between frames.
#[derive(Default)]
pub struct TreeView {
    /// The node shown in the inspector.
    pub selected: Option<NodeId>,
    /// What the filter box holds; empty shows everything.
    pub filter: FilterSpec,
    /// Order of each level's children.
    pub sort: SortMode,
    expanded: HashSet<NodeId>,
    /// Bumped on every expand/collapse.
    expansion_version: u64,
    rows: Vec<Row>,
    /// What `rows` were built from, and the tree's version then.
    rows_shape: Option<(Shape, u64)>,
    /// The tree's node count and removal count `rows` follow: nodes created since are
    /// added to the rows one by one, a removal makes them be built again.
    rows_follow: (usize, u64),
    /// Whether `rows` were built with a filter (all shown expanded).
    rows_filtered: bool,
    /// A rebuild in progress.
    build: Option<Build>,
    /// The shape whose filter could not be used (not tried again until it changes).
    failed: Option<Shape>,
    /// Why the filter cannot be used, if it cannot.
    filter_error: Option<String>,
    /// Store clock of the last completed rebuild, and how long it took.
    built_at: f64,
    build_seconds: f64,
    /// Scroll the selected row into view on the next frame (after keyboard moves).
    scroll_to_selected: bool,
    /// Vertical scroll position of the last frame, to tell whether a row is in view.
    scroll_offset: f32,
    /// A retained clean-up waiting for the user's confirmation.
    pub confirm_clear: Option<clear::ClearAsk>,
    /// Give the filter box the keyboard on the next frame (Ctrl+F, the palette).
    pub focus_filter: bool,
    /// Rows that fit in the tree's view (PageUp and PageDown move this many).
    page_rows: usize,
    /// What was typed to jump to a row, and when its last letter came.
    type_ahead: (String, f64),
}

impl std::fmt::Debug for TreeView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeView")
            .field("selected", &self.selected)
            .field("filter", &self.filter)
            .field("sort", &self.sort)
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

impl TreeView {
    pub fn is_expanded(&self, id: NodeId) -> bool {
        self.expanded.contains(&id)
    }

    pub fn set_expanded(&mut self, id: NodeId, expanded: bool) {
        let changed = if expanded {
            self.expanded.insert(id)
        } else {
            self.expanded.remove(&id)
        };
        if changed {
            self.expansion_version += 1;
        }
    }

    /// Expands every level above `id` and selects it.
    pub fn reveal(&mut self, tree: &TopicTree, id: NodeId) {
        let Some(above) = tree.ancestors(id) else {
            return; // removed from the tree
        };
        for at in above {
            self.set_expanded(at, true);
        }
        self.selected = Some(id);
        self.scroll_to_selected = true;
    }

    /// Number of rows currently visible (after the last frame's rebuild).
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Whether a rebuild is still going on (its progress is shown).
    pub fn is_building(&self) -> bool {
        self.build.is_some()
    }

    fn filtering(&self) -> bool {
        self.rows_filtered
    }
}

/// Draws the filter box and the tree; updates selection and expansion.
pub fn tree_ui(ui: &mut Ui, store: &Store, view: &mut TreeView) {
    let dark = ui.visuals().dark_mode;
    // Keep the panel's width while the tree is empty (it would shrink to the hint).
    ui.set_min_width(ui.available_width());
    controls_ui(ui, view);
    view.refresh_rows(store, BUILD_BUDGET);
    let tree = store.tree();
    view.handle_keys(ui, tree);
    if let Some(build) = &view.build {
        build_progress_ui(ui, build, tree);
    }

    if view.rows.is_empty() {
        ui.add_space(theme::GROUP_GAP);
        let text = if tree.is_empty() {
            "No messages yet"
        } else if view.build.is_some() {
            ""
        } else {
            "No topic matches the filter"
        };
        ui.colored_label(theme::muted(dark), text);
        return;
    }
    rows_ui(ui, store, view);
}

/// How far a long walk is; it goes on in the next frames.
fn build_progress_ui(ui: &mut Ui, build: &Build, tree: &TopicTree) {
    let dark = ui.visuals().dark_mode;
    ui.colored_label(
        theme::muted(dark),
        format!(
            "{} {} of {} levels…",
            if build.filter.is_some() {
                "Filtering:"
            } else {
                "Sorting:"
            },
            crate::model::units::thousands(build.visited as u64),
            crate::model::units::thousands(tree.len().saturating_sub(1) as u64),
        ),
    );
    ui.ctx().request_repaint();
}

/// The rows in a scroll area that draws only the visible ones; after a keyboard move the
/// selected row is scrolled into view.
fn rows_ui(ui: &mut Ui, store: &Store, view: &mut TreeView) {
    let tree = store.tree();
    let now = store.now();
    let mut next_glow = f64::INFINITY;
    let mut scroll_to = None;
    if std::mem::take(&mut view.scroll_to_selected) {
        scroll_to = view
            .selected
            .and_then(|s| view.rows.iter().position(|r| r.id == s));
    }
    let filtering = view.rows_filtered;
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        let mut area = egui::ScrollArea::both()
            .auto_shrink([false, false])
            .min_scrolled_height(theme::fitting_height(ui))
            .id_salt("tree");
        if let Some(index) = scroll_to {
            let top = index as f32 * theme::ROW_HEIGHT;
            let visible = ui.available_height();
            let current = view.scroll_offset;
            if top < current || top + theme::ROW_HEIGHT > current + visible {
                area = area.vertical_scroll_offset((top - visible / 2.0).max(0.0));
            }
        }
        let out = area.show_rows(ui, theme::ROW_HEIGHT, view.rows.len(), |ui, range| {
            for index in range {
                let row = view.rows[index];
                let action = row_ui(ui, tree, row, view, filtering, now, &mut next_glow);
                match action {
                    RowAction::None => {}
                    RowAction::Select => view.selected = Some(row.id),
                    RowAction::Clear { below } => {
                        view.ask_clear(tree, row.id, below);
                        ui.ctx().request_repaint(); // the dialog shows at once
                    }
                    RowAction::Toggle => {
                        let open = view.is_expanded(row.id);
                        view.set_expanded(row.id, !open);
                        view.selected = Some(row.id);
                    }
                }
            }
        });
        view.scroll_offset = out.state.clamped_offset().y;
        view.page_rows = ((out.inner_rect.height() / theme::ROW_HEIGHT) as usize).max(1);
    });
    if next_glow.is_finite() {
        // A frame when the glow steps down (or ends), not at animation rate.
        let wait = std::time::Duration::from_secs_f64(next_glow.max(0.01));
        ui.ctx().request_repaint_after(wait);
    }
}
