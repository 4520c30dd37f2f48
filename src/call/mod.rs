//! The call core: one [`CallSession`] per call, a sans-IO state machine for turn-taking.
//!
//! A driver owns the I/O and the engines. Every 20 ms it feeds the caller's frame with its VAD probability
//! ([`Input::CallerAudio`]) and sends the frame [`CallSession::pull_audio`] returns; it runs the actions
//! ([`CallSession::poll_action`]) — ASR, dialogue, TTS, escalation, hang-up — and feeds their results back as
//! inputs; it calls [`CallSession::handle_timeout`] when [`CallSession::poll_timeout`] comes due. Time is
//! always passed in, so tests drive a call on a virtual clock and see exactly what it does.
//!
//! Parts, one job each: [`endpoint`] (speech start, end of turn), [`echo`] (the bot's own echo),
//! [`bargein`] (interruptions and backchannels), [`dtmf`] (keypad), [`playout`] (the reply being spoken),
//! [`transcript`] (empty transcripts, the call's language), [`turns`] (turn stages and latencies),
//! [`prompts`] (the session's own goodbyes).

pub mod bargein;
pub mod config;
pub mod dtmf;
pub mod echo;
pub mod endpoint;
pub mod events;
pub mod frame;
pub mod playout;
pub mod prompts;
pub mod protocol;
pub mod session;
pub mod transcript;
pub mod turns;

pub use config::{CallConfig, CallConfigError, TimersConfig};
pub use events::{CallEvent, EndReason, EventKind, StaleInput, TurnTimings};
pub use frame::{FRAME_MS, FRAME_SAMPLES, Frame};
pub use protocol::{
    Action, EscalateReason, HangupReason, Input, ListenMode, ReplyEnd, ReplyId, TurnId, UserTurn,
};
pub use session::CallSession;
