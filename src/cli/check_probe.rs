//! The probing connection of `mqscope check`: a worker subscribed to its own topics that
//! publishes and waits for what comes back (one round trip, or a batch of ascending sizes
//! whose largest delivered is the limit), reconnects after the broker drops it, opens
//! second subscribers, and breaks a connection through a relay to see its will.

use std::collections::HashSet;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::check::CONNECT_WAIT;
use super::check_report::Limit;
use super::session;
use crate::model::{Incoming, QoS};
use crate::mqtt::settings::{Will, random_client_id};
use crate::mqtt::{ConnectionSettings, PublishError, PublishRequest, Subscription};
use crate::mqtt::{Transport, WorkerCommand, WorkerHandle};

/// How often waits look at the connection.
const SLICE: Duration = Duration::from_millis(20);
/// Candidates tried in one batch when narrowing a limit down.
const BATCH: usize = 32;

/// What became of one publish.
pub enum Trip {
    Arrived(Box<Incoming>, Duration),
    /// Taken, but nothing came back in time.
    Missing,
    /// Refused, or the connection broke (in words).
    Failed(String),
}

pub struct Probe {
    settings: ConnectionSettings,
    worker: WorkerHandle,
    base: String,
    wait: Duration,
    next_id: u64,
}

impl Probe {
    /// Connects with `settings` (subscribed to `base/#`).
    pub fn open(
        settings: ConnectionSettings,
        base: String,
        wait: Duration,
    ) -> Result<Self, String> {
        let worker = session::connect(settings.clone(), Default::default(), CONNECT_WAIT)
            .map_err(|e| e.to_string())?;
        let refused = worker
            .subscriptions()
            .into_iter()
            .find_map(|s| s.granted.err());
        if let Some(reason) = refused {
            return Err(format!(
                "the broker refused the probes' subscription: {reason}"
            ));
        }
        Ok(Self {
            settings,
            worker,
            base,
            wait,
            next_id: 0,
        })
    }

