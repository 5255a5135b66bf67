//! Every action a user can take from the keyboard, the command palette or the menu bar,
//! with its name, its shortcut (if it has one) and words it is also found by. The app runs
//! them ([`Action`] is view state and commands, applied after the frame); the palette and
//! the menus only name them.

use egui::{Key, KeyboardShortcut, Modifiers};

/// An action of the palette, the menus or a shortcut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Palette,
    Shortcuts,
    About,
    Quit,
    Connections,
    PublishPanel,
    Plots,
    BrokerStats,
    TopTalkers,
    Decoders,
    RecordWindow,
    Limits,
    LocalBrokerPanel,
    Connect,
    Disconnect,
    NewTab,
    CloseTab,
    NextTab,
    PreviousTab,
    FocusFilter,
    SendMessage,
    PlotSelected,
    ClearRetained,
    Pause,
    Record,
    LocalBroker,
    ThemeDark,
    ThemeLight,
    ThemeSystem,
}

/// What the palette and the shortcuts overlay show of an action.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo {
    pub action: Action,
    pub name: &'static str,
    pub shortcut: Option<KeyboardShortcut>,
    /// More words it is found by in the palette.
    pub also: &'static str,
}

const fn key(modifiers: Modifiers, key: Key) -> Option<KeyboardShortcut> {
    Some(KeyboardShortcut::new(modifiers, key))
}

const CMD: Modifiers = Modifiers::COMMAND;
const CMD_SHIFT: Modifiers = Modifiers::COMMAND.plus(Modifiers::SHIFT);

const fn info(
    action: Action,
    name: &'static str,
    shortcut: Option<KeyboardShortcut>,
    also: &'static str,
) -> ActionInfo {
    ActionInfo {
        action,
        name,
        shortcut,
        also,
    }
}

/// Every action, in the order the palette lists them before anything is typed.
pub const ACTIONS: &[ActionInfo] = &[
    info(
        Action::Connect,
        "Connect",
        key(Modifiers::NONE, Key::F5),
        "broker start session",
    ),
    info(
        Action::Disconnect,
        "Disconnect",
        key(Modifiers::SHIFT, Key::F5),
        "broker stop session",
    ),
    info(
        Action::PublishPanel,
        "Show or hide the publish panel",
        key(CMD, Key::P),
        "send message editor",
    ),
    info(
        Action::SendMessage,
        "Publish the message in the editor",
        key(CMD, Key::Enter),
        "send",
    ),
    info(
        Action::FocusFilter,
        "Filter topics",
        key(CMD, Key::F),
        "search find",
    ),
    info(
        Action::PlotSelected,
        "Plot the selected topic",
        key(CMD, Key::G),
        "chart graph value",
    ),
    info(
        Action::Plots,
        "Show or hide the plots",
        key(CMD_SHIFT, Key::G),
        "charts graphs",
    ),
    info(
        Action::ClearRetained,
        "Clear the retained message of the selected topic",
        key(Modifiers::NONE, Key::Delete),
        "delete remove retain",
    ),
    info(
        Action::Pause,
        "Pause or resume the view",
        key(CMD_SHIFT, Key::Space),
        "freeze hold",
    ),
    info(
        Action::Record,
        "Start or stop recording",
        key(CMD, Key::R),
        "capture save file",
    ),
    info(
        Action::NewTab,
        "New connection tab",
        key(CMD, Key::T),
        "open broker",
    ),
    info(
        Action::CloseTab,
        "Close this connection tab",
        key(CMD, Key::W),
        "tab",
    ),
    info(
        Action::NextTab,
        "Next connection tab",
        key(CMD, Key::PageDown),
        "switch",
    ),
    info(
        Action::PreviousTab,
        "Previous connection tab",
        key(CMD, Key::PageUp),
        "switch",
    ),
    info(
        Action::Connections,
        "Connections…",
        key(CMD, Key::O),
        "profiles saved brokers credentials subscriptions import export",
    ),
    info(
        Action::Decoders,
        "Decoders…",
        key(CMD_SHIFT, Key::D),
        "rules protobuf avro json schema script",
    ),
    info(
        Action::RecordWindow,
        "Record / replay…",
        None,
        "recording file",
    ),
    info(Action::BrokerStats, "Broker stats", None, "$SYS statistics"),
    info(
        Action::TopTalkers,
        "Top talkers",
        None,
        "busiest topics rate",
    ),
    info(
        Action::Limits,
        "Limits",
        None,
        "history budget memory payload size",
    ),
    info(
        Action::LocalBrokerPanel,
        "Local broker panel",
        None,
        "server demo devices",
    ),
    info(
        Action::LocalBroker,
        "Start or stop the local broker",
        key(CMD, Key::B),
        "server rmqtt",
    ),
    info(Action::ThemeDark, "Theme: dark", None, "colours appearance"),
    info(
        Action::ThemeLight,
        "Theme: light",
        None,
        "colours appearance",
    ),
    info(
        Action::ThemeSystem,
        "Theme: follow the system",
        None,
        "colours appearance",
    ),
    info(
        Action::Palette,
        "Command palette",
        key(CMD, Key::K),
        "actions",
    ),
    info(
        Action::Shortcuts,
        "Keyboard shortcuts",
        key(Modifiers::NONE, Key::F1),
        "keys help ?",
    ),
    info(Action::About, "About mqscope", None, "version licence help"),
    info(Action::Quit, "Quit", key(CMD, Key::Q), "exit close"),
];

