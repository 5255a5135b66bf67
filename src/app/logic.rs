//! Per-frame logic: apply commands, drain worker events under a time budget, screenshots.

use std::time::{Duration, Instant};

use super::{App, AppCommand};
use crate::mqtt::{WorkerCommand, WorkerEvent};

/// Longest the UI thread spends filing messages per frame; the rest waits for the next.
const INGEST_BUDGET: Duration = Duration::from_millis(8);

impl App {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            let Some(worker) = &self.worker else { continue };
            match command {
                AppCommand::Connect(settings) => {
                    let title = format!("mqscope — {}", settings.address());
                    if title != self.title {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
                        self.title = title;
                    }
                    worker.send(WorkerCommand::Connect(settings));
                }
                AppCommand::Disconnect => {
                    worker.send(WorkerCommand::Disconnect);
                }
            }
        }
    }

    /// Files what the worker sent, for at most [`INGEST_BUDGET`]; asks for another frame
    /// at once if more is waiting.
    pub(super) fn drain_events(&mut self, ctx: &egui::Context) {
        let Some(worker) = &self.worker else { return };
        self.connection = worker.state();
        let start = Instant::now();
        while let Some(event) = self.worker.as_ref().and_then(|w| w.events.try_recv()) {
            self.feed(event);
            if start.elapsed() > INGEST_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
        if let Some(id) = self
            .pending_select
            .as_deref()
            .and_then(|t| self.store.tree().find(t))
        {
            self.tree.reveal(self.store.tree(), id);
            self.pending_select = None;
        }
        if self.connection.is_connected() {
            // Keep the rate display current.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Applies one worker event (tests feed events through here too).
    pub fn feed(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::Messages(batch) => self.store.apply_batch(batch),
            WorkerEvent::Published(outcome) => {
                tracing::debug!("publish {}: {:?}", outcome.id, outcome.result);
            }
        }
    }

    /// Messages the worker had to drop because the UI fell behind.
    pub fn dropped(&self) -> u64 {
        self.worker.as_ref().map_or(0, |w| w.events.dropped())
    }

    pub(super) fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(plan) = &mut self.screenshot else {
            return;
        };
        if plan.requested {
            return;
        }
        let now = Instant::now();
        if now < plan.at {
            ctx.request_repaint_after(plan.at - now);
            return;
        }
        plan.requested = true;
        let path = plan.path.clone();
        let closer = ctx.clone();
        ctx.request_screenshot(move |image| {
            let [w, h] = image.size;
            let pixels: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
            let saved = image::RgbaImage::from_raw(w as u32, h as u32, pixels)
                .ok_or_else(|| "the screenshot had the wrong size".to_string())
                .and_then(|img| img.save(&path).map_err(|e| e.to_string()));
            match saved {
                Ok(()) => eprintln!("mqscope: screenshot saved to {}", path.display()),
                Err(e) => eprintln!(
                    "mqscope: could not save the screenshot to {}: {e}",
                    path.display()
                ),
            }
            closer.send_viewport_cmd(egui::ViewportCommand::Close);
            closer.request_repaint();
        });
        ctx.request_repaint();
    }
}
