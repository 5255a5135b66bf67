//! A broker's `$SYS` statistics in plain words (version, uptime, clients, message rates, retained, subscriptions), each with a short history for a sparkline.
//!
//! Mosquitto publishes one number per topic under `$SYS/broker/`, and only when it
//! changed. rmqtt (with rmqtt-sys-topic) publishes two JSON objects per node every
//! `publish_interval`: `$SYS/brokers/{node}/stats` and `$SYS/brokers/{node}/metrics`.

use serde_json::Value;

/// Points kept per sparkline.
const HISTORY: usize = 120;
/// Shortest time a rate is computed over, in seconds (brokers update every second or slower).
const MIN_SPAN: f64 = 0.1;
/// Longest Mosquitto payload read (its numbers and version are short).
const MAX_TEXT: usize = 256;
/// Longest rmqtt JSON payload read (a real stats object is about 900 bytes).
const MAX_JSON: usize = 64 * 1024;

/// The figures, in the order the view shows them.
#[derive(Clone, Copy)]
enum F {
    Version,
    Uptime,
    Clients,
    MsgIn,
    MsgOut,
    BytesIn,
    BytesOut,
    Retained,
    Subscriptions,
    ClientsTotal,
    ClientsMax,
    Sessions,
    Heap,
}

/// How a figure reads in words.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Text,
    Duration,
    Count,
    MsgRate,
    ByteRate,
    Bytes,
}

const FIGURES: [(F, &str, Unit); 13] = [
    (F::Version, "Version", Unit::Text),
    (F::Uptime, "Uptime", Unit::Duration),
    (F::Clients, "Clients connected", Unit::Count),
    (F::MsgIn, "Messages in", Unit::MsgRate),
    (F::MsgOut, "Messages out", Unit::MsgRate),
    (F::BytesIn, "Bytes in", Unit::ByteRate),
    (F::BytesOut, "Bytes out", Unit::ByteRate),
    (F::Retained, "Retained messages", Unit::Count),
    (F::Subscriptions, "Subscriptions", Unit::Count),
    (F::ClientsTotal, "Clients known", Unit::Count),
    (F::ClientsMax, "Most clients at once", Unit::Count),
    (F::Sessions, "Sessions", Unit::Count),
    (F::Heap, "Heap memory", Unit::Bytes),
];

/// Ranks of sources: a rate from successive counter values beats a figure the broker
/// states (such as its 1-minute moving average).
const FROM_COUNTER: u8 = 2;
const STATED: u8 = 1;

/// `$SYS/broker/...` topics: the figure, and 0 for a counter (its rate is computed) or
/// what the stated value is divided by (Mosquitto's loads are per minute).
const MOSQUITTO: [(&str, F, f64); 16] = [
    ("messages/received", F::MsgIn, 0.0),
    ("messages/sent", F::MsgOut, 0.0),
    ("bytes/received", F::BytesIn, 0.0),
    ("bytes/sent", F::BytesOut, 0.0),
    ("uptime", F::Uptime, 1.0),
    ("clients/connected", F::Clients, 1.0),
    ("clients/total", F::ClientsTotal, 1.0),
    ("clients/maximum", F::ClientsMax, 1.0),
    ("load/messages/received/1min", F::MsgIn, 60.0),
    ("load/messages/sent/1min", F::MsgOut, 60.0),
    ("load/bytes/received/1min", F::BytesIn, 60.0),
    ("load/bytes/sent/1min", F::BytesOut, 60.0),
    ("retained messages/count", F::Retained, 1.0),
    ("subscriptions/count", F::Subscriptions, 1.0),
    ("heap/current", F::Heap, 1.0),
    ("heap/current size", F::Heap, 1.0), // Mosquitto 1.x
];
/// rmqtt `$SYS/brokers/{node}/{stats|metrics}` keys, and whether each is a counter. Stats
/// keys are from `rmqtt::stats::Stats::to_json`, metrics keys from the `Metrics` derive
/// (field names, `_` → `.`).
const RMQTT: [(&str, &str, F, bool); 7] = [
    ("stats", "connections.count", F::Clients, false),
    ("stats", "connections.max", F::ClientsMax, false),
    ("stats", "sessions.count", F::Sessions, false),
    ("stats", "subscriptions.count", F::Subscriptions, false),
    ("stats", "retaineds.count", F::Retained, false),
    ("metrics", "messages.publish", F::MsgIn, true),
    ("metrics", "messages.delivered", F::MsgOut, true),
];

