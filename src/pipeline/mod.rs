//! The pipeline: shared [`Engines`] and the per-call [`CallRunner`] that wires a sans-IO
//! [`CallSession`](crate::call::CallSession) to them. Doors only move bytes: a real-time door drives a
//! [`LiveCall`] every 20 ms, the replay door drives a [`CallRunner`] on a virtual clock.

pub mod call_log;
pub mod engines;
pub mod job;
pub mod live;
pub mod runner;
pub mod workers;

use serde::Serialize;

pub use call_log::{BridgedLine, CallLog, EventRecord, Latency, ReplyRecord, TurnRecord};
pub use engines::Engines;
pub use job::{Cancel, Job, JobOutput, JobResult};
pub use live::LiveCall;
pub use runner::CallRunner;

use crate::dialogue::{Channel, Priority};
use crate::lang::Lang;

/// Errors while building the engines.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Dialogue(#[from] crate::dialogue::DialogueError),
    #[error(transparent)]
    Asr(#[from] crate::speech::asr::AsrError),
    #[error(transparent)]
    Vad(#[from] crate::speech::vad::VadError),
    #[error(transparent)]
    Tts(#[from] crate::speech::tts::TtsError),
    #[error(transparent)]
    Call(#[from] crate::call::CallConfigError),
    #[error("invalid setting {key}: {problem}")]
    Config { key: &'static str, problem: String },
}

/// Who is calling and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSpec {
    pub channel: Channel,
    /// The caller's number (caller ID), which identifies known customers.
    pub caller: Option<String>,
    /// The call's language, if the door knows it; otherwise taken from the first utterance.
    pub lang: Option<Lang>,
}

/// What a door must do or may show.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// The bot ended the call: hang up (BYE, close the peer connection).
    Hangup,
    /// Hand the call to a person; `summary` tells the agent what the caller wants.
    Escalate {
        reason: String,
        priority: Priority,
        summary: String,
    },
    /// For a user interface (the app's voice page).
    Event(UiEvent),
}

/// What a caller-facing screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UiEvent {
    /// A transcript of the caller's speech.
    CallerSaid {
        text: String,
        lang: Lang,
    },
    /// The bot's reply, as text (its audio follows).
    BotSaid {
        text: String,
        lang: Lang,
    },
    State(CallState),
}

/// The call's visible state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Listening,
    Thinking,
    Speaking,
    /// Handed over (or being handed over) to a person.
    Agent,
    Ended,
}
