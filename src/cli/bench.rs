//! `mqscope bench pub|sub|conn`: a load tool on the app's own client code (one worker per
//! connection). `pub` publishes at a rate per connection, each payload starting with its
//! send time and number; `sub` counts what arrives and the latency from that time (run it
//! beside a `pub` on the same machine); `conn` opens connections and times them. Reports
//! in words, or as one JSON object with `--json`; exits non-zero when a connection fails.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::CliError;
use super::args::{BenchArgs, BenchMode};
use crate::model::QoS;
use crate::model::message::now_us;
use crate::model::units::thousands;
use crate::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use crate::mqtt::{
    ConnectionSettings, ConnectionState, PublishRequest, Subscription, WorkerCommand, WorkerHandle,
};

/// How long connecting may take before a connection counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a `pub` run waits at its end for the last acknowledgements.
const DRAIN: Duration = Duration::from_secs(5);
/// Latency samples kept at most (every n-th message beyond that).
const MAX_SAMPLES: usize = 1_000_000;
/// Bytes of the send time and message number at the start of each payload.
const STAMP: usize = 16;

/// What a run measured.
#[derive(Debug, Default, serde::Serialize)]
pub struct BenchReport {
    pub mode: &'static str,
    pub connections: usize,
    pub failed: usize,
    /// Why the first failed connection failed.
    pub first_failure: Option<String>,
    pub seconds: f64,
    pub sent: u64,
    pub acknowledged: u64,
    pub refused: u64,
    pub received: u64,
    /// Messages per second: sent (`pub`) or received (`sub`).
    pub rate: f64,
    pub latency_ms: Option<Percentiles>,
    pub connect_ms: Option<Percentiles>,
    /// Messages the client had to drop because this reader fell behind.
    pub dropped: u64,
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// Of `samples` (in microseconds), as milliseconds; `None` when there are none.
    fn of(mut samples: Vec<u64>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((samples.len() - 1) as f64 * q).round() as usize;
            samples[i.min(samples.len() - 1)] as f64 / 1000.0
        };
        Some(Self {
            p50: at(0.5),
            p99: at(0.99),
            max: at(1.0),
        })
    }
}

/// Runs `mqscope bench`.
pub fn run(args: BenchArgs) -> Result<ExitCode, CliError> {
    let settings = args.connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
    let report = bench(&args, settings);
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!("{}", in_words(&report));
    }
    if report.failed > 0 {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The benchmark `args` asks for, against the broker in `settings`.
pub fn bench(args: &BenchArgs, settings: ConnectionSettings) -> BenchReport {
    let qos = QoS::from_u8(args.qos).unwrap_or_default();
    let topic = args.topic.clone().unwrap_or_else(|| match args.mode {
        BenchMode::Sub => "bench/#".into(),
        _ => "bench/%i".into(),
    });
    let subscriptions = match args.mode {
        BenchMode::Sub => vec![Subscription::new(topic.clone(), qos)],
        BenchMode::Pub | BenchMode::Conn => Vec::new(),
    };
    let fleet = Fleet::connect(&settings, subscriptions, args.connections.max(1));
    let duration = Duration::from_secs(args.duration_s);
    let mut report = match args.mode {
        BenchMode::Pub => {
            let load = Load {
                topic: &topic,
                qos,
                retain: args.retain,
                rate: args.rate,
                size: args.size,
                count: args.count,
            };
            fleet.publish(&load, duration)
        }
        BenchMode::Sub => fleet.receive(duration, args.count),
        BenchMode::Conn => {
            std::thread::sleep(duration);
            BenchReport {
                mode: "conn",
                ..BenchReport::default()
            }
        }
    };
    report.connections = fleet.workers.len() + fleet.failures.len();
    report.failed = fleet.failures.len();
    report.first_failure = fleet.failures.first().cloned();
    report.connect_ms = Percentiles::of(fleet.connect_us.clone());
    fleet.disconnect();
    report
}

/// What each connection of a `pub` run publishes.
struct Load<'a> {
    topic: &'a str,
    qos: QoS,
    retain: bool,
    /// Messages a second from each connection; 0: as fast as they go.
    rate: f64,
    size: usize,
    /// Messages from each connection at most.
    count: Option<u64>,
}

