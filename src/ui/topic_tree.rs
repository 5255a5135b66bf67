//! The topic tree panel: a filter box and the visible rows, drawn with `show_rows`.
//!
//! The flattened list of visible rows is cached and rebuilt only when the tree gains nodes,
//! a node is expanded or collapsed, or the filter changes; a filtered rebuild walks the
//! whole tree, so while topics keep arriving it runs at most a few times a second.

use std::collections::HashSet;

use egui::{Key, Rect, Role, Sense, Ui, WidgetInfo, vec2};

use super::theme;
use crate::model::payload::visible_text;
use crate::model::topic_path::{matches_filter, validate_filter};
use crate::model::{NodeId, Store, TopicTree};

/// How often (seconds) a filtered row list is rebuilt while the tree is growing.
const FILTER_REBUILD_INTERVAL: f64 = 0.5;

/// One visible row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Row {
    id: NodeId,
    depth: usize,
}

/// What the row cache was built from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RowsKey {
    tree_version: u64,
    expansion_version: u64,
    filter: String,
}

/// State of the tree panel that survives between frames.
#[derive(Debug, Default)]
pub struct TreeView {
    /// The node shown in the inspector.
    pub selected: Option<NodeId>,
    /// Substring the topic path must contain (case-insensitive); empty shows everything.
    pub filter: String,
    expanded: HashSet<NodeId>,
    /// Bumped on every expand/collapse.
    expansion_version: u64,
    rows: Vec<Row>,
    rows_key: Option<RowsKey>,
    /// Store clock of the last filtered rebuild.
    built_at: f64,
    /// Scroll the selected row into view on the next frame (after keyboard moves).
    scroll_to_selected: bool,
    /// Vertical scroll position of the last frame, to tell whether a row is in view.
    scroll_offset: f32,
    /// A retained clean-up waiting for the user's confirmation: what was asked for (in
    /// words) and the retained topics it affects.
    pub confirm_clear: Option<(String, Vec<(NodeId, String)>)>,
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
        let mut at = tree.node(id).parent();
        while at != NodeId::ROOT {
            self.set_expanded(at, true);
            at = tree.node(at).parent();
        }
        self.selected = Some(id);
        self.scroll_to_selected = true;
    }

    /// Number of rows currently visible (after the last frame's rebuild).
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    fn refresh_rows(&mut self, store: &Store) {
        let tree = store.tree();
        let filter = self.filter.trim().to_string();
        let key = RowsKey {
            tree_version: tree.version(),
            expansion_version: self.expansion_version,
            filter: filter.clone(),
        };
        let Some(old) = &self.rows_key else {
            return self.rebuild(tree, key, store.now());
        };
        if *old == key {
            return;
        }
        let only_growth =
            old.filter == key.filter && old.expansion_version == key.expansion_version;
        if !filter.is_empty()
            && only_growth
            && store.now() - self.built_at < FILTER_REBUILD_INTERVAL
        {
            return;
        }
        self.rebuild(tree, key, store.now());
    }

    fn rebuild(&mut self, tree: &TopicTree, key: RowsKey, now: f64) {
        self.rows.clear();
        if key.filter.is_empty() {
            expanded_rows(tree, &self.expanded, &mut self.rows);
        } else {
            filtered_rows(tree, &key.filter, &mut self.rows);
        }
        self.rows_key = Some(key);
        self.built_at = now;
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
        let filtering = !self.filter.trim().is_empty();
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

/// Rows of every node whose ancestors are all expanded, in tree order.
fn expanded_rows(tree: &TopicTree, expanded: &HashSet<NodeId>, rows: &mut Vec<Row>) {
    let mut stack: Vec<(NodeId, usize)> = tree
        .node(NodeId::ROOT)
        .children()
        .iter()
        .rev()
        .map(|&c| (c, 0))
        .collect();
    while let Some((id, depth)) = stack.pop() {
        rows.push(Row { id, depth });
        if expanded.contains(&id) {
            stack.extend(
                tree.node(id)
                    .children()
                    .iter()
                    .rev()
                    .map(|&c| (c, depth + 1)),
            );
        }
    }
}

/// What the filter box asks for: a substring of the topic (any case), or, when the text
/// holds `+` or `#` and is a valid subscription filter, the topics it matches.
enum Matcher {
    Substring(String),
    Mqtt(String),
}

impl Matcher {
    fn new(filter: &str) -> Self {
        if filter.contains(['+', '#']) && validate_filter(filter).is_ok() {
            Self::Mqtt(filter.to_string())
        } else {
            Self::Substring(filter.to_lowercase())
        }
    }

    /// `path` as sent, and in lower case (kept alongside during the walk).
    fn matches(&self, path: &str, lower: &str) -> bool {
        match self {
            Self::Substring(needle) => lower.contains(needle.as_str()),
            Self::Mqtt(filter) => matches_filter(filter, path),
        }
    }
}

/// Whether the filter text is read as an MQTT subscription filter (shown next to the box).
pub fn is_mqtt_filter(filter: &str) -> bool {
    matches!(Matcher::new(filter.trim()), Matcher::Mqtt(_))
}

/// Rows of every node whose path matches `filter` (see [`Matcher`]), and of their
/// ancestors, all shown expanded. One walk over the tree; nothing recursive, so 1,000
/// levels are fine.
fn filtered_rows(tree: &TopicTree, filter: &str, rows: &mut Vec<Row>) {
    struct Frame {
        id: NodeId,
        next_child: usize,
        row_pos: usize,
        path_len: usize,
        lower_len: usize,
        matched: bool,
    }
    let matcher = Matcher::new(filter);
    // The path as sent (for MQTT filters) and in lower case (for substrings).
    let mut path = String::new();
    let mut lower = String::new();
    let mut stack: Vec<Frame> = Vec::new();
    let enter = |id: NodeId,
                 stack: &mut Vec<Frame>,
                 path: &mut String,
                 lower: &mut String,
                 rows: &mut Vec<Row>| {
        let path_len = path.len();
        let lower_len = lower.len();
        if !stack.is_empty() {
            path.push('/');
            lower.push('/');
        }
        let name = tree.node(id).name();
        path.push_str(name);
        lower.extend(name.chars().flat_map(char::to_lowercase));
        let matched = matcher.matches(path, lower);
        let row_pos = rows.len();
        rows.push(Row {
            id,
            depth: stack.len(),
        });
        stack.push(Frame {
            id,
            next_child: 0,
            row_pos,
            path_len,
            lower_len,
            matched,
        });
    };
    for &top in tree.node(NodeId::ROOT).children() {
        enter(top, &mut stack, &mut path, &mut lower, rows);
        while let Some(frame) = stack.last_mut() {
            let children = tree.node(frame.id).children();
            if let Some(&child) = children.get(frame.next_child) {
                frame.next_child += 1;
                enter(child, &mut stack, &mut path, &mut lower, rows);
                continue;
            }
            let Some(done) = stack.pop() else { break };
            path.truncate(done.path_len);
            lower.truncate(done.lower_len);
            let kept_child = rows.len() > done.row_pos + 1;
            if !done.matched && !kept_child {
                rows.truncate(done.row_pos);
            }
        }
    }
}

/// Draws the filter box and the tree; updates selection and expansion.
pub fn tree_ui(ui: &mut Ui, store: &Store, view: &mut TreeView) {
    let dark = ui.visuals().dark_mode;
    // Keep the panel's width while the tree is empty (it would shrink to the hint).
    ui.set_min_width(ui.available_width());
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        let mqtt = is_mqtt_filter(&view.filter);
        let room = theme::FILTER_CLEAR_ROOM + if mqtt { theme::FILTER_MODE_ROOM } else { 0.0 };
        ui.add(
            egui::TextEdit::singleline(&mut view.filter)
                .hint_text("part of a topic, or a filter: home/+/temperature")
                .desired_width(ui.available_width() - room),
        )
        .labelled_by(label.id);
        if mqtt {
            ui.colored_label(theme::muted(dark), "MQTT filter")
                .on_hover_text("+ matches one level, # the rest; exact case");
        }
        if ui
            .add_enabled(!view.filter.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            view.filter.clear();
        }
    });
    view.refresh_rows(store);
    let tree = store.tree();
    view.handle_keys(ui, tree);
    view.refresh_rows(store);

    if view.rows.is_empty() {
        ui.add_space(theme::GROUP_GAP);
        let text = if tree.is_empty() {
            "No messages yet"
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
    let filtering = !view.filter.trim().is_empty();
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
                        let topics = if below {
                            tree.retained_below(row.id)
                        } else {
                            vec![(row.id, tree.path(row.id))]
                        };
                        let what = if below {
                            format!("below {}", tree.path(row.id))
                        } else {
                            tree.path(row.id)
                        };
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

    #[test]
    fn collapsed_tree_shows_first_levels_only() {
        let t = tree(&["b/x", "a/y", "a/z"]);
        let mut rows = Vec::new();
        expanded_rows(&t, &HashSet::new(), &mut rows);
        assert_eq!(names(&t, &rows), ["a", "b"]);
        let a = t.find("a").unwrap();
        rows.clear();
        expanded_rows(&t, &HashSet::from([a]), &mut rows);
        assert_eq!(names(&t, &rows), ["a", " y", " z", "b"]);
    }

    #[test]
    fn filter_keeps_matches_and_their_ancestors() {
        let t = tree(&[
            "home/kitchen/temp",
            "home/hall/light",
            "office/Temp",
            "other",
        ]);
        let mut rows = Vec::new();
        filtered_rows(&t, "temp", &mut rows);
        assert_eq!(
            names(&t, &rows),
            ["home", " kitchen", "  temp", "office", " Temp"]
        );
        rows.clear();
        filtered_rows(&t, "home/h", &mut rows);
        assert_eq!(names(&t, &rows), ["home", " hall", "  light"]);
        rows.clear();
        filtered_rows(&t, "nothing", &mut rows);
        assert!(rows.is_empty());
        // With + or #, an MQTT filter: exact levels, exact case.
        rows.clear();
        filtered_rows(&t, "home/+/temp", &mut rows);
        assert_eq!(names(&t, &rows), ["home", " kitchen", "  temp"]);
        rows.clear();
        filtered_rows(&t, "office/#", &mut rows);
        assert_eq!(names(&t, &rows), ["office", " Temp"]);
        rows.clear();
        filtered_rows(&t, "+/Temp", &mut rows);
        assert_eq!(names(&t, &rows), ["office", " Temp"]);
        assert!(is_mqtt_filter(" a/+ ") && !is_mqtt_filter("a+b") && !is_mqtt_filter("temp"));
    }

    #[test]
    fn filter_walks_a_thousand_levels() {
        let deep = vec!["l"; 1000].join("/") + "/needle";
        let t = tree(&[&deep, "x"]);
        let mut rows = Vec::new();
        filtered_rows(&t, "needle", &mut rows);
        assert_eq!(rows.len(), 1001);
    }
}
