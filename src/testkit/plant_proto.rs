//! `plant.State` of the test schema `tests/fixtures/proto/plant.proto` (which imports
//! `common/units.proto`), written by hand for prost: an encoder independent of the
//! decoder's reflection, for the tests and the benchmark of Protobuf decoder rules.

use std::path::{Path, PathBuf};

use prost::Message as _;

/// The folder of the test schemas.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proto")
}

/// The decoder rule's name for `plant.State`.
pub fn state_decoder() -> String {
    format!(
        "protobuf:{}:plant.State",
        fixtures().join("plant.proto").display()
    )
}

/// `plant.State` written by hand for prost (an independent encoder), with a field the
/// schema does not know (99).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Reading {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(double, tag = "2")]
    pub value: f64,
    #[prost(int32, tag = "3")]
    pub unit: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct State {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(int64, tag = "2")]
    pub uptime_s: i64,
    #[prost(message, repeated, tag = "3")]
    pub readings: Vec<Reading>,
    #[prost(bool, tag = "4")]
    pub running: bool,
    #[prost(map = "string, int32", tag = "5")]
    pub counters: std::collections::HashMap<String, i32>,
    #[prost(uint32, tag = "99")]
    pub extra: u32,
}

/// A sample state with the air at 21.5.
pub fn sample_state() -> Vec<u8> {
    state_with(21.5)
}

/// A sample state with the air at `air`, encoded.
pub fn state_with(air: f64) -> Vec<u8> {
    State {
        id: "Gewächshaus-7".into(),
        uptime_s: 5_000_000_000,
        readings: vec![
            Reading {
                name: "air".into(),
                value: air,
                unit: 1,
            },
            Reading {
                name: "soil".into(),
                value: 38.0,
                unit: 2,
            },
        ],
        running: true,
        counters: [("starts".to_string(), 3)].into(),
        extra: 42,
    }
    .encode_to_vec()
}
