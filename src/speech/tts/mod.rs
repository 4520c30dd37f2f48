//! Speech synthesis: pluggable [`Voice`]s per language behind one shared [`TtsEngine`] that speaks replies
//! sentence by sentence (streaming within a sentence where the voice can) and caches fixed prompts.

pub mod cache;
pub mod espeak;
pub mod kokoro;
pub mod mandarin;
pub mod piper;
pub mod piper_ids;
pub mod sentences;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::TtsConfig;
use crate::lang::Lang;
use cache::{PromptCache, PromptId, SentenceCache};
use espeak::EspeakVoice;
use kokoro::KokoroVoice;
use piper::{PiperVoice, VitsScales};

/// Voice names accepted in `[tts] en_voice` / `zh_voice`.
pub const VOICE_NAMES: &str = "\"piper-joe\" (English), \"kokoro\" (Mandarin), \"espeak\"";

/// Megabytes of recently spoken sentences kept in memory by default (`[tts] sentence_cache_mb`).
pub const DEFAULT_SENTENCE_CACHE_MB: usize = 32;

/// Errors of speech synthesis.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    #[error("voice {voice}: model file {} missing: run `kefu models fetch`", path.display())]
    MissingModel { voice: String, path: PathBuf },
    #[error(
        "espeak-ng data folder {} missing: install the Debian package espeak-ng-data or set [tts] espeak_data",
        path.display()
    )]
    MissingEspeakData { path: PathBuf },
    #[error("cannot load voice {voice}: {message}")]
    Load { voice: String, message: String },
    #[error("voice {voice} failed to synthesise: {message}")]
    Synthesis { voice: String, message: String },
    #[error("espeak-ng: {0}")]
    Espeak(String),
    #[error("unknown {lang} voice {name:?} in [tts]: expected one of {VOICE_NAMES}")]
    UnknownVoice { name: String, lang: Lang },
    #[error("path {} is not valid UTF-8", path.display())]
    NonUtf8Path { path: PathBuf },
}

/// A synthesis voice for one language. Operators can plug in better models behind this trait.
pub trait Voice: Send + Sync {
    /// Name for logs and the prompt cache (includes the model, e.g. `piper-joe`, `espeak:en-us`).
    fn name(&self) -> &str;
    fn lang(&self) -> Lang;
    /// Native output rate in Hz.
    fn sample_rate(&self) -> u32;
    /// Synthesises one sentence at the native rate; `speed` 1.0 is the voice's natural pace.
    fn synthesize(&self, sentence: &str, speed: f32) -> Result<Vec<f32>, TtsError>;
    /// Synthesises one sentence like [`Voice::synthesize`], handing the audio to `emit` in pieces as it is made
    /// (`done` with the sentence's last piece) and stopping early once `emit` returns false. A voice that
    /// cannot stream hands the sentence over whole.
    fn synthesize_pieces(
        &self,
        sentence: &str,
        speed: f32,
        emit: &mut dyn FnMut(Vec<f32>, bool) -> bool,
    ) -> Result<(), TtsError> {
        emit(self.synthesize(sentence, speed)?, true);
        Ok(())
    }
}

/// The text a voice can be handed: NUL characters removed (C APIs and sherpa-onnx's binding stop or panic on
/// them); `None` when nothing speakable is left.
pub(crate) fn clean_sentence(sentence: &str) -> Option<String> {
    let text: String = sentence.chars().filter(|&c| c != '\0').collect();
    (!text.trim().is_empty()).then_some(text)
}

/// Synthesised audio for one sentence (or prompt), mono f32 at the voice's native rate.
/// Doors resample at their edge.
#[derive(Debug, Clone, PartialEq)]
pub struct TtsChunk {
    pub text: String,
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl TtsChunk {
    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// A piece of a reply's speech from [`TtsEngine::speak_pieces`], mono f32 at the voice's native rate.
#[derive(Debug)]
pub struct SpeechPiece<'a> {
    /// The sentence the piece belongs to.
    pub sentence: &'a str,
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// The reply's last piece.
    pub last: bool,
}

/// The shared synthesis engine: one voice per language, the prompt cache. `Send + Sync`; one per process.
pub struct TtsEngine {
    en: Arc<dyn Voice>,
    zh: Arc<dyn Voice>,
    speed: f32,
    cache: PromptCache,
    sentences: SentenceCache,
    synthesized: AtomicU64,
}

impl TtsEngine {
    /// Loads the voices named in `cfg` from `models_dir`; prompts are cached under `models_dir/tts-cache`.
    /// A missing Piper model falls back to espeak-ng with one warning.
    pub fn load(models_dir: &Path, cfg: &TtsConfig) -> Result<Self, TtsError> {
        let en = load_voice(&cfg.en_voice, Lang::En, models_dir, cfg)?;
        let zh = load_voice(&cfg.zh_voice, Lang::Zh, models_dir, cfg)?;
        Ok(
            Self::with_voices(en, zh, cfg.speed, &models_dir.join("tts-cache"))
                .with_sentence_cache(cfg.sentence_cache_mb << 20),
        )
    }

