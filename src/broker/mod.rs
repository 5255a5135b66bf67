//! The local test broker: options, the child-process controller the app uses, and the
//! in-process server behind `mqscope broker`. No egui here.

pub mod child;
pub mod options;
pub mod server;

pub use child::{BrokerController, BrokerStatus};
pub use options::BrokerOptions;
