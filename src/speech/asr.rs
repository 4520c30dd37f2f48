//! Speech recognition with whisper.cpp (whisper-rs): one loaded model shared by all calls, a pool of inference
//! states, greedy decoding tuned for short utterances (`asr/greedy.rs`).
//!
//! Speed: whisper.cpp's encoder normally runs a 30 s window whatever the utterance length. We size the audio
//! context to the utterance (≈ 50 encoder frames per second plus a margin of trailing silence), which is several
//! times faster on 2–6 s utterances but occasionally makes the decoder loop (typically repeating the whole
//! sentence). Guards catch that (a token cap proportional to the audio length and loop detection, checked after
//! every token) and retry with twice the context, then if need be the full window: on one thread the doubled
//! context cost tiny.en 0.6 s where the full window cost 1.6 s. The first pass stops at the first sign of a
//! loop ([`may_loop`]): its text is replaced anyway, so a false alarm costs a retry, never words; the retries,
//! whose text is kept, stop only on an unmistakable loop ([`has_loop`]). Looping is rarer with more trailing
//! silence, at an encoder cost on every utterance ([`AUDIO_CTX_MARGIN`]).
//! Compare settings with `kefu bench asr-takes`, which times the early takes that decide when a turn ends.

use std::path::Path;
use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use whisper_rs::{WhisperContext, WhisperContextParameters, WhisperError};

use crate::config::AsrConfig;
use crate::lang::{Lang, UnknownLang};
use crate::models::{ModelError, ModelPaths};

pub mod accuracy;
mod greedy;

/// Sample rate Whisper expects.
pub const SAMPLE_RATE: u32 = 16_000;
/// Whisper's window: 1500 encoder frames = 30 s.
const FULL_AUDIO_CTX: usize = 1500;
/// Encoder frames of trailing silence added to an utterance's window, so the decoder sees where speech ends.
/// Measured with `kefu bench asr-takes` over the English fixtures' early takes: tiny.en looped on 17 of 38 with
/// none, 8 with 64, 3 with 128, but at 128 every take's encoder costs more and `kefu bench latency` gave a
/// voice-to-voice p50 of 740 ms against 700 (p95 1100 against 1120); base still looped on 6 of 46 with 128
/// and spent 9% more compute.
pub const AUDIO_CTX_MARGIN: usize = 64;
/// Audio shorter than this is not decoded (whisper.cpp ignores < 100 ms).
const MIN_SAMPLES: usize = SAMPLE_RATE as usize / 10;
/// OpenAI Whisper's silence rule: above this no-speech probability, and below the log-probability threshold,
/// the decoded text is a hallucination ("you", "Thank you.") and is dropped.
const NO_SPEECH_THRESHOLD: f32 = 0.6;
const LOGPROB_THRESHOLD: f32 = -1.0;
/// Initial prompt that biases Whisper towards simplified characters for Mandarin.
pub const ZH_SIMPLIFIED_PROMPT: &str = "以下是普通话的句子。";

/// Errors from speech recognition.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cannot load Whisper model {path}: {reason}")]
    Load { path: String, reason: String },
    #[error("invalid ASR setting {what}: {reason}")]
    Config { what: &'static str, reason: String },
    #[error(
        "model {model} is English-only and cannot recognise {lang}: set `asr.model = \"base\"` for Mandarin"
    )]
    EnglishOnly { model: String, lang: Lang },
    #[error("audio is too short to recognise ({secs:.3} s; at least 0.1 s is needed)")]
    TooShort { secs: f32 },
    #[error(
        "all {workers} ASR workers stayed busy for {waited:?}: raise `asr.workers` or lower the load"
    )]
    Busy { workers: usize, waited: Duration },
    #[error("whisper failed while {stage}: {source:?}")]
    Whisper {
        stage: &'static str,
        source: WhisperError,
    },
}

fn whisper_err(stage: &'static str) -> impl FnOnce(WhisperError) -> AsrError {
    move |source| AsrError::Whisper { stage, source }
}

/// Which language to recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageChoice {
    /// Detect per utterance (between Mandarin and English).
    Auto,
    Fixed(Lang),
}

impl FromStr for LanguageChoice {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(Self::Auto)
        } else {
            s.parse().map(Self::Fixed)
        }
    }
}

/// Per-utterance options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsrOptions {
    pub language: LanguageChoice,
    /// Text that conditions the decoder (vocabulary, style). Mandarin gets a simplified-Chinese prompt by default.
    pub prompt: Option<String>,
    /// The caller is reading out digits (an order or phone number): the first pass skips the fitted window,
    /// on which Whisper often repeats the last digit group ("… 1 2 3 4 1 2 3 4 1 2 3"), and starts at twice it,
    /// where the retry would have gone anyway.
    pub digits: bool,
}

