//! Connection-profile commands: save a tab's form as a profile, load one into a tab, rename,
//! duplicate, delete, export and import; the password goes to and comes from the keychain
//! through background jobs.

use super::jobs::{JobDone, KeychainDone};
use super::{App, TabId};

impl App {
    /// Saves the tab's form as profile `name`; over a saved profile that would change,
    /// asks first (the connections window lists the changes).
    pub(super) fn ask_save_profile(&mut self, ctx: &egui::Context, id: TabId, name: &str) {
        let Some(form) = self.tab(id).map(|t| &t.form) else {
            return;
        };
        let name = name.trim();
        let changes = self
            .profiles
            .find(name)
            .map(|p| crate::profiles::changes::form_changes(&p.form, form))
            .unwrap_or_default();
        if changes.is_empty() {
            self.save_profile(ctx, id, name);
        } else {
            let ask = crate::status::OverwriteAsk {
                name: name.to_string(),
                changes,
            };
            self.profile_ui.overwrite = Some((id, ask));
        }
    }

    pub(super) fn save_profile(&mut self, ctx: &egui::Context, id: TabId, name: &str) {
        let Some(form) = self.tab(id).map(|t| t.form.clone()) else {
            return;
        };
        let was_remembered = self
            .profiles
            .find(name.trim())
            .is_some_and(|p| p.form.remember_password);
        if let Err(e) = self.profiles.save_profile(name, &form) {
            self.problems.push(e);
            return;
        }
        let name = name.trim().to_string();
        if let Some(tab) = self.tab_mut(id) {
            tab.profile_loaded = Some(name.clone());
            tab.profile_name = name.clone();
        }
        let password = form.password.clone();
        if form.remember_password {
            self.keychain_call(ctx, move |k| {
                KeychainDone::Note(
                    k.remember(&name, &password)
                        .map(|()| format!("The password of {name} is in the keychain")),
                )
            });
        } else if was_remembered {
            // Unticked: the keychain entry goes too.
            self.keychain_call(ctx, move |k| {
                KeychainDone::Note(k.forget(&name).map(|()| String::new()))
            });
        }
    }

    pub(super) fn load_profile(&mut self, ctx: &egui::Context, id: TabId, name: &str) {
        let Some(p) = self.profiles.find(name) else {
            return;
        };
        let form = p.form.clone();
        let remembered = form.remember_password;
        let Some(tab) = self.tab_mut(id) else { return };
        tab.form = form;
        tab.form_error = None;
        tab.profile_loaded = Some(name.to_string());
        tab.profile_name = name.to_string();
        self.profile_ui.keychain_note = None;
        if remembered {
            let asked = name.to_string();
            self.keychain_call(ctx, move |k| {
                KeychainDone::Recalled(id, asked.clone(), k.recall(&asked))
            });
        }
    }

    pub(super) fn rename_profile(&mut self, ctx: &egui::Context, from: &str, to: &str) {
        if let Err(e) = self.profiles.rename(from, to) {
            self.profile_ui.keychain_note = Some(Err(e));
            return;
        }
        let to = to.trim().to_string();
        if self
            .profiles
            .find(&to)
            .is_some_and(|p| p.form.remember_password)
        {
            let (a, b) = (from.to_string(), to.clone());
            self.keychain_call(ctx, move |k| {
                KeychainDone::Note(k.rename(&a, &b).map(|()| String::new()))
            });
        }
        for tab in &mut self.tabs {
            if tab.profile_loaded.as_deref() == Some(from) {
                tab.profile_loaded = Some(to.clone());
                tab.profile_name = to.clone();
            }
        }
    }

    pub(super) fn duplicate_profile(&mut self, name: &str) {
        let active = self.active;
        if let Some(copy) = self.profiles.duplicate(name)
            && let Some(tab) = self.tab_mut(active)
        {
            tab.profile_name = copy;
        }
    }

    pub(super) fn delete_profile(&mut self, ctx: &egui::Context, name: String) {
        let remembered = self
            .profiles
            .find(&name)
            .is_some_and(|p| p.form.remember_password);
        self.profiles.delete(&name);
        for tab in &mut self.tabs {
            if tab.profile_loaded.as_deref() == Some(name.as_str()) {
                tab.profile_loaded = None;
            }
        }
        if remembered {
            self.keychain_call(ctx, move |k| {
                KeychainDone::Note(k.forget(&name).map(|()| String::new()))
            });
        }
    }

