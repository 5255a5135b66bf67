//! Settings saved between runs (eframe storage). Runtime state is never saved here.

use crate::model::{HistoryLimits, SeriesSpec};
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use crate::ui::chart::TimeWindow;

/// What survives a restart. Missing fields take their defaults, so old files still load.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SavedState {
    /// History limits, including the global byte budget.
    pub limits: HistoryLimits,
    /// Payload bytes kept per message.
    pub payload_cap: usize,
    /// Points each plotted series keeps (the oldest go first).
    pub point_cap: usize,
    /// What is plotted (topics and JSON fields), so the chart comes back after a restart.
    pub plots: Vec<SeriesSpec>,
    /// The chart's time window.
    pub plot_window: TimeWindow,
    /// Whether the chart panel is open.
    pub show_chart: bool,
    /// The demo series were offered once (a user who removed them keeps them removed).
    pub demo_plots_offered: bool,
    /// Frames per second while only data changes.
    pub data_fps: u32,
    /// Panel sizes the user dragged to, in points, by panel ("chart", "publish", "tree",
    /// "broker"): given back whenever the window has room for them.
    pub panel_sizes: std::collections::BTreeMap<String, u32>,
    /// The tabs after the first, opened again on start (their connections, not data).
    pub tabs: Vec<SavedTab>,
    /// Which tab was shown (0: the first).
    pub shown_tab: usize,
    /// Dark, light or the system's.
    pub theme: crate::ui::theme::ThemeChoice,
    /// The folder each kind of file dialog last picked in ("csv", "pem", …).
    pub last_folders: std::collections::BTreeMap<String, std::path::PathBuf>,
    /// History on disk: on for new connections or not, its budget and age.
    pub disk: crate::status::DiskLimits,
}

/// A tab as it comes back after a restart.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SavedTab {
    /// The connection form as the tab had it (passwords are never saved).
    pub form: crate::mqtt::ConnectionForm,
    /// The profile loaded into the tab, if any.
    pub profile: String,
    /// Whether the tab was connected (or connecting): it connects again.
    pub connected: bool,
}

impl Default for SavedState {
    fn default() -> Self {
        Self {
            limits: HistoryLimits::default(),
            payload_cap: DEFAULT_PAYLOAD_CAP,
            point_cap: crate::model::series::DEFAULT_POINT_CAP,
            plots: Vec::new(),
            plot_window: TimeWindow::default(),
            show_chart: false,
            demo_plots_offered: false,
            data_fps: super::pace::DEFAULT_DATA_FPS,
            panel_sizes: std::collections::BTreeMap::new(),
            tabs: Vec::new(),
            shown_tab: 0,
            theme: crate::ui::theme::ThemeChoice::default(),
            last_folders: std::collections::BTreeMap::new(),
            disk: crate::status::DiskLimits::default(),
        }
    }
}

impl SavedState {
    /// The limits as the tabs apply them.
    pub fn limits(&self) -> crate::status::Limits {
        crate::status::Limits {
            history: self.limits,
            payload_cap: self.payload_cap,
            point_cap: self.point_cap,
            data_fps: self.data_fps,
            disk: self.disk,
        }
    }

    /// The size the user gave panel `name`, or `default`.
    pub fn panel_size(&self, name: &str, default: f32) -> f32 {
        self.panel_sizes
            .get(name)
            .map_or(default, |&size| size as f32)
    }

    pub fn set_panel_size(&mut self, name: &str, size: f32) {
        self.panel_sizes
            .insert(name.to_string(), size.round().max(0.0) as u32);
    }

    pub fn set_limits(&mut self, limits: crate::status::Limits) {
        self.limits = limits.history;
        self.payload_cap = limits.payload_cap;
        self.point_cap = limits.point_cap;
        self.data_fps = limits.data_fps;
        self.disk = limits.disk;
    }
}

/// The storage key.
pub const KEY: &str = "mqscope";

/// Checks eframe's settings file (`app.ron`) before eframe reads it. eframe drops a file
/// that does not parse without a word and overwrites it on exit; here it is kept aside as
/// `app.ron.corrupt-<time>` and the user is told. Returns what to tell, if anything.
pub fn check_settings_file(path: &std::path::Path) -> Option<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(format!(
                "The saved settings ({}) could not be read: {e}; defaults are used",
                path.display()
            ));
        }
    };
    let problem = match ron::from_str::<std::collections::HashMap<String, String>>(&text) {
        Ok(map) => match map.get(KEY).map(|v| ron::from_str::<SavedState>(v)) {
            Some(Err(e)) => e.to_string(),
            _ => return None,
        },
        Err(e) => e.to_string(),
    };
    Some(match crate::profiles::file::keep_aside(path) {
        Ok(kept) => format!(
            "The saved settings could not be read ({problem}); the file was kept as {} and \
             defaults are used",
            kept.display()
        ),
        Err(e) => format!(
            "The saved settings ({}) could not be read ({problem}) nor moved aside ({e}); \
             defaults are used",
            path.display()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_file_that_does_not_parse_is_kept_aside_and_reported() {
        let dir = std::env::temp_dir().join(format!("mqscope-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.ron");
        assert_eq!(check_settings_file(&path), None, "no file yet");
        let good = SavedState::default();
        let mut map = std::collections::HashMap::new();
        map.insert(KEY.to_string(), ron::to_string(&good).unwrap());
        std::fs::write(&path, ron::to_string(&map).unwrap()).unwrap();
        assert_eq!(check_settings_file(&path), None, "a good file");
        for bad in ["{ broken", r#"{"mqscope": "(limits: 7)"}"#] {
            std::fs::write(&path, bad).unwrap();
            let said = check_settings_file(&path).unwrap();
            assert!(said.contains("could not be read"), "{said}");
            assert!(!path.exists(), "moved aside");
        }
        let kept = std::fs::read_dir(&dir).unwrap().count();
        assert!(kept >= 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
