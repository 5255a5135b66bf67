//! The command line as clap types: the window's options, the subcommands, and the
//! connection options that every subcommand shares. Parsing only; what each subcommand
//! does is in its own file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::mqtt::MqttVersion;

#[derive(Parser, Debug)]
#[command(name = "mqscope", version, about = "A fast desktop MQTT explorer")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The broker to explore, as a URL (same as --url): `mqscope mqtts://user@host:8883`.
    #[arg(value_name = "URL")]
    pub broker: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Save the window to this PNG file after --screenshot-after-ms, then exit.
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,
    /// Milliseconds to run before taking the screenshot.
    #[arg(long, value_name = "N", default_value_t = 1500)]
    pub screenshot_after_ms: u64,
    /// Run this many seconds, then print how many frames were drawn and exit (for the
    /// window benchmarks).
    #[arg(long, value_name = "N")]
    pub exit_after_s: Option<f64>,
    /// Reveal and select this topic in the tree as soon as it arrives.
    #[arg(long, value_name = "TOPIC")]
    pub select: Option<String>,
    /// With no broker named: start the local broker without demo devices.
    #[arg(long)]
    pub no_demo: bool,
    /// Open the publish panel at start.
    #[arg(long)]
    pub publish_panel: bool,
    /// Open windows at start: stats (broker statistics), talkers (top talkers), record
    /// (record and replay), connections, decoders, search (the history on disk), palette (the
    /// command palette), shortcuts.
    /// Repeatable.
    #[arg(long, value_name = "WINDOW", value_parser = ["stats", "talkers", "record", "connections", "decoders", "search", "palette", "shortcuts"])]
    pub show: Vec<String>,
    /// Keep this connection's messages on disk (History on disk), whatever Limits says.
    #[arg(long)]
    pub keep_history: bool,
    /// Plot a topic's value, or a field of its JSON after a `#` (a topic name has no `#`):
    /// `--plot sensors/temp`, `--plot 'sensors/state#sensors[2].temp'`. Repeatable.
    #[arg(long, value_name = "TOPIC[#FIELD]")]
    pub plot: Vec<String>,
    /// A decoder rule for this connection (repeatable, the first match wins), as for
    /// `sub --decode`: `--decode 'plant/#=base64+gzip+json'`.
    #[arg(long = "decode", value_name = "FILTER=DECODER")]
    pub decode: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the local test broker in the foreground (MQTT 3.1.1 and 5 on one port).
    Broker(BrokerArgs),
    /// Subscribe and print one JSON object per message.
    Sub(SubArgs),
    /// Record messages to a JSON Lines file (one message a line; see README), then print a
    /// one-line summary.
    Record(RecordArgs),
    /// Publish a recording to the broker, at the recorded pace unless told otherwise, then
    /// print a one-line summary.
    Replay(ReplayArgs),
    /// Publish one message and exit; non-zero with the reason if it fails.
    Pub(PubArgs),
    /// MQTT 5 request/response (like mosquitto_rr): publish with a response topic and
    /// correlation data, print the matching reply as one JSON line with `rtt_ms`.
    Request(RequestArgs),
    /// Probe a broker and print what it supports: MQTT versions, its CONNACK, the largest
    /// payload and topic, retained messages, wills, wildcards, shared subscriptions,
    /// subscription identifiers, $SYS, and QoS 0/1/2 round trips.
    Check(CheckArgs),
    /// The message history kept on disk: search, stats, export, prune (while the app runs,
    /// too).
    History(super::history::HistoryArgs),
    /// Load a broker from many connections: `pub` at a rate, `sub` counting and timing
    /// what arrives, `conn` opening connections; non-zero when a connection fails.
    Bench(BenchArgs),
    /// Print a shell completion script: `mqscope completions bash > ~/.local/share/bash-completion/completions/mqscope`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `mqscope man | man -l -`.
    Man,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

// The argument structs below carry no doc comments of their own: clap would take one as
// the subcommand's about text. The variants above say what each subcommand does.

#[derive(Args, Debug)]
pub struct BrokerArgs {
    #[arg(long, default_value_t = 1883)]
    pub port: u16,
    /// Address to listen on; anything but loopback needs credentials or --allow-anonymous.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Also serve MQTT over WebSocket on this port (path /mqtt).
    #[arg(long, value_name = "N")]
    pub ws_port: Option<u16>,
    #[arg(long, requires = "password_env")]
    pub username: Option<String>,
    /// Name of an environment variable holding the password.
    #[arg(long, value_name = "VAR", requires = "username")]
    pub password_env: Option<String>,
    /// Accept clients without credentials on a non-loopback address.
    #[arg(long)]
    pub allow_anonymous: bool,
    /// Run as the app's child: JSON events on stdout, exit when stdin closes.
    #[arg(long, hide = true)]
    pub events: bool,
}

