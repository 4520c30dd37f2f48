//! Live agents end to end: a baresip caller asks kefu for a person, waits in the queue, and a human agent on
//! the agent console (headless Chromium whose fake microphone plays a recorded agent) takes the call. The
//! caller's recording must hold the agent's words, the console must have received the caller's audio and
//! shown the context card with the caller's transcript; the agent's wrap-up lands in the store.
//! The console's API refuses requests without a session.
//!
//! Needs the models (`kefu models fetch`), baresip, sox, chromium, node and `npm ci --prefix tests/browser`.

mod browser_support;
mod sip_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use browser_support::{Browser, ServerLog};
use serde_json::json;
use sip_support::{
    baresip_call, caller_asking_for_a_person, free_port, options, speech_wav, transcribe,
};

const AGENT: &str = "alice";

/// One test at a time: each runs kefu with the speech models plus SIP and browser peers, all two cores take.
static SERIAL: Mutex<()> = Mutex::new(());
const PASSWORD: &str = "correct horse battery";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn kefu() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
    if std::env::var_os("KEFU_MODELS_DIR").is_none() {
        command.env("KEFU_MODELS_DIR", repo().join("models"));
    }
    command
}

fn sox(args: &[&str]) {
    let out = Command::new("sox")
        .args(args)
        .output()
        .expect("run sox (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kefu serve` with the phone line, the browser door and the agent desk on free loopback ports.
struct Server {
    child: Child,
    http: u16,
    sip: SocketAddr,
    db: PathBuf,
    config: PathBuf,
    log: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

impl Server {
    fn start(dir: &Path, agents: &str) -> Server {
        let turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let http = free_port();
        let sip = free_port();
        let rtp_min = 30_000 + (sip % 200) * 100;
        let config = dir.join("kefu.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nhttp_bind = \"127.0.0.1:{http}\"\n\n[webrtc]\nudp_addrs = [\"127.0.0.1:0\"]\n\n\
                 [sip]\nbind = \"127.0.0.1\"\nport = {sip}\nrtp_port_min = {rtp_min}\nrtp_port_max = {}\n\n\
                 [agents]\n{agents}\n",
                rtp_min + 99
            ),
        )
        .unwrap();
        let db = dir.join("kefu.db");
        let log = dir.join("kefu.log");
        let child = kefu()
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("KEFU_DB", &db)
            .env(
                "KEFU_LOG",
                "info,rsipstack=warn,whisper_rs=warn,rtc=warn,rtc_ice=warn,webrtc=warn,kefu=debug",
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("cannot start kefu");
        let mut server = Server {
            child,
            http,
            sip: SocketAddr::from(([127, 0, 0, 1], sip)),
            db,
            config,
            log,
            _turn: turn,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("kefu serve exited ({status}):\n{}", self.log_text());
            }
            if http(self.http, "GET", "/healthz", &[], "").is_some_and(|r| r.ends_with("ok"))
                && options(self.sip, Duration::from_millis(500)).is_some()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("kefu serve not ready in 180 s:\n{}", self.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Creates an agent account with `kefu users add` (password on stdin).
    fn add_agent(&self, username: &str, name: &str) {
        let mut child = kefu()
            .args([
                "--config",
                self.config.to_str().unwrap(),
                "users",
                "add",
                username,
            ])
            .args(["--role", "agent", "--name", name])
            .env("KEFU_DB", &self.db)
            .env("KEFU_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kefu users add");
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kefu users add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 request; the whole response (status line, headers, body), or `None` if nothing listens.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

impl ServerLog for Server {
    fn log_for_failure(&self) -> String {
        self.log_text()
    }
}

/// The agent's voice for Chromium's fake microphone: kefu's own English voice at 48 kHz, padded (Chromium
/// loops the file).
fn agent_voice(dir: &Path, text: &str) -> PathBuf {
    let raw = dir.join("agent.voice.wav");
    let out = kefu()
        .args(["say", text, "--lang", "en", "-o"])
        .arg(&raw)
        .env("KEFU_LOG", "warn")
        .output()
        .expect("run kefu say");
    assert!(
        out.status.success(),
        "kefu say failed (run: kefu models fetch?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wav = dir.join("agent.wav");
    sox(&[
        raw.to_str().unwrap(),
        "-r",
        "48000",
        "-b",
        "16",
        "-e",
        "signed-integer",
        "-c",
        "1",
        wav.to_str().unwrap(),
        "pad",
        "0.5",
        "1.5",
    ]);
    wav
}

/// Caller audio energy (Chromium's `totalAudioEnergy` of the inbound track) only speech reaches.
const SPEECH_ENERGY: f64 = 0.001;

#[test]
fn a_phone_caller_asks_for_a_person_and_an_agent_on_the_console_takes_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        "callback_after_secs = 600\noffer_timeout_secs = 60",
    );
    server.add_agent(AGENT, "Alice Wong");

    // The caller asks for a person after the greeting, then keeps talking to whoever answers.
    let caller = caller_asking_for_a_person(dir.path(), 12.0, 5, 6.0);
    let agent = agent_voice(
        dir.path(),
        "Hello, this is Alice from customer service. I am sorry about the damaged parcel.",
    );

    let mut browser = Browser::launch("agent.mjs", json!({"fakeAudio": agent}));
    let url = format!("http://127.0.0.1:{}/agent", server.http);
    browser.send(json!({"cmd": "open", "url": url}), &server);
    browser.send(
        json!({"cmd": "sign_in", "username": AGENT, "password": PASSWORD}),
        &server,
    );
    browser.send(
        json!({"cmd": "wait_text", "selector": "#presence", "pattern": "away"}),
        &server,
    );
    browser.send(
        json!({"cmd": "click", "selector": "[data-presence-set=available]"}),
        &server,
    );
    browser.send(
        json!({"cmd": "wait_text", "selector": "#presence", "pattern": "^available$"}),
        &server,
    );

    let hang_up = Arc::new(AtomicBool::new(false));
    let caller_thread = {
        let dir = dir.path().to_path_buf();
        let target = server.sip;
        let hang_up = Arc::clone(&hang_up);
        std::thread::spawn(move || {
            baresip_call(&dir, &caller, target, &|| hang_up.load(Ordering::SeqCst))
        })
    };

    // The offer rings with the context card: the caller's words, why, the language.
    browser.send(
        json!({"cmd": "wait_visible", "selector": "#offer", "timeout_ms": 60000}),
        &server,
    );
    let transcript = browser.send(
        json!({"cmd": "wait_text", "selector": "#transcript", "pattern": "person"}),
        &server,
    )["text"]
        .as_str()
        .unwrap()
        .to_lowercase();
    let caller_number = browser.send(json!({"cmd": "text", "selector": "#card-caller"}), &server);
    let reason = browser.send(json!({"cmd": "text", "selector": "#card-reason"}), &server);
    let lang = browser.send(json!({"cmd": "text", "selector": "#card-lang"}), &server);
    eprintln!(
        "card: caller {caller_number}, reason {reason}, lang {lang}, transcript {transcript:?}"
    );
    assert!(transcript.contains("person"), "{transcript}");
    assert_eq!(caller_number["text"], "+14155550100");
    assert_eq!(lang["text"], "en");
    assert!(
        reason["text"].as_str().unwrap().contains("requested"),
        "{reason}"
    );
    browser.send(
        json!({"cmd": "screenshot", "path": dir.path().join("offer.png")}),
        &server,
    );

    browser.send(json!({"cmd": "click", "selector": "#accept"}), &server);
    browser.send(
        json!({"cmd": "wait_text", "selector": "#presence", "pattern": "busy"}),
        &server,
    );
    let heard = browser.send(
        json!({"cmd": "wait_caller_audio", "min_energy": SPEECH_ENERGY, "timeout_ms": 45000}),
        &server,
    );
    eprintln!("the agent's page received the caller: {heard}");
    // The caller's words while bridged reach the agent's live transcript.
    browser.send(
        json!({"cmd": "wait_text", "selector": "#transcript", "pattern": "damaged|replacement", "timeout_ms": 45000}),
        &server,
    );
    // The agent's own words are transcribed too, into the same live transcript.
    browser.send(
        json!({"cmd": "wait_text", "selector": "#transcript li[data-who=agent]:last-child", "pattern": "alice|customer service|parcel", "timeout_ms": 45000}),
        &server,
    );
    // Let the agent's recording play to the caller a couple more times, then the agent hangs up.
    std::thread::sleep(Duration::from_secs(5));
    browser.send(json!({"cmd": "click", "selector": "#hangup"}), &server);
    browser.send(
        json!({"cmd": "wait_visible", "selector": "#wrapup", "timeout_ms": 15000}),
        &server,
    );
    // kefu sent BYE; baresip stays up until told to quit.
    hang_up.store(true, Ordering::SeqCst);
    let recording = caller_thread.join().expect("the baresip caller");

    browser.send(json!({"cmd": "click", "selector": "#save-wrapup"}), &server);
    browser.send(
        json!({"cmd": "wait_text", "selector": "#presence", "pattern": "^available$"}),
        &server,
    );

    let heard = transcribe(&recording).to_lowercase();
    eprintln!("the caller heard: {heard}");
    assert!(
        heard.contains("alice") || heard.contains("damaged parcel"),
        "the caller's recording holds the agent's voice: {heard:?}\n{}",
        server.log_text()
    );

    let store = kefu::store::Store::open(&server.db).unwrap();
    let call_id: String = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row("SELECT call_id FROM agent_calls", [], |r| r.get(0))
        .expect("one agent call recorded");
    let records = store.agent_calls_for(&call_id).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.end_reason.as_deref(), Some("hangup_agent"));
    assert_eq!(record.disposition.as_deref(), Some("resolved"));
    assert_eq!(record.caller.as_deref(), Some("+14155550100"));
    assert!(
        record.transcript.contains(r#""who":"caller""#)
            && record.transcript.contains(r#""who":"agent""#),
        "both sides' words are kept with the call: {}",
        record.transcript
    );
}

#[test]
fn the_console_api_refuses_requests_without_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let page = http(server.http, "GET", "/agent", &[], "").unwrap();
    assert!(page.starts_with("HTTP/1.0 200"), "{page}");
    for (method, path, headers, body) in [
        (
            "GET",
            "/api/agent/desk",
            vec![
                ("Connection", "Upgrade"),
                ("Upgrade", "websocket"),
                ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
            "",
        ),
        (
            "POST",
            "/api/agent/calls/sip-1/accept",
            vec![("Content-Type", "application/sdp")],
            "v=0\r\n",
        ),
        (
            "GET",
            "/api/agent/desk",
            vec![("Cookie", "kefu_session=forged-token")],
            "",
        ),
    ] {
        let response = http(server.http, method, path, &headers, body).unwrap();
        assert!(
            response.starts_with("HTTP/1.0 401") || response.starts_with("HTTP/1.1 401"),
            "{method} {path} without a valid session: {response}"
        );
        assert!(response.contains("sign in"), "{response}");
    }
}

#[test]
fn a_caller_nobody_takes_hears_hold_messages_then_gets_a_callback_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "callback_after_secs = 20");
    let ask = speech_wav(
        dir.path(),
        "ask",
        "I want to talk to a person, please.",
        6.5,
        60.0,
    );
    // kefu ends the call itself once the callback message has played.
    let recording = baresip_call(dir.path(), &ask, server.sip, &|| {
        server.log_text().contains("caller hung up")
            || server
                .log_text()
                .lines()
                .any(|l| l.contains("call ended") && l.contains("BotHungUp"))
    });
    let heard = transcribe(&recording).to_lowercase();
    eprintln!("the caller heard: {heard}");
    // Key words, not whole phrases: Whisper on 8 kHz audio varies the small words ("with"/"to").
    assert!(
        heard.contains("connect") && heard.contains("colleague"),
        "the caller is told they are being connected: {heard:?}"
    );
    assert!(
        heard.contains("next") && heard.contains("minute"),
        "the caller hears their place and expected wait: {heard:?}"
    );
    // Whisper sometimes drops "ticket" in "a call back for you, ticket number 90": the number is what matters.
    let after_callback = heard.split_once("call back").map_or("", |(_, rest)| rest);
    assert!(
        after_callback.contains("number") && after_callback.chars().any(|c| c.is_ascii_digit()),
        "the caller is offered a callback ticket with its number: {heard:?}"
    );
    let log = server.log_text();
    assert!(
        log.contains("callback booked") && log.contains("BotHungUp"),
        "kefu booked the callback and hung up:\n{log}"
    );
    let details: String = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row(
            "SELECT details FROM tickets WHERE kind = 'callback'",
            [],
            |r| r.get(0),
        )
        .expect("a callback ticket in the store");
    assert!(details.contains("+14155550100"), "{details}");
}

#[test]
fn a_caller_in_the_app_reaches_an_agent_on_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        "callback_after_secs = 600\noffer_timeout_secs = 60",
    );
    server.add_agent(AGENT, "Alice Wong");
    // The caller's microphone: a sentence every 17 s (Chromium loops the file), quiet at first while they type.
    let caller_voice = agent_voice(
        dir.path(),
        "My parcel arrived damaged and I would like a replacement.",
    );
    let caller_mic = dir.path().join("caller-mic.wav");
    sox(&[
        caller_voice.to_str().unwrap(),
        caller_mic.to_str().unwrap(),
        "pad",
        "12",
        "0",
    ]);
    let agent_mic = {
        let agent_dir = dir.path().join("agent");
        std::fs::create_dir_all(&agent_dir).unwrap();
        agent_voice(&agent_dir, "Hello, this is Alice from customer service.")
    };

    let mut agent = Browser::launch("agent.mjs", json!({"fakeAudio": agent_mic}));
    let url = format!("http://127.0.0.1:{}/agent", server.http);
    agent.send(json!({"cmd": "open", "url": url}), &server);
    agent.send(
        json!({"cmd": "sign_in", "username": AGENT, "password": PASSWORD}),
        &server,
    );
    agent.send(
        json!({"cmd": "click", "selector": "[data-presence-set=available]"}),
        &server,
    );
    agent.send(
        json!({"cmd": "wait_text", "selector": "#presence", "pattern": "^available$"}),
        &server,
    );

    let mut caller = Browser::app_caller_asking_for_a_person(&caller_mic, server.http, &server);

    agent.send(
        json!({"cmd": "wait_visible", "selector": "#offer", "timeout_ms": 60000}),
        &server,
    );
    let transcript = agent.send(
        json!({"cmd": "wait_text", "selector": "#transcript", "pattern": "talk to a person"}),
        &server,
    );
    let caller_id = agent.send(json!({"cmd": "text", "selector": "#card-caller"}), &server);
    eprintln!("card: {transcript} caller {caller_id}");
    let before = caller.send(json!({"cmd": "stats"}), &server)["botAudioEnergy"]
        .as_f64()
        .unwrap();
    agent.send(json!({"cmd": "click", "selector": "#accept"}), &server);
    let heard = agent.send(
        json!({"cmd": "wait_caller_audio", "min_energy": SPEECH_ENERGY, "timeout_ms": 45000}),
        &server,
    );
    eprintln!("the agent received the app caller: {heard}");
    // The agent's voice reaches the app (well above what the hold chime adds).
    let after = caller.send(
        json!({"cmd": "wait_bot_audio", "min_energy": before + 0.02, "timeout_ms": 45000}),
        &server,
    );
    eprintln!("the app caller received the agent: before {before}, now {after}");
    agent.send(
        json!({"cmd": "wait_text", "selector": "#transcript", "pattern": "damaged|replacement", "timeout_ms": 60000}),
        &server,
    );
    agent.send(json!({"cmd": "click", "selector": "#handback"}), &server);
    agent.send(
        json!({"cmd": "wait_visible", "selector": "#wrapup", "timeout_ms": 15000}),
        &server,
    );
    let records: String = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row(
            "SELECT channel || ':' || end_reason FROM agent_calls",
            [],
            |r| r.get(0),
        )
        .expect("the agent call is recorded");
    assert_eq!(records, "web_voice:handed_back");
    // Back with the bot, the caller's call goes on.
    caller.send(json!({"cmd": "wait_state", "states": ["listening", "thinking", "speaking"], "timeout_ms": 30000}), &server);
}
