//! Every integration test in one binary: one link instead of fifteen (each was ~275 MB of
//! test program), so a cold CI build needs a fraction of the disk and link time. Each
//! module is one area, run against real brokers, sockets and windows.

mod common;

mod acl;
mod bench;
mod broker;
mod check;
mod cli;
mod cli_pub;
#[cfg(feature = "testkit")]
mod decoders;
mod desktop;
mod faults;
mod frames;
mod history;
mod mosquitto;
mod outcomes;
mod proxy;
mod repeat;
mod request;
mod retained;
mod sub_options;
mod tabs;
mod tls;
mod topic_alias;
mod ui;
mod write_behind;
