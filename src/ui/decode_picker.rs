//! The inspector's "Decode as": the topic's decoder rule, a one-off decoder, and "Save as
//! rule" to keep the one-off choice for the topic or its parent level.

use egui::Ui;

use super::payload_view::PayloadView;
use crate::command::{Commands, TabCommand};
use crate::model::decode::Decoder;
use crate::model::decode::rules::DecoderRule;

/// Draws "Decode as" for a message of `topic` shown in `view` (`decoded_by`: the rule
/// that decoded it on arrival, if one did); the view the user picked, if any.
pub fn decode_as_ui(
    ui: &mut Ui,
    view: PayloadView,
    decoded_by: Option<&str>,
    topic: &str,
    commands: &mut Commands,
) -> Option<PayloadView> {
    let mut picked = None;
    let label = ui.label("Decode as");
    let shown = match (view, decoded_by) {
        (PayloadView::Decoded(d), _) => d.label().to_string(),
        (PayloadView::Rule, Some(by)) => format!("Rule: {by}"),
        _ => "—".into(),
    };
    egui::ComboBox::from_id_salt("decoder")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            if let Some(by) = decoded_by
                && ui
                    .selectable_label(view == PayloadView::Rule, format!("Rule: {by}"))
                    .clicked()
            {
                picked = Some(PayloadView::Rule);
            }
            for d in Decoder::ALL {
                let this = PayloadView::Decoded(d);
                if ui.selectable_label(view == this, d.label()).clicked() {
                    picked = Some(this);
                }
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(
            "The topic's decoder rule, or MessagePack, CBOR or Sparkplug B as a tree; \
             numbers can be plotted",
        );
    if let PayloadView::Decoded(d) = view {
        ui.menu_button("Save as rule", |ui| {
            for filter in rule_filters(topic) {
                if ui.button(format!("For {filter}")).clicked() {
                    let rule = DecoderRule::new(filter, d.spec_name());
                    commands.tab(TabCommand::AddDecoderRule(rule));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text(
            "Decode the messages of these topics this way as they arrive (see Decoders…)",
        );
    }
    picked
}

/// The filters a rule made from a message of `topic` may take: the topic itself, and its
/// parent level with `/#`.
pub fn rule_filters(topic: &str) -> Vec<String> {
    let mut filters = vec![topic.to_string()];
    if let Some((parent, _)) = topic.rsplit_once('/') {
        filters.push(format!("{parent}/#"));
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_for_the_topic_or_its_parent_level() {
        assert_eq!(rule_filters("plant/7/raw"), ["plant/7/raw", "plant/7/#"]);
        assert_eq!(rule_filters("solo"), ["solo"]);
        assert_eq!(rule_filters("/a"), ["/a", "/#"]);
    }
}
