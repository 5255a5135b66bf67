//! What the decoders share: the limits on what they build, the JSON pieces of the value
//! tree (blobs, floats, wide integers), and the reader that checks every length.

use serde_json::Value;

/// Containers (arrays, maps, CBOR tags, protobuf messages) nested deeper than this are refused.
pub(super) const MAX_DEPTH: usize = 256;
/// Binary blobs show at most this many bytes.
pub(super) const MAX_BLOB: usize = 256;
/// The most weight a tree may have: 1 a value, 1 + [`MAP_WEIGHT`] a map or message.
pub(super) const MAX_WEIGHT: usize = 1 << 20;
/// What a map or message weighs beyond a value: its memory is about 16 values'.
pub(super) const MAP_WEIGHT: usize = 16;
/// The most items an array makes room for before any is read (32 KiB of values): its
/// length prefix is only a claim, so past this the room grows as items really decode.
pub(super) const MAX_RESERVE: usize = 1024;

/// `"0x…"` lowercase hex, cut after [`MAX_BLOB`] bytes with the full size noted.
pub(super) fn blob(bytes: &[u8]) -> Value {
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
pub(super) fn text(bytes: &[u8]) -> Value {
    std::str::from_utf8(bytes).map_or_else(|_| blob(bytes), Value::from)
}

pub(super) fn float(x: f64) -> Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => "NaN".into(),
        None => if x > 0.0 { "inf" } else { "-inf" }.into(),
    }
}

/// A single-precision float by its shortest decimal form, so 0.1f32 shows as 0.1.
pub(super) fn float32(x: f32) -> Value {
    float(x.to_string().parse().unwrap_or(f64::from(x)))
}

/// An IEEE half-precision float.
pub(super) fn float16(bits: u16) -> Value {
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
pub(super) fn wide_int(n: i128) -> Value {
    match (u64::try_from(n), i64::try_from(n)) {
        (Ok(u), _) => u.into(),
        (_, Ok(i)) => i.into(),
        _ => n.to_string().into(),
    }
}

/// The low `bits` bits of `raw` read as a two's complement number.
pub(super) fn sign_extend(raw: u64, bits: u32) -> i64 {
    let shift = 64 - bits.clamp(1, 64);
    ((raw << shift) as i64) >> shift
}

/// A big-endian unsigned integer (up to 8 bytes are used).
pub(super) fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// A cursor over the payload that checks every length against the bytes left and keeps the
/// tree's weight.
pub(super) struct Reader<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
    pub(super) weight: usize,
    /// Items the arrays read so far reserved room for up front, so tests can bound it.
    #[cfg(test)]
    pub(super) reserved: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            weight: 0,
            #[cfg(test)]
            reserved: 0,
        }
    }

    pub(super) fn left(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(super) fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
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

    pub(super) fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    /// A big-endian unsigned integer of `n` (≤ 8) bytes.
    pub(super) fn uint(&mut self, n: u64) -> Result<u64, String> {
        Ok(be_uint(self.take(n)?))
    }

    /// Consumes a CBOR "break" if one is next.
    pub(super) fn at_break(&mut self) -> bool {
        let found = self.data.get(self.pos) == Some(&0xff);
        self.pos += usize::from(found);
        found
    }

    pub(super) fn weigh(&mut self, weight: usize) -> Result<(), String> {
        self.weight += weight;
        match self.weight > MAX_WEIGHT {
            true => Err(format!("more than {MAX_WEIGHT} values, too many to show")),
            false => Ok(()),
        }
    }

    /// One more container level, or the error for too many.
    pub(super) fn deeper(&self, depth: usize) -> Result<usize, String> {
        match depth < MAX_DEPTH {
            true => Ok(depth + 1),
            false => Err(format!("nested deeper than {MAX_DEPTH} levels")),
        }
    }
}

/// One MessagePack or CBOR item: a whole scalar, or the head of what follows.
pub(super) enum Item {
    Scalar(Value),
    /// An array or map of so many items (entries), or up to a break when `None`.
    Array(Option<u64>),
    Map(Option<u64>),
    Tag(u64),
    Break,
}
