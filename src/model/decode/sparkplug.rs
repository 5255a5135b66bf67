//! Sparkplug B (Eclipse Tahu `sparkplug_b.proto`, proto2): the payload weighed on the wire
//! first, then decoded by prost and laid out as a tree keyed by metric name.

use prost::Message as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::iter::repeat;

use super::value::{MAP_WEIGHT, Reader, blob, float, float32, sign_extend, text};

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
pub(super) enum Msg {
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
pub(super) fn weigh_protobuf(r: &mut Reader, kind: Msg, depth: usize) -> Result<(), String> {
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
                    weight: r.weight,
                    ..Reader::new(body)
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

pub(super) fn sparkplug(bytes: &[u8]) -> Result<Value, String> {
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
pub(super) mod tests {
    use super::super::Decoder::SparkplugB;
    use super::super::tests::hex;
    use super::*;

    #[test]
    fn deep_templates_are_refused_without_overflow() {
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
    pub(in crate::model::decode) fn sample_sparkplug() -> Vec<u8> {
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
}
