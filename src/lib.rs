//! mqscope: a desktop MQTT explorer (topic tree, inspector, local broker), as a library so
//! tests, benchmarks and the binary share one code path.
//!
//! # Layout
//! - [`model`]: pure data (topic tree, history, payloads, stats); depends on nothing here.
//! - [`mqtt`]: the client worker on the "mqtt" thread; depends on `model`.
//! - [`runtime`]: the named thread owning the tokio runtime.
//! - [`broker`]: the local broker (child-process control, `mqscope broker`); no egui.
//! - [`profiles`]: files on disk (publish history, templates); depends on `model`.
//! - [`cli`]: the command line (clap types, one file per subcommand: the window, `broker`,
//!   `sub`, `pub`, `record`, `replay`); depends on `app`, `broker`, `mqtt`, `profiles`, `model`.
//! - [`app`]: the only place `model`, `mqtt` and `ui` meet (eframe App, commands).
//! - [`ui`]: panels and widgets; read the model, push commands; no network, no locks.
//! - `testkit` (feature `testkit`): flooder, hostile corpus, sample series for tests and
//!   benchmarks; depends on nothing here.

pub mod app;
pub mod broker;
pub mod cli;
pub mod model;
pub mod mqtt;
pub mod profiles;
pub mod runtime;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod ui;

/// Installs rustls' ring crypto provider once per process (before any TLS connection).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
