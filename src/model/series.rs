//! Numbers over time for the plots: what is plotted ([`SeriesSpec`]), capped series fed
//! as messages arrive, and the set of them ([`Plots`]) the store feeds.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use super::decode::Decoder;
use super::decode::rules::SPARKPLUG_AUTOMATIC;
use super::decode::spec::DecoderSpec;
use super::json_path::JsonPath;
use super::message::Message;
use super::number::json_number;
use super::payload::PayloadKind;
use super::reduce::window;

// Moved to their own files; kept at their old paths here for callers.
pub use super::csv_export::write_csv;
pub use super::number::parse_number;
pub use super::reduce::{WindowStats, reduce};

/// Points kept per series unless the user says otherwise (oldest go first).
pub const DEFAULT_POINT_CAP: usize = 1_000_000;

/// Bytes one point costs in memory (time and value, two `f64`).
pub const POINT_BYTES: usize = std::mem::size_of::<[f64; 2]>();

/// What is plotted: a topic's payload as a number, or one field of its JSON, or of its
/// payload decoded from MessagePack, CBOR or Sparkplug B.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SeriesSpec {
    pub topic: String,
    /// Written JSON path (see [`JsonPath`]); empty for the whole payload.
    #[serde(default)]
    pub path: String,
    /// The decoder the payload goes through first; `None` for text and JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoder: Option<Decoder>,
    /// The decoder rule's decoder (as written, `base64+gzip+json`) the field is read from:
    /// what the rule made of each message on arrival, or, once the rules changed, the
    /// payload decoded by it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl SeriesSpec {
    pub fn new(topic: impl Into<String>, path: &JsonPath) -> Self {
        Self {
            topic: topic.into(),
            path: path.to_string(),
            decoder: None,
            rule: None,
        }
    }

    /// The same field, read from what the decoder rule `rule` made of the payload.
    pub fn by_rule(self, rule: Option<&str>) -> Self {
        Self {
            rule: rule.map(str::to_string),
            ..self
        }
    }

    /// The same field, read from the payload decoded with `decoder`.
    pub fn decoded(self, decoder: Option<Decoder>) -> Self {
        Self { decoder, ..self }
    }

    /// The name in the legend and the CSV file: the topic, and the field when there is one.
    pub fn label(&self) -> String {
        let by = match (&self.rule, self.decoder) {
            (Some(rule), _) => Some(rule.as_str()),
            (None, Some(d)) => Some(d.label()),
            (None, None) => None,
        };
        let field = match (self.path.is_empty(), by) {
            (true, None) => return self.topic.clone(),
            (true, Some(by)) => by.to_string(),
            (false, None) => self.path.clone(),
            (false, Some(by)) => format!("{by} {}", self.path),
        };
        format!("{} › {field}", self.topic)
    }
}

/// One plotted series: its points (time in seconds since the Unix epoch, value), oldest
/// first, capped; and what could not be plotted, counted.
#[derive(Debug)]
pub struct Series {
    pub spec: SeriesSpec,
    /// The parsed form of `spec.path`.
    path: JsonPath,
    /// The parsed form of `spec.rule`, for payloads the rule of the moment did not decode.
    rule: Option<DecoderSpec>,
    points: VecDeque<[f64; 2]>,
    /// Points that came from retained messages delivered at subscribe time: their time is
    /// when we got them, not when they were measured, so they are drawn hollow.
    retained: VecDeque<[f64; 2]>,
    /// Messages on the topic that held no number there.
    pub not_numeric: u64,
    /// NaN and infinities, skipped.
    pub non_finite: u64,
    /// Oldest points removed to stay inside the cap.
    pub dropped: u64,
    /// Changes whenever the points change, to a value no other series has (for draw caches).
    version: u64,
}

