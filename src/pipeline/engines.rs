//! The engines every call shares: one Whisper model, the TTS voices, the VAD model and the dialogue engine.
//! A call never loads a model; it sends [`Job`]s that [`Engines::run`] executes.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::audio::resample::Resampler;
use crate::call::{CallConfig, ListenMode};
use crate::config::Config;
use crate::dialogue::DialogueEngine;
use crate::speech::asr::{AsrEngine, AsrOptions, LanguageChoice, SAMPLE_RATE};
use crate::speech::tts::TtsEngine;
use crate::speech::vad::{self, VadModel};

use super::PipelineError;
use super::job::{Job, JobOutput, JobResult};
use super::workers::Workers;

/// The shared engines plus the settings calls are made with. Build once per process with [`Engines::load`].
pub struct Engines {
    pub(super) asr: Arc<AsrEngine>,
    pub(super) tts: Arc<TtsEngine>,
    pub(super) vad: Arc<VadModel>,
    pub(super) dialogue: Arc<DialogueEngine>,
    pub(super) config: Config,
    /// ASR language when the call does not fix one.
    pub(super) asr_language: LanguageChoice,
    /// Worker threads for live calls, started on first use (a replay runs jobs inline and never needs them).
    workers: OnceLock<Workers>,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engines")
            .field("asr", &self.asr.model())
            .finish_non_exhaustive()
    }
}

impl Engines {
    /// Loads Whisper, the VAD, the voices and the dialogue engine (store seeded on first use) from `config`.
    pub fn load(config: &Config) -> Result<Arc<Self>, PipelineError> {
        let started = Instant::now();
        let dialogue = DialogueEngine::open(config)?;
        let asr = AsrEngine::load(&config.models.dir, &config.asr)?;
        let vad = VadModel::load(&vad::model_path(&config.models.dir))?;
        let tts = TtsEngine::load(&config.models.dir, &config.tts)?;
        let engines = Self::from_parts(
            Arc::new(asr),
            Arc::new(tts),
            Arc::new(vad),
            Arc::new(dialogue),
            config,
        )?;
        tracing::info!(
            asr = engines.asr.model(),
            "engines ready in {:.1} s",
            started.elapsed().as_secs_f32()
        );
        Ok(Arc::new(engines))
    }

    /// Engines over parts loaded elsewhere (a replay suite swaps the dialogue engine per fixture, a benchmark the
    /// Whisper model).
    pub fn from_parts(
        asr: Arc<AsrEngine>,
        tts: Arc<TtsEngine>,
        vad: Arc<VadModel>,
        dialogue: Arc<DialogueEngine>,
        config: &Config,
    ) -> Result<Self, PipelineError> {
        config.call.validate()?;
        let asr_language: LanguageChoice =
            config
                .asr
                .language
                .parse()
                .map_err(|_| PipelineError::Config {
                    key: "asr.language",
                    problem: format!("{:?} is not zh, en or auto", config.asr.language),
                })?;
        Ok(Self {
            asr,
            tts,
            vad,
            dialogue,
            config: config.clone(),
            asr_language,
            workers: OnceLock::new(),
        })
    }

    /// The same engines with another dialogue engine (and so another store).
    pub fn with_dialogue(&self, dialogue: Arc<DialogueEngine>) -> Self {
        Self {
            asr: Arc::clone(&self.asr),
            tts: Arc::clone(&self.tts),
            vad: Arc::clone(&self.vad),
            dialogue,
            config: self.config.clone(),
            asr_language: self.asr_language,
            workers: OnceLock::new(),
        }
    }

    /// The call-engine settings.
    pub fn call_config(&self) -> &CallConfig {
        &self.config.call
    }

    /// The VAD model (another side of a call, such as a live agent, is transcribed with it too).
    pub fn vad_model(&self) -> &Arc<VadModel> {
        &self.vad
    }

    /// True when the ASR model hears Mandarin as well as English.
    pub fn asr_is_multilingual(&self) -> bool {
        self.asr.is_multilingual()
    }

    /// The speech synthesis engine (hold messages and other prompts outside the conversation).
    pub fn tts(&self) -> &Arc<TtsEngine> {
        &self.tts
    }

    /// The dialogue engine (and through it the store).
    pub fn dialogue(&self) -> &Arc<DialogueEngine> {
        &self.dialogue
    }

    /// The loaded Whisper model's name.
    pub fn asr_model(&self) -> &str {
        self.asr.model()
    }

    /// Waits (at most `timeout`) for live calls' queued and running jobs to finish; true if they did. Call it
    /// before the process exits: native inference cut off mid-run aborts the process.
    pub fn wait_idle(&self, timeout: std::time::Duration) -> bool {
        self.workers.get().is_none_or(|w| w.wait_idle(timeout))
    }

