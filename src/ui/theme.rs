//! The only place colours, sizes and spacing live.
#![allow(clippy::disallowed_methods)] // colour constructors belong here

use egui::{Color32, FontId, Stroke};

/// Height of one topic-tree row.
pub const ROW_HEIGHT: f32 = 20.0;
/// Horizontal step per tree level.
pub const INDENT: f32 = 14.0;
/// Levels beyond this are not indented further (a 1,000-level topic stays readable).
pub const MAX_INDENT_LEVELS: usize = 24;
/// Width of the expand/collapse arrow column.
pub const ARROW_WIDTH: f32 = 14.0;
/// Characters of the inline value preview.
pub const PREVIEW_CHARS: usize = 60;
/// How long a row glows after an update, in seconds.
pub const FLASH_SECONDS: f64 = 1.0;
/// The glow fades in this many steps (a frame each), never at animation rate.
pub const FLASH_STEPS: f64 = 2.0;
/// Glow strength (0–1) of a collapsed branch whose update happened below it.
pub const FLASH_BELOW: f64 = 0.35;
/// The bottom panels (publish, plots) together take at most this share of the window's
/// height, so the tree and the inspector keep room at any size.
pub const BOTTOM_PANELS_MAX_SHARE: f32 = 0.55;
/// A side panel (tree, local broker) takes at most this share of the window's width.
pub const SIDE_PANEL_MAX_SHARE: f32 = 0.42;
/// The local broker panel takes at most this share of the window's width.
pub const BROKER_PANEL_MAX_SHARE: f32 = 0.28;

/// The tree and the inspector keep at least this height, whatever the bottom panels ask.
pub const MIDDLE_MIN_HEIGHT: f32 = 170.0;
/// The least height of a bottom panel (publish, plots), however small the window.
pub const BOTTOM_PANEL_MIN_HEIGHT: f32 = 90.0;
/// The templates column takes at most this share of the publish panel's width.
pub const LIBRARY_MAX_SHARE: f32 = 0.4;
/// Narrowest the templates column may be.
pub const LIBRARY_MIN_WIDTH: f32 = 180.0;

/// The most one of `open` bottom panels may take out of `height`: together at most
/// [`BOTTOM_PANELS_MAX_SHARE`], and never so much that the middle falls below
/// [`MIDDLE_MIN_HEIGHT`]; each keeps [`BOTTOM_PANEL_MIN_HEIGHT`].
pub fn bottom_panel_max(height: f32, open: f32) -> f32 {
    let total = (height * BOTTOM_PANELS_MAX_SHARE).min(height - MIDDLE_MIN_HEIGHT);
    (total / open.max(1.0)).max(BOTTOM_PANEL_MIN_HEIGHT)
}

/// The largest size a panel may take out of `whole`: `share` of it, never below `min`.
pub fn panel_max(whole: f32, share: f32, min: f32) -> f32 {
    (whole * share).max(min)
}

/// The least height a scroll area takes: what is left of its panel, up to egui's default
/// of 64 px. A scroll area taller than its panel pushes the panel's contents past the
/// panel's edge, over its neighbour (egui clips a panel's rect but not what it reports).
pub fn fitting_height(ui: &egui::Ui) -> f32 {
    ui.available_height().clamp(0.0, SCROLL_MIN_HEIGHT)
}
/// Most height the local broker's log takes before it scrolls.
pub const BROKER_LOG_HEIGHT: f32 = 240.0;
/// Space between two log lines (a wrapped line keeps its rows together).
pub const LOG_LINE_GAP: f32 = 3.0;
/// egui's own least scrolled height, kept where there is room.
pub const SCROLL_MIN_HEIGHT: f32 = 64.0;

/// Narrower than this, the inspector's metadata takes one label–value pair a row.
pub const INSPECTOR_WIDE_METADATA: f32 = 400.0;
/// Shorter than this, the inspector scrolls as a whole, its payload and history at the
/// fixed heights below, instead of squeezing them until they overlap.
pub const INSPECTOR_COMPACT_BELOW: f32 = 380.0;
pub const PAYLOAD_COMPACT_HEIGHT: f32 = 220.0;
pub const HISTORY_COMPACT_HEIGHT: f32 = 140.0;

