//! `hostile_frame_max_ms` for scripts/bench.sh: the slowest headless UI step (egui_kittest,
//! the real app) while showing each message of the hostile corpus in the text, JSON and
//! hex views: a 16 MiB payload, JSON nested 100,000 deep, a 60 kB topic, invisible
//! characters, … The first frame of a view (where its text is laid out) counts.
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::time::Instant;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use mqscope::app::{App, StartOptions};
use mqscope::model::{Incoming, Message, Payload, QoS};
use mqscope::testkit::hostile_corpus;

fn main() {
    let corpus = hostile_corpus(1000);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    let batch = corpus
        .iter()
        .map(|(topic, payload)| Incoming {
            topic: topic.clone(),
            message: Message {
                received_at_us: mqscope::model::message::now_us(),
                qos: QoS::AtLeastOnce,
                retain: true,
                pkid: 0,
                from_disk: false,
                payload: Payload::decode(payload, 16 << 20),
                properties: None,
            },
        })
        .collect();
    h.state_mut().feed(batch);
    h.run_steps(3);
    let mut worst = (0.0, String::new());
    for (topic, _) in &corpus {
        let id = h.state().store().tree().find(topic).unwrap();
        h.state_mut().tree_view().selected = Some(id);
        h.run_steps(2);
        for view in ["Text", "JSON", "Hex"] {
            h.get_by_role_and_label(egui::Role::Button, view).click();
            for _ in 0..2 {
                let start = Instant::now();
                h.step();
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                if ms > worst.0 {
                    worst = (ms, format!("{:.30} ({view})", topic.escape_debug()));
                }
            }
        }
    }
    eprintln!(
        "hostile: slowest step {:.1} ms, showing {}",
        worst.0, worst.1
    );
    println!("hostile_frame_max_ms {:.1}", worst.0);
}