impl Default for AsrOptions {
    fn default() -> Self {
        Self {
            language: LanguageChoice::Auto,
            prompt: None,
            digits: false,
        }
    }
}

/// The result of recognising one utterance.
#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    /// Empty when Whisper judged the audio to hold no speech.
    pub text: String,
    pub lang: Lang,
    /// Mean log-probability of the text tokens (closer to 0 = more confident).
    pub avg_logprob: f32,
    /// Whisper's probability that the audio holds no speech.
    pub no_speech_prob: f32,
    pub audio_secs: f32,
    /// Wall-clock time spent recognising (detection, decoding, any retry).
    #[serde(serialize_with = "secs")]
    pub compute: Duration,
    /// Encoder frames used by the accepted pass (1500 = full 30 s window).
    pub audio_ctx: usize,
    /// True if a guard tripped on the sized context and a wider one (`audio_ctx`) was used.
    pub retried: bool,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// One loaded Whisper model and a pool of inference states, shared by all callers (`Sync`).
pub struct AsrEngine {
    ctx: WhisperContext,
    vocab: greedy::Vocab,
    model: String,
    multilingual: bool,
    threads: usize,
    fit_context: bool,
    workers: usize,
    pool: Mutex<Vec<greedy::Slot>>,
    freed: Condvar,
    max_wait: Duration,
}

