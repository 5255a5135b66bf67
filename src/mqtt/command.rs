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
    Replay(Box<ReplayRequest>),
    /// Publish a message again every so often (timed publish), until its count or stopped.
    Repeat(Box<super::repeat::RepeatRequest>),
    /// Change the subscriptions: on a live connection at once (UNSUBSCRIBE the filters
    /// gone, SUBSCRIBE the new or changed), otherwise from the next CONNACK. `numbered`:
    /// those without an identifier get their place from 1.
    Subscriptions {
        list: Vec<super::settings::Subscription>,
        numbered: bool,
    },
    /// Stop everything; the worker thread ends.
    Shutdown,
}

/// One message to publish; `id` comes back in [`super::PublishOutcome`]. Ids from
/// 0xFFFF_FFFF_0000_0000 up are the worker's own (its clean-up and replay runs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishRequest {
    pub id: u64,
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: QoS,
    pub retain: bool,
    /// MQTT 5 only; ignored on a 3.1.1 connection.
    pub properties: Option<Properties>,
    /// Send the payload (a JSON value) encoded by this decoder rule's decoder (as
    /// written), on the worker; `None`: as it is.
    pub encode: Option<String>,
}

/// What a replay is asked to do.
#[derive(Clone, Debug)]
pub struct ReplayRequest {
    pub path: std::path::PathBuf,
    /// Times the recorded pace (1.0 is as recorded); `None` for as fast as possible.
    pub speed: Option<f64>,
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Where the replay is; the last value has `finished` set (never lost: a watch).
    pub progress: tokio::sync::watch::Sender<super::event::ReplayProgress>,
}

impl ReplayRequest {
    /// A request and the receiver of its progress.
    pub fn new(
        path: std::path::PathBuf,
        speed: Option<f64>,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> (
        Self,
        tokio::sync::watch::Receiver<super::event::ReplayProgress>,
    ) {
        let (progress, rx) = tokio::sync::watch::channel(Default::default());
        (
            Self {
                path,
                speed,
                cancel,
                progress,
            },
            rx,
        )
    }
}
