//! Demo devices: simulated sensors that publish numbers, JSON, a retained config, binary
//! and packed payloads (with decoder rules for them), a camera snapshot and a
//! `/`-prefixed topic a few times a second, so a new user sees a live tree.
//! An app feature: one set for the whole app, owned beside the local broker it feeds, on a
//! "demo" thread of its own, stopped when the broker stops.

use std::time::Duration;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};

use crate::mqtt::ConnectionSettings;

/// Every topic the demo publishes starts with this (or `/demo` for the slash example).
pub const PREFIX: &str = "demo/";

/// Topics plotted on a first run, so the chart is live at once.
pub const PLOTTED: &[&str] = &[
    "demo/greenhouse/1/temperature",
    "demo/greenhouse/2/temperature",
];

/// Time between two rounds of readings.
const PERIOD: Duration = Duration::from_millis(250);

/// One round of readings at step `n`: `(topic, payload, retain)`.
pub fn readings(n: u64) -> Vec<(String, Vec<u8>, bool)> {
    let t = n as f64 * PERIOD.as_secs_f64();
    let mut out = Vec::new();
    for house in 1..=2u32 {
        let phase = f64::from(house) * 1.7;
        let temp = 21.0 + 2.5 * (t / 20.0 + phase).sin() + 0.2 * (t * 1.3).sin();
        let humidity = 55.0 + 10.0 * (t / 30.0 + phase).cos();
        let soil = 0.35 + 0.05 * (t / 45.0 + phase).sin();
        let base = format!("{PREFIX}greenhouse/{house}");
        out.push((
            format!("{base}/temperature"),
            format!("{temp:.2}").into_bytes(),
            false,
        ));
        out.push((
            format!("{base}/humidity"),
            format!("{humidity:.1} %").into_bytes(),
            false,
        ));
        let state = serde_json::json!({
            "temperature": (temp * 100.0).round() / 100.0,
            "humidity": (humidity * 10.0).round() / 10.0,
            "soil": { "moisture": (soil * 1000.0).round() / 1000.0, "ph": 6.4 },
            "fans": [{ "rpm": 900 + (n % 40) * 5 }, { "rpm": 1200 }],
            "window_open": temp > 22.5,
        });
        out.push((
            format!("{base}/state"),
            state.to_string().into_bytes(),
            false,
        ));
    }
    if n.is_multiple_of(4) {
        let watts = 400.0 + 150.0 * (t / 10.0).sin();
        out.push((
            format!("{PREFIX}energy/meter/power"),
            format!("{watts:.0}").into_bytes(),
            false,
        ));
        // A binary frame, as a Modbus gateway might send it.
        let mut frame = vec![0x01, 0x03, 0x04];
        frame.extend_from_slice(&(watts as u32).to_be_bytes());
        out.push((format!("{PREFIX}energy/meter/raw"), frame, false));
        // A vibration sensor's packed samples (little-endian f32), and a tracker that sends
        // gzip'd JSON wrapped in base64: the demo's decoder rules read them.
        let samples: Vec<u8> = (0..8)
            .flat_map(|i| {
                let a = (t * 7.0 + f64::from(i) * 0.8).sin() * (1.0 + 0.3 * (t / 15.0).sin());
                (a as f32).to_le_bytes()
            })
            .collect();
        out.push((format!("{PREFIX}pump/vibration"), samples, false));
        let fix = serde_json::json!({
            "lat": 52.52 + 0.001 * (t / 60.0).sin(),
            "lon": 13.40 + 0.001 * (t / 60.0).cos(),
            "speed_kmh": (50.0 + 20.0 * (t / 25.0).sin()).round(),
        });
        out.push((
            format!("{PREFIX}fleet/truck-7/telemetry"),
            gzip_base64(fix.to_string().as_bytes()),
            false,
        ));
        if n.is_multiple_of(8) {
            out.push((format!("{PREFIX}camera/door/snapshot"), snapshot(n), false));
        }
        // A warehouse in Osaka and a workshop in Shenzhen name their devices in their own
        // languages, as many do.
        let cold = 4.0 + 1.5 * (t / 40.0).sin();
        out.push((
            format!("{PREFIX}倉庫/冷蔵室/温度"),
            format!("{cold:.1}").into_bytes(),
            false,
        ));
        let line = serde_json::json!({ "状态": "运行", "产量": 120 + n % 7, "温度": 36.5 });
        out.push((
            format!("{PREFIX}车间/二号线"),
            line.to_string().into_bytes(),
            false,
        ));
        out.push((
            "/demo/legacy/heartbeat".into(),
            n.to_string().into_bytes(),
            false,
        ));
    }
    out
}

/// The decoder rules that read the demo's packed and wrapped payloads.
pub fn decoder_rules() -> Vec<crate::model::decode::rules::DecoderRule> {
    use crate::model::decode::rules::DecoderRule;
    vec![
        DecoderRule::new(format!("{PREFIX}pump/vibration"), "binary:f32le[]"),
        DecoderRule::new(format!("{PREFIX}fleet/#"), "base64+gzip+json"),
    ]
}