    /// An engine over voices built elsewhere (for models kefu does not know by name).
    pub fn with_voices(
        en: Arc<dyn Voice>,
        zh: Arc<dyn Voice>,
        speed: f32,
        cache_dir: &Path,
    ) -> Self {
        Self {
            en,
            zh,
            speed,
            cache: PromptCache::new(cache_dir),
            sentences: SentenceCache::new(DEFAULT_SENTENCE_CACHE_MB << 20),
            synthesized: AtomicU64::new(0),
        }
    }

    /// Keeps up to `bytes` of recently spoken sentences in memory (0: none).
    pub fn with_sentence_cache(mut self, bytes: usize) -> Self {
        self.sentences = SentenceCache::new(bytes);
        self
    }

    /// The voice speaking `lang`.
    pub fn voice(&self, lang: Lang) -> &dyn Voice {
        match lang {
            Lang::En => self.en.as_ref(),
            Lang::Zh => self.zh.as_ref(),
        }
    }

    /// Speaks `text` sentence by sentence, lazily: each chunk is synthesised when the iterator reaches it, so the
    /// first can play while the rest is made (and a barge-in simply drops the iterator). The length is known
    /// up front, so a consumer can tell the last chunk without synthesising ahead.
    pub fn speak<'a>(
        &'a self,
        text: &str,
        lang: Lang,
    ) -> impl ExactSizeIterator<Item = Result<TtsChunk, TtsError>> + 'a {
        let voice = self.voice(lang);
        sentences::split(text).into_iter().map(move |sentence| {
            let samples = self.synthesize(voice, &sentence)?;
            Ok(TtsChunk {
                text: sentence,
                samples,
                sample_rate: voice.sample_rate(),
            })
        })
    }

    /// Speaks `text` as the audio is made, handing it to `emit` piece by piece (a streaming voice hands over
    /// the first fraction of a second of a sentence before making the rest) until `emit` returns false. A
    /// sentence that fails is logged and stands as an empty piece: the rest of the reply is still worth hearing.
    /// Text with nothing to say gives one empty last piece, so a consumer always sees the end.
    pub fn speak_pieces(
        &self,
        text: &str,
        lang: Lang,
        emit: &mut dyn FnMut(SpeechPiece<'_>) -> bool,
    ) {
        let voice = self.voice(lang);
        let sentences = sentences::split(text);
        if sentences.is_empty() {
            emit(SpeechPiece {
                sentence: "",
                samples: Vec::new(),
                sample_rate: voice.sample_rate(),
                last: true,
            });
            return;
        }
        for (i, sentence) in sentences.iter().enumerate() {
            let last_sentence = i + 1 == sentences.len();
            let mut go_on = true;
            let mut piece = |samples: Vec<f32>, done: bool| {
                go_on = emit(SpeechPiece {
                    sentence,
                    samples,
                    sample_rate: voice.sample_rate(),
                    last: done && last_sentence,
                });
                go_on
            };
            if let Err(e) = self.synthesize_pieces(voice, sentence, &mut piece) {
                tracing::error!(voice = voice.name(), sentence, "synthesis failed: {e}");
                piece(Vec::new(), true);
            }
            if !go_on {
                return;
            }
        }
    }

    /// A fixed prompt (greeting, hold message), synthesised once and then served from memory or the disk cache.
    pub fn prompt(&self, key: &str, text: &str, lang: Lang) -> Result<Arc<TtsChunk>, TtsError> {
        let voice = self.voice(lang);
        let id = PromptId {
            key,
            voice: voice.name(),
            sample_rate: voice.sample_rate(),
            speed: self.speed,
            text,
        };
        if let Some(hit) = self.cache.get(&id) {
            return Ok(hit);
        }
        let mut samples = Vec::new();
        for sentence in sentences::split(text) {
            samples.extend(self.synthesize(voice, &sentence)?);
        }
        Ok(self.cache.put(&id, samples))
    }

    /// Sentences synthesised so far (cache hits, prompt or sentence, excluded): for metrics.
    pub fn sentences_synthesized(&self) -> u64 {
        self.synthesized.load(Ordering::Relaxed)
    }

    /// [`Voice::synthesize_pieces`] through the sentence cache.
    fn synthesize_pieces(
        &self,
        voice: &dyn Voice,
        sentence: &str,
        emit: &mut dyn FnMut(Vec<f32>, bool) -> bool,
    ) -> Result<(), TtsError> {
        if let Some(hit) = self.sentences.get(voice.name(), self.speed, sentence) {
            emit(hit.to_vec(), true);
            return Ok(());
        }
        self.synthesized.fetch_add(1, Ordering::Relaxed);
        let mut whole = Vec::new();
        let mut complete = false;
        voice.synthesize_pieces(sentence, self.speed, &mut |samples, done| {
            whole.extend_from_slice(&samples);
            complete = done;
            emit(samples, done)
        })?;
        if complete {
            self.sentences
                .put(voice.name(), self.speed, sentence, &whole);
        }
        Ok(())
    }

    fn synthesize(&self, voice: &dyn Voice, sentence: &str) -> Result<Vec<f32>, TtsError> {
        if let Some(hit) = self.sentences.get(voice.name(), self.speed, sentence) {
            return Ok(hit.to_vec());
        }
        self.synthesized.fetch_add(1, Ordering::Relaxed);
        let samples = voice.synthesize(sentence, self.speed)?;
        self.sentences
            .put(voice.name(), self.speed, sentence, &samples);
        Ok(samples)
    }
}