/// Versions are unique across all series, so a draw cache keyed by one can never mistake
/// one series for another (after a removal shifts them).
fn next_version() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Series {
    fn new(spec: SeriesSpec) -> Result<Self, String> {
        let path = JsonPath::parse(&spec.path)?;
        let rule = match spec.rule.as_deref() {
            Some(SPARKPLUG_AUTOMATIC) => Some("sparkplug".parse().map_err(|e| format!("{e}"))?),
            Some(name) => Some(name.parse().map_err(|e| format!("{e}"))?),
            None => None,
        };
        Ok(Self {
            spec,
            path,
            rule,
            points: VecDeque::new(),
            retained: VecDeque::new(),
            not_numeric: 0,
            non_finite: 0,
            dropped: 0,
            version: next_version(),
        })
    }

    pub fn points(&self) -> &VecDeque<[f64; 2]> {
        &self.points
    }

    pub fn retained_points(&self) -> &VecDeque<[f64; 2]> {
        &self.retained
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// The latest value.
    pub fn last(&self) -> Option<f64> {
        self.points.back().map(|p| p[1])
    }

    /// Adds one value; times never go backwards (a clock step back is flattened), so the
    /// points stay sorted for the binary searches of [`reduce`].
    pub fn push(&mut self, time_s: f64, value: f64, retained: bool, cap: usize) {
        if !value.is_finite() {
            self.non_finite += 1;
            return;
        }
        let t = self.points.back().map_or(time_s, |p| p[0].max(time_s));
        self.points.push_back([t, value]);
        if retained {
            self.retained.push_back([t, value]);
        }
        self.trim(cap);
    }

    /// Drops the oldest points over `cap` (and their retained marks).
    fn trim(&mut self, cap: usize) {
        while self.points.len() > cap.max(1) {
            self.points.pop_front();
            self.dropped += 1;
        }
        let first = self.points.front().map_or(f64::INFINITY, |p| p[0]);
        while self.retained.front().is_some_and(|p| p[0] < first) {
            self.retained.pop_front();
        }
        self.version = next_version();
    }

    /// Removes every point (counters too).
    pub fn clear(&mut self) {
        self.points.clear();
        self.retained.clear();
        self.not_numeric = 0;
        self.non_finite = 0;
        self.dropped = 0;
        self.version = next_version();
    }

    /// The number this series reads from `message`, given its JSON parsed once per message
    /// by the caller (`json` is `None` when the payload is not JSON).
    fn read(&self, text: Option<&str>, json: Option<&Value>) -> Option<f64> {
        if self.path.is_empty() {
            return match json {
                Some(v) => json_number(v),
                None => parse_number(text?),
            };
        }
        json_number(self.path.select(json?)?)
    }
}

/// All plotted series, fed by the store as messages arrive.
#[derive(Debug)]
pub struct Plots {
    series: Vec<Series>,
    /// Topic → indices into `series`, so a message costs one hash lookup.
    by_topic: HashMap<String, Vec<usize>>,
    /// Points kept per series.
    pub cap: usize,
}

impl Default for Plots {
    fn default() -> Self {
        Self {
            series: Vec::new(),
            by_topic: HashMap::new(),
            cap: DEFAULT_POINT_CAP,
        }
    }
}

impl Plots {
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    pub fn specs(&self) -> Vec<SeriesSpec> {
        self.series.iter().map(|s| s.spec.clone()).collect()
    }

    pub fn contains(&self, spec: &SeriesSpec) -> bool {
        self.series.iter().any(|s| &s.spec == spec)
    }

    /// Adds a series (nothing happens when it is already plotted); its index.
    pub fn add(&mut self, spec: SeriesSpec) -> Result<usize, String> {
        if let Some(i) = self.series.iter().position(|s| s.spec == spec) {
            return Ok(i);
        }
        let series = Series::new(spec)?;
        self.series.push(series);
        self.reindex();
        Ok(self.series.len() - 1)
    }

    /// Removes series `index` (an index past the end is ignored).
    pub fn remove(&mut self, index: usize) {
        if index < self.series.len() {
            self.series.remove(index);
            self.reindex();
        }
    }

    /// Removes every point of every series; the series stay.
    pub fn clear_points(&mut self) {
        for s in &mut self.series {
            s.clear();
        }
    }

    fn reindex(&mut self) {
        self.by_topic.clear();
        for (i, s) in self.series.iter().enumerate() {
            self.by_topic
                .entry(s.spec.topic.clone())
                .or_default()
                .push(i);
        }
    }

    /// Whether `topic` feeds a series.
    pub fn watches(&self, topic: &str) -> bool {
        self.by_topic.contains_key(topic)
    }

    /// Feeds a message of `topic` to the series that plot it (all of them, or only
    /// `only`); its payload is parsed as JSON at most once.
    pub fn observe(&mut self, topic: &str, message: &Message, only: Option<usize>) {
        let Some(indices) = self.by_topic.get(topic) else {
            return;
        };
        let text = message.payload.text();
        let json = match message.payload.kind() {
            PayloadKind::Json => text.and_then(|t| serde_json::from_str::<Value>(t).ok()),
            _ => None,
        };
        // Each decoder runs at most once per message, and the rule's value is parsed once.
        let mut decoded: Vec<(Decoder, Option<Value>)> = Vec::new();
        let mut by_rule: Vec<(String, Option<Value>)> = Vec::new();
        let time_s = message.received_at_us as f64 / 1_000_000.0;
        for &i in indices {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let series = &mut self.series[i];
            let value = match (&series.spec.rule, series.spec.decoder) {
                (Some(rule), _) => {
                    let at = match by_rule.iter().position(|(k, _)| k == rule) {
                        Some(at) => at,
                        None => {
                            let value = match message.payload.decoded() {
                                Some(d) if &*d.by == rule.as_str() => d.value(),
                                _ => series
                                    .rule
                                    .as_ref()
                                    .and_then(|r| r.decode(message.payload.bytes()).ok()),
                            };
                            by_rule.push((rule.clone(), value));
                            by_rule.len() - 1
                        }
                    };
                    match &by_rule[at].1 {
                        Some(v) => series.read(None, Some(v)),
                        None => None,
                    }
                }
                (None, Some(d)) => {
                    let at = match decoded.iter().position(|(k, _)| *k == d) {
                        Some(at) => at,
                        None => {
                            decoded.push((d, d.decode(message.payload.bytes()).ok()));
                            decoded.len() - 1
                        }
                    };
                    match &decoded[at].1 {
                        Some(v) => series.read(None, Some(v)),
                        None => None,
                    }
                }
                (None, None) => series.read(text, json.as_ref()),
            };
            match value {
                Some(v) => series.push(time_s, v, message.retain, self.cap),
                None => series.not_numeric += 1,
            }
        }
    }

    /// Points held over all series.
    pub fn total_points(&self) -> usize {
        self.series.iter().map(|s| s.points.len()).sum()
    }

    /// Memory the points take.
    pub fn bytes(&self) -> usize {
        self.series
            .iter()
            .map(|s| (s.points.capacity() + s.retained.capacity()) * POINT_BYTES)
            .sum()
    }

    /// Changes the cap; series over it lose their oldest points at once.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        for s in &mut self.series {
            s.trim(self.cap);
        }
    }
}