impl AsrEngine {
    /// Loads model `cfg.model` (`base` or `tiny.en`) from `models_dir` and prepares `cfg.workers` states.
    pub fn load(models_dir: &Path, cfg: &AsrConfig) -> Result<Self, AsrError> {
        if cfg.threads == 0 {
            return Err(AsrError::Config {
                what: "asr.threads",
                reason: "must be at least 1".into(),
            });
        }
        if cfg.workers == 0 {
            return Err(AsrError::Config {
                what: "asr.workers",
                reason: "must be at least 1".into(),
            });
        }
        let paths = ModelPaths::new(models_dir)?;
        let spec = paths.manifest().get(&cfg.model)?;
        if !spec.name.starts_with("whisper-") {
            return Err(AsrError::Config {
                what: "asr.model",
                reason: format!("{} is not a Whisper model (use base or tiny.en)", spec.name),
            });
        }
        let model = spec.name.clone();
        let path = paths.file(&model, "ggml-model.bin")?;
        let path_str = path.to_str().ok_or_else(|| AsrError::Load {
            path: path.display().to_string(),
            reason: "path is not valid UTF-8".into(),
        })?;
        whisper_rs::install_logging_hooks();
        let started = Instant::now();
        let mut params = WhisperContextParameters::default();
        params.flash_attn(cfg.flash_attention);
        let ctx =
            WhisperContext::new_with_params(path_str, params).map_err(|e| AsrError::Load {
                path: path_str.to_string(),
                reason: format!("{e:?} (delete it and run `kefu models fetch {model}`)"),
            })?;
        let pool = (0..cfg.workers)
            .map(|_| {
                ctx.create_state()
                    .map(greedy::Slot::new)
                    .map_err(whisper_err("creating an inference state"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        tracing::info!(
            model,
            workers = cfg.workers,
            threads = cfg.threads,
            "Whisper loaded in {:.2} s",
            started.elapsed().as_secs_f32()
        );
        Ok(Self {
            multilingual: ctx.is_multilingual(),
            vocab: greedy::Vocab::new(&ctx),
            ctx,
            model,
            threads: cfg.threads,
            fit_context: cfg.fit_audio_context,
            workers: cfg.workers,
            pool: Mutex::new(pool),
            freed: Condvar::new(),
            max_wait: Duration::from_secs(60),
        })
    }

    /// The manifest name of the loaded model (`whisper-base`, `whisper-tiny.en`).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// True if the model recognises Mandarin as well as English.
    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Encoder frames of the first pass over `secs` of audio (1500 = the full window), read out as digits or not.
    pub fn first_audio_ctx(&self, secs: f32, digits: bool) -> usize {
        match (self.fit_context, digits) {
            (false, _) => FULL_AUDIO_CTX,
            (true, false) => fitted_audio_ctx(secs),
            (true, true) => (fitted_audio_ctx(secs) * 2).min(FULL_AUDIO_CTX),
        }
    }

    /// Recognises one utterance of 16 kHz mono samples. Blocks until an inference state is free.
    pub fn transcribe(
        &self,
        samples_16k: &[f32],
        opts: &AsrOptions,
    ) -> Result<Transcript, AsrError> {
        let started = Instant::now();
        let audio_secs = samples_16k.len() as f32 / SAMPLE_RATE as f32;
        if samples_16k.len() < MIN_SAMPLES {
            return Err(AsrError::TooShort { secs: audio_secs });
        }
        if let LanguageChoice::Fixed(lang) = opts.language
            && lang != Lang::En
            && !self.multilingual
        {
            return Err(AsrError::EnglishOnly {
                model: self.model.clone(),
                lang,
            });
        }
        let mut lease = self.lease()?;
        let state = lease.state();
        let prompt = |lang: Lang| {
            opts.prompt
                .clone()
                .or_else(|| (lang == Lang::Zh).then(|| ZH_SIMPLIFIED_PROMPT.to_string()))
        };
        let audio_ctx = self.first_audio_ctx(audio_secs, opts.digits);
        let mut req = greedy::Request {
            samples: samples_16k,
            lang: match opts.language {
                LanguageChoice::Fixed(lang) => Some(lang),
                LanguageChoice::Auto => None,
            },
            prompt: &prompt,
            audio_ctx,
            max_tokens: token_cap(audio_secs),
            // Only a pass that a wider one can follow may stop on a false alarm.
            eager_loop_guard: audio_ctx < FULL_AUDIO_CTX,
            threads: self.threads,
        };
        let mut pass = greedy::decode(&self.ctx, &self.vocab, state, &req)?;
        let mut retried = false;
        for wider in [req.audio_ctx * 2, FULL_AUDIO_CTX] {
            if !pass.cut_short || req.audio_ctx >= FULL_AUDIO_CTX {
                break;
            }
            tracing::debug!(
                tokens = pass.tokens.len(),
                audio_ctx = req.audio_ctx,
                text = pass.text,
                "ASR guard tripped on a sized context; retrying with a wider one"
            );
            req.audio_ctx = wider.min(FULL_AUDIO_CTX);
            req.lang = Some(pass.lang);
            req.eager_loop_guard = false;
            retried = true;
            pass = greedy::decode(&self.ctx, &self.vocab, state, &req)?;
        }
        let avg_logprob = if pass.tokens.is_empty() {
            0.0
        } else {
            pass.logprob_sum / pass.tokens.len() as f32
        };
        let silent = pass.no_speech_prob > NO_SPEECH_THRESHOLD && avg_logprob < LOGPROB_THRESHOLD;
        if silent {
            tracing::debug!(text = pass.text, "dropped as no speech");
        }
        Ok(Transcript {
            text: if silent { String::new() } else { pass.text },
            lang: pass.lang,
            avg_logprob,
            no_speech_prob: pass.no_speech_prob,
            audio_secs,
            compute: started.elapsed(),
            audio_ctx: req.audio_ctx,
            retried,
        })
    }

    fn lease(&self) -> Result<Lease<'_>, AsrError> {
        let started = Instant::now();
        let mut pool = self.lock_pool();
        loop {
            if let Some(state) = pool.pop() {
                return Ok(Lease {
                    engine: self,
                    state: Some(state),
                });
            }
            let waited = started.elapsed();
            if waited >= self.max_wait {
                return Err(AsrError::Busy {
                    workers: self.workers,
                    waited,
                });
            }
            pool = match self.freed.wait_timeout(pool, self.max_wait - waited) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn lock_pool(&self) -> MutexGuard<'_, Vec<greedy::Slot>> {
        // A panic while holding the lock cannot leave the Vec half-updated (push/pop only).
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A state borrowed from the pool; returned on drop.
struct Lease<'a> {
    engine: &'a AsrEngine,
    state: Option<greedy::Slot>,
}

impl Lease<'_> {
    fn state(&mut self) -> &mut greedy::Slot {
        // Invariant: `state` is Some from construction until drop.
        self.state
            .as_mut()
            .expect("lease holds a state until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.engine.lock_pool().push(state);
            self.engine.freed.notify_one();
        }
    }
}

/// Encoder frames for `secs` of audio: 50 per second plus [`AUDIO_CTX_MARGIN`], rounded up to 64, at most the
/// full window.
pub fn fitted_audio_ctx(secs: f32) -> usize {
    let frames = (secs.max(0.0) * 50.0).ceil() as usize + AUDIO_CTX_MARGIN;
    frames.div_ceil(64).saturating_mul(64).min(FULL_AUDIO_CTX)
}

/// Most tokens an honest transcript of `secs` of speech needs: fast Mandarin runs near 8 tokens/s.
pub fn token_cap(secs: f32) -> usize {
    16 + (secs.max(0.0) * 10.0).ceil() as usize
}

/// True if the token sequence ends in a loop: the same n-gram three times in a row (n ≥ 2), or one token five
/// times in a row.
pub fn has_loop(tokens: &[i32]) -> bool {
    ends_with_repeats(tokens, 1, 5)
        || (2..=tokens.len() / 3).any(|n| ends_with_repeats(tokens, n, 3))
}

/// True at the first sign of a loop: [`has_loop`], the transcript starting over (its first 3 tokens again), or
/// a run of at least 6 tokens twice in a row. A caller may repeat themselves, so only for a pass whose text a
/// wider one replaces: on a looping sentence it stops after one copy and 3 tokens instead of three copies.
pub fn may_loop(tokens: &[i32]) -> bool {
    const RESTART: usize = 3;
    const LONG_RUN: usize = 6;
    let len = tokens.len();
    has_loop(tokens)
        || (len >= 2 * RESTART && tokens[len - RESTART..] == tokens[..RESTART])
        || (LONG_RUN..=len / 2).any(|n| ends_with_repeats(tokens, n, 2))
}

/// True if `tokens` ends with the same `n` tokens `times` times in a row.
fn ends_with_repeats(tokens: &[i32], n: usize, times: usize) -> bool {
    let len = tokens.len();
    if n * times > len {
        return false;
    }
    let tail = &tokens[len - n..];
    (1..times).all(|k| &tokens[len - n * (k + 1)..len - n * k] == tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_context_follows_the_utterance() {
        assert_eq!(fitted_audio_ctx(0.5), 128);
        assert_eq!(fitted_audio_ctx(3.0), 256);
        assert_eq!(fitted_audio_ctx(10.0), 576);
        assert_eq!(fitted_audio_ctx(29.0), FULL_AUDIO_CTX);
        assert_eq!(fitted_audio_ctx(60.0), FULL_AUDIO_CTX);
    }

    #[test]
    fn detects_decoder_loops() {
        assert!(has_loop(&[1, 2, 3, 4, 5, 3, 4, 5, 3, 4, 5]));
        assert!(has_loop(&[9, 7, 7, 7, 7, 7]));
        assert!(!has_loop(&[1, 2, 3, 4, 5, 6, 7, 8]));
        assert!(!has_loop(&[1, 2, 1, 2, 3]));
        assert!(!has_loop(&[7, 7, 7]));
        assert!(!has_loop(&[]));
    }

    #[test]
    fn sees_a_loop_coming() {
        // Every loop has_loop sees.
        assert!(may_loop(&[1, 2, 3, 4, 5, 3, 4, 5, 3, 4, 5]));
        assert!(may_loop(&[9, 7, 7, 7, 7, 7]));
        // The sentence starts over: "Hi, when will my parcel be delivered? Hi, when will".
        assert!(may_loop(&[5, 6, 7, 8, 9, 10, 11, 5, 6, 7]));
        assert!(!has_loop(&[5, 6, 7, 8, 9, 10, 11, 5, 6, 7]));
        // Six tokens twice: "…, 1, 2, 3, 1, 2, 3" after other words.
        assert!(may_loop(&[40, 41, 0, 1, 0, 2, 0, 3, 0, 1, 0, 2, 0, 3]));
        // A caller's own repeats: an order number "1234 1234", "double nine, double nine", "yes, yes".
        assert!(!may_loop(&[1, 2, 3, 4, 1, 2, 3, 4]));
        assert!(!may_loop(&[20, 21, 22, 0, 23, 9, 0, 23, 9]));
        assert!(!may_loop(&[30, 0, 31, 0, 31]));
        assert!(!may_loop(&[5, 6, 7, 5, 6]));
        assert!(!may_loop(&[]));
    }

    #[test]
    fn parses_language_choices() {
        assert_eq!(
            "auto".parse::<LanguageChoice>().unwrap(),
            LanguageChoice::Auto
        );
        assert_eq!(
            "zh".parse::<LanguageChoice>().unwrap(),
            LanguageChoice::Fixed(Lang::Zh)
        );
        assert!("fr".parse::<LanguageChoice>().is_err());
    }

    #[test]
    fn missing_model_says_how_to_fetch_it() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = AsrConfig {
            model: "tiny.en".into(),
            ..AsrConfig::default()
        };
        let err = AsrEngine::load(dir.path(), &cfg).err().unwrap().to_string();
        assert!(
            err.contains("run `kefu models fetch whisper-tiny.en`"),
            "{err}"
        );
    }
}
