//! Shared by the analytics tests: a text-only `kefu serve` on a temporary store, a minimal HTTP client and
//! the other `kefu` commands run against the same store.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The kefu binary on `db`, models from the normal config path.
pub fn kefu(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
    command.env("KEFU_DB", db).env_remove("KEFU_LOG");
    if std::env::var_os("KEFU_MODELS_DIR").is_none() {
        command.env(
            "KEFU_MODELS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        );
    }
    command
}

/// Runs a kefu command and returns its output; panics with its stderr when it fails.
pub fn kefu_ok(db: &Path, args: &[&str]) -> Output {
    let out = kefu(db).args(args).output().expect("run kefu");
    assert!(
        out.status.success(),
        "kefu {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Adds a staff account.
pub fn add_user(db: &Path, name: &str, role: &str, password: &str) {
    kefu(db)
        .args(["users", "add", name, "--role", role])
        .env("KEFU_PASSWORD", password)
        .output()
        .map(|o| {
            assert!(
                o.status.success(),
                "users add: {}",
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .expect("run kefu users add");
}

/// A text-only `kefu serve` (no speech engines) with the default log level, its stderr kept in a file.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    pub fn start(dir: &Path, db: &Path) -> Server {
        let port = free_port();
        let config = dir.join("kefu.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nhttp_bind = \"127.0.0.1:{port}\"\n[webrtc]\nenabled = false\n[sip]\nenabled = false\n\
                 [analytics]\nreports_dir = \"{}\"\n",
                dir.join("reports").display()
            ),
        )
        .unwrap();
        let log = dir.join("serve.log");
        let child = kefu(db)
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn kefu serve");
        let mut server = Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("kefu serve exited ({status}):\n{}", server.log_text());
            }
            if server.get("/healthz", None).0 == 200 {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "kefu serve not healthy:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One HTTP/1.1 request; returns (status, headers, body).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        cookie: Option<&str>,
    ) -> (u16, String, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, String::new(), String::new());
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let body = body.unwrap_or("");
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{cookie}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, head.to_string(), body)
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let (status, _, body) = self.request("GET", path, None, cookie);
        (status, body)
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let (status, _, body) = self.request("POST", path, Some(&body.to_string()), None);
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Signs in and returns the session cookie (`name=value`).
    pub fn sign_in(&self, user: &str, password: &str) -> String {
        let body = serde_json::json!({"username": user, "password": password}).to_string();
        let (status, head, _) = self.request("POST", "/api/auth/login", Some(&body), None);
        assert_eq!(status, 200, "sign-in as {user}");
        head.lines()
            .find_map(|l| {
                let l = l.trim();
                l.to_ascii_lowercase().starts_with("set-cookie:").then(|| {
                    l["set-cookie:".len()..]
                        .trim()
                        .split(';')
                        .next()
                        .unwrap()
                        .to_string()
                })
            })
            .expect("a session cookie")
    }

    /// Chats: each message in turn in one session; returns the session id.
    pub fn chat(&self, lang: &str, messages: &[&str]) -> String {
        let mut session: Option<String> = None;
        for text in messages {
            let mut body = serde_json::json!({"text": text});
            match &session {
                Some(id) => body["session_id"] = id.clone().into(),
                None => body["lang"] = lang.into(),
            }
            let (status, reply) = self.post("/api/chat", &body);
            assert_eq!(status, 200, "chat {text:?}: {reply}");
            session = reply["session_id"].as_str().map(str::to_string);
        }
        session.expect("a session")
    }

    /// Stops the server (SIGTERM) and returns its log.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        self.log_text()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}
