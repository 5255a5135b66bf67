//! The MQTT client worker: settings → options, the event loop, commands in, events out.
//!
//! Runs on the named "mqtt" thread (see [`crate::runtime`]); knows nothing of egui.

pub mod channel;
pub mod command;
pub mod demo;
pub mod event;
pub mod replay;
pub mod settings;
pub mod tls;
pub mod tls_extra;
pub mod worker;

pub use channel::{EventReceiver, EventSender, Waker};
pub use command::{PublishRequest, WorkerCommand};
pub use event::{ConnectionState, PublishOutcome, WorkerEvent};
pub use settings::{
    ConnectionForm, ConnectionSettings, MqttVersion, SettingsError, Subscription, TlsOptions,
    Transport,
};
pub use worker::WorkerHandle;
