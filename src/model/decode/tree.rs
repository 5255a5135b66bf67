//! The value tree of MessagePack and CBOR, built by one walk for both: each item's head is
//! read by its format's reader, weighed and checked against the bytes left, then filled.

use serde_json::{Map, Value};

use super::cbor::{bignum, cbor_head, cbor_item, cbor_string};
use super::msgpack::msgpack_item;
use super::value::{Item, MAP_WEIGHT, Reader};

/// What [`open`] found: a whole value, a container to fill, or a tag on the next value.
enum Opened {
    Value(Value),
    Container(Option<u64>, bool),
    Tag,
}

/// A MessagePack or CBOR value. Recursion goes through this function only, and everything
/// else is left to [`open`], so each level of nesting takes little stack.
pub(super) fn tree(r: &mut Reader, depth: usize, cbor: bool) -> Result<Value, String> {
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
