//! Numbers over time for the plots: numbers read from payloads (plain or a JSON field),
//! capped series fed as messages arrive, and the min/max reduction that keeps drawing a
//! million points as cheap as drawing a few thousand.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use serde_json::Value;

use super::decode::Decoder;
use super::message::Message;

/// Points kept per series unless the user says otherwise (oldest go first).
pub const DEFAULT_POINT_CAP: usize = 1_000_000;

/// Bytes one point costs in memory (time and value, two `f64`).
pub const POINT_BYTES: usize = std::mem::size_of::<[f64; 2]>();

/// Reads a payload's text as a number: `21.5`, ` 42 `, `-1e3`, `true`/`false` (1/0), and a
/// leading number followed by a unit (`21.5 °C`, `50%`, `12V`). Returns non-finite values
/// (`NaN`, `inf`, `1e999`) as they are, so the caller can count and skip them. Rejects text
/// that only starts like a number (`1.2.3`, `2024-01-01`, `12:30`, `0x1F`, `3 4`).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        return Some(1.0);
    }
    if t.eq_ignore_ascii_case("false") {
        return Some(0.0);
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    let negative = t.starts_with('-');
    for word in ["nan", "infinity", "inf"] {
        if unsigned.eq_ignore_ascii_case(word) {
            return Some(match (word, negative) {
                ("nan", _) => f64::NAN,
                (_, true) => f64::NEG_INFINITY,
                (_, false) => f64::INFINITY,
            });
        }
    }
    let end = number_prefix_len(t);
    if end == 0 {
        return None;
    }
    let (number, rest) = t.split_at(end);
    if !unit_ok(rest) {
        return None;
    }
    number.parse::<f64>().ok()
}

/// Length of the longest prefix of `s` that is a decimal number (sign, digits, fraction,
/// exponent); 0 when there is none.
fn number_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        let mut j = i + 1;
        let fraction = digits(&mut j);
        if mantissa + fraction > 0 {
            mantissa += fraction;
            i = j;
        }
    }
    if mantissa == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        if digits(&mut j) > 0 {
            i = j;
        }
    }
    i
}

/// Whether what follows a number is nothing or reads as a unit.
fn unit_ok(rest: &str) -> bool {
    let Some(first) = rest.chars().next() else {
        return true;
    };
    if first.is_whitespace() {
        // `21.5 °C` yes, `3 4` or `21.5 -` no.
        let unit = rest.trim_start();
        return unit
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || "%°µ\"'$€£".contains(c))
            && !unit.chars().any(|c| c.is_ascii_digit());
    }
    // Attached: `50%`, `12V`, `5kW`; but not `1.2.3`, `2024-01-01`, `12:30`, `0x1F`.
    (first.is_alphabetic() || "%°µ".contains(first)) && !rest.chars().any(|c| c.is_ascii_digit())
}

/// The number a JSON value stands for: numbers, booleans (1/0) and numeric strings.
pub fn json_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field inside a JSON payload, written `sensors[2].temp` (keys that are not plain
/// names are quoted: `["a.b"]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at this path, if the document has one.
    pub fn select<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(root, |v, seg| match seg {
            Segment::Key(k) => v.as_object()?.get(k),
            Segment::Index(i) => v.as_array()?.get(*i),
        })
    }

    /// Parses the written form (`a.b[3]["odd key"]`); the empty string is the whole payload.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' if i > 0 => {
                    i += 1;
                    let start = i;
                    while i < b.len() && !matches!(b[i], b'.' | b'[' | b']') {
                        i += 1;
                    }
                    if start == i {
                        return Err(format!("empty name at character {}", start + 1));
                    }
                    segments.push(Segment::Key(s[start..i].to_string()));
                }
                b'[' => {
                    let close = s[i..]
                        .find(']')
                        .map(|n| i + n)
                        .ok_or_else(|| format!("unclosed [ at character {}", i + 1))?;
                    let inner = &s[i + 1..close];
                    if inner.starts_with('"') {
                        // A quoted key may itself contain `]`: parse it as a JSON string.
                        let mut stream =
                            serde_json::Deserializer::from_str(&s[i + 1..]).into_iter::<String>();
                        let key = match stream.next() {
                            Some(Ok(k)) => k,
                            _ => return Err(format!("bad quoted name at character {}", i + 2)),
                        };
                        let after = i + 1 + stream.byte_offset();
                        if b.get(after) != Some(&b']') {
                            return Err(format!("expected ] at character {}", after + 1));
                        }
                        segments.push(Segment::Key(key));
                        i = after + 1;
                    } else {
                        let index = inner
                            .parse::<usize>()
                            .map_err(|_| format!("[{inner}] is not an array index"))?;
                        segments.push(Segment::Index(index));
                        i = close + 1;
                    }
                }
                b']' => return Err(format!("unexpected ] at character {}", i + 1)),
                b'.' => return Err("a path starts with a name or [".into()),
                _ if i == 0 => {
                    while i < b.len() && !matches!(b[i], b'.' | b'[' | b']') {
                        i += 1;
                    }
                    segments.push(Segment::Key(s[..i].to_string()));
                }
                _ => {
                    return Err(format!(
                        "unexpected {:?} at character {}",
                        b[i] as char,
                        i + 1
                    ));
                }
            }
        }
        Ok(Self(segments))
    }

    /// This path one step further.
    pub fn child(&self, segment: Segment) -> Self {
        let mut out = self.clone();
        out.0.push(segment);
        out
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Key(k) if is_plain_name(k) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => {
                    let quoted = serde_json::to_string(k).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?;
                }
            }
        }
        Ok(())
    }
}

