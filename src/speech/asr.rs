//! Speech recognition with whisper.cpp (whisper-rs): one loaded model shared by all calls, a pool of inference
//! states, greedy decoding tuned for short utterances.
//!
//! Speed: whisper.cpp's encoder normally runs a 30 s window whatever the utterance length. We size the audio
//! context to the utterance (≈ 50 encoder frames per second), which is several times faster on 2–6 s utterances
//! but occasionally makes the decoder loop. Guards catch that (a token cap proportional to the audio length and
//! n-gram loop detection) and retry once with the full window.

use std::path::Path;
use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperError,
    WhisperState,
};

use crate::config::AsrConfig;
use crate::lang::{Lang, UnknownLang};
use crate::models::{ModelError, ModelPaths};

/// Sample rate Whisper expects.
pub const SAMPLE_RATE: u32 = 16_000;
/// Whisper's window: 1500 encoder frames = 30 s.
const FULL_AUDIO_CTX: usize = 1500;
/// Encoder frames beyond the utterance, so that the decoder sees where speech ends.
const AUDIO_CTX_MARGIN: usize = 64;
/// Audio shorter than this is not decoded (whisper.cpp ignores < 100 ms).
const MIN_SAMPLES: usize = SAMPLE_RATE as usize / 10;
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
}

impl Default for AsrOptions {
    fn default() -> Self {
        Self {
            language: LanguageChoice::Auto,
            prompt: None,
        }
    }
}

/// The result of recognising one utterance.
#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
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
    /// True if a guard tripped on the sized context and the full window was used.
    pub retried: bool,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// One loaded Whisper model and a pool of inference states, shared by all callers (`Sync`).
pub struct AsrEngine {
    ctx: WhisperContext,
    model: String,
    multilingual: bool,
    threads: usize,
    fit_context: bool,
    workers: usize,
    pool: Mutex<Vec<WhisperState>>,
    freed: Condvar,
    max_wait: Duration,
}

