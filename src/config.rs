//! kefu's configuration: one TOML file (`kefu.toml`), every field optional with a documented default.
//!
//! Lookup order: `--config FILE`, then `$KEFU_CONFIG`, then `./kefu.toml` if present, else built-in defaults.
//! A few paths can also be overridden by environment variables (`KEFU_MODELS_DIR`, `KEFU_DB`) so that tests
//! and containers need no file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors while reading the configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("config file {path}: {source}")]
    Call {
        path: PathBuf,
        source: crate::call::CallConfigError,
    },
    #[error("config file {path}: {source}")]
    Sip {
        path: PathBuf,
        source: crate::doors::sip::SipConfigError,
    },
}

/// The whole configuration. See `kefu.toml` at the repository root for a commented example.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub models: ModelsConfig,
    pub asr: AsrConfig,
    pub tts: TtsConfig,
    pub store: StoreConfig,
    pub server: ServerConfig,
    pub dialogue: DialogueConfig,
    pub nlu: NluConfig,
    pub call: crate::call::CallConfig,
    pub pipeline: PipelineConfig,
    pub sip: crate::doors::sip::SipConfig,
    pub webrtc: WebRtcConfig,
    pub agents: crate::agents::AgentsConfig,
    pub auth: crate::auth::AuthConfig,
    pub analytics: AnalyticsConfig,
    pub privacy: PrivacyConfig,
}

/// Analytics: the daily summary file and the satisfaction survey.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Where `kefu serve` writes yesterday's summary (`kefu-YYYY-MM-DD.json` and `.html`) once a day; empty
    /// disables it.
    pub reports_dir: PathBuf,
    /// Ask for a 1–5 rating on the keypad when the bot ends a voice call.
    pub csat_survey: bool,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            reports_dir: PathBuf::from("reports"),
            csat_survey: true,
        }
    }
}

/// Privacy: retention of transcripts and recordings, call recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Transcripts and recordings older than this many days are deleted (daily, by `kefu serve`, or
    /// `kefu privacy retention`); 0 keeps them forever. Counts, intents and timings are kept.
    pub retention_days: u32,
    /// Record voice calls (caller and bot on separate channels of one WAV). Off by default; when on, callers
    /// hear a consent notice first.
    pub record_calls: bool,
    /// Where call recordings are written.
    pub recordings_dir: PathBuf,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            retention_days: 90,
            record_calls: false,
            recordings_dir: PathBuf::from("recordings"),
        }
    }
}

/// The worker threads that run live calls' engine jobs (a replay runs them inline).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Threads synthesising speech (recognition uses `asr.workers` threads, the dialogue one).
    pub tts_workers: usize,
    /// Jobs waiting per engine beyond which new ones are refused (the utterance is dropped, the turn apologised
    /// for) instead of piling up latency.
    pub queue_depth: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            tts_workers: 2,
            queue_depth: 16,
        }
    }
}

/// Where models live and where downloads are cached.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelsConfig {
    /// Directory holding the fetched models (default `models`, env `KEFU_MODELS_DIR`).
    pub dir: PathBuf,
    /// Download cache, outside the clone (default `~/.cache/kefu`, env `KEFU_CACHE_DIR`).
    pub cache_dir: PathBuf,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("models"),
            cache_dir: default_cache_dir(),
        }
    }
}

fn default_cache_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache").join("kefu"))
        .unwrap_or_else(|| PathBuf::from(".cache/kefu"))
}

/// Speech recognition (whisper.cpp).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsrConfig {
    /// Model name from the manifest: `base` (multilingual) or `tiny.en`.
    pub model: String,
    /// `zh`, `en` or `auto`.
    pub language: String,
    /// CPU threads per inference (default 1). whisper.cpp's threads spin while they wait for each other, so
    /// with more than one an inference stalls whenever another call, synthesis or process takes a core: on
    /// a loaded 2-core machine 2 threads gave tiny.en a p95 of 10 s of compute, 1 thread 2.4 s.
    pub threads: usize,
    /// Inference states kept ready; this many utterances are decoded at once (default: one per core).
    pub workers: usize,
    /// Size Whisper's audio context to the utterance instead of a full 30 s window (much faster on short
    /// utterances; guarded by a token cap and loop detection, retried with a wider context, then the full window).
    pub fit_audio_context: bool,
    /// Use whisper.cpp's flash-attention kernels (same text). Off: on a 2-core AVX-512 machine they were ~13%
    /// slower for short utterances.
    pub flash_attention: bool,
}

