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

/// The broker's log, following the newest line, wrapped so that every line reads whole in
/// a narrow panel (the time shortened to the clock), with how many older lines were dropped
/// and a button copying the log as the broker wrote it.
fn log_ui(ui: &mut Ui, controller: &BrokerController) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Log");
        if ui
            .small_button("Copy log")
            .on_hover_text("Copy every kept line, with full timestamps")
            .clicked()
        {
            let text: Vec<&str> = controller.log().iter().map(String::as_str).collect();
            ui.ctx().copy_text(text.join("\n"));
        }
        if controller.log_dropped() > 0 {
            ui.colored_label(
                theme::muted(dark),
                format!("({} older lines not kept)", controller.log_dropped()),
            );
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("broker_log")
        .stick_to_bottom(true)
        .auto_shrink([false, true])
        .max_height(theme::BROKER_LOG_HEIGHT)
        .show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = theme::LOG_LINE_GAP;
            for line in controller.log() {
                let (clock, rest) = short_log_line(line);
                let mut job = egui::text::LayoutJob::default();
                let font = theme::mono_small();
                if let Some(clock) = clock {
                    job.append(
                        clock,
                        0.0,
                        egui::TextFormat::simple(font.clone(), theme::muted(dark)),
                    );
                    job.append(
                        " ",
                        0.0,
                        egui::TextFormat::simple(font.clone(), theme::muted(dark)),
                    );
                }
                job.append(
                    rest,
                    0.0,
                    egui::TextFormat::simple(font, ui.visuals().text_color()),
                );
                ui.add(egui::Label::new(job).wrap());
            }
        });
}

/// A log line as shown: an RFC 3339 timestamp at its start becomes the clock time
/// (`14:37:26`), the rest is kept with its run of spaces closed up.
pub fn short_log_line(line: &str) -> (Option<&str>, &str) {
    let Some((stamp, rest)) = line.split_once(' ') else {
        return (None, line);
    };
    let b = stamp.as_bytes();
    let looks_like_time = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && stamp.is_char_boundary(11)
        && stamp.is_char_boundary(19);
    if !looks_like_time {
        return (None, line);
    }
    (Some(&stamp[11..19]), rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::short_log_line;

    #[test]
    fn log_lines_show_the_clock_and_the_rest() {
        assert_eq!(
            short_log_line("2026-12-01T14:37:26.471942Z  INFO client connected: a"),
            (Some("14:37:26"), "INFO client connected: a")
        );
        // Lines without a timestamp, short lines and odd bytes pass as they are.
        assert_eq!(short_log_line("stopped"), (None, "stopped"));
        assert_eq!(
            short_log_line("starting: mqscope broker --port 1"),
            (None, "starting: mqscope broker --port 1")
        );
        let odd = "2026-12-01T14:3é:26.471942Z x";
        assert_eq!(short_log_line(odd), (None, odd));
        assert_eq!(
            short_log_line("温度温度温度温度温度温度温度 x"),
            (None, "温度温度温度温度温度温度温度 x")
        );
    }
}
