//! The in-process broker behind `mqscope broker`: rmqtt with in-memory retained messages,
//! shared subscriptions, `$SYS` statistics, optional WebSocket listener and credentials.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rmqtt::context::ServerContext;
use rmqtt::hook::{Handler, HookResult, Parameter, ReturnType, Type};
use rmqtt::net::Builder;
use rmqtt::server::MqttServer;
use rmqtt::types::AuthResult;

use super::child::{ChildEvent, emit};
use super::options::BrokerOptions;

/// Messages a session may queue while its client is slow or offline. rmqtt's default of
/// 1,000 loses retained messages when a new `#` subscriber receives a large retained set.
const MAX_QUEUE: usize = 1_000_000;
/// Largest packet accepted: MQTT's own maximum.
const MAX_PACKET: u32 = 268_435_455;

/// Why the broker could not run.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// Exit code 2: the port is taken.
    #[error("port {port} is in use by another program; try --port {suggestion}")]
    PortInUse { port: u16, suggestion: u16 },
    #[error("{0}")]
    Options(String),
    #[error("the broker failed: {0}")]
    Server(String),
}

impl BrokerError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::PortInUse { .. } => 2,
            Self::Options(_) => 2,
            Self::Server(_) => 1,
        }
    }
}

/// Whether a listener could bind `ip:port` the way the broker does (SO_REUSEADDR, so
/// connections still in TIME_WAIT from a broker just stopped do not count as "in use").
fn can_bind(ip: IpAddr, port: u16) -> bool {
    let socket = match ip {
        IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    };
    socket
        .and_then(|s| {
            s.set_reuseaddr(true)?;
            s.bind(SocketAddr::new(ip, port))?;
            s.listen(1)
        })
        .is_ok()
}

fn check_port(ip: IpAddr, port: u16) -> Result<(), BrokerError> {
    if can_bind(ip, port) {
        return Ok(());
    }
    let suggestion = (port.saturating_add(1)..=u16::MAX)
        .take(100)
        .find(|&p| can_bind(ip, p))
        .unwrap_or(0);
    Err(BrokerError::PortInUse { port, suggestion })
}

/// Reports connecting and leaving clients (log lines, and events for the app).
struct ClientEvents {
    events: bool,
}

#[async_trait::async_trait]
impl Handler for ClientEvents {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        match param {
            Parameter::ClientConnected(session) => {
                let id = session.id.client_id.to_string();
                let addr = session
                    .id
                    .remote_addr
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                tracing::info!("client connected: {id} from {addr}");
                if self.events {
                    emit(&ChildEvent::ClientConnected { id, addr });
                }
            }
            Parameter::ClientDisconnected(session, reason) => {
                let id = session.id.client_id.to_string();
                tracing::info!("client disconnected: {id} ({reason})");
                if self.events {
                    emit(&ChildEvent::ClientDisconnected { id });
                }
            }
            _ => {}
        }
        (true, acc)
    }
}

/// Counts messages in and out in the broker's metrics, which its `$SYS/…/metrics` topic
/// publishes (rmqtt itself leaves these counters at 0), so the app's broker statistics show
/// message rates for the local broker too; gives each delivered message properties, so a
/// topic alias can go with it.
struct MessageCounter {
    scx: ServerContext,
}

#[async_trait::async_trait]
impl Handler for MessageCounter {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        match param {
            Parameter::MessagePublish(..) => self.scx.metrics.messages_publish_inc(),
            Parameter::MessageDelivered(session, _, publish)
                if session.fitter.max_server_topic_aliases() > 0 =>
            {
                self.scx.metrics.messages_delivered_inc();
                // rmqtt 0.24 puts a topic alias only into properties that exist: without
                // any (a 3.1.1 publisher's message) it would empty the topic and send no
                // alias, a packet no client can read. Empty properties take the alias.
                let mut publish = match acc {
                    Some(HookResult::Publish(p)) => p,
                    Some(other) => return (true, Some(other)),
                    None if publish.properties.is_some() => return (true, None),
                    None => (*publish).clone(),
                };
                publish.properties.get_or_insert_with(Default::default);
                return (true, Some(HookResult::Publish(publish)));
            }
            Parameter::MessageDelivered(..) => self.scx.metrics.messages_delivered_inc(),
            _ => {}
        }
        (true, acc)
    }
}

/// Checks the one configured user name and password.
struct Credentials {
    username: String,
    password: String,
}

#[async_trait::async_trait]
impl Handler for Credentials {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        let Parameter::ClientAuthenticate(info) = param else {
            return (true, acc);
        };
        let user_ok = info
            .username()
            .is_some_and(|u| &**u == self.username.as_str());
        let pass_ok = info
            .password()
            .is_some_and(|p| p.as_ref() == self.password.as_bytes());
        let result = if user_ok && pass_ok {
            AuthResult::Allow(false, None)
        } else {
            tracing::info!(
                "refused {:?}: bad user name or password",
                info.id().client_id
            );
            AuthResult::BadUsernameOrPassword
        };
        (false, Some(HookResult::AuthResult(result)))
    }
}

