//! The heavy work a call hands to the shared engines, and what comes back. A [`CallRunner`](super::CallRunner)
//! emits [`Job`]s; an executor (worker threads for live calls, inline on a virtual clock for replays) runs them
//! with [`Engines::run`](super::Engines::run) and feeds each [`JobResult`] back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::call::{ListenMode, ReplyId, TurnId};
use crate::dialogue::{Conversation, Reply, UserInput};
use crate::lang::Lang;
use crate::speech::asr::{LanguageChoice, Transcript};

use super::CallSpec;

/// Set when a job's output is no longer wanted (barge-in, hang-up, a newer take of the same turn); checked
/// before a job starts and between sentences.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// One piece of work for the engines.
#[derive(Debug)]
pub enum Job {
    /// Open the conversation and write the greeting.
    Greet { spec: CallSpec },
    /// Recognise an utterance (16 kHz). A cancelled one is skipped without output: the session has moved on
    /// to a newer take of the turn, or the call is over. `listen`: what the caller was asked for; digits are
    /// recognised on a wider first window, and an order number is also looked up in the shop.
    Transcribe {
        turn: TurnId,
        take: u32,
        audio: Vec<f32>,
        language: LanguageChoice,
        listen: ListenMode,
        cancel: Cancel,
    },
    /// Give a caller turn to the dialogue. The conversation travels with the job and comes back in the result.
    Understand {
        turn: TurnId,
        conversation: Box<Conversation>,
        input: UserInput,
    },
    /// Speak a reply as it is synthesised, piece by piece; `prompt` names replies served from the prompt cache.
    Synthesize {
        reply: ReplyId,
        text: String,
        lang: Lang,
        prompt: Option<&'static str>,
        cancel: Cancel,
    },
}

impl Job {
    /// The result of this job when it could not run (`why`): the call degrades instead of waiting for ever —
    /// an utterance is dropped, a turn gets an apology, a reply stays silent.
    pub fn failed(self, why: &str) -> JobResult {
        let output = match self {
            Job::Greet { .. } => JobOutput::Greeting(Err(why.to_string())),
            Job::Transcribe { turn, take, .. } => JobOutput::Transcript {
                turn,
                take,
                result: Err(why.to_string()),
                known_order: false,
            },
            Job::Understand {
                turn, conversation, ..
            } => JobOutput::Reply {
                turn,
                conversation,
                result: Err(why.to_string()),
            },
            Job::Synthesize { reply, .. } => JobOutput::Speech {
                reply,
                sentence: String::new(),
                samples: Vec::new(),
                last: true,
            },
        };
        JobResult {
            compute: Duration::ZERO,
            output,
        }
    }

    /// A short name for logs and queues.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Greet { .. } => "greet",
            Job::Transcribe { .. } => "transcribe",
            Job::Understand { .. } => "understand",
            Job::Synthesize { .. } => "synthesize",
        }
    }
}

/// What a job produced. `compute` is the wall-clock time the engine spent on this result (for a synthesis, on
/// this sentence), which a replay adds to its virtual clock.
#[derive(Debug)]
pub struct JobResult {
    pub compute: Duration,
    pub output: JobOutput,
}

/// The payload of a [`JobResult`]. Failures travel as text: the call carries on (an apology, an empty turn),
/// and the executor has already logged the error.
#[derive(Debug)]
pub enum JobOutput {
    Greeting(Result<(Box<Conversation>, Reply), String>),
    /// `known_order`: the transcript names an order the shop holds (looked up only when the job asked).
    Transcript {
        turn: TurnId,
        take: u32,
        result: Result<Transcript, String>,
        known_order: bool,
    },
    Reply {
        turn: TurnId,
        conversation: Box<Conversation>,
        result: Result<Reply, String>,
    },
    /// A piece of speech at 16 kHz (`sentence` is the one it belongs to); `last` on the reply's final piece (an empty `samples` may close a reply).
    Speech {
        reply: ReplyId,
        sentence: String,
        samples: Vec<f32>,
        last: bool,
    },
}
