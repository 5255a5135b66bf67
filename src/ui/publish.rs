//! The publish panel: topic, payload in a chosen format, QoS, retain, MQTT 5 properties,
//! and what became of the last publish.

use egui::Ui;

pub use super::publish_reply::ReplyState;
use super::theme;
use crate::command::{AppCommand, Commands, TabCommand};
use crate::model::payload_format::{PayloadFormat, validate_topic};
use crate::model::{Message, NodeId, Properties, TopicTree};
use crate::mqtt::{BrokerInfo, PublishRequest};
use crate::mqtt::{Delivered, PublishError};
use crate::profiles::publish::{PublishLibrary, SavedMessage};

/// The editor's contents, as typed.
#[derive(Clone, Debug, Default)]
pub struct PublishForm {
    /// The message being edited, as saved in history and templates.
    pub msg: SavedMessage,
    /// Request id of the last publish and its outcome (`None` while waiting).
    pub last: Option<(u64, Option<Result<Delivered, PublishError>>)>,
    /// The topic alias the last publish went by (MQTT 5).
    pub last_alias: Option<u16>,
    next_id: u64,
    /// Name typed for "Save as template".
    pub template_name: String,
    /// A template being renamed: its name and the new name typed so far.
    pub renaming: Option<(String, String)>,
    /// The payload as bytes, for the format and text it was made from: encoded when they
    /// change, not on every frame (a large JSON or base64 payload is not cheap).
    encoded: Option<Encoded>,
    /// The topic last filled in from the tree's selection: another selection replaces
    /// it only while the user has not typed over it.
    filled_topic: Option<String>,
    /// Send on the next frame, as if Publish were clicked (Ctrl+Enter, the palette).
    pub send_now: bool,
    /// Timed publish: how often and how many times.
    pub repeat: super::publish_repeat::RepeatForm,
    /// Send as a request and wait for its reply (MQTT 5).
    pub wait_reply: bool,
    pub reply: Option<ReplyState>,
}

/// The editor's payload, encoded.
#[derive(Clone, Debug)]
struct Encoded {
    format: crate::model::payload_format::PayloadFormat,
    text: String,
    bytes: Result<Vec<u8>, String>,
}

impl PublishForm {
    /// Fills the topic with the tree's selection `topic`, when the field is empty or still
    /// holds the last selection filled in (a topic the user typed is kept).
    pub fn fill_topic(&mut self, topic: &str) {
        let untouched = self.msg.topic.is_empty()
            || self.filled_topic.as_deref() == Some(self.msg.topic.as_str());
        if untouched {
            self.msg.topic = topic.to_string();
            self.filled_topic = Some(topic.to_string());
        }
    }

    /// The editor as saved in history and templates.
    pub fn to_saved(&self) -> SavedMessage {
        self.msg.clone()
    }

    /// Loads a saved message into the editor.
    pub fn load_saved(&mut self, m: &SavedMessage) {
        self.msg = m.clone();
    }

    /// Fills the editor from a received message ("Edit as new message").
    pub fn load_message(&mut self, topic: &str, m: &Message) {
        self.msg.topic = topic.to_string();
        self.filled_topic = Some(topic.to_string());
        match m.payload.text() {
            Some(text) if !m.payload.is_truncated() => {
                self.msg.payload = text.to_string();
                self.msg.format = if m.payload.kind() == crate::model::PayloadKind::Json {
                    PayloadFormat::Json
                } else {
                    PayloadFormat::Text
                };
            }
            _ => {
                self.msg.payload = crate::model::payload::hex_bytes(m.payload.bytes());
                self.msg.format = PayloadFormat::Hex;
            }
        }
        self.msg.qos = m.qos;
        self.msg.retain = m.retain;
        let props = m.properties.as_deref();
        self.msg.content_type = props
            .and_then(|p| p.content_type.clone())
            .unwrap_or_default();
        self.msg.user_properties = props
            .map(|p| {
                p.user_properties
                    .iter()
                    .map(|(k, v)| format!("{k}={v}\n"))
                    .collect()
            })
            .unwrap_or_default();
        self.msg.expiry_s = props
            .and_then(|p| p.message_expiry_interval)
            .map(|s| s.to_string())
            .unwrap_or_default();
        self.msg.response_topic = props
            .and_then(|p| p.response_topic.clone())
            .unwrap_or_default();
        self.msg.correlation_data = props
            .and_then(|p| p.correlation_data.as_ref())
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .unwrap_or_default();
        self.msg.utf8_indicator = props.and_then(|p| p.payload_format_indicator) == Some(1);
    }

