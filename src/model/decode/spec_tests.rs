//! Tests of decoder names, pre-steps, typed binary and rules: samples made by independent
//! encoders (flate2's writers, the base64 crate, the zstd command line, std's
//! `to_le_bytes`), hostile input, and
//! 2,000 random buffers through every decoder.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::json;

use super::*;

fn spec(s: &str) -> DecoderSpec {
    s.parse().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn names_parse_into_steps_and_a_format() {
    assert_eq!(
        spec("base64+gzip+json"),
        DecoderSpec {
            steps: vec![PreStep::Base64, PreStep::Gzip],
            format: Format::Json
        }
    );
    assert_eq!(
        spec("binary:i16be[]").format,
        Format::Binary(Binary {
            number: Number::I16,
            big_endian: true,
            array: true
        })
    );
    assert_eq!(spec("MsgPack").format, Format::Tree(Decoder::MsgPack));
    for bad in [
        "",
        "gzip",
        "json+gzip",
        "binary:f16le",
        "rot13+json",
        "binary:",
    ] {
        let e = bad.parse::<DecoderSpec>().unwrap_err();
        assert!(e.to_string().contains("is not a decoder"), "{bad}: {e}");
    }
}

#[test]
fn decoders_say_what_they_do() {
    assert_eq!(
        spec("base64+gzip+json").describe(),
        "base64, then gzip, then JSON"
    );
    assert_eq!(spec("binary:f32le[]").describe(), "an array of f32le");
    assert_eq!(spec("binary:u8").describe(), "one u8");
    assert_eq!(spec("cbor").describe(), "CBOR");
}

#[test]
fn pre_steps_undo_what_independent_encoders_did() {
    let doc = br#"{"temp":21.5,"ok":true}"#;
    let want = json!({"temp": 21.5, "ok": true});
    let b64 = base64::engine::general_purpose::STANDARD.encode(gzip(doc));
    assert_eq!(
        spec("base64+gzip+json").decode(b64.as_bytes()),
        Ok(want.clone())
    );
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(doc).unwrap();
    assert_eq!(
        spec("zlib+json").decode(&z.finish().unwrap()),
        Ok(want.clone())
    );
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    d.write_all(doc).unwrap();
    assert_eq!(
        spec("deflate+json").decode(&d.finish().unwrap()),
        Ok(want.clone())
    );
    // Made by the zstd command line (1.5.4, -19) from the same document.
    let zst = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/state.json.zst"
    ));
    assert_eq!(spec("zstd+json").decode(zst), Ok(want.clone()));
    let e = spec("zstd+json").decode(b"not zstd").unwrap_err();
    assert!(e.starts_with("not zstd"), "{e}");
    let hex: String = doc.iter().map(|b| format!("{b:02X} ")).collect();
    assert_eq!(spec("hex+json").decode(hex.as_bytes()), Ok(want));
    assert_eq!(spec("hex+text").decode(b"6869"), Ok(json!("hi")));
    // Each step says what it is and what is wrong.
    let e = spec("gzip+json").decode(b"not gzip at all").unwrap_err();
    assert!(e.starts_with("not gzip"), "{e}");
    let e = spec("hex+text").decode(b"abc").unwrap_err();
    assert_eq!(e, "not hex: 3 digits is an odd count");
    let e = spec("base64+json").decode(b"%%%").unwrap_err();
    assert!(e.starts_with("not base64"), "{e}");
}

#[test]
fn a_gzip_bomb_stops_at_the_cap_and_says_so() {
    let zeros = vec![0u8; DECOMPRESSED_CAP + 4096];
    let bomb = gzip(&zeros);
    assert!(bomb.len() < 100_000, "a small payload: {}", bomb.len());
    let e = spec("gzip+text").decode(&bomb).unwrap_err();
    assert_eq!(e, "gzip data decompresses past the cap of 16 MiB");
    // 17 MiB of zeros in a few hundred bytes, made by the zstd command line.
    let bomb = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/zeros-17MiB.zst"
    ));
    assert!(bomb.len() < 4096, "{}", bomb.len());
    let e = spec("zstd+text").decode(bomb).unwrap_err();
    assert_eq!(e, "zstd data decompresses past the cap of 16 MiB");
}

