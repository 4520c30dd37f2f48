//! The call log's raw material: timestamped events the session emits as [`Action::Event`](super::Action::Event).

use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};

use crate::lang::Lang;

use super::protocol::{EscalateReason, HangupReason, ReplyId, TurnId};

/// Something that happened in the call, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEvent {
    pub at: Instant,
    pub kind: EventKind,
}

/// Who or what ended the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "why", rename_all = "snake_case")]
pub enum EndReason {
    /// The caller (or the network) hung up.
    Remote,
    /// The bot hung up.
    Bot(HangupReason),
}

/// An input the session dropped because it refers to a turn or reply that is no longer current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "input", content = "id", rename_all = "snake_case")]
pub enum StaleInput {
    Transcript(TurnId),
    Reply(TurnId),
    SpeechAudio(ReplyId),
}

/// The kinds of [`CallEvent`]. `at` is the frame time for audio events and the input or decision time otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    CallStarted,
    /// Caller speech confirmed; `at` is its first frame.
    SpeechStart {
        turn: TurnId,
    },
    /// `at` is the last voiced frame of the utterance.
    SpeechEnd {
        turn: TurnId,
    },
    /// The endpointer decided the turn is over (`forced` when it hit the maximum turn length).
    /// Endpoint wait = this event's `at` − `SpeechEnd`'s `at`.
    EndOfTurn {
        turn: TurnId,
        forced: bool,
    },
    /// Speech too short to be a turn (a cough, a click).
    BlipIgnored {
        turn: TurnId,
    },
    /// Speech-like inbound audio explained by the bot's own echo; `at` is the first such frame of a run.
    EchoIgnored,
    /// Caller speech during playback: playback paused.
    BargeIn {
        turn: TurnId,
        reply: ReplyId,
    },
    /// The barge-in was a real interruption: the reply is dropped and the caller has the floor.
    BargeInCommitted {
        turn: TurnId,
        reply: ReplyId,
    },
    /// The barge-in was only a backchannel, a filler or noise: playback resumed where it paused.
    BackchannelResumed {
        turn: TurnId,
        reply: ReplyId,
        text: String,
    },
    TranscriptReceived {
        turn: TurnId,
        text: String,
        lang: Lang,
    },
    /// The caller typed a turn instead of speaking it.
    TextReceived {
        turn: TurnId,
        text: String,
    },
    /// The transcript held no speech (empty, or judged no-speech); the turn is dropped.
    TranscriptEmpty {
        turn: TurnId,
    },
    /// The transcript came after a newer turn had gone to the dialogue; it is recorded, not answered.
    TranscriptSuperseded {
        turn: TurnId,
        newer: TurnId,
    },
    /// The call's language was decided or the caller clearly switched.
    Language {
        lang: Lang,
    },
    ReplyReceived {
        turn: TurnId,
        reply: ReplyId,
    },
    /// The first 20 ms of a reply went out.
    FirstAudio {
        reply: ReplyId,
    },
    /// Latency breakdown of the turn a reply answers, emitted with its first audio.
    TurnTimings(TurnTimings),
    /// All of a reply has been handed out.
    PlaybackFinished {
        reply: ReplyId,
    },
    /// A reply was dropped before its end (barge-in, DTMF, a newer reply, a timer).
    PlaybackStopped {
        reply: ReplyId,
    },
    Dtmf {
        digit: char,
    },
    /// `*` cleared the digits typed so far.
    DigitsCleared,
    /// The caller was silent for the no-input time after the bot finished; `count` consecutive so far.
    NoInput {
        count: u32,
    },
    MaxDuration,
    Escalated {
        reason: EscalateReason,
    },
    AgentJoined,
    AgentLeft,
    Stale(StaleInput),
    /// An input that has no meaning in the call's current phase (e.g. a digit during the goodbye).
    InputIgnored {
        what: &'static str,
    },
    CallEnded {
        reason: EndReason,
    },
}

/// How long each stage of one turn took; `None` where the stage did not happen (a no-input turn has no speech).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TurnTimings {
    pub turn: TurnId,
    pub reply: ReplyId,
    /// End-of-turn decision − caller speech end.
    #[serde(serialize_with = "millis")]
    pub endpoint_wait: Option<Duration>,
    /// Transcript received − end-of-turn decision.
    #[serde(serialize_with = "millis")]
    pub asr: Option<Duration>,
    /// Reply received − turn handed to the dialogue.
    #[serde(serialize_with = "millis")]
    pub dialogue: Option<Duration>,
    /// First reply audio out − reply received.
    #[serde(serialize_with = "millis")]
    pub tts_first_audio: Option<Duration>,
    /// First reply audio out − caller speech end.
    #[serde(serialize_with = "millis")]
    pub voice_to_voice: Option<Duration>,
}

/// Serialises a duration as whole milliseconds (call logs are read by people and spreadsheets).
fn millis<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_millis() as u64)),
        None => s.serialize_none(),
    }
}
