//! Writes a voice call's analytics to the store as the call goes: each turn's pipeline details (input kind,
//! ASR confidence, latency breakdown) as soon as its reply starts playing, and the call's result when it ends.
//! The dialogue has already written the turn itself when it answered, so a crash loses at most the turn in
//! flight. Also feeds the process metrics.
//!
//! Turn details are written by a background thread, not on the call's 20 ms tick: the store's lock may be
//! held by a long dashboard query. The call's end rewrites every turn's details in order, so a detail the
//! background thread has not reached yet (or dropped when its queue was full) is not lost.

use std::collections::HashMap;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::dialogue::DialogueEngine;
use crate::pipeline::TurnRecord;
use crate::store::{CallResult, InteractionEnd, TurnDetail};

use super::metrics::metrics;

/// One call's analytics writer, owned by the call's runner.
#[derive(Debug)]
pub struct CallRecorder {
    dialogue: Arc<DialogueEngine>,
    door: &'static str,
    conversation: Option<String>,
    /// Call turn number → the dialogue's turn sequence number in the store.
    seqs: HashMap<u32, i64>,
    /// Caller turns (not silence) the dialogue answered.
    answered: usize,
    escalation: Option<String>,
    transferred: bool,
    ended: bool,
}

impl CallRecorder {
    /// A recorder for a call through `door`; counts the call as active.
    pub fn new(dialogue: Arc<DialogueEngine>, door: &'static str) -> Self {
        metrics().call_started(door);
        Self {
            dialogue,
            door,
            conversation: None,
            seqs: HashMap::new(),
            answered: 0,
            escalation: None,
            transferred: false,
            ended: false,
        }
    }

    /// The dialogue opened conversation `id` for this call.
    pub fn conversation(&mut self, id: &str) {
        self.conversation = Some(id.to_string());
    }

    /// The dialogue answered call turn `turn`, logged as its turn `seq`; `input` is `no_input` for silence.
    pub fn answered(&mut self, turn: u32, seq: u32, input: &str) {
        self.seqs.insert(turn, i64::from(seq));
        if input != "no_input" {
            self.answered += 1;
        }
    }

    /// The call goes to a person for `reason`.
    pub fn escalated(&mut self, reason: &str) {
        self.escalation = Some(reason.to_string());
    }

    /// The door handed the caller on to another number or desk.
    pub fn transferred(&mut self) {
        self.transferred = true;
    }

    /// A recording of the call is being written to `path`.
    pub fn recording(&self, path: &std::path::Path) {
        if let Some(id) = &self.conversation
            && let Err(e) = self.dialogue.store().add_recording(
                id,
                &path.to_string_lossy(),
                self.dialogue.now(),
            )
        {
            metrics().error("store");
            tracing::warn!(conversation = %id, "cannot register the call's recording: {e}");
        }
    }

    /// The caller rated the call (1–5) in the post-call survey.
    pub fn csat(&self, score: u8) {
        if let Some(id) = &self.conversation
            && let Err(e) = self.dialogue.store().record_csat(id, score)
        {
            metrics().error("store");
            tracing::warn!(conversation = %id, "cannot record the call's rating: {e}");
        }
    }

    /// An engine job finished in `compute`; `ok` false counts an error of `kind`.
    pub fn job(&self, kind: &str, compute: Duration, ok: bool) {
        let m = metrics();
        if !ok {
            m.error(kind);
            return;
        }
        match kind {
            "asr" => m.asr.observe(compute),
            "dialogue" => m.dialogue.observe(compute),
            "tts" => m.tts.observe(compute),
            _ => {}
        }
    }

    /// A turn's details are complete (its reply started playing): has them written in the background.
    pub fn turn_done(&self, record: &TurnRecord) {
        if let Some(ms) = record.latency.voice_to_voice_ms {
            metrics().voice_to_voice.observe(Duration::from_millis(ms));
        }
        let (Some(id), Some(&seq)) = (&self.conversation, self.seqs.get(&record.turn)) else {
            return;
        };
        let (dialogue, id, detail) = (Arc::clone(&self.dialogue), id.clone(), detail(record));
        in_background(move || write_detail(&dialogue, &id, seq, &detail));
    }