#[derive(Args, Debug)]
pub struct SubArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Topic filter to subscribe to (repeatable); default `#`.
    #[arg(short = 't', long = "topic", value_name = "FILTER")]
    pub topics: Vec<String>,
    /// Exit after this many messages.
    #[arg(short = 'C', long)]
    pub count: Option<u64>,
    /// Exit after this many milliseconds.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3_600_000,
        conflicts_with = "timeout_s"
    )]
    pub timeout_ms: u64,
    /// Exit after this many seconds (as mosquitto_sub's -W).
    #[arg(short = 'W', long, value_name = "N")]
    pub timeout_s: Option<u64>,
    /// The client id (default: mqscope- and eight random letters).
    #[arg(short = 'i', long, value_name = "ID")]
    pub client_id: Option<String>,
    /// QoS of the subscriptions.
    #[arg(short = 'q', long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// A persistent session: the broker keeps the subscriptions and queues QoS 1/2 messages
    /// while disconnected (needs -i).
    #[arg(short = 'c', long, requires = "client_id")]
    pub no_clean: bool,
    /// MQTT 5: how long the broker keeps the session after a disconnect (default with -c:
    /// for ever; without: 0).
    #[arg(long, value_name = "N")]
    pub session_expiry_s: Option<u32>,
    /// MQTT 5: messages this client publishes are not sent back to it.
    #[arg(long)]
    pub no_local: bool,
    /// MQTT 5: live messages keep their retain flag (otherwise only the retained messages
    /// sent on subscribing have it set, as with mosquitto_sub).
    #[arg(long)]
    pub retain_as_published: bool,
    /// MQTT 5: when the broker sends retained messages: 0 on every subscribe, 1 only for a
    /// new subscription, 2 never.
    #[arg(long, value_name = "0|1|2", value_parser = clap::value_parser!(u8).range(0..=2))]
    pub retain_handling: Option<u8>,
    /// MQTT 5: each -t its own SUBSCRIBE with identifier 1, 2, … in order; each line says
    /// `"subscription_identifiers": [..]`.
    #[arg(long)]
    pub subscription_ids: bool,
    /// Leave out stale retained messages (those the broker keeps, sent on subscribing).
    #[arg(short = 'R', long)]
    pub no_retained: bool,
    /// Print each message as FORMAT instead of JSON, with mosquitto_sub's codes: %t topic,
    /// %p payload, %x hex payload, %l length, %q QoS, %r retain, %I ISO time, %U Unix time,
    /// %j the JSON line, %S subscription ids, %C content type, %R response topic, %P user
    /// properties, %% a percent sign; \n \t escapes.
    #[arg(short = 'F', long, value_name = "FORMAT", conflicts_with = "verbose")]
    pub format: Option<String>,
    /// Print each message as its topic, a space and its payload.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// No newline after each message.
    #[arg(short = 'N', long)]
    pub no_newline: bool,
    /// Decode the payloads of topics matching FILTER (repeatable; the first match wins),
    /// adding `"decoded": VALUE` or `"decode_error": "why"` to each line. DECODER: json,
    /// text, xml, msgpack, cbor, sparkplug or binary:TYPE (i8…i64, u8…u64, f32, f64 with le or
    /// be, [] for an array), after pre-steps base64, hex, gzip, zlib, deflate, zstd joined with
    /// `+`: `--decode 'plant/#=base64+gzip+json'`, `--decode 'raw/+=binary:f32le[]'`
    #[arg(long = "decode", value_name = "FILTER=DECODER")]
    pub decode: Vec<String>,
    /// A decoder rules file, as the app's Decoders window exports it (a JSON list of
    /// `{"filter": …, "decoder": …}`); its rules come after those of --decode.
    #[arg(long = "decoders", value_name = "FILE")]
    pub decoders: Option<std::path::PathBuf>,
    /// Where `import`s of `.proto` files are looked for (repeatable), besides each file's
    /// own folder.
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_path: Vec<std::path::PathBuf>,
    /// Also write what arrives into the broker's history on disk, where the app and
    /// `mqscope history` read it.
    #[arg(long)]
    pub store: bool,
    /// Where the history files are (default: the platform data folder's `history`).
    #[arg(long, value_name = "DIR")]
    pub history_dir: Option<std::path::PathBuf>,
    /// The disk the history may use, in MiB (the oldest go first; each topic's latest stays).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub history_budget_mb: u64,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Topic filter to record (repeatable); default `#`.
    #[arg(short = 't', long = "topic", value_name = "FILTER")]
    pub topics: Vec<String>,
    /// The file to write (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop after this many seconds (default: run until stopped).
    #[arg(long, value_name = "N")]
    pub duration_s: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// A file written by `record` (or the app's Record).
    pub file: PathBuf,
    /// Times the recorded pace: 2 is twice as fast.
    #[arg(long, default_value_t = 1.0, conflicts_with = "max_rate")]
    pub speed: f64,
    /// As fast as the broker takes them.
    #[arg(long)]
    pub max_rate: bool,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("payload").required(true).multiple(false)))]
