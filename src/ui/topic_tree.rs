//! The topic tree panel: filter and sort controls, and the visible rows, drawn with
//! `show_rows`.
//!
//! The flattened list of visible rows is cached. It is rebuilt when the tree gains nodes,
//! a node is expanded or collapsed, or the filter or sort changes; a rebuild that walks a
//! big tree (a filter over a million topics, say) is done a slice per frame under a time
//! budget, showing the previous rows and its progress until it is complete, so no frame
//! freezes. While topics keep arriving, filtered or sorted rows are rebuilt at most a few
//! times a second.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use egui::{Key, Rect, Role, Sense, Ui, WidgetInfo, vec2};

use super::theme;
use crate::model::filter::{FilterField, FilterMode, FilterSpec, TopicFilter};
use crate::model::payload::visible_text;
use crate::model::{NodeId, Store, TopicTree};

/// How often (seconds) rows that depend on the filter or the sort are rebuilt while the
/// tree keeps changing; at least twice as long as the last rebuild took, so a walk over a
/// huge tree takes at most half of the frames' budget.
const FILTER_REBUILD_INTERVAL: f64 = 0.5;
/// Longest a frame spends building rows; a bigger walk goes on in the next frame.
const BUILD_BUDGET: Duration = Duration::from_millis(4);

/// The order of a level's children.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SortMode {
    /// By name, numbers by value: `sensor2` before `sensor10`.
    #[default]
    Name,
    /// Most messages first.
    Messages,
    /// Most topics below first.
    Topics,
    /// Most recently updated first.
    Recent,
}

impl SortMode {
    pub const ALL: [Self; 4] = [Self::Name, Self::Messages, Self::Topics, Self::Recent];

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Messages => "messages",
            Self::Topics => "topics below",
            Self::Recent => "recently updated",
        }
    }

    /// `children` of a node in this order (the tree keeps them by name already).
    fn order(self, tree: &TopicTree, children: &[NodeId]) -> Vec<NodeId> {
        let mut out = children.to_vec();
        match self {
            Self::Name => {}
            Self::Messages => out.sort_by_key(|&c| std::cmp::Reverse(tree.node(c).messages())),
            Self::Topics => {
                out.sort_by_key(|&c| std::cmp::Reverse(tree.node(c).topics_below()));
            }
            Self::Recent => out.sort_by(|&a, &b| {
                tree.node(b)
                    .updated_at()
                    .total_cmp(&tree.node(a).updated_at())
            }),
        }
        out
    }
}

/// One visible row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Row {
    id: NodeId,
    depth: usize,
}

/// What the rows depend on besides the tree's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    expansion_version: u64,
    filter: FilterSpec,
    sort: SortMode,
}

/// A walk over the tree that builds rows, a slice at a time.
struct Build {
    shape: Shape,
    tree_version: u64,
    filter: Option<TopicFilter>,
    rows: Vec<Row>,
    stack: Vec<Frame>,
    /// The path of the node on top of the stack (only kept when filtering).
    path: String,
    /// Nodes visited so far.
    visited: usize,
    /// When it started (store clock).
    started: f64,
}

struct Frame {
    /// Children to visit, in display order (a copy: the tree may change between slices).
    children: Vec<NodeId>,
    next: usize,
    row_pos: usize,
    path_len: usize,
    matched: bool,
}

impl Build {
    fn new(tree: &TopicTree, shape: Shape, filter: Option<TopicFilter>, now: f64) -> Self {
        let root = Frame {
            children: shape.sort.order(tree, tree.node(NodeId::ROOT).children()),
            next: 0,
            row_pos: 0,
            path_len: 0,
            matched: false,
        };
        Self {
            shape,
            tree_version: tree.version(),
            filter,
            rows: Vec::new(),
            stack: vec![root],
            path: String::new(),
            visited: 0,
            started: now,
        }
    }