/// The inspector's history list: its least height, and the most of the inspector it takes.
pub const HISTORY_MIN_HEIGHT: f32 = 60.0;
pub const HISTORY_MAX_SHARE: f32 = 0.4;
/// Space between a panel's edge and its contents (egui's side-panel margin).
pub const PANEL_MARGIN: f32 = 8.0;
/// Widest a dialog's text runs before it wraps.
pub const DIALOG_WIDTH: f32 = 420.0;
/// Width of the command palette, and the height its list may take.
pub const PALETTE_WIDTH: f32 = 460.0;
pub const PALETTE_LIST_HEIGHT: f32 = 340.0;
/// Room the shortcuts overlay gives an action's keys.
pub const SHORTCUT_KEYS_WIDTH: f32 = 150.0;
/// Tree panel width when nothing is saved.
pub const TREE_PANEL_WIDTH: f32 = 560.0;
/// Narrowest the tree panel may be dragged.
pub const TREE_PANEL_MIN_WIDTH: f32 = 240.0;
/// Broker panel width when nothing is saved.
pub const BROKER_PANEL_WIDTH: f32 = 300.0;
/// Narrowest the local broker panel may be dragged.
pub const BROKER_PANEL_MIN_WIDTH: f32 = 220.0;
/// Publish panel height when nothing is saved.
pub const PUBLISH_PANEL_HEIGHT: f32 = 262.0;
/// Width of the templates/history column of the publish panel.
pub const LIBRARY_WIDTH: f32 = 320.0;
/// Gap between groups in bars.
pub const GROUP_GAP: f32 = 12.0;
/// Payloads over this many bytes have their JSON, diff and decoded views worked out off
/// the frame (a 256 KiB document lays out in a few milliseconds; 16 MiB in seconds).
pub const OFF_FRAME_BYTES: usize = 256 * 1024;
/// Payload bytes rendered in the inspector before "show more" is needed.
pub const PAYLOAD_VIEW_BYTES: usize = 256 * 1024;
/// Height of a history row.
pub const HISTORY_ROW_HEIGHT: f32 = 18.0;
/// Space before the text of a history row.
pub const ROW_TEXT_INSET: f32 = 4.0;
/// Height of the history table.
pub const HISTORY_HEIGHT: f32 = 150.0;

/// Chart panel height when nothing is saved.
pub const CHART_PANEL_HEIGHT: f32 = 240.0;
/// Width of the per-series statistics beside the chart.
pub const CHART_STATS_WIDTH: f32 = 570.0;
/// The chart's grid lines: at least this far apart, in points (egui_plot's default).
pub const CHART_GRID_MIN_SPACING: f32 = 8.0;
pub const CHART_GRID_MAX_SPACING: f32 = 300.0;
/// Labelled time lines are at least this far apart, in points: more than egui_plot's
/// 60 below which it paints no label, and room for `14:37:26`.
pub const CHART_TIME_LABEL_SPACING: f64 = 90.0;
/// Longest a series name gets in the statistics table before it is cut (hover shows it).
pub const SERIES_NAME_WIDTH: f32 = 220.0;
/// Width of a number column in the chart statistics.
pub const STAT_WIDTH: f32 = 56.0;
/// Width of the host field (it also takes a URL).
pub const HOST_FIELD_WIDTH: f32 = 200.0;
/// A connection state longer than this goes on its own line under the connection bar.
pub const STATE_INLINE_CHARS: usize = 32;
/// Width of the transport selector.
pub const TRANSPORT_WIDTH: f32 = 120.0;
/// Width of the saved-profile list in the connections window.
pub const PROFILE_LIST_WIDTH: f32 = 180.0;
/// Width of a field in the connections window.
pub const PROFILE_FIELD_WIDTH: f32 = 260.0;
/// Width of a field for a number of seconds.
pub const SECONDS_FIELD_WIDTH: f32 = 64.0;
/// Where dialogs open: below the connection bar, clear of it.
pub const WINDOW_POS: [f32; 2] = [280.0, 96.0];
/// Narrowest the connection options window gets (room for file paths).
pub const OPTIONS_WINDOW_WIDTH: f32 = 560.0;
/// Room left beside the tree's filter box for its Clear button.
pub const FILTER_CLEAR_ROOM: f32 = 70.0;
/// Longest payload offered a "Plot" button (a number with its unit fits easily).
pub const NUMBER_MAX_BYTES: usize = 64;
/// Width of a file path field.
pub const PATH_FIELD_WIDTH: f32 = 420.0;
/// What a path field leaves for its Browse… button.
pub const BROWSE_BUTTON_ROOM: f32 = 84.0;
/// Narrowest time span the chart shows while following live, in seconds.
pub const CHART_MIN_SPAN_S: f64 = 10.0;
/// Width of a series' colour swatch in the statistics table.
pub const SWATCH_SIZE: f32 = 10.0;
/// Line width of a plotted series.
pub const SERIES_LINE_WIDTH: f32 = 1.5;
/// Radius of the hollow marker on points from retained messages.
pub const RETAINED_MARKER_RADIUS: f32 = 4.0;
/// Extra space left of the oldest point while following live, as a fraction of the span.
pub const CHART_X_MARGIN: f64 = 0.02;
/// Extra space above and below the data range, as a fraction of it.
pub const CHART_Y_MARGIN: f64 = 0.08;
/// Size and line width of a `$SYS` figure's sparkline.
pub const SPARKLINE_WIDTH: f32 = 140.0;
pub const SPARKLINE_HEIGHT: f32 = 18.0;
pub const SPARKLINE_STROKE: f32 = 1.5;
/// Width of a subscription's filter field, and of its QoS choice.
pub const SUBSCRIPTION_FIELD_WIDTH: f32 = 180.0;
pub const QOS_COMBO_WIDTH: f32 = 40.0;
/// Radius of a connection's state dot; gaps inside a connection tab and between tabs.
pub const STATE_DOT_RADIUS: f32 = 4.5;
pub const TAB_INNER_GAP: f32 = 4.0;
pub const TAB_GAP: f32 = 10.0;
/// Where a second window opens, beside the first.
pub const SIDE_WINDOW_POS: [f32; 2] = [700.0, 96.0];
/// The Connection info window first opens at the screen's right edge, this far in, and
/// this far down.
pub const INFO_WINDOW_WIDTH: f32 = 440.0;
/// The Search window's first size.
pub const SEARCH_WINDOW_WIDTH: f32 = 760.0;
pub const SEARCH_WINDOW_HEIGHT: f32 = 520.0;
/// Where the Search window first opens: below the connection bar, clear of the tree.
pub const SEARCH_WINDOW_LEFT: f32 = 300.0;
pub const SEARCH_WINDOW_TOP: f32 = 120.0;
pub const INFO_WINDOW_TOP: f32 = 96.0;
/// Height of the top talkers list.
pub const TALKERS_HEIGHT: f32 = 420.0;
/// Most an image payload is enlarged to fill the inspector.
pub const IMAGE_MOST_UPSCALE: f32 = 4.0;
/// Characters of a decoder's name shown in the publish panel's Send as (the middle goes).
pub const ENCODER_NAME_CHARS: usize = 36;
/// Most height the Decoders window's rule list takes before it scrolls.
pub const DECODER_RULES_HEIGHT: f32 = 360.0;
/// Radius of the red "recording" dot.
pub const REC_DOT_RADIUS: f32 = 5.0;

