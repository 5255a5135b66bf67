//! Frame time for scripts/bench.sh: the real app's UI built headless (an egui context, no
//! GPU) with 1M topics in the store and a deep branch expanded and selected, while 10,000
//! messages per second are filed (1/60 of them before each frame, as the app drains them).
//! Each frame is the app's logic + UI + tessellation, timed on this thread; prints
//! `frame_p50_ms` and `frame_p99_ms`.
//!
//! Then, with the same flood going on, a filter is typed (a text, a regex over topics and
//! payloads) and the sort changed to "messages": the slowest frame while the rows are
//! rebuilt (`filter_frame_max_ms`, `regex_frame_max_ms`, `sort_frame_max_ms`) and the
//! seconds until the rows are complete (`filter_done_s`, `regex_done_s`, `sort_done_s`).
//!
//! Usage: bench_frame [TOPICS] [FRAMES]   (default 1,000,000 topics, 600 frames)
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::time::Instant;

use eframe::App as _;
use mqscope::app::{App, SavedState, StartOptions};
use mqscope::model::{Incoming, Message, Payload, QoS};
use mqscope::testkit::flood_topic;

fn message(topic: String, i: usize) -> Incoming {
    let payload = if i.is_multiple_of(3) {
        format!("{{\"value\":{}.{},\"seq\":{i}}}", 20 + i % 10, i % 10)
    } else {
        format!("{}.{}", 20 + i % 10, i % 100)
    };
    Incoming {
        topic,
        message: Message {
            received_at_us: mqscope::model::message::now_us(),
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(payload.as_bytes(), 1 << 20),
            properties: None,
        },
    }
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let topics = args.first().copied().unwrap_or(1_000_000);
    let frames = args.get(1).copied().unwrap_or(600);
    let per_frame = 10_000 / 60;

    let ctx = egui::Context::default();
    mqscope::ui::theme::apply(&ctx);
    let mut app = App::with_context(&ctx, SavedState::default(), StartOptions::default());
    for start in (0..topics).step_by(10_000) {
        let batch: Vec<Incoming> = (start..(start + 10_000).min(topics))
            .map(|i| message(flood_topic(i), i))
            .collect();
        app.store_mut().apply_batch(batch);
    }
    // A deep branch, expanded down to a selected topic, with siblings on every level.
    let deep: Vec<String> = (0..12).map(|l| format!("level-{l}")).collect();
    let mut deep_topics = Vec::new();
    for l in 1..=deep.len() {
        for sibling in 0..20 {
            deep_topics.push(format!("deep/{}/s{sibling}", deep[..l].join("/")));
        }
    }
    let batch: Vec<Incoming> = deep_topics
        .iter()
        .enumerate()
        .map(|(i, t)| message(t.clone(), i))
        .collect();
    app.store_mut().apply_batch(batch);
    let selected = deep_topics[deep_topics.len() - 1].clone();
    let id = app.store().tree().find(&selected).unwrap();
    // Expand every level above it (what `reveal` does, with the borrows apart).
    let ids: Vec<_> = {
        let tree = app.store().tree();
        let mut at = tree.node(id).parent();
        let mut ids = Vec::new();
        while at != mqscope::model::NodeId::ROOT {
            ids.push(at);
            at = tree.node(at).parent();
        }
        ids
    };
    for at in ids {
        app.tree_view().set_expanded(at, true);
    }
    app.tree_view().selected = Some(id);

    let mut frame = eframe::Frame::_new_kittest();
    let mut times = Vec::with_capacity(frames);
    let mut rng = fastrand::Rng::with_seed(1);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
    let mut f = 0;
    // One frame with its 1/60 s of messages; its time in ms.
    let mut run_frame = |app: &mut App| {
        let batch: Vec<Incoming> = (0..per_frame)
            .map(|k| {
                let topic = if k % 10 == 0 {
                    deep_topics[rng.usize(..deep_topics.len())].clone()
                } else {
                    flood_topic(rng.usize(..topics))
                };
                message(topic, f * per_frame + k)
            })
            .collect();
        let input = egui::RawInput {
            screen_rect: Some(screen),
            time: Some(f as f64 / 60.0),
            ..Default::default()
        };
        f += 1;
        let start = Instant::now();
        app.feed(batch);
        let output = ctx.run_ui(input, |ui| {
            app.logic(ui.ctx(), &mut frame);
            app.ui(ui, &mut frame);
        });
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        start.elapsed().as_secs_f64() * 1000.0
    };
    for i in 0..frames + 30 {
        let ms = run_frame(&mut app);
        if i >= 30 {
            // The first frames lay out fonts and caches once.
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "frames: {} topics, {} rows visible, {frames} frames at {} messages each: \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        app.store().tree().topic_count(),
        app.tree_view().row_count(),
        per_frame,
        at(0.5),
        at(0.99),
        times[times.len() - 1]
    );
    println!("frame_p50_ms {:.2}", at(0.5));
    println!("frame_p99_ms {:.2}", at(0.99));

    // Change what the tree shows, and time the frames until the rows are complete.
    let mut rebuild = |app: &mut App, name: &str, change: &dyn Fn(&mut App)| {
        change(app);
        let start = Instant::now();
        let mut worst: f64 = 0.0;
        let mut n = 0;
        loop {
            worst = worst.max(run_frame(app));
            n += 1;
            if !app.tree_view().is_building() || n > 100_000 {
                break;
            }
        }
        let done = start.elapsed().as_secs_f64();
        eprintln!(
            "{name}: {n} frames, slowest {worst:.2} ms, rows complete after {done:.2} s \
             ({} rows)",
            app.tree_view().row_count()
        );
        println!("{name}_frame_max_ms {worst:.2}");
        println!("{name}_done_s {done:.2}");
    };
    use mqscope::model::filter::{FilterField, FilterMode, FilterSpec};
    rebuild(&mut app, "filter", &|app| {
        app.tree_view().filter = FilterSpec {
            text: "dev-77".into(),
            ..FilterSpec::default()
        };
    });
    rebuild(&mut app, "regex", &|app| {
        app.tree_view().filter = FilterSpec {
            text: r#"^bench/site-1/building-2/|"seq":99\d"#.into(),
            mode: FilterMode::Regex,
            field: FilterField::Both,
            case_sensitive: false,
            invalid_only: false,
        };
    });
    rebuild(&mut app, "sort", &|app| {
        app.tree_view().filter = FilterSpec::default();
        app.tree_view().sort = mqscope::ui::topic_tree::SortMode::Messages;
    });
}
