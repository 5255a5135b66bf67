//! The Decoders window's commands that touch files: a tab's rules exported to a rules
//! file, and a rules file's rules added to a tab, each as a background job.

use std::path::PathBuf;

use super::App;
use super::jobs::JobDone;
use crate::command::TabId;
use crate::model::decode::rules::{DecoderRule, DecoderRules};

impl App {
    /// Hands each tab's changed decoder rules to a compile job (schema and script files
    /// are read off the UI thread); the worker gets them when compiled.
    pub(super) fn decoders_step(&mut self, ctx: &egui::Context) {
        let changed: Vec<(TabId, u64, Vec<DecoderRule>)> = self
            .tabs
            .iter_mut()
            .filter_map(|t| t.decoders_changed().map(|(g, r)| (t.id, g, r)))
            .collect();
        for (id, generation, rules) in changed {
            let job = move || {
                let (rules, status) = DecoderRules::compile(&rules, &[]);
                JobDone::DecodersCompiled(id, generation, Box::new(rules), status)
            };
            if let Err(e) = self.jobs.spawn("decoders-compile", ctx, job) {
                self.rules_file.result = Some(Err(e));
            }
        }
    }

    /// Writes tab `id`'s rules to `path` as a job; the window says how it went.
    pub(super) fn export_rules(&mut self, ctx: &egui::Context, id: TabId, path: PathBuf) {
        let Some(tab) = self.tab(id) else {
            return;
        };
        let rules = tab.form.decoders.clone();
        let write = match crate::profiles::decoders::rules_file(&path, &rules) {
            Ok(w) => w,
            Err(e) => {
                self.rules_file.result = Some(Err(e));
                return;
            }
        };
        let job = move || {
            let n = rules.len();
            JobDone::RulesExported(
                write
                    .write()
                    .map(|()| format!("Exported {n} rules to {}", path.display())),
            )
        };
        if let Err(e) = self.jobs.spawn("rules-export", ctx, job) {
            self.rules_file.result = Some(Err(e));
        }
    }

    /// Reads the rules file at `path` as a job; its rules join tab `id`'s when read.
    pub(super) fn import_rules(&mut self, ctx: &egui::Context, id: TabId, path: PathBuf) {
        let job = move || {
            let read = crate::profiles::decoders::read_rules(&path).map_err(|e| e.to_string());
            JobDone::RulesRead(id, path, read)
        };
        if let Err(e) = self.jobs.spawn("rules-import", ctx, job) {
            self.rules_file.result = Some(Err(e));
        }
    }

    /// A rules file was read: its rules the tab lacks go after the tab's own.
    pub(super) fn rules_read(
        &mut self,
        id: TabId,
        path: &std::path::Path,
        read: Result<Vec<DecoderRule>, String>,
    ) {
        let result = match (read, self.tab_mut(id)) {
            (Ok(rules), Some(tab)) => {
                let mut added = 0;
                for rule in rules {
                    if !tab.form.decoders.contains(&rule) {
                        tab.form.decoders.push(rule);
                        added += 1;
                    }
                }
                Ok(format!("Added {added} rules from {}", path.display()))
            }
            (Ok(_), None) => return, // the tab was closed meanwhile
            (Err(e), _) => Err(e),
        };
        self.rules_file.result = Some(result);
    }
}
