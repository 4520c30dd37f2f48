//! What goes into and comes out of a [`CallSession`](super::CallSession): inputs, actions and the small types
//! they carry. The driver maps these to the speech and dialogue engines; the session never calls them.

use std::fmt;

use serde::Serialize;

use crate::lang::Lang;

use super::events::CallEvent;
use super::frame::Frame;

/// One caller turn: an utterance, a DTMF entry or a no-input timeout. The greeting is turn 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TurnId(pub u32);

impl TurnId {
    /// The turn the greeting answers (there is no caller input before it).
    pub const GREETING: TurnId = TurnId(0);
}

impl fmt::Display for TurnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "turn {}", self.0)
    }
}

/// One bot reply: synthesised, then played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReplyId(pub u32);

impl fmt::Display for ReplyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "reply {}", self.0)
    }
}

/// What the bot waits for after a reply; sets how long a pause ends the caller's turn and whether DTMF digits
/// are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListenMode {
    /// An open question.
    #[default]
    Open,
    /// A yes/no question: answers are short, so the turn ends sooner.
    YesNo,
    /// An order or phone number (or a one-key choice) read out or typed: people pause between digit groups.
    /// `whole` is how many digits make the number whole (0: unknown); once an early transcript holds that many,
    /// a short pause ends the turn. `order_number`: the digits are an order number, which the shop can confirm
    /// (see [`Input::Transcript`]'s `known_order`).
    Digits { whole: u8, order_number: bool },
    /// A postal address: long, with pauses.
    Address,
}

/// Why the call is handed to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "why", rename_all = "snake_case")]
pub enum EscalateReason {
    /// The caller pressed 0.
    Dtmf,
    /// The dialogue decided (caller asked for a person, repeated failures, an upset caller…).
    Dialogue(String),
}

/// Why the bot ends the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupReason {
    /// The dialogue finished the conversation (a reply with [`ReplyEnd::Hangup`]).
    Dialogue,
    /// The caller stayed silent through several reprompts.
    NoInput,
    /// The call reached its maximum length.
    MaxDuration,
}

/// What happens after a reply has been played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyEnd {
    /// Keep listening.
    Continue,
    /// Hand the call to a human agent; the bot stays silent afterwards.
    Escalate { reason: EscalateReason },
    /// End the call.
    Hangup,
}

/// What the caller did in a turn, for the dialogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserTurn {
    /// Recognised speech, in the call's language.
    Text(String, Lang),
    /// Digits typed on the keypad.
    Digits(String),
    /// The caller said nothing after the bot finished speaking (the dialogue reprompts).
    NoInput,
}

/// Everything that can happen to a call, fed to [`CallSession::handle_input`](super::CallSession::handle_input).
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// 20 ms of caller audio with the VAD's speech probability for it (the driver runs the VAD).
    CallerAudio { frame: Frame, speech_prob: f32 },
    /// The ASR result for a [`Action::Transcribe`] (same `turn` and `take`). `confidence` is e.g.
    /// `exp(avg_logprob)`.
    Transcript {
        turn: TurnId,
        take: u32,
        text: String,
        lang: Lang,
        confidence: f32,
        no_speech_prob: f32,
        /// The text names an order the shop holds (looked up only while listening for an order number): a
        /// complete answer even where Whisper left the sentence open.
        known_order: bool,
    },
    /// The dialogue's answer to [`Action::Greet`] (turn 0) or [`Action::Understand`].
    Reply {
        turn: TurnId,
        text: String,
        lang: Lang,
        listen: ListenMode,
        end: ReplyEnd,
    },
    /// Synthesised speech for a [`Action::Synthesize`], 16 kHz, in order; `last` on the final chunk.
    SpeechAudio {
        reply: ReplyId,
        samples: Vec<f32>,
        last: bool,
    },
    /// A keypad digit (`0`–`9`, `*`, `#`).
    Dtmf(char),
    /// A caller turn typed rather than spoken (the chat box of the app's voice page): interrupts the bot and
    /// goes straight to the dialogue.
    Text(String),
    /// The caller hung up.
    Hangup,
    /// A human agent joined the call; the bot goes silent.
    AgentJoined,
    /// The agent left; the bot takes the call back.
    AgentLeft,
}

/// What the session asks its driver to do, taken with [`CallSession::poll_action`](super::CallSession::poll_action).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Ask the dialogue for the greeting; answer with an [`Input::Reply`] for [`TurnId::GREETING`].
    Greet,
    /// Run ASR on an utterance (starting with the pre-roll); answer with an [`Input::Transcript`]. A turn may be
    /// transcribed early, during the end-of-turn pause, and again if the caller goes on: `take` tells the
    /// attempts apart and only the latest counts.
    Transcribe {
        turn: TurnId,
        take: u32,
        audio: Vec<f32>,
    },
    /// Give a caller turn to the dialogue; answer with an [`Input::Reply`].
    Understand { turn: TurnId, input: UserTurn },
    /// Synthesise a reply; answer with [`Input::SpeechAudio`] chunks. `prompt` names replies worth caching
    /// (the greeting, the session's goodbyes): the same text comes back call after call.
    Synthesize {
        reply: ReplyId,
        text: String,
        lang: Lang,
        prompt: Option<&'static str>,
    },
    /// Playback paused (a possible barge-in); already reflected in `pull_audio`.
    PausePlayback,
    /// Playback resumed where it paused; already reflected in `pull_audio`.
    ResumePlayback,
    /// The playing reply was dropped, with any synthesis still pending for it.
    StopPlayback,
    /// Hand the call to a human agent.
    Escalate { reason: EscalateReason },
    /// End the call. The session sends nothing more but events.
    Hangup { reason: HangupReason },
    /// Something for the call log.
    Event(CallEvent),
}