/// One figure: its latest value, a short history and where it came from.
#[derive(Debug, Default)]
struct Figure {
    value: Option<f64>,
    text: String,
    history: Vec<(f64, f64)>,
    source: String,
    rank: u8,
    /// Last counter sample `(time, value)` a rate is computed from.
    counter: Option<(f64, f64)>,
}

/// A broker's `$SYS` statistics, fed one message at a time.
#[derive(Debug, Default)]
pub struct SysStats {
    figures: [Figure; FIGURES.len()],
    broker: String,
    family: &'static str,
    /// The rmqtt node followed (the first one seen); other nodes' figures are ignored.
    node: Option<String>,
    /// Time of the latest Mosquitto uptime message (one per update).
    last_tick: Option<f64>,
    ignored: u64,
}

/// One figure for the view.
#[derive(Debug)]
pub struct SysRow<'a> {
    /// What the figure is, in plain words.
    pub label: &'static str,
    /// The latest value in words (`3 h 12 min`, `1,234 msg/s`, `12.2 KiB/s`).
    pub value: String,
    /// (time s, value) oldest first, for a sparkline; empty for text figures like the version
    pub history: &'a [(f64, f64)],
    /// the $SYS topic(s) it came from, for a tooltip
    pub source: &'a str,
}

impl SysStats {
    /// Takes one `$SYS` message; `now` is seconds on the app's monotonic clock. Unknown topics are kept counted but ignored. Never panics on odd payloads (non-UTF-8, non-numbers, huge).
    pub fn observe(&mut self, topic: &str, payload: &[u8], now: f64) {
        let understood = if !now.is_finite() {
            false
        } else if let Some(rest) = topic.strip_prefix("$SYS/broker/") {
            self.mosquitto(topic, rest, payload, now)
        } else if let Some(rest) = topic.strip_prefix("$SYS/brokers/") {
            self.rmqtt(topic, rest, payload, now)
        } else {
            false
        };
        if !understood {
            self.ignored = self.ignored.saturating_add(1);
        }
    }