    /// Writes every profile to `path`, as a job.
    pub(super) fn export_profiles(&mut self, ctx: &egui::Context, path: &std::path::Path) {
        let write = match self.profiles.export(path) {
            Ok(w) => w,
            Err(e) => {
                self.profile_ui.file_result = Some(Err(e));
                return;
            }
        };
        let n = self.profiles.profiles().len();
        let job = move || {
            let result = write
                .write()
                .map(|()| format!("Exported {n} profiles to {}", write.path.display()));
            JobDone::ProfilesExported(result)
        };
        if let Err(e) = self.jobs.spawn("profiles-export", ctx, job) {
            self.profile_ui.file_result = Some(Err(e));
        }
    }

    /// Reads the profiles file at `path` as a job; they are added when it is read.
    pub(super) fn import_profiles(&mut self, ctx: &egui::Context, path: &std::path::Path) {
        let path = path.to_path_buf();
        let job = move || {
            let read = crate::profiles::connections::ProfileStore::read_file(&path);
            JobDone::ProfilesRead(path, read)
        };
        if let Err(e) = self.jobs.spawn("profiles-import", ctx, job) {
            self.profile_ui.file_result = Some(Err(e));
        }
    }

    /// A profiles file was read: its profiles join (and replace same-named) ones.
    pub(super) fn profiles_read(
        &mut self,
        path: &std::path::Path,
        read: Result<Vec<crate::profiles::connections::Profile>, String>,
    ) {
        self.profile_ui.file_result = Some(read.map(|profiles| {
            let n = self.profiles.merge(profiles);
            format!("Imported {n} profiles from {}", path.display())
        }));
    }

    /// Runs `call` on the keychain as a background job (it may wait for D-Bus or an
    /// unlock prompt); its outcome arrives in [`Self::keychain_done`]. Without a keychain
    /// in this run, says so at once.
    pub(super) fn keychain_call(
        &mut self,
        ctx: &egui::Context,
        call: impl FnOnce(&crate::profiles::secrets::Keychain) -> KeychainDone + Send + 'static,
    ) {
        let Some(keychain) = self.keychain.clone() else {
            self.profile_ui.keychain_note = Some(Err(format!(
                "{}: this run keeps no passwords",
                crate::profiles::secrets::UNAVAILABLE
            )));
            return;
        };
        let job = move || JobDone::Keychain(call(&keychain));
        if let Err(e) = self.jobs.spawn("keychain", ctx, job) {
            self.profile_ui.keychain_note = Some(Err(format!("cannot reach the keychain: {e}")));
        }
    }

    /// A keychain call ended: a note for the connections window, or a recalled password
    /// into the form of the tab the profile was loaded into.
    pub(super) fn keychain_done(&mut self, done: KeychainDone) {
        match done {
            KeychainDone::Note(Ok(note)) if note.is_empty() => {}
            KeychainDone::Note(note) => self.profile_ui.keychain_note = Some(note),
            KeychainDone::Recalled(id, name, result) => {
                let Some(tab) = self.tab_mut(id) else { return };
                if tab.profile_loaded.as_deref() != Some(name.as_str()) {
                    return; // another profile was loaded into that tab meanwhile
                }
                match result {
                    Ok(Some(password)) => {
                        tab.form.password = password;
                        self.profile_ui.keychain_note =
                            Some(Ok(format!("Password of {name} from the keychain")));
                    }
                    Ok(None) => {
                        self.profile_ui.keychain_note =
                            Some(Err(format!("No password of {name} in the keychain")));
                    }
                    Err(e) => self.profile_ui.keychain_note = Some(Err(e)),
                }
                // A tab restored connected connects now, with the password or without
                // (a broker that wants one says so in the tab).
                if let Some(tab) = self.tab_mut(id)
                    && std::mem::take(&mut tab.connect_after_recall)
                {
                    self.commands.push(crate::command::AppCommand::Tab(
                        id,
                        crate::command::TabCommand::ConnectForm,
                    ));
                }
            }
        }
    }
}
