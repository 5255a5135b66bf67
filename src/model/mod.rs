//! Pure data behind the window: topic tree, bounded history, payload decoding, stats,
//! plotted series.
//!
//! Nothing here knows about egui or tokio; the app feeds it [`Incoming`] messages and the
//! UI reads it.
//!
//! # Layers (outside its tests, a module imports only from the lines above its own)
//! - leaves: `units`, `topic_path`, `payload`, `number`, `json_path`, `reduce`,
//!   `csv_export`, `decode`, `payload_format`
//! - `message` (payload); `views` (payload, json_path, number); `filter` (topic_path);
//!   `sys_stats` (units)
//! - `history` (message); `recording` (message, payload, units); `series` (message,
//!   payload, decode, json_path, number, reduce, csv_export)
//! - `topic_tree` (history, topic_path)
//! - `stats` (topic_tree)
//! - `store` (all of the above)

pub mod csv_export;
pub mod decode;
pub mod filter;
pub mod history;
pub mod json_path;
pub mod message;
pub mod number;
pub mod own_retained;
pub mod payload;
pub mod payload_format;
pub mod placeholders;
pub mod recording;
pub mod reduce;
pub mod series;
pub mod stats;
pub mod store;
pub mod sys_stats;
pub mod topic_path;
pub mod topic_tree;
pub mod units;
pub mod views;

pub use history::{HistoryLimits, TopicHistory};
pub use json_path::JsonPath;
pub use message::{Incoming, Message, Properties, QoS};
pub use payload::{Payload, PayloadKind};
pub use series::{Plots, Series, SeriesSpec};
pub use stats::{RateMeter, TopicRates};
pub use store::{Store, StoreStats};
pub use topic_tree::{Node, NodeId, TopicTree};
