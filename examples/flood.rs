//! A fast MQTT 3.1.1 publisher for the end-to-end benchmarks: QoS 0 messages of a given
//! size spread over many topics, written straight to a TCP socket, as fast as possible or
//! at a fixed rate. Prints one summary line to stderr.
//!
//! Usage: flood PORT MESSAGES [TOPICS] [PAYLOAD_BYTES] [RATE_PER_S]
//! (defaults: 100000 topics, 100 B, unlimited rate). Loopback only.
#![allow(clippy::unwrap_used)] // a benchmark that cannot run should stop loudly

use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn remaining_length(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            break;
        }
    }
}

fn string(s: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// Topics shaped like a real deployment: sites, buildings, devices and metrics.
fn topic(i: usize) -> String {
    const METRICS: [&str; 5] = ["temperature", "humidity", "power", "state", "rssi"];
    let metric = METRICS[i % METRICS.len()];
    let dev = i / METRICS.len();
    format!(
        "bench/site-{}/building-{}/dev-{dev}/{metric}",
        dev % 7,
        dev % 31
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i)
            .map(|a| a.parse().expect("numeric arguments"))
            .unwrap_or(default)
    };
    let port = u16::try_from(arg(0, 1883)).expect("a port number");
    let messages = arg(1, 1_000_000);
    let topics = arg(2, 100_000).max(1);
    let size = arg(3, 100);
    let rate = arg(4, 0);

    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the broker");
    stream.set_nodelay(true).unwrap();
    let mut connect = Vec::new();
    let mut body = Vec::new();
    string(b"MQTT", &mut body);
    body.extend_from_slice(&[4, 0x02, 0, 60]); // level 4, clean session, keep-alive 60 s
    string(
        format!("flood-{}", std::process::id()).as_bytes(),
        &mut body,
    );
    connect.push(0x10);
    remaining_length(body.len(), &mut connect);
    connect.extend_from_slice(&body);
    stream.write_all(&connect).unwrap();
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack).unwrap();
    assert_eq!(connack[0], 0x20, "expected CONNACK");
    assert_eq!(connack[3], 0, "connection refused: code {}", connack[3]);

    let names: Vec<String> = (0..topics).map(topic).collect();
    let payload = vec![b'x'; size];
    let mut out = BufWriter::with_capacity(1 << 16, stream.try_clone().unwrap());
    let mut packet = Vec::with_capacity(size + 128);
    let start = Instant::now();
    for i in 0..messages {
        if rate > 0 && i % 100 == 0 {
            let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                out.flush().unwrap();
                std::thread::sleep(wait);
            }
        }
        let name = names[i % topics].as_bytes();
        packet.clear();
        packet.push(0x30);
        remaining_length(2 + name.len() + payload.len(), &mut packet);
        string(name, &mut packet);
        // The sequence number at the start of the payload, so receivers can check order.
        let seq = i.to_string();
        let n = seq.len().min(payload.len());
        packet.extend_from_slice(&seq.as_bytes()[..n]);
        packet.extend_from_slice(&payload[n..]);
        out.write_all(&packet).unwrap();
    }
    out.write_all(&[0xE0, 0]).unwrap(); // DISCONNECT
    out.flush().unwrap();
    drop(out);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Wait for the broker to close, so every message was read before we exit.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.read(&mut [0u8; 16]);
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "flood: {messages} messages of {size} B over {topics} topics in {secs:.2} s ({:.0} msg/s)",
        messages as f64 / secs
    );
}