    /// Figures in a fixed order (version, uptime, clients connected, messages/s in, messages/s out, bytes/s in, bytes/s out, retained messages, subscriptions, ...), only those the broker has published.
    pub fn rows(&self) -> Vec<SysRow<'_>> {
        FIGURES
            .iter()
            .zip(&self.figures)
            .filter_map(|(&(_, label, unit), fig)| {
                let value = match unit {
                    Unit::Text if !fig.text.is_empty() => fig.text.clone(),
                    Unit::Text => return None,
                    _ => in_words(unit, fig.value?),
                };
                Some(SysRow {
                    label,
                    value,
                    history: &fig.history,
                    source: &fig.source,
                })
            })
            .collect()
    }

    /// The figures this broker has not published (yet): said in the window, so a missing
    /// row is not taken for a fault.
    pub fn missing(&self) -> Vec<&'static str> {
        FIGURES
            .iter()
            .zip(&self.figures)
            .filter(|(_, fig)| fig.value.is_none() && fig.text.is_empty())
            .map(|(&(_, label, _), _)| label)
            .collect()
    }

    /// Whether any `$SYS` figure was understood yet.
    pub fn is_empty(&self) -> bool {
        self.figures
            .iter()
            .all(|f| f.value.is_none() && f.text.is_empty())
    }

    /// Which broker family the topics look like ("Mosquitto", "rmqtt", or "unknown"), and the version text if known.
    pub fn broker(&self) -> &str {
        if self.broker.is_empty() {
            "unknown"
        } else {
            &self.broker
        }
    }

    /// How many `$SYS` messages were not understood (unknown topics, odd payloads, other nodes).
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Forgets everything, as after connecting to another broker.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// `rest` is the topic after `$SYS/broker/`.
    fn mosquitto(&mut self, topic: &str, rest: &str, payload: &[u8], now: f64) -> bool {
        if rest == "version" {
            let Some(text) = version(payload) else {
                return false;
            };
            let version = text.strip_prefix("mosquitto version ").unwrap_or(text);
            let fig = &mut self.figures[F::Version as usize];
            fig.text = version.to_owned();
            set_source(fig, topic);
            self.family = "Mosquitto";
            self.relabel();
            return true;
        }
        let Some(v) = text(payload).and_then(number) else {
            return false;
        };
        if rest == "uptime" {
            self.tick(now);
        }
        match MOSQUITTO.iter().find(|(t, ..)| *t == rest) {
            Some(&(_, f, 0.0)) => self.count(f, v, now, topic),
            Some(&(_, f, per)) => self.set(f, v / per, now, topic, STATED),
            None => return false,
        }
        if self.family != "Mosquitto" {
            self.family = "Mosquitto";
            self.relabel();
        }
        true
    }

    /// `rest` is the topic after `$SYS/brokers/`: `{node}/stats` or `{node}/metrics`.
    fn rmqtt(&mut self, topic: &str, rest: &str, payload: &[u8], now: f64) -> bool {
        let Some((node, kind)) = rest.split_once('/') else {
            return false;
        };
        if (kind != "stats" && kind != "metrics") || payload.len() > MAX_JSON || node.len() > 64 {
            return false;
        }
        if self.node.as_deref().is_some_and(|n| n != node) {
            return false;
        }
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(payload) else {
            return false;
        };
        let field = |key: &str| {
            obj.get(key)
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
        };
        let mut any = false;
        for &(_, key, f, counter) in RMQTT.iter().filter(|r| r.0 == kind) {
            let Some(v) = field(key) else { continue };
            any = true;
            let source = format!("{topic} ({key})");
            if !counter {
                self.set(f, v, now, &source, STATED);
            } else if v > 0.0 || self.figures[f as usize].counter.is_some() {
                // rmqtt 0.24 counts messages only with its counter plugin: 0 means "not counted".
                self.count(f, v, now, &source);
            }
        }
        if any {
            self.node.get_or_insert_with(|| node.to_owned());
            if self.family != "rmqtt" {
                self.family = "rmqtt";
                self.relabel();
            }
        }
        any
    }

    /// Records a value the broker stated; a lower-ranked source never overwrites a higher one.
    fn set(&mut self, f: F, v: f64, now: f64, source: &str, rank: u8) {
        let fig = &mut self.figures[f as usize];
        if rank < fig.rank {
            return;
        }
        if rank > fig.rank {
            fig.history.clear();
            fig.rank = rank;
        }
        fig.value = Some(v);
        if FIGURES[f as usize].2 != Unit::Duration {
            if fig.history.len() >= HISTORY {
                fig.history.remove(0);
            }
            fig.history.push((now, v));
        }
        set_source(fig, source);
    }

    /// Records a counter sample and, from the previous one, a rate per second.
    fn count(&mut self, f: F, v: f64, now: f64, source: &str) {
        let fig = &mut self.figures[f as usize];
        match fig.counter {
            // A restarted broker (or clock): start over, no negative rate.
            Some((t0, v0)) if v < v0 || now < t0 => fig.counter = Some((now, v)),
            // (Nearly) the same instant: keep the older sample so the rate spans real time.
            Some((t0, _)) if now - t0 < MIN_SPAN => {}
            Some((t0, v0)) => {
                fig.counter = Some((now, v));
                self.set(f, (v - v0) / (now - t0), now, source, FROM_COUNTER);
            }
            None => fig.counter = Some((now, v)),
        }
    }

    /// A Mosquitto update begins (its uptime comes first). Mosquitto sends a counter only
    /// when it changed, so a counter missing from the whole previous update stood still:
    /// its rate is 0, and its sample is taken as of that update.
    fn tick(&mut self, now: f64) {
        let Some(prev) = self.last_tick.replace(now).filter(|p| *p < now) else {
            return;
        };
        for &(_, f, _) in MOSQUITTO.iter().filter(|(.., per)| *per == 0.0) {
            let fig = &mut self.figures[f as usize];
            if let Some((_, v0)) = fig.counter.filter(|(t0, _)| *t0 < prev) {
                fig.counter = Some((prev, v0));
                let source = fig.source.clone();
                self.set(f, 0.0, now, &source, FROM_COUNTER);
            }
        }
    }

    fn relabel(&mut self) {
        let version = &self.figures[F::Version as usize].text;
        self.broker = if version.is_empty() {
            self.family.to_owned()
        } else {
            format!("{} {version}", self.family)
        };
    }
}