    /// The call ended (`end` is the call log's end code); writes every turn's details and the result.
    pub fn ended(&mut self, turns: &[TurnRecord], end: &str, duration: Duration) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(id) = &self.conversation {
            for record in turns {
                if let Some(&seq) = self.seqs.get(&record.turn) {
                    write_detail(&self.dialogue, id, seq, &detail(record));
                }
            }
        }
        let result = if self.transferred {
            CallResult::Transferred
        } else if self.escalation.is_some() {
            CallResult::Escalated
        } else if self.answered == 0 {
            CallResult::Abandoned
        } else {
            CallResult::Resolved
        };
        metrics().call_ended(self.door, result.as_str());
        let Some(id) = &self.conversation else {
            return;
        };
        let end = InteractionEnd {
            result,
            escalation_reason: self.escalation.clone(),
            end_reason: end.to_string(),
            duration_ms: Some(duration.as_millis() as u64),
            at: self.dialogue.now(),
        };
        if let Err(e) = self.dialogue.store().finish_interaction(id, &end) {
            metrics().error("store");
            tracing::warn!(conversation = %id, "cannot record how the call ended: {e}");
        }
    }
}

impl Drop for CallRecorder {
    fn drop(&mut self) {
        // A call dropped without its end (a door's error path) is no longer active either.
        if !self.ended {
            metrics().call_ended(self.door, CallResult::Abandoned.as_str());
        }
    }
}

fn write_detail(dialogue: &DialogueEngine, id: &str, seq: i64, detail: &TurnDetail) {
    if let Err(e) = dialogue.store().record_turn_detail(id, seq, detail) {
        metrics().error("store");
        tracing::warn!(conversation = %id, seq, "cannot record the turn's details: {e}");
    }
}

/// Writes waiting for the background thread; a full queue drops the write (the call's end makes it again).
const BACKGROUND_QUEUE: usize = 1024;

type Write = Box<dyn FnOnce() + Send>;

/// Runs `write` on the process's analytics writer thread (inline if that thread cannot be started).
fn in_background(write: impl FnOnce() + Send + 'static) {
    static WRITER: OnceLock<Option<SyncSender<Write>>> = OnceLock::new();
    let writer = WRITER.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel::<Write>(BACKGROUND_QUEUE);
        std::thread::Builder::new()
            .name("kefu-analytics".into())
            .spawn(move || rx.into_iter().for_each(|write| write()))
            .map_err(|e| tracing::warn!("no analytics writer thread, writing inline: {e}"))
            .ok()
            .map(|_| tx)
    });
    match writer {
        Some(tx) => match tx.try_send(Box::new(write)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("analytics writer behind: a turn's details wait for the call's end");
            }
            Err(TrySendError::Disconnected(write)) => write(),
        },
        None => write(),
    }
}

fn detail(record: &TurnRecord) -> TurnDetail {
    let l = &record.latency;
    TurnDetail {
        input: Some(record.input.clone()),
        asr_confidence: record.asr_confidence,
        endpoint_wait_ms: l.endpoint_wait_ms,
        asr_ms: l.asr_ms,
        dialogue_ms: l.dialogue_ms,
        tts_first_audio_ms: l.tts_first_audio_ms,
        voice_to_voice_ms: l.voice_to_voice_ms,
    }
}

/// A text chat ended by the dialogue (`end` or a hand-over): records its result. Voice calls are recorded by
/// their [`CallRecorder`] instead, which knows how the call itself ended.
pub fn chat_ended(
    store: &crate::store::Store,
    id: &str,
    outcome: &crate::dialogue::Outcome,
    at: chrono::NaiveDateTime,
) -> Result<(), crate::store::StoreError> {
    let (result, escalation_reason, end_reason) = match outcome {
        crate::dialogue::Outcome::Escalate { reason, .. } => (
            CallResult::Escalated,
            Some(reason.as_str().to_string()),
            "escalated",
        ),
        _ => (CallResult::Resolved, None, "chat_end"),
    };
    metrics().interaction_ended("chat", result.as_str());
    store.finish_interaction(
        id,
        &InteractionEnd {
            result,
            escalation_reason,
            end_reason: end_reason.into(),
            duration_ms: None,
            at,
        },
    )
}
