//! Payload decoders beside text/JSON/hex: MessagePack, CBOR and Sparkplug B, each turned into a JSON-like tree.
//!
//! The trees are plain [`serde_json::Value`]s so the JSON views and plot paths work on them
//! unchanged. Integers stay integers, wider ones (CBOR bignums) become decimal strings; NaN and
//! infinities become `"NaN"`, `"inf"`, `"-inf"`; binary blobs become `"0x…"` hex strings (cut
//! after 256 bytes); non-string map keys become their compact JSON text. MessagePack ext types
//! become `{"ext": type, "data": "0x…"}`; CBOR tags are dropped, keeping the tagged value, and
//! CBOR undefined is null.
//!
//! MessagePack and CBOR are read by one small reader of their own rather than by `rmpv` or
//! `ciborium` (those are used in the tests to make samples): a crate's value tree has no
//! bound on the memory a 16 MiB payload of tiny items can take, and this one has.
//!
//! Hostile input fails fast: no length prefix is trusted beyond the bytes present, nesting
//! deeper than 256 levels is refused, and a payload whose tree would hold more than about a
//! million values (maps and messages weigh 16) is refused before it can take gigabytes.

use prost::Message as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::iter::repeat;

/// Containers (arrays, maps, CBOR tags, protobuf messages) nested deeper than this are refused.
const MAX_DEPTH: usize = 256;
/// Binary blobs show at most this many bytes.
const MAX_BLOB: usize = 256;
/// The most weight a tree may have: 1 a value, 1 + [`MAP_WEIGHT`] a map or message.
const MAX_WEIGHT: usize = 1 << 20;
/// What a map or message weighs beyond a value: its memory is about 16 values'.
const MAP_WEIGHT: usize = 16;

/// A binary payload format the inspector can show as a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decoder {
    /// MessagePack (msgpack.org).
    MsgPack,
    /// CBOR (RFC 8949).
    Cbor,
    /// Sparkplug B protobuf payloads (Eclipse Tahu `sparkplug_b.proto`).
    SparkplugB,
}

impl Decoder {
    /// Every decoder, in menu order.
    pub const ALL: [Decoder; 3] = [Self::MsgPack, Self::Cbor, Self::SparkplugB];

    /// The name shown in menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::MsgPack => "MessagePack",
            Self::Cbor => "CBOR",
            Self::SparkplugB => "Sparkplug B",
        }
    }

    /// Decodes `bytes`, or says in words why it cannot (e.g. "not MessagePack: unexpected end
    /// of data after 3 bytes"). Never panics; bytes left over after the value are an error.
    pub fn decode(self, bytes: &[u8]) -> Result<Value, String> {
        let mut r = Reader::new(bytes);
        let decoded = match self {
            Self::SparkplugB => {
                weigh_protobuf(&mut r, Msg::Payload, 0).and_then(|()| sparkplug(bytes))
            }
            _ => tree(&mut r, 0, self == Self::Cbor).and_then(|v| match r.left() {
                0 => Ok(v),
                n => Err(format!("{n} bytes left over after the value")),
            }),
        };
        decoded.map_err(|why| format!("not {}: {why}", self.label()))
    }
}

/// Whether a topic is a Sparkplug B topic (first level exactly `spBv1.0`), the only place the
/// app tries Sparkplug on its own.
pub fn is_sparkplug_topic(topic: &str) -> bool {
    topic.split('/').next() == Some("spBv1.0")
}

/// The decoder a payload opens with: Sparkplug B under `spBv1.0/` (not the JSON
/// `spBv1.0/STATE/…` messages, not empty payloads); otherwise none. Cheap (nothing is
/// decoded here: a payload that fails says so in the view). MessagePack and CBOR are only
/// used when the user picks them: guessing them gives false positives.
pub fn default_decoder(topic: &str, bytes: &[u8]) -> Option<Decoder> {
    let state = topic.split('/').nth(1) == Some("STATE");
    (is_sparkplug_topic(topic) && !state && !bytes.is_empty()).then_some(Decoder::SparkplugB)
}

/// `"0x…"` lowercase hex, cut after [`MAX_BLOB`] bytes with the full size noted.
fn blob(bytes: &[u8]) -> Value {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::from("0x");
    for &b in bytes.iter().take(MAX_BLOB) {
        s.extend([HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]].map(char::from));
    }
    if bytes.len() > MAX_BLOB {
        s.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    s.into()
}

/// UTF-8 text as a string; anything else as a hex blob rather than losing bytes.
fn text(bytes: &[u8]) -> Value {
    std::str::from_utf8(bytes).map_or_else(|_| blob(bytes), Value::from)
}

fn float(x: f64) -> Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => "NaN".into(),
        None => if x > 0.0 { "inf" } else { "-inf" }.into(),
    }
}

/// A single-precision float by its shortest decimal form, so 0.1f32 shows as 0.1.
fn float32(x: f32) -> Value {
    float(x.to_string().parse().unwrap_or(f64::from(x)))
}

/// An IEEE half-precision float.
fn float16(bits: u16) -> Value {
    let (exp, frac) = (i32::from((bits >> 10) & 0x1f), f64::from(bits & 0x3ff));
    let magnitude = match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1024.0 + frac) * 2f64.powi(exp - 25),
    };
    let sign = if bits >> 15 == 1 { -1.0 } else { 1.0 };
    float(sign * magnitude)
}

/// An integer of any width: a number when it fits u64/i64, else its decimal text.
fn wide_int(n: i128) -> Value {
    match (u64::try_from(n), i64::try_from(n)) {
        (Ok(u), _) => u.into(),
        (_, Ok(i)) => i.into(),
        _ => n.to_string().into(),
    }
}

/// The low `bits` bits of `raw` read as a two's complement number.
fn sign_extend(raw: u64, bits: u32) -> i64 {
    let shift = 64 - bits.clamp(1, 64);
    ((raw << shift) as i64) >> shift
}