impl Default for AsrConfig {
    fn default() -> Self {
        Self {
            model: "base".into(),
            language: "auto".into(),
            threads: 1,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            fit_audio_context: true,
            flash_attention: false,
        }
    }
}

/// Speech synthesis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TtsConfig {
    /// English voice: `piper-joe` (neural) or `espeak` (fallback).
    pub en_voice: String,
    /// Mandarin voice: `kokoro` (neural; espeak-ng until it is fetched) or `espeak`.
    pub zh_voice: String,
    /// Kokoro voice style: Mandarin `zf_xiaobei` (default), `zf_xiaoni`, `zf_xiaoxiao`, `zf_xiaoyi`, `zm_yunjian`,
    /// `zm_yunxi`, `zm_yunxia`, `zm_yunyang` (model `kokoro-zh`; `jm_kumo` until fetched), Japanese `jm_kumo`,
    /// `jf_nezumi`, `jf_alpha`, `jf_gongitsune`, `jf_tebukuro`, or styles joined by `+` to average them.
    pub kokoro_voice: String,
    /// Kokoro's pace on top of `speed` (below 1 is slower; the Japanese styles' Mandarin is understood best at 0.85).
    pub kokoro_pace: f32,
    /// Speaking rate multiplier (1.0 = the voice's natural rate).
    pub speed: f32,
    /// CPU threads per synthesis; 0 (default): one per CPU core. A voice synthesises one sentence at a time and
    /// its threads sleep rather than spin when idle, so they speed a reply up without slowing recognition down.
    pub threads: usize,
    /// espeak-ng phoneme data (Debian package `espeak-ng-data`), used by espeak and to phonemize Piper voices.
    pub espeak_data: PathBuf,
    /// Piper (VITS) timbre/pitch sampling noise. 0 (default): the same text always gives the same audio.
    pub noise_scale: f32,
    /// Piper (VITS) phoneme-duration sampling noise. 0 (default) likewise.
    pub noise_scale_w: f32,
    /// Piper (VITS) duration multiplier (> 1 is slower), on top of `speed`.
    pub length_scale: f32,
    /// Megabytes of recently spoken sentences kept in memory, so repeated reply sentences are not synthesised
    /// again (0 turns it off; about 0.1 MB per second of Kokoro speech).
    pub sentence_cache_mb: usize,
}

impl Default for TtsConfig {
    fn default() -> Self {
        Self {
            en_voice: "piper-joe".into(),
            zh_voice: "kokoro".into(),
            kokoro_voice: "zf_xiaobei".into(),
            kokoro_pace: 1.0,
            speed: 1.0,
            threads: 0,
            espeak_data: PathBuf::from("/usr/lib/x86_64-linux-gnu/espeak-ng-data"),
            noise_scale: 0.0,
            noise_scale_w: 0.0,
            length_scale: 1.0,
            sentence_cache_mb: crate::speech::tts::DEFAULT_SENTENCE_CACHE_MB,
        }
    }
}

/// The store (orders, products, customers, tickets, calls).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite database file (default `kefu.db`, env `KEFU_DB`); created and migrated on first use.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("kefu.db"),
        }
    }
}

/// HTTP server (`kefu serve`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address for the web API and pages.
    pub http_bind: String,
    /// A chat session with no request for this many seconds is forgotten.
    pub session_idle_secs: u64,
    /// Most chat sessions held at once; new sessions get HTTP 503 beyond it.
    pub max_sessions: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            http_bind: "127.0.0.1:8080".into(),
            session_idle_secs: 900,
            max_sessions: 1000,
        }
    }
}

/// The dialogue engine's data files (the NLU's are under `[nlu]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DialogueConfig {
    /// FAQ knowledge base (TOML, `[[faq]]` entries in zh and en).
    pub kb_path: PathBuf,
}

impl Default for DialogueConfig {
    fn default() -> Self {
        Self {
            kb_path: PathBuf::from("data/kb/policies.toml"),
        }
    }
}

