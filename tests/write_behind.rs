//! The local broker's write-behind (`rmqtt_net::WriteBehind`, mqscope's patch in
//! `vendor/rmqtt-net`): what a session writes arrives whole and in order, a shutdown waits for
//! it, and a client that stops reading makes writes wait and is let go of after the linger.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use rmqtt_net::WriteBehind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bytes_arrive_whole_and_in_order_and_the_rest_is_sent_after_a_drop() {
    let (ours, mut theirs) = tokio::io::duplex(64);
    let mut w = WriteBehind::new(ours);
    let mut sent = Vec::new();
    for i in 0..1000u32 {
        let packet = i.to_be_bytes();
        w.write_all(&packet).await.unwrap();
        w.flush().await.unwrap();
        sent.extend_from_slice(&packet);
    }
    // Most of it is still queued (the pipe holds 64 bytes): dropping the session's end
    // must not lose it.
    drop(w);
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), theirs.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, sent);
}

#[tokio::test]
async fn a_shutdown_waits_for_the_bytes_and_reads_go_on_meanwhile() {
    let (ours, mut theirs) = tokio::io::duplex(16);
    let mut w = WriteBehind::new(ours);
    theirs.write_all(b"ping").await.unwrap();
    let mut four = [0u8; 4];
    w.read_exact(&mut four).await.unwrap();
    assert_eq!(&four, b"ping");
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        theirs.read_to_end(&mut got).await.unwrap();
        got
    });
    w.write_all(&[7u8; 1000]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), w.shutdown())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reader.await.unwrap(), vec![7u8; 1000]);
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_makes_writes_wait_then_is_let_go() {
    let (ours, mut theirs) = tokio::io::duplex(1024);
    let mut w = WriteBehind::new(ours);
    let chunk = vec![1u8; 4096];
    let mut taken = 0;
    while tokio::time::timeout(Duration::from_millis(10), w.write_all(&chunk))
        .await
        .is_ok()
    {
        taken += chunk.len();
        // What the writer holds (at most the limit) and the limit again filling behind it.
        assert!(
            taken <= 2 * rmqtt_net::WRITE_BEHIND_LIMIT + 1024 + chunk.len(),
            "writes never wait: {taken} bytes taken"
        );
    }
    assert!(
        taken + chunk.len() >= rmqtt_net::WRITE_BEHIND_LIMIT,
        "writes waited early, after {taken} bytes"
    );
    drop(w);
    tokio::time::sleep(rmqtt_net::WRITE_BEHIND_LINGER + Duration::from_secs(1)).await;
    // The writer gave up and let go of the socket: only what the pipe held arrives, then
    // the end.
    let mut got = Vec::new();
    theirs.read_to_end(&mut got).await.unwrap();
    assert!(
        got.len() <= 1024,
        "{} bytes arrived after the linger",
        got.len()
    );
}

#[tokio::test]
async fn after_a_burst_and_a_pause_the_next_bytes_still_arrive() {
    let (ours, mut theirs) = tokio::io::duplex(4096);
    let mut w = WriteBehind::new(ours);
    let burst = vec![3u8; 200 * 1024];
    let reader = tokio::spawn(async move {
        let mut got = vec![0u8; 200 * 1024];
        theirs.read_exact(&mut got).await.unwrap();
        (theirs, got)
    });
    w.write_all(&burst).await.unwrap();
    w.flush().await.unwrap();
    let (mut theirs, got) = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, burst);
    // Everything was written and the writer went idle (giving back the burst's buffer).
    tokio::time::sleep(Duration::from_millis(20)).await;
    w.write_all(b"after").await.unwrap();
    w.flush().await.unwrap();
    let mut five = [0u8; 5];
    tokio::time::timeout(Duration::from_secs(10), theirs.read_exact(&mut five))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&five, b"after");
}