/// Topic aliases a client may use, and the broker towards a client that takes them.
const TOPIC_ALIASES: u16 = 10;

fn listener(name: &str, addr: SocketAddr, anonymous: bool) -> Builder {
    Builder::new()
        .name(name)
        .laddr(addr)
        .allow_anonymous(anonymous)
        .max_packet_size(MAX_PACKET)
        .max_mqueue_len(MAX_QUEUE)
        .max_inflight(std::num::NonZeroU16::MAX)
        // MQTT 5 topic aliases both ways, as many as Mosquitto's default.
        .max_topic_aliases(TOPIC_ALIASES)
        // No expiry added to messages that carry none (rmqtt's default adds 300 s).
        .message_expiry_interval(Duration::ZERO)
        .max_session_expiry_interval(Duration::ZERO)
        // No Nagle delay: with it a QoS 1 round trip waits for the peer's delayed ACK
        // (44.6 ms instead of 0.3 ms, measured by `mqscope check`), although it lets more
        // through on a fan-out flood (0.69x Mosquitto instead of 0.54x).
        .nodelay(true)
        // Rebind at once after a stop, even with connections in TIME_WAIT.
        .reuseaddr(Some(true))
}

/// Runs the broker until the process is told to stop. `events` prints JSON events on
/// stdout for the app that started us.
pub async fn serve(options: BrokerOptions, events: bool) -> Result<(), BrokerError> {
    for warning in options.validate().map_err(BrokerError::Options)? {
        tracing::warn!("{warning}");
    }
    let ip: IpAddr = options
        .bind
        .parse()
        .map_err(|_| BrokerError::Options("bad address".into()))?;
    check_port(ip, options.port)?;
    if let Some(ws) = options.ws_port {
        check_port(ip, ws)?;
    }
    let anonymous = options.username.is_none();

    let scx = ServerContext::new()
        .plugins_config_map_add(
            "rmqtt-retainer",
            // Retained messages in memory, as large as any message, no count limit, kept
            // until replaced or cleared (a TTL of 0 means none).
            "max_retained_messages = 0\nmax_payload_size = \"256MB\"\nretained_message_ttl = \"0s\"\n[storage]\ntype = \"ram\"\n",
        )
        .plugins_config_map_add("rmqtt-sys-topic", "publish_interval = \"5s\"\n")
        .plugins_config_map_add("rmqtt-shared-subscription", "strategy = \"round_robin\"\n")
        .build()
        .await;
    let failed = |what: &str, e: anyhow::Error| BrokerError::Server(format!("{what}: {e}"));
    rmqtt_retainer::register(&scx, true, false)
        .await
        .map_err(|e| failed("retained messages", e))?;
    rmqtt_shared_subscription::register(&scx, true, false)
        .await
        .map_err(|e| failed("shared subscriptions", e))?;
    rmqtt_sys_topic::register(&scx, true, false)
        .await
        .map_err(|e| failed("$SYS topics", e))?;

    let register = scx.extends.hook_mgr().register();
    let client_events = ClientEvents { events };
    register
        .add(Type::ClientConnected, Box::new(ClientEvents { events }))
        .await;
    register
        .add(Type::ClientDisconnected, Box::new(client_events))
        .await;
    for typ in [Type::MessagePublish, Type::MessageDelivered] {
        let counter = MessageCounter { scx: scx.clone() };
        register.add(typ, Box::new(counter)).await;
    }
    if let (Some(username), Some(password)) = (&options.username, &options.password) {
        let creds = Credentials {
            username: username.clone(),
            password: password.clone(),
        };
        register
            .add(Type::ClientAuthenticate, Box::new(creds))
            .await;
    }
    register.start().await;

    let addr = SocketAddr::new(ip, options.port);
    let mut server = MqttServer::new(scx.clone()).listener(
        listener("tcp", addr, anonymous)
            .bind()
            .and_then(|l| l.tcp())
            .map_err(|e| failed(&format!("listening on {addr}"), e))?,
    );
    let ws_addr = options.ws_port.map(|p| SocketAddr::new(ip, p));
    if let Some(ws) = ws_addr {
        server = server.listener(
            listener("ws", ws, anonymous)
                .bind()
                .and_then(|l| l.ws())
                .map_err(|e| failed(&format!("listening on {ws}"), e))?,
        );
    }
    tracing::info!(
        "MQTT 3.1.1 and 5 broker listening on {addr}{}",
        ws_addr
            .map(|w| format!(", WebSocket on ws://{w}/mqtt"))
            .unwrap_or_default()
    );
    if events {
        emit(&ChildEvent::Listening {
            addr: addr.to_string(),
            ws_addr: ws_addr.map(|w| w.to_string()),
        });
    }
    let run = server.build().run();
    tokio::select! {
        result = run => result.map_err(|e| failed("serving", e)),
        () = shutdown_signal() => {
            tracing::info!("stopping");
            Ok(())
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