/// A big-endian unsigned integer (up to 8 bytes are used).
fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// A cursor over the payload that checks every length against the bytes left and keeps the
/// tree's weight.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    weight: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            weight: 0,
        }
    }

    fn left(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        match usize::try_from(n).ok().and_then(|n| rest.get(..n)) {
            Some(s) => {
                self.pos += s.len();
                Ok(s)
            }
            None => Err(format!(
                "unexpected end of data after {} bytes",
                self.data.len()
            )),
        }
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    /// A big-endian unsigned integer of `n` (≤ 8) bytes.
    fn uint(&mut self, n: u64) -> Result<u64, String> {
        Ok(be_uint(self.take(n)?))
    }

    /// Consumes a CBOR "break" if one is next.
    fn at_break(&mut self) -> bool {
        let found = self.data.get(self.pos) == Some(&0xff);
        self.pos += usize::from(found);
        found
    }

    fn weigh(&mut self, weight: usize) -> Result<(), String> {
        self.weight += weight;
        match self.weight > MAX_WEIGHT {
            true => Err(format!("more than {MAX_WEIGHT} values, too many to show")),
            false => Ok(()),
        }
    }

    /// One more container level, or the error for too many.
    fn deeper(&self, depth: usize) -> Result<usize, String> {
        match depth < MAX_DEPTH {
            true => Ok(depth + 1),
            false => Err(format!("nested deeper than {MAX_DEPTH} levels")),
        }
    }
}

/// One MessagePack or CBOR item: a whole scalar, or the head of what follows.
enum Item {
    Scalar(Value),
    /// An array or map of so many items (entries), or up to a break when `None`.
    Array(Option<u64>),
    Map(Option<u64>),
    Tag(u64),
    Break,
}

/// What [`open`] found: a whole value, a container to fill, or a tag on the next value.
enum Opened {
    Value(Value),
    Container(Option<u64>, bool),
    Tag,
}

/// A MessagePack or CBOR value. Recursion goes through this function only, and everything
/// else is left to [`open`], so each level of nesting takes little stack.
fn tree(r: &mut Reader, depth: usize, cbor: bool) -> Result<Value, String> {
    let (mut count, is_map) = match open(r, depth, cbor)? {
        Opened::Value(v) => return Ok(v),
        Opened::Tag => return tree(r, depth + 1, cbor),
        Opened::Container(count, is_map) => (count, is_map),
    };
    if is_map {
        let mut map = Map::new();
        while more(r, &mut count) {
            let key = match tree(r, depth + 1, cbor)? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            map.insert(key, tree(r, depth + 1, cbor)?);
        }
        return Ok(Value::Object(map));
    }
    let mut items = Vec::with_capacity(count.unwrap_or(0) as usize); // ≤ the bytes left
    while more(r, &mut count) {
        items.push(tree(r, depth + 1, cbor)?);
    }
    Ok(Value::Array(items))
}

/// Whether a container has another item (counting it down), or up to a CBOR break if `None`.
fn more(r: &mut Reader, count: &mut Option<u64>) -> bool {
    match count {
        Some(0) => false,
        Some(n) => {
            *n -= 1;
            true
        }
        None => !r.at_break(),
    }
}

/// Reads one item's head and weighs it; a container's items are then read by [`tree`].
fn open(r: &mut Reader, depth: usize, cbor: bool) -> Result<Opened, String> {
    let at = r.pos;
    let item = if cbor {
        cbor_item(r)?
    } else {
        msgpack_item(r)?
    };
    let (count, is_map) = match item {
        Item::Scalar(v) => return r.weigh(1).map(|()| Opened::Value(v)),
        Item::Array(n) => (n, false),
        Item::Map(n) => (n, true),
        Item::Tag(tag) => {
            r.deeper(depth)?;
            let next_is_bytes = r.data.get(r.pos).is_some_and(|b| b >> 5 == 2);
            if !(matches!(tag, 2 | 3) && next_is_bytes) {
                return Ok(Opened::Tag);
            }
            let (major, _, len) = cbor_head(r)?;
            let bytes = cbor_string(r, major, len)?;
            return r.weigh(1).map(|()| Opened::Value(bignum(&bytes, tag == 3)));
        }
        Item::Break => return Err(format!("unexpected break at byte {at}")),
    };
    r.deeper(depth)?;
    r.weigh(1 + if is_map { MAP_WEIGHT } else { 0 })?;
    let n = count.unwrap_or(0);
    if n.saturating_mul(1 + u64::from(is_map)) > r.left() as u64 {
        let len = r.data.len();
        return Err(format!(
            "unexpected end of data after {len} bytes ({n} items claimed)"
        ));
    }
    Ok(Opened::Container(count, is_map))
}

fn msgpack_item(r: &mut Reader) -> Result<Item, String> {
    let m = r.byte()?;
    let ext = |r: &mut Reader, n| -> Result<Value, String> {
        let kind = r.byte()? as i8;
        Ok(json!({ "ext": kind, "data": blob(r.take(n)?) }))
    };
    Ok(Item::Scalar(match m {
        0x00..=0x7f => m.into(),
        0xe0..=0xff => (m as i8).into(),
        0x80..=0x8f => return Ok(Item::Map(Some(u64::from(m & 0x0f)))),
        0x90..=0x9f => return Ok(Item::Array(Some(u64::from(m & 0x0f)))),
        0xa0..=0xbf => text(r.take(u64::from(m & 0x1f))?),
        0xc0 => Value::Null,
        0xc1 => {
            return Err(format!(
                "byte 0xc1 at {} is not a MessagePack type",
                r.pos - 1
            ));
        }
        0xc2 | 0xc3 => (m == 0xc3).into(),
        0xc4..=0xc6 => {
            let n = r.uint(1 << (m - 0xc4))?;
            blob(r.take(n)?)
        }
        0xc7..=0xc9 => {
            let n = r.uint(1 << (m - 0xc7))?;
            ext(r, n)?
        }
        0xca => float32(f32::from_bits(r.uint(4)? as u32)),
        0xcb => float(f64::from_bits(r.uint(8)?)),
        0xcc..=0xcf => r.uint(1 << (m - 0xcc))?.into(),
        0xd0..=0xd3 => sign_extend(r.uint(1 << (m - 0xd0))?, 8 << (m - 0xd0)).into(),
        0xd4..=0xd8 => ext(r, 1 << (m - 0xd4))?,
        0xd9..=0xdb => {
            let n = r.uint(1 << (m - 0xd9))?;
            text(r.take(n)?)
        }
        0xdc | 0xdd => return Ok(Item::Array(Some(r.uint(2 << (m - 0xdc))?))),
        0xde | 0xdf => return Ok(Item::Map(Some(r.uint(2 << (m - 0xde))?))),
    }))
}

