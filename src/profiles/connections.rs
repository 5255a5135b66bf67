//! Saved connection profiles (`profiles.json` in the platform config folder): a name and
//! the connection form. Passwords are never written (the form skips them); a file that
//! does not parse is kept aside and reported, one that cannot be read is never written over.

use std::path::PathBuf;

use super::file::{LoadReport, PendingWrite, load};
use crate::mqtt::ConnectionForm;

const PROFILES_FILE: &str = "profiles.json";

/// One saved broker.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Profile {
    pub name: String,
    /// Everything but the password (`ConnectionForm` never serialises it).
    pub form: ConnectionForm,
}

/// The saved profiles, loaded once and written after each change.
#[derive(Debug, Default)]
pub struct ProfileStore {
    /// Sorted by name.
    profiles: Vec<Profile>,
    /// Folder of the file; `None` keeps them in memory (tests, screenshots).
    dir: Option<PathBuf>,
    /// Problems met loading or saving, for a banner.
    pub problems: Vec<String>,
    /// The file could not be read: it is never written over.
    read_only: bool,
    /// Changed since the last write was handed out.
    dirty: bool,
    /// A write is under way (handed out, not yet reported back).
    writing: bool,
}

impl ProfileStore {
    /// Loads from `dir` (or starts empty in memory when `None`).
    pub fn open(dir: Option<PathBuf>) -> Self {
        let mut store = Self {
            dir: dir.clone(),
            ..Self::default()
        };
        if let Some(dir) = dir {
            let (mut profiles, report): (Vec<Profile>, _) = load(&dir.join(PROFILES_FILE));
            profiles.sort_by(|a, b| a.name.cmp(&b.name));
            store.profiles = profiles;
            store.read_only = matches!(report, LoadReport::Unreadable(_));
            store
                .problems
                .extend(report.message("The connection profiles"));
        }
        store
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn find(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// Saves `form` under `name` (replacing a profile of that name).
    pub fn save_profile(&mut self, name: &str, form: &ConnectionForm) -> Result<(), String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("a profile needs a name".into());
        }
        let profile = Profile {
            name: name.into(),
            form: form.clone(),
        };
        match self.profiles.iter_mut().find(|p| p.name == name) {
            Some(p) => *p = profile,
            None => self.profiles.push(profile),
        }
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.write();
        Ok(())
    }

    /// Copies profile `name` as "`name` copy" (or "copy 2", …); the new name.
    pub fn duplicate(&mut self, name: &str) -> Option<String> {
        let original = self.find(name)?.clone();
        let new_name = (1..)
            .map(|n| {
                if n == 1 {
                    format!("{name} copy")
                } else {
                    format!("{name} copy {n}")
                }
            })
            .find(|candidate| self.find(candidate).is_none())?;
        let copy = Profile {
            name: new_name.clone(),
            ..original
        };
        self.profiles.push(copy);
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.write();
        Some(new_name)
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), String> {
        let to = to.trim();
        if to.is_empty() {
            return Err("a profile needs a name".into());
        }
        if self.find(to).is_some() {
            return Err(format!("a profile called \"{to}\" exists"));
        }
        let Some(p) = self.profiles.iter_mut().find(|p| p.name == from) else {
            return Err(format!("no profile called \"{from}\""));
        };
        p.name = to.into();
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.write();
        Ok(())
    }

    /// Every profile (passwords are never in them) as a write of `path`, for a job.
    pub fn export(&self, path: &std::path::Path) -> Result<PendingWrite, String> {
        PendingWrite::json(0, path.to_path_buf(), &self.profiles)
    }