fn load_voice(
    name: &str,
    lang: Lang,
    models_dir: &Path,
    cfg: &TtsConfig,
) -> Result<Arc<dyn Voice>, TtsError> {
    match (name, lang) {
        ("piper-joe", Lang::En) => {
            let dir = models_dir.join("piper-joe");
            match PiperVoice::load(name, lang, &dir, &cfg.espeak_data, cfg.threads) {
                Ok(voice) => Ok(Arc::new(voice.with_scales(VitsScales {
                    noise: cfg.noise_scale,
                    noise_w: cfg.noise_scale_w,
                    length: cfg.length_scale,
                }))),
                Err(e @ TtsError::MissingModel { .. }) => {
                    tracing::warn!(
                        "{e}; speaking English with espeak-ng until then (or set [tts] en_voice = \"espeak\")"
                    );
                    Ok(Arc::new(EspeakVoice::new(lang, &cfg.espeak_data)?))
                }
                Err(e) => Err(e),
            }
        }
        ("kokoro", Lang::Zh) => {
            let dir = models_dir.join("kokoro");
            let load = |style: &str| KokoroVoice::load(&dir, style, &cfg.espeak_data, cfg.threads);
            let loaded = match load(&cfg.kokoro_voice) {
                // The Mandarin styles are a separate download: without them, keep speaking with a Japanese style.
                Err(TtsError::MissingModel { path, .. })
                    if path.extension().is_some_and(|e| e == "f32")
                        && dir.join("model.onnx").is_file()
                        && cfg.kokoro_voice != kokoro::FALLBACK_STYLE =>
                {
                    tracing::warn!(
                        "Kokoro voice style {} missing: run `kefu models fetch kokoro-zh` for the Mandarin styles; \
                         speaking with the Japanese style {} until then",
                        path.display(),
                        kokoro::FALLBACK_STYLE
                    );
                    load(kokoro::FALLBACK_STYLE)
                }
                other => other,
            };
            match loaded {
                Ok(voice) => Ok(Arc::new(voice.with_pace(cfg.kokoro_pace))),
                Err(e @ TtsError::MissingModel { .. }) => {
                    tracing::warn!(
                        "{e}; speaking Mandarin with espeak-ng until then (or set [tts] zh_voice = \"espeak\")"
                    );
                    Ok(Arc::new(EspeakVoice::new(lang, &cfg.espeak_data)?))
                }
                Err(e) => Err(e),
            }
        }
        ("espeak", _) => Ok(Arc::new(EspeakVoice::new(lang, &cfg.espeak_data)?)),
        _ => Err(TtsError::UnknownVoice {
            name: name.to_string(),
            lang,
        }),
    }
}
