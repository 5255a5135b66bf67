//! The value tree of MessagePack and CBOR, built by one walk for both: each item's head is
//! read by its format's reader, weighed and checked against the bytes left, then filled.

use serde_json::{Map, Value};

use super::cbor::{bignum, cbor_head, cbor_item, cbor_string};
use super::msgpack::msgpack_item;
use super::value::{Item, MAP_WEIGHT, MAX_RESERVE, MAX_WEIGHT, Reader};

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
    let mut items = Vec::with_capacity(capacity_for(r, count));
    while more(r, &mut count) {
        items.push(tree(r, depth + 1, cbor)?);
    }
    Ok(Value::Array(items))
}

/// Room to make for an array that claims `claimed` items before any is read: no more than
/// the bytes left could hold (an item takes a byte at least), the weight still allowed (an
/// item weighs 1 at least), or [`MAX_RESERVE`]. A `Value` takes 32 bytes, so trusting the
/// claim would reserve 32 times the payload, again at every level of nesting.
fn capacity_for(r: &mut Reader, claimed: Option<u64>) -> usize {
    let claimed = usize::try_from(claimed.unwrap_or(0)).unwrap_or(usize::MAX);
    let n = claimed
        .min(r.left())
        .min(MAX_WEIGHT.saturating_sub(r.weight))
        .min(MAX_RESERVE);
    #[cfg(test)]
    {
        r.reserved += n;
    }
    n
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

#[cfg(test)]
mod tests {
    use super::super::Decoder;
    use super::*;

    /// `levels` containers, each the first item of the one before, each claiming as many
    /// items as there are bytes after its head (the most the length check lets through);
    /// the innermost holds `filler` one-byte nulls. With `maps`, every second level is a
    /// map holding one key before the next container. Returns the bytes and the number of
    /// arrays among the levels. Decoding them fails at the second item of the second
    /// innermost level, where the bytes have run out.
    fn nested_claims(cbor: bool, maps: bool, levels: usize, filler: usize) -> (Vec<u8>, usize) {
        let null = if cbor { 0xf6 } else { 0xc0 };
        let mut bytes = vec![null; filler];
        let mut arrays = 0;
        for level in 0..levels {
            let is_map = maps && level % 2 == 1;
            if is_map {
                let key: &[u8] = if cbor { b"\x61k" } else { b"\xa1k" };
                bytes.splice(0..0, key.iter().copied());
            } else {
                arrays += 1;
            }
            let left = bytes.len();
            let claim = if is_map { left / 2 } else { left };
            let tag = match (cbor, is_map) {
                (false, false) => 0xdd,
                (false, true) => 0xdf,
                (true, false) => 0x9a,
                (true, true) => 0xba,
            };
            let claim = u32::try_from(claim).unwrap().to_be_bytes();
            bytes.splice(0..0, std::iter::once(tag).chain(claim));
        }
        (bytes, arrays)
    }

    #[test]
    fn a_claimed_length_reserves_little_room() {
        // A 16 MiB payload opening with an array that claims an item per byte: trusting
        // the claim made room for 16 Mi values, 512 MiB, before reading any.
        let data = vec![0xc0; 16 << 20];
        let mut r = Reader::new(&data);
        assert_eq!(capacity_for(&mut r, Some(16 << 20)), MAX_RESERVE);
        // Claims past the bytes left or the weight left are cut to them.
        let few = [0xc0; 5];
        let mut r = Reader::new(&few);
        assert_eq!(capacity_for(&mut r, Some(u64::from(u32::MAX))), 5);
        assert_eq!(capacity_for(&mut r, Some(u64::MAX)), 5);
        let mut r = Reader {
            weight: MAX_WEIGHT - 3,
            ..Reader::new(&data)
        };
        assert_eq!(capacity_for(&mut r, Some(1000)), 3);
        assert_eq!(capacity_for(&mut r, Some(2)), 2);
        assert_eq!(capacity_for(&mut r, None), 0);
    }

    #[test]
    fn nested_huge_claims_fail_with_little_reserved() {
        let (levels, filler) = (100, 64 * 1024);
        for (cbor, maps) in [(false, false), (false, true), (true, false), (true, true)] {
            let (bytes, arrays) = nested_claims(cbor, maps, levels, filler);
            let mut r = Reader::new(&bytes);
            let e = tree(&mut r, 0, cbor).unwrap_err();
            let want = format!("unexpected end of data after {} bytes", bytes.len());
            assert_eq!(e, want, "cbor {cbor}, maps {maps}");
            // Trusting the claims reserved about `arrays` × 64 Ki values (200 MiB).
            assert!(
                r.reserved <= arrays * MAX_RESERVE,
                "cbor {cbor}, maps {maps}: {} items reserved by {arrays} arrays",
                r.reserved
            );
            let d = if cbor {
                Decoder::Cbor
            } else {
                Decoder::MsgPack
            };
            assert_eq!(d.decode(&bytes), Err(format!("not {}: {want}", d.label())));
        }
    }

    #[test]
    fn arrays_longer_than_the_reservation_decode_whole() {
        let mut bytes = vec![0xdc, 0x13, 0x88]; // 5000 items
        bytes.extend([1; 5000]);
        let want = Value::Array(vec![1.into(); 5000]);
        assert_eq!(Decoder::MsgPack.decode(&bytes), Ok(want));
    }
}
