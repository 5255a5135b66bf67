//! CBOR (RFC 8949): heads, strings (chunked or not), one item's head or whole scalar,
//! and bignums.

use serde_json::Value;

use super::value::{Item, Reader, be_uint, blob, float, float16, float32, text, wide_int};

/// A CBOR head: major type, additional info and its argument (`None`: indefinite length).
pub(super) fn cbor_head(r: &mut Reader) -> Result<(u8, u8, Option<u64>), String> {
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
pub(super) fn cbor_string(r: &mut Reader, major: u8, len: Option<u64>) -> Result<Vec<u8>, String> {
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

pub(super) fn cbor_item(r: &mut Reader) -> Result<Item, String> {
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
pub(super) fn bignum(magnitude: &[u8], negative: bool) -> Value {
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

#[cfg(test)]
mod tests {
    use super::super::Decoder::Cbor;
    use super::super::tests::check;
    use serde_json::json;

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
}
