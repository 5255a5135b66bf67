//! Tests of the history file: round trips of every field, pruning that keeps each topic's
//! latest, corrupt and foreign files moved aside, search by filter, text, time and flags.

use std::sync::atomic::AtomicBool;

use super::*;
use crate::archive::{Query, TextMode};
use crate::model::{Incoming, Message, Payload, Properties, QoS};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mqscope-archive-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("h.sqlite")
}

fn msg(topic: &str, payload: &[u8], at: i64) -> Incoming {
    Incoming {
        topic: topic.into(),
        message: Message {
            received_at_us: at,
            qos: QoS::AtMostOnce,
            retain: false,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(payload, usize::MAX),
            properties: None,
        },
    }
}

#[test]
fn every_field_comes_back_and_large_payloads_are_compressed() {
    let path = temp("roundtrip");
    let (mut a, aside) = Archive::open(&path).unwrap();
    assert!(aside.is_none());
    let mut m = msg("a/b", b"21.5", 1_000);
    m.message.qos = QoS::ExactlyOnce;
    m.message.retain = true;
    m.message.properties = Some(Box::new(Properties {
        content_type: Some("text/plain".into()),
        user_properties: vec![("k".into(), "v".into())],
        ..Properties::default()
    }));
    let big = "{\"value\": 1}".repeat(1000);
    let cut = Incoming {
        topic: "a/big".into(),
        message: Message {
            payload: Payload::decode(big.as_bytes(), 100),
            ..msg("", b"", 2_000).message
        },
    };
    let large = msg("a/large", big.as_bytes(), 3_000);
    let binary = msg("a/bin", &[0xff, 0x00, 0xfe], 4_000);
    a.write(&[m.clone(), cut.clone(), large.clone(), binary.clone()])
        .unwrap();
    drop(a);
    let (a, _) = Archive::open(&path).unwrap();
    let mut back: Vec<Incoming> = a
        .latest()
        .unwrap()
        .into_iter()
        .map(|s| s.incoming)
        .collect();
    back.sort_by_key(|x| x.message.received_at_us);
    assert!(
        back.iter().all(|m| m.message.from_disk),
        "marked as read from disk"
    );
    back.iter_mut().for_each(|m| m.message.from_disk = false);
    assert_eq!(back, [m, cut.clone(), large, binary]);
    assert!(back[1].message.payload.is_truncated());
    assert_eq!(back[1].message.payload.original_len(), big.len());
    let zipped: i64 = a
        .conn()
        .query_row(
            "SELECT zstd FROM messages m JOIN topics t ON t.id = m.topic_id \
             WHERE t.topic = 'a/large' AND length(m.payload) < 1000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(zipped, 1, "the large JSON payload is stored compressed");
}

#[test]
fn pruning_holds_the_budget_and_keeps_each_topics_latest() {
    let path = temp("prune");
    let (mut a, _) = Archive::open(&path).unwrap();
    let payload = vec![b'x'; 200];
    for round in 0..20 {
        let batch: Vec<Incoming> = (0..500)
            .map(|i| msg(&format!("t/{}", i % 50), &payload, round * 1000 + i))
            .collect();
        a.write(&batch).unwrap();
    }
    let before = a.stats().unwrap();
    assert_eq!((before.messages, before.topics), (10_000, 50));
    let budget = 600 << 10;
    let deleted = a.prune(budget, None).unwrap();
    assert!(deleted > 0);
    let after = a.stats().unwrap();
    assert!(
        after.file_bytes <= budget + (budget / 5),
        "{after:?} within the budget and a fifth"
    );
    assert_eq!(after.topics, 50);
    let latest = a.latest().unwrap();
    assert_eq!(latest.len(), 50, "every topic keeps its latest");
    assert!(
        latest
            .iter()
            .all(|s| s.incoming.message.received_at_us >= 19_000)
    );
    // Age: everything older than round 19 goes, the latest stay.
    let deleted = a.prune(u64::MAX, Some(19_000)).unwrap();
    assert!(deleted > 0 || after.messages <= 500);
    assert!(a.stats().unwrap().oldest_us.unwrap() >= 19_000 - 500);
    // Down to nothing but the latest.
    a.prune(0, None).unwrap();
    assert_eq!(a.stats().unwrap().messages, 50);
}

#[test]
fn a_corrupt_or_foreign_file_is_moved_aside_and_a_new_one_started() {
    let path = temp("corrupt");
    let before = b"this is no database at all, just text that was here before";
    std::fs::write(&path, before).unwrap();
    let (mut a, aside) = Archive::open(&path).unwrap();
    let aside = aside.expect("moved aside");
    assert!(aside.to_string_lossy().contains(".corrupt-"), "{aside:?}");
    assert_eq!(std::fs::read(&aside).unwrap(), before, "kept as it was");
    a.write(&[msg("x", b"1", 1)]).unwrap();
    drop(a);
    let foreign = temp("foreign");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE notes(x); INSERT INTO notes VALUES (1);")
            .unwrap();
    }
    let (_, aside) = Archive::open(&foreign).unwrap();
    assert!(
        aside.is_some(),
        "another program's database is not written into"
    );
}

