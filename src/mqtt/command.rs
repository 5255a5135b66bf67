//! Commands from the app to the worker.

use crate::model::{Properties, QoS};

use super::settings::ConnectionSettings;

/// What the app asks the worker to do.
#[derive(Debug)]
pub enum WorkerCommand {
    /// Drop any current connection and connect with these settings (retrying with backoff).
    Connect(Box<ConnectionSettings>),
    /// Close the current connection cleanly and stop retrying.
    Disconnect,
    /// Publish one message on the current connection.
    Publish(Box<PublishRequest>),
    /// Clear the retained message of each topic (empty retained publishes at QoS 1,
    /// pipelined), reporting to `progress`; `cancel` stops it.
    ClearRetained {
        topics: Vec<String>,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
        progress: tokio::sync::watch::Sender<super::event::ClearProgress>,
    },
    /// Publish a recording on the current connection, reporting to its progress watch
    /// until it ends or is cancelled.
    Replay(Box<super::replay::ReplayRequest>),
    /// Stop everything; the worker thread ends.
    Shutdown,
}

/// One message to publish; `id` comes back in [`super::PublishOutcome`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishRequest {
    pub id: u64,
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// MQTT 5 only; ignored on a 3.1.1 connection.
    pub properties: Option<Properties>,
}