/// A CBOR head: major type, additional info and its argument (`None`: indefinite length).
fn cbor_head(r: &mut Reader) -> Result<(u8, u8, Option<u64>), String> {
    let head = r.byte()?;
    let (major, info) = (head >> 5, head & 31);
    let arg = match info {
        0..=23 => Some(u64::from(info)),
        24..=27 => Some(r.uint(1 << (info - 24))?),
        31 if matches!(major, 2..=5 | 7) => None,
        _ => return Err(format!("invalid byte 0x{head:02x} at {}", r.pos - 1)),
    };
    Ok((major, info, arg))
}

/// A CBOR byte or text string's bytes, its chunks joined when of indefinite length.
fn cbor_string(r: &mut Reader, major: u8, len: Option<u64>) -> Result<Vec<u8>, String> {
    if let Some(n) = len {
        return r.take(n).map(<[u8]>::to_vec);
    }
    let mut joined = Vec::new();
    while !r.at_break() {
        let at = r.pos;
        match cbor_head(r)? {
            (m, _, Some(n)) if m == major => joined.extend_from_slice(r.take(n)?),
            _ => return Err(format!("invalid string chunk at byte {at}")),
        }
    }
    Ok(joined)
}

fn cbor_item(r: &mut Reader) -> Result<Item, String> {
    let (major, info, arg) = cbor_head(r)?;
    Ok(Item::Scalar(match (major, arg) {
        (0, Some(n)) => n.into(),
        (1, Some(n)) => wide_int(-1 - i128::from(n)),
        (2, _) => blob(&cbor_string(r, major, arg)?),
        (3, _) => text(&cbor_string(r, major, arg)?),
        (4, _) => return Ok(Item::Array(arg)),
        (5, _) => return Ok(Item::Map(arg)),
        (6, Some(tag)) => return Ok(Item::Tag(tag)),
        (7, None) => return Ok(Item::Break),
        (_, Some(n)) => match info {
            20 | 21 => (info == 21).into(),
            22 | 23 => Value::Null, // null, undefined
            25 => float16(n as u16),
            26 => float32(f32::from_bits(n as u32)),
            27 => float(f64::from_bits(n)),
            _ => format!("simple({n})").into(),
        },
        (_, None) => Value::Null, // unreachable: indefinite is only read for majors 2..5 and 7
    }))
}