/// Points of a series read back from stored messages, oldest first (see
/// [`Plots::prepend`]).
#[derive(Debug, Default, PartialEq)]
pub struct OlderPoints {
    pub points: VecDeque<[f64; 2]>,
    pub retained: VecDeque<[f64; 2]>,
    /// Messages that held no number where the series reads.
    pub not_numeric: u64,
}

impl OlderPoints {
    /// What `messages` (oldest first, of the series' topic) give series `spec`, read as
    /// live messages are; done off the UI thread.
    pub fn read(spec: &SeriesSpec, messages: &[Message]) -> Result<Self, String> {
        let mut plots = Plots {
            cap: usize::MAX,
            ..Plots::default()
        };
        plots.add(spec.clone())?;
        for m in messages {
            plots.observe(&spec.topic, m, None);
        }
        let s = plots.series.pop().ok_or("no series")?;
        Ok(Self {
            points: s.points,
            retained: s.retained,
            not_numeric: s.not_numeric,
        })
    }
}

impl Plots {
    /// Puts `older` before the first point of series `index` (those not older than it
    /// are left out; the oldest go past the cap); how many were added.
    pub fn prepend(&mut self, index: usize, older: OlderPoints) -> usize {
        let cap = self.cap;
        let Some(s) = self.series.get_mut(index) else {
            return 0;
        };
        let first = s.points.front().map_or(f64::INFINITY, |p| p[0]);
        let before = |p: &[f64; 2]| p[0] < first;
        let mut points: VecDeque<_> = older.points.into_iter().take_while(before).collect();
        let added = points.len();
        points.append(&mut s.points);
        let mut retained: VecDeque<_> = older.retained.into_iter().take_while(before).collect();
        retained.append(&mut s.retained);
        let total = points.len();
        s.points = points;
        s.retained = retained;
        s.not_numeric += older.not_numeric;
        s.trim(cap);
        // The cap takes the oldest first: the added ones.
        added.saturating_sub(total - s.points.len())
    }
}