/// The connections of a run.
struct Fleet {
    workers: Vec<WorkerHandle>,
    /// How long each connection took, in microseconds.
    connect_us: Vec<u64>,
    /// Why each failed connection failed.
    failures: Vec<String>,
}

impl Fleet {
    /// Opens `n` connections at once; those not connected in [`CONNECT_TIMEOUT`] fail.
    fn connect(settings: &ConnectionSettings, subscriptions: Vec<Subscription>, n: u32) -> Self {
        let started = Instant::now();
        let mut pending = Vec::new();
        let mut failures = Vec::new();
        for i in 0..n {
            let mut s = settings.clone();
            s.client_id = format!("mqscope-bench-{}-{i}", std::process::id());
            s.subscriptions = subscriptions.clone();
            match WorkerHandle::spawn_named(&format!("bench-{i}"), Arc::new(|| {})) {
                Ok(w) => {
                    w.send(WorkerCommand::Connect(Box::new(s)));
                    pending.push(w);
                }
                Err(e) => failures.push(format!("cannot start a worker: {e}")),
            }
        }
        let (mut workers, mut connect_us) = (Vec::new(), Vec::new());
        let deadline = started + CONNECT_TIMEOUT;
        while !pending.is_empty() {
            let mut still = Vec::new();
            for w in pending {
                match w.state() {
                    ConnectionState::Connected => {
                        connect_us.push(started.elapsed().as_micros() as u64);
                        workers.push(w);
                    }
                    ConnectionState::Disconnected { reason, .. } => failures.push(reason),
                    _ if Instant::now() >= deadline => {
                        failures.push("no connection in 10 s".into());
                    }
                    _ => still.push(w),
                }
            }
            pending = still;
            std::thread::sleep(Duration::from_millis(1));
        }
        Self {
            workers,
            connect_us,
            failures,
        }
    }

