//! The `mqscope` binary: the window by default; `broker`, `sub`, `pub`, `record` and `replay`
//! on the command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use mqscope::app::{App, StartOptions};
use mqscope::broker::BrokerOptions;
use mqscope::broker::options::free_port;
use mqscope::model::{QoS, SeriesSpec};
use mqscope::mqtt::settings::DEFAULT_PAYLOAD_CAP;
use mqscope::mqtt::{ConnectionForm, MqttVersion, Subscription};

#[derive(Parser, Debug)]
#[command(name = "mqscope", version, about = "A fast desktop MQTT explorer")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The broker to explore, as a URL (same as --url): `mqscope mqtts://user@host:8883`.
    #[arg(value_name = "URL")]
    broker: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Save the window to this PNG file after --screenshot-after-ms, then exit.
    #[arg(long, value_name = "PATH")]
    screenshot: Option<PathBuf>,
    /// Milliseconds to run before taking the screenshot.
    #[arg(long, value_name = "N", default_value_t = 1500)]
    screenshot_after_ms: u64,
    /// Reveal and select this topic in the tree as soon as it arrives.
    #[arg(long, value_name = "TOPIC")]
    select: Option<String>,
    /// With no broker named: start the local broker without demo devices.
    #[arg(long)]
    no_demo: bool,
    /// Open the publish panel at start.
    #[arg(long)]
    publish_panel: bool,
    /// Open windows at start: stats (broker statistics), talkers (top talkers), record
    /// (record and replay), connections. Repeatable.
    #[arg(long, value_name = "WINDOW", value_parser = ["stats", "talkers", "record", "connections"])]
    show: Vec<String>,
    /// Plot a topic's value, or a field of its JSON after a `#` (a topic name has no `#`):
    /// `--plot sensors/temp`, `--plot 'sensors/state#sensors[2].temp'`. Repeatable.
    #[arg(long, value_name = "TOPIC[#FIELD]")]
    plot: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the local test broker in the foreground (MQTT 3.1.1 and 5 on one port).
    Broker {
        #[arg(long, default_value_t = 1883)]
        port: u16,
        /// Address to listen on; anything but loopback needs credentials or --allow-anonymous.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Also serve MQTT over WebSocket on this port (path /mqtt).
        #[arg(long, value_name = "N")]
        ws_port: Option<u16>,
        #[arg(long, requires = "password_env")]
        username: Option<String>,
        /// Name of an environment variable holding the password.
        #[arg(long, value_name = "VAR", requires = "username")]
        password_env: Option<String>,
        /// Accept clients without credentials on a non-loopback address.
        #[arg(long)]
        allow_anonymous: bool,
        /// Run as the app's child: JSON events on stdout, exit when stdin closes.
        #[arg(long, hide = true)]
        events: bool,
    },
    /// Subscribe and print one JSON object per message.
    Sub {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// Topic filter to subscribe to (repeatable); default `#`.
        #[arg(short = 't', long = "topic", value_name = "FILTER")]
        topics: Vec<String>,
        /// Exit after this many messages.
        #[arg(short = 'C', long)]
        count: Option<u64>,
        /// Exit after this many milliseconds.
        #[arg(long, value_name = "N", default_value_t = 3_600_000)]
        timeout_ms: u64,
    },
    /// Record messages to a JSON Lines file (one message a line; see README), then print a
    /// one-line summary.
    Record {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// Topic filter to record (repeatable); default `#`.
        #[arg(short = 't', long = "topic", value_name = "FILTER")]
        topics: Vec<String>,
        /// The file to write (replaced if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Stop after this many messages.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Stop after this many seconds (default: run until stopped).
        #[arg(long, value_name = "N")]
        duration_s: Option<u64>,
    },
    /// Publish a recording to the broker, at the recorded pace unless told otherwise, then
    /// print a one-line summary.
    Replay {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// A file written by `record` (or the app's Record).
        file: PathBuf,
        /// Times the recorded pace: 2 is twice as fast.
        #[arg(long, default_value_t = 1.0, conflicts_with = "max_rate")]
        speed: f64,
        /// As fast as the broker takes them.
        #[arg(long)]
        max_rate: bool,
    },
    /// Publish one message and exit; non-zero with the reason if it fails.
    Pub {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[arg(short = 't', long = "topic")]
        topic: String,
        /// The payload as text.
        #[arg(
            short = 'm',
            long,
            conflicts_with = "file",
            required_unless_present = "file"
        )]
        message: Option<String>,
        /// Read the payload from this file.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        #[arg(short = 'q', long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
        qos: u8,
        /// Ask the broker to retain the message.
        #[arg(short = 'r', long)]
        retain: bool,
    },
}

