//! rumqttc options from validated settings: the transport (with its TLS configuration), the
//! address dialled, keep-alive limits, credentials and the last will, for MQTT 3.1.1 and 5.

use std::time::Duration;

use super::{ConnectionSettings, Transport};

/// Largest packet MQTT allows (the remaining-length field's maximum). Accepting it means a
/// large retained message never kills the connection on every reconnect.
pub const MAX_PACKET_SIZE: usize = 268_435_455;

/// Topic aliases (MQTT 5) the broker may use towards this client: a few per device
/// stream, within what rumqttc keeps.
pub const INCOMING_TOPIC_ALIASES: u16 = 256;

/// QoS 1 and 2 publishes (MQTT 5) in flight at once, at most: fewer when the broker's
/// receive maximum says so. rumqttc keeps a slot for each possible one from the start, so
/// its default (65,535) took 14 MB per connection, filled at connect.
pub const OUTGOING_INFLIGHT: u16 = 1_000;

/// Socket options for every connection: no Nagle delay. rumqttc already gathers what it
/// writes in one poll into one write, so holding small packets back only adds latency: a
/// PUBACK waited for the peer's delayed ACK (about 40 ms a QoS 1 round trip on Linux).
pub fn network_options() -> rumqttc::NetworkOptions {
    let mut n = rumqttc::NetworkOptions::new();
    n.set_tcp_nodelay(true);
    n
}

impl ConnectionSettings {
    /// rumqttc's transport for these settings (builds the TLS configuration).
    fn rumqttc_transport(&self) -> Result<rumqttc::Transport, String> {
        let tls = || {
            crate::mqtt::tls::client_config(&self.tls)
                .map(|c| rumqttc::TlsConfiguration::Rustls(std::sync::Arc::new(c)))
        };
        Ok(match self.transport {
            Transport::Tcp => rumqttc::Transport::Tcp,
            Transport::Tls => rumqttc::Transport::Tls(tls()?),
            Transport::Ws => rumqttc::Transport::Ws,
            Transport::Wss => rumqttc::Transport::Wss(tls()?),
        })
    }

    /// The address rumqttc dials: the host, or the whole URL for WebSocket.
    fn broker_addr(&self) -> String {
        if self.transport.is_websocket() {
            self.url()
        } else {
            self.host.clone()
        }
    }

    /// rumqttc panics on keep-alives it does not take (under 1 s for 3.1.1, under 5 s for
    /// 5, except 0 = off); settings that did not come through the form are raised to those.
    fn keep_alive_at_least(&self, min: Duration) -> Duration {
        if self.keep_alive.is_zero() {
            Duration::ZERO
        } else {
            self.keep_alive.max(min)
        }
    }

    /// rumqttc 3.1.1 options, or why they cannot be made (an unreadable certificate file).
    pub fn v311_options(&self) -> Result<rumqttc::MqttOptions, String> {
        let mut o = rumqttc::MqttOptions::new(&self.client_id, self.broker_addr(), self.port);
        o.set_transport(self.rumqttc_transport()?);
        o.set_keep_alive(self.keep_alive_at_least(Duration::from_secs(1)))
            .set_clean_session(self.clean_session)
            .set_max_packet_size(MAX_PACKET_SIZE, MAX_PACKET_SIZE)
            .set_inflight(100);
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        if let Some(w) = &self.will {
            o.set_last_will(rumqttc::LastWill::new(
                &w.topic,
                w.payload.clone(),
                crate::mqtt::convert::v311_qos(w.qos),
                w.retain,
            ));
        }
        Ok(o)
    }

    /// rumqttc 5 options, or why they cannot be made.
    pub fn v5_options(&self) -> Result<rumqttc::v5::MqttOptions, String> {
        let mut o = rumqttc::v5::MqttOptions::new(&self.client_id, self.broker_addr(), self.port);
        o.set_transport(self.rumqttc_transport()?);
        // rumqttc 5 asserts ≥ 5 s even for 0; "off" becomes its minimum there.
        o.set_keep_alive(self.keep_alive.max(Duration::from_secs(5)))
            .set_clean_start(self.clean_session)
            .set_session_expiry_interval(
                (self.session_expiry_s > 0).then_some(self.session_expiry_s),
            )
            .set_max_packet_size(Some(MAX_PACKET_SIZE as u32))
            .set_receive_maximum(Some(100))
            .set_outgoing_inflight_upper_limit(OUTGOING_INFLIGHT)
            // Aliases the broker may use towards us (rumqttc resolves them; the inspector
            // shows which a message came by).
            .set_topic_alias_max(Some(INCOMING_TOPIC_ALIASES))
            .set_network_options(network_options());
        if let Some(user) = &self.username {
            o.set_credentials(user, self.password.clone().unwrap_or_default());
        }
        if let Some(w) = &self.will {
            let properties = w
                .delay_s
                .map(|d| rumqttc::v5::mqttbytes::v5::LastWillProperties {
                    delay_interval: Some(d),
                    payload_format_indicator: None,
                    message_expiry_interval: None,
                    content_type: None,
                    response_topic: None,
                    correlation_data: None,
                    user_properties: Vec::new(),
                });
            o.set_last_will(rumqttc::v5::mqttbytes::v5::LastWill::new(
                &w.topic,
                w.payload.clone(),
                crate::mqtt::convert::v5_qos(w.qos),
                w.retain,
                properties,
            ));
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_is_raised_to_what_rumqttc_takes() {
        let mut s = ConnectionSettings::new("127.0.0.1", 1883);
        s.keep_alive = Duration::from_millis(200);
        assert_eq!(
            s.v311_options().unwrap().keep_alive(),
            Duration::from_secs(1)
        );
        s.keep_alive = Duration::ZERO;
        assert_eq!(
            s.v311_options().unwrap().keep_alive(),
            Duration::ZERO,
            "off"
        );
        assert_eq!(s.v5_options().unwrap().keep_alive(), Duration::from_secs(5));
    }

    #[test]
    fn the_in_flight_table_is_small() {
        let s = ConnectionSettings::new("127.0.0.1", 1883);
        let o = s.v5_options().unwrap();
        assert_eq!(
            o.get_outgoing_inflight_upper_limit(),
            Some(OUTGOING_INFLIGHT)
        );
        assert_eq!(s.v311_options().unwrap().inflight(), 100);
    }

    #[test]
    fn websocket_dials_the_whole_url() {
        let mut s = ConnectionSettings::new("::1", 9001);
        s.transport = Transport::Ws;
        let (addr, port) = s.v5_options().unwrap().broker_address();
        assert_eq!((addr.as_str(), port), ("ws://[::1]:9001/mqtt", 9001));
        s.transport = Transport::Tcp;
        s.username = Some("al@ice".into());
        let o = s.v311_options().unwrap();
        assert_eq!(o.broker_address(), ("::1".to_string(), 9001));
        assert_eq!(o.credentials().map(|l| l.username), Some("al@ice".into()));
    }
}