/// A door camera's small PNG snapshot: a sky, a floor and a bar that moves with `n`.
fn snapshot(n: u64) -> Vec<u8> {
    let bar = (n / 8 % 12) as u32 * 8;
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        if x >= bar && x < bar + 6 && y > 18 {
            image::Rgb([220, 120, 40])
        } else if y < 40 {
            image::Rgb([70 + (y * 2) as u8, 120 + y as u8, 200])
        } else {
            image::Rgb([90, 80, 70])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// `bytes` gzip'd, then as base64 text.
fn gzip_base64(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zipped = gz
        .write_all(bytes)
        .and_then(|()| gz.finish())
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .encode(zipped)
        .into_bytes()
}

/// The retained configuration published once at start.
pub fn retained_config() -> Vec<(String, Vec<u8>, bool)> {
    (1..=2)
        .map(|house| {
            let config = serde_json::json!({
                "name": format!("Greenhouse {house}"),
                "unit": "°C",
                "interval_ms": PERIOD.as_millis() as u64,
                "demo": true,
            });
            (
                format!("{PREFIX}greenhouse/{house}/config"),
                config.to_string().into_bytes(),
                true,
            )
        })
        .collect()
}

/// The running demo devices, if any. Dropping it stops them.
#[derive(Default)]
pub struct Demo {
    /// Dropped to stop the devices: their thread ends when this closes.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Where they publish ("host:port").
    target: Option<String>,
}

impl Demo {
    /// Starts the devices publishing to the broker in `settings` (stopping any running).
    pub fn start(&mut self, settings: ConnectionSettings) -> std::io::Result<()> {
        self.stop();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let target = settings.address();
        crate::runtime::spawn_runtime_thread("demo", async move {
            tokio::select! {
                () = run(settings) => {}
                _ = stopped => {}
            }
        })?;
        self.stop = Some(stop);
        self.target = Some(target);
        Ok(())
    }

    /// Stops the devices, if they run.
    pub fn stop(&mut self) {
        self.stop = None;
        self.target = None;
    }

    /// The broker the devices publish to, while they run.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    pub fn is_running(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| !s.is_closed())
    }
}

/// Publishes demo readings to the broker in `settings` until the task is dropped.
async fn run(settings: ConnectionSettings) {
    let mut options = MqttOptions::new(
        format!("mqscope-demo-{}", fastrand::u32(..)),
        settings.host.clone(),
        settings.port,
    );
    options.set_keep_alive(Duration::from_secs(30));
    if let Some(user) = &settings.username {
        options.set_credentials(user, settings.password.clone().unwrap_or_default());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 256);
    let publisher = async {
        let mut n = 0u64;
        let mut ticker = tokio::time::interval(PERIOD);
        let mut sent_config = false;
        loop {
            ticker.tick().await;
            if !sent_config {
                for (topic, payload, retain) in retained_config() {
                    let _ = client.try_publish(topic, QoS::AtLeastOnce, retain, payload);
                }
                sent_config = true;
            }
            for (topic, payload, retain) in readings(n) {
                // Never wait: if the broker is slow, a reading is skipped.
                let _ = client.try_publish(topic, QoS::AtMostOnce, retain, payload);
            }
            n += 1;
        }
    };
    let poller = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(_) | Event::Outgoing(_)) => {}
                Err(e) => {
                    tracing::debug!("demo devices: {e}; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    };
    tokio::join!(publisher, poller);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_cover_numbers_json_binary_and_odd_topics() {
        let round = readings(0);
        let find = |t: &str| round.iter().find(|(topic, ..)| topic == t);
        let (_, temp, _) = find("demo/greenhouse/1/temperature").unwrap();
        assert!(std::str::from_utf8(temp).unwrap().parse::<f64>().is_ok());
        let (_, state, _) = find("demo/greenhouse/2/state").unwrap();
        let json: serde_json::Value = serde_json::from_slice(state).unwrap();
        assert!(json["soil"]["moisture"].is_number());
        let (_, raw, _) = find("demo/energy/meter/raw").unwrap();
        assert_eq!(raw[..3], [0x01, 0x03, 0x04]);
        assert_eq!(raw.len(), 7);
        assert!(find("/demo/legacy/heartbeat").is_some());
        assert!(find("demo/倉庫/冷蔵室/温度").is_some());
        assert!(find("demo/车间/二号线").is_some());
        // The demo's rules read its packed and wrapped payloads.
        let rules =
            crate::model::decode::rules::DecoderRules::loaded(&decoder_rules(), &[]).unwrap();
        let (topic, samples, _) = find("demo/pump/vibration").unwrap();
        let d = rules.decode(topic, samples).unwrap().value().unwrap();
        assert_eq!(d.as_array().map(Vec::len), Some(8));
        let (topic, fix, _) = find("demo/fleet/truck-7/telemetry").unwrap();
        let d = rules.decode(topic, fix).unwrap().value().unwrap();
        assert!(d["speed_kmh"].is_number(), "{d}");
        let (_, png, _) = find("demo/camera/door/snapshot").unwrap();
        assert!(crate::ui::payload_image::decode_image(png).is_ok());
        assert!(
            retained_config()
                .iter()
                .all(|(t, _, r)| *r && t.ends_with("/config"))
        );
    }
}
