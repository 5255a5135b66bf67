//! Connections through real proxies from Debian: tinyproxy (HTTP CONNECT, with Basic
//! credentials) and Dante (SOCKS5), and a minimal SOCKS5 server of the test's own that asks
//! for a password, to a real Mosquitto, from the command line. Loopback only, bounded in
//! time; each proxy is stopped when its test ends.
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
    crate::common::assert_ok(&out);
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
    crate::common::assert_ok(&out);
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
    crate::common::assert_ok(&out);
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

/// A minimal SOCKS5 server that takes only a user name and password (RFC 1929) — Dante
/// checks those against the system's accounts, which a test should not create. It notes
/// each pair tried and tunnels to the host asked for. Stops when dropped.
struct PasswordSocks {
    port: u16,
    tried: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for PasswordSocks {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl PasswordSocks {
    fn start(user: &'static str, password: &'static str) -> Self {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let tried = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (noted, stopped) = (tried.clone(), stop.clone());
        let serve = move |mut c: TcpStream| -> std::io::Result<()> {
            c.set_nonblocking(false)?;
            c.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut head = [0u8; 2];
            c.read_exact(&mut head)?;
            let mut methods = vec![0u8; head[1] as usize];
            c.read_exact(&mut methods)?;
            if !methods.contains(&0x02) {
                return c.write_all(&[0x05, 0xff]);
            }
            c.write_all(&[0x05, 0x02])?;
            let field = |c: &mut TcpStream| -> std::io::Result<String> {
                let mut n = [0u8; 1];
                c.read_exact(&mut n)?;
                let mut v = vec![0u8; n[0] as usize];
                c.read_exact(&mut v)?;
                Ok(String::from_utf8_lossy(&v).into_owned())
            };
            let mut version = [0u8; 1];
            c.read_exact(&mut version)?;
            let (u, p) = (field(&mut c)?, field(&mut c)?);
            noted.lock().unwrap().push(format!("{u}:{p}"));
            if (u.as_str(), p.as_str()) != (user, password) {
                return c.write_all(&[0x01, 0x01]);
            }
            c.write_all(&[0x01, 0x00])?;
            let mut req = [0u8; 4];
            c.read_exact(&mut req)?;
            let host = match req[3] {
                0x03 => field(&mut c)?,
                _ => {
                    let mut ip = [0u8; 4];
                    c.read_exact(&mut ip)?;
                    std::net::Ipv4Addr::from(ip).to_string()
                }
            };
            let mut port = [0u8; 2];
            c.read_exact(&mut port)?;
            let up = TcpStream::connect((host.as_str(), u16::from_be_bytes(port)))?;
            c.write_all(&[0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0])?;
            c.set_read_timeout(None)?;
            let (mut c2, mut up2) = (c.try_clone()?, up.try_clone()?);
            std::thread::Builder::new()
                .name("password-socks-up".into())
                .spawn(move || std::io::copy(&mut c2, &mut up2))?;
            std::io::copy(&mut &up, &mut c).map(|_| ())
        };
        let serve = std::sync::Arc::new(serve);
        std::thread::Builder::new()
            .name("password-socks".into())
            .spawn(move || {
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((c, _)) => {
                            let serve = serve.clone();
                            let _ = std::thread::Builder::new()
                                .name("password-socks-conn".into())
                                .spawn(move || serve(c));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
            .unwrap();
        Self { port, tried, stop }
    }
}

#[test]
fn through_a_socks5_proxy_that_asks_for_a_password() {
    let Some(broker) = Mosquitto::start("through_a_socks5_proxy_that_asks_for_a_password") else {
        return;
    };
    let proxy = PasswordSocks::start("alice", "s3cret");
    let url = format!("socks5://alice@127.0.0.1:{}", proxy.port);
    let sub = mosquitto_sub_spawn(broker.port, &["-t", "px/#", "-C", "1", "-W", "10"]);
    let publish = |url: &str, password: &str| {
        mqscope_pub(
            broker.port,
            &[
                "--proxy",
                url,
                "--proxy-password-env",
                "PX",
                "-t",
                "px/pw",
                "-m",
                "with a password",
                "-q",
                "1",
            ],
            &[("PX", password)],
        )
    };
    let out = publish(&url, "s3cret");
    crate::common::assert_ok(&out);
    assert_eq!(collect(sub), ["with a password"]);
    let out = publish(&url, "wrong");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the user name or password"), "{err}");
    let bare = format!("socks5://127.0.0.1:{}", proxy.port);
    let out = publish(&bare, "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wants a user name and password"), "{err}");
    assert_eq!(
        *proxy.tried.lock().unwrap(),
        ["alice:s3cret", "alice:wrong"]
    );
}