    /// MQTT 5 properties from the form, or why they are wrong.
    pub fn properties(&self) -> Result<Option<Properties>, String> {
        let mut props = Properties::default();
        if !self.msg.content_type.trim().is_empty() {
            props.content_type = Some(self.msg.content_type.trim().to_string());
        }
        for line in self
            .msg
            .user_properties
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let Some((k, v)) = line.split_once('=') else {
                return Err(format!("user property \"{line}\" needs key=value"));
            };
            props
                .user_properties
                .push((k.trim().to_string(), v.trim().to_string()));
        }
        if !self.msg.expiry_s.trim().is_empty() {
            match self.msg.expiry_s.trim().parse::<u32>() {
                Ok(s) => props.message_expiry_interval = Some(s),
                Err(_) => return Err("message expiry is a number of seconds".into()),
            }
        }
        if !self.msg.response_topic.is_empty() {
            validate_topic(&self.msg.response_topic).map_err(|e| format!("response topic: {e}"))?;
            props.response_topic = Some(self.msg.response_topic.clone());
        }
        if !self.msg.correlation_data.is_empty() {
            props.correlation_data = Some(self.msg.correlation_data.as_bytes().to_vec());
        }
        if self.msg.utf8_indicator {
            props.payload_format_indicator = Some(1);
        }
        Ok((!props.is_empty()).then_some(props))
    }

    /// The payload's bytes in its format, or why it does not encode; encoded again only
    /// when the text or the format changed.
    pub fn payload_bytes(&mut self) -> &Result<Vec<u8>, String> {
        let fresh = self
            .encoded
            .as_ref()
            .is_some_and(|e| e.format == self.msg.format && e.text == self.msg.payload);
        if !fresh {
            self.encoded = None;
        }
        let msg = &self.msg;
        &self
            .encoded
            .get_or_insert_with(|| Encoded {
                format: msg.format,
                text: msg.payload.clone(),
                bytes: msg.format.encode(&msg.payload),
            })
            .bytes
    }

    /// Why the Publish button is disabled, if it is.
    pub fn check(&mut self, connected: bool, v5: bool) -> Result<(), String> {
        validate_topic(&self.msg.topic)?;
        self.payload_bytes().as_ref().map_err(Clone::clone)?;
        if !self.msg.encode.trim().is_empty() && self.msg.format != PayloadFormat::Json {
            return Err("sending through a decoder takes a JSON value: pick JSON".into());
        }
        if v5 {
            self.properties()?;
        }
        if !connected {
            return Err("not connected".into());
        }
        Ok(())
    }

    /// Why the broker would refuse this message by what its CONNACK said (QoS, retain,
    /// packet size), if it would.
    pub fn within(&mut self, broker: &BrokerInfo) -> Result<(), String> {
        let (qos, retain, topic) = (self.msg.qos, self.msg.retain, self.msg.topic.len());
        let props = self.properties().ok().flatten();
        let payload = self.payload_bytes().as_ref().map_or(0, Vec::len);
        let packet = crate::mqtt::connack::packet_bytes(topic, props.as_ref(), payload);
        broker
            .refuses_publish(qos, retain, packet)
            .map_or(Ok(()), Err)
    }

    /// The request to send, or the reason the Publish button is disabled.
    pub fn request(&mut self, connected: bool, v5: bool) -> Result<PublishRequest, String> {
        self.check(connected, v5)?;
        let payload = self.payload_bytes().clone()?;
        let properties = if v5 { self.properties()? } else { None };
        let encode = self.msg.encode.trim();
        Ok(PublishRequest {
            id: self.next_id,
            topic: self.msg.topic.clone(),
            payload,
            qos: self.msg.qos,
            retain: self.msg.retain,
            properties,
            encode: (!encode.is_empty()).then(|| encode.to_string()),
        })
    }

    /// Records the outcome of publish request `id`.
    pub fn outcome(
        &mut self,
        id: u64,
        result: Result<Delivered, PublishError>,
        alias: Option<u16>,
    ) {
        if matches!(self.last, Some((last, _)) if last == id) {
            (self.last, self.last_alias) = (Some((id, Some(result))), alias);
        }
    }
}

