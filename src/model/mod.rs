//! Pure data behind the window: topic tree, bounded history, payload decoding, stats,
//! plotted series.
//!
//! Nothing here knows about egui or tokio; the app feeds it [`Incoming`] messages and the
//! UI reads it.

pub mod decode;
pub mod filter;
pub mod history;
pub mod message;
pub mod payload;
pub mod payload_format;
pub mod recording;
pub mod series;
pub mod stats;
pub mod store;
pub mod sys_stats;
pub mod topic_path;
pub mod topic_tree;
pub mod units;

pub use history::{HistoryLimits, TopicHistory};
pub use message::{Incoming, Message, Properties, QoS};
pub use payload::{Payload, PayloadKind};
pub use series::{JsonPath, Plots, Series, SeriesSpec};
pub use stats::{RateMeter, TopicRates};
pub use store::{Store, StoreStats};
pub use topic_tree::{Node, NodeId, TopicTree};
