//! The voice page in a real browser: headless Chromium (Debian `chromium`, driven by `playwright-core` from
//! `tests/browser/`) calls a real `kefu serve` over WebRTC on loopback.
//!
//! Needs the models (`kefu models fetch`), `espeak-ng` + `sox` for the caller's audio, `node` and
//! `npm ci --prefix tests/browser` (all done by `scripts/setup.sh`). Each test writes its files (caller audio,
//! server logs, screenshots) to `target/tmp/webrtc/<test>/`. The tests run one at a time: each one starts
//! a server with the speech models and a browser, which is all two cores can take.

mod browser_support;
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use browser_support::{Browser, ServerLog};
use serde_json::json;

/// One browser test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh output folder for one test.
fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("webrtc")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a command for a fixture, failing with what to install.
fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): run scripts/setup.sh (installs espeak-ng, sox)")
        });
    assert!(status.success(), "{program} {args:?} failed");
}

/// Synthesised caller speech as Chromium's fake microphone wants it: 16-bit PCM WAV, padded with silence
/// before (the call connects and greets first) and after (Chromium loops the file).
fn caller_audio(dir: &Path, voice: &str, text: &str, lead_secs: f32) -> PathBuf {
    let raw = dir.join("caller-espeak.wav");
    let wav = dir.join("caller.wav");
    run(
        "espeak-ng",
        &["-v", voice, "-s", "140", "-w", raw.to_str().unwrap(), text],
    );
    run(
        "sox",
        &[
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
            &lead_secs.to_string(),
            "40",
        ],
    );
    wav
}

/// A quiet microphone (the caller types instead of speaking).
fn silent_audio(dir: &Path) -> PathBuf {
    let wav = dir.join("silence.wav");
    run(
        "sox",
        &[
            "-n",
            "-r",
            "48000",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-c",
            "1",
            wav.to_str().unwrap(),
            "trim",
            "0",
            "30",
        ],
    );
    wav
}

/// `kefu serve` on a loopback port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path, port: u16, max_sessions: usize, run: usize) -> Server {
        let config = dir.join("kefu.toml");
        std::fs::write(
            &config,
            format!(
                // The phone line is not under test: keep it off port 5060.
                "[server]\nhttp_bind = \"127.0.0.1:{port}\"\n\n[webrtc]\nmax_sessions = {max_sessions}\n\n[sip]\nenabled = false\n"
            ),
        )
        .unwrap();
        let log = dir.join(format!("kefu-{run}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_kefu"))
            .args(["--config", config.to_str().unwrap(), "serve"])
            .current_dir(repo())
            .env("KEFU_DB", dir.join("kefu.db"))
            .env(
                "KEFU_LOG",
                "info,whisper_rs=warn,rtc=warn,rtc_ice=warn,kefu=debug",
            )
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("cannot start kefu");
        let mut server = Server { child, port, log };
        server.wait_healthy();
        server
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "kefu serve exited ({status}) before it was ready (models missing? run: kefu models fetch):\n{}",
                    self.log_tail()
                );
            }
            if self.healthy() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("kefu serve not ready after 180 s:\n{}", self.log_tail());
    }

    /// `GET /healthz` answers `ok`.
    fn healthy(&self) -> bool {
        http_get(self.port, "/healthz").is_some_and(|body| body.ends_with("ok"))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A plain HTTP/1.0 GET; the whole response, or `None` if nothing listens.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

impl ServerLog for Server {
    fn log_for_failure(&self) -> String {
        self.log_tail()
    }
}

/// The page's transcript lines as (who, text).
fn lines(browser: &mut Browser, server: &Server) -> Vec<(String, String)> {
    let answer = browser.send(json!({"cmd": "lines"}), server);
    answer["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["who"].as_str().unwrap().to_string(),
                l["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Bot audio energy (Chromium's `totalAudioEnergy`) that only real speech reaches: silence decodes to 0.
const SPEECH_ENERGY: f64 = 0.001;

#[test]
fn english_voice_call_about_an_order() {
    let _serial = serial();
    let dir = out_dir("english_voice_call_about_an_order");
    let audio = caller_audio(
        &dir,
        "en-us",
        "Hi. Where is my order? The order number is 2 0 2 4 1 2 3 4.",
        6.0,
    );
    let server = Server::start(&dir, free_port(), 4, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "fakeAudio": audio }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "en"}), &server);
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);

    let caller = browser.send(
        json!({"cmd": "wait_line", "who": "caller", "pattern": "order", "timeout_ms": 90000}),
        &server,
    );
    let answer = browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": "on its way|has shipped", "timeout_ms": 90000}),
        &server,
    );
    let answer = answer["text"].as_str().unwrap();
    // Voice replies carry numbers in words (the same text is spoken).
    assert!(
        answer.contains("20241234") || answer.contains("two zero two four one two three four"),
        "{answer}"
    );
    assert!(answer.contains("SF Express"), "{answer}");
    // The greeting was heard; now the answer's audio must arrive too.
    let before = browser.send(json!({"cmd": "stats"}), &server);
    let heard = before["botAudioEnergy"].as_f64().unwrap();
    assert!(heard > SPEECH_ENERGY, "greeting audio: {before}");
    let stats = browser.send(
        json!({"cmd": "wait_bot_audio", "min_energy": heard + SPEECH_ENERGY, "timeout_ms": 30000}),
        &server,
    );
    assert_eq!(stats["connection"], "connected", "{stats}");
    let shot = dir.join("call-in-progress.png");
    browser.send(json!({"cmd": "screenshot", "path": shot}), &server);
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);

    let transcript = lines(&mut browser, &server);
    assert_eq!(
        transcript[0].0, "bot",
        "the greeting comes first: {transcript:?}"
    );
    println!(
        "caller said: {}\nbot answered: {answer}\nbot audio: {stats}\nscreenshot: {}",
        caller["text"],
        shot.display()
    );

    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    let notice = browser.send(json!({"cmd": "wait_notice"}), &server);
    assert_eq!(notice["text"], "Call ended.", "{notice}");
    assert!(server.healthy());
}

