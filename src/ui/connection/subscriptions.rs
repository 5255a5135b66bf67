//! The subscription list of the connection form: a filter and a QoS per row, rows removed
//! and added.

use egui::Ui;

use crate::model::QoS;
use crate::mqtt::{Subscription, SubscriptionResult};
use crate::ui::theme;

/// The subscription list: a filter and a QoS per row, rows removed and added; a filter the
/// broker refused (in `granted`, its SUBACK) says why.
pub(super) fn subscriptions_ui(
    ui: &mut Ui,
    subs: &mut Vec<Subscription>,
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
    });
    changed
}