fn is_plain_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with('"')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ' || c == '$')
}

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
}

impl SeriesSpec {
    pub fn new(topic: impl Into<String>, path: &JsonPath) -> Self {
        Self {
            topic: topic.into(),
            path: path.to_string(),
            decoder: None,
        }
    }

    /// The same field, read from the payload decoded with `decoder`.
    pub fn decoded(self, decoder: Option<Decoder>) -> Self {
        Self { decoder, ..self }
    }

    /// The name in the legend and the CSV file: the topic, and the field when there is one.
    pub fn label(&self) -> String {
        let field = match (self.path.is_empty(), self.decoder) {
            (true, None) => return self.topic.clone(),
            (true, Some(d)) => d.label().to_string(),
            (false, None) => self.path.clone(),
            (false, Some(d)) => format!("{} {}", d.label(), self.path),
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
    /// Bumped whenever the points change (for draw caches).
    version: u64,
}

impl Series {
    fn new(spec: SeriesSpec) -> Result<Self, String> {
        let path = JsonPath::parse(&spec.path)?;
        Ok(Self {
            spec,
            path,
            points: VecDeque::new(),
            retained: VecDeque::new(),
            not_numeric: 0,
            non_finite: 0,
            dropped: 0,
            version: 0,
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
        self.version += 1;
    }

    /// Removes every point (counters too).
    pub fn clear(&mut self) {
        self.points.clear();
        self.retained.clear();
        self.not_numeric = 0;
        self.non_finite = 0;
        self.dropped = 0;
        self.version += 1;
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
            super::PayloadKind::Json => text.and_then(|t| serde_json::from_str::<Value>(t).ok()),
            _ => None,
        };
        // Each decoder runs at most once per message.
        let mut decoded: Vec<(Decoder, Option<Value>)> = Vec::new();
        let time_s = message.received_at_us as f64 / 1_000_000.0;
        for &i in indices {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let series = &mut self.series[i];
            let value = match series.spec.decoder {
                Some(d) => {
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
                None => series.read(text, json.as_ref()),
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

/// Last, minimum, maximum and mean of the points inside a time window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowStats {
    pub count: usize,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Index range of the points with `x0 <= time <= x1`.
fn window(points: &VecDeque<[f64; 2]>, x0: f64, x1: f64) -> (usize, usize) {
    (
        points.partition_point(|p| p[0] < x0),
        points.partition_point(|p| p[0] <= x1),
    )
}

/// Builds what a chart draws of `points` between times `x0` and `x1` at `buckets`
/// horizontal pixels: when there are more than two points per pixel, each pixel column
/// keeps its minimum and its maximum (in the order they came), so every peak and dip
/// stays visible; one point either side of the window is added so the line reaches the
/// edges. `out` is cleared first. Returns the statistics of the points inside the window.
pub fn reduce(
    points: &VecDeque<[f64; 2]>,
    x0: f64,
    x1: f64,
    buckets: usize,
    out: &mut Vec<[f64; 2]>,
) -> Option<WindowStats> {
    out.clear();
    let (lo, hi) = window(points, x0, x1);
    if lo > 0 {
        out.push(points[lo - 1]);
    }
    let stats = if hi <= lo {
        None
    } else if hi - lo <= 2 * buckets.max(1) {
        let mut acc = Acc::new();
        for p in points.range(lo..hi) {
            acc.add(p[1]);
            out.push(*p);
        }
        Some(acc.finish(points[hi - 1][1], hi - lo))
    } else {
        Some(reduce_min_max(points, lo, hi, x0, x1, buckets, out))
    };
    if hi < points.len() {
        out.push(points[hi]);
    }
    stats
}

/// Running min/max/sum.
struct Acc {
    min: f64,
    max: f64,
    sum: f64,
}

impl Acc {
    fn new() -> Self {
        Self {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    fn add(&mut self, v: f64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
    }

    fn finish(&self, last: f64, count: usize) -> WindowStats {
        WindowStats {
            count,
            last,
            min: self.min,
            max: self.max,
            mean: self.sum / count as f64,
        }
    }
}

fn reduce_min_max(
    points: &VecDeque<[f64; 2]>,
    lo: usize,
    hi: usize,
    x0: f64,
    x1: f64,
    buckets: usize,
    out: &mut Vec<[f64; 2]>,
) -> WindowStats {
    let scale = buckets as f64 / (x1 - x0).max(f64::MIN_POSITIVE);
    let last_bucket = buckets - 1;
    let mut acc = Acc::new();
    let mut bucket = usize::MAX;
    // Current column: its minimum and maximum points and their order.
    let (mut min_p, mut max_p) = ([0.0; 2], [0.0; 2]);
    let (mut min_i, mut max_i) = (0usize, 0usize);
    let flush = |out: &mut Vec<[f64; 2]>, min_p, max_p, min_i: usize, max_i: usize| {
        if min_i == max_i {
            out.push(min_p);
        } else if min_i < max_i {
            out.push(min_p);
            out.push(max_p);
        } else {
            out.push(max_p);
            out.push(min_p);
        }
    };
    let (a, b) = points.as_slices();
    let slices = if lo < a.len() {
        [&a[lo..hi.min(a.len())], &b[..hi.saturating_sub(a.len())]]
    } else {
        [&b[lo - a.len()..hi - a.len()], &b[..0]]
    };
    for (i, p) in slices.into_iter().flatten().enumerate() {
        let v = p[1];
        acc.add(v);
        let col = (((p[0] - x0) * scale) as usize).min(last_bucket);
        if col != bucket {
            if bucket != usize::MAX {
                flush(out, min_p, max_p, min_i, max_i);
            }
            bucket = col;
            (min_p, max_p, min_i, max_i) = (*p, *p, i, i);
        } else if v < min_p[1] {
            (min_p, min_i) = (*p, i);
        } else if v > max_p[1] {
            (max_p, max_i) = (*p, i);
        }
    }
    if bucket != usize::MAX {
        flush(out, min_p, max_p, min_i, max_i);
    }
    acc.finish(points[hi - 1][1], hi - lo)
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

/// Writes `series` as CSV rows `timestamp_ms,series,value` (oldest first per series) after
/// a header line; the number of rows.
pub fn write_csv(
    out: impl std::io::Write,
    series: &[(String, Vec<[f64; 2]>)],
) -> Result<usize, csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["timestamp_ms", "series", "value"])?;
    let mut rows = 0;
    for (label, points) in series {
        for p in points {
            let ms = (p[0] * 1000.0).round() as i64;
            w.write_record([ms.to_string(), label.clone(), p[1].to_string()])?;
            rows += 1;
        }
    }
    w.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::QoS;
    use crate::model::payload::Payload;
    use crate::testkit::sample_series;

    #[test]
    fn numbers_in_every_accepted_form() {
        for (text, want) in [
            ("21.5", 21.5),
            (" 42 ", 42.0),
            ("-1e3", -1000.0),
            ("+7", 7.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("true", 1.0),
            ("FALSE", 0.0),
            ("21.5 °C", 21.5),
            ("52.8 %", 52.8),
            ("50%", 50.0),
            ("12V", 12.0),
            ("5kW", 5.0),
            ("1013 hPa", 1013.0),
            ("\n-0.25\r\n", -0.25),
        ] {
            assert_eq!(parse_number(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn text_that_only_starts_like_a_number_is_rejected() {
        for text in [
            "",
            " ",
            "abc",
            "ON",
            "-",
            ".",
            "e5",
            "1.2.3",
            "2024-01-01",
            "12:30",
            "0x1F",
            "3 4",
            "21.5 -",
            "192.168.1.1",
            "1,5",
            "12abc3",
            "[1]",
            "{\"a\":1}",
        ] {
            assert_eq!(parse_number(text), None, "{text:?}");
        }
    }

    #[test]
    fn non_finite_values_come_back_as_they_are() {
        assert!(parse_number("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_number("inf"), Some(f64::INFINITY));
        assert_eq!(parse_number("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_number("1e999"), Some(f64::INFINITY));
    }

    #[test]
    fn json_paths_parse_print_and_select() {
        let doc: Value = serde_json::from_str(
            r#"{"sensors":[{"temp":1},{"temp":2},{"temp":21.5}],"a.b":{"c]":true},
               "s":"17 °C","n":null,"deep":{"x":{"y":[[0,9]]}}}"#,
        )
        .unwrap();
        let cases = [
            ("sensors[2].temp", Some(21.5)),
            ("[\"a.b\"][\"c]\"]", Some(1.0)),
            ("s", Some(17.0)),
            ("n", None),
            ("deep.x.y[0][1]", Some(9.0)),
            ("sensors[9].temp", None),
            ("missing", None),
            ("sensors", None),
        ];
        for (written, want) in cases {
            let path = JsonPath::parse(written).unwrap();
            assert_eq!(path.to_string(), written, "round trip");
            assert_eq!(path.select(&doc).and_then(json_number), want, "{written}");
        }
        let built = JsonPath::default()
            .child(Segment::Key("sensors".into()))
            .child(Segment::Index(2))
            .child(Segment::Key("temp".into()));
        assert_eq!(built.to_string(), "sensors[2].temp");
        assert_eq!(JsonPath::parse("").unwrap(), JsonPath::default());
        for bad in ["a..b", "a[", "a[x]", "a[\"b\"", "a]b", ".a"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }

    fn message(ms: i64, payload: &str, retain: bool) -> Message {
        Message {
            received_at_us: ms * 1000,
            qos: QoS::AtMostOnce,
            retain,
            payload: Payload::decode(payload.as_bytes(), 1 << 20),
            properties: None,
        }
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
    fn reduction_keeps_every_extreme_of_every_column() {
        // A ring that has wrapped, so the points sit in two slices.
        let mut points = VecDeque::with_capacity(200_000);
        points.extend(sample_series(200_000));
        while points.as_slices().1.len() < 1000 {
            let p = points.pop_front().unwrap();
            let t = points.back().unwrap()[0] + 0.1;
            points.push_back([t, p[1]]);
        }
        let (x0, x1, px) = (1_700_000_500.0, 1_700_019_000.0, 700);
        let mut out = Vec::new();
        let stats = reduce(&points, x0, x1, px, &mut out).unwrap();
        assert!(out.len() <= 2 * px + 2, "{} points", out.len());
        // Column by column, the minimum and maximum are in the output.
        let scale = px as f64 / (x1 - x0);
        let mut cols: HashMap<usize, (f64, f64)> = HashMap::new();
        let inside: Vec<[f64; 2]> = points
            .iter()
            .copied()
            .filter(|p| p[0] >= x0 && p[0] <= x1)
            .collect();
        for p in &inside {
            let c = (((p[0] - x0) * scale) as usize).min(px - 1);
            let e = cols.entry(c).or_insert((p[1], p[1]));
            e.0 = e.0.min(p[1]);
            e.1 = e.1.max(p[1]);
        }
        for (c, (lo, hi)) in cols {
            let kept = |v: f64| {
                out.iter().any(|p| {
                    p[1] == v && (((p[0] - x0) * scale).max(0.0) as usize).min(px - 1) == c
                })
            };
            assert!(kept(lo) && kept(hi), "column {c} lost an extreme");
        }
        // Sorted by time, edges included, statistics over the window.
        assert!(out.windows(2).all(|w| w[0][0] <= w[1][0]));
        assert!(out[0][0] < x0 && out[out.len() - 1][0] > x1);
        assert_eq!(stats.count, inside.len());
        let min = inside.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        let max = inside
            .iter()
            .map(|p| p[1])
            .fold(f64::NEG_INFINITY, f64::max);
        let mean = inside.iter().map(|p| p[1]).sum::<f64>() / inside.len() as f64;
        assert_eq!((stats.min, stats.max), (min, max));
        assert!((stats.mean - mean).abs() < 1e-9);
        assert_eq!(stats.last, inside[inside.len() - 1][1]);
    }

    #[test]
    fn few_points_pass_through_unchanged() {
        let points: VecDeque<[f64; 2]> = (0..10).map(|i| [i as f64, i as f64 * 2.0]).collect();
        let mut out = Vec::new();
        let stats = reduce(&points, 2.0, 5.0, 100, &mut out).unwrap();
        assert_eq!(out.len(), 6, "4 inside and one either side");
        assert_eq!((stats.min, stats.max, stats.last), (4.0, 10.0, 10.0));
        assert!(reduce(&points, 20.0, 30.0, 100, &mut out).is_none());
        assert_eq!(out, [[9.0, 18.0]]);
    }

    #[test]
    fn csv_has_the_visible_points_with_quoted_names() {
        let mut plots = Plots::default();
        plots
            .add(SeriesSpec {
                topic: "a,\"b\"".into(),
                path: "x".into(),
                decoder: None,
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
