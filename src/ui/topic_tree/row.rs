//! Drawing one row of the tree panel: disclosure arrow, name, retained badge, latest value
//! and a branch's counts, with the selection, hover and update glow behind them; a click
//! becomes a `RowAction`.

use egui::{Rect, Role, Sense, Ui, WidgetInfo, vec2};

use super::TreeView;
use super::clear::clear_menu_ui;
use super::flatten::Row;
use crate::model::payload::visible_text;
use crate::model::{Node, TopicTree};
use crate::ui::theme;

/// What a click on a row asks for.
pub(super) enum RowAction {
    None,
    Select,
    Toggle,
    /// Clear the row's retained message, or (`below`) every retained one under it.
    Clear {
        below: bool,
    },
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

/// Draws one row; `next_glow` is lowered to the seconds until its glow changes next.
pub(super) fn row_ui(
    ui: &mut Ui,
    tree: &TopicTree,
    row: Row,
    view: &TreeView,
    filtering: bool,
    now: f64,
    next_glow: &mut f64,
) -> RowAction {
    let dark = ui.visuals().dark_mode;
    let node = tree.node(row.id);
    let has_children = !node.children().is_empty();
    let expanded = filtering || view.is_expanded(row.id);
    let selected = view.selected == Some(row.id);
    let width = ui.available_width().max(200.0);
    // The row's id follows its topic, not its place: when rows above appear or go, an open
    // context menu stays with its topic.
    let (rect, _) = ui.allocate_exact_size(vec2(width, theme::ROW_HEIGHT), Sense::hover());
    let response = ui.interact(
        rect,
        ui.scope_id().with(("topic_row", row.id)),
        Sense::click(),
    );
    let label = if node.name().is_empty() {
        empty_level(row.depth).to_string()
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
    let (strength, changes_in) = glow(node, expanded, now);
    if strength > 0.0 {
        painter.rect_filled(rect, 2.0, theme::flash(dark, strength as f32));
    }
    *next_glow = next_glow.min(changes_in);

    let indent = row.depth.min(theme::MAX_INDENT_LEVELS) as f32 * theme::INDENT;
    let x = rect.left() + 4.0 + indent;
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
    let mut pen = Pen {
        painter: &painter,
        x: x + theme::ARROW_WIDTH + 2.0,
        mid: rect.center().y,
    };
    pen.node_texts(node, &label, text_color, dark);

    let mut clear = None;
    response.context_menu(|ui| clear = clear_menu_ui(ui, node.is_topic(), has_children));
    click_action(&response, clear, arrow_rect, has_children && !filtering)
}

/// How strongly the row glows (up to 1; not at all at 0), and in how many seconds that
/// changes (infinite when it does not glow). A topic's own update glows fully; a
/// collapsed branch glows faintly for updates hidden below it; an open branch does not (its
/// rows below show the change). The glow fades in [`theme::FLASH_STEPS`] steps, so it
/// costs a frame per step, not an animation.
fn glow(node: &Node, expanded: bool, now: f64) -> (f64, f64) {
    let own = stepped(now - node.topic_updated_at());
    let below = if expanded {
        (0.0, f64::INFINITY)
    } else {
        stepped(now - node.updated_at())
    };
    (own.0.max(theme::FLASH_BELOW * below.0), own.1.min(below.1))
}

/// The glow of an update `age` seconds old, in steps, and the seconds until its next step.
fn stepped(age: f64) -> (f64, f64) {
    if !(0.0..theme::FLASH_SECONDS).contains(&age) {
        return (0.0, f64::INFINITY);
    }
    let step = theme::FLASH_SECONDS / theme::FLASH_STEPS;
    let done = (age / step).floor();
    (1.0 - done / theme::FLASH_STEPS, (done + 1.0) * step - age)
}

/// What the row's response asks for: a clean-up picked in its context menu, a toggle (a
/// double click, or a click on the arrow, when `can_toggle`), or a selection.
fn click_action(
    response: &egui::Response,
    clear: Option<bool>,
    arrow_rect: Rect,
    can_toggle: bool,
) -> RowAction {
    if let Some(below) = clear {
        return RowAction::Clear { below };
    }
    if response.double_clicked() && can_toggle {
        return RowAction::Toggle;
    }
    if response.clicked() {
        let on_arrow = response
            .interact_pointer_pos()
            .is_some_and(|p| p.x <= arrow_rect.right() + 2.0);
        if on_arrow && can_toggle {
            return RowAction::Toggle;
        }
        return RowAction::Select;
    }
    RowAction::None
}

/// Lays texts out along a row, left to right, centred on `mid`.
struct Pen<'a> {
    painter: &'a egui::Painter,
    /// Where the next text starts.
    x: f32,
    /// The row's vertical centre.
    mid: f32,
}

impl Pen<'_> {
    /// Draws `text` at the pen and moves it past the text and `gap`.
    fn text(&mut self, text: &str, font: egui::FontId, color: egui::Color32, gap: f32) {
        let galley = self.painter.layout_no_wrap(text.to_string(), font, color);
        let pos = egui::pos2(self.x, self.mid - galley.size().y / 2.0);
        self.x += galley.size().x + gap;
        self.painter.galley(pos, galley, color);
    }