/// What one decoding pass produced.
struct Pass {
    text: String,
    tokens: Vec<i32>,
    logprob_sum: f32,
    no_speech_prob: f32,
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
        let ctx = WhisperContext::new_with_params(path_str, WhisperContextParameters::default())
            .map_err(|e| AsrError::Load {
                path: path_str.to_string(),
                reason: format!("{e:?} (delete it and run `kefu models fetch {model}`)"),
            })?;
        let pool = (0..cfg.workers)
            .map(|_| {
                ctx.create_state()
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

        let fitted = if self.fit_context {
            fitted_audio_ctx(audio_secs)
        } else {
            FULL_AUDIO_CTX
        };
        let lang = match opts.language {
            LanguageChoice::Fixed(lang) => lang,
            LanguageChoice::Auto if !self.multilingual => Lang::En,
            LanguageChoice::Auto => self.detect_language(state, samples_16k, fitted)?,
        };
        let prompt = opts
            .prompt
            .clone()
            .or_else(|| (lang == Lang::Zh).then(|| ZH_SIMPLIFIED_PROMPT.to_string()))
            .map(|p| p.replace('\0', ""));
        let max_tokens = token_cap(audio_secs);

        let mut audio_ctx = fitted;
        let mut pass = self.decode(
            state,
            samples_16k,
            lang,
            prompt.as_deref(),
            audio_ctx,
            max_tokens,
        )?;
        let mut retried = false;
        if audio_ctx < FULL_AUDIO_CTX && (pass.tokens.len() >= max_tokens || has_loop(&pass.tokens))
        {
            tracing::debug!(
                tokens = pass.tokens.len(),
                audio_ctx,
                text = pass.text,
                "ASR guard tripped on a sized context; retrying with the full window"
            );
            audio_ctx = FULL_AUDIO_CTX;
            retried = true;
            pass = self.decode(
                state,
                samples_16k,
                lang,
                prompt.as_deref(),
                audio_ctx,
                max_tokens,
            )?;
        }
        let avg_logprob = if pass.tokens.is_empty() {
            0.0
        } else {
            pass.logprob_sum / pass.tokens.len() as f32
        };
        Ok(Transcript {
            text: pass.text.trim().to_string(),
            lang,
            avg_logprob,
            no_speech_prob: pass.no_speech_prob,
            audio_secs,
            compute: started.elapsed(),
            audio_ctx,
            retried,
        })
    }

    /// Picks Mandarin or English from Whisper's language probabilities, encoding with the sized context.
    fn detect_language(
        &self,
        state: &mut WhisperState,
        samples: &[f32],
        audio_ctx: usize,
    ) -> Result<Lang, AsrError> {
        // whisper.cpp applies `audio_ctx` to a state only inside `full`: a 0.1 s no-op pass sets it, so
        // detection encodes the same window as the transcription that follows.
        let mut prime = self.params(Some("en"), audio_ctx);
        prime.set_duration_ms(100);
        let silence = vec![0.0f32; SAMPLE_RATE as usize / 5];
        state
            .full(prime, &silence)
            .map_err(whisper_err("sizing the audio context"))?;
        state
            .pcm_to_mel(samples, self.threads)
            .map_err(whisper_err("computing the mel spectrogram"))?;
        let (_, probs) = state
            .lang_detect(0, self.threads)
            .map_err(whisper_err("detecting the language"))?;
        let prob = |code: &str| {
            whisper_rs::get_lang_id(code)
                .and_then(|id| probs.get(usize::try_from(id).ok()?).copied())
                .unwrap_or(0.0)
        };
        let (zh, en) = (prob("zh"), prob("en"));
        tracing::debug!(zh, en, "language probabilities");
        Ok(if zh > en { Lang::Zh } else { Lang::En })
    }

    fn params(
        &self,
        language: Option<&'static str>,
        audio_ctx: usize,
    ) -> FullParams<'static, 'static> {
        let mut p = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        p.set_n_threads(self.threads as i32);
        p.set_language(language);
        p.set_translate(false);
        p.set_no_timestamps(true);
        p.set_single_segment(true);
        p.set_no_context(true);
        p.set_suppress_blank(true);
        p.set_suppress_nst(true);
        p.set_temperature(0.0);
        // No temperature fallback: our guards decide on a retry.
        p.set_temperature_inc(0.0);
        p.set_print_special(false);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        p.set_print_timestamps(false);
        // 1500 means the model's own window; 0 tells whisper.cpp the same.
        p.set_audio_ctx(if audio_ctx >= FULL_AUDIO_CTX {
            0
        } else {
            audio_ctx as i32
        });
        p
    }

    fn decode(
        &self,
        state: &mut WhisperState,
        samples: &[f32],
        lang: Lang,
        prompt: Option<&str>,
        audio_ctx: usize,
        max_tokens: usize,
    ) -> Result<Pass, AsrError> {
        let mut p = self.params(Some(lang.code()), audio_ctx);
        p.set_max_tokens(max_tokens as i32);
        if let Some(prompt) = prompt {
            p.set_initial_prompt(prompt);
        }
        state.full(p, samples).map_err(whisper_err("decoding"))?;
        let eot = self.ctx.token_eot();
        let mut pass = Pass {
            text: String::new(),
            tokens: Vec::new(),
            logprob_sum: 0.0,
            no_speech_prob: 0.0,
        };
        for (i, segment) in state.as_iter().enumerate() {
            if i == 0 {
                pass.no_speech_prob = segment.no_speech_probability();
            }
            let text = segment
                .to_str_lossy()
                .map_err(whisper_err("reading the text"))?;
            pass.text.push_str(&text);
            for t in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(t) else {
                    continue;
                };
                let data = token.token_data();
                if data.id < eot {
                    pass.tokens.push(data.id);
                    pass.logprob_sum += data.plog;
                }
            }
        }
        Ok(pass)
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

    fn lock_pool(&self) -> MutexGuard<'_, Vec<WhisperState>> {
        // A panic while holding the lock cannot leave the Vec half-updated (push/pop only).
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A state borrowed from the pool; returned on drop.
struct Lease<'a> {
    engine: &'a AsrEngine,
    state: Option<WhisperState>,
}

impl Lease<'_> {
    fn state(&mut self) -> &mut WhisperState {
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

/// Encoder frames for `secs` of audio: 50 per second plus a margin, rounded up to 64, at most the full window.
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
    let len = tokens.len();
    let ends_with_repeats = |n: usize, times: usize| {
        if n * times > len {
            return false;
        }
        let tail = &tokens[len - n..];
        (1..times).all(|k| &tokens[len - n * (k + 1)..len - n * k] == tail)
    };
    ends_with_repeats(1, 5) || (2..=len / 3).any(|n| ends_with_repeats(n, 3))
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