fn set_source(fig: &mut Figure, source: &str) {
    if fig.source != source {
        fig.source = source.to_owned();
    }
}

/// A short, printable UTF-8 payload, trimmed.
fn text(payload: &[u8]) -> Option<&str> {
    if payload.len() > MAX_TEXT {
        return None;
    }
    let s = std::str::from_utf8(payload).ok()?.trim();
    (!s.is_empty() && !s.chars().any(char::is_control)).then_some(s)
}

/// A version names a number: `mosquitto version 2.0.11`, not `abc`.
fn version(payload: &[u8]) -> Option<&str> {
    text(payload).filter(|s| s.bytes().any(|b| b.is_ascii_digit()))
}

/// The leading number of `42`, `0.00` or `1234 seconds`.
fn number(s: &str) -> Option<f64> {
    s.split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

fn in_words(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Duration => duration(v),
        Unit::MsgRate => format!("{} msg/s", decimal(v)),
        Unit::ByteRate => format!("{}/s", bytes(v)),
        Unit::Bytes => bytes(v),
        Unit::Count | Unit::Text => thousands(v),
    }
}

/// `1234.4` as `1,234`.
fn thousands(v: f64) -> String {
    let n = super::units::thousands(v.abs().round() as u64);
    if v.round() < 0.0 { format!("-{n}") } else { n }
}

/// Enough digits to read: `1,234`, `12.5`, `0.25`, `0`.
fn decimal(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 => thousands(v),
        a if a >= 1.0 => format!("{v:.1}"),
        0.0 => "0".into(),
        _ => format!("{v:.2}"),
    }
}

/// `523 B`, `12.2 KiB`, `3.0 MiB`.
fn bytes(v: f64) -> String {
    super::units::format_bytes(v.max(0.0).round() as usize)
}