/// A CBOR bignum: a number when it fits u64/i64, else decimal text (`-1 - n` when negative),
/// or hex past 64 bytes.
fn bignum(magnitude: &[u8], negative: bool) -> Value {
    let magnitude = magnitude.get(magnitude.iter().take_while(|&&b| b == 0).count()..);
    let magnitude = magnitude.unwrap_or_default();
    if magnitude.len() <= 8 {
        let n = i128::from(be_uint(magnitude));
        return wide_int(if negative { -1 - n } else { n });
    }
    if magnitude.len() > 64 {
        return blob(magnitude);
    }
    let mut digits = Vec::new(); // least significant first
    let mut mul_add = |mul: u32, mut carry: u32| {
        for d in digits.iter_mut() {
            let v = u32::from(*d) * mul + carry;
            (*d, carry) = ((v % 10) as u8, v / 10);
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    };
    for &b in magnitude {
        mul_add(256, u32::from(b));
    }
    if negative {
        mul_add(1, 1);
    }
    let sign = if negative { "-" } else { "" };
    let digits = digits.iter().rev().map(|&d| char::from(b'0' + d));
    sign.chars().chain(digits).collect::<String>().into()
}

// ---- Sparkplug B: Eclipse Tahu sparkplug_b.proto (proto2) ----

/// Hand-written prost structs for `org.eclipse.tahu.protobuf.Payload` (no protoc), one field
/// a line. Extension fields are left out, so prost skips them as unknown.
#[rustfmt::skip]
mod spb {
    #[derive(prost::Message)]
    pub struct Payload {
        #[prost(uint64, optional, tag = "1")] pub timestamp: Option<u64>,
        #[prost(message, repeated, tag = "2")] pub metrics: Vec<Metric>,
        #[prost(uint64, optional, tag = "3")] pub seq: Option<u64>,
        #[prost(string, optional, tag = "4")] pub uuid: Option<String>,
        #[prost(bytes = "vec", optional, tag = "5")] pub body: Option<Vec<u8>>,
    }

    #[derive(prost::Message)]
    pub struct Metric {
        #[prost(string, optional, tag = "1")] pub name: Option<String>,
        #[prost(uint64, optional, tag = "2")] pub alias: Option<u64>,
        #[prost(uint64, optional, tag = "3")] pub timestamp: Option<u64>,
        #[prost(uint32, optional, tag = "4")] pub datatype: Option<u32>,
        #[prost(bool, optional, tag = "5")] pub is_historical: Option<bool>,
        #[prost(bool, optional, tag = "6")] pub is_transient: Option<bool>,
        #[prost(bool, optional, tag = "7")] pub is_null: Option<bool>,
        #[prost(message, optional, tag = "8")] pub metadata: Option<MetaData>,
        #[prost(message, optional, tag = "9")] pub properties: Option<PropertySet>,
        #[prost(oneof = "MetricValue", tags = "10, 11, 12, 13, 14, 15, 16, 17, 18")]
        pub value: Option<MetricValue>,
    }

    #[derive(prost::Oneof)]
    pub enum MetricValue {
        #[prost(uint32, tag = "10")] Int(u32),
        #[prost(uint64, tag = "11")] Long(u64),
        #[prost(float, tag = "12")] Float(f32),
        #[prost(double, tag = "13")] Double(f64),
        #[prost(bool, tag = "14")] Bool(bool),
        #[prost(string, tag = "15")] String(String),
        #[prost(bytes = "vec", tag = "16")] Bytes(Vec<u8>),
        #[prost(message, tag = "17")] DataSet(DataSet),
        #[prost(message, tag = "18")] Template(Template),
    }

    #[derive(prost::Message, serde::Serialize)]
    pub struct MetaData {
        #[prost(bool, optional, tag = "1")] pub is_multi_part: Option<bool>,
        #[prost(string, optional, tag = "2")] pub content_type: Option<String>,
        #[prost(uint64, optional, tag = "3")] pub size: Option<u64>,
        #[prost(uint64, optional, tag = "4")] pub seq: Option<u64>,
        #[prost(string, optional, tag = "5")] pub file_name: Option<String>,
        #[prost(string, optional, tag = "6")] pub file_type: Option<String>,
        #[prost(string, optional, tag = "7")] pub md5: Option<String>,
        #[prost(string, optional, tag = "8")] pub description: Option<String>,
    }

    #[derive(prost::Message)]
    pub struct PropertySet {
        #[prost(string, repeated, tag = "1")] pub keys: Vec<String>,
        #[prost(message, repeated, tag = "2")] pub values: Vec<PropertyValue>,
    }

    #[derive(prost::Message)]
    pub struct PropertyValue {
        #[prost(uint32, optional, tag = "1")] pub r#type: Option<u32>,
        #[prost(bool, optional, tag = "2")] pub is_null: Option<bool>,
        #[prost(oneof = "PropertyKind", tags = "3, 4, 5, 6, 7, 8, 9, 10")]
        pub value: Option<PropertyKind>,
    }

    #[derive(prost::Oneof)]
    pub enum PropertyKind {
        #[prost(uint32, tag = "3")] Int(u32),
        #[prost(uint64, tag = "4")] Long(u64),
        #[prost(float, tag = "5")] Float(f32),
        #[prost(double, tag = "6")] Double(f64),
        #[prost(bool, tag = "7")] Bool(bool),
        #[prost(string, tag = "8")] String(String),
        #[prost(message, tag = "9")] Set(PropertySet),
        #[prost(message, tag = "10")] SetList(PropertySetList),
    }

    #[derive(prost::Message)]
    pub struct PropertySetList {
        #[prost(message, repeated, tag = "1")] pub propertyset: Vec<PropertySet>,
    }

    #[derive(prost::Message)]
    pub struct DataSet {
        #[prost(uint64, optional, tag = "1")] pub num_of_columns: Option<u64>,
        #[prost(string, repeated, tag = "2")] pub columns: Vec<String>,
        #[prost(uint32, repeated, packed = "false", tag = "3")] pub types: Vec<u32>,
        #[prost(message, repeated, tag = "4")] pub rows: Vec<Row>,
    }

    #[derive(prost::Message)]
    pub struct Row {
        #[prost(message, repeated, tag = "1")] pub elements: Vec<DataSetValue>,
    }

    #[derive(prost::Message)]
    pub struct DataSetValue {
        #[prost(oneof = "CellKind", tags = "1, 2, 3, 4, 5, 6")] pub value: Option<CellKind>,
    }

    #[derive(prost::Oneof)]
    pub enum CellKind {
        #[prost(uint32, tag = "1")] Int(u32),
        #[prost(uint64, tag = "2")] Long(u64),
        #[prost(float, tag = "3")] Float(f32),
        #[prost(double, tag = "4")] Double(f64),
        #[prost(bool, tag = "5")] Bool(bool),
        #[prost(string, tag = "6")] String(String),
    }

    #[derive(prost::Message)]
    pub struct Template {
        #[prost(string, optional, tag = "1")] pub version: Option<String>,
        #[prost(message, repeated, tag = "2")] pub metrics: Vec<Metric>,
        #[prost(message, repeated, tag = "3")] pub parameters: Vec<Parameter>,
        #[prost(string, optional, tag = "4")] pub template_ref: Option<String>,
        #[prost(bool, optional, tag = "5")] pub is_definition: Option<bool>,
    }

    #[derive(prost::Message)]
    pub struct Parameter {
        #[prost(string, optional, tag = "1")] pub name: Option<String>,
        #[prost(uint32, optional, tag = "2")] pub r#type: Option<u32>,
        #[prost(oneof = "ParameterKind", tags = "3, 4, 5, 6, 7, 8")]
        pub value: Option<ParameterKind>,
    }

    #[derive(prost::Oneof)]
    pub enum ParameterKind {
        #[prost(uint32, tag = "3")] Int(u32),
        #[prost(uint64, tag = "4")] Long(u64),
        #[prost(float, tag = "5")] Float(f32),
        #[prost(double, tag = "6")] Double(f64),
        #[prost(bool, tag = "7")] Bool(bool),
        #[prost(string, tag = "8")] String(String),
    }
}

/// The Sparkplug messages that hold other messages, for [`weigh_protobuf`].
#[derive(Clone, Copy, PartialEq)]
enum Msg {
    Payload,
    Metric,
    PropertySet,
    PropertyValue,
    PropertySetList,
    DataSet,
    Row,
    Template,
    Leaf,
}

/// The message that field `tag` of a `kind` message holds, if it holds one.
fn sub_message(kind: Msg, tag: u64) -> Option<Msg> {
    use Msg::*;
    Some(match (kind, tag) {
        (Payload | Template, 2) => Metric,
        (Metric, 8) | (Row, 1) | (Template, 3) => Leaf, // MetaData, DataSetValue, Parameter
        (Metric, 9) | (PropertyValue, 9) | (PropertySetList, 1) => PropertySet,
        (Metric, 17) => DataSet,
        (Metric, 18) => Template,
        (PropertySet, 2) => PropertyValue,
        (PropertyValue, 10) => PropertySetList,
        (DataSet, 4) => Row,
        _ => return None,
    })
}

fn varint(r: &mut Reader) -> Option<u64> {
    let mut value = 0;
    for shift in (0..64).step_by(7) {
        let b = r.byte().ok()?;
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(value);
        }
    }
    None
}

/// Weighs a Sparkplug payload on the wire, following the schema and allocating nothing, so
/// millions of tiny metrics are refused before prost and the tree take gigabytes for them.
/// Malformed input just ends the walk: prost then says what is wrong with it.
fn weigh_protobuf(r: &mut Reader, kind: Msg, depth: usize) -> Result<(), String> {
    while r.left() > 0 {
        r.weigh(1)?;
        let Some(key) = varint(r) else { break };
        let len = match key & 7 {
            0 => {
                varint(r);
                0
            }
            1 => 8,
            2 => match varint(r) {
                Some(len) => len,
                None => break,
            },
            5 => 4,
            _ => break, // groups (obsolete) or invalid
        };
        let Ok(body) = r.take(len) else { break };
        match sub_message(kind, key >> 3) {
            Some(sub) if key & 7 == 2 => {
                r.weigh(MAP_WEIGHT)?;
                let mut inner = Reader {
                    data: body,
                    pos: 0,
                    weight: r.weight,
                };
                if depth < 100 {
                    weigh_protobuf(&mut inner, sub, depth + 1)?;
                }
                r.weight = inner.weight;
            }
            None if kind == Msg::DataSet && key >> 3 == 3 => r.weigh(body.len())?, // packed types
            _ => {}
        }
    }
    Ok(())
}

