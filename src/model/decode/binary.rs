//! Typed binary payloads: little- or big-endian integers and floats, one value or an
//! array, as numbers that plot like JSON fields (`binary:f32le[]`, `binary:i16be`).

use serde_json::Value;

/// Most values a typed binary array yields (a 16 MiB payload of bytes holds 16M).
const MOST_BINARY_VALUES: usize = 1 << 20;

/// A number type of typed binary payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Number {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

/// Typed binary: one number, or an array of them, in a byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binary {
    pub number: Number,
    pub big_endian: bool,
    pub array: bool,
}

/// `f32le`, `i16be[]`, `u8` (one byte needs no order).
pub(super) fn binary(ty: &str) -> Option<Binary> {
    let (ty, array) = match ty.strip_suffix("[]") {
        Some(t) => (t, true),
        None => (ty, false),
    };
    let (ty, big_endian) = if let Some(t) = ty.strip_suffix("le") {
        (t, false)
    } else if let Some(t) = ty.strip_suffix("be") {
        (t, true)
    } else {
        (ty, false)
    };
    let number = match ty {
        "i8" => Number::I8,
        "i16" => Number::I16,
        "i32" => Number::I32,
        "i64" => Number::I64,
        "u8" => Number::U8,
        "u16" => Number::U16,
        "u32" => Number::U32,
        "u64" => Number::U64,
        "f32" => Number::F32,
        "f64" => Number::F64,
        _ => return None,
    };
    Some(Binary {
        number,
        big_endian,
        array,
    })
}

impl Number {
    fn size(self) -> usize {
        match self {
            Self::I8 | Self::U8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::I64 | Self::U64 | Self::F64 => 8,
        }
    }

    /// The number in `b` (exactly [`Self::size`] bytes).
    fn read(self, b: &[u8], big_endian: bool) -> Value {
        let mut raw = [0u8; 8];
        raw[..b.len()].copy_from_slice(b);
        if big_endian {
            raw[..b.len()].reverse();
        }
        let u = u64::from_le_bytes(raw);
        let float = |f: f64| {
            serde_json::Number::from_f64(f).map_or_else(
                || {
                    Value::String(
                        if f.is_nan() {
                            "NaN"
                        } else if f > 0.0 {
                            "inf"
                        } else {
                            "-inf"
                        }
                        .into(),
                    )
                },
                Value::Number,
            )
        };
        match self {
            Self::U8 | Self::U16 | Self::U32 | Self::U64 => u.into(),
            Self::I8 => i64::from(u as u8 as i8).into(),
            Self::I16 => i64::from(u as u16 as i16).into(),
            Self::I32 => i64::from(u as u32 as i32).into(),
            Self::I64 => (u as i64).into(),
            Self::F32 => float(f64::from(f32::from_bits(u as u32))),
            Self::F64 => float(f64::from_bits(u)),
        }
    }
}

impl Binary {
    pub(super) fn decode(self, bytes: &[u8]) -> Result<Value, String> {
        let size = self.number.size();
        if !self.array {
            if bytes.len() != size {
                return Err(format!(
                    "{} bytes is not one {} ({size} bytes)",
                    bytes.len(),
                    self.name()
                ));
            }
            return Ok(self.number.read(bytes, self.big_endian));
        }
        if !bytes.len().is_multiple_of(size) {
            return Err(format!(
                "{} bytes is not a whole number of {} ({size} bytes each)",
                bytes.len(),
                self.name()
            ));
        }
        let values = bytes.len() / size;
        if values > MOST_BINARY_VALUES {
            return Err(format!(
                "{values} values is more than the {MOST_BINARY_VALUES} shown"
            ));
        }
        Ok(Value::Array(
            bytes
                .chunks_exact(size)
                .map(|b| self.number.read(b, self.big_endian))
                .collect(),
        ))
    }

    pub(super) fn name(self) -> String {
        let n = format!("{:?}", self.number).to_ascii_lowercase();
        let order = match (self.number.size(), self.big_endian) {
            (1, _) => "",
            (_, true) => "be",
            (_, false) => "le",
        };
        format!("{n}{order}")
    }
}
