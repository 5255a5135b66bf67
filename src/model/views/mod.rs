//! View models read from payloads: what the inspector's JSON and diff views draw, built
//! here so the UI only lays them out.

pub mod diff;
pub mod json_lines;

pub use diff::{DiffTag, diff_lines};
pub use json_lines::{JsonLine, json_lines};