#[test]
fn search_by_filter_text_time_and_flags_newest_first_in_pages() {
    let path = temp("search");
    let (mut a, _) = Archive::open(&path).unwrap();
    let mut batch = Vec::new();
    for i in 0..100i64 {
        let topic = format!("plant/{}/temp", i % 4);
        let mut m = msg(
            &topic,
            format!("{{\"t\": {i}, \"state\": \"run\"}}").as_bytes(),
            i,
        );
        m.message.retain = i % 10 == 0;
        batch.push(m);
    }
    batch.push(msg("office/lamp", b"on alarm", 200));
    a.write(&batch).unwrap();
    let never = AtomicBool::new(false);
    let q = |f: &str, t: &str| Query {
        filter: (!f.is_empty()).then(|| f.to_string()),
        text: (!t.is_empty()).then(|| t.to_string()),
        ..Query::default()
    };
    let found = a.search(&q("plant/1/+", ""), 1000, &never).unwrap();
    assert_eq!(found.len(), 25);
    assert!(found.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(a.search(&q("", "alarm"), 10, &never).unwrap().len(), 1);
    assert_eq!(
        a.search(&q("plant/#", "alarm"), 10, &never).unwrap().len(),
        0
    );
    assert_eq!(
        a.search(&q("office/#", "lamp"), 10, &never).unwrap().len(),
        1,
        "topic words"
    );
    let page1 = a.search(&q("plant/#", "run"), 30, &never).unwrap();
    let page2 = a
        .search(
            &Query {
                before_id: page1.last().map(|m| m.id),
                ..q("plant/#", "run")
            },
            30,
            &never,
        )
        .unwrap();
    assert_eq!((page1.len(), page2.len()), (30, 30));
    assert!(
        page1.last().unwrap().id > page2[0].id,
        "the next page goes on below"
    );
    let timed = Query {
        since_us: Some(10),
        until_us: Some(20),
        ..q("", "")
    };
    assert_eq!(a.search(&timed, 100, &never).unwrap().len(), 10);
    let retained = Query {
        retained: Some(true),
        ..q("plant/#", "")
    };
    assert_eq!(a.search(&retained, 100, &never).unwrap().len(), 10);
    assert_eq!(
        a.count(&q("plant/#", ""), 50).unwrap(),
        None,
        "more than 50"
    );
    assert_eq!(a.count(&q("plant/#", ""), 500).unwrap(), Some(100));
    let contains = Query {
        mode: TextMode::Contains,
        ..q("", "\"t\": 4")
    };
    let found = a.search(&contains, 100, &never).unwrap();
    assert_eq!(found.len(), 11, "4 and 40..49");
    let bad = a.search(&q("", "\"unclosed"), 10, &never).unwrap_err();
    assert!(matches!(bad, ArchiveError::Query(_)), "{bad}");
    assert!(bad.to_string().contains("contains"), "{bad}");
}

#[test]
fn a_reader_sees_what_a_writer_committed_while_it_writes() {
    let path = temp("reader");
    let (mut w, _) = Archive::open(&path).unwrap();
    w.write(&[msg("r/1", b"a", 1)]).unwrap();
    let r = Archive::open_read(&path).unwrap();
    assert_eq!(r.stats().unwrap().messages, 1);
    w.write(&[msg("r/2", b"b", 2)]).unwrap();
    assert_eq!(r.stats().unwrap().messages, 2);
}
