//! Timed publish in the publish panel: "Repeat every N ms, M times (0: until stopped)" for
//! the message being edited, with placeholders in topic and payload, and the timed
//! publishes under way with their counts and a Stop button each.

use egui::Ui;

use super::publish::PublishForm;
use super::theme;
use crate::command::{Commands, RepeatSpec, TabCommand};
use crate::model::payload_format::{PayloadFormat, validate_topic};
use crate::model::placeholders::Template;
use crate::mqtt::repeat::RepeatPayload;

/// The repeat settings being edited (not saved).
#[derive(Clone, Debug)]
pub struct RepeatForm {
    pub every_ms: u64,
    /// 0: until stopped.
    pub times: u64,
    /// Why the last Start did not start (a placeholder or the payload), until it works.
    pub problem: Option<String>,
}

impl Default for RepeatForm {
    fn default() -> Self {
        Self {
            every_ms: 1000,
            times: 0,
            problem: None,
        }
    }
}

/// A timed publish as the panel lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatView {
    /// "plant/{{seq}} every 1000 ms".
    pub label: String,
    /// "12 sent, 12 acknowledged" or how it ended.
    pub status: String,
    pub running: bool,
}

/// What to send again and again, from the form; the placeholders' or the topic's problem.
fn spec(form: &mut PublishForm, v5: bool) -> Result<RepeatSpec, String> {
    validate_topic(&form.msg.topic)?;
    let topic = Template::parse(&form.msg.topic).map_err(|e| format!("topic: {e}"))?;
    let payload = match form.msg.format {
        // Placeholders first; the text (JSON or not) is sent as it is then.
        PayloadFormat::Text | PayloadFormat::Json => RepeatPayload::Text(
            Template::parse(&form.msg.payload).map_err(|e| format!("payload: {e}"))?,
        ),
        PayloadFormat::Hex | PayloadFormat::Base64 => {
            RepeatPayload::Bytes(form.payload_bytes().clone()?)
        }
    };
    let properties = if v5 { form.properties()? } else { None };
    let repeat = &form.repeat;
    Ok(RepeatSpec {
        label: format!("{} every {} ms", form.msg.topic, repeat.every_ms),
        topic,
        payload,
        qos: form.msg.qos,
        retain: form.msg.retain,
        properties,
        every_ms: repeat.every_ms,
        times: (repeat.times > 0).then_some(repeat.times),
    })
}

/// The repeat row and the timed publishes under way.
pub fn repeat_ui(
    ui: &mut Ui,
    form: &mut PublishForm,
    (connected, v5): (bool, bool),
    runs: &[RepeatView],
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    // Only the topic is checked on each frame; the payload's placeholders when started.
    let topic = validate_topic(&form.msg.topic);
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Repeat every");
        ui.add(
            egui::DragValue::new(&mut form.repeat.every_ms)
                .range(10..=86_400_000)
                .suffix(" ms"),
        )
        .labelled_by(l.id);
        let l = ui.label("times");
        ui.add(egui::DragValue::new(&mut form.repeat.times).range(0..=u32::MAX))
            .labelled_by(l.id)
            .on_hover_text("0: until stopped");
        let start = ui
            .add_enabled(
                connected && topic.is_ok(),
                egui::Button::new("Start repeating"),
            )
            .on_hover_text(
                "Placeholders in topic and payload: {{seq}} {{now_ms}} {{now_iso}} {{uuid}} \
                 {{random:20:30}} {{random_int:0:100}}",
            );
        if start.clicked() {
            match spec(form, v5) {
                Ok(spec) => {
                    form.repeat.problem = None;
                    commands.tab(TabCommand::StartRepeat(Box::new(spec)));
                }
                Err(why) => form.repeat.problem = Some(why),
            }
        }
        if let Some(why) = &form.repeat.problem {
            ui.colored_label(theme::error(dark), why);
        } else if !connected {
            ui.colored_label(theme::muted(dark), "not connected");
        }
    });
    for (i, run) in runs.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            let colour = if run.running {
                theme::good(dark)
            } else {
                theme::muted(dark)
            };
            ui.colored_label(colour, &run.label);
            ui.label(&run.status);
            let (button, tip) = if run.running {
                ("Stop", "Stop this timed publish")
            } else {
                ("Remove", "Take it off the list")
            };
            if ui.small_button(button).on_hover_text(tip).clicked() {
                commands.tab(TabCommand::StopRepeat(i));
            }
        });
    }
}
