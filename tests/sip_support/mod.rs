//! Shared set-up for the phone-line tests: a real `kefu serve` on 127.0.0.1 with free ports, real SIP peers
//! (sipp, baresip), caller fixtures synthesised with kefu's voice and sox, and the call logs kefu writes.
//!
//! Everything runs in a temporary directory and every process is stopped when its handle drops. Tests of one
//! binary take turns (a process-wide lock): each starts its own kefu, and two at once would fight for the
//! two cores.

#![allow(dead_code)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tempfile::TempDir;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The repository's `sip/` folder (sipp scenarios).
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sip").join(name)
}

/// A port free on 127.0.0.1 for both UDP and TCP.
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP probe");
        let port = udp.local_addr().unwrap().port();
        if port < 65_000 && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Fails with the fix if a test peer is not installed.
pub fn require_tool(tool: &str, package: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed: run scripts/setup.sh (Debian package {package})"
    );
}

/// A running `kefu serve`.
pub struct Kefu {
    child: Option<Child>,
    pub dir: TempDir,
    pub sip: SocketAddr,
    /// The HTTP port (voice page, agent console).
    pub http: u16,
    pub call_logs: PathBuf,
    log_path: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

impl Kefu {
    /// A baresip caller from +14155550100 playing `voice` (offering `codecs`, e.g. "pcmu,pcma") who has dialled
    /// kefu and been answered.
    pub fn answered_caller(&self, dir: &Path, voice: &Path, codecs: &str) -> Baresip {
        let caller = Baresip::start(
            dir,
            "caller",
            voice,
            &format!("<sip:+14155550100@127.0.0.1:{{port}}>;regint=0;audio_codecs={codecs}"),
        );
        caller.command("dial", &format!("sip:kefu@{}", self.sip));
        assert!(
            caller.wait_for(Duration::from_secs(10), &|| self
                .log()
                .contains("call answered")),
            "kefu answers:\n{}",
            self.log()
        );
        caller
    }

    /// Starts kefu with a `[sip]` section made of the test's settings plus free ports, and waits until it
    /// answers OPTIONS. Models come from `$KEFU_MODELS_DIR` (or `./models`).
    pub fn start(sip_settings: &str) -> Kefu {
        Self::launch(sip_settings, "enabled = false")
    }

    /// [`Kefu::start`] with the app's voice door (WebRTC) on loopback as well.
    pub fn with_webrtc(sip_settings: &str) -> Kefu {
        Self::launch(sip_settings, "udp_addrs = [\"127.0.0.1:0\"]")
    }

    fn launch(sip_settings: &str, webrtc: &str) -> Kefu {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let http = free_port();
        let call_logs = dir.path().join("calls");
        // A window of RTP ports per instance; taken ports are skipped anyway.
        let rtp_min = 20_000 + (port % 200) * 100;
        let config = format!(
            "[server]\nhttp_bind = \"127.0.0.1:{http}\"\n\n[webrtc]\n{webrtc}\n\n[sip]\nbind = \"127.0.0.1\"\nport = {port}\n\
             rtp_port_min = {rtp_min}\nrtp_port_max = {}\ncall_log_dir = \"{}\"\n{sip_settings}\n",
            rtp_min + 99,
            call_logs.display()
        );
        let config_path = dir.path().join("kefu.toml");
        std::fs::write(&config_path, config).unwrap();
        let log_path = dir.path().join("kefu.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
        command
            .args(["--config"])
            .arg(&config_path)
            .arg("serve")
            .env("KEFU_DB", dir.path().join("kefu.db"))
            .env(
                "KEFU_LOG",
                "info,rsipstack=warn,whisper_rs=warn,rtc=warn,rtc_ice=warn,webrtc=warn,kefu::doors::sip::live=debug",
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if std::env::var_os("KEFU_MODELS_DIR").is_none() {
            command.env(
                "KEFU_MODELS_DIR",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
            );
        }
        let child = command.spawn().expect("spawn kefu serve");
        let mut kefu = Kefu {
            child: Some(child),
            dir,
            sip: SocketAddr::from(([127, 0, 0, 1], port)),
            http,
            call_logs,
            log_path,
            _turn: turn,
        };
        kefu.wait_ready();
        kefu
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "kefu serve exited ({status}) before answering:\n{}",
                    self.log()
                );
            }
            if options(self.sip, Duration::from_millis(500)).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "kefu serve did not answer OPTIONS within 120 s:\n{}",
            self.log()
        );
    }