    /// The name, the retained badge and latest value of a topic, and a branch's counts.
    fn node_texts(&mut self, node: &Node, label: &str, text_color: egui::Color32, dark: bool) {
        if node.name().is_empty() {
            self.text(
                label,
                egui::FontId::proportional(13.0),
                theme::muted(dark),
                6.0,
            );
        } else {
            self.text(&shorten(label, NAME_CHARS), theme::body(), text_color, 6.0);
        }
        if let Some(latest) = node.history().and_then(|h| h.latest()) {
            if node.is_retained() {
                self.badge("R", theme::retained(dark));
            }
            if latest.from_disk {
                self.badge("disk", theme::muted(dark));
            }
            if latest.payload.decoded().and_then(|d| d.invalid()).is_some() {
                self.badge("invalid", theme::error(dark));
            }
            self.text("=", theme::mono(), theme::muted(dark), 6.0);
            self.text(
                &latest.payload.preview(theme::PREVIEW_CHARS),
                theme::mono(),
                theme::value_text(dark),
                10.0,
            );
        }
        if !node.children().is_empty() {
            self.text(
                &counts(node),
                egui::FontId::proportional(12.5),
                theme::muted(dark),
                0.0,
            );
        }
    }

    /// An outlined word: "R" when the topic's latest message is retained, "disk" when it
    /// was read back from the history on disk, "invalid" when it fails its rule's JSON
    /// Schema.
    fn badge(&mut self, text: &str, color: egui::Color32) {
        let (x, mid, painter) = (self.x, self.mid, self.painter);
        let badge = painter.layout_no_wrap(text.into(), theme::mono_small(), color);
        let r = Rect::from_min_size(egui::pos2(x, mid - 7.0), vec2(badge.size().x + 6.0, 14.0));
        painter.rect_stroke(r, 3.0, theme::badge_stroke(color), egui::StrokeKind::Inside);
        painter.galley(
            egui::pos2(x + 3.0, mid - badge.size().y / 2.0),
            badge,
            color,
        );
        self.x = r.right() + 6.0;
    }
}

/// The name shown for an empty level: at the root it holds the topics that start with `/`.
fn empty_level(depth: usize) -> &'static str {
    if depth == 0 {
        "(empty level: topics starting with /)"
    } else {
        "(empty)"
    }
}

/// A branch's counts: `(3 topics, 1 message)`.
fn counts(node: &Node) -> String {
    use crate::model::units::count;
    format!(
        "({}, {})",
        count(node.topics_below() as u64, "topic", "topics"),
        count(node.messages(), "message", "messages"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glow_steps_down_and_says_when_it_changes() {
        let (full, next) = stepped(0.1);
        assert_eq!(full, 1.0);
        assert!((next - 0.4).abs() < 1e-9, "{next}");
        let (half, next) = stepped(0.6);
        assert_eq!(half, 0.5);
        assert!((next - 0.4).abs() < 1e-9, "{next}");
        assert_eq!(
            stepped(1.0),
            (0.0, f64::INFINITY),
            "over: no frame asked for"
        );
        assert_eq!(stepped(-0.5).0, 0.0, "a clock step back does not glow");
    }
}