/// Templates and recent messages beside the editor; clicking one loads it.
pub fn library_ui(
    ui: &mut Ui,
    form: &mut PublishForm,
    library: &PublishLibrary,
    connection: &str,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Template name");
        ui.add(egui::TextEdit::singleline(&mut form.template_name).desired_width(120.0))
            .labelled_by(l.id);
        let name = form.template_name.trim().to_string();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Save as template"))
            .clicked()
        {
            commands.push(AppCommand::SaveTemplate(name, form.to_saved()));
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("publish_library")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.strong("Templates");
            if library.templates().is_empty() {
                ui.colored_label(
                    theme::muted(dark),
                    "None yet: name the editor's message and save it",
                );
            }
            for t in library.templates() {
                ui.horizontal(|ui| match &mut form.renaming {
                    Some((old, new)) if *old == t.name => {
                        ui.add(egui::TextEdit::singleline(new).desired_width(120.0));
                        if ui.button("OK").clicked() {
                            commands.push(AppCommand::RenameTemplate(old.clone(), new.clone()));
                            form.renaming = None;
                        } else if ui.button("Cancel").clicked() {
                            form.renaming = None;
                        }
                    }
                    _ => {
                        if ui.link(&t.name).on_hover_text(&t.message.topic).clicked() {
                            form.load_saved(&t.message);
                            form.template_name = t.name.clone();
                        }
                        if ui.small_button("Rename").clicked() {
                            form.renaming = Some((t.name.clone(), t.name.clone()));
                        }
                        if ui.small_button("Delete").clicked() {
                            commands.push(AppCommand::DeleteTemplate(t.name.clone()));
                        }
                    }
                });
            }
            ui.add_space(6.0);
            ui.strong("Recently published");
            for m in library.history(connection) {
                let text = format!("{}  {}", m.topic, shorten(&m.payload, 40));
                if ui
                    .add(
                        egui::Label::new(egui::RichText::new(text).font(theme::mono_small()))
                            .sense(egui::Sense::click())
                            .truncate(),
                    )
                    .on_hover_text("Load into the editor")
                    .clicked()
                {
                    form.load_saved(m);
                }
            }
        });
}

/// Up to `max` known topics (or levels) continuing what is typed: the children of the last
/// complete level whose names start with the partial one. O(children), not O(tree).
pub fn completions(tree: &TopicTree, typed: &str, max: usize) -> Vec<String> {
    if typed.is_empty() {
        return Vec::new();
    }
    let (parent, partial) = match typed.rfind('/') {
        Some(i) => (tree.find(&typed[..i]), &typed[i + 1..]),
        None => (Some(NodeId::ROOT), typed),
    };
    let Some(parent) = parent else {
        return Vec::new();
    };
    let prefix = &typed[..typed.len() - partial.len()];
    tree.node(parent)
        .children()
        .iter()
        .map(|&c| tree.node(c).name())
        .filter(|name| name.starts_with(partial) && *name != partial)
        .take(max)
        .map(|name| format!("{prefix}{name}"))
        .collect()
}

