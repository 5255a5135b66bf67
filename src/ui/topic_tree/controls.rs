//! The filter and sort controls above the tree: filter text, how it matches, which field
//! it reads, case, and the order of each level.

use egui::Ui;

use super::{SortMode, TreeView};
use crate::model::filter::{FilterField, FilterMode};
use crate::ui::theme;

/// The filter and sort controls above the tree.
pub(super) fn controls_ui(ui: &mut Ui, view: &mut TreeView) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut view.filter.text)
                    .hint_text(match view.filter.mode {
                        FilterMode::Text => "part of a topic, or a filter: home/+/temperature",
                        FilterMode::Mqtt => "home/+/temperature, zigbee2mqtt/#",
                        FilterMode::Regex => r"^sensors/\d+/temp$",
                    })
                    .desired_width(ui.available_width() - theme::FILTER_CLEAR_ROOM),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut view.focus_filter) {
            field.request_focus();
        }
        if ui
            .add_enabled(!view.filter.text.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            view.filter.text.clear();
        }
    });
    // Wrapped, so that a narrow tree panel keeps every option.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Match");
        egui::ComboBox::from_id_salt("filter_mode")
            .selected_text(view.filter.mode.label())
            .show_ui(ui, |ui| {
                for mode in FilterMode::ALL {
                    ui.selectable_value(&mut view.filter.mode, mode, mode.label());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("in");
        let mqtt = view.filter.mode == FilterMode::Mqtt;
        ui.add_enabled_ui(!mqtt, |ui| {
            egui::ComboBox::from_id_salt("filter_field")
                .selected_text(view.filter.field.label())
                .show_ui(ui, |ui| {
                    for field in FilterField::ALL {
                        ui.selectable_value(&mut view.filter.field, field, field.label());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_disabled_hover_text("An MQTT filter matches topics");
        });
        ui.add_enabled(
            !mqtt,
            egui::Checkbox::new(&mut view.filter.case_sensitive, "Match case"),
        );
        ui.checkbox(&mut view.filter.invalid_only, "Invalid only")
            .on_hover_text("Only topics whose latest message fails its rule's JSON Schema");
        let label = ui.label("Sort by");
        egui::ComboBox::from_id_salt("tree_sort")
            .selected_text(view.sort.label())
            .show_ui(ui, |ui| {
                for sort in SortMode::ALL {
                    ui.selectable_value(&mut view.sort, sort, sort.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if let Some(e) = &view.filter_error {
        ui.colored_label(theme::error(dark), e);
    } else if !view.filter.is_empty()
        && view.filter.mode == FilterMode::Text
        && view.filter.effective_mode() == FilterMode::Mqtt
    {
        ui.colored_label(
            theme::muted(dark),
            "read as an MQTT filter: + matches one level, # the rest; exact case",
        );
    }
}
