//! How a message is kept in a row of the history file: its payload compressed when that
//! pays, what of it is indexed for search, and the message read back from a row.

use super::db::StoredMessage;
use crate::model::{Incoming, Message, Payload, Properties, QoS};

/// Text of a payload indexed for search, at most.
pub const INDEXED_TEXT: usize = 64 << 10;
/// Payloads from this size are compressed when that saves a tenth or more.
const COMPRESS_FROM: usize = 256;

/// The payload compressed, when that pays.
pub fn pack(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < COMPRESS_FROM {
        return None;
    }
    let z = ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest);
    (z.len() * 10 <= bytes.len() * 9).then_some(z)
}

fn unpack(stored: Vec<u8>, zstd: bool) -> Vec<u8> {
    if !zstd {
        return stored;
    }
    let mut out = Vec::new();
    match ruzstd::decoding::StreamingDecoder::new(stored.as_slice()) {
        Ok(mut d) => {
            let _ = std::io::Read::read_to_end(&mut d, &mut out);
        }
        Err(e) => tracing::warn!("a stored payload does not decompress: {e}"),
    }
    out
}

/// What is indexed of a message for search: its text (the first 64 KiB) and what a
/// decoder made of it.
pub fn body(msg: &Message, decoded: Option<&str>) -> String {
    let bytes = msg.payload.bytes();
    let head = &bytes[..bytes.len().min(INDEXED_TEXT)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    match decoded {
        Some(d) => format!("{text}\n{d}"),
        None => text.to_string(),
    }
}

/// The columns [`row_message`] reads, `m` the message and `t` its topic.
pub const COLUMNS: &str = "m.id, t.topic, m.received_us, m.qos, m.retain, m.size, m.zstd, m.payload, m.properties, \
     m.decoded, m.decoded_by";

/// A message from a row of [`COLUMNS`].
pub fn row_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    let stored: Vec<u8> = r.get(7)?;
    let bytes = unpack(stored, r.get(6)?);
    let size: i64 = r.get(5)?;
    let mut payload = Payload::restored(bytes, size.max(0) as usize);
    let decoded: Option<String> = r.get(9)?;
    if let Some(text) = decoded {
        let by: Option<String> = r.get(10)?;
        payload.set_decoded(Some(crate::model::decode::rules::Decoded {
            by: by.unwrap_or_default().into(),
            result: Ok(text.into()),
            schema_errors: None,
        }));
    }
    let properties: Option<String> = r.get(8)?;
    let qos: u8 = r.get(3)?;
    Ok(StoredMessage {
        id: r.get(0)?,
        incoming: Incoming {
            topic: r.get(1)?,
            message: Message {
                received_at_us: r.get(2)?,
                qos: QoS::from_u8(qos).unwrap_or(QoS::AtMostOnce),
                retain: r.get(4)?,
                pkid: 0,
                from_disk: true,
                payload,
                properties: properties
                    .and_then(|p| serde_json::from_str::<Properties>(&p).ok())
                    .map(Box::new),
            },
        },
    })
}