    /// Walks on until done (true) or past `deadline` (false). Nothing recursive, so
    /// 1,000 levels are fine. With a filter, a node's row stays if it matches or a row
    /// below it stayed (all shown expanded); without, rows follow the expanded nodes.
    fn step(&mut self, tree: &TopicTree, expanded: &HashSet<NodeId>, deadline: Instant) -> bool {
        let filtering = self.filter.is_some();
        let mut steps = 0u32;
        while let Some(frame) = self.stack.last_mut() {
            steps += 1;
            if steps.is_multiple_of(64) && Instant::now() > deadline {
                return false;
            }
            let Some(&id) = frame.children.get(frame.next) else {
                // All children done: leave the node.
                let Some(done) = self.stack.pop() else { break };
                if self.stack.is_empty() {
                    break; // the root
                }
                self.path.truncate(done.path_len);
                if filtering && !done.matched && self.rows.len() == done.row_pos + 1 {
                    self.rows.truncate(done.row_pos);
                }
                continue;
            };
            frame.next += 1;
            if tree.is_removed(id) {
                continue;
            }
            self.visited += 1;
            let depth = self.stack.len() - 1;
            let node = tree.node(id);
            let path_len = self.path.len();
            let matched = match &self.filter {
                None => true,
                Some(f) => {
                    if depth > 0 {
                        self.path.push('/');
                    }
                    self.path.push_str(node.name());
                    let payload = if f.reads_payloads() {
                        node.history()
                            .and_then(|h| h.latest())
                            .map(|m| m.payload.bytes())
                    } else {
                        None
                    };
                    f.matches(&self.path, payload)
                }
            };
            let row_pos = self.rows.len();
            self.rows.push(Row { id, depth });
            let open = filtering || expanded.contains(&id);
            if open && !node.children().is_empty() {
                self.stack.push(Frame {
                    children: self.shape.sort.order(tree, node.children()),
                    next: 0,
                    row_pos,
                    path_len,
                    matched,
                });
            } else {
                self.path.truncate(path_len);
                if !matched {
                    self.rows.truncate(row_pos);
                }
            }
        }
        true
    }
}

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
    /// A retained clean-up waiting for the user's confirmation: what was asked for (in
    /// words) and the retained topics it affects.
    pub confirm_clear: Option<(String, Vec<(NodeId, String)>)>,
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

    /// Keeps the rows current: starts a rebuild when what they depend on changed, and
    /// takes the rebuild a step further within `budget`.
    fn refresh_rows(&mut self, store: &Store, budget: Duration) {
        let tree = store.tree();
        let shape = Shape {
            expansion_version: self.expansion_version,
            filter: self.filter.clone(),
            sort: self.sort,
        };
        let building_this = self.build.as_ref().is_some_and(|b| b.shape == shape);
        if self.failed.as_ref() != Some(&shape) {
            self.failed = None;
        }
        if !building_this && self.failed.is_none() {
            let needed = match &self.rows_shape {
                None => true,
                Some((old, _)) if *old != shape => true,
                Some((_, version)) => {
                    // Same shape: only the tree's contents changed.
                    let name_order = shape.sort == SortMode::Name;
                    let changed = *version != tree.version()
                        || !name_order
                        || self.filter.field != FilterField::Topic;
                    let plain = name_order && shape.filter.is_empty();
                    let interval = FILTER_REBUILD_INTERVAL.max(2.0 * self.build_seconds);
                    changed && (plain || store.now() - self.built_at >= interval)
                }
            };
            if needed {
                let filter = match TopicFilter::new(&shape.filter) {
                    Ok(f) => {
                        self.filter_error = None;
                        f
                    }
                    Err(e) => {
                        // Keep showing what was shown; say what is wrong.
                        self.filter_error = Some(e);
                        self.failed = Some(shape);
                        self.build = None;
                        return;
                    }
                };
                self.build = Some(Build::new(tree, shape, filter, store.now()));
            }
        }
        let Some(build) = &mut self.build else { return };
        if build.step(tree, &self.expanded, Instant::now() + budget)
            && let Some(done) = self.build.take()
        {
            self.rows = done.rows;
            self.rows_filtered = done.filter.is_some();
            self.rows_shape = Some((done.shape, done.tree_version));
            self.built_at = store.now();
            self.build_seconds = store.now() - done.started;
        }
    }

    /// Arrow keys: up/down move, right expands (or enters), left collapses (or goes up).
    fn handle_keys(&mut self, ui: &Ui, tree: &TopicTree) {
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

/// The filter and sort controls above the tree.
fn controls_ui(ui: &mut Ui, view: &mut TreeView) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.add(
            egui::TextEdit::singleline(&mut view.filter.text)
                .hint_text(match view.filter.mode {
                    FilterMode::Text => "part of a topic, or a filter: home/+/temperature",
                    FilterMode::Mqtt => "home/+/temperature, zigbee2mqtt/#",
                    FilterMode::Regex => r"^sensors/\d+/temp$",
                })
                .desired_width(ui.available_width() - theme::FILTER_CLEAR_ROOM),
        )
        .labelled_by(label.id);
        if ui
            .add_enabled(!view.filter.text.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            view.filter.text.clear();
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Match");
        egui::ComboBox::from_id_salt("filter_mode")
            .selected_text(view.filter.mode.label())
            .show_ui(ui, |ui| {
                for mode in FilterMode::ALL {
                    ui.selectable_value(&mut view.filter.mode, mode, mode.label());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("in");
        let mqtt = view.filter.mode == FilterMode::Mqtt;
        ui.add_enabled_ui(!mqtt, |ui| {
            egui::ComboBox::from_id_salt("filter_field")
                .selected_text(view.filter.field.label())
                .show_ui(ui, |ui| {
                    for field in FilterField::ALL {
                        ui.selectable_value(&mut view.filter.field, field, field.label());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_disabled_hover_text("An MQTT filter matches topics");
        });
        ui.add_enabled(
            !mqtt,
            egui::Checkbox::new(&mut view.filter.case_sensitive, "Match case"),
        );
        let label = ui.label("Sort by");
        egui::ComboBox::from_id_salt("tree_sort")
            .selected_text(view.sort.label())
            .show_ui(ui, |ui| {
                for sort in SortMode::ALL {
                    ui.selectable_value(&mut view.sort, sort, sort.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if let Some(e) = &view.filter_error {
        ui.colored_label(theme::error(dark), e);
    } else if !view.filter.is_empty()
        && view.filter.mode == FilterMode::Text
        && view.filter.effective_mode() == FilterMode::Mqtt
    {
        ui.colored_label(
            theme::muted(dark),
            "read as an MQTT filter: + matches one level, # the rest; exact case",
        );
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
        // A long walk goes on in the next frames; say how far it is.
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

    let now = store.now();
    let mut flashing = false;
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
                let action = row_ui(ui, tree, row, view, filtering, now, &mut flashing);
                match action {
                    RowAction::None => {}
                    RowAction::Select => view.selected = Some(row.id),
                    RowAction::Clear { below } => {
                        let Some(path) = tree.path(row.id) else {
                            continue; // removed since the rows were built
                        };
                        let topics = if below {
                            tree.retained_below(row.id)
                        } else {
                            vec![(row.id, path.clone())]
                        };
                        let what = if below { format!("below {path}") } else { path };
                        view.confirm_clear = Some((what, topics));
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
    });
    if flashing {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
    }
}

enum RowAction {
    None,
    Select,
    Toggle,
    /// Clear the row's retained message, or (`below`) every retained one under it.
    Clear {
        below: bool,
    },
}

/// The confirmation of a retained clean-up, and its progress once running.
pub fn clear_dialogs_ui(
    ctx: &egui::Context,
    view: &mut TreeView,
    run: Option<&crate::app::ClearRun>,
    commands: &mut Vec<crate::app::AppCommand>,
) {
    use crate::app::AppCommand;
    if let Some((what, topics)) = &view.confirm_clear {
        let mut decided = None;
        egui::Modal::new(egui::Id::unique("confirm_clear")).show(ctx, |ui| {
            ui.heading("Clear retained messages");
            let n = topics.len();
            ui.label(match n {
                0 => format!("No retained topic {what}"),
                1 => format!("Clear 1 retained message ({what})?"),
                n => format!("Clear {n} retained messages {what}?"),
            });
            ui.label("The broker forgets them; topics with nothing else leave the tree");
            ui.horizontal(|ui| {
                if ui.add_enabled(n > 0, egui::Button::new("Clear")).clicked() {
                    decided = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    decided = Some(false);
                }
            });
        });
        match decided {
            Some(true) => {
                if let Some((_, topics)) = view.confirm_clear.take() {
                    commands.push(AppCommand::ClearRetained(topics));
                }
            }
            Some(false) => view.confirm_clear = None,
            None => {}
        }
    }
    let Some(run) = run else { return };
    if run.finished && run.seconds.is_some_and(|s| s > 0.0) && run.started.elapsed().as_secs() > 5 {
        return; // the result stays visible for a few seconds
    }
    egui::Window::new("Retained clean-up")
        .resizable(false)
        .collapsible(false)
        .anchor(egui::Align2::RIGHT_BOTTOM, [-16.0, -40.0])
        .show(ctx, |ui| {
            ui.add(
                egui::ProgressBar::new(run.done as f32 / run.total.max(1) as f32)
                    .text(format!("{} of {} cleared", run.done, run.total)),
            );
            match (run.finished, run.seconds) {
                (true, Some(s)) => {
                    ui.label(format!("Done in {s:.1} s"));
                }
                _ => {
                    if ui.button("Cancel").clicked() {
                        commands.push(AppCommand::CancelClear);
                    }
                    ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
            }
        });
}

/// A small filled triangle: pointing right when collapsed, down when expanded.
fn disclosure_arrow(painter: &egui::Painter, c: egui::Pos2, expanded: bool, color: egui::Color32) {
    let r = 4.0;
    let points = if expanded {
        vec![
            egui::pos2(c.x - r, c.y - r * 0.6),
            egui::pos2(c.x + r, c.y - r * 0.6),
            egui::pos2(c.x, c.y + r * 0.7),
        ]
    } else {
        vec![
            egui::pos2(c.x - r * 0.6, c.y - r),
            egui::pos2(c.x + r * 0.7, c.y),
            egui::pos2(c.x - r * 0.6, c.y + r),
        ]
    };
    painter.add(egui::Shape::convex_polygon(
        points,
        color,
        egui::Stroke::NONE,
    ));
}

/// At most this many characters of a level name are drawn (names can be 64 kB).
const NAME_CHARS: usize = 120;

fn shorten(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]).into(),
        None => s.into(),
    }
}

fn row_ui(
    ui: &mut Ui,
    tree: &TopicTree,
    row: Row,
    view: &TreeView,
    filtering: bool,
    now: f64,
    flashing: &mut bool,
) -> RowAction {
    let dark = ui.visuals().dark_mode;
    let node = tree.node(row.id);
    let has_children = !node.children().is_empty();
    let expanded = filtering || view.is_expanded(row.id);
    let selected = view.selected == Some(row.id);
    let width = ui.available_width().max(200.0);
    let (rect, response) = ui.allocate_exact_size(vec2(width, theme::ROW_HEIGHT), Sense::click());
    let label = if node.name().is_empty() {
        "(empty)".to_string()
    } else {
        visible_text(node.name().as_bytes()).into_owned()
    };
    response.widget_info(|| WidgetInfo::selected(Role::TreeItem, true, selected, &label));

    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    if selected {
        painter.rect_filled(rect, 2.0, visuals.selection.bg_fill);
    } else if response.hovered() {
        painter.rect_filled(rect, 2.0, visuals.widgets.hovered.weak_bg_fill);
    }
    // A topic's own update glows fully; a collapsed branch glows faintly for updates
    // hidden below it; an open branch does not (its rows below show the change).
    let own_age = now - node.topic_updated_at();
    let below_age = if expanded {
        f64::INFINITY
    } else {
        now - node.updated_at()
    };
    let strength = (1.0 - own_age / theme::FLASH_SECONDS)
        .max(theme::FLASH_BELOW * (1.0 - below_age / theme::FLASH_SECONDS));
    if strength > 0.0 {
        painter.rect_filled(rect, 2.0, theme::flash(dark, strength as f32));
        *flashing = true;
    }

    let indent = row.depth.min(theme::MAX_INDENT_LEVELS) as f32 * theme::INDENT;
    let mut x = rect.left() + 4.0 + indent;
    let mid = rect.center().y;
    let text_color = if selected {
        visuals.selection.stroke.color
    } else {
        visuals.text_color()
    };
    let arrow_rect = Rect::from_min_size(
        egui::pos2(x, rect.top()),
        vec2(theme::ARROW_WIDTH, rect.height()),
    );
    if has_children {
        disclosure_arrow(&painter, arrow_rect.center(), expanded, text_color);
    }
    x += theme::ARROW_WIDTH + 2.0;

    let draw = |x: &mut f32, text: &str, font: egui::FontId, color: egui::Color32, gap: f32| {
        let galley = painter.layout_no_wrap(text.to_string(), font, color);
        let pos = egui::pos2(*x, mid - galley.size().y / 2.0);
        *x += galley.size().x + gap;
        painter.galley(pos, galley, color);
    };
    if node.name().is_empty() {
        draw(
            &mut x,
            "(empty)",
            egui::FontId::proportional(13.0),
            theme::muted(dark),
            6.0,
        );
    } else {
        draw(
            &mut x,
            &shorten(&label, NAME_CHARS),
            theme::body(),
            text_color,
            6.0,
        );
    }
    if let Some(latest) = node.history().and_then(|h| h.latest()) {
        if node.is_retained() {
            let badge =
                painter.layout_no_wrap("R".into(), theme::mono_small(), theme::retained(dark));
            let r = Rect::from_min_size(egui::pos2(x, mid - 7.0), vec2(badge.size().x + 6.0, 14.0));
            painter.rect_stroke(
                r,
                3.0,
                theme::badge_stroke(theme::retained(dark)),
                egui::StrokeKind::Inside,
            );
            painter.galley(
                egui::pos2(x + 3.0, mid - badge.size().y / 2.0),
                badge,
                theme::retained(dark),
            );
            x = r.right() + 6.0;
        }
        draw(&mut x, "=", theme::mono(), theme::muted(dark), 6.0);
        draw(
            &mut x,
            &latest.payload.preview(theme::PREVIEW_CHARS),
            theme::mono(),
            theme::value_text(dark),
            10.0,
        );
    }
    if has_children {
        let counts = format!(
            "({} {}, {} {})",
            node.topics_below(),
            if node.topics_below() == 1 {
                "topic"
            } else {
                "topics"
            },
            node.messages(),
            if node.messages() == 1 {
                "message"
            } else {
                "messages"
            },
        );
        draw(
            &mut x,
            &counts,
            egui::FontId::proportional(12.5),
            theme::muted(dark),
            0.0,
        );
    }

    let mut clear = None;
    response.context_menu(|ui| {
        if ui
            .add_enabled(
                node.is_retained(),
                egui::Button::new("Clear retained message"),
            )
            .clicked()
        {
            clear = Some(false);
            ui.close();
        }
        if ui
            .add_enabled(has_children, egui::Button::new("Clear retained below…"))
            .clicked()
        {
            clear = Some(true);
            ui.close();
        }
    });
    if let Some(below) = clear {
        return RowAction::Clear { below };
    }
    if response.double_clicked() && has_children && !filtering {
        return RowAction::Toggle;
    }
    if response.clicked() {
        let on_arrow = response
            .interact_pointer_pos()
            .is_some_and(|p| p.x <= arrow_rect.right() + 2.0);
        if on_arrow && has_children && !filtering {
            return RowAction::Toggle;
        }
        return RowAction::Select;
    }
    RowAction::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(topics: &[&str]) -> TopicTree {
        let mut t = TopicTree::default();
        for topic in topics {
            t.ensure(topic);
        }
        t
    }

    fn names(t: &TopicTree, rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{}", " ".repeat(r.depth), t.node(r.id).name()))
            .collect()
    }

    fn shape(filter: FilterSpec, sort: SortMode) -> Shape {
        Shape {
            expansion_version: 0,
            filter,
            sort,
        }
    }

    fn build(
        t: &TopicTree,
        expanded: &HashSet<NodeId>,
        filter: FilterSpec,
        sort: SortMode,
    ) -> Vec<String> {
        let compiled = TopicFilter::new(&filter).unwrap();
        let mut b = Build::new(t, shape(filter, sort), compiled, 0.0);
        assert!(b.step(t, expanded, Instant::now() + Duration::from_secs(60)));
        names(t, &b.rows)
    }

    fn text(s: &str) -> FilterSpec {
        FilterSpec {
            text: s.into(),
            ..FilterSpec::default()
        }
    }

    #[test]
    fn collapsed_tree_shows_first_levels_only() {
        let t = tree(&["b/x", "a/y", "a/z"]);
        let none = HashSet::new();
        assert_eq!(build(&t, &none, text(""), SortMode::Name), ["a", "b"]);
        let a = t.find("a").unwrap();
        assert_eq!(
            build(&t, &HashSet::from([a]), text(""), SortMode::Name),
            ["a", " y", " z", "b"]
        );
    }

    #[test]
    fn filter_keeps_matches_and_their_ancestors() {
        let t = tree(&[
            "home/kitchen/temp",
            "home/hall/light",
            "office/Temp",
            "other",
        ]);
        let none = HashSet::new();
        let rows = |f: FilterSpec| build(&t, &none, f, SortMode::Name);
        assert_eq!(
            rows(text("temp")),
            ["home", " kitchen", "  temp", "office", " Temp"]
        );
        assert_eq!(rows(text("home/h")), ["home", " hall", "  light"]);
        assert!(rows(text("nothing")).is_empty());
        // With + or #, an MQTT filter: exact levels, exact case.
        assert_eq!(rows(text("home/+/temp")), ["home", " kitchen", "  temp"]);
        assert_eq!(rows(text("office/#")), ["office", " Temp"]);
        assert_eq!(rows(text("+/Temp")), ["office", " Temp"]);
        let case = FilterSpec {
            case_sensitive: true,
            ..text("Temp")
        };
        assert_eq!(rows(case), ["office", " Temp"]);
        let regex = FilterSpec {
            mode: FilterMode::Regex,
            ..text("^h.*t$")
        };
        assert_eq!(rows(regex), ["home", " hall", "  light"]);
    }

    #[test]
    fn filter_walks_a_thousand_levels() {
        let deep = vec!["l"; 1000].join("/") + "/needle";
        let t = tree(&[&deep, "x"]);
        assert_eq!(
            build(&t, &HashSet::new(), text("needle"), SortMode::Name).len(),
            1001
        );
    }

    #[test]
    fn sort_modes_order_each_level() {
        let mut t = tree(&["s/sensor10", "s/sensor2", "s/sensor1", "busy/a", "busy/b"]);
        let count = |t: &mut TopicTree, topic: &str, n: usize, at: f64| {
            let id = t.find(topic).unwrap();
            for i in 0..n {
                t.count_message(id, i == 0, false, at);
            }
        };
        count(&mut t, "s/sensor2", 5, 1.0);
        count(&mut t, "s/sensor10", 1, 3.0);
        count(&mut t, "s/sensor1", 2, 2.0);
        count(&mut t, "busy/a", 1, 0.5);
        count(&mut t, "busy/b", 1, 0.5);
        let open: HashSet<NodeId> = [t.find("s").unwrap(), t.find("busy").unwrap()].into();
        let rows = |sort| build(&t, &open, text(""), sort);
        assert_eq!(
            rows(SortMode::Name),
            ["busy", " a", " b", "s", " sensor1", " sensor2", " sensor10"]
        );
        assert_eq!(
            rows(SortMode::Messages),
            ["s", " sensor2", " sensor1", " sensor10", "busy", " a", " b"]
        );
        assert_eq!(
            rows(SortMode::Recent),
            ["s", " sensor10", " sensor1", " sensor2", "busy", " a", " b"]
        );
        assert_eq!(
            rows(SortMode::Topics),
            ["s", " sensor1", " sensor2", " sensor10", "busy", " a", " b"]
        );
    }

    #[test]
    fn a_walk_in_slices_gives_the_same_rows() {
        let topics: Vec<String> = (0..5000).map(|i| format!("f/{}/t{}", i % 37, i)).collect();
        let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        let t = tree(&refs);
        let whole = build(&t, &HashSet::new(), text("t1"), SortMode::Name);
        let filter = TopicFilter::new(&text("t1")).unwrap();
        let mut b = Build::new(&t, shape(text("t1"), SortMode::Name), filter, 0.0);
        let mut slices = 0;
        // A deadline already past: each call does one small slice.
        while !b.step(&t, &HashSet::new(), Instant::now()) {
            slices += 1;
        }
        assert!(slices > 5, "{slices}");
        assert_eq!(names(&t, &b.rows), whole);
        assert_eq!(b.visited, t.len() - 1);
    }
}