    /// Reads a profiles file (on a job's thread): its profiles, or why not.
    pub fn read_file(path: &std::path::Path) -> Result<Vec<Profile>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{} could not be read: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a profiles file: {e}", path.display()))
    }

    /// Adds `imported`; one with a name already here replaces it. How many.
    pub fn merge(&mut self, imported: Vec<Profile>) -> usize {
        let n = imported.len();
        for p in imported {
            self.profiles.retain(|q| q.name != p.name);
            self.profiles.push(p);
        }
        self.profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.write();
        n
    }

    /// The profiles file to write, if it changed and no write is under way; the caller
    /// writes it off the UI thread and reports back with [`Self::written`].
    pub fn pending_write(&mut self) -> Option<PendingWrite> {
        let dir = self.dir.as_ref()?;
        if !self.dirty || self.writing {
            return None;
        }
        self.dirty = false;
        match PendingWrite::json(0, dir.join(PROFILES_FILE), &self.profiles) {
            Ok(w) => {
                self.writing = true;
                Some(w)
            }
            Err(e) => {
                self.problems.push(e);
                None
            }
        }
    }

    /// A write handed out by [`Self::pending_write`] ended.
    pub fn written(&mut self, result: Result<(), String>) {
        self.writing = false;
        if let Err(e) = result {
            self.problems.push(e);
        }
    }

    /// Writes the file now if it changed, on this thread (tests, and the last save on exit).
    pub fn write_now(&mut self) {
        if let Some(w) = self.pending_write() {
            let result = w.write();
            self.written(result);
        }
    }

    pub fn delete(&mut self, name: &str) {
        self.profiles.retain(|p| p.name != name);
        self.write();
    }

    /// Marks the file for writing (by a background job; see [`Self::pending_write`]).
    fn write(&mut self) {
        if self.dir.is_some() && !self.read_only {
            self.dirty = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::Transport;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mqscope-profiles-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn profiles_round_trip_without_their_passwords() {
        let d = dir("rt");
        let mut store = ProfileStore::open(Some(d.clone()));
        let form = ConnectionForm {
            host: "broker.example".into(),
            port: "8883".into(),
            transport: Transport::Tls,
            username: "alice".into(),
            password: "s3cret-password".into(),
            ca_file: "/etc/ca.pem".into(),
            ..ConnectionForm::default()
        };
        store.save_profile("Plant", &form).unwrap();
        assert_eq!(store.duplicate("Plant").as_deref(), Some("Plant copy"));
        assert_eq!(store.duplicate("Plant").as_deref(), Some("Plant copy 2"));
        store.rename("Plant copy 2", "Lab").unwrap();
        assert!(store.rename("Lab", "Plant").is_err(), "names stay unique");
        store.delete("Plant copy");
        assert!(store.pending_write().is_some(), "written by a job");
        assert!(store.pending_write().is_none(), "one write at a time");
        store.written(Ok(()));
        store.delete("nothing");
        store.write_now();
        let text = std::fs::read_to_string(d.join(PROFILES_FILE)).unwrap();
        assert!(!text.contains("s3cret"), "no password on disk: {text}");
        let again = ProfileStore::open(Some(d.clone()));
        let names: Vec<&str> = again.profiles().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Lab", "Plant"]);
        let plant = &again.find("Plant").unwrap().form;
        assert_eq!(
            (plant.transport, plant.ca_file.as_str()),
            (Transport::Tls, "/etc/ca.pem")
        );
        assert!(plant.password.is_empty());
        assert!(again.problems.is_empty());
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn profiles_export_and_import() {
        let d = dir("io");
        let mut store = ProfileStore::open(None);
        let form = ConnectionForm {
            host: "a.example".into(),
            password: "never-exported".into(),
            ..ConnectionForm::default()
        };
        store.save_profile("A", &form).unwrap();
        store.save_profile("B", &ConnectionForm::default()).unwrap();
        let file = d.join("export.json");
        store.export(&file).unwrap().write().unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("never-exported"));
        let mut other = ProfileStore::open(None);
        other.save_profile("A", &ConnectionForm::default()).unwrap();
        assert_eq!(other.merge(ProfileStore::read_file(&file).unwrap()), 2);
        assert_eq!(
            other.profiles().len(),
            2,
            "the imported A replaced the old one"
        );
        assert_eq!(other.find("A").unwrap().form.host, "a.example");
        std::fs::write(&file, "nope").unwrap();
        assert!(
            ProfileStore::read_file(&file)
                .unwrap_err()
                .contains("is not a profiles file")
        );
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_reported() {
        let d = dir("corrupt");
        std::fs::write(d.join(PROFILES_FILE), "[{ not json").unwrap();
        let mut store = ProfileStore::open(Some(d.clone()));
        assert!(store.profiles().is_empty());
        assert!(store.problems[0].contains("The connection profiles could not be read"));
        store
            .save_profile("New", &ConnectionForm::default())
            .unwrap();
        let kept = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .count();
        assert_eq!(kept, 1, "the old file is still there");
        let _ = std::fs::remove_dir_all(d);
    }
}