    /// The worker pool for live calls, started on first use (also the agent desk's transcription of agents).
    pub fn workers(self: &Arc<Self>) -> &Workers {
        self.workers
            .get_or_init(|| Workers::start(Arc::downgrade(self), &self.config))
    }

    /// Runs one job to completion on the calling thread, handing each result to `emit` as soon as it exists
    /// (a synthesis emits one result per piece of speech). Errors are logged and passed on as text.
    pub fn run(&self, job: Job, emit: &mut dyn FnMut(JobResult)) {
        let started = Instant::now();
        let done = |output| JobResult {
            compute: started.elapsed(),
            output,
        };
        match job {
            Job::Greet { spec } => {
                let result = self
                    .dialogue
                    .start(spec.channel, spec.caller.as_deref(), spec.lang)
                    .map(|(conv, reply)| (Box::new(conv), reply))
                    .map_err(|e| {
                        tracing::error!("greeting failed: {e}");
                        e.to_string()
                    });
                emit(done(JobOutput::Greeting(result)));
            }
            Job::Transcribe {
                turn,
                take,
                audio,
                language,
                listen,
                cancel,
            } => {
                if cancel.is_cancelled() {
                    // Under load, stale early takes would otherwise queue ahead of the turn's real one.
                    tracing::debug!(%turn, take, "skipped a superseded transcription");
                    return;
                }
                let opts = AsrOptions {
                    language,
                    prompt: None,
                    digits: matches!(listen, ListenMode::Digits { .. }),
                };
                let result = self.asr.transcribe(&audio, &opts).map_err(|e| {
                    tracing::warn!(%turn, "ASR failed: {e}");
                    e.to_string()
                });
                let known_order = matches!(
                    listen,
                    ListenMode::Digits {
                        order_number: true,
                        ..
                    }
                ) && result
                    .as_ref()
                    .is_ok_and(|t| self.dialogue.names_known_order(&t.text));
                emit(done(JobOutput::Transcript {
                    turn,
                    take,
                    result,
                    known_order,
                }));
            }
            Job::Understand {
                turn,
                mut conversation,
                input,
            } => {
                let result = self.dialogue.handle(&mut conversation, input).map_err(|e| {
                    tracing::error!(%turn, "dialogue failed: {e}");
                    e.to_string()
                });
                emit(done(JobOutput::Reply {
                    turn,
                    conversation,
                    result,
                }));
            }
            Job::Synthesize {
                reply,
                text,
                lang,
                prompt,
                cancel,
            } => self.synthesize(reply, &text, lang, prompt, &cancel, emit),
        }
    }

    fn synthesize(
        &self,
        reply: crate::call::ReplyId,
        text: &str,
        lang: crate::lang::Lang,
        prompt: Option<&'static str>,
        cancel: &super::job::Cancel,
        emit: &mut dyn FnMut(JobResult),
    ) {
        let mut started = Instant::now();
        let mut speech = |sentence: String, samples: Vec<f32>, last: bool, started: Instant| {
            emit(JobResult {
                compute: started.elapsed(),
                output: JobOutput::Speech {
                    reply,
                    sentence,
                    samples,
                    last,
                },
            });
        };
        if let Some(key) = prompt {
            match self
                .tts
                .prompt(key, text, lang)
                .map_err(|e| e.to_string())
                .and_then(|chunk| to_16k(&chunk.samples, chunk.sample_rate))
            {
                Ok(samples) => speech(text.to_string(), samples, true, started),
                Err(e) => {
                    tracing::error!(%reply, "synthesising prompt {key} failed: {e}");
                    speech(String::new(), Vec::new(), true, started);
                }
            }
            return;
        }
        // One converter for the whole reply, so the pieces join without seams.
        let mut resampler: Option<Resampler> = None;
        self.tts.speak_pieces(text, lang, &mut |piece| {
            if cancel.is_cancelled() {
                return false;
            }
            // A reply has one voice, so the first piece's rate is the reply's.
            let converter = match &mut resampler {
                Some(r) => r,
                slot => match Resampler::new(piece.sample_rate, SAMPLE_RATE) {
                    Ok(r) => slot.insert(r),
                    Err(e) => {
                        tracing::error!(%reply, "synthesis cannot be resampled: {e}");
                        speech(String::new(), Vec::new(), piece.last, started);
                        return !piece.last;
                    }
                },
            };
            let converted = converter.process(&piece.samples).and_then(|mut samples| {
                if piece.last {
                    samples.extend(converter.flush()?);
                }
                Ok(samples)
            });
            let samples = converted.unwrap_or_else(|e| {
                tracing::error!(%reply, "resampling synthesis failed: {e}");
                Vec::new()
            });
            speech(piece.sentence.to_string(), samples, piece.last, started);
            started = Instant::now();
            true
        });
    }
}

fn to_16k(samples: &[f32], rate: u32) -> Result<Vec<f32>, String> {
    crate::audio::resample::to_rate(samples, rate, SAMPLE_RATE).map_err(|e| e.to_string())
}
