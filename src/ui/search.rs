//! The Search window: the tab's history on disk searched by MQTT filter, text (FTS5 or a
//! plain "contains"), time range, QoS, retain flag and size; results newest first with a
//! count, drawn a screenful at a time, a page more on demand; a click shows the message in
//! the inspector; the results exported as JSON Lines or CSV. It only asks: the app runs
//! every search off the UI thread.

use egui::Ui;

use super::file_field::{FileKind, path_field_ui};
use super::theme;
use crate::archive::{Query, TextMode};
use crate::command::{Commands, SearchCommand, TabCommand};
use crate::model::QoS;
use crate::status::{SearchCount, SearchView};

/// How far back a search looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeRange {
    #[default]
    All,
    LastHour,
    LastDay,
    /// From / to as typed (ISO 8601 or an age such as -2h).
    Between,
}

/// The window's fields, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchForm {
    pub filter: String,
    pub text: String,
    pub contains: bool,
    pub range: TimeRange,
    pub from: String,
    pub to: String,
    pub qos: Option<QoS>,
    pub retained_only: bool,
    pub min_size: String,
    pub max_size: String,
    pub export_path: String,
}

impl SearchForm {
    /// The query these fields ask for, or what is wrong with them.
    pub fn query(&self, now_us: i64) -> Result<Query, String> {
        let when = |s: &str, what: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            crate::archive::query::parse_when(s, now_us)
                .map(Some)
                .ok_or_else(|| format!("{what}: {s:?} is not a time (2026-12-01 10:00, -2h)"))
        };
        let (since_us, until_us) = match self.range {
            TimeRange::All => (None, None),
            TimeRange::LastHour => (Some(now_us - 3_600_000_000), None),
            TimeRange::LastDay => (Some(now_us - 86_400_000_000), None),
            TimeRange::Between => (when(&self.from, "From")?, when(&self.to, "To")?),
        };
        let size = |s: &str, what: &str| -> Result<Option<u64>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse()
                .map(Some)
                .map_err(|_| format!("{what}: {s:?} is not a number of bytes"))
        };
        let filter = self.filter.trim();
        if !filter.is_empty()
            && let Err(e) = crate::model::topic_path::validate_filter(filter)
        {
            return Err(format!("Topic filter: {e}"));
        }
        Ok(Query {
            filter: (!filter.is_empty()).then(|| filter.to_string()),
            text: (!self.text.trim().is_empty()).then(|| self.text.trim().to_string()),
            mode: if self.contains {
                TextMode::Contains
            } else {
                TextMode::Fts
            },
            since_us,
            until_us,
            qos: self.qos,
            retained: self.retained_only.then_some(true),
            min_size: size(&self.min_size, "Smallest")?,
            max_size: size(&self.max_size, "Largest")?,
            before_id: None,
        })
    }
}

/// Draws the window while `open`; asks the app through `commands`.
pub fn search_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    (form, view): (&mut SearchForm, &SearchView),
    commands: &mut Commands,
) {
    egui::Window::new("Search history")
        .open(open)
        .default_pos(egui::pos2(
            theme::SEARCH_WINDOW_LEFT,
            theme::SEARCH_WINDOW_TOP,
        ))
        .default_width(theme::SEARCH_WINDOW_WIDTH)
        .default_height(theme::SEARCH_WINDOW_HEIGHT)
        .show(ctx, |ui| {
            let dark = ui.visuals().dark_mode;
            if let Some(why) = &view.unavailable {
                ui.colored_label(theme::muted(dark), why);
                return;
            }
            let asked = fields_ui(ui, form);
            let query = form.query(crate::model::message::now_us());
            ui.horizontal_wrapped(|ui| {
                let go = ui.add_enabled(query.is_ok(), egui::Button::new("Search"));
                if (go.clicked() || asked)
                    && let Ok(q) = &query
                {
                    commands.tab(TabCommand::Search(SearchCommand::Run(Box::new(q.clone()))));
                }
                if view.running && ui.button("Cancel").clicked() {
                    commands.tab(TabCommand::Search(SearchCommand::Cancel));
                }
                ui.label(count_text(view));
                if view.more
                    && ui
                        .add_enabled(!view.running, egui::Button::new("Load more"))
                        .on_hover_text("The next page of older matches")
                        .clicked()
                {
                    commands.tab(TabCommand::Search(SearchCommand::More));
                }
                if let Err(e) = &query {
                    ui.colored_label(theme::error(dark), e);
                }
                if let Some(e) = &view.error {
                    ui.colored_label(theme::error(dark), e);
                }
            });
            ui.separator();
            export_ui(ui, form, view, commands);
            ui.separator();
            results_ui(ui, view, commands);
        });
}

