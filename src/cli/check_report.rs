//! What `mqscope check` found, as data (`--json`) and in words: the versions accepted,
//! the CONNACK, the limits probed, each feature with how it was seen, and the round trips.

use std::fmt::Write as _;
use std::time::Duration;

use crate::model::QoS;
use crate::model::units::thousands;
use crate::mqtt::{BrokerInfo, MqttVersion};

#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub broker: String,
    pub versions: Vec<VersionAnswer>,
    /// The CONNACK of the newest version accepted.
    pub connack: Option<BrokerInfo>,
    /// The version the probes below used.
    pub probed_with: String,
    pub largest_payload: Limit,
    pub topic_length: Limit,
    pub topic_levels: Limit,
    pub features: Vec<Feature>,
    pub qos: Vec<QosTrip>,
}

#[derive(Debug, serde::Serialize)]
pub struct VersionAnswer {
    pub version: String,
    pub accepted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl VersionAnswer {
    pub fn accepted(v: MqttVersion) -> Self {
        Self {
            version: v.label().into(),
            accepted: true,
            reason: None,
        }
    }

    pub fn refused(v: MqttVersion, reason: String) -> Self {
        Self {
            version: v.label().into(),
            accepted: false,
            reason: Some(reason),
        }
    }

    pub fn text(&self) -> String {
        match &self.reason {
            None => "accepted".into(),
            Some(r) => format!("not accepted ({r})"),
        }
    }
}

/// A limit found by probing.
#[derive(Debug, Default, serde::Serialize)]
pub struct Limit {
    /// The largest delivered (`None`: not even the smallest).
    pub largest: Option<usize>,
    /// The smallest tried that was not delivered.
    pub first_failed: Option<usize>,
    pub probed_up_to: usize,
    /// What bounded the probe, or why it stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Limit {
    /// Everything up to `value` arrived (`probed` was the most tried).
    pub fn reached(value: usize, probed: usize, bound: Option<&str>) -> Self {
        Self {
            largest: Some(value),
            first_failed: None,
            probed_up_to: probed,
            note: bound.map(str::to_string),
        }
    }

    pub fn found(good: usize, bad: usize, probed: usize) -> Self {
        Self {
            largest: Some(good),
            first_failed: Some(bad),
            probed_up_to: probed,
            note: None,
        }
    }

    pub fn none(probed: usize) -> Self {
        Self {
            probed_up_to: probed,
            note: Some("not even the smallest tried was delivered".into()),
            ..Self::default()
        }
    }

    pub fn failed(good: Option<usize>, probed: usize, why: String) -> Self {
        Self {
            largest: good,
            probed_up_to: probed,
            note: Some(why),
            ..Self::default()
        }
    }

    fn text(&self, unit: &str) -> String {
        let n = |v: usize| format!("{} {unit}", thousands(v as u64));
        match (self.largest, self.first_failed, &self.note) {
            (Some(v), None, Some(bound)) if v == self.probed_up_to => {
                format!("{}: {bound}, delivered", n(v))
            }
            (Some(v), None, None) => format!("{} and more (probed up to {})", n(v), n(v)),
            (Some(v), Some(bad), _) => format!("{} ({} was not delivered)", n(v), n(bad)),
            (Some(v), None, Some(why)) => format!("at least {} ({why})", n(v)),
            (None, _, Some(why)) => why.clone(),
            (None, _, None) => "not probed".into(),
        }
    }
}

/// A feature and how the probe saw it.
#[derive(Debug, serde::Serialize)]
pub struct Feature {
    pub name: &'static str,
    /// `None`: it could not be probed.
    pub supported: Option<bool>,
    pub detail: String,
}

impl Feature {
    pub fn yes(name: &'static str, detail: &str) -> Self {
        Self::new(name, Some(true), detail)
    }

    pub fn no(name: &'static str, detail: &str) -> Self {
        Self::new(name, Some(false), detail)
    }

    pub fn unknown(name: &'static str, detail: &str) -> Self {
        Self::new(name, None, detail)
    }

    fn new(name: &'static str, supported: Option<bool>, detail: &str) -> Self {
        Self {
            name,
            supported,
            detail: detail.to_string(),
        }
    }
}

/// Round trips at one QoS.
#[derive(Debug, serde::Serialize)]
pub struct QosTrip {
    pub qos: u8,
    /// The median round trip, publish to delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// The lowest QoS a probe arrived with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_qos: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl QosTrip {
    pub fn skipped(qos: QoS, why: String) -> Self {
        Self {
            qos: qos.as_u8(),
            rtt_ms: None,
            delivered_qos: None,
            note: Some(why),
        }
    }

    pub fn failed(qos: QoS, why: String) -> Self {
        Self::skipped(qos, why)
    }

    pub fn timed(qos: QoS, times: &mut [Duration], delivered: QoS, granted: Option<QoS>) -> Self {
        times.sort();
        let median = times.get(times.len() / 2).map(|d| {
            let ms = d.as_secs_f64() * 1000.0;
            (ms * 1000.0).round() / 1000.0
        });
        let note = (delivered.as_u8() < qos.as_u8()).then(|| {
            let why = match granted {
                Some(g) if g.as_u8() < qos.as_u8() => {
                    format!(" (the subscription was granted QoS {})", g.as_u8())
                }
                _ => " (downgraded by the broker)".into(),
            };
            format!("delivered as QoS {}{why}", delivered.as_u8())
        });
        Self {
            qos: qos.as_u8(),
            rtt_ms: median,
            delivered_qos: Some(delivered.as_u8()),
            note,
        }
    }
}

impl Report {
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut row = |what: &str, value: &str| {
            let _ = writeln!(out, "  {what:<26}{value}");
        };
        row("Broker", &self.broker);
        for v in &self.versions {
            row(&format!("MQTT {}", v.version), &v.text());
        }
        if let Some(info) = &self.connack {
            let _ = writeln!(out, "CONNACK (MQTT {}):", info.version.label());
            for (what, value) in info.lines() {
                let _ = writeln!(out, "  {what:<26}{value}");
            }
        }
        let _ = writeln!(out, "Probed with MQTT {}:", self.probed_with);
        let mut row = |what: &str, value: &str| {
            let _ = writeln!(out, "  {what:<26}{value}");
        };
        row("Largest payload", &self.largest_payload.text("bytes"));
        row("Longest topic", &self.topic_length.text("bytes"));
        row("Deepest topic", &self.topic_levels.text("levels"));
        for f in &self.features {
            let verdict = match f.supported {
                Some(true) => "yes",
                Some(false) => "no",
                None => "not probed",
            };
            row(f.name, &format!("{verdict}: {}", f.detail));
        }
        for q in &self.qos {
            let value = match (q.rtt_ms, &q.note) {
                (Some(ms), None) => format!("{ms:.1} ms round trip (median of 5)"),
                (Some(ms), Some(note)) => format!("{ms:.1} ms round trip, {note}"),
                (None, Some(note)) => note.clone(),
                (None, None) => String::new(),
            };
            row(&format!("QoS {}", q.qos), &value);
        }
        out
    }
}
