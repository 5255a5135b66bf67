//! One JSON file: load with a clear report of problems, save atomically.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What loading found, besides the value.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadReport {
    /// Loaded, or no file yet.
    Fine,
    /// The file did not parse; it was moved aside to this path and defaults are used.
    Corrupt { kept_as: PathBuf, error: String },
    /// The file could not be read; defaults are used and the file is not written over.
    Unreadable(String),
}

impl LoadReport {
    /// The report in words for a banner, if there is anything to say.
    pub fn message(&self, what: &str) -> Option<String> {
        match self {
            Self::Fine => None,
            Self::Corrupt { kept_as, error } => Some(format!(
                "{what} could not be read ({error}); the file was kept as {} and a new one started",
                kept_as.display()
            )),
            Self::Unreadable(e) => Some(format!(
                "{what} could not be read: {e}; changes will not be saved"
            )),
        }
    }
}

/// Loads `path`, or the default when it does not exist (see [`LoadReport`]).
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> (T, LoadReport) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (T::default(), LoadReport::Fine);
        }
        Err(e) => return (T::default(), LoadReport::Unreadable(e.to_string())),
    };
    match serde_json::from_str(&text) {
        Ok(v) => (v, LoadReport::Fine),
        Err(e) => match keep_aside(path) {
            Ok(kept_as) => (
                T::default(),
                LoadReport::Corrupt {
                    kept_as,
                    error: e.to_string(),
                },
            ),
            Err(re) => (
                T::default(),
                LoadReport::Unreadable(format!("{e}; and it could not be moved aside: {re}")),
            ),
        },
    }
}

/// Renames a file that did not parse to `<name>.corrupt-<time>`, so nothing overwrites it;
/// the new name.
pub fn keep_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let mut kept = path.as_os_str().to_owned();
    kept.push(format!(".corrupt-{stamp}"));
    let kept_as = PathBuf::from(kept);
    std::fs::rename(path, &kept_as)?;
    Ok(kept_as)
}

/// A file write handed to a background job: which file (its owner's number), where, and
/// the bytes.
#[derive(Debug)]
pub struct PendingWrite {
    pub which: usize,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl PendingWrite {
    /// `value` as pretty JSON, to be written to `path`.
    pub fn json<T: Serialize>(which: usize, path: PathBuf, value: &T) -> Result<Self, String> {
        let bytes = serde_json::to_vec_pretty(value)
            .map_err(|e| format!("saving {}: {e}", path.display()))?;
        Ok(Self { which, path, bytes })
    }

    /// Writes the file atomically (on the job's thread, never the UI's).
    pub fn write(&self) -> Result<(), String> {
        write_atomic(&self.path, &self.bytes)
    }
}

pub fn save<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    write_atomic(path, &json)
}

/// Writes `json` to `path` through a temporary file, synced, then renamed over it.
pub fn write_atomic(path: &Path, json: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no folder", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(json)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("saving {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mqscope-file-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("data.json")
    }

    #[test]
    fn round_trip_and_missing_file() {
        let path = temp("rt");
        let (v, r): (Vec<u32>, _) = load(&path);
        assert!(v.is_empty());
        assert_eq!(r, LoadReport::Fine);
        save(&path, &vec![1u32, 2]).unwrap();
        assert_eq!(load::<Vec<u32>>(&path).0, [1, 2]);
    }

    #[test]
    fn corrupt_file_is_kept_aside_and_reported() {
        let path = temp("corrupt");
        std::fs::write(&path, "{ not json").unwrap();
        let (v, r): (Vec<u32>, _) = load(&path);
        assert!(v.is_empty());
        let LoadReport::Corrupt { kept_as, .. } = &r else {
            panic!("{r:?}")
        };
        assert_eq!(std::fs::read_to_string(kept_as).unwrap(), "{ not json");
        assert!(!path.exists());
        assert!(r.message("Templates").unwrap().contains("kept as"));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let path = temp("atomic");
        save(&path, &vec![7u32]).unwrap();
        // A folder where the temporary file would go makes the write fail half-way.
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        std::fs::create_dir_all(PathBuf::from(&tmp)).unwrap();
        assert!(save(&path, &vec![8u32]).is_err());
        assert_eq!(load::<Vec<u32>>(&path).0, [7]);
    }
}