#[test]
fn typed_binary_reads_numbers_in_either_order() {
    let mut le = Vec::new();
    for v in [1.5f32, -2.25, 1e6] {
        le.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(
        spec("binary:f32le[]").decode(&le),
        Ok(json!([1.5, -2.25, 1_000_000.0]))
    );
    assert_eq!(
        spec("binary:i16be").decode(&(-300i16).to_be_bytes()),
        Ok(json!(-300))
    );
    assert_eq!(
        spec("binary:u64le").decode(&u64::MAX.to_le_bytes()),
        Ok(json!(u64::MAX))
    );
    assert_eq!(
        spec("binary:i8[]").decode(&[0xff, 0x7f]),
        Ok(json!([-1, 127]))
    );
    assert_eq!(
        spec("binary:f64be").decode(&f64::NAN.to_be_bytes()),
        Ok(json!("NaN"))
    );
    let e = spec("binary:f32le").decode(&[0; 6]).unwrap_err();
    assert_eq!(e, "6 bytes is not one f32le (4 bytes)");
    let e = spec("binary:u16be[]").decode(&[0; 5]).unwrap_err();
    assert_eq!(e, "5 bytes is not a whole number of u16be (2 bytes each)");
}

#[test]
fn xml_is_laid_out_and_bad_xml_says_why() {
    let got = spec("xml").decode(br#"<plant id="1"><temp unit="C">21.5</temp><ok/></plant>"#);
    assert_eq!(
        got,
        Ok(json!(
            "<plant id=\"1\">\n  <temp unit=\"C\">21.5</temp>\n  <ok/>\n</plant>"
        ))
    );
    for (bad, why) in [
        ("<a><b></a>", "not XML"),
        ("<a><b>", "2 elements are not closed"),
        ("just text", "no element"),
    ] {
        let e = spec("xml").decode(bad.as_bytes()).unwrap_err();
        assert!(e.contains(why), "{bad}: {e}");
    }
    let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
    let e = spec("xml").decode(deep.as_bytes()).unwrap_err();
    assert_eq!(e, "not shown as XML: nested deeper than 256 levels");
}

#[test]
fn random_buffers_never_panic_in_any_decoder() {
    let specs = [
        "json",
        "text",
        "msgpack",
        "cbor",
        "sparkplug",
        "base64+json",
        "hex+msgpack",
        "gzip+json",
        "zlib+cbor",
        "deflate+text",
        "zstd+json",
        "xml",
        "binary:f64be[]",
        "binary:i32le",
    ];
    let mut rng = fastrand::Rng::with_seed(16);
    for i in 0..2_000 {
        let len = rng.usize(0..if i % 100 == 0 { 70_000 } else { 300 });
        let buf: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        for s in specs {
            let _ = spec(s).decode(&buf);
        }
    }
}

#[test]
fn sixteen_mebibytes_of_random_bytes_through_every_decoder() {
    let mut rng = fastrand::Rng::with_seed(1616);
    let huge: Vec<u8> = (0..16 << 20).map(|_| rng.u8(..)).collect();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let with_files = [
        crate::testkit::plant_proto::state_decoder(),
        format!("avro:{}", fixtures.join("avro/reading.avsc").display()),
        format!("avro:{}", fixtures.join("avro/list.avsc").display()),
        format!(
            "avro-confluent:{}",
            fixtures.join("avro/registry").display()
        ),
        format!("script:{}", fixtures.join("scripts/tracker.js").display()),
    ];
    let names = [
        "json",
        "text",
        "xml",
        "msgpack",
        "cbor",
        "sparkplug",
        "base64+json",
        "hex+cbor",
        "gzip+json",
        "zlib+msgpack",
        "deflate+text",
        "zstd+json",
        "binary:f32le[]",
        "binary:u64be",
    ];
    for name in names.iter().map(|n| n.to_string()).chain(with_files) {
        let mut s = spec(&name);
        s.load(&[]).unwrap();
        // Random bytes are almost never a valid anything; what matters is an answer in
        // words, no panic and bounded memory.
        if let Err(why) = s.decode(&huge) {
            assert!(!why.is_empty(), "{name}");
        }
    }
}