    /// The kefu process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Everything kefu logged so far, without terminal colour codes.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log_path) {
            let _ = f.read_to_string(&mut text);
        }
        strip_ansi(&text)
    }

    /// Waits for `n` call logs and returns them (parsed JSON), oldest first.
    pub fn call_logs(&self, n: usize, within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&self.call_logs)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.retain(|p| p.extension().is_some_and(|e| e == "json"));
            if files.len() >= n {
                files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
                return files
                    .iter()
                    .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
                    .collect();
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} call logs in {}, found {}:\n{}",
                self.call_logs.display(),
                files.len(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops kefu with SIGTERM (a graceful shutdown) and returns its exit status and log.
    /// The server's store, readable while it runs (WAL).
    pub fn store(&self) -> kefu::store::Store {
        kefu::store::Store::open(&self.dir.path().join("kefu.db")).expect("kefu's store")
    }

    pub fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let log = self.log();
        (status, log)
    }
}

impl Drop for Kefu {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Removes ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Sends one OPTIONS over UDP and returns the response text, if one came.
pub fn options(target: SocketAddr, wait: Duration) -> Option<String> {
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    let local = socket.local_addr().ok()?;
    let request = format!(
        "OPTIONS sip:kefu@{target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-probe{port}\r\n\
         From: <sip:probe@{local}>;tag=probe\r\nTo: <sip:kefu@{target}>\r\nCall-ID: probe-{port}@test\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        port = local.port()
    );
    socket.set_read_timeout(Some(wait)).ok()?;
    socket.send_to(request.as_bytes(), target).ok()?;
    let mut buf = [0u8; 4096];
    let (len, _) = socket.recv_from(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..len]).to_string())
}

/// A sipp run's outcome.
pub struct SippRun {
    pub status: ExitStatus,
    /// sipp's screen and error log, for assertion messages.
    pub report: String,
}

impl SippRun {
    pub fn assert_success(&self, what: &str, kefu: &Kefu) {
        assert!(
            self.status.success(),
            "{what}: sipp failed ({}):\n{}\n--- kefu log ---\n{}",
            self.status,
            self.report,
            kefu.log()
        );
    }
}

