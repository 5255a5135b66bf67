//! The MQTT client worker: settings → options, the event loop, commands in, events out.
//!
//! Each connection's worker runs on a named "mqtt-N" thread (see [`crate::runtime`]);
//! knows nothing of egui.

pub mod channel;
mod clear;
pub mod command;
pub mod connack;
pub mod convert;
pub mod event;
mod linger;
mod poll_loop;
pub mod proxy;
mod publisher;
pub mod repeat;
pub mod replay;
mod session;
pub mod settings;
mod subscriber;
pub mod tls;
pub mod tls_extra;
pub mod topic_alias;
pub mod worker;

pub use channel::{Batch, EventReceiver, EventSender, OutcomeReceiver, Waker};
pub use command::{PublishRequest, WorkerCommand};
pub use connack::BrokerInfo;
pub use convert::Reason;
pub use event::{
    ClearProgress, ConnectionState, Delivered, PublishError, PublishOutcome, SubscriptionResult,
};
pub use settings::{
    ConnectionForm, ConnectionSettings, MqttVersion, RetainHandling, SettingsError, Subscription,
    TlsOptions, Transport, WINDOW_BATCH_LINGER,
};
pub use worker::{Tap, WorkerHandle};