/// `42 s`, `12 min 5 s`, `3 h 12 min`, `2 d 3 h`.
fn duration(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {} s", s % 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real Mosquitto 2.0.11 output (`sys_interval 1`, 40 publishes at 10/s), verbatim from
    /// `mosquitto_sub -v -F '%U|%t|%p' -t '$SYS/#'`: the first update is the retained one.
    const MOSQUITTO_BUSY: &str = "\
1795600983.586564942|$SYS/broker/version|mosquitto version 2.0.11
1795600983.586700888|$SYS/broker/uptime|0 seconds
1795600983.586719653|$SYS/broker/clients/total|0
1795600983.586779345|$SYS/broker/clients/connected|0
1795600983.586794223|$SYS/broker/clients/expired|0
1795600983.586809010|$SYS/broker/load/messages/received/1min|0.00
1795600983.586853724|$SYS/broker/load/messages/sent/1min|0.00
1795600983.587028763|$SYS/broker/load/bytes/received/1min|0.00
1795600983.587073026|$SYS/broker/load/bytes/sent/1min|0.00
1795600983.587218478|$SYS/broker/messages/received|0
1795600983.587232946|$SYS/broker/messages/sent|0
1795600983.587276317|$SYS/broker/subscriptions/count|0
1795600983.587290884|$SYS/broker/shared_subscriptions/count|0
1795600983.587305482|$SYS/broker/retained messages/count|40
1795600983.587319878|$SYS/broker/heap/current|33336
1795600983.587422141|$SYS/broker/bytes/received|0
1795600983.587437940|$SYS/broker/bytes/sent|0
1795600985.210984125|$SYS/broker/uptime|2 seconds
1795600985.211062402|$SYS/broker/clients/total|1
1795600985.211077190|$SYS/broker/clients/maximum|1
1795600985.211104942|$SYS/broker/clients/connected|1
1795600985.211119338|$SYS/broker/load/messages/received/1min|34.42
1795600985.211133195|$SYS/broker/load/messages/sent/1min|68.85
1795600985.211175945|$SYS/broker/load/bytes/received/1min|385.54
1795600985.211190302|$SYS/broker/load/bytes/sent/1min|2225.70
1795600985.211556719|$SYS/broker/subscriptions/count|1
1795600985.211570234|$SYS/broker/retained messages/count|53
1795600985.211584010|$SYS/broker/heap/current|47048
1795600985.211610560|$SYS/broker/messages/received|35
1795600985.211624366|$SYS/broker/messages/sent|102
1795600985.211665754|$SYS/broker/bytes/received|392
1795600985.211679099|$SYS/broker/bytes/sent|3745
1795600987.236989457|$SYS/broker/uptime|4 seconds
1795600987.237063095|$SYS/broker/load/messages/received/1min|89.36
1795600987.237078774|$SYS/broker/load/messages/sent/1min|93.14
1795600987.237120302|$SYS/broker/load/bytes/received/1min|1008.25
1795600987.237133928|$SYS/broker/load/bytes/sent/1min|2363.20
1795600987.237480628|$SYS/broker/heap/current|47832
1795600987.237509121|$SYS/broker/messages/received|92
1795600987.237523518|$SYS/broker/messages/sent|157
1795600987.237567270|$SYS/broker/bytes/received|1038
1795600987.237581868|$SYS/broker/bytes/sent|5298";
    /// The same broker idle: `messages/received` is sent once more, then no longer.
    const MOSQUITTO_IDLE: &str = "\
1795600995.982635451|$SYS/broker/uptime|0 seconds
1795600995.983186244|$SYS/broker/messages/received|0
1795600997.244354138|$SYS/broker/uptime|2 seconds
1795600997.244956969|$SYS/broker/messages/received|2
1795600999.249381768|$SYS/broker/uptime|4 seconds
1795601001.254081294|$SYS/broker/uptime|6 seconds
1795601003.258901344|$SYS/broker/uptime|8 seconds";
    /// Real rmqtt 0.24 + rmqtt-sys-topic output of `mqscope broker` (node 0, one client
    /// subscribed to `$SYS/#`, one retained message), captured with mosquitto_sub; it
    /// matches `Stats::to_json` and the `Metrics` derive in the rmqtt sources.
    const RMQTT_STATS: &str = r#"{"connections.count":1,"connections.max":2,"delayed_publishs.count":0,"delayed_publishs.max":0,"forwards.count":0,"forwards.max":0,"handshakings.count":0,"handshakings.max":1,"handshakings_active.count":0,"handshakings_rate.count":0.0,"handshakings_rate.max":0.0,"in_inflights.count":0,"in_inflights.max":0,"message_queues.count":0,"message_queues.max":2,"message_storages.count":-1,"message_storages.max":0,"out_inflights.count":0,"out_inflights.max":0,"retaineds.count":1,"retaineds.max":1,"routes.count":2,"routes.max":2,"sessions.count":1,"sessions.max":2,"subscriptions.count":2,"subscriptions.max":2,"subscriptions_shared.count":0,"subscriptions_shared.max":0,"topics.count":2,"topics.max":2}"#;
    const RMQTT_METRICS: &str = r#"{"client.auth.anonymous":0,"client.auth.anonymous.error":0,"client.authenticate":0,"client.connack":0,"client.connack.auth.error":0,"client.connack.error":0,"client.connack.unavailable.error":0,"client.connect":0,"client.connected":0,"client.disconnected":0,"client.handshaking.timeout":0,"client.publish.auth.error":0,"client.publish.check.acl":0,"client.publish.duplicate":0,"client.publish.error":0,"client.subscribe":0,"client.subscribe.auth.error":0,"client.subscribe.check.acl":0,"client.subscribe.error":0,"client.unsubscribe":0,"messages.acked":0,"messages.acked.admin":0,"messages.acked.bridge":0,"messages.acked.custom":0,"messages.acked.lastwill":0,"messages.acked.retain":0,"messages.acked.system":0,"messages.delivered":0,"messages.delivered.admin":0,"messages.delivered.bridge":0,"messages.delivered.custom":0,"messages.delivered.lastwill":0,"messages.delivered.retain":0,"messages.delivered.system":0,"messages.dropped":0,"messages.nonsubscribed":0,"messages.nonsubscribed.admin":0,"messages.nonsubscribed.bridge":0,"messages.nonsubscribed.custom":0,"messages.nonsubscribed.lastwill":0,"messages.nonsubscribed.system":0,"messages.publish":0,"messages.publish.admin":0,"messages.publish.bridge":0,"messages.publish.custom":0,"messages.publish.lastwill":0,"messages.publish.system":0,"session.created":0,"session.resumed":0,"session.subscribed":0,"session.terminated":0,"session.unsubscribed":0}"#;
    const RMQTT_EVENT: (&str, &str) = (
        "$SYS/brokers/0/clients/b3bd3b053a924885a8c9564382291d3b/connected",
        r#"{"clean_session":true,"clientid":"b3bd3b053a924885a8c9564382291d3b","connected_at":1795601012617,"ipaddress":"127.0.0.1:56276","keepalive":60,"node":0,"proto_ver":4,"session_present":false,"time":"2026-11-25 10:03:32.617","username":"undefined"}"#,
    );

    /// Feeds `time|topic|payload` lines, times taken relative to `t0`.
    fn feed<'a>(s: &mut SysStats, lines: impl Iterator<Item = &'a str>, t0: f64) {
        for line in lines {
            let v: Vec<_> = line.splitn(3, '|').collect();
            s.observe(v[1], v[2].as_bytes(), v[0].parse::<f64>().unwrap() - t0);
        }
    }

    /// The row labelled `label`, as (value, history length, source).
    fn row(s: &SysStats, label: &str) -> Option<(String, usize, String)> {
        let rows = s.rows();
        let r = rows.iter().find(|r| r.label == label)?;
        Some((r.value.clone(), r.history.len(), r.source.to_owned()))
    }

    fn value(s: &SysStats, label: &str) -> Option<String> {
        row(s, label).map(|r| r.0)
    }

    fn metrics(published: u32) -> String {
        let n = format!("\"messages.publish\":{published}");
        RMQTT_METRICS.replace("\"messages.publish\":0", &n)
    }

    #[test]
    fn mosquitto_capture_reads_in_words() {
        let mut s = SysStats::default();
        assert!(s.is_empty() && s.broker() == "unknown");
        let mut lines = MOSQUITTO_BUSY.lines();
        feed(&mut s, lines.by_ref().take(17), 1795600980.0); // the retained update
        assert_eq!(value(&s, "Version").unwrap(), "2.0.11");
        assert_eq!(s.broker(), "Mosquitto 2.0.11");
        // The 1-minute load, until two counter samples give a rate.
        assert_eq!(value(&s, "Messages in").unwrap(), "0 msg/s");
        assert_eq!(value(&s, "Heap memory").unwrap(), "32.6 KiB");
        feed(&mut s, lines, 1795600980.0);
        let labels: Vec<_> = s.rows().iter().map(|r| r.label).collect();
        assert_eq!(
            labels.join(", "),
            "Version, Uptime, Clients connected, Messages in, Messages out, Bytes in, Bytes out, Retained messages, Subscriptions, Clients known, Most clients at once, Heap memory"
        );
        let words: Vec<_> = s.rows().into_iter().map(|r| r.value).collect();
        // Messages in: (92 - 35) over 7.2375 - 5.2116 s, from the two counter samples.
        assert_eq!(
            words.join(", "),
            "2.0.11, 4 s, 1, 28.1 msg/s, 27.1 msg/s, 319 B/s, 767 B/s, 53, 1, 1, 1, 46.7 KiB"
        );
        let msg_in = row(&s, "Messages in").unwrap();
        assert_eq!(
            (msg_in.1, msg_in.2.as_str()),
            (2, "$SYS/broker/messages/received")
        );
        assert_eq!(row(&s, "Version").unwrap().1, 0, "no sparkline for text");
        assert_eq!(
            s.ignored(),
            2,
            "clients/expired, shared_subscriptions/count"
        );
        s.clear();
        assert!(s.is_empty() && s.rows().is_empty() && s.broker() == "unknown");
    }

    #[test]
    fn mosquitto_idle_counter_falls_to_zero() {
        let mut s = SysStats::default();
        let mut lines = MOSQUITTO_IDLE.lines();
        feed(&mut s, lines.by_ref().take(5), 1795600990.0);
        assert_eq!(value(&s, "Messages in").unwrap(), "1.6 msg/s");
        feed(&mut s, lines, 1795600990.0);
        assert_eq!(value(&s, "Messages in").unwrap(), "0 msg/s");
    }

    #[test]
    fn rmqtt_capture_reads_in_words() {
        let mut s = SysStats::default();
        s.observe(RMQTT_EVENT.0, RMQTT_EVENT.1.as_bytes(), 1.0);
        s.observe("$SYS/brokers/0/stats", RMQTT_STATS.as_bytes(), 5.0);
        s.observe("$SYS/brokers/0/metrics", RMQTT_METRICS.as_bytes(), 5.0);
        assert_eq!(s.broker(), "rmqtt");
        let words: Vec<_> = s
            .rows()
            .iter()
            .map(|r| format!("{} {}", r.label, r.value))
            .collect();
        assert_eq!(
            words.join(", "),
            "Clients connected 1, Retained messages 1, Subscriptions 2, Most clients at once 2, Sessions 1"
        );
        assert_eq!(
            s.missing().join(", "),
            "Version, Uptime, Messages in, Messages out, Bytes in, Bytes out, Clients known, \
             Heap memory",
            "said in the window"
        );
        let source = row(&s, "Clients connected").unwrap().2;
        assert_eq!(source, "$SYS/brokers/0/stats (connections.count)");
        assert_eq!(s.ignored(), 1, "the client event");
        // With messages counted (the rmqtt-counter plugin), two samples 5 s apart give a rate.
        s.observe("$SYS/brokers/0/metrics", metrics(100).as_bytes(), 10.0);
        s.observe("$SYS/brokers/0/metrics", metrics(600).as_bytes(), 15.0);
        assert_eq!(value(&s, "Messages in").unwrap(), "100 msg/s");
        // Another node of a cluster is not mixed in.
        let other = RMQTT_STATS.replace(":1,", ":9,");
        s.observe("$SYS/brokers/7/stats", other.as_bytes(), 20.0);
        assert_eq!(value(&s, "Clients connected").unwrap(), "1");
    }

    #[test]
    fn odd_payloads_give_no_row() {
        let huge = vec![b'1'; 1 << 20];
        let huge_json = format!("{{\"connections.count\":{}}}", "9".repeat(1 << 20));
        let odd: [&[u8]; 9] = [
            b"\xff\xfe\x00",
            b"abc",
            b"",
            b"NaN",
            b"inf",
            b"1e999",
            b"[1]",
            &huge,
            huge_json.as_bytes(),
        ];
        let topics = [
            "$SYS/broker/clients/connected",
            "$SYS/broker/messages/received",
            "$SYS/brokers/0/stats",
            "$SYS/brokers/0/metrics",
            "$SYS/brokers",
            "$SYS/x",
        ];
        let mut s = SysStats::default();
        for (i, p) in odd.iter().enumerate() {
            for topic in topics {
                s.observe(topic, p, i as f64);
            }
        }
        for p in [odd[0], odd[1], odd[2], odd[7]] {
            s.observe("$SYS/broker/version", p, 10.0);
        }
        s.observe(
            "$SYS/brokers/0/stats",
            br#"{"connections.count":"x"}"#,
            20.0,
        );
        s.observe("$SYS/broker/uptime", b"5 seconds", f64::NAN);
        assert!(s.is_empty() && s.rows().is_empty() && s.broker() == "unknown");
        assert_eq!(s.ignored(), 9 * 6 + 4 + 2);
    }

    #[test]
    fn counter_restart_and_same_instant_give_no_odd_rate() {
        let mut s = SysStats::default();
        // Same instant, then a restart, then the clock going back: no new rate from those.
        for (t, v) in [
            (0.0, "1000"),
            (1.0, "1100"),
            (1.0, "1200"),
            (1.01, "1300"),
            (2.0, "5"),
            (1.5, "9"),
        ] {
            s.observe("$SYS/broker/messages/received", v.as_bytes(), t);
        }
        assert_eq!(value(&s, "Messages in").unwrap(), "100 msg/s");
        s.observe("$SYS/broker/messages/received", b"19", 2.5);
        assert_eq!(value(&s, "Messages in").unwrap(), "10.0 msg/s");
        assert!(
            s.rows()[0]
                .history
                .iter()
                .all(|&(_, v)| v.is_finite() && v >= 0.0)
        );
    }

    #[test]
    fn history_stays_bounded() {
        let mut s = SysStats::default();
        let topics = [
            "clients/connected",
            "messages/sent",
            "load/bytes/sent/1min",
            "uptime",
        ];
        for i in 0..10_000u32 {
            let n = (i % 1000).to_string();
            for topic in topics {
                s.observe(&format!("$SYS/broker/{topic}"), n.as_bytes(), f64::from(i));
            }
            s.observe(
                "$SYS/brokers/0/metrics",
                metrics(i % 1000).as_bytes(),
                f64::from(i),
            );
        }
        for row in s.rows() {
            assert!(row.history.len() <= HISTORY, "{}", row.label);
            assert!(row.history.iter().all(|&(_, v)| v >= 0.0), "{}", row.label);
        }
        assert_eq!(row(&s, "Clients connected").unwrap().1, HISTORY);
    }

    #[test]
    fn words() {
        assert!(FIGURES.iter().enumerate().all(|(i, f)| f.0 as usize == i));
        assert_eq!(duration(11_520.0), "3 h 12 min");
        assert_eq!(duration(200_000.0), "2 d 7 h");
        assert_eq!(duration(725.0), "12 min 5 s");
        assert_eq!(in_words(Unit::MsgRate, 1234.4), "1,234 msg/s");
        assert_eq!(in_words(Unit::MsgRate, 0.25), "0.25 msg/s");
        assert_eq!(in_words(Unit::ByteRate, 12_500.0), "12.2 KiB/s");
        assert_eq!(in_words(Unit::Count, 1_234_567.0), "1,234,567");
        assert_eq!(in_words(Unit::Count, -1.0), "-1");
    }
}
