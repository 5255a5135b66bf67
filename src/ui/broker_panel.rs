//! The local broker panel: start/stop, port, bind address, WebSocket, credentials, state,
//! connected clients and the broker's log, live.

use egui::Ui;

use super::theme;
use crate::broker::{BrokerController, BrokerOptions, BrokerStatus};
use crate::command::{AppCommand, Commands, TabCommand};

/// The panel's form, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerForm {
    pub port: String,
    pub bind: String,
    pub websocket: bool,
    pub ws_port: String,
    pub username: String,
    pub password: String,
    pub allow_anonymous: bool,
    /// Why the last start was refused, shown under the form.
    pub error: Option<String>,
}

impl BrokerForm {
    pub fn from_options(o: &BrokerOptions) -> Self {
        Self {
            port: o.port.to_string(),
            bind: o.bind.clone(),
            websocket: o.ws_port.is_some(),
            ws_port: o.ws_port.unwrap_or(9001).to_string(),
            username: o.username.clone().unwrap_or_default(),
            password: o.password.clone().unwrap_or_default(),
            allow_anonymous: o.allow_anonymous,
            error: None,
        }
    }

    /// Validated options (whether the ports are free is checked by the app on start).
    pub fn to_options(&self) -> Result<BrokerOptions, String> {
        let port: u16 = match self.port.trim().parse() {
            Ok(p) if p > 0 => p,
            _ => return Err("the port is a number from 1 to 65535".into()),
        };
        let ws_port = if self.websocket {
            match self.ws_port.trim().parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => return Err("the WebSocket port is a number from 1 to 65535".into()),
            }
        } else {
            None
        };
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let options = BrokerOptions {
            port,
            bind: self.bind.trim().to_string(),
            ws_port,
            username: nonempty(&self.username),
            password: nonempty(&self.password),
            allow_anonymous: self.allow_anonymous,
        };
        options.validate()?;
        Ok(options)
    }
}

/// Draws the panel.
pub fn broker_panel_ui(
    ui: &mut Ui,
    controller: &BrokerController,
    form: &mut BrokerForm,
    demo_on: bool,
    commands: &mut Commands,
) {
    let dark = ui.visuals().dark_mode;
    ui.heading("Local broker");
    let status = controller.status();
    status_line_ui(ui, status);
    ui.add_space(4.0);

    let up = status.is_up();
    ui.add_enabled_ui(!up, |ui| form_fields_ui(ui, form));
    if let Some(e) = &form.error {
        ui.colored_label(theme::error(dark), e);
    }
    ui.horizontal(|ui| {
        if up {
            if ui.button("Stop").clicked() {
                commands.push(AppCommand::StopBroker);
            }
            if ui.button("Connect to it").clicked() {
                commands.tab(TabCommand::ConnectLocal);
            }
        } else if ui.button("Start").clicked() {
            match form.to_options() {
                Ok(options) => {
                    form.error = None;
                    commands.push(AppCommand::StartBroker(Box::new(options)));
                }
                Err(e) => form.error = Some(e),
            }
        }
    });
    let mut demo = demo_on;
    if ui
        .checkbox(&mut demo, "Demo devices (simulated sensors under demo/)")
        .on_hover_text("Publish simulated greenhouse sensors to the local broker")
        .changed()
    {
        commands.push(AppCommand::Demo(demo));
    }

    ui.separator();
    clients_ui(ui, controller);
    ui.separator();
    log_ui(ui, controller);
}

/// A dot in the colour of the broker's state, and the state in words.
fn status_line_ui(ui: &mut Ui, status: &BrokerStatus) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        let color = match status {
            BrokerStatus::Running { .. } => theme::good(dark),
            BrokerStatus::Starting => theme::warn(dark),
            BrokerStatus::Failed(_) => theme::error(dark),
            BrokerStatus::Stopped => theme::muted(dark),
        };
        let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().circle_filled(dot.center(), 4.5, color);
        ui.add(egui::Label::new(status.describe()).wrap());
    });
}

/// Port, bind address, WebSocket, credentials and anonymous access (while stopped).
fn form_fields_ui(ui: &mut Ui, form: &mut BrokerForm) {
    egui::Grid::new("broker_form")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let l = ui.label("Broker port");
            ui.add(egui::TextEdit::singleline(&mut form.port).desired_width(70.0))
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Bind address");
            ui.add(egui::TextEdit::singleline(&mut form.bind).desired_width(120.0))
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.checkbox(&mut form.websocket, "WebSocket");
            ui.add_enabled(
                form.websocket,
                egui::TextEdit::singleline(&mut form.ws_port).desired_width(70.0),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("User name");
            ui.add(egui::TextEdit::singleline(&mut form.username).desired_width(120.0))
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Password");
            ui.add(
                egui::TextEdit::singleline(&mut form.password)
                    .password(true)
                    .desired_width(120.0),
            )
            .labelled_by(l.id);
            ui.end_row();
        });
    ui.checkbox(
        &mut form.allow_anonymous,
        "Allow anonymous clients on a network address",
    );
}

/// The clients connected to the broker.
fn clients_ui(ui: &mut Ui, controller: &BrokerController) {
    let clients = controller.clients();
    ui.strong(format!("Clients connected: {}", clients.len()));
    egui::ScrollArea::vertical()
        .id_salt("broker_clients")
        .max_height(110.0)
        .show(ui, |ui| {
            for (id, addr) in clients {
                ui.label(egui::RichText::new(format!("{id}  {addr}")).font(theme::mono_small()));
            }
        });
}

/// The broker's log, following the newest line, and how many older lines were dropped.
fn log_ui(ui: &mut Ui, controller: &BrokerController) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal(|ui| {
        ui.strong("Log");
        if controller.log_dropped() > 0 {
            ui.colored_label(
                theme::muted(dark),
                format!("({} older lines not kept)", controller.log_dropped()),
            );
        }
    });
    egui::ScrollArea::both()
        .id_salt("broker_log")
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for line in controller.log() {
                ui.add(
                    egui::Label::new(egui::RichText::new(line).font(theme::mono_small())).extend(),
                );
            }
        });
}