#[test]
fn chinese_typed_in_the_text_box_during_a_call() {
    let _serial = serial();
    let dir = out_dir("chinese_typed_in_the_text_box_during_a_call");
    let audio = silent_audio(&dir);
    let server = Server::start(&dir, free_port(), 4, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "fakeAudio": audio }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "zh"}), &server);
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    // The greeting arrives first, in Chinese, and is played to its end.
    browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": "[\\u4e00-\\u9fff]", "timeout_ms": 60000}),
        &server,
    );
    browser.send(
        json!({"cmd": "wait_state", "states": ["speaking"], "timeout_ms": 60000}),
        &server,
    );
    browser.send(
        json!({"cmd": "wait_state", "states": ["listening"], "timeout_ms": 60000}),
        &server,
    );
    let greeting = browser.send(json!({"cmd": "stats"}), &server);
    assert!(
        greeting["botAudioEnergy"].as_f64().unwrap() > SPEECH_ENERGY,
        "greeting audio: {greeting}"
    );
    browser.send(
        json!({"cmd": "type", "text": "我的订单20241234到哪了？"}),
        &server,
    );
    let answer = browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": "顺丰", "timeout_ms": 90000}),
        &server,
    );
    let answer = answer["text"].as_str().unwrap();
    assert!(
        answer.contains("20241234") || answer.contains("二零二四一二三四"),
        "{answer}"
    );
    // The answer is spoken too: more bot audio arrives after its text.
    let before = browser.send(json!({"cmd": "stats"}), &server);
    let heard = before["botAudioEnergy"].as_f64().unwrap();
    let stats = browser.send(
        json!({"cmd": "wait_bot_audio", "min_energy": heard + SPEECH_ENERGY, "timeout_ms": 30000}),
        &server,
    );
    browser.send(
        json!({"cmd": "screenshot", "path": dir.join("chinese-call.png")}),
        &server,
    );
    let transcript = lines(&mut browser, &server);
    let typed: Vec<_> = transcript
        .iter()
        .filter(|(who, text)| who == "caller" && text.contains("20241234"))
        .collect();
    assert_eq!(typed.len(), 1, "the typed line shows once: {transcript:?}");
    println!("bot answered: {answer}\nbot audio: {stats}");
    assert!(server.healthy());
}

