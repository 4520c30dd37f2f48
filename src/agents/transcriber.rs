//! Transcribes the agent's side of a bridged call (the caller's side is the call's own ASR): the same VAD,
//! endpointing and Whisper jobs as a caller turn, on the engines' worker threads, never blocking the 20 ms clock.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Instant;

use crate::call::endpoint::{EndpointEvent, Endpointer};
use crate::call::{Frame, ListenMode, TurnId};
use crate::lang::Lang;
use crate::pipeline::{Cancel, Engines, Job, JobOutput, JobResult};
use crate::speech::asr::LanguageChoice;
use crate::speech::vad::Vad;

/// One speaker's words, utterance by utterance.
pub struct SideTranscriber {
    engines: Arc<Engines>,
    vad: Vad,
    vad_failed: bool,
    speech_prob: f32,
    endpointer: Endpointer,
    end_silence_ms: u32,
    language: LanguageChoice,
    results_tx: Sender<JobResult>,
    results: Receiver<JobResult>,
    next_take: u32,
}

impl SideTranscriber {
    /// A transcriber for speech in `lang`.
    pub fn new(engines: &Arc<Engines>, lang: Lang) -> Self {
        let (results_tx, results) = mpsc::channel();
        let endpoint = &engines.call_config().endpoint;
        Self {
            engines: Arc::clone(engines),
            vad: Vad::new(Arc::clone(engines.vad_model())),
            vad_failed: false,
            speech_prob: 0.0,
            endpointer: Endpointer::new(endpoint),
            end_silence_ms: endpoint.end_silence_ms(ListenMode::Open),
            language: LanguageChoice::Fixed(if engines.asr_is_multilingual() {
                lang
            } else {
                Lang::En
            }),
            results_tx,
            results,
            next_take: 0,
        }
    }

    /// 20 ms of the speaker (16 kHz); an utterance that ends goes to Whisper.
    pub fn push(&mut self, frame: &Frame, now: Instant) {
        if self.vad_failed {
            return;
        }
        match self.vad.push(frame.samples()) {
            Ok(probs) => {
                if let Some(&p) = probs.last() {
                    self.speech_prob = p;
                }
            }
            Err(e) => {
                tracing::warn!("VAD failed: the agent's side is no longer transcribed: {e}");
                self.vad_failed = true;
                return;
            }
        }
        if let Some(EndpointEvent::Utterance(utterance)) =
            self.endpointer
                .push(frame, self.speech_prob, now, self.end_silence_ms)
        {
            self.next_take += 1;
            tracing::debug!(
                take = self.next_take,
                samples = utterance.audio.len(),
                "an agent utterance goes to Whisper"
            );
            let job = Job::Transcribe {
                turn: TurnId(0),
                take: self.next_take,
                audio: utterance.audio,
                language: self.language,
                listen: ListenMode::Open,
                cancel: Cancel::default(),
            };
            if let Err((rejected, _)) = self.engines.workers().submit(job, self.results_tx.clone())
            {
                tracing::debug!("agent utterance not transcribed: {rejected}");
            }
        }
    }

    /// The next finished transcript, if any.
    pub fn poll(&mut self) -> Option<String> {
        while let Ok(result) = self.results.try_recv() {
            if let JobOutput::Transcript {
                result: Ok(transcript),
                ..
            } = result.output
            {
                let text = transcript.text.trim();
                tracing::debug!(text, "the agent's utterance transcribed");
                if !text.is_empty() {
                    return Some(text.to_string());
                }
            }
        }
        None
    }
}
