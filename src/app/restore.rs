//! Tabs come back after a restart: each tab after the first (which the command line or the
//! local broker sets up) is saved with its connection form, its profile and whether it was
//! connected, never its data, and opened again on start. Passwords are never saved: a
//! profile's comes from the keychain first, if it keeps one there.

use super::App;
use super::state::SavedTab;
use crate::command::{AppCommand, TabCommand, TabId};
use crate::profiles::secrets::Keychain;

impl App {
    /// Puts the tabs after the first, and which tab is shown, into the saved settings.
    pub(super) fn remember_tabs(&mut self) {
        self.saved.tabs = self
            .tabs
            .iter()
            .skip(1)
            .map(|t| SavedTab {
                form: t.form.clone(),
                profile: t.profile_loaded.clone().unwrap_or_default(),
                connected: t.connection.is_active(),
            })
            .collect();
        self.saved.shown_tab = self.index_of(self.active).unwrap_or(0);
    }

    /// The settings as they would be saved now (for tests, and what `save` writes).
    pub fn saved_for_restart(&mut self) -> super::SavedState {
        self.remember_tabs();
        self.saved.clone()
    }

    /// Opens the saved tabs again, after the first: those that were connected connect
    /// (after their keychain password, if their profile keeps one), and the tab that was
    /// shown is shown.
    pub(super) fn restore_tabs(&mut self, ctx: &egui::Context) {
        for saved in std::mem::take(&mut self.saved.tabs) {
            let id = TabId(self.next_tab);
            self.next_tab += 1;
            let mut tab = super::Tab::new(
                id,
                self.pace.waker(ctx),
                self.saved.limits(),
                saved.form,
                self.recordings.clone(),
            );
            let profile = (!saved.profile.is_empty())
                .then_some(saved.profile)
                .filter(|name| self.profiles.find(name).is_some());
            let recall = profile.is_some() && tab.form.remember_password && self.keychain.is_some();
            if let Some(name) = &profile {
                tab.profile_loaded = Some(name.clone());
                tab.profile_name = name.clone();
            }
            tab.connect_after_recall = saved.connected && recall;
            self.tabs.push(tab);
            if let (true, Some(name)) = (recall, profile) {
                self.keychain_call(ctx, move |k: &Keychain| {
                    super::KeychainDone::Recalled(id, name.clone(), k.recall(&name))
                });
            } else if saved.connected {
                self.commands
                    .push(AppCommand::Tab(id, TabCommand::ConnectForm));
            }
        }
        if let Some(tab) = self.tabs.get(self.saved.shown_tab) {
            let id = tab.id;
            self.show_tab(ctx, id);
        }
    }
}