#[test]
fn refused_microphone_explains_and_text_still_works() {
    let _serial = serial();
    let dir = out_dir("refused_microphone_explains_and_text_still_works");
    let seeded = chrono::Local::now().date_naive();
    let server = Server::start(&dir, free_port(), 4, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "denyMic": true }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "en"}), &server);
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    let notice = browser.send(json!({"cmd": "wait_notice"}), &server);
    let text = notice["text"].as_str().unwrap();
    assert!(text.contains("Microphone access was refused"), "{text}");
    assert!(text.contains("type your question"), "{text}");
    let state = browser.send(json!({"cmd": "lines"}), &server);
    assert_eq!(state["state"], "idle");
    browser.send(
        json!({"cmd": "screenshot", "path": dir.join("microphone-refused.png")}),
        &server,
    );

    // Typing works without a call, and a reload keeps the conversation.
    browser.send(
        json!({"cmd": "type", "text": "where is my order 20241234"}),
        &server,
    );
    browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": "on its way|has shipped", "timeout_ms": 30000}),
        &server,
    );
    let before = lines(&mut browser, &server);
    browser.send(json!({"cmd": "reload"}), &server);
    assert_eq!(lines(&mut browser, &server), before);
    // The server-side conversation continues too: "it" is still the order asked about.
    browser.send(
        json!({"cmd": "type", "text": "when will it arrive"}),
        &server,
    );
    let follow_up = browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": "should arrive|expected delivery|order number", "timeout_ms": 30000}),
        &server,
    );
    let follow_up = follow_up["text"].as_str().unwrap();
    assert!(!follow_up.contains("order number?"), "{follow_up}");
    assert!(
        common::says_seeded_tomorrow(follow_up, seeded),
        "{follow_up}"
    );
    assert!(server.healthy());
}

#[test]
fn invalid_sdp_offer_gives_a_clear_message() {
    let _serial = serial();
    let dir = out_dir("invalid_sdp_offer_gives_a_clear_message");
    let audio = silent_audio(&dir);
    let server = Server::start(&dir, free_port(), 4, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "fakeAudio": audio }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "en"}), &server);
    browser.send(json!({"cmd": "corrupt_offer"}), &server);
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    let notice = browser.send(json!({"cmd": "wait_notice"}), &server);
    let text = notice["text"].as_str().unwrap();
    assert!(
        text.starts_with("The call could not be started: invalid SDP offer"),
        "{text}"
    );
    println!("notice: {text}");
    browser.send(
        json!({"cmd": "screenshot", "path": dir.join("invalid-offer.png")}),
        &server,
    );
    assert!(server.healthy(), "server still up after a bad offer");
    let state = browser.send(json!({"cmd": "lines"}), &server);
    assert_eq!(state["state"], "idle");
}

#[test]
fn server_restart_mid_call_gives_a_clear_message_and_calling_again_works() {
    let _serial = serial();
    let dir = out_dir("server_restart_mid_call");
    let audio = silent_audio(&dir);
    let port = free_port();
    let mut server = Server::start(&dir, port, 4, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "fakeAudio": audio }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "en"}), &server);
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    browser.send(
        json!({"cmd": "wait_line", "who": "bot", "pattern": ".", "timeout_ms": 60000}),
        &server,
    );

    server.stop();
    let notice = browser.send(json!({"cmd": "wait_notice", "timeout_ms": 60000}), &server);
    assert_eq!(
        notice["text"], "The connection to kefu was lost. Press Call to try again.",
        "{notice}"
    );
    browser.send(
        json!({"cmd": "screenshot", "path": dir.join("connection-lost.png")}),
        &server,
    );

    let server = Server::start(&dir, port, 4, 2);
    let greetings = lines(&mut browser, &server).len();
    browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
    browser.send(
        json!({"cmd": "wait_state", "states": ["listening", "speaking"], "timeout_ms": 60000}),
        &server,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines(&mut browser, &server).len() == greetings {
        assert!(Instant::now() < deadline, "no greeting after calling again");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(server.healthy());
}

#[test]
fn closing_the_tab_frees_the_voice_line() {
    let _serial = serial();
    let dir = out_dir("closing_the_tab_frees_the_voice_line");
    let audio = silent_audio(&dir);
    // One voice line: a call left behind by the closed tab would make the next one busy.
    let server = Server::start(&dir, free_port(), 1, 1);
    let mut browser = Browser::launch("drive.mjs", json!({ "fakeAudio": audio }));
    browser.send(json!({"cmd": "open", "url": server.url()}), &server);
    browser.send(json!({"cmd": "select_lang", "lang": "en"}), &server);
    for _ in 0..2 {
        browser.send(json!({"cmd": "click", "selector": "#call"}), &server);
        browser.send(
            json!({"cmd": "wait_state", "states": ["listening", "speaking"], "timeout_ms": 60000}),
            &server,
        );
        browser.send(json!({"cmd": "reload"}), &server);
    }
    assert!(server.healthy());
}