/// The points of each series between `x0` and `x1`, with its label: what a CSV export
/// writes (copied, so the file can be written while the series go on).
pub fn visible_points<'a>(
    series: impl IntoIterator<Item = &'a Series>,
    x0: f64,
    x1: f64,
) -> Vec<(String, Vec<[f64; 2]>)> {
    series
        .into_iter()
        .map(|s| {
            let (lo, hi) = window(&s.points, x0, x1);
            (s.spec.label(), s.points.range(lo..hi).copied().collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::QoS;
    use crate::model::payload::Payload;

    fn message(ms: i64, payload: &str, retain: bool) -> Message {
        Message {
            received_at_us: ms * 1000,
            qos: QoS::AtMostOnce,
            retain,
            pkid: 0,
            from_disk: false,
            payload: Payload::decode(payload.as_bytes(), 1 << 20),
            properties: None,
        }
    }

    #[test]
    fn stored_values_go_before_the_first_point_within_the_cap() {
        let spec = SeriesSpec::new("t", &JsonPath::default());
        let mut plots = Plots {
            cap: 5,
            ..Plots::default()
        };
        let i = plots.add(spec.clone()).unwrap();
        plots.observe("t", &message(3_000, "30", false), None);
        plots.observe("t", &message(4_000, "40", false), None);
        // Stored: older values, one not a number, one retained, and one as old as the first
        // point (already plotted from memory).
        let stored = [
            message(1_000, "10", true),
            message(1_500, "n/a", false),
            message(2_000, "20", false),
            message(3_000, "30", false),
        ];
        let older = OlderPoints::read(&spec, &stored).unwrap();
        assert_eq!(older.not_numeric, 1);
        assert_eq!(plots.prepend(i, older), 2);
        let s = &plots.series()[i];
        let values: Vec<f64> = s.points().iter().map(|p| p[1]).collect();
        assert_eq!(values, [10.0, 20.0, 30.0, 40.0]);
        assert_eq!(
            s.retained_points().iter().map(|p| p[1]).collect::<Vec<_>>(),
            [10.0]
        );
        assert_eq!(s.not_numeric, 1);
        // At the cap the oldest stored values are the ones left out.
        let more: Vec<Message> = (0..4).map(|k| message(k * 100, "1", false)).collect();
        let older = OlderPoints::read(&spec, &more).unwrap();
        assert_eq!(plots.prepend(i, older), 1);
        let values: Vec<f64> = plots.series()[i].points().iter().map(|p| p[1]).collect();
        assert_eq!(values, [1.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn series_are_fed_per_topic_and_path_and_count_what_they_skip() {
        let mut plots = Plots::default();
        let plain = plots
            .add(SeriesSpec::new("t", &JsonPath::default()))
            .unwrap();
        let field = plots
            .add(SeriesSpec {
                topic: "j".into(),
                path: "a[1]".into(),
                decoder: None,
                rule: None,
            })
            .unwrap();
        assert_eq!(plots.add(SeriesSpec::new("t", &JsonPath::default())), Ok(0));
        plots.observe("t", &message(1000, "20.5 °C", true), None);
        plots.observe("t", &message(2000, "NaN", false), None);
        plots.observe("t", &message(3000, "off", false), None);
        plots.observe("t", &message(4000, "22", false), None);
        plots.observe("t", &message(2500, "21", false), None); // clock stepped back
        plots.observe("j", &message(1000, r#"{"a":[0,7]}"#, false), None);
        plots.observe("j", &message(2000, r#"{"a":[0]}"#, false), None);
        plots.observe("other", &message(1000, "5", false), None);

        let t = &plots.series()[plain];
        assert_eq!(
            t.points().iter().copied().collect::<Vec<_>>(),
            [[1.0, 20.5], [4.0, 22.0], [4.0, 21.0]]
        );
        assert_eq!(t.retained_points().len(), 1);
        assert_eq!((t.non_finite, t.not_numeric), (1, 1));
        let j = &plots.series()[field];
        assert_eq!(j.last(), Some(7.0));
        assert_eq!(j.not_numeric, 1);
        assert_eq!(j.spec.label(), "j › a[1]");
        plots.remove(plain);
        assert_eq!(plots.len(), 1);
        assert!(!plots.watches("t"));
        assert!(plots.watches("j"));
    }

    #[test]
    fn the_cap_drops_the_oldest_points() {
        let mut plots = Plots {
            cap: 3,
            ..Plots::default()
        };
        plots
            .add(SeriesSpec::new("t", &JsonPath::default()))
            .unwrap();
        plots.observe("t", &message(0, "1", true), None);
        for i in 1..=4 {
            plots.observe("t", &message(i * 1000, &i.to_string(), false), None);
        }
        let s = &plots.series()[0];
        let values: Vec<f64> = s.points().iter().map(|p| p[1]).collect();
        assert_eq!(values, [2.0, 3.0, 4.0]);
        assert_eq!(s.dropped, 2);
        assert!(s.retained_points().is_empty(), "its retained mark went too");
        plots.set_cap(1);
        assert_eq!(plots.total_points(), 1);
    }

    #[test]
    fn csv_has_the_visible_points_with_quoted_names() {
        let mut plots = Plots::default();
        plots
            .add(SeriesSpec {
                topic: "a,\"b\"".into(),
                path: "x".into(),
                decoder: None,
                rule: None,
            })
            .unwrap();
        for i in 0..5 {
            plots.observe(
                "a,\"b\"",
                &message(i * 1000, &format!("{{\"x\":{i}}}"), false),
                None,
            );
        }
        let mut out = Vec::new();
        let rows = write_csv(&mut out, &visible_points(plots.series(), 1.0, 3.0)).unwrap();
        assert_eq!(rows, 3);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "timestamp_ms,series,value\n1000,\"a,\"\"b\"\" › x\",1\n\
             2000,\"a,\"\"b\"\" › x\",2\n3000,\"a,\"\"b\"\" › x\",3\n"
        );
    }
}