    /// Publishes `load` on each connection for `for_` (or until each sent its count).
    fn publish(&self, load: &Load<'_>, for_: Duration) -> BenchReport {
        let Load {
            topic,
            qos,
            retain,
            rate,
            size,
            count,
        } = *load;
        let limit = count.unwrap_or(u64::MAX);
        let mut report = BenchReport {
            mode: "pub",
            ..BenchReport::default()
        };
        let started = Instant::now();
        let mut sent = vec![0u64; self.workers.len()];
        while started.elapsed() < for_ && sent.iter().any(|&n| n < limit) {
            let elapsed = started.elapsed().as_secs_f64();
            let mut busy = false;
            for (i, w) in self.workers.iter().enumerate() {
                let due = if rate > 0.0 {
                    ((elapsed * rate) as u64)
                        .saturating_sub(sent[i])
                        .min(10_000)
                } else {
                    1_000
                };
                let due = due.min(limit.saturating_sub(sent[i]));
                for _ in 0..due {
                    let n = sent[i];
                    let request = PublishRequest {
                        id: n,
                        topic: topic
                            .replace("%i", &i.to_string())
                            .replace("%n", &n.to_string()),
                        payload: stamped(n, size),
                        qos,
                        retain,
                        properties: None,
                        encode: None,
                    };
                    if w.publish(request).is_err() {
                        busy = true;
                        break;
                    }
                    sent[i] += 1;
                }
                take_outcomes(w, &mut report);
            }
            if rate > 0.0 || busy {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        report.sent = sent.iter().sum();
        report.rate = report.sent as f64 / report.seconds.max(1e-9);
        let deadline = Instant::now() + DRAIN;
        while self.workers.iter().any(|w| w.outcomes.outstanding() > 0) && Instant::now() < deadline
        {
            for w in &self.workers {
                take_outcomes(w, &mut report);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        report
    }

    /// Counts what arrives on every connection, and its latency, for `for_` or until
    /// `count` arrived.
    fn receive(&self, for_: Duration, count: Option<u64>) -> BenchReport {
        let mut report = BenchReport {
            mode: "sub",
            ..BenchReport::default()
        };
        let mut samples = Vec::new();
        let started = Instant::now();
        let limit = count.unwrap_or(u64::MAX);
        while started.elapsed() < for_ && report.received < limit {
            let mut idle = true;
            for w in &self.workers {
                while let Some(batch) = w.events.try_recv() {
                    idle = false;
                    let now = now_us();
                    for m in &batch {
                        report.received += 1;
                        let every = (report.received as usize / MAX_SAMPLES).max(1) as u64;
                        if report.received.is_multiple_of(every)
                            && let Some(latency) = latency_us(m.message.payload.bytes(), now)
                            && samples.len() < MAX_SAMPLES
                        {
                            samples.push(latency);
                        }
                    }
                }
            }
            if idle {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        report.rate = report.received as f64 / report.seconds.max(1e-9);
        report.latency_ms = Percentiles::of(samples);
        report.dropped = self.workers.iter().map(|w| w.events.dropped()).sum();
        report
    }

    fn disconnect(self) {
        for w in &self.workers {
            w.send(WorkerCommand::Disconnect);
        }
        let deadline = Instant::now() + Duration::from_millis(500);
        for mut w in self.workers {
            let left = deadline.saturating_duration_since(Instant::now());
            w.wait_state(left, |s| !s.is_active());
        }
    }
}

/// Counts the outcomes that came in.
fn take_outcomes(w: &WorkerHandle, report: &mut BenchReport) {
    while let Some(o) = w.outcomes.try_recv() {
        match o.result {
            Ok(_) => report.acknowledged += 1,
            Err(_) => report.refused += 1,
        }
    }
}

/// A payload of `size` bytes (at least [`STAMP`]): the send time in µs and the number `n`
/// (both little-endian), then filler.
fn stamped(n: u64, size: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(size.max(STAMP));
    p.extend_from_slice(&now_us().to_le_bytes());
    p.extend_from_slice(&n.to_le_bytes());
    p.resize(size.max(STAMP), b'.');
    p
}

/// The latency of a stamped payload received at `now` (µs); `None` for another payload.
fn latency_us(payload: &[u8], now: i64) -> Option<u64> {
    let sent = i64::from_le_bytes(payload.get(..8)?.try_into().ok()?);
    let latency = now.checked_sub(sent)?;
    // A stamp from another clock (or not a stamp at all) is not a latency.
    (0..60_000_000).contains(&latency).then_some(latency as u64)
}

/// The report in words.
pub fn in_words(r: &BenchReport) -> String {
    let failed = match (&r.first_failure, r.failed) {
        (Some(why), n) => format!(" ({n} failed: {why})"),
        _ => String::new(),
    };
    let head = format!("bench {}: {} connections{failed}", r.mode, r.connections);
    let ms = |p: &Option<Percentiles>| {
        p.map_or(String::from("none"), |p| {
            format!("p50 {:.2} ms, p99 {:.2} ms", p.p50, p.p99)
        })
    };
    match r.mode {
        "pub" => format!(
            "{head}; sent {} messages in {:.1} s: {} msg/s ({} answered, {} refused or lost)",
            thousands(r.sent),
            r.seconds,
            thousands(r.rate.round() as u64),
            thousands(r.acknowledged),
            thousands(r.refused)
        ),
        "sub" => format!(
            "{head}; received {} messages in {:.1} s: {} msg/s; latency {}; {} dropped",
            thousands(r.received),
            r.seconds,
            thousands(r.rate.round() as u64),
            ms(&r.latency_ms),
            thousands(r.dropped)
        ),
        _ => format!("{head}; connect time {}", ms(&r.connect_ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_carry_their_send_time_and_number() {
        let p = stamped(7, 4);
        assert_eq!(p.len(), STAMP, "never shorter than its stamp");
        assert_eq!(u64::from_le_bytes(p[8..16].try_into().unwrap()), 7);
        let sent = i64::from_le_bytes(p[..8].try_into().unwrap());
        assert_eq!(latency_us(&p, sent + 1500), Some(1500));
        assert_eq!(latency_us(b"short", sent), None);
        assert_eq!(
            latency_us(&p, sent - 1),
            None,
            "a clock behind is no latency"
        );
    }

    #[test]
    fn percentiles_of_samples() {
        let p = Percentiles::of((1..=100).map(|ms| ms * 1000).collect()).unwrap();
        assert_eq!((p.p50, p.p99, p.max), (51.0, 99.0, 100.0));
        assert!(Percentiles::of(Vec::new()).is_none());
    }
}