/// Base font size for monospace payloads.
pub fn mono() -> FontId {
    FontId::monospace(12.5)
}

pub fn mono_small() -> FontId {
    FontId::monospace(11.5)
}

/// Body text.
pub fn body() -> FontId {
    FontId::proportional(13.5)
}

/// Secondary text: counts, hints, previews.
pub fn muted(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(140)
    } else {
        Color32::from_gray(110)
    }
}

/// The inline value preview in the tree.
pub fn value_text(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(130, 190, 255)
    } else {
        Color32::from_rgb(20, 90, 170)
    }
}

/// Marks retained messages.
pub fn retained(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(230, 170, 60)
    } else {
        Color32::from_rgb(170, 100, 0)
    }
}

/// Things going well: connected, acknowledged.
pub fn good(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(30, 130, 50)
    }
}

/// Attention without failure: connecting, truncated.
pub fn warn(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(235, 190, 80)
    } else {
        Color32::from_rgb(170, 110, 0)
    }
}

/// Failures: disconnected, dropped, invalid input.
pub fn error(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(240, 100, 90)
    } else {
        Color32::from_rgb(190, 40, 30)
    }
}

/// Background of a row that just updated, fading with `strength` from 1 to 0.
pub fn flash(dark: bool, strength: f32) -> Color32 {
    let a = (strength.clamp(0.0, 1.0) * 70.0) as u8;
    if dark {
        Color32::from_rgba_unmultiplied(255, 190, 70, a)
    } else {
        Color32::from_rgba_unmultiplied(255, 170, 0, a)
    }
}

/// Colour of plotted series `index` (a palette that stays apart on dark and light).
pub fn series_color(dark: bool, index: usize) -> Color32 {
    const DARK: [(u8, u8, u8); 8] = [
        (100, 180, 255),
        (255, 160, 80),
        (120, 210, 120),
        (240, 110, 150),
        (190, 150, 255),
        (90, 215, 210),
        (230, 210, 90),
        (200, 200, 200),
    ];
    const LIGHT: [(u8, u8, u8); 8] = [
        (20, 100, 200),
        (210, 100, 0),
        (30, 140, 50),
        (200, 40, 90),
        (120, 70, 200),
        (0, 140, 140),
        (150, 130, 0),
        (90, 90, 90),
    ];
    let (r, g, b) = if dark { DARK } else { LIGHT }[index % DARK.len()];
    Color32::from_rgb(r, g, b)
}

/// Outline of small badges ("R", "truncated").
pub fn badge_stroke(color: Color32) -> Stroke {
    Stroke::new(1.0, color)
}

/// Applies the app's look to the context once at start.
pub fn apply(ctx: &egui::Context) {
    ctx.global_style_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 4.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
        style.spacing.interact_size.y = ROW_HEIGHT;
    });
    // Panels paint no fill of their own: the window is cleared to the same colour
    // (`background`), so that each frame shades the window's pixels once fewer. Under a
    // software renderer that fill pass was most of a frame's cost.
    ctx.all_styles_mut(|style| style.visuals.panel_fill = Color32::TRANSPARENT);
}

/// Dark, light, or as the system says (the View menu and the palette; saved).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ThemeChoice {
    #[default]
    Dark,
    Light,
    System,
}

impl ThemeChoice {
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::Dark => egui::ThemePreference::Dark,
            Self::Light => egui::ThemePreference::Light,
            Self::System => egui::ThemePreference::System,
        }
    }
}

/// The colour the window is cleared to, behind every panel (egui's panel colour).
pub fn background(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(27)
    } else {
        Color32::from_gray(248)
    }
}
