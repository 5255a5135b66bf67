//! Load for tests and benchmarks: a raw MQTT 3.1.1 publisher (QoS 0 messages of a given
//! size spread over many topics, written straight to a TCP socket, as fast as possible or
//! at a fixed rate), and the topic names it uses.

use std::io::{self, BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What to send.
#[derive(Clone, Debug)]
pub struct Flood {
    pub port: u16,
    pub messages: usize,
    /// Distinct topics, used round-robin (see [`flood_topic`]).
    pub topics: usize,
    /// Payload bytes per message; each payload starts with its sequence number.
    pub payload_bytes: usize,
    /// Messages per second; 0 for as fast as the socket takes them.
    pub rate: usize,
}

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

/// Topic `i` of a flood: shaped like a real deployment (sites, buildings, devices, metrics).
pub fn flood_topic(i: usize) -> String {
    const METRICS: [&str; 5] = ["temperature", "humidity", "power", "state", "rssi"];
    let metric = METRICS[i % METRICS.len()];
    let dev = i / METRICS.len();
    format!(
        "bench/site-{}/building-{}/dev-{dev}/{metric}",
        dev % 7,
        dev % 31
    )
}

/// Connects to 127.0.0.1:`port`, publishes, disconnects and waits for the broker to close
/// the connection (so it has read everything); the seconds it took.
pub fn flood(f: &Flood) -> io::Result<f64> {
    let mut stream = TcpStream::connect(("127.0.0.1", f.port))?;
    stream.set_nodelay(true)?;
    let mut connect = Vec::new();
    let mut body = Vec::new();
    string(b"MQTT", &mut body);
    body.extend_from_slice(&[4, 0x02, 0, 60]); // level 4, clean session, keep-alive 60 s
    let id = format!("flood-{}-{}", std::process::id(), fastrand::u32(..));
    string(id.as_bytes(), &mut body);
    connect.push(0x10);
    remaining_length(body.len(), &mut connect);
    connect.extend_from_slice(&body);
    stream.write_all(&connect)?;
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack)?;
    if connack[0] != 0x20 || connack[3] != 0 {
        return Err(io::Error::other(format!("connection refused: {connack:?}")));
    }
    let names: Vec<String> = (0..f.topics.max(1)).map(flood_topic).collect();
    let filler = vec![b'x'; f.payload_bytes];
    let mut out = BufWriter::with_capacity(1 << 16, stream.try_clone()?);
    let mut packet = Vec::with_capacity(f.payload_bytes + 128);
    let start = Instant::now();
    // Paced in steps of a hundredth of a second's messages (each message at low rates).
    let step = (f.rate / 100).clamp(1, 100);
    for i in 0..f.messages {
        if f.rate > 0 && i.is_multiple_of(step) {
            let due = start + Duration::from_secs_f64(i as f64 / f.rate as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                out.flush()?;
                std::thread::sleep(wait);
            }
        }
        let name = names[i % names.len()].as_bytes();
        packet.clear();
        packet.push(0x30);
        remaining_length(2 + name.len() + f.payload_bytes, &mut packet);
        string(name, &mut packet);
        let seq = i.to_string();
        let n = seq.len().min(f.payload_bytes);
        packet.extend_from_slice(&seq.as_bytes()[..n]);
        packet.extend_from_slice(&filler[n..]);
        out.write_all(&packet)?;
    }
    out.write_all(&[0xE0, 0])?; // DISCONNECT
    out.flush()?;
    drop(out);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.read(&mut [0u8; 16]);
    Ok(start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_lengths_use_the_variable_byte_encoding() {
        for (n, want) in [
            (0usize, vec![0u8]),
            (127, vec![0x7f]),
            (128, vec![0x80, 0x01]),
            (16_383, vec![0xff, 0x7f]),
            (2_097_152, vec![0x80, 0x80, 0x80, 0x01]),
        ] {
            let mut out = Vec::new();
            remaining_length(n, &mut out);
            assert_eq!(out, want, "{n}");
        }
    }
}
