//! Test fixtures: a real Mosquitto on a free loopback port, and helpers to drive the worker.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mqscope::model::{Properties, QoS, Store};
use mqscope::mqtt::{ConnectionSettings, MqttVersion, PublishRequest, Subscription, WorkerHandle};

pub mod window;

/// A Mosquitto broker started for one test; killed on drop.
pub struct Mosquitto {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether Mosquitto can be used; prints a loud SKIPPED line when not, and fails under CI.
pub fn mosquitto_available(test: &str) -> bool {
    if have("mosquitto") && have("mosquitto_pub") {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: mosquitto / mosquitto-clients are not installed, and CI=true");
    }
    eprintln!(
        "SKIPPED {test}: mosquitto is not installed (apt-get install mosquitto mosquitto-clients)"
    );
    false
}

impl Mosquitto {
    /// Starts Mosquitto on a free port; `None` (after a SKIPPED line) when not installed.
    pub fn start(test: &str) -> Option<Self> {
        if !mosquitto_available(test) {
            return None;
        }
        Some(Self::start_on(free_port(), ""))
    }

    /// Starts Mosquitto on `port` with extra config lines, waiting until it accepts.
    pub fn start_on(port: u16, extra: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("mqscope-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        set_mode(&dir, 0o755);
        let conf = dir.join("mosquitto.conf");
        // Anonymous clients are let in unless `extra` says otherwise.
        let anonymous = if extra.contains("allow_anonymous") {
            ""
        } else {
            "allow_anonymous true\n"
        };
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\n{anonymous}persistence false\n\
                 max_queued_messages 1000000\nmax_inflight_messages 0\n{extra}\n"
            ),
        )
        .expect("write config");
        set_mode(&conf, 0o644);
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            port,
            child: Some(child),
            dir,
        }
    }

    /// Kills the broker (SIGKILL) and waits for it to go.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends a signal to the broker process (e.g. "STOP", "CONT").
    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status();
        }
    }

    /// Runs `mosquitto_pub` against this broker with `args`; panics if it fails.
    pub fn publish(&self, args: &[&str]) {
        let status = Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .status()
            .expect("run mosquitto_pub");
        assert!(status.success(), "mosquitto_pub {args:?} failed");
    }
}

/// Makes folders and files readable by the `mosquitto` user (a broker started as root drops
/// to it).
pub fn make_readable(paths: &[&std::path::Path]) {
    for p in paths {
        set_mode(p, if p.is_dir() { 0o755 } else { 0o644 });
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Settings for the broker on `port`, subscribing to `filters` at QoS 2.
pub fn settings(port: u16, version: MqttVersion, filters: &[&str]) -> ConnectionSettings {
    let mut s = ConnectionSettings::new("127.0.0.1", port);
    s.version = version;
    s.subscriptions = filters
        .iter()
        .map(|f| Subscription::new(*f, QoS::ExactlyOnce))
        .collect();
    s
}

/// A worker with no UI behind it.
pub fn worker() -> WorkerHandle {
    WorkerHandle::spawn(Arc::new(|| {})).expect("worker thread")
}

/// Waits until the worker says it is connected, or panics after `timeout`.
pub fn wait_connected(worker: &mut WorkerHandle, timeout: Duration) {
    let state = worker.wait_state(timeout, |s| s.is_connected());
    assert!(
        state.is_connected(),
        "not connected after {timeout:?}: {state:?}"
    );
}

/// Files events into `store` until `done(store)` or `timeout`; returns whether done.
pub fn ingest_until(
    worker: &WorkerHandle,
    store: &mut Store,
    timeout: Duration,
    done: impl Fn(&Store) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    while !done(store) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        if let Some(batch) = worker
            .events
            .recv_timeout(left.min(Duration::from_millis(50)))
        {
            store.apply_batch(batch);
        }
    }
    true
}

/// The latest message of `topic` in `store`.
pub fn latest<'a>(store: &'a Store, topic: &str) -> Option<&'a mqscope::model::Message> {
    let id = store.tree().find(topic)?;
    store.tree().node(id).history()?.latest()
}

/// `mqscope broker` run as a child of the test, on a free port; killed on drop.
pub struct LocalBroker {
    pub port: u16,
    child: Child,
}