pub struct PubArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The topic (placeholders as in the payload with --repeat).
    #[arg(short = 't', long = "topic")]
    pub topic: String,
    /// The payload as text.
    #[arg(short = 'm', long, group = "payload")]
    pub message: Option<String>,
    /// Read the payload from this file.
    #[arg(short = 'f', long, value_name = "PATH", group = "payload")]
    pub file: Option<PathBuf>,
    /// Each line of standard input is a message (blank lines are not sent).
    #[arg(short = 'l', long = "stdin-line", group = "payload")]
    pub stdin_line: bool,
    /// The whole of standard input is one message.
    #[arg(short = 's', long = "stdin-file", group = "payload")]
    pub stdin_file: bool,
    /// An empty payload (clears a retained message with -r).
    #[arg(short = 'n', long = "null-message", group = "payload")]
    pub null_message: bool,
    /// The client id (default: mqscope- and eight random letters).
    #[arg(short = 'i', long, value_name = "ID")]
    pub client_id: Option<String>,
    #[arg(short = 'q', long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// Ask the broker to retain the message.
    #[arg(short = 'r', long)]
    pub retain: bool,
    /// Send the message this many times; with it, -t and -m may hold placeholders:
    /// {{seq}}, {{now_ms}}, {{now_iso}}, {{uuid}}, {{random:20:30}}, {{random_int:0:100}}.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "stdin_line")]
    pub repeat: Option<u64>,
    /// Milliseconds between messages (with --repeat or -l).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub interval_ms: u64,
    /// MQTT 5: a user property (repeatable): `--user-property site=berlin`.
    #[arg(long = "user-property", value_name = "KEY=VALUE")]
    pub user_properties: Vec<String>,
    /// MQTT 5: the payload's content type (a MIME type, say).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// MQTT 5: the broker drops the message if not delivered within this many seconds.
    #[arg(long, value_name = "N")]
    pub message_expiry_s: Option<u32>,
    /// MQTT 5: 1 says the payload is UTF-8 text, 0 bytes.
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub payload_format_indicator: Option<u8>,
    /// MQTT 5: where a responder should answer.
    #[arg(long, value_name = "TOPIC")]
    pub response_topic: Option<String>,
    /// MQTT 5: data the responder sends back, to match its answer (as text).
    #[arg(long, value_name = "TEXT")]
    pub correlation_data: Option<String>,
    /// MQTT 5: send the topic by this alias (1 up to the broker's maximum): with the topic
    /// on the first message, alone after it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub topic_alias: Option<u16>,
    /// Read the payload as a JSON value and send it encoded: `protobuf:FILE.proto:pkg.Msg`,
    /// `msgpack`, `cbor`, `binary:f32le[]`, `script:FILE.js` (its encode(value)), with
    /// pre-steps as for `sub --decode` (`base64+gzip+json`).
    #[arg(long, value_name = "ENCODER")]
    pub encode: Option<String>,
    /// Where `import`s of `.proto` files are looked for (repeatable).
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_path: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RequestArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The topic the request goes to.
    #[arg(short = 't', long = "topic")]
    pub topic: String,
    /// The request's payload as text (default: empty).
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// Where the reply should go (default: mqscope/reply/ and the client id).
    #[arg(long, value_name = "TOPIC")]
    pub response_topic: Option<String>,
    /// How long to wait for the reply.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub timeout_ms: u64,
    #[arg(short = 'q', long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// The client id (default: mqscope- and eight random letters).
    #[arg(short = 'i', long, value_name = "ID")]
    pub client_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Print the findings as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How long a probe waits for a message that may not come.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub wait_ms: u64,
}

