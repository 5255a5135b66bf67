//! MessagePack (msgpack.org): one item's head or whole scalar, read from the wire.

use serde_json::{Value, json};

use super::value::{Item, Reader, blob, float, float32, sign_extend, text};

pub(super) fn msgpack_item(r: &mut Reader) -> Result<Item, String> {
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

#[cfg(test)]
mod tests {
    use super::super::Decoder::MsgPack;
    use super::super::tests::check;
    use serde_json::json;

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
}