/// The palette's second shortcut (as in editors).
pub const PALETTE_TOO: KeyboardShortcut = KeyboardShortcut::new(CMD_SHIFT, Key::P);

/// What is known of an action.
pub fn info_of(action: Action) -> &'static ActionInfo {
    ACTIONS
        .iter()
        .find(|a| a.action == action)
        .unwrap_or(&ACTIONS[0])
}

/// A shortcut in the platform's words ("Ctrl+K", "⌘K").
pub fn shortcut_text(ctx: &egui::Context, action: Action) -> String {
    info_of(action)
        .shortcut
        .map(|s| ctx.format_shortcut(&s))
        .unwrap_or_default()
}

/// The actions whose shortcuts were pressed this frame (each consumed, so no widget sees
/// it). Shortcuts with more modifiers are tried first: egui matches Ctrl+P within
/// Ctrl+Shift+P. Delete is the tree's own key, and `?` opens the shortcuts only when no
/// text field has the keyboard.
pub fn pressed(ctx: &egui::Context) -> Vec<Action> {
    // The order is worked out once, not every frame.
    static ORDER: std::sync::LazyLock<Vec<&'static ActionInfo>> = std::sync::LazyLock::new(|| {
        let mut order: Vec<&ActionInfo> = ACTIONS
            .iter()
            .filter(|a| a.shortcut.is_some() && a.action != Action::ClearRetained)
            .collect();
        order.sort_by_key(|a| {
            std::cmp::Reverse(a.shortcut.map_or(0, |s| {
                u8::from(s.modifiers.shift)
                    + u8::from(s.modifiers.alt)
                    + u8::from(s.modifiers.command)
            }))
        });
        order
    });
    let typing = ctx.egui_wants_keyboard_input();
    let order = ORDER.iter().copied();
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        if i.consume_shortcut(&PALETTE_TOO) {
            out.push(Action::Palette);
        }
        for a in order {
            if let Some(s) = &a.shortcut
                && i.consume_shortcut(s)
            {
                out.push(a.action);
            }
        }
        if !typing
            && i.events
                .iter()
                .any(|e| matches!(e, egui::Event::Text(t) if t == "?"))
        {
            out.push(Action::Shortcuts);
        }
    });
    out
}

/// How well `query` fits `text`: its characters in order (case aside), closer together and
/// at word starts scoring higher; `None` when they are not all there.
pub fn fuzzy_score(query: &str, text: &str) -> Option<i32> {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let mut score = 0;
    let mut at = 0;
    let mut last: Option<usize> = None;
    for q in query.to_lowercase().chars().filter(|c| !c.is_whitespace()) {
        let found = (at..text.len()).find(|&k| text[k] == q)?;
        let word_start = found == 0 || !text[found - 1].is_alphanumeric();
        score += if word_start { 10 } else { 1 };
        if last.is_some_and(|l| l + 1 == found) {
            score += 5;
        }
        score -= (found - at).min(10) as i32;
        last = Some(found);
        at = found + 1;
    }
    Some(score)
}

/// The actions that fit `query`, best first (all, in their order, for an empty query).
pub fn matching(query: &str) -> Vec<&'static ActionInfo> {
    if query.trim().is_empty() {
        return ACTIONS.iter().collect();
    }
    let mut scored: Vec<(i32, usize, &ActionInfo)> = ACTIONS
        .iter()
        .enumerate()
        .filter_map(|(k, a)| {
            let by_name = fuzzy_score(query, a.name);
            let by_words = fuzzy_score(query, a.also).map(|s| s - 20);
            by_name.max(by_words).map(|s| (s, k, a))
        })
        .collect();
    scored.sort_by_key(|(s, k, _)| (std::cmp::Reverse(*s), *k));
    scored.into_iter().map(|(_, _, a)| a).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_with_a_name() {
        let mut seen = std::collections::HashSet::new();
        for a in ACTIONS {
            assert!(seen.insert(a.action), "{:?} twice", a.action);
            assert!(!a.name.is_empty());
        }
        let shortcuts: Vec<_> = ACTIONS.iter().filter_map(|a| a.shortcut).collect();
        for (k, s) in shortcuts.iter().enumerate() {
            assert!(!shortcuts[k + 1..].contains(s), "{s:?} used twice");
        }
    }

    #[test]
    fn fuzzy_matching_prefers_word_starts_and_needs_every_letter_in_order() {
        assert!(fuzzy_score("pub", "Publish the message").is_some());
        assert!(fuzzy_score("xyz", "Publish").is_none());
        assert!(fuzzy_score("bup", "Publish").is_none(), "order matters");
        let first = matching("disc");
        assert_eq!(first[0].action, Action::Disconnect);
        let first = matching("dec");
        assert_eq!(first[0].action, Action::Decoders);
        // Found by its other words too.
        assert_eq!(matching("protobuf")[0].action, Action::Decoders);
        assert_eq!(matching("").len(), ACTIONS.len());
    }
}
