//! mqscope's pipeline without a window, for scripts/bench.sh: the same worker (rumqttc on
//! the "mqtt" thread, bounded channel, the window's batch linger) and store the app uses,
//! subscribed to `#`. Prints "ready" once subscribed, files messages until it has `N` of
//! them under `bench/` (or nothing came for `IDLE_MS`), then prints one line:
//! `received R dropped D topics T last_ns L cpu_s C peak_rss_mb M history_mb H`.
//!
//! Usage: bench_ingest PORT N [IDLE_MS] [BUDGET_MIB] [RUN_S]
//! (RUN_S > 0: instead of counting to N, run that many seconds and then report).
//! With `MQSCOPE_BENCH_HISTORY=DIR` the history on disk is on, as the app keeps it (a
//! writer fed by the worker's tap, 1 GiB budget), and the line ends with
//! `disk_written W disk_skipped S disk_bytes B all_received A` (A: every message handed
//! over, `$SYS` ones too).
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mqscope::model::{HistoryLimits, Store};
use mqscope::mqtt::{ConnectionSettings, WorkerCommand, WorkerHandle};

/// CPU seconds (user + system) this process used so far (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let f: Vec<&str> = after.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| -> u64 {
        args.get(i)
            .map(|a| a.parse().expect("numeric arguments"))
            .unwrap_or(default)
    };
    let port = u16::try_from(arg(0, 1883)).expect("a port number");
    let want = arg(1, 1_000_000);
    let idle = Duration::from_millis(arg(2, 3000));
    let budget = arg(3, 256) as usize * (1 << 20);
    let run_for = Duration::from_secs(arg(4, 0));

    let mut store = Store::new(HistoryLimits {
        budget_bytes: budget,
        ..HistoryLimits::default()
    });
    let mut worker = WorkerHandle::spawn(Arc::new(|| {})).unwrap();
    let history = std::env::var_os("MQSCOPE_BENCH_HISTORY").map(|dir| {
        let path = mqscope::archive::path_for(std::path::Path::new(&dir), "127.0.0.1", port);
        let (archive, _) = mqscope::archive::Archive::open(&path).unwrap();
        let keep = mqscope::archive::Retention {
            budget: mqscope::archive::DEFAULT_BUDGET,
            keep_days: None,
        };
        let writer =
            mqscope::archive::ArchiveWriter::start(archive, keep, "history-writer").unwrap();
        worker.set_tap(Some(Arc::new(writer.feeder())));
        writer
    });
    // As the window connects: batches gathered while messages stream.
    let mut settings = ConnectionSettings::new("127.0.0.1", port);
    settings.batch_linger = mqscope::mqtt::WINDOW_BATCH_LINGER;
    worker.send(WorkerCommand::Connect(Box::new(settings)));
    let state = worker.wait_state(Duration::from_secs(10), |s| s.is_connected());
    assert!(state.is_connected(), "not connected: {state:?}");
    // The subscription goes out right after CONNACK; give it a moment to be acknowledged.
    std::thread::sleep(Duration::from_millis(300));
    println!("ready");
    std::io::stdout().flush().unwrap();

    let started = Instant::now();
    let mut received = 0u64;
    // Every message, `$SYS` ones too (what the tap saw).
    let mut all = 0u64;
    let mut last = Instant::now();
    let mut last_ns = 0u128;
    loop {
        if run_for.is_zero() {
            if received >= want || (received > 0 && last.elapsed() > idle) {
                break;
            }
            if received == 0 && started.elapsed() > Duration::from_secs(120) {
                break;
            }
        } else if started.elapsed() >= run_for {
            break;
        }
        if let Some(batch) = worker.events.recv_timeout(Duration::from_millis(20)) {
            all += batch.len() as u64;
            received += batch
                .iter()
                .filter(|m| m.topic.starts_with("bench/"))
                .count() as u64;
            store.apply_batch(batch);
            last = Instant::now();
            last_ns = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
        }
    }
    let disk = history.map(|w| {
        worker.set_tap(None);
        let s = w.finish();
        format!(
            " disk_written {} disk_skipped {} disk_bytes {} all_received {all}",
            s.written, s.skipped, s.file_bytes
        )
    });
    let cpu = cpu_seconds();
    println!(
        "received {received} dropped {} topics {} last_ns {last_ns} cpu_s {:.2} peak_rss_mb {:.1} history_mb {:.1}{}",
        worker.events.dropped(),
        store.tree().topic_count(),
        cpu,
        mqscope::testkit::peak_rss_mb(),
        store.history_bytes() as f64 / f64::from(1 << 20),
        disk.unwrap_or_default(),
    );
}