fn shorten(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// Draws the panel; Publish (or Ctrl+Enter) emits [`TabCommand::Publish`].
/// `encoders`: the decoders of the connection's rules a payload can be sent through.
pub fn publish_ui(
    ui: &mut Ui,
    form: &mut PublishForm,
    (tree, encoders): (&TopicTree, &[String]),
    (connected, v5): (bool, bool),
    broker: Option<&BrokerInfo>,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    let before = form.msg.clone();
    topic_rows_ui(ui, form, tree);
    super::publish_options::options_row_ui(ui, form, encoders);
    payload_field_ui(ui, form);
    if v5 {
        properties_rows_ui(ui, form);
    }
    let ready = form
        .check(connected, v5)
        .and_then(|()| broker.map_or(Ok(()), |b| form.within(b)));
    // The last outcome belongs to the message as it was sent: once the form changes, or
    // publishing is off, it goes (a request still waiting keeps its "publishing…").
    if (form.msg != before || ready.is_err()) && matches!(form.last, Some((_, Some(_)))) {
        form.last = None;
    }
    ui.horizontal_wrapped(|ui| {
        let button = ui
            .add_enabled(ready.is_ok(), egui::Button::new("Publish"))
            .on_hover_text("Ctrl+Enter");
        let shortcut = std::mem::take(&mut form.send_now);
        match &ready {
            Err(reason) => {
                ui.colored_label(theme::muted(dark), format!("Publish is off: {reason}"));
            }
            // The request (and its payload's copy) is made only when it is sent.
            Ok(()) if button.clicked() || shortcut => {
                if let Ok(req) = form.request(connected, v5) {
                    form.last = Some((req.id, None));
                    form.next_id += 1;
                    let (req, saved) = (Box::new(req), form.to_saved());
                    commands.tab(if form.wait_reply && v5 {
                        TabCommand::Request(req, saved)
                    } else {
                        TabCommand::Publish(req, saved)
                    });
                }
            }
            Ok(()) => {}
        }
        super::publish_reply::outcome_ui(ui, &form.last, form.last_alias);
    });
    super::publish_reply::reply_ui(ui, (&mut form.wait_reply, &form.reply), v5);
}

/// The topic, its problem if it has one, and known topics that continue what is typed.
fn topic_rows_ui(ui: &mut Ui, form: &mut PublishForm, tree: &TopicTree) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let l = ui.label("Topic");
        ui.add(
            egui::TextEdit::singleline(&mut form.msg.topic)
                .hint_text("e.g. home/kitchen/light/set")
                .desired_width(360.0),
        )
        .labelled_by(l.id);
        if let Err(e) = validate_topic(&form.msg.topic)
            && !form.msg.topic.is_empty()
        {
            ui.colored_label(theme::error(dark), e);
        }
    });
    let suggestions = completions(tree, &form.msg.topic, 8);
    if !suggestions.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(theme::muted(dark), "Known topics");
            for s in suggestions {
                if ui.small_button(&s).clicked() {
                    form.msg.topic = s;
                }
            }
        });
    }
}