impl LocalBroker {
    pub fn start(extra: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_mqscope"))
            .args(["broker", "--port", &port.to_string()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mqscope broker");
        wait_listening(port);
        Self { port, child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LocalBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until something accepts connections on 127.0.0.1:`port` (at most 10 s).
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `mosquitto_sub` on 127.0.0.1:`port` with `args` and returns its output lines.
pub fn mosquitto_sub(port: u16, args: &[&str]) -> Vec<String> {
    let out = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("run mosquitto_sub");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs `mosquitto_pub` on 127.0.0.1:`port`; panics if it fails.
pub fn mosquitto_pub(port: u16, args: &[&str]) {
    let status = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .status()
        .expect("run mosquitto_pub");
    assert!(status.success(), "mosquitto_pub {args:?} failed");
}

/// A background `mosquitto_sub`, subscribed when [`mosquitto_sub_spawn`] returns.
pub struct SubProcess {
    child: Child,
    lines: std::thread::JoinHandle<Vec<String>>,
}

/// Starts `mosquitto_sub` in the background (for subscribers that must be running before
/// a publish) and returns once the broker has acknowledged its subscription (its `-d`
/// output says so; those debug lines are left out of what it prints); the caller collects
/// its output.
pub fn mosquitto_sub_spawn(port: u16, args: &[&str]) -> SubProcess {
    // Line-buffered (coreutils' stdbuf): its debug lines come as they are written.
    let mut child = Command::new("stdbuf")
        .args([
            "-oL",
            "mosquitto_sub",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-d",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run mosquitto_sub");
    let stdout = child.stdout.take().expect("its output");
    let (subscribed, wait) = std::sync::mpsc::sync_channel(1);
    let lines = std::thread::Builder::new()
        .name("mosquitto-sub-out".into())
        .spawn(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut out = Vec::new();
            let mut line = Vec::new();
            while std::io::BufRead::read_until(&mut reader, b'\n', &mut line).unwrap_or(0) > 0 {
                let text = String::from_utf8_lossy(&line)
                    .trim_end_matches('\n')
                    .to_string();
                line.clear();
                if text.starts_with("Subscribed (mid") {
                    let _ = subscribed.try_send(());
                } else if !text.starts_with("Client ") {
                    out.push(text);
                }
            }
            out
        })
        .expect("a thread for its output");
    let _ = wait.recv_timeout(Duration::from_secs(10));
    SubProcess { child, lines }
}

/// Output lines of a background `mosquitto_sub` once it exits.
pub fn collect(mut sub: SubProcess) -> Vec<String> {
    let _ = sub.child.wait();
    sub.lines.join().unwrap_or_default()
}

/// A worker connected to 127.0.0.1:`port` and subscribed to `filters` at QoS 2.
pub fn connected(port: u16, version: MqttVersion, filters: &[&str]) -> WorkerHandle {
    let mut w = worker();
    w.send(mqscope::mqtt::WorkerCommand::Connect(Box::new(settings(
        port, version, filters,
    ))));
    wait_connected(&mut w, Duration::from_secs(10));
    w
}

/// The mqscope binary with `args`, pointed at the broker on 127.0.0.1:`port`.
pub fn mqscope_at(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqscope"));
    c.args(args)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()]);
    c
}

/// Fails the test with the program's stderr unless it exited with success.
#[track_caller]
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mqscope pub` with `args` to the broker on `port`, `stdin` written to it.
pub fn mqscope_pub(port: u16, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = mqscope_at(port, &[&["pub"], args].concat())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mqscope pub");
    std::io::Write::write_all(&mut child.stdin.take().expect("its stdin"), stdin)
        .expect("write its stdin");
    child.wait_with_output().expect("mqscope pub ends")
}

/// Answers each request on `svc/req`: first with wrong correlation data, then with the
/// request's own, the payload `pong:` and the request's. Stops when `stop` is set.
pub fn responder(port: u16, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let w = connected(port, MqttVersion::V5, &["svc/req"]);
    std::thread::Builder::new()
        .name("responder".into())
        .spawn(move || {
            let mut id = 0;
            while !stop.load(Ordering::Relaxed) {
                let Some(batch) = w.events.recv_timeout(Duration::from_millis(50)) else {
                    continue;
                };
                for m in batch {
                    let p = m.message.properties.clone().unwrap_or_default();
                    let Some(to) = p.response_topic.clone() else {
                        continue;
                    };
                    let payload = [b"pong:".as_slice(), m.message.payload.bytes()].concat();
                    for data in [
                        b"someone-else".to_vec(),
                        p.correlation_data.clone().unwrap_or_default(),
                    ] {
                        id += 1;
                        let request = PublishRequest {
                            id,
                            topic: to.clone(),
                            payload: payload.clone(),
                            qos: QoS::AtLeastOnce,
                            retain: false,
                            properties: Some(Properties {
                                correlation_data: Some(data),
                                ..Properties::default()
                            }),
                            encode: None,
                        };
                        w.publish(request).expect("the responder publishes");
                    }
                }
            }
        })
        .expect("the responder thread starts")
}
