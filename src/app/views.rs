//! What the panels show of the shown tab and the app, read once before a frame is drawn.

use super::{App, ClearRun, Recorder, ReplayRun};
use crate::mqtt::MqttVersion;

/// What the panels show of the tab and the app, read before drawing.
pub(super) struct Views {
    pub(super) tab_list: Vec<(crate::command::TabId, String, crate::mqtt::ConnectionState)>,
    pub(super) active: crate::command::TabId,
    pub(super) dropped: u64,
    pub(super) v5: bool,
    pub(super) key: String,
    pub(super) record_status: Option<crate::status::RecordStatus>,
    pub(super) replay_status: Option<crate::status::ReplayStatus>,
    pub(super) clear_status: Option<crate::status::ClearStatus>,
    pub(super) limits: crate::status::Limits,
    pub(super) granted: Vec<crate::mqtt::SubscriptionResult>,
    /// The last CONNACK, while the Connections window shows it.
    pub(super) broker: Option<crate::mqtt::BrokerInfo>,
    /// Connected, and the form's subscriptions are not the connection's.
    pub(super) subs_changed: bool,
    /// The last CONNACK said the broker kept the session.
    pub(super) session_present: bool,
    /// The tab's history on disk, if it keeps one.
    pub(super) disk: Option<crate::status::DiskStatus>,
}

impl App {
    /// The views of tab `i` (the one shown) for this frame.
    pub(super) fn views(&self, i: usize) -> Views {
        let tab = &self.tabs[i];
        Views {
            tab_list: self.tabs(),
            active: self.active,
            dropped: tab.dropped(),
            v5: tab.version() == MqttVersion::V5,
            key: tab.key(),
            record_status: tab.recorder.as_ref().map(Recorder::status),
            replay_status: tab.replay.as_ref().map(ReplayRun::status),
            clear_status: tab.clear.as_ref().map(ClearRun::status),
            limits: self.saved.limits(),
            granted: tab
                .worker
                .as_ref()
                .map(crate::mqtt::WorkerHandle::subscriptions)
                .unwrap_or_default(),
            broker: (tab.worker.as_ref())
                .filter(|_| self.windows.connections)
                .and_then(crate::mqtt::WorkerHandle::broker_info),
            subs_changed: self.windows.connections && tab.subscriptions_changed(),
            disk: tab.disk_status(),
            session_present: (tab.worker.as_ref())
                .is_some_and(crate::mqtt::WorkerHandle::session_present),
        }
    }
}
