//! Things saved on disk besides eframe's settings: publish history and templates, and
//! connection profiles.
//! Writes are atomic (temp file + rename); a file that fails to parse is kept as
//! `<name>.corrupt-<timestamp>` and reported, never silently overwritten.

pub mod changes;
pub mod connections;
pub mod decoders;
pub mod file;
pub mod publish;
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod secret_service;
pub mod secrets;

/// The platform config folder for mqscope (e.g. `~/.config/mqscope`), if there is one.
pub fn config_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "mqscope").map(|d| d.config_dir().to_path_buf())
}

/// The platform data folder for mqscope (e.g. `~/.local/share/mqscope`), if there is one.
pub fn data_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "mqscope").map(|d| d.data_dir().to_path_buf())
}
