//! Times the retained clean-up the app uses: fills N retained topics on a broker, then clears
//! them all and prints `clear_retained_10k_s X` (seconds until every clear is acknowledged).
//! Usage: cargo run --release --example bench_clear -- PORT [N]
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use mqscope::model::QoS;
use mqscope::mqtt::{ConnectionSettings, PublishRequest, WorkerCommand, WorkerHandle};

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: bench_clear PORT [N]");
    let n: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(10_000);
    let mut settings = ConnectionSettings::new("127.0.0.1", port);
    settings.subscriptions.clear();
    let mut w = WorkerHandle::spawn(Arc::new(|| {})).unwrap();
    w.send(WorkerCommand::Connect(Box::new(settings)));
    assert!(
        w.wait_state(Duration::from_secs(10), |s| s.is_connected())
            .is_connected()
    );
    let topics: Vec<String> = (0..n)
        .map(|i| format!("bench/clear/dev{i}/config"))
        .collect();
    let mut acked = 0;
    let drain = |w: &WorkerHandle, wait: Duration, acked: &mut usize| {
        while let Some(o) = w.outcomes.recv_timeout(wait) {
            assert!(o.result.is_ok(), "{o:?}");
            *acked += 1;
        }
    };
    for (i, t) in topics.iter().enumerate() {
        let r = PublishRequest {
            id: i as u64,
            topic: t.clone(),
            payload: b"{\"retained\":true}".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: None,
            encode: None,
        };
        while !w.send(WorkerCommand::Publish(Box::new(r.clone()))) {
            drain(&w, Duration::from_millis(1), &mut acked);
        }
        drain(&w, Duration::ZERO, &mut acked);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked < n && Instant::now() < deadline {
        drain(&w, Duration::from_millis(50), &mut acked);
    }
    assert_eq!(
        acked,
        n,
        "filling the broker ({} events dropped)",
        w.events.dropped()
    );
    let start = Instant::now();
    let (progress, mut watch) = tokio::sync::watch::channel(Default::default());
    w.send(WorkerCommand::ClearRetained {
        topics,
        cancel: Arc::new(AtomicBool::new(false)),
        progress,
    });
    let done = loop {
        let p: mqscope::mqtt::ClearProgress = watch.borrow_and_update().clone();
        if p.finished {
            break p.done;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no end in 60 s");
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = start.elapsed().as_secs_f64();
    eprintln!("cleared {done} of {n} retained topics in {secs:.3} s");
    assert_eq!(done, n);
    println!("clear_retained_10k_s {secs:.3}");
}