#[derive(Args, Debug, Clone)]
struct ConnectionArgs {
    /// Broker host name or address (default 127.0.0.1).
    #[arg(long, global = true)]
    host: Option<String>,
    /// Broker port (default 1883).
    #[arg(long, global = true)]
    port: Option<u16>,
    /// MQTT protocol version: 3 (3.1.1) or 5.
    #[arg(long, default_value = "5", value_parser = parse_version, global = true)]
    mqtt_version: MqttVersion,
    #[arg(long, global = true)]
    username: Option<String>,
    /// Name of an environment variable holding the password (never the password itself).
    #[arg(long, value_name = "VAR", global = true)]
    password_env: Option<String>,
    /// The broker as a URL: mqtt://host:1883, mqtts://user@host:8883, ws://host:9001/mqtt,
    /// wss://host/mqtt (instead of --host and --port).
    #[arg(long, value_name = "URL", global = true, conflicts_with_all = ["host", "port"])]
    url: Option<String>,
    /// PEM file of CA certificates to trust besides the system's (TLS).
    #[arg(long, value_name = "PATH", global = true)]
    cafile: Option<String>,
    /// PEM client certificate for brokers that ask for one (TLS).
    #[arg(long, value_name = "PATH", global = true, requires = "key")]
    cert: Option<String>,
    /// PEM key of --cert (PKCS#8, PKCS#1 or SEC1; encrypted PKCS#8 with --key-passphrase-env).
    #[arg(long, value_name = "PATH", global = true, requires = "cert")]
    key: Option<String>,
    /// Name of an environment variable holding the passphrase of an encrypted --key.
    #[arg(long, value_name = "VAR", global = true, requires = "key")]
    key_passphrase_env: Option<String>,
    /// Check the server certificate against this name instead of the host (TLS), e.g. when
    /// dialling an IP address.
    #[arg(long, value_name = "NAME", global = true)]
    tls_server_name: Option<String>,
    /// Accept any server certificate (for test brokers only; the app warns while on).
    #[arg(long, global = true)]
    insecure: bool,
    /// A saved connection profile (see Connections… in the app); its password comes from
    /// --password-env.
    #[arg(long, value_name = "NAME", global = true, conflicts_with_all = ["url", "host", "port"])]
    profile: Option<String>,
}

fn parse_version(s: &str) -> Result<MqttVersion, String> {
    match s {
        "3" | "3.1.1" | "4" => Ok(MqttVersion::V311),
        "5" => Ok(MqttVersion::V5),
        _ => Err("use 3 (for 3.1.1) or 5".into()),
    }
}

impl ConnectionArgs {
    /// Whether the user named a broker at all.
    fn names_a_broker(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.url.is_some() || self.profile.is_some()
    }