/// Language understanding (the intent model itself lives at `<models.dir>/nlu/intent-model.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NluConfig {
    /// NLU training and evaluation data (`en/`, `zh/`, `eval/`, `reviewed/`); the model is trained from it
    /// when missing.
    pub data_dir: PathBuf,
}

impl Default for NluConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data/nlu"),
        }
    }
}

/// The browser voice door (WebRTC): the page at `/` calls kefu from a tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebRtcConfig {
    /// Serve the voice page and accept WebRTC calls.
    pub enabled: bool,
    /// Most browser calls at once; further calls are refused with HTTP 503 and a message on the page.
    pub max_sessions: usize,
    /// Local UDP addresses for media. A wildcard (`0.0.0.0:0`) binds every non-loopback interface;
    /// `127.0.0.1:0` adds a loopback candidate for a browser on the same machine. Port 0 = any free port.
    pub udp_addrs: Vec<String>,
    /// Public addresses to announce instead of the local ones (a server behind 1:1 NAT), e.g. `["203.0.113.7"]`.
    pub public_ips: Vec<String>,
    /// STUN/TURN servers, used by kefu and handed to the page.
    pub ice_servers: Vec<IceServerConfig>,
    /// Longest wait for kefu's own ICE candidates before answering an offer.
    pub gather_timeout_ms: u64,
    /// A call whose media path is not up this long after the answer is dropped.
    pub connect_timeout_ms: u64,
    /// Opus bitrate for the bot's voice, bits per second.
    pub opus_bitrate: u32,
}

impl Default for WebRtcConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_sessions: 20,
            udp_addrs: vec!["0.0.0.0:0".into(), "127.0.0.1:0".into()],
            public_ips: Vec::new(),
            ice_servers: Vec::new(),
            gather_timeout_ms: 3000,
            connect_timeout_ms: 15000,
            opus_bitrate: 32000,
        }
    }
}

/// One STUN or TURN server (the browser's `RTCIceServer`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IceServerConfig {
    /// `stun:host:port`, `turn:host:port?transport=udp`, ...
    pub urls: Vec<String>,
    /// TURN user name (empty for STUN).
    pub username: String,
    /// TURN password (empty for STUN).
    pub credential: String,
}

impl Config {
    /// Loads the configuration as described in the module docs and applies environment overrides.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let from_env = std::env::var_os("KEFU_CONFIG").map(PathBuf::from);
        let path = explicit.map(Path::to_path_buf).or(from_env).or_else(|| {
            let local = PathBuf::from("kefu.toml");
            local.is_file().then_some(local)
        });
        let mut config = match path {
            Some(path) => Self::from_file(&path)?,
            None => Self::default(),
        };
        config.apply_env();
        Ok(config)
    }

    /// Parses one TOML file (no environment overrides).
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        config.call.validate().map_err(|source| ConfigError::Call {
            path: path.to_path_buf(),
            source,
        })?;
        config.sip.validate().map_err(|source| ConfigError::Sip {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(config)
    }

    fn apply_env(&mut self) {
        if let Some(dir) = std::env::var_os("KEFU_MODELS_DIR") {
            self.models.dir = dir.into();
        }
        if let Some(dir) = std::env::var_os("KEFU_CACHE_DIR") {
            self.models.cache_dir = dir.into();
        }
        if let Some(db) = std::env::var_os("KEFU_DB") {
            self.store.path = db.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c: Config = toml::from_str("").unwrap();
        assert_eq!(c.asr.model, "base");
        assert_eq!(c.server.http_bind, "127.0.0.1:8080");
    }

    #[test]
    fn example_file_documents_the_call_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kefu.toml");
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.call, crate::call::CallConfig::default());
    }

    #[test]
    fn example_file_documents_the_webrtc_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kefu.toml");
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.webrtc, WebRtcConfig::default());
    }

    #[test]
    fn invalid_call_setting_names_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[call.endpoint]\nspeech_on = 2.0\n").unwrap();
        let err = Config::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.toml") && err.contains("endpoint.speech_on"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_is_rejected_with_its_name() {
        let err = toml::from_str::<Config>("[asr]\nmodle = \"base\"\n").unwrap_err();
        assert!(err.to_string().contains("modle"), "{err}");
    }
}