/// The query fields; true when Enter was pressed in the text fields.
fn fields_ui(ui: &mut Ui, form: &mut SearchForm) -> bool {
    let mut enter = false;
    egui::Grid::new("search_fields")
        .num_columns(2)
        .spacing([10.0, 6.0])
        .show(ui, |ui| {
            let l = ui.label("Topic filter");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut form.filter)
                        .hint_text("e.g. plant/+/temp or #"),
                )
                .labelled_by(l.id);
            enter |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.end_row();
            let l = ui.label("Text");
            ui.horizontal(|ui| {
                let r = ui
                    .add(
                        egui::TextEdit::singleline(&mut form.text)
                            .hint_text("words, \"a phrase\", pre*, AND, OR, NOT"),
                    )
                    .labelled_by(l.id);
                enter |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.checkbox(&mut form.contains, "contains (plain text)")
                    .on_hover_text("Find the text anywhere, as typed (a slower scan)");
            });
            ui.end_row();
            ui.label("When");
            ui.horizontal_wrapped(|ui| {
                for (r, name) in [
                    (TimeRange::All, "any time"),
                    (TimeRange::LastHour, "last hour"),
                    (TimeRange::LastDay, "last day"),
                    (TimeRange::Between, "from / to"),
                ] {
                    ui.selectable_value(&mut form.range, r, name);
                }
                if form.range == TimeRange::Between {
                    let l = ui.label("from");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.from)
                            .hint_text("2026-12-01 10:00")
                            .desired_width(140.0),
                    )
                    .labelled_by(l.id);
                    let l = ui.label("to");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.to)
                            .hint_text("-1h")
                            .desired_width(140.0),
                    )
                    .labelled_by(l.id);
                }
            });
            ui.end_row();
            ui.label("QoS, retain, size");
            ui.horizontal_wrapped(|ui| {
                for (q, name) in [
                    (None, "any QoS"),
                    (Some(QoS::AtMostOnce), "0"),
                    (Some(QoS::AtLeastOnce), "1"),
                    (Some(QoS::ExactlyOnce), "2"),
                ] {
                    ui.selectable_value(&mut form.qos, q, name);
                }
                ui.checkbox(&mut form.retained_only, "retained only");
                let l = ui.label("bytes from");
                ui.add(egui::TextEdit::singleline(&mut form.min_size).desired_width(64.0))
                    .labelled_by(l.id);
                let l = ui.label("to");
                ui.add(egui::TextEdit::singleline(&mut form.max_size).desired_width(64.0))
                    .labelled_by(l.id);
            });
            ui.end_row();
        });
    enter
}

fn count_text(view: &SearchView) -> String {
    let shown = crate::model::units::thousands(view.rows.len() as u64);
    let found = match view.count {
        SearchCount::NotAsked => return String::new(),
        SearchCount::Counting => "counting…".to_string(),
        SearchCount::Exactly(n) => format!("{} found", crate::model::units::thousands(n)),
        SearchCount::AtLeast(n) => format!("{}+ found", crate::model::units::thousands(n)),
    };
    let running = if view.running { ", searching…" } else { "" };
    format!("{found}, {shown} shown{running}")
}

/// Where the results go, and the two formats.
fn export_ui(ui: &mut Ui, form: &mut SearchForm, view: &SearchView, commands: &mut Commands) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Export to");
        path_field_ui(
            ui,
            &mut form.export_path,
            (l.id, "search_export"),
            (FileKind::Recording, true),
            "a .jsonl or .csv file",
        );
        let ready = !form.export_path.trim().is_empty() && !view.rows.is_empty() && !view.exporting;
        let path = std::path::PathBuf::from(form.export_path.trim());
        if ui
            .add_enabled(ready, egui::Button::new("JSON Lines"))
            .on_hover_text("Every result, in the record format: Record / replay sends it again")
            .clicked()
        {
            commands.tab(TabCommand::Search(SearchCommand::Export {
                path: path.clone(),
                csv: false,
            }));
        }
        if ui.add_enabled(ready, egui::Button::new("CSV")).clicked() {
            commands.tab(TabCommand::Search(SearchCommand::Export {
                path,
                csv: true,
            }));
        }
        match &view.export {
            Some(Ok(done)) => {
                ui.colored_label(theme::good(dark), done);
            }
            Some(Err(e)) => {
                ui.colored_label(theme::error(dark), e);
            }
            None if view.exporting => {
                ui.label("exporting…");
            }
            None => {}
        }
    });
}

/// The results, a screenful laid out at a time; a click shows one in the inspector.
fn results_ui(ui: &mut Ui, view: &SearchView, commands: &mut Commands) {
    let dark = ui.visuals().dark_mode;
    if view.rows.is_empty() {
        if !view.running && view.count != SearchCount::NotAsked {
            ui.colored_label(theme::muted(dark), "Nothing stored matches");
        }
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("search_results")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, view.rows.len(), |ui, range| {
            for i in range {
                let Some(r) = view.rows.get(i) else {
                    continue;
                };
                let flags = if r.retain { " R" } else { "" };
                let text = format!("{}  {}  =  {}", r.time, r.topic, r.preview);
                let hover = format!("QoS {}{flags}, {} bytes", r.qos, r.size);
                if ui
                    .add(
                        egui::Button::new(egui::RichText::new(text).font(theme::mono()))
                            .frame(false)
                            // One line each: the rows are laid out a screenful at a time.
                            .wrap_mode(egui::TextWrapMode::Truncate),
                    )
                    .on_hover_text(hover)
                    .clicked()
                {
                    commands.tab(TabCommand::Search(SearchCommand::Open(i)));
                }
            }
        });
}