/// Sparkplug datatype names, numbered from 0.
const DATATYPES: &str = "Unknown Int8 Int16 Int32 Int64 UInt8 UInt16 UInt32 UInt64 Float Double \
    Boolean String DateTime Text UUID DataSet Bytes File Template PropertySet PropertySetList \
    Int8Array Int16Array Int32Array Int64Array UInt8Array UInt16Array UInt32Array UInt64Array \
    FloatArray DoubleArray BooleanArray StringArray DateTimeArray";

fn datatype_json(t: u32) -> Value {
    let name = DATATYPES.split_whitespace().nth(t as usize);
    name.map_or(t.into(), Value::from)
}

/// The scalar arms every Sparkplug value oneof shares, as JSON for the given datatype:
/// `int_value`/`long_value` of Int8..Int64 are sign-extended from the type's width, as
/// encoders put e.g. an Int8 of -1 as 255 or 4294967295. Other arms go to `$other`.
macro_rules! scalar {
    ($value:expr, $kind:ident, $datatype:expr, $($other:tt)*) => {{
        let int = |raw: u64| match $datatype {
            dt @ 1..=4 => Value::from(sign_extend(raw, 8 << (dt - 1))),
            _ => Value::from(raw),
        };
        match $value {
            Some($kind::Int(x)) => int(x.into()),
            Some($kind::Long(x)) => int(x),
            Some($kind::Float(x)) => float32(x),
            Some($kind::Double(x)) => float(x),
            Some($kind::Bool(b)) => b.into(),
            Some($kind::String(s)) => s.into(),
            $($other)*
        }
    }};
}

/// Packed little-endian arrays (Sparkplug 3.0 array datatypes) carried in `bytes_value`.
fn packed_array(b: &[u8], datatype: u32) -> Option<Value> {
    if datatype == 33 && b.is_empty() {
        return Some(json!([]));
    } else if datatype == 33 {
        return Some(b.strip_suffix(&[0])?.split(|&x| x == 0).map(text).collect());
    }
    let width = match datatype {
        22 | 26 => 1,
        23 | 27 => 2,
        24 | 28 | 30 => 4,
        25 | 29 | 31 | 34 => 8,
        _ => return None,
    };
    let values = b.chunks_exact(width).map(|c| {
        let raw = c
            .iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        match datatype {
            22..=25 => sign_extend(raw, 8 * width as u32).into(),
            30 => float32(f32::from_bits(raw as u32)),
            31 => float(f64::from_bits(raw)),
            _ => raw.into(),
        }
    });
    b.len().is_multiple_of(width).then(|| values.collect())
}

/// An object from key/value pairs, repeated keys made unique with " (2)", " (3)", ….
fn keyed(items: impl IntoIterator<Item = (String, Value)>) -> Value {
    let mut map = Map::new();
    let mut next: HashMap<String, u64> = HashMap::new();
    for (key, value) in items {
        let mut unique = key.clone();
        if map.contains_key(&key) {
            let n = next.entry(key.clone()).or_insert(1);
            while map.contains_key(&unique) {
                *n += 1;
                unique = format!("{key} ({n})");
            }
        }
        map.insert(unique, value);
    }
    Value::Object(map)
}

/// The fields of a `json!` object that are not null (absent optional protobuf fields).
fn present(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(mut map) => {
            map.retain(|_, v| !v.is_null());
            map
        }
        _ => Map::new(),
    }
}

/// prost's error without its long message path: "recursion limit reached in Template.metrics".
fn protobuf_error(e: prost::DecodeError) -> String {
    let text = e.to_string();
    let mut rest = text.trim_start_matches("failed to decode Protobuf message: ");
    let path = |(head, _): &(&str, &str)| head.contains('.') && !head.contains(' ');
    let innermost = rest.split_once(": ").filter(path).map(|(head, _)| head);
    while let Some((_, tail)) = rest.split_once(": ").filter(path) {
        rest = tail;
    }
    innermost.map_or_else(|| rest.to_owned(), |at| format!("{rest} in {at}"))
}

fn sparkplug(bytes: &[u8]) -> Result<Value, String> {
    let p = spb::Payload::decode(bytes).map_err(protobuf_error)?;
    let body = p.body.as_deref().map(blob);
    Ok(Value::Object(present(json!({
        "timestamp": p.timestamp, "seq": p.seq, "uuid": p.uuid,
        "metrics": metrics_json(p.metrics), "body": body,
    }))))
}

/// Metrics keyed by name ("alias N" when unnamed) so plot paths survive reordering.
fn metrics_json(metrics: Vec<spb::Metric>) -> Value {
    keyed(metrics.into_iter().map(|m| {
        let key = match (&m.name, m.alias) {
            (Some(name), _) => name.clone(),
            (None, Some(alias)) => format!("alias {alias}"),
            (None, None) => "(unnamed)".into(),
        };
        (key, metric_json(m))
    }))
}

fn metric_json(m: spb::Metric) -> Value {
    use spb::MetricValue as V;
    let dt = m.datatype.unwrap_or(0);
    let value = match m.value {
        _ if m.is_null == Some(true) => Value::Null,
        Some(V::Bytes(b)) => packed_array(&b, dt).unwrap_or_else(|| blob(&b)),
        Some(V::DataSet(d)) => dataset_json(d),
        Some(V::Template(t)) => template_json(t),
        other => scalar!(other, V, dt, _ => Value::Null),
    };
    let meta = m.metadata.map(|md| Value::Object(present(json!(md))));
    let mut o = present(json!({
        "datatype": m.datatype.map(datatype_json), "timestamp": m.timestamp, "alias": m.alias,
        "historical": m.is_historical.filter(|&b| b), "transient": m.is_transient.filter(|&b| b),
        "properties": m.properties.map(propertyset_json), "metadata": meta,
    }));
    o.insert("value".into(), value);
    Value::Object(o)
}

