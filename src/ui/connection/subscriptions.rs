//! The subscription list of the connection form: a filter, a QoS and the MQTT 5 options
//! per row, rows removed and added, and whether subscriptions are numbered.

use egui::Ui;

use crate::model::QoS;
use crate::mqtt::settings::MAX_SUBSCRIPTION_ID;
use crate::mqtt::{RetainHandling, Subscription, SubscriptionResult};
use crate::ui::theme;

/// The subscription list: a filter and a QoS per row, rows removed and added; a filter the
/// broker refused (in `granted`, its SUBACK) says why.
pub(super) fn subscriptions_ui(
    ui: &mut Ui,
    (subs, numbered): (&mut Vec<Subscription>, &mut bool),
    granted: &[SubscriptionResult],
) -> bool {
    let dark = ui.visuals().dark_mode;
    let mut changed = false;
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, s) in subs.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label(format!("{}.", i + 1));
                changed |= ui
                    .add(
                        egui::TextEdit::singleline(&mut s.filter)
                            .hint_text("a/+/b/#")
                            .desired_width(theme::SUBSCRIPTION_FIELD_WIDTH),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("A topic filter: + matches one level, # the rest")
                    .changed();
                let label = ui.label("QoS");
                egui::ComboBox::from_id_salt(("sub_qos", i))
                    .selected_text(s.qos.as_u8().to_string())
                    .width(theme::QOS_COMBO_WIDTH)
                    .show_ui(ui, |ui| {
                        for q in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                            changed |= ui
                                .selectable_value(&mut s.qos, q, q.as_u8().to_string())
                                .changed();
                        }
                    })
                    .response
                    .labelled_by(label.id);
                changed |= options_ui(ui, s, (i, *numbered));
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
            let answer = granted.iter().find(|g| g.filter == s.filter.trim());
            if let Some(Err(why)) = answer.map(|g| g.granted) {
                ui.colored_label(theme::error(dark), format!("refused by the broker: {why}"));
            }
        }
        if let Some(i) = remove {
            subs.remove(i);
            changed = true;
        }
        ui.horizontal(|ui| {
            if ui.small_button("Add subscription").clicked() {
                subs.push(Subscription::new(String::new(), QoS::AtMostOnce));
                changed = true;
            }
            if subs.iter().all(|s| s.filter.trim().is_empty()) {
                ui.colored_label(theme::warn(dark), "none: nothing will arrive");
            }
        });
        changed |= ui
            .checkbox(numbered, "Number the subscriptions (MQTT 5 identifiers)")
            .on_hover_text(
                "Each subscription is sent with its number (or the identifier set in its \
                 options), so the inspector says which delivered a message",
            )
            .changed();
    });
    changed
}

/// What a subscription's options are, if not the defaults ("no-local, retained: never").
fn summary(s: &Subscription, place: usize, numbered: bool) -> String {
    let mut said = Vec::new();
    if s.no_local {
        said.push("no-local".to_string());
    }
    if !s.retain_as_published {
        said.push("retain flag cleared".to_string());
    }
    match s.retain_handling {
        RetainHandling::Send => {}
        RetainHandling::IfNew => said.push("retained if new".into()),
        RetainHandling::Never => said.push("no retained".into()),
    }
    match (s.id, numbered) {
        (Some(id), _) => said.push(format!("id {id}")),
        (None, true) => said.push(format!("id {}", place + 1)),
        (None, false) => {}
    }
    if said.is_empty() {
        "Options".into()
    } else {
        said.join(", ")
    }
}

/// The MQTT 5 options of one subscription, in a menu under a button that sums them up.
fn options_ui(ui: &mut Ui, s: &mut Subscription, (place, numbered): (usize, bool)) -> bool {
    let mut changed = false;
    ui.menu_button(summary(s, place, numbered), |ui| {
        ui.label("MQTT 5 options (a 3.1.1 connection sends the filter and QoS only)");
        changed |= ui
            .checkbox(
                &mut s.no_local,
                "No local: not the messages this connection publishes",
            )
            .changed();
        changed |= ui
            .checkbox(
                &mut s.retain_as_published,
                "Retain as published: live messages keep their retain flag",
            )
            .changed();
        ui.horizontal(|ui| {
            let label = ui.label("Retained messages");
            egui::ComboBox::from_id_salt(("sub_rh", place))
                .selected_text(s.retain_handling.label())
                .show_ui(ui, |ui| {
                    for h in RetainHandling::ALL {
                        changed |= ui
                            .selectable_value(&mut s.retain_handling, h, h.label())
                            .changed();
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let mut set = s.id.is_some();
            let automatic = if numbered {
                format!("Identifier (automatic: {})", place + 1)
            } else {
                "Identifier".to_string()
            };
            if ui.checkbox(&mut set, automatic).changed() {
                s.id = set.then_some(s.id.unwrap_or(place as u32 + 1));
                changed = true;
            }
            if let Some(id) = &mut s.id {
                changed |= ui
                    .add(egui::DragValue::new(id).range(1..=MAX_SUBSCRIPTION_ID))
                    .on_hover_text("1 to 268,435,455; messages it delivers carry it")
                    .changed();
            }
        });
    });
    changed
}