    fn form(&self) -> anyhow::Result<ConnectionForm> {
        let password = match &self.password_env {
            Some(var) => std::env::var(var)
                .with_context(|| format!("environment variable {var} (for the password)"))?,
            None => String::new(),
        };
        let mut form = ConnectionForm {
            host: self.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            port: self.port.unwrap_or(1883).to_string(),
            version: self.mqtt_version,
            username: self.username.clone().unwrap_or_default(),
            password,
            ca_file: self.cafile.clone().unwrap_or_default(),
            cert_file: self.cert.clone().unwrap_or_default(),
            key_file: self.key.clone().unwrap_or_default(),
            insecure: self.insecure,
            key_passphrase: match &self.key_passphrase_env {
                Some(var) => std::env::var(var).with_context(|| {
                    format!("environment variable {var} (for the key passphrase)")
                })?,
                None => String::new(),
            },
            server_name: self.tls_server_name.clone().unwrap_or_default(),
            ..ConnectionForm::default()
        };
        if let Some(name) = &self.profile {
            let store =
                mqscope::profiles::connections::ProfileStore::open(mqscope::profiles::config_dir());
            let Some(profile) = store.find(name) else {
                let known: Vec<&str> = store.profiles().iter().map(|p| p.name.as_str()).collect();
                anyhow::bail!(
                    "no connection profile called \"{name}\" (saved: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            };
            let password = std::mem::take(&mut form.password);
            let key_passphrase = std::mem::take(&mut form.key_passphrase);
            let server_name = std::mem::take(&mut form.server_name);
            form = ConnectionForm {
                password,
                key_passphrase,
                ..profile.form.clone()
            };
            if !server_name.is_empty() {
                form.server_name = server_name;
            }
            if form.password.is_empty() && form.remember_password {
                let keychain =
                    mqscope::profiles::secrets::Keychain::new(mqscope::profiles::secrets::SERVICE);
                match keychain.recall(name) {
                    Ok(Some(password)) => form.password = password,
                    Ok(None) => eprintln!("mqscope: no password of \"{name}\" in the keychain"),
                    Err(e) => eprintln!("mqscope: {e}"),
                }
            }
            if let Some(user) = &self.username {
                form.username = user.clone();
            }
        }
        if let Some(url) = &self.url {
            form.apply_url(url)
                .map_err(|e| anyhow::anyhow!("--url {url}: {e}"))?;
            if let Some(user) = &self.username {
                form.username = user.clone();
            }
        }
        Ok(form)
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: the app shows the broker child's log as text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,mqscope=info".into()),
        )
        .init();
    mqscope::install_crypto_provider();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mqscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(url) = cli.broker.take() {
        if cli.connection.url.is_some() || cli.connection.names_a_broker() {
            anyhow::bail!("name the broker once: a URL, or --url, or --host/--port");
        }
        cli.connection.url = Some(url);
    }
    match cli.command {
        None => {
            // No broker named: start the local one on a free port, with demo devices, so
            // the tree is live at once.
            let local = !cli.connection.names_a_broker();
            let keep_files = cli.screenshot.is_none();
            let local_broker = local.then(|| {
                let port = free_port("127.0.0.1", 1883).unwrap_or(1883);
                BrokerOptions {
                    port,
                    ..BrokerOptions::default()
                }
            });
            let options = StartOptions {
                broker_program: None,
                form: cli.connection.form()?,
                local_broker,
                demo: local && !cli.no_demo,
                connect: !local,
                screenshot: cli.screenshot,
                screenshot_after: Duration::from_millis(cli.screenshot_after_ms),
                select: cli.select,
                publish_panel: cli.publish_panel,
                show: cli.show,
                keychain_service: keep_files
                    .then(|| mqscope::profiles::secrets::SERVICE.to_string()),
                plots: cli
                    .plot
                    .iter()
                    .map(|p| match p.split_once('#') {
                        Some((topic, field)) => SeriesSpec {
                            topic: topic.into(),
                            path: field.into(),
                            // Sparkplug B topics are decoded, as the inspector does.
                            decoder: mqscope::model::decode::is_sparkplug_topic(topic)
                                .then_some(mqscope::model::decode::Decoder::SparkplugB),
                        },
                        None => SeriesSpec {
                            topic: p.clone(),
                            path: String::new(),
                            decoder: None,
                        },
                    })
                    .collect(),
                // A screenshot run neither reads nor writes the user's files.
                data_dir: keep_files.then(mqscope::profiles::data_dir).flatten(),
                config_dir: keep_files.then(mqscope::profiles::config_dir).flatten(),
                problems: keep_files
                    .then(|| eframe::storage_dir("mqscope"))
                    .flatten()
                    .and_then(|dir| mqscope::app::check_settings_file(&dir.join("app.ron")))
                    .into_iter()
                    .collect(),
            };
            run_gui(options)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Broker {
            port,
            bind,
            ws_port,
            username,
            password_env,
            allow_anonymous,
            events,
        }) => {
            let password = match &password_env {
                Some(var) => Some(std::env::var(var).with_context(|| {
                    format!("environment variable {var} (for the broker password)")
                })?),
                None => None,
            };
            let options = BrokerOptions {
                port,
                bind,
                ws_port,
                username,
                password,
                allow_anonymous,
            };
            if events {
                mqscope::broker::child::exit_with_parent()?;
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("broker")
                .enable_all()
                .build()?;
            match runtime.block_on(mqscope::broker::server::serve(options, events)) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("mqscope broker: {e}");
                    Ok(ExitCode::from(e.exit_code()))
                }
            }
        }
        Some(Command::Sub {
            connection,
            topics,
            count,
            timeout_ms,
        }) => {
            let mut settings = connection.form()?.to_settings(usize::MAX)?;
            settings.subscriptions = subscriptions(topics, QoS::AtMostOnce)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let summary =
                mqscope::cli::run_sub(settings, count, Duration::from_millis(timeout_ms), &mut out)
                    .map_err(anyhow::Error::msg)?;
            if summary.dropped > 0 {
                eprintln!(
                    "mqscope: {} messages dropped (output too slow)",
                    summary.dropped
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Record {
            connection,
            topics,
            out,
            count,
            duration_s,
        }) => {
            let mut settings = connection.form()?.to_settings(usize::MAX)?;
            // QoS 2 subscriptions: the broker delivers each message at the QoS it was
            // published with, so the recording keeps it.
            settings.subscriptions = subscriptions(topics, QoS::ExactlyOnce)?;
            let file = std::fs::File::create(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            let started = std::time::Instant::now();
            let timeout = Duration::from_secs(duration_s.unwrap_or(u64::MAX / 4));
            let summary = mqscope::cli::run_record(settings, count, timeout, &mut writer)
                .map_err(anyhow::Error::msg)?;
            println!(
                "recorded {} to {}{}",
                mqscope::model::recording::summary(
                    summary.messages,
                    summary.bytes,
                    started.elapsed().as_secs_f64()
                ),
                out.display(),
                if summary.dropped > 0 {
                    format!(" ({} dropped: the disk was too slow)", summary.dropped)
                } else {
                    String::new()
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay {
            connection,
            file,
            speed,
            max_rate,
        }) => {
            let speed_ok = speed.is_finite() && speed > 0.0;
            if !max_rate && !speed_ok {
                anyhow::bail!("--speed {speed}: give a number above 0 (or --max-rate)");
            }
            let settings = connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
            let done = mqscope::cli::run_replay(
                settings,
                &file,
                (!max_rate).then_some(speed),
                Duration::from_secs(10),
            )
            .map_err(anyhow::Error::msg)?;
            println!(
                "replayed {}{}{}",
                mqscope::model::recording::summary(done.sent, done.bytes, done.seconds),
                match done.system_skipped {
                    0 => String::new(),
                    n => format!(" ({n} messages of $ topics left out)"),
                },
                match (&done.first_problem, done.skipped) {
                    (Some(p), n) => format!(" ({n} unreadable lines skipped; {p})"),
                    _ => String::new(),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Pub {
            connection,
            topic,
            message,
            file,
            qos,
            retain,
        }) => {
            let settings = connection.form()?.to_settings(DEFAULT_PAYLOAD_CAP)?;
            if topic.is_empty() || topic.contains(['+', '#']) {
                anyhow::bail!("-t {topic:?}: a topic to publish to is not empty and has no + or #");
            }
            let payload = match (message, file) {
                (Some(m), _) => m.into_bytes(),
                (None, Some(path)) => {
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?
                }
                (None, None) => Vec::new(),
            };
            let qos = QoS::from_u8(qos).unwrap_or(QoS::AtMostOnce);
            let outcome = mqscope::cli::run_pub(
                settings,
                &topic,
                payload,
                qos,
                retain,
                Duration::from_secs(10),
            )
            .map_err(anyhow::Error::msg)?;
            tracing::debug!("published: {outcome}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `-t` filters (default `#`) as subscriptions at `qos`, each checked.
fn subscriptions(topics: Vec<String>, qos: QoS) -> anyhow::Result<Vec<Subscription>> {
    let topics = if topics.is_empty() {
        vec!["#".to_string()]
    } else {
        topics
    };
    topics
        .into_iter()
        .map(|filter| {
            mqscope::model::topic_path::validate_filter(&filter)
                .map_err(|m| anyhow::anyhow!("-t {filter}: {m}"))?;
            Ok(Subscription { filter, qos })
        })
        .collect()
}

fn run_gui(options: StartOptions) -> anyhow::Result<()> {
    let title = match &options.local_broker {
        Some(b) => format!("mqscope — local broker 127.0.0.1:{}", b.port),
        None => format!("mqscope — {}:{}", options.form.host, options.form.port),
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id("mqscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0]),
        // A screenshot run must not take or leave the user's saved window state: it keeps
        // its state in a fresh temporary folder.
        persist_window: options.screenshot.is_none(),
        persistence_path: options.screenshot.as_ref().map(|_| {
            std::env::temp_dir().join(format!("mqscope-screenshot-{}", std::process::id()))
        }),
        ..Default::default()
    };
    eframe::run_native(
        "mqscope",
        native,
        Box::new(|cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))
}
