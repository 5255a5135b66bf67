//! Connections through real proxies from Debian: tinyproxy (HTTP CONNECT, with Basic
//! credentials) and Dante (SOCKS5), to a real Mosquitto, from the command line. Loopback
//! only, bounded in time; each proxy is stopped when its test ends.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{Mosquitto, collect, free_port, mosquitto_sub_spawn, wait_listening};

/// A proxy program run by a test, killed on drop.
struct Proxy {
    port: u16,
    child: Child,
    dir: PathBuf,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `program` runs; a SKIPPED line when not, a failure under CI.
fn available(program: &str, package: &str, test: &str) -> bool {
    let found = Command::new(program)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {program} is not installed (apt-get install {package}), and CI=true");
    }
    if !found {
        eprintln!("SKIPPED {test}: {program} is not installed (apt-get install {package})");
    }
    found
}

fn start(program: &str, args: &[&str], config: &str, tag: &str) -> Proxy {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("mqscope-{tag}-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("proxy.conf");
    std::fs::write(&conf, config.replace("{port}", &port.to_string())).unwrap();
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let child = Command::new(program)
        .args(args)
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_listening(port);
    Proxy { port, child, dir }
}

fn mqscope_pub(port: u16, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    crate::common::mqscope_at(port, &[&["pub"], args].concat())
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn through_an_http_connect_proxy_with_credentials() {
    let test = "through_an_http_connect_proxy_with_credentials";
    if !available("tinyproxy", "tinyproxy", test) {
        return;
    }
    let Some(broker) = Mosquitto::start(test) else {
        return;
    };
    let proxy = start(
        "tinyproxy",
        &["-d", "-c"],
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nBasicAuth alice s3cret\n",
        "tinyproxy",
    );
    let url = format!("http://alice@127.0.0.1:{}", proxy.port);
    let sub = mosquitto_sub_spawn(broker.port, &["-t", "px/#", "-C", "1", "-W", "10"]);
    let out = mqscope_pub(
        broker.port,
        &[
            "--proxy",
            &url,
            "--proxy-password-env",
            "PX",
            "-t",
            "px/http",
            "-m",
            "via tinyproxy",
            "-q",
            "1",
        ],
        &[("PX", "s3cret")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(collect(sub), ["via tinyproxy"]);
    // The proxy is really in the way: a wrong password is refused by it.
    let out = mqscope_pub(
        broker.port,
        &[
            "--proxy",
            &url,
            "--proxy-password-env",
            "PX",
            "-t",
            "px/http",
            "-m",
            "no",
        ],
        &[("PX", "wrong")],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("through the proxy"), "{said}");
    // WebSocket through the same proxy (the broker's name goes in the request, not ours).
    let ws_port = free_port();
    let ws_broker = Mosquitto::start_on(
        free_port(),
        &format!("listener {ws_port} 127.0.0.1\nprotocol websockets"),
    );
    wait_listening(ws_port);
    let sub = mosquitto_sub_spawn(ws_broker.port, &["-t", "px/#", "-C", "1", "-W", "10"]);
    let out = Command::new(env!("CARGO_BIN_EXE_mqscope"))
        .args(["pub", "--url", &format!("ws://127.0.0.1:{ws_port}/mqtt")])
        .args(["--proxy", &url, "--proxy-password-env", "PX"])
        .args(["-t", "px/ws", "-m", "ws via tinyproxy", "-q", "1"])
        .env("PX", "s3cret")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(collect(sub), ["ws via tinyproxy"]);
    // A password in the URL itself is refused before anything is dialled.
    let out = mqscope_pub(
        broker.port,
        &[
            "--proxy",
            &format!("http://alice:s3cret@127.0.0.1:{}", proxy.port),
            "-t",
            "x",
            "-m",
            "1",
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("in its own field"));
}

#[test]
fn through_a_socks5_proxy() {
    let test = "through_a_socks5_proxy";
    if !available("danted", "dante-server", test) {
        return;
    }
    let Some(broker) = Mosquitto::start(test) else {
        return;
    };
    let proxy = start(
        "danted",
        &["-f"],
        "logoutput: stderr\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
         clientmethod: none\nsocksmethod: none\nuser.privileged: root\n\
         user.unprivileged: nobody\nclient pass { from: 127.0.0.1/32 to: 0.0.0.0/0 }\n\
         socks pass { from: 127.0.0.1/32 to: 0.0.0.0/0 log: connect }\n",
        "danted",
    );
    let url = format!("socks5://127.0.0.1:{}", proxy.port);
    let sub = mosquitto_sub_spawn(broker.port, &["-t", "px/#", "-C", "1", "-W", "10"]);
    let out = mqscope_pub(
        broker.port,
        &[
            "--proxy",
            &url,
            "-t",
            "px/socks",
            "-m",
            "via dante",
            "-q",
            "1",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(collect(sub), ["via dante"]);
    // Dante logged the tunnel to the broker's port.
    std::thread::sleep(Duration::from_millis(200));
    let log = std::fs::read_to_string(proxy.dir.join("log")).unwrap();
    assert!(log.contains(&format!(".{}", broker.port)), "{log}");
    // A SOCKS5 proxy that is not there: said, exit 1.
    let out = mqscope_pub(
        broker.port,
        &[
            "--proxy",
            &format!("socks5://127.0.0.1:{}", free_port()),
            "-t",
            "x",
            "-m",
            "1",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("through the proxy"));
}
