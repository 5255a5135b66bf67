//! mqscope: a desktop MQTT explorer (topic tree, inspector, local broker), as a library so
//! tests, benchmarks and the binary share one code path.
//!
//! # Layout
//! Dependency direction: `model` ← `mqtt`, `broker`, `profiles` ← `app` → `ui`; `command`
//! and `status` sit below `app` and `ui`.
//! - [`model`]: pure data (topic tree, history, payloads, series, decoders, `$SYS` stats);
//!   depends on nothing here, and on no egui, tokio or rumqttc.
//! - [`mqtt`]: the client worker, one "mqtt-N" thread per connection: settings (form →
//!   validated → rumqttc options), session (the `Session` seam and its 3.1.1 / 5 adapters),
//!   convert (model ↔ rumqttc, every reason code), publisher (ack tracking, clean-up),
//!   worker (supervisor and poll loop), channel (data: lossy, counted; outcomes: never
//!   shed), tls, replay. Depends on `model`; no egui.
//! - [`archive`]: message history on disk (SQLite, FTS5): the file, its search, its writer
//!   thread; depends on `model`; no egui, tokio or rumqttc.
//! - [`runtime`]: the named threads owning a tokio runtime.
//! - [`broker`]: the local broker (child-process control, `mqscope broker`); no egui.
//! - [`profiles`]: files on disk (connection profiles, publish history, templates, the
//!   keychain); depends on `model` and `mqtt`'s settings.
//! - [`command`]: what the UI asks for: `AppCommand`, with `Tab(TabId, TabCommand)` for one
//!   connection. [`status`]: the read-only views the UI draws from.
//! - [`cli`]: the command line (clap types, one file per subcommand: the window, `broker`,
//!   `sub`, `pub`, `record`, `replay`); depends on `app`, `broker`, `mqtt`, `profiles`.
//! - [`app`]: the only place `model`, `mqtt`, `broker` and `ui` meet: `App` owns the tabs
//!   (each a worker, a store and its views), the local broker and demo, limits, profiles and
//!   the publish library; drains each tab under a time budget; dispatches commands with one
//!   exhaustive match; runs background jobs.
//! - [`ui`]: panels and widgets; read views, push commands; never imports `app`, binds no
//!   socket, reads no file.
//! - `testkit` (feature `testkit`): flooder, hostile corpus, sample series for tests and
//!   benchmarks; depends on nothing here.

pub mod app;
pub mod archive;
pub mod broker;
pub mod cli;
pub mod command;
pub mod model;
pub mod mqtt;
pub mod profiles;
pub mod runtime;
pub mod status;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod ui;

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Notes when the process started (the binary calls it first thing).
pub fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Time since [`mark_start`] (or since the first call, when it was not called).
pub fn since_start() -> std::time::Duration {
    STARTED.get_or_init(std::time::Instant::now).elapsed()
}

/// A file grown past the process's size limit (`ulimit -f`, RLIMIT_FSIZE) then fails its
/// write (EFBIG), which the history writer reports and counts as it does a full disk,
/// instead of SIGXFSZ ending the process and what it held in memory.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Once registered, tokio keeps a signal's handler for the life of the process.
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        {
            let _guard = rt.enter();
            if let Err(e) = signal(SignalKind::from_raw(libc::SIGXFSZ)) {
                tracing::warn!("the file size limit would end mqscope: {e}");
            }
        }
    }
}

/// Installs rustls' ring crypto provider once per process (before any TLS connection).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