/// The payload, and its size once encoded or why it cannot be.
fn payload_field_ui(ui: &mut Ui, form: &mut PublishForm) {
    let dark = ui.visuals().dark_mode;
    let payload_label = ui.label("Payload");
    ui.add(
        egui::TextEdit::multiline(&mut form.msg.payload)
            .font(theme::mono())
            .desired_rows(4)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(payload_label.id);
    match form.payload_bytes() {
        Ok(bytes) => {
            ui.colored_label(theme::muted(dark), format!("{} bytes", bytes.len()));
        }
        Err(e) => {
            ui.colored_label(theme::error(dark), e);
        }
    }
}

/// The MQTT 5 properties of the message.
fn properties_rows_ui(ui: &mut Ui, form: &mut PublishForm) {
    ui.horizontal(|ui| {
        let l = ui.label("Content type");
        ui.add(egui::TextEdit::singleline(&mut form.msg.content_type).desired_width(160.0))
            .labelled_by(l.id);
        let l = ui.label("User properties");
        ui.add(
            egui::TextEdit::multiline(&mut form.msg.user_properties)
                .hint_text("key=value, one per line")
                .desired_rows(1)
                .desired_width(240.0),
        )
        .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label("Expiry (s)");
        ui.add(egui::TextEdit::singleline(&mut form.msg.expiry_s).desired_width(60.0))
            .labelled_by(l.id);
        let l = ui.label("Response topic");
        ui.add(egui::TextEdit::singleline(&mut form.msg.response_topic).desired_width(160.0))
            .labelled_by(l.id);
        let l = ui.label("Correlation data");
        ui.add(egui::TextEdit::singleline(&mut form.msg.correlation_data).desired_width(120.0))
            .labelled_by(l.id);
        ui.checkbox(&mut form.msg.utf8_indicator, "Payload is UTF-8");
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QoS;

    #[test]
    fn the_payload_is_encoded_again_only_when_it_changes() {
        let mut form = PublishForm::default();
        form.msg.format = PayloadFormat::Hex;
        form.msg.payload = "de ad".into();
        assert_eq!(form.payload_bytes(), &Ok(vec![0xde, 0xad]));
        assert!(form.encoded.is_some());
        form.msg.payload = "de ad be".into();
        assert_eq!(
            form.payload_bytes(),
            &Ok(vec![0xde, 0xad, 0xbe]),
            "text changed"
        );
        form.msg.format = PayloadFormat::Text;
        assert_eq!(
            form.payload_bytes(),
            &Ok(b"de ad be".to_vec()),
            "format changed"
        );
    }

    #[test]
    fn the_brokers_limits_say_why_a_message_cannot_go() {
        let mut broker = BrokerInfo::v5(false, None);
        broker.maximum_qos = Some(1);
        broker.retain_available = Some(false);
        broker.maximum_packet_size = Some(100);
        let mut form = PublishForm::default();
        form.msg.topic = "a/b".into();
        form.msg.payload = "x".repeat(50);
        assert_eq!(form.within(&broker), Ok(()));
        form.msg.qos = QoS::ExactlyOnce;
        assert!(form.within(&broker).unwrap_err().contains("QoS 1 at most"));
        form.msg.qos = QoS::AtLeastOnce;
        form.msg.retain = true;
        assert!(form.within(&broker).unwrap_err().contains("retained"));
        form.msg.retain = false;
        form.msg.payload = "x".repeat(100);
        let why = form.within(&broker).unwrap_err();
        assert!(
            why.contains("over the broker's largest packet (100 B)"),
            "{why}"
        );
    }

    #[test]
    fn completion_continues_the_typed_level() {
        let mut t = TopicTree::default();
        for topic in ["home/kitchen/light", "home/hall", "house/x", "office"] {
            t.ensure(topic);
        }
        assert_eq!(completions(&t, "ho", 8), ["home", "house"]);
        assert_eq!(completions(&t, "home/", 8), ["home/hall", "home/kitchen"]);
        assert_eq!(completions(&t, "home/k", 8), ["home/kitchen"]);
        assert!(completions(&t, "nowhere/x", 8).is_empty());
        assert!(completions(&t, "", 8).is_empty());
    }

    #[test]
    fn mqtt5_fields_become_properties() {
        let msg = SavedMessage {
            topic: "a".into(),
            expiry_s: "60".into(),
            response_topic: "a/reply".into(),
            correlation_data: "req-1".into(),
            utf8_indicator: true,
            user_properties: "k=v\n".into(),
            ..Default::default()
        };
        let mut form = PublishForm {
            msg,
            ..Default::default()
        };
        let p = form.request(true, true).unwrap().properties.unwrap();
        assert_eq!(p.message_expiry_interval, Some(60));
        assert_eq!(p.response_topic.as_deref(), Some("a/reply"));
        assert_eq!(p.correlation_data.as_deref(), Some(&b"req-1"[..]));
        assert_eq!(p.payload_format_indicator, Some(1));
        assert_eq!(p.user_properties, [("k".to_string(), "v".to_string())]);
        let mut bad = PublishForm {
            msg: SavedMessage {
                topic: "a".into(),
                expiry_s: "soon".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(bad.request(true, true).unwrap_err().contains("expiry"));
        assert!(
            form.request(true, false).unwrap().properties.is_none(),
            "3.1.1 has none"
        );
    }
}