fn propertyset_json(ps: spb::PropertySet) -> Value {
    use spb::PropertyKind as K;
    keyed(ps.keys.into_iter().zip(ps.values).map(|(key, pv)| {
        let value = match pv.value {
            _ if pv.is_null == Some(true) => Value::Null,
            Some(K::Set(set)) => propertyset_json(set),
            Some(K::SetList(list)) => list.propertyset.into_iter().map(propertyset_json).collect(),
            other => scalar!(other, K, pv.r#type.unwrap_or(0), _ => Value::Null),
        };
        (key, value)
    }))
}

/// `{"columns": [..], "types": [..], "rows": [[..], ..]}`, cells typed by their column.
fn dataset_json(d: spb::DataSet) -> Value {
    use spb::CellKind as K;
    let types: Vec<Value> = d.types.iter().map(|&t| datatype_json(t)).collect();
    let rows: Vec<Value> = d
        .rows
        .into_iter()
        .map(|row| {
            let cells = row
                .elements
                .into_iter()
                .zip(d.types.iter().copied().chain(repeat(0)));
            cells
                .map(|(cell, dt)| scalar!(cell.value, K, dt, None => Value::Null))
                .collect()
        })
        .collect();
    json!({ "columns": d.columns, "types": types, "rows": rows })
}

/// `{"version", "template_ref", "is_definition", "parameters": {name: value}, "metrics": {..}}`.
fn template_json(t: spb::Template) -> Value {
    use spb::ParameterKind as K;
    let parameters = keyed(t.parameters.into_iter().map(|p| {
        let value = scalar!(p.value, K, p.r#type.unwrap_or(0), None => Value::Null);
        (p.name.unwrap_or_default(), value)
    }));
    Value::Object(present(json!({
        "version": t.version, "template_ref": t.template_ref, "is_definition": t.is_definition,
        "parameters": parameters, "metrics": metrics_json(t.metrics),
    })))
}

#[cfg(test)]
mod tests {
    use super::Decoder::{Cbor, MsgPack, SparkplugB};
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let digit = |c: u8| (c as char).to_digit(16).unwrap() as u8;
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).map(digit).collect();
        digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
    }

    /// Each line of `table` is `hex bytes => expected JSON`.
    fn check(d: Decoder, table: &str) {
        for line in table.lines().filter(|l| !l.trim().is_empty()) {
            let (bytes, want) = line.split_once("=>").unwrap();
            let want: Value = serde_json::from_str(want).unwrap();
            assert_eq!(d.decode(&hex(bytes)).unwrap(), want, "{line}");
        }
    }

    #[test]
    fn msgpack_hand_written_samples() {
        check(
            MsgPack,
            r#"
            82 a4 74656d70 cb 4035800000000000 a2 6f6b c3 => {"temp": 21.5, "ok": true}
            94 ff d0 80 cd 0100 ca 3dcccccd => [-1, -128, 256, 0.1]
            d3 8000000000000000 => -9223372036854775808
            cf ffffffffffffffff => 18446744073709551615
            c4 03 0102ab => "0x0102ab"
            d6 ff 00000001 => {"ext": -1, "data": "0x00000001"}
            a2 c328 => "0xc328"
            82 c0 c0 93 01 02 03 c2 => {"null": null, "[1,2,3]": false}
        "#,
        );
    }

    #[test]
    fn msgpack_round_trips_through_rmpv() {
        use rmpv::Value as V;
        let v = V::Map(vec![
            (
                "nested".into(),
                V::Map(vec![(
                    "a".into(),
                    vec![V::from(-1), V::from(-70000)].into(),
                )]),
            ),
            (7.into(), "seven".into()),
            (V::Boolean(true), V::F64(f64::NAN)),
            (
                vec![V::from(1), V::from("x")].into(),
                V::F64(f64::NEG_INFINITY),
            ),
            ("bin".into(), V::Binary(vec![0xde, 0xad])),
            ("ext".into(), V::Ext(5, vec![1, 2, 3])),
            ("f32".into(), V::F32(1.5)),
            ("big".into(), u64::MAX.into()),
            ("long".into(), V::Binary(vec![0xab; 300])),
        ]);
        let mut bytes = Vec::new();
        rmpv::encode::write_value(&mut bytes, &v).unwrap();
        let want = json!({
            "nested": {"a": [-1, -70000]}, "7": "seven", "true": "NaN", "[1,\"x\"]": "-inf",
            "bin": "0xdead", "ext": {"ext": 5, "data": "0x010203"}, "f32": 1.5, "big": u64::MAX,
            "long": format!("0x{}… (300 bytes)", "ab".repeat(256)),
        });
        assert_eq!(MsgPack.decode(&bytes).unwrap(), want);
    }

    #[test]
    fn cbor_hand_written_samples() {
        // undefined is null; tag 1 (epoch time) keeps its number; bignums become strings.
        check(
            Cbor,
            r#"
            a2 6161 01 6162 82 02 03 => {"a": 1, "b": [2, 3]}
            84 f97e00 f97c00 f9fc00 f93e00 => ["NaN", "inf", "-inf", 1.5]
            82 fa 3dcccccd fb 3ff8000000000000 => [0.1, 1.5]
            3b ffffffffffffffff => "-18446744073709551616"
            c2 49 010000000000000000 => "18446744073709551616"
            c2 54 01 00000000000000000000000000000000000000 => "5708990770823839524233143877797980545530986496"
            c3 51 01 00000000000000000000000000000000 => "-340282366920938463463374607431768211457"
            82 f7 f6 => [null, null]
            c1 1a 514b67b0 => 1363896240
            5f 42 0102 43 030405 ff => "0x0102030405"
            a2 01 02 f5 63 616263 => {"1": 2, "true": "abc"}
        "#,
        );
    }

    #[test]
    fn cbor_round_trips_through_ciborium() {
        use ciborium::Value as V;
        let nested = V::Map(vec![(
            "a".into(),
            vec![V::from(-1), V::from(-300000)].into(),
        )]);
        let v = V::Map(vec![
            ("nested".into(), nested),
            ((-3).into(), V::Float(f64::NAN)),
            (vec![V::from(1)].into(), V::Bytes(vec![0, 255])),
            ("f".into(), V::Float(0.25)),
            ("max".into(), u64::MAX.into()),
            (
                "t".into(),
                V::Tag(0, Box::new("2024-01-01T00:00:00Z".into())),
            ),
        ]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&v, &mut bytes).unwrap();
        let want = json!({
            "nested": {"a": [-1, -300000]}, "-3": "NaN", "[1]": "0x00ff", "f": 0.25,
            "max": u64::MAX, "t": "2024-01-01T00:00:00Z",
        });
        assert_eq!(Cbor.decode(&bytes).unwrap(), want);
    }

    #[test]
    fn truncated_and_trailing_data_are_errors_in_words() {
        let samples = [
            (MsgPack, "82 a4 74656d70 cb 4035800000000000 a2 6f6b c3"),
            (Cbor, "a2 6161 01 6162 82 02 03"),
        ];
        for (d, sample) in samples {
            let full = hex(sample);
            for n in 0..full.len() {
                let e = d.decode(&full[..n]).unwrap_err();
                let want = format!("not {}: unexpected end of data after {n} bytes", d.label());
                assert!(e.starts_with(&want), "{e}");
            }
            let e = d.decode(&hex("01 02")).unwrap_err();
            assert_eq!(
                e,
                format!("not {}: 1 bytes left over after the value", d.label())
            );
        }
        let e = MsgPack.decode(&[0xc1]).unwrap_err();
        assert_eq!(
            e,
            "not MessagePack: byte 0xc1 at 0 is not a MessagePack type"
        );
        // Protobuf may end at any field boundary, but not inside a metric.
        let metric = hex("12 0d 0a04 54656d70 2009 65 0000ac41");
        for n in 1..metric.len() {
            let e = SparkplugB.decode(&metric[..n]).unwrap_err();
            assert!(
                e.starts_with("not Sparkplug B: ") && !e.contains("Protobuf"),
                "{e}"
            );
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mp = hex("82 a4 74656d70 cb 4035800000000000 a2 6f6b c3 ");
        let samples = [mp, hex("a2 6161 01 6162 82 02 03"), sample_sparkplug()];
        for _ in 0..2000 {
            let len = (next() % 65) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            for d in Decoder::ALL {
                let _ = d.decode(&bytes);
            }
            // Valid samples with a byte changed reach deeper paths.
            for (d, sample) in Decoder::ALL.into_iter().zip(&samples) {
                let mut bytes = sample.clone();
                let at = next() as usize % bytes.len();
                bytes[at] = next() as u8;
                let _ = d.decode(&bytes);
            }
        }
    }

    #[test]
    fn hostile_lengths_fail_fast_without_allocating() {
        let e = MsgPack.decode(&hex("dd ffffffff")).unwrap_err();
        assert_eq!(
            e,
            "not MessagePack: unexpected end of data after 5 bytes (4294967295 items claimed)"
        );
        for h in [
            "df ffffffff",
            "dc ffff 01",
            "c6 ffffffff",
            "db ffffffff 61",
            "c9 ffffffff 01",
        ] {
            assert!(MsgPack.decode(&hex(h)).is_err(), "{h}");
        }
        for h in [
            "9b ffffffffffffffff",
            "bb ffffffffffffffff",
            "5b ffffffffffffffff 00",
            "7a ffffffff 61",
        ] {
            assert!(Cbor.decode(&hex(h)).is_err(), "{h}");
        }
        // A metric claiming a 2^62-byte body.
        assert!(
            SparkplugB
                .decode(&hex("12 80808080808080808040 00"))
                .is_err()
        );
    }

    #[test]
    fn trees_too_big_to_show_are_refused_early() {
        let too_many = "more than 1048576 values, too many to show";
        let mut nulls = hex("dd 00110000");
        nulls.resize(nulls.len() + 0x110000, 0xc0);
        assert_eq!(
            MsgPack.decode(&nulls).unwrap_err(),
            format!("not MessagePack: {too_many}")
        );
        let mut maps = hex("9a 00040000");
        maps.extend([0xa1, 0xf6, 0xf6].repeat(0x40000));
        assert_eq!(
            Cbor.decode(&maps).unwrap_err(),
            format!("not CBOR: {too_many}")
        );
        // 70,000 empty metrics: two bytes each on the wire, a kilobyte each decoded.
        let metrics = [0x12, 0x00].repeat(70_000);
        assert_eq!(
            SparkplugB.decode(&metrics).unwrap_err(),
            format!("not Sparkplug B: {too_many}")
        );
        assert!(SparkplugB.decode(&metrics[..20_000]).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        for (d, byte) in [
            (MsgPack, 0x91),
            (MsgPack, 0x81),
            (Cbor, 0x81),
            (Cbor, 0x9f),
            (Cbor, 0xc6),
        ] {
            let e = d.decode(&[byte; 100_000]).unwrap_err();
            assert_eq!(
                e,
                format!("not {}: nested deeper than 256 levels", d.label())
            );
        }
        for (d, open, empty) in [(MsgPack, 0x91, 0x90), (Cbor, 0x81, 0x80)] {
            let mut ok = vec![open; 255];
            ok.push(empty);
            assert!(d.decode(&ok).is_ok(), "256 levels are fine");
        }
        let mut nested = spb::Metric {
            name: Some("deep".into()),
            ..Default::default()
        };
        for _ in 0..120 {
            let t = spb::Template {
                metrics: vec![nested],
                ..Default::default()
            };
            nested = spb::Metric {
                value: Some(spb::MetricValue::Template(t)),
                ..Default::default()
            };
        }
        let bytes = spb::Payload {
            metrics: vec![nested],
            ..Default::default()
        }
        .encode_to_vec();
        let e = SparkplugB.decode(&bytes).unwrap_err();
        assert_eq!(
            e,
            "not Sparkplug B: recursion limit reached in Template.metrics"
        );
    }

    /// A metric with a datatype and value; unnamed when `name` is empty.
    fn metric(name: &str, datatype: u32, value: spb::MetricValue) -> spb::Metric {
        let name = (!name.is_empty()).then(|| name.to_owned());
        let (datatype, value) = (Some(datatype), Some(value));
        spb::Metric {
            name,
            datatype,
            value,
            ..Default::default()
        }
    }

    /// NDATA-like metrics, encoded from the structs.
    fn sample_sparkplug() -> Vec<u8> {
        use spb::MetricValue as V;
        let metrics = vec![
            spb::Metric {
                timestamp: Some(17),
                ..metric("Temperature", 9, V::Float(21.5))
            },
            metric("Small", 1, V::Int(u32::MAX)),
            metric("Short", 2, V::Int(0xfffe)),
            metric("Delta", 4, V::Long(-42i64 as u64)),
            metric("Count", 8, V::Long(u64::MAX)),
            metric("Running", 11, V::Bool(true)),
            metric("State", 12, V::String("ok".into())),
            spb::Metric {
                is_null: Some(true),
                ..metric("Missing", 3, V::Int(5))
            },
            spb::Metric {
                alias: Some(12),
                ..metric("", 10, V::Double(-0.5))
            },
            metric("Temperature", 9, V::Float(f32::NAN)),
            metric("Temperature", 9, V::Float(0.1)),
            metric("Raw", 17, V::Bytes(vec![1, 2])),
            metric("Arr", 23, V::Bytes(vec![0xff, 0xff, 2, 0])),
            metric("Names", 33, V::Bytes(b"a\0bc\0".to_vec())),
            metric("None", 33, V::Bytes(vec![])),
        ];
        let (timestamp, seq, body) = (Some(1_700_000_000_000), Some(7), Some(vec![0xca, 0xfe]));
        spb::Payload {
            timestamp,
            seq,
            metrics,
            body,
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn sparkplug_metrics_are_keyed_typed_and_signed() {
        let want = json!({
            "timestamp": 1_700_000_000_000u64, "seq": 7, "body": "0xcafe",
            "metrics": {
                "Temperature": {"value": 21.5, "datatype": "Float", "timestamp": 17},
                "Small": {"value": -1, "datatype": "Int8"},
                "Short": {"value": -2, "datatype": "Int16"},
                "Delta": {"value": -42, "datatype": "Int64"},
                "Count": {"value": u64::MAX, "datatype": "UInt64"},
                "Running": {"value": true, "datatype": "Boolean"},
                "State": {"value": "ok", "datatype": "String"},
                "Missing": {"value": null, "datatype": "Int32"},
                "alias 12": {"value": -0.5, "datatype": "Double", "alias": 12},
                "Temperature (2)": {"value": "NaN", "datatype": "Float"},
                "Temperature (3)": {"value": 0.1, "datatype": "Float"},
                "Raw": {"value": "0x0102", "datatype": "Bytes"},
                "Arr": {"value": [-1, 2], "datatype": "Int16Array"},
                "Names": {"value": ["a", "bc"], "datatype": "StringArray"},
                "None": {"value": [], "datatype": "StringArray"},
            },
        });
        assert_eq!(SparkplugB.decode(&sample_sparkplug()).unwrap(), want);
    }

    #[test]
    fn sparkplug_hand_written_wire_bytes() {
        let bytes = hex("08 e807 \
            12 0d 0a04 54656d70 2009 65 0000ac41 \
            12 09 0a02 6938 2001 50 ff01 \
            12 0f 1007 2004 58 fbffffffffffffffff01 \
            12 06 0a02 6938 70 00 \
            18 05");
        let want = json!({"timestamp": 1000, "seq": 5, "metrics": {
            "Temp": {"value": 21.5, "datatype": "Float"}, // float_value
            "i8": {"value": -1, "datatype": "Int8"}, // int_value 255
            "alias 7": {"value": -5, "datatype": "Int64", "alias": 7}, // long_value 2^64-5
            "i8 (2)": {"value": false}, // same name again, boolean_value
        }});
        assert_eq!(SparkplugB.decode(&bytes).unwrap(), want);
    }

    #[test]
    fn sparkplug_datasets_templates_and_properties() {
        use spb::*;
        let cell = |v| DataSetValue { value: Some(v) };
        let elements = vec![cell(CellKind::Int(0xff)), cell(CellKind::Float(2.5))];
        let (columns, types) = (vec!["id".into(), "temp".into()], vec![1, 9]);
        let ds = DataSet {
            columns,
            types,
            rows: vec![Row { elements }],
            ..Default::default()
        };
        let prop = |t, v| PropertyValue {
            r#type: Some(t),
            is_null: None,
            value: Some(v),
        };
        let low = PropertySet {
            keys: vec!["low".into()],
            values: vec![prop(3, PropertyKind::Int(-10i32 as u32))],
        };
        let keys = vec!["engUnit".into(), "limits".into()];
        let values = vec![
            prop(12, PropertyKind::String("°C".into())),
            prop(20, PropertyKind::Set(low)),
        ];
        let table = Metric {
            properties: Some(PropertySet { keys, values }),
            ..metric("table", 16, MetricValue::DataSet(ds))
        };
        let (name, r#type, value) = (Some("rpm".into()), Some(7), Some(ParameterKind::Int(1500)));
        let template = Template {
            template_ref: Some("Motor".into()),
            parameters: vec![Parameter {
                name,
                r#type,
                value,
            }],
            metrics: vec![metric("on", 11, MetricValue::Bool(true))],
            ..Default::default()
        };
        let motor = metric("motor", 19, MetricValue::Template(template));
        let bytes = Payload {
            metrics: vec![table, motor],
            ..Default::default()
        }
        .encode_to_vec();
        let want = json!({"metrics": {
            "table": {
                "datatype": "DataSet",
                "value": {"columns": ["id", "temp"], "types": ["Int8", "Float"], "rows": [[-1, 2.5]]},
                "properties": {"engUnit": "°C", "limits": {"low": -10}},
            },
            "motor": {"datatype": "Template", "value": {"template_ref": "Motor", "parameters": {"rpm": 1500},
                "metrics": {"on": {"value": true, "datatype": "Boolean"}}}},
        }});
        assert_eq!(SparkplugB.decode(&bytes).unwrap(), want);
    }

    #[test]
    fn topics_and_default_decoder() {
        assert!(is_sparkplug_topic("spBv1.0/group/NDATA/node"));
        assert!(!is_sparkplug_topic("spBv1.0x/group/NDATA/node"));
        assert!(!is_sparkplug_topic("a/spBv1.0/b"));
        let spb = sample_sparkplug();
        assert_eq!(default_decoder("spBv1.0/g/NDATA/n", &spb), Some(SparkplugB));
        assert_eq!(default_decoder("plant/line1", &spb), None);
        assert_eq!(
            default_decoder("sensors/x", &hex("82 a1 61 01 a1 62 c3")),
            None
        );
        assert_eq!(
            default_decoder("spBv1.0/STATE/host", br#"{"online":true}"#),
            None
        );
        assert_eq!(default_decoder("spBv1.0/g/NDATA/n", &[]), None);
        assert_eq!(
            Decoder::ALL.map(Decoder::label),
            ["MessagePack", "CBOR", "Sparkplug B"]
        );
    }
}
