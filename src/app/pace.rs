//! Frame pacing: frames follow visible change. While only data changes (counts, values,
//! new rows), the workers' wakers ask for a frame at the data rate (10 a second by default,
//! a setting), never at animation rate; interaction draws at once (egui's own input
//! repaints); nothing is drawn while the window is minimized or hidden, though data keeps
//! being filed at the data rate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Frames per second while data arrives, unless the user sets another.
pub const DEFAULT_DATA_FPS: u32 = 10;

/// The pace shared by the app and every worker's waker.
#[derive(Clone, Debug)]
pub struct FramePace {
    /// Milliseconds between frames while only data changes.
    interval_ms: Arc<AtomicU64>,
    /// The window is minimized or covered: frames file data, draw nothing.
    hidden: Arc<AtomicBool>,
}

impl FramePace {
    pub fn new(fps: u32) -> Self {
        let pace = Self {
            interval_ms: Arc::new(AtomicU64::new(0)),
            hidden: Arc::default(),
        };
        pace.set_fps(fps);
        pace
    }

    /// Frames per second while data arrives (1 to 60).
    pub fn set_fps(&self, fps: u32) {
        let fps = u64::from(fps.clamp(1, 60));
        self.interval_ms.store(1000 / fps, Ordering::Relaxed);
    }

    /// Time between frames while only data changes.
    pub fn data_interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.load(Ordering::Relaxed))
    }

    /// A waker for a worker: asks `ctx` for a frame at the data rate.
    pub fn waker(&self, ctx: &egui::Context) -> crate::mqtt::Waker {
        let (ctx, pace) = (ctx.clone(), self.clone());
        Arc::new(move || ctx.request_repaint_after(pace.data_interval()))
    }

    /// Notes whether the window can be seen (from the viewport's info, each frame).
    pub fn observe(&self, ctx: &egui::Context) {
        let hidden = ctx.input(|i| {
            let v = i.viewport();
            v.minimized == Some(true) || v.occluded == Some(true)
        });
        self.hidden.store(hidden, Ordering::Relaxed);
    }

    /// Whether nothing should be drawn.
    pub fn hidden(&self) -> bool {
        self.hidden.load(Ordering::Relaxed)
    }
}

impl Default for FramePace {
    fn default() -> Self {
        Self::new(DEFAULT_DATA_FPS)
    }
}

/// Frames drawn and passes run, reported on stderr and closing the window when asked to
/// (`--exit-after-s`, for the window benchmarks).
#[derive(Debug)]
pub struct FrameCount {
    started: std::time::Instant,
    drawn: u64,
    passes: u64,
    exit_at: Option<std::time::Instant>,
    /// Time from the process's start to its first frame.
    first_frame: Option<Duration>,
    /// The longest frame so far, and how many took over 50 ms (eframe's measure: the
    /// app's passes, tessellation and painting, not the wait for the buffer swap).
    longest: Duration,
    slow: u64,
}

/// A frame longer than this is a stutter a user notices.
const SLOW_FRAME: Duration = Duration::from_millis(50);

impl FrameCount {
    pub fn new(exit_after: Option<Duration>) -> Self {
        let started = std::time::Instant::now();
        Self {
            started,
            drawn: 0,
            passes: 0,
            exit_at: exit_after.map(|d| started + d),
            first_frame: None,
            longest: Duration::ZERO,
            slow: 0,
        }
    }

    /// How long the previous frame took (`eframe::Frame::info().cpu_usage`).
    pub fn took(&mut self, seconds: Option<f32>) {
        let Some(took) = seconds.and_then(|s| Duration::try_from_secs_f32(s).ok()) else {
            return;
        };
        self.longest = self.longest.max(took);
        self.slow += u64::from(took > SLOW_FRAME);
    }

    pub fn drawn(&mut self) {
        self.drawn += 1;
        self.first_frame.get_or_insert_with(crate::since_start);
    }

    /// One pass of the app's logic; at the exit time, reports and closes. `messages`
    /// gives the messages filed and dropped so far, over every tab.
    pub fn pass(&mut self, ctx: &egui::Context, messages: impl FnOnce() -> (u64, u64)) {
        self.passes += 1;
        let Some(at) = self.exit_at else { return };
        let now = std::time::Instant::now();
        if now < at {
            ctx.request_repaint_after(at - now);
            return;
        }
        self.exit_at = None;
        let secs = self.started.elapsed().as_secs_f64();
        let first = self.first_frame.unwrap_or_default().as_secs_f64() * 1000.0;
        let (filed, dropped) = messages();
        eprintln!(
            "frames_drawn {} passes {} seconds {secs:.1} first_frame_ms {first:.0} \
             messages {filed} dropped {dropped} longest_frame_ms {:.1} frames_over_50ms {}",
            self.drawn,
            self.passes,
            self.longest.as_secs_f64() * 1000.0,
            self.slow
        );
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_rate_is_a_setting_within_bounds() {
        let pace = FramePace::default();
        assert_eq!(pace.data_interval(), Duration::from_millis(100));
        pace.set_fps(0);
        assert_eq!(pace.data_interval(), Duration::from_secs(1));
        pace.set_fps(1000);
        assert_eq!(pace.data_interval(), Duration::from_millis(16));
    }
}
