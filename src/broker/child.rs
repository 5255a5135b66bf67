//! Runs the local broker as a child process of this executable (`mqscope broker …`), so it
//! can really be stopped, a broker fault never takes the window down, and it goes when we do.
//!
//! The child reports machine-readable events as JSON lines on stdout (listening, clients
//! connecting and leaving) and human log lines on stderr; it exits when its stdin closes,
//! which happens when this process exits or dies.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use super::options::{BrokerOptions, PASSWORD_ENV};

/// Most log lines kept for the broker panel.
pub const LOG_LINES: usize = 500;

/// The broker as the user should see it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum BrokerStatus {
    #[default]
    Stopped,
    Starting,
    /// Accepting connections on this address (and WebSocket address, if any).
    Running {
        addr: String,
        ws_addr: Option<String>,
    },
    /// Exited on its own; the reason in words.
    Failed(String),
}

impl BrokerStatus {
    pub fn describe(&self) -> String {
        match self {
            Self::Stopped => "stopped".into(),
            Self::Starting => "starting…".into(),
            Self::Running {
                addr,
                ws_addr: None,
            } => format!("running on {addr}"),
            Self::Running {
                addr,
                ws_addr: Some(ws),
            } => {
                format!("running on {addr} (WebSocket ws://{ws}/mqtt)")
            }
            Self::Failed(reason) => format!("failed: {reason}"),
        }
    }

    pub fn is_up(&self) -> bool {
        matches!(self, Self::Starting | Self::Running { .. })
    }
}

/// An event the child prints on stdout, one JSON object per line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChildEvent {
    Listening {
        addr: String,
        ws_addr: Option<String>,
    },
    ClientConnected {
        id: String,
        addr: String,
    },
    ClientDisconnected {
        id: String,
    },
}

/// What the reader threads pass to the controller.
enum Line {
    Event(ChildEvent),
    Log(String),
}

/// Starts, watches and stops the broker child process.
#[derive(Default)]
pub struct BrokerController {
    child: Option<Child>,
    status: BrokerStatus,
    lines: Option<Receiver<Line>>,
    /// Recent log lines, oldest first, at most [`LOG_LINES`].
    log: VecDeque<String>,
    /// Log lines not kept because the panel's buffer or the pipe reader fell behind.
    log_dropped: u64,
    /// Connected clients: id → remote address.
    clients: BTreeMap<String, String>,
    /// The options of the running (or last) broker.
    options: Option<BrokerOptions>,
    /// Lines the reader threads could not pass on (the channel was full).
    pipe_dropped: Arc<AtomicU64>,
    /// The mqscope executable to run; `None` means this process's own.
    program: Option<std::path::PathBuf>,
}

impl BrokerController {
    /// A controller that runs `program broker …` instead of this executable (for tests,
    /// whose own executable is the test harness).
    pub fn with_program(program: impl Into<std::path::PathBuf>) -> Self {
        let mut controller = Self::default();
        controller.program = Some(program.into());
        controller
    }

    pub fn status(&self) -> &BrokerStatus {
        &self.status
    }

    pub fn log(&self) -> &VecDeque<String> {
        &self.log
    }

    pub fn log_dropped(&self) -> u64 {
        self.log_dropped
    }

    pub fn clients(&self) -> &BTreeMap<String, String> {
        &self.clients
    }

    pub fn options(&self) -> Option<&BrokerOptions> {
        self.options.as_ref()
    }

    /// Process id of the running child, if any.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts `mqscope broker` with `options` (stopping any running one first).
    pub fn start(&mut self, options: &BrokerOptions) -> Result<(), String> {
        self.stop();
        let exe = match &self.program {
            Some(p) => p.clone(),
            None => std::env::current_exe()
                .map_err(|e| format!("cannot find the mqscope executable: {e}"))?,
        };
        let mut command = Command::new(exe);
        command
            .arg("broker")
            .args(options.to_args())
            .arg("--events")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = &options.password {
            command.env(PASSWORD_ENV, password);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the broker process: {e}"))?;
        let (tx, rx) = sync_channel(1024);
        if let Some(out) = child.stdout.take() {
            spawn_reader(
                "broker-events",
                out,
                tx.clone(),
                true,
                self.pipe_dropped.clone(),
            )?;
        }
        if let Some(err) = child.stderr.take() {
            spawn_reader("broker-log", err, tx, false, self.pipe_dropped.clone())?;
        }
        self.log.clear();
        self.clients.clear();
        self.push_log(format!(
            "starting: mqscope broker {}",
            options.to_args().join(" ")
        ));
        self.lines = Some(rx);
        self.child = Some(child);
        self.status = BrokerStatus::Starting;
        self.options = Some(options.clone());
        Ok(())
    }

    /// Stops the child and waits for it to exit (its port is free afterwards).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            self.drain();
            self.push_log("stopped".into());
            self.status = BrokerStatus::Stopped;
        }
        self.clients.clear();
        self.lines = None;
    }

    /// Takes what the child printed and notices if it exited. Cheap; call every frame.
    pub fn poll(&mut self) {
        self.drain();
        let Some(child) = &mut self.child else { return };
        match child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                self.child = None;
                self.drain();
                let last = self.log.back().cloned().unwrap_or_default();
                let reason = if last.is_empty() {
                    format!("the broker exited ({status})")
                } else {
                    last
                };
                self.status = BrokerStatus::Failed(reason);
                self.clients.clear();
            }
            Err(e) => self.status = BrokerStatus::Failed(format!("cannot watch the broker: {e}")),
        }
    }

    fn drain(&mut self) {
        self.log_dropped += self.pipe_dropped.swap(0, Ordering::Relaxed);
        let Some(rx) = &self.lines else { return };
        let lines: Vec<Line> = rx.try_iter().take(10_000).collect();
        for line in lines {
            match line {
                Line::Log(text) => self.push_log(text),
                Line::Event(ChildEvent::Listening { addr, ws_addr }) => {
                    self.status = BrokerStatus::Running { addr, ws_addr };
                }
                Line::Event(ChildEvent::ClientConnected { id, addr }) => {
                    self.clients.insert(id, addr);
                }
                Line::Event(ChildEvent::ClientDisconnected { id }) => {
                    self.clients.remove(&id);
                }
            }
        }
    }

    fn push_log(&mut self, text: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
            self.log_dropped += 1;
        }
        self.log.push_back(text);
    }
}

impl Drop for BrokerController {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_reader(
    name: &str,
    pipe: impl std::io::Read + Send + 'static,
    tx: SyncSender<Line>,
    events: bool,
    dropped: Arc<AtomicU64>,
) -> Result<(), String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let parsed = if events {
                    match serde_json::from_str::<ChildEvent>(&line) {
                        Ok(e) => Line::Event(e),
                        Err(_) => Line::Log(line),
                    }
                } else {
                    Line::Log(line)
                };
                match tx.try_send(parsed) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(TrySendError::Disconnected(_)) => break,
                }
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the broker log reader: {e}"))
}

/// Prints `event` as one JSON line on stdout (the child side of the protocol above).
pub fn emit(event: &ChildEvent) {
    use std::io::Write;
    if let Ok(line) = serde_json::to_string(event) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// In the child: exit as soon as stdin closes (the parent exited or died).
pub fn exit_with_parent() -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(|| {
            let mut buf = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(std::io::Read::read(&mut stdin, &mut buf), Ok(n) if n > 0) {}
            std::process::exit(0);
        })?;
    Ok(())
}