    /// The QoS the broker granted the probes' subscription.
    pub fn granted(&self) -> Option<QoS> {
        self.worker
            .subscriptions()
            .first()
            .and_then(|s| s.granted.ok())
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn wait(&self) -> Duration {
        self.wait
    }

    pub fn close(self) {
        session::disconnect(self.worker);
    }

    /// Connected again after the broker dropped the connection, with nothing stale left.
    fn ready(&mut self) -> Result<(), String> {
        if !self.worker.state().is_connected() {
            let settings = Box::new(self.settings.clone());
            self.worker.send(WorkerCommand::Connect(settings));
            let state = self.worker.wait_state(CONNECT_WAIT, |s| s.is_connected());
            if !state.is_connected() {
                return Err(state.describe(Instant::now()));
            }
        }
        while self.worker.events.try_recv().is_some() {}
        while self.worker.outcomes.try_recv().is_some() {}
        Ok(())
    }

    fn publish(
        &mut self,
        topic: &str,
        payload: Vec<u8>,
        qos: QoS,
        retain: bool,
    ) -> Result<u64, String> {
        let id = self.next_id;
        self.next_id += 1;
        let request = PublishRequest {
            id,
            topic: topic.to_string(),
            payload,
            qos,
            retain,
            properties: None,
            encode: None,
        };
        let deadline = Instant::now() + self.wait;
        loop {
            match self.worker.publish(request.clone()) {
                Ok(()) => return Ok(id),
                Err(PublishError::Busy) if Instant::now() < deadline => {
                    let _ = self.worker.outcomes.recv_timeout(SLICE);
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// Publishes to `topic` and waits for it to come back.
    pub fn trip(&mut self, topic: &str, payload: Vec<u8>, qos: QoS, retain: bool) -> Trip {
        if let Err(why) = self.ready() {
            return Trip::Failed(why);
        }
        let start = Instant::now();
        let id = match self.publish(topic, payload, qos, retain) {
            Ok(id) => id,
            Err(why) => return Trip::Failed(why),
        };
        let deadline = start + self.wait;
        loop {
            while let Some(o) = self.worker.outcomes.try_recv() {
                if let (true, Err(e)) = (o.id == id, o.result) {
                    return Trip::Failed(e.to_string());
                }
            }
            let state = self.worker.state();
            if !state.is_connected() {
                return Trip::Failed(state.describe(Instant::now()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Trip::Missing;
            }
            if let Some(batch) = self.worker.events.recv_timeout(left.min(SLICE))
                && let Some(m) = batch.into_iter().find(|m| m.topic == topic)
            {
                return Trip::Arrived(Box::new(m), start.elapsed());
            }
        }
    }

    /// Publishes each topic in order at QoS 1 and returns those that arrived (until all
    /// did, or nothing more came for the wait), and whether the connection broke meanwhile.
    fn arrivals(&mut self, topics: &[String]) -> Result<(HashSet<String>, bool), String> {
        self.ready()?;
        let mut broke = false;
        for t in topics {
            if self
                .publish(t, Vec::new(), QoS::AtLeastOnce, false)
                .is_err()
                || !self.worker.state().is_connected()
            {
                broke = true;
                break; // the rest is lost with the connection
            }
        }
        let want: HashSet<&str> = topics.iter().map(String::as_str).collect();
        let mut got = HashSet::new();
        let mut quiet_until = Instant::now() + self.wait;
        while got.len() < want.len() && Instant::now() < quiet_until {
            broke |= !self.worker.state().is_connected();
            let Some(batch) = self.worker.events.recv_timeout(SLICE) else {
                continue;
            };
            for m in batch {
                if want.contains(m.topic.as_str()) {
                    got.insert(m.topic);
                    quiet_until = Instant::now() + self.wait;
                }
            }
        }
        Ok((got, broke))
    }

    /// The first of `candidates` whose topic is not delivered (`None`: all are), and the
    /// last delivered before it: those a broken connection lost are sent again, so only
    /// one that fails first in its batch counts; and a miss followed by a larger one
    /// delivered is tried once more on its own before it counts (on a loaded machine one
    /// delivery can come later than the wait).
    fn first_undelivered(
        &mut self,
        candidates: &[usize],
        make: &dyn Fn(usize) -> String,
        good: &mut Option<usize>,
    ) -> Result<Option<usize>, String> {
        let mut i = 0;
        loop {
            let topics: Vec<String> = candidates[i..].iter().map(|n| make(*n)).collect();
            let (got, broke) = self.arrivals(&topics)?;
            let delivered = topics.iter().take_while(|t| got.contains(*t)).count();
            if let Some(last) = delivered.checked_sub(1) {
                *good = Some(candidates[i + last]);
            }
            let j = i + delivered;
            if j == candidates.len() {
                return Ok(None);
            }
            if delivered == 0 || !broke {
                let miss = candidates[j];
                // A limit stops everything above it: a larger one delivered says this miss
                // was not the limit.
                let later = topics[delivered + 1..].iter().any(|t| got.contains(t));
                if !later || self.arrivals(&[make(miss)])?.0.is_empty() {
                    return Ok(Some(miss));
                }
                *good = Some(miss);
                i = j + 1;
                if i == candidates.len() {
                    return Ok(None);
                }
                continue;
            }
            i = j;
        }
    }

    /// The largest `n` in `lo..=hi` whose topic `make(n)` is delivered along with every
    /// smaller one tried: a ladder of doublings first, then batches narrowing down.
    /// `bound` names what set `hi`, if not the probe's own maximum.
    pub fn limit_by_batches(
        &mut self,
        (lo, hi): (usize, usize),
        bound: Option<&str>,
        make: &dyn Fn(usize) -> String,
    ) -> Limit {
        let mut candidates: Vec<usize> = std::iter::successors(Some(lo), |n| Some(n * 2))
            .take_while(|n| *n < hi)
            .chain([hi])
            .collect();
        let mut good: Option<usize> = None;
        loop {
            let bad = match self.first_undelivered(&candidates, make, &mut good) {
                Ok(Some(bad)) => bad,
                Ok(None) => return Limit::reached(hi, hi, bound),
                Err(why) => return Limit::failed(good, hi, why),
            };
            let from = good.map_or(lo, |g| g + 1);
            if bad <= from {
                return match good {
                    Some(g) => Limit::found(g, bad, hi),
                    None => Limit::none(hi),
                };
            }
            let step = (bad - from).div_ceil(BATCH).max(1);
            candidates = (from..bad).step_by(step).chain([bad]).collect();
        }
    }

    /// A second connection (a fresh client id) subscribed to `sub`.
    pub fn subscriber(&self, sub: Subscription) -> Result<WorkerHandle, String> {
        let mut s = self.settings.clone();
        s.client_id = random_client_id();
        s.subscriptions = vec![sub];
        session::connect(s, Default::default(), CONNECT_WAIT).map_err(|e| e.to_string())
    }

    /// What a subscriber on `sub` gets of a publish to `topic`.
    pub fn delivers(&mut self, sub: Subscription, topic: &str) -> Result<Option<Incoming>, String> {
        let w = self.subscriber(sub)?;
        self.ready()?;
        self.publish(topic, b"d".to_vec(), QoS::AtLeastOnce, false)?;
        let m = first_message(&w, self.wait, |m| m.topic == topic);
        session::disconnect(w);
        Ok(m)
    }

    /// Clears a retained message (best effort).
    pub fn clear(&mut self, topic: &str) {
        let _ = self.trip(topic, Vec::new(), QoS::AtLeastOnce, true);
    }

    /// Connects a client with a will through a relay, breaks the relay, and says how long
    /// the will took to arrive (`None`: it did not within the wait).
    pub fn will_after_cut(&mut self) -> Result<Option<Duration>, String> {
        if self.settings.proxy.is_some() {
            return Err("not probed through a proxy".into());
        }
        let relay = Relay::start(&self.settings.host, self.settings.port)
            .map_err(|e| format!("no relay: {e}"))?;
        let topic = format!("{}/will", self.base);
        let mut s = self.settings.clone();
        s.client_id = random_client_id();
        s.subscriptions.clear();
        if matches!(s.transport, Transport::Tls | Transport::Wss) && s.tls.server_name.is_none() {
            s.tls.server_name = Some(s.host.clone());
        }
        (s.host, s.port) = ("127.0.0.1".into(), relay.port);
        s.will = Some(Will {
            topic: topic.clone(),
            payload: b"gone".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: false,
            delay_s: None,
        });
        let client =
            session::connect(s, Default::default(), CONNECT_WAIT).map_err(|e| e.to_string())?;
        self.ready()?;
        let cut = Instant::now();
        relay.cut();
        let deadline = cut + self.wait;
        let mut arrived = None;
        while arrived.is_none() && Instant::now() < deadline {
            if let Some(batch) = self.worker.events.recv_timeout(SLICE)
                && batch.iter().any(|m| m.topic == topic)
            {
                arrived = Some(cut.elapsed());
            }
        }
        session::disconnect(client);
        Ok(arrived)
    }
}

/// The first message `w` gets that `pick` takes, within `wait`.
pub fn first_message(
    w: &WorkerHandle,
    wait: Duration,
    pick: impl Fn(&Incoming) -> bool,
) -> Option<Incoming> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if let Some(batch) = w.events.recv_timeout(SLICE)
            && let Some(m) = batch.into_iter().find(|m| pick(m))
        {
            return Some(m);
        }
    }
    None
}

/// Bytes of a QoS 1 PUBLISH of `payload` bytes to `topic` (no properties).
pub fn packet_size(topic: &str, payload: usize, v5: bool) -> usize {
    let rest = 2 + topic.len() + 2 + usize::from(v5) + payload;
    let length_bytes = match rest {
        0..128 => 1,
        128..16_384 => 2,
        16_384..2_097_152 => 3,
        _ => 4,
    };
    1 + length_bytes + rest
}

/// A TCP relay to the broker for one connection, which can be broken without a DISCONNECT.
struct Relay {
    port: u16,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(host: &str, port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?.port();
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (kept, target) = (streams.clone(), (host.to_string(), port));
        std::thread::Builder::new()
            .name("check-relay".into())
            .spawn(move || {
                let deadline = Instant::now() + CONNECT_WAIT;
                let client = loop {
                    match listener.accept() {
                        Ok((c, _)) => break c,
                        Err(_) if Instant::now() < deadline => std::thread::sleep(SLICE),
                        Err(_) => return,
                    }
                };
                let _ = client.set_nonblocking(false);
                let Ok(upstream) = TcpStream::connect((target.0.as_str(), target.1)) else {
                    return;
                };
                let clones = (client.try_clone(), upstream.try_clone());
                let (Ok(client2), Ok(upstream2)) = clones else {
                    return;
                };
                if let (Ok(a), Ok(b)) = (client.try_clone(), upstream.try_clone()) {
                    kept.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend([a, b]);
                }
                let up = std::thread::Builder::new()
                    .name("check-relay-up".into())
                    .spawn(move || {
                        let _ = io::copy(&mut &client, &mut &upstream);
                    });
                let _ = io::copy(&mut &upstream2, &mut &client2);
                if let Ok(up) = up {
                    let _ = up.join();
                }
            })?;
        Ok(Self {
            port: local,
            streams,
        })
    }

    /// Breaks both sides at once.
    fn cut(&self) {
        let deadline = Instant::now() + CONNECT_WAIT;
        loop {
            let streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
            if !streams.is_empty() || Instant::now() > deadline {
                for s in streams.iter() {
                    let _ = s.shutdown(Shutdown::Both);
                }
                return;
            }
            drop(streams);
            std::thread::sleep(SLICE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_sizes_count_the_header_topic_id_and_properties() {
        // 1 header + 1 length + 2+1 topic + 2 id + 0 payload = 7
        assert_eq!(packet_size("t", 0, false), 7);
        assert_eq!(packet_size("t", 0, true), 8, "the properties' length byte");
        assert_eq!(packet_size("t", 122, false), 1 + 1 + 127);
        assert_eq!(packet_size("t", 123, false), 1 + 2 + 128);
    }
}
