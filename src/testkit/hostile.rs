//! A corpus of hostile messages for fault tests and benchmarks: what a broker may carry
//! that a naive explorer chokes on.

/// Hostile input for fault tests and benchmarks, as (topic, payload): invalid UTF-8, a
/// 16 MiB payload, a topic of `levels` levels, a 60 kB topic name, JSON nested 100,000
/// deep, NaN and infinities, control, right-to-left and zero-width characters, empty levels.
pub fn hostile_corpus(levels: usize) -> Vec<(String, Vec<u8>)> {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    vec![
        (
            "hostile/invalid-utf8".into(),
            vec![0xff, 0xfe, 0x00, 0xc3, 0x28],
        ),
        ("hostile/big".into(), vec![b'a'; 16 << 20]),
        (vec!["l"; levels].join("/"), b"many levels".to_vec()),
        (
            format!("hostile/{}", "n".repeat(60_000)),
            b"60 kB name".to_vec(),
        ),
        ("hostile/deep-json".into(), deep.into_bytes()),
        ("hostile/nan".into(), b"NaN".to_vec()),
        ("hostile/inf".into(), b"Infinity".to_vec()),
        (
            // C0 control characters are refused in topics (MQTT says they SHOULD NOT be
            // there, and Mosquitto rejects them), so they travel in the payload.
            "hostile/\u{202e}rtl/\u{200b}zero-width/\u{feff}bom".into(),
            "bell\u{7} esc\u{1b}[2J rtl\u{202e}txet \u{2066}iso"
                .as_bytes()
                .to_vec(),
        ),
        (
            "hostile//empty//levels/".into(),
            b"{\"a\":[1,2,{\"b\":NaN}]}".to_vec(),
        ),
        ("/hostile-leading".into(), b"  -1e309  ".to_vec()),
    ]
}