/// What `mqscope bench` measures.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchMode {
    /// Publish from each connection at --rate (payloads carry their send time).
    Pub,
    /// Subscribe on each connection; count what arrives and its latency.
    Sub,
    /// Open the connections and time them.
    Conn,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[arg(value_enum)]
    pub mode: BenchMode,
    /// Connections to open, each with its own client.
    #[arg(short = 'c', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connections: u32,
    /// Messages per second from each connection (`pub`; 0: as fast as they go).
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Payload bytes (at least 16: the send time and the message number).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    #[arg(short = 'q', long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// Topic to publish to (`%i`: the connection's number, `%n`: the message's) or filter
    /// to subscribe to; default bench/%i (`pub`), bench/# (`sub`).
    #[arg(short = 't', long)]
    pub topic: Option<String>,
    /// How long to run, in seconds (at most, with --count).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub duration_s: u64,
    /// Stop after this many messages: sent by each connection (`pub`), or received in
    /// all (`sub`).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Publish retained messages (`pub`).
    #[arg(long)]
    pub retain: bool,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Where the broker is and how to reach it: global, so they may come before or after the
/// subcommand. Turned into a connection form by [`ConnectionArgs::form`].
#[derive(Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// Broker host name or address (default 127.0.0.1).
    #[arg(long, global = true)]
    pub host: Option<String>,
    /// Broker port (default 1883).
    #[arg(long, global = true)]
    pub port: Option<u16>,
    /// MQTT protocol version: 3 (3.1.1) or 5.
    #[arg(long, default_value = "5", value_parser = parse_version, global = true)]
    pub mqtt_version: MqttVersion,
    #[arg(long, global = true)]
    pub username: Option<String>,
    /// Name of an environment variable holding the password (never the password itself).
    #[arg(long, value_name = "VAR", global = true)]
    pub password_env: Option<String>,
    /// The broker as a URL: mqtt://host:1883, mqtts://user@host:8883, ws://host:9001/mqtt,
    /// wss://host/mqtt (instead of --host and --port).
    #[arg(long, value_name = "URL", global = true, conflicts_with_all = ["host", "port"])]
    pub url: Option<String>,
    /// PEM file of CA certificates to trust besides the system's (TLS).
    #[arg(long, value_name = "PATH", global = true)]
    pub cafile: Option<String>,
    /// PEM client certificate for brokers that ask for one (TLS).
    #[arg(long, value_name = "PATH", global = true, requires = "key")]
    pub cert: Option<String>,
    /// PEM key of --cert (PKCS#8, PKCS#1 or SEC1; encrypted PKCS#8 with --key-passphrase-env).
    #[arg(long, value_name = "PATH", global = true, requires = "cert")]
    pub key: Option<String>,
    /// Name of an environment variable holding the passphrase of an encrypted --key.
    #[arg(long, value_name = "VAR", global = true, requires = "key")]
    pub key_passphrase_env: Option<String>,
    /// Check the server certificate against this name instead of the host (TLS), e.g. when
    /// dialling an IP address.
    #[arg(long, value_name = "NAME", global = true)]
    pub tls_server_name: Option<String>,
    /// Accept any server certificate (for test brokers only; the app warns while on).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Dial the broker through a proxy: http://[user@]host:port (HTTP CONNECT) or
    /// socks5://[user@]host:port.
    #[arg(long, value_name = "URL", global = true)]
    pub proxy: Option<String>,
    /// Name of an environment variable holding the proxy's password.
    #[arg(long, value_name = "VAR", global = true, requires = "proxy")]
    pub proxy_password_env: Option<String>,
    /// A saved connection profile (see Connections… in the app); its password comes from
    /// --password-env.
    #[arg(long, value_name = "NAME", global = true, conflicts_with_all = ["url", "host", "port"])]
    pub profile: Option<String>,
}

fn parse_version(s: &str) -> Result<MqttVersion, String> {
    match s {
        "3" | "3.1.1" | "4" => Ok(MqttVersion::V311),
        "5" => Ok(MqttVersion::V5),
        _ => Err("use 3 (for 3.1.1) or 5".into()),
    }
}
