//! Helpers for tests that run `qyzmet serve` as a process: start it in a chosen directory with a
//! clean environment (no `QYZMET_*` or `RUST_LOG` from the caller), wait for its port, keep its
//! stderr (the log), and talk HTTP/1.0 to it (the server then closes each connection after the
//! answer, so a response is simply everything read).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary with no `QYZMET_*` or `RUST_LOG` inherited, run in `cwd`.
pub fn qyzmet(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qyzmet"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("QYZMET_") || k == "RUST_LOG" {
            c.env_remove(&*k);
        }
    }
    c.current_dir(cwd);
    c
}

pub struct Server {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    stdout: Arc<Mutex<String>>,
}

fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            let mut b = b.lock().unwrap();
            b.push_str(&line);
            b.push('\n');
        }
    });
    buf
}

impl Server {
    /// Starts `cmd` (a `qyzmet serve` listening on `port`) and waits until it accepts
    /// connections.
    pub fn start(mut cmd: Command, port: u16) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start qyzmet serve");
        let stderr = collect(child.stderr.take().unwrap());
        let stdout = collect(child.stdout.take().unwrap());
        let mut s = Server {
            child,
            port,
            stderr,
            stdout,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = s.child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                panic!("the server exited ({status}): {}", s.logs());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not start: {}",
                s.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        s
    }

    /// What it wrote to stderr so far: the log.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Http {
        http(self.port, method, path, headers, body)
    }

    /// SIGTERM, then wait (up to 30 s): whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        if !sent.is_ok_and(|s| s.success()) {
            return false;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the output threads catch the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Http {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One HTTP/1.0 request to 127.0.0.1:`port`; a non-empty `body` is sent as JSON.
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Http {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Http {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A session: its cookie header value and CSRF token, from `POST /api/auth/login`.
pub fn login(port: u16, login: &str, password: &str, request_id: &str) -> (String, String) {
    let r = http(
        port,
        "POST",
        "/api/auth/login",
        &[("X-Request-Id", request_id)],
        &serde_json::json!({"login": login, "password": password}).to_string(),
    );
    assert_eq!(
        r.status,
        200,
        "login {login}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let cookie = r
        .headers_named("set-cookie")
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .find(|c| c.starts_with("qz_session="))
        .expect("a session cookie");
    let csrf = r.json()["csrf"].as_str().expect("csrf").to_string();
    (cookie, csrf)
}
