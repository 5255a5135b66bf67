//! The Help windows: every keyboard shortcut (F1 or `?`), and About (version, licence, the
//! README's sections online).

use super::actions::{self, ACTIONS};
use super::theme;

/// Where the project lives; the README's sections are anchors of its page.
pub const HOMEPAGE: &str = "https://github.com/mqscope/mqscope";

/// The README's sections that the Help menu links to: (title, anchor).
pub const README_SECTIONS: [(&str, &str); 5] = [
    ("Set up", "set-up"),
    ("What you get", "what-you-get"),
    ("Keyboard", "keyboard"),
    ("Command line", "command-line"),
    ("Packages", "packages"),
];

/// The tree's own keys, besides the actions'.
const TREE_KEYS: [(&str, &str); 8] = [
    ("Up / Down", "Move in the tree"),
    ("Right / Left", "Open a level / close it, or go up"),
    ("Home / End", "First / last row"),
    ("PageUp / PageDown", "A page up / down"),
    ("Enter", "Open or close the level"),
    ("Delete", "Clear the retained message (asks first)"),
    ("Letters", "Jump to the next topic starting with them"),
    ("Tab / Shift+Tab", "Next / previous control"),
];

/// Every shortcut, in a window.
pub fn shortcuts_window_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Grid::new("shortcuts")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        let keys = ACTIONS.iter().filter(|a| a.shortcut.is_some());
                        for a in keys {
                            ui.add_sized(
                                [theme::SHORTCUT_KEYS_WIDTH, theme::ROW_HEIGHT],
                                egui::Label::new(actions::shortcut_text(ctx, a.action)),
                            );
                            ui.label(a.name);
                            ui.end_row();
                        }
                        ui.add_sized(
                            [theme::SHORTCUT_KEYS_WIDTH, theme::ROW_HEIGHT],
                            egui::Label::new(ctx.format_shortcut(&actions::PALETTE_TOO)),
                        );
                        ui.label("Command palette");
                        ui.end_row();
                        ui.label("?");
                        ui.label("Keyboard shortcuts (outside a text field)");
                        ui.end_row();
                        for (keys, what) in TREE_KEYS {
                            ui.label(keys);
                            ui.label(what);
                            ui.end_row();
                        }
                    });
            });
        });
}

/// The About window: name, version, licence, links.
pub fn about_window_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("About mqscope")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.heading(format!("mqscope {}", env!("CARGO_PKG_VERSION")));
            ui.label(env!("CARGO_PKG_DESCRIPTION"));
            ui.add_space(theme::GROUP_GAP);
            ui.label(format!("Licence: {}", env!("CARGO_PKG_LICENSE")));
            ui.label("Bundled CJK font: Noto Sans CJK SC (subset), SIL Open Font License 1.1");
            ui.hyperlink_to("Home page and README", HOMEPAGE);
        });
}

/// The Help menu's links to the README's sections.
pub fn readme_links_ui(ui: &mut egui::Ui) {
    for (title, anchor) in README_SECTIONS {
        ui.hyperlink_to(title, format!("{HOMEPAGE}#{anchor}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_menu_links_to_sections_the_readme_has() {
        let readme = include_str!("../../README.md");
        let anchors: Vec<String> = readme
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(|h| h.to_lowercase().replace(' ', "-"))
            .collect();
        for (title, anchor) in README_SECTIONS {
            assert!(anchors.iter().any(|a| a == anchor), "{title}: no #{anchor}");
        }
    }
}