/// Runs one sipp scenario against kefu from `dir` (where `caller.ulaw` lives), waiting for it to end.
pub fn sipp(dir: &Path, scenario_name: &str, target: SocketAddr, extra: &[&str]) -> SippRun {
    require_tool("sipp", "sip-tester");
    let port = free_port();
    let media = free_port();
    let output = Command::new("sipp")
        .arg(target.to_string())
        .arg("-sf")
        .arg(scenario(scenario_name))
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-mp",
            &media.to_string(),
        ])
        .args(["-nostdin", "-trace_err", "-timeout", "120s"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run sipp");
    let mut report = String::from_utf8_lossy(&output.stdout).to_string();
    report.push_str(&String::from_utf8_lossy(&output.stderr));
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with("_errors.log") {
                report.push_str(&format!("\n--- {name} ---\n"));
                report.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    SippRun {
        status: output.status,
        report,
    }
}

/// English speech from kefu's own neural voice (`kefu say`, Piper) as a 16-bit 8 kHz WAV padded with silence
/// (seconds). espeak-ng's voice is intelligible at 16 kHz, but Whisper misreads it once it has been through an
/// 8 kHz phone line; Piper's survives.
/// A caller who asks for a person 6.5 s in (after the greeting), waits `wait` seconds, then tells whoever
/// answers about a damaged parcel `repeats` times, `gap` seconds apart: `DIR/caller.wav`.
pub fn caller_asking_for_a_person(dir: &Path, wait: f32, repeats: usize, gap: f32) -> PathBuf {
    let ask = speech_wav(dir, "ask", "I want to talk to a person, please.", 6.5, wait);
    let more = speech_wav(
        dir,
        "more",
        "My parcel arrived damaged and I would like a replacement.",
        1.0,
        gap,
    );
    let caller = dir.join("caller.wav");
    let mut parts = vec![ask.to_str().unwrap()];
    parts.extend(std::iter::repeat_n(more.to_str().unwrap(), repeats));
    parts.push(caller.to_str().unwrap());
    sox(&parts);
    caller
}

pub fn speech_wav(dir: &Path, name: &str, text: &str, before: f32, after: f32) -> PathBuf {
    require_tool("sox", "sox");
    let raw = dir.join(format!("{name}.voice.wav"));
    let mut say = kefu_command();
    let out = say
        .args(["say", text, "--lang", "en", "-o"])
        .arg(&raw)
        .output()
        .expect("run kefu say");
    assert!(
        out.status.success(),
        "kefu say failed (run: kefu models fetch?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dir.join(format!("{name}.wav"));
    sox(&[
        raw.to_str().unwrap(),
        "-r",
        "8000",
        "-b",
        "16",
        "-e",
        "signed-integer",
        "-c",
        "1",
        out.to_str().unwrap(),
        "pad",
        &before.to_string(),
        &after.to_string(),
    ]);
    out
}

/// The kefu binary with quiet logs and the models directory of the normal config path.
fn kefu_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
    command.env("KEFU_LOG", "warn");
    if std::env::var_os("KEFU_MODELS_DIR").is_none() {
        command.env(
            "KEFU_MODELS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        );
    }
    command
}

/// `seconds` of digital silence as a 16-bit 8 kHz WAV.
pub fn silence_wav(dir: &Path, name: &str, seconds: f32) -> PathBuf {
    let out = dir.join(format!("{name}.wav"));
    sox(&[
        "-n",
        "-r",
        "8000",
        "-b",
        "16",
        "-e",
        "signed-integer",
        "-c",
        "1",
        out.to_str().unwrap(),
        "trim",
        "0",
        &seconds.to_string(),
    ]);
    out
}

/// Converts a WAV to headerless µ-law (what sipp's `rtp_stream` plays).
pub fn ulaw(wav: &Path, out: &Path) {
    sox(&[
        wav.to_str().unwrap(),
        "-t",
        "raw",
        "-r",
        "8000",
        "-c",
        "1",
        "-e",
        "u-law",
        out.to_str().unwrap(),
    ]);
}

/// Runs sox with `args`, failing the test on an error.
pub fn sox(args: &[&str]) {
    let out = Command::new("sox").args(args).output().expect("run sox");
    assert!(
        out.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Duration of a WAV in seconds.
pub fn wav_secs(path: &Path) -> f32 {
    let pcm = kefu::audio::wav::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pcm.duration_secs() as f32
}

/// Calls kefu with baresip, playing `source` (16-bit 8 kHz WAV) and recording what the caller hears. The
/// caller hangs up when `done()` turns true or the source ends, whichever comes first. Returns the recording
/// (8 kHz WAV).
pub fn baresip_call(
    dir: &Path,
    source: &Path,
    target: SocketAddr,
    done: &dyn Fn() -> bool,
) -> PathBuf {
    require_tool("baresip", "baresip-core");
    let conf = dir.join(format!("baresip-{}", free_port()));
    let rec = conf.join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    let sip_port = free_port();
    let rtp = free_port();
    let config = format!(
        "poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nsip_trans_def udp\ncall_local_timeout 120\n\
         call_max_calls 1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\n\
         module alsa.so\nmodule sndfile.so\nmodule_app account.so\nmodule_app menu.so\n\
         audio_source aufile,{source}\naudio_player alsa,null\naudio_alert alsa,null\n\
         ausrc_srate 8000\nauplay_srate 8000\nsnd_path {rec}\nnet_interface 127.0.0.1\n\
         rtp_ports {rtp}-{}\n",
        rtp + 9,
        source = source.display(),
        rec = rec.display(),
    );
    std::fs::write(conf.join("config"), config).unwrap();
    std::fs::write(
        conf.join("accounts"),
        format!("<sip:+14155550100@127.0.0.1:{sip_port}>;regint=0;audio_codecs=pcmu,pcma\n"),
    )
    .unwrap();
    let screen = conf.join("screen.log");
    // -t is only a safety net: the call ends with the source file or when `done()`.
    let limit = (wav_secs(source) + 30.0).ceil() as u32;
    let mut child = Command::new("baresip")
        .arg("-f")
        .arg(&conf)
        .args([
            "-e",
            &format!("/dial sip:kefu@{target}"),
            "-t",
            &limit.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&screen).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("run baresip");
    loop {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if done() {
            // baresip hangs up and closes its recordings on SIGTERM.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::fs::read_dir(&rec)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .unwrap_or_else(|| {
            panic!(
                "baresip recorded nothing; its output:\n{}",
                std::fs::read_to_string(&screen).unwrap_or_default()
            )
        })
}

/// Transcribes a recording with kefu's own ASR (`kefu transcribe`, English). Pauses longer than half a second
/// are shortened first: a call recording is mostly waiting, and Whisper reads one 30 s window.
/// Asserts that `who` heard one of `words` in `recording` (Whisper's lowercased transcript; `log` shown on
/// failure).
pub fn assert_heard(recording: &Path, who: &str, words: &[&str], log: &str) {
    let text = transcribe(recording).to_lowercase();
    eprintln!("{who} heard: {text}");
    assert!(
        words.iter().any(|w| text.contains(w)),
        "{who} hears one of {words:?}: {text:?}\n{log}"
    );
}

pub fn transcribe(wav: &Path) -> String {
    let squeezed = wav.with_extension("squeezed.wav");
    sox(&[
        wav.to_str().unwrap(),
        squeezed.to_str().unwrap(),
        "silence",
        "-l",
        "1",
        "0.1",
        "0.5%",
        "-1",
        "0.5",
        "0.5%",
    ]);
    let out = kefu_command()
        .arg("transcribe")
        .arg(&squeezed)
        .args(["--lang", "en"])
        .output()
        .expect("run kefu transcribe");
    assert!(
        out.status.success(),
        "kefu transcribe failed (run: kefu models fetch?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The RMS level of each 100 ms of a recording.
pub fn envelope(wav: &Path) -> Vec<f32> {
    let pcm = kefu::audio::wav::read(wav).unwrap();
    let block = (pcm.sample_rate / 10).max(1) as usize;
    pcm.samples
        .chunks(block)
        .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
        .collect()
}

/// A baresip user agent kept running by the test: a desk phone that registers and answers by itself, or a
/// caller driven over `ctrl_tcp` (dial, keypad). It records what it hears (`*-dec.wav`) and stops on drop.
pub struct Baresip {
    child: Option<Child>,
    conf: PathBuf,
    ctrl: u16,
    pub sip_port: u16,
}

impl Baresip {
    /// Starts baresip with `account` (its accounts line, `{port}` replaced by its own SIP port), playing
    /// `source` (16-bit 8 kHz WAV) into every call.
    pub fn start(dir: &Path, name: &str, source: &Path, account: &str) -> Baresip {
        require_tool("baresip", "baresip-core");
        let conf = dir.join(format!("baresip-{name}"));
        let rec = conf.join("rec");
        std::fs::create_dir_all(&rec).unwrap();
        let sip_port = free_port();
        let rtp = free_port();
        let ctrl = free_port();
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nsip_trans_def udp\ncall_local_timeout 120\n\
             call_max_calls 1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\n\
             module alsa.so\nmodule sndfile.so\nmodule ctrl_tcp.so\nmodule_app account.so\nmodule_app menu.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl}\n\
             audio_source aufile,{source}\naudio_player alsa,null\naudio_alert alsa,null\n\
             ausrc_srate 8000\nauplay_srate 8000\nsnd_path {rec}\nnet_interface 127.0.0.1\n\
             rtp_ports {rtp}-{}\n",
            rtp + 9,
            source = source.display(),
            rec = rec.display(),
        );
        std::fs::write(conf.join("config"), config).unwrap();
        std::fs::write(
            conf.join("accounts"),
            format!("{}\n", account.replace("{port}", &sip_port.to_string())),
        )
        .unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&conf)
            .args(["-t", "180"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(conf.join("screen.log")).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("run baresip");
        let phone = Baresip {
            child: Some(child),
            conf,
            ctrl,
            sip_port,
        };
        // Wait for the control port: the UA is up.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", ctrl)).is_err() {
            assert!(
                Instant::now() < deadline,
                "baresip did not start:\n{}",
                phone.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        phone
    }

    /// Sends one ctrl_tcp command (netstring JSON), e.g. `("dial", "sip:kefu@…")` or `("sndcode", "0")`.
    pub fn command(&self, command: &str, params: &str) {
        use std::io::Write;
        let json =
            serde_json::json!({"command": command, "params": params, "token": "t"}).to_string();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.ctrl)).expect("ctrl_tcp");
        stream
            .write_all(format!("{}:{json},", json.len()).as_bytes())
            .unwrap();
        // Wait for the response so the command has run before the connection drops.
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf);
    }

    /// What baresip printed so far.
    pub fn screen(&self) -> String {
        strip_ansi(&std::fs::read_to_string(self.conf.join("screen.log")).unwrap_or_default())
    }

    /// Waits until `done()` or `within` passes; false on timeout.
    pub fn wait_for(&self, within: Duration, done: &dyn Fn() -> bool) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// Stops baresip (SIGTERM: it hangs up and closes its recordings) and returns what it heard, if it
    /// recorded a call.
    pub fn stop(mut self) -> Option<PathBuf> {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        std::fs::read_dir(self.conf.join("rec"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
