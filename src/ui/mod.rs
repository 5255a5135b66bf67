//! Panels and widgets: they read the model and emit commands; no network, no locks.

pub mod actions;
pub mod broker_panel;
pub mod chart;
pub mod connection;
pub mod decode_picker;
pub mod decoders;
pub mod file_field;
pub mod help;
pub mod inspector;
pub mod inspector_history;
pub mod menu;
pub mod message_meta;
pub mod palette;
pub mod payload_image;
pub mod payload_render;
pub mod payload_view;
pub mod publish;
pub mod publish_options;
pub mod publish_repeat;
pub mod publish_reply;
pub mod record;
pub mod search;
pub mod settings;
pub mod status_bar;
pub mod sys_view;
pub mod talkers;
pub mod theme;
pub mod topic_tree;

pub use inspector::Inspector;
pub use topic_tree::TreeView;
