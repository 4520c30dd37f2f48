//! The call log: one JSON document per call with every turn (what the caller said, how it was understood, what
//! the bot answered, how long each stage took), every reply the bot spoke and every session event. Times are
//! seconds since the call started.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::call::{CallEvent, EndReason, EventKind, HangupReason, ReplyId, TurnId, TurnTimings};
use crate::dialogue::Reply;
use crate::lang::Lang;
use crate::speech::asr::Transcript;

/// A finished (or running) call's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallLog {
    pub channel: String,
    pub caller: Option<String>,
    /// The dialogue's conversation id (its turns are in the store's turn log).
    pub conversation: Option<String>,
    pub asr_model: String,
    /// The call's language once known.
    pub lang: Option<Lang>,
    pub duration_secs: f64,
    /// `caller_hangup`, `bot_hangup`, `no_input`, `max_duration` or `escalated` (empty while running).
    pub end: String,
    /// What the agent is told when the call is escalated.
    pub escalation_summary: Option<String>,
    /// The caller turns the dialogue received, in order.
    pub turns: Vec<TurnRecord>,
    /// Everything the bot said (the greeting first).
    pub replies: Vec<ReplyRecord>,
    pub events: Vec<EventRecord>,
    /// What the caller and the agent said to each other while a person had the call.
    #[serde(default)]
    pub bridged: Vec<BridgedLine>,
}

/// One utterance while the caller talked with an agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BridgedLine {
    /// Seconds since the call started (when the words were transcribed).
    pub at: f64,
    /// `caller` or `agent`.
    pub speaker: String,
    pub text: String,
}

/// One caller turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    pub turn: u32,
    /// `speech`, `typed`, `digits` or `no_input`.
    pub input: String,
    /// Caller speech start and end (seconds), for spoken turns.
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// The transcript, the typed text or the digits.
    pub text: String,
    pub lang: Option<Lang>,
    /// `exp(avg_logprob)` of the transcript.
    pub asr_confidence: Option<f32>,
    pub intent: Option<String>,
    pub intent_confidence: Option<f32>,
    pub entities: serde_json::Value,
    pub sentiment: Option<f32>,
    pub reply: Option<String>,
    pub reply_lang: Option<Lang>,
    /// The dialogue's outcome code: `continue`, `escalate:<reason>`, `end`.
    pub outcome: Option<String>,
    /// Where the time went between the caller's last word and the bot's first sound.
    pub latency: Latency,
}

/// A turn's latency breakdown in milliseconds (see [`TurnTimings`]) plus the compute behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub endpoint_wait_ms: Option<u64>,
    pub asr_ms: Option<u64>,
    pub dialogue_ms: Option<u64>,
    pub tts_first_audio_ms: Option<u64>,
    pub voice_to_voice_ms: Option<u64>,
    /// Engine time spent: recognition, dialogue, synthesis of the first piece of audio.
    pub asr_compute_ms: Option<u64>,
    pub dialogue_compute_ms: Option<u64>,
    pub tts_compute_ms: Option<u64>,
}

/// One reply of the bot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplyRecord {
    pub reply: u32,
    /// The caller turn it answers (none for goodbyes the session says by itself).
    pub turn: Option<u32>,
    pub text: String,
    pub lang: Option<Lang>,
    /// First and last audio out (seconds).
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// Cut short (barge-in, a key, a newer reply).
    pub stopped: bool,
}

/// One session event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub at: f64,
    #[serde(flatten)]
    pub event: serde_json::Value,
}

impl EventRecord {
    /// The event's kind (`speech_start`, `barge_in`, …).
    pub fn kind(&self) -> &str {
        self.event
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Builds a [`CallLog`] from what a call runner sees.
#[derive(Debug)]
pub(super) struct CallLogBuilder {
    log: CallLog,
    started: Instant,
    turns: BTreeMap<TurnId, TurnRecord>,
    /// Caller turns in the order the dialogue received them.
    order: Vec<TurnId>,
    replies: BTreeMap<ReplyId, ReplyRecord>,
    /// The turn each reply answers.
    answers: BTreeMap<ReplyId, TurnId>,
    escalated: bool,
}

impl CallLogBuilder {
    pub fn new(channel: &str, caller: Option<String>, asr_model: &str, started: Instant) -> Self {
        Self {
            log: CallLog {
                channel: channel.to_string(),
                caller,
                asr_model: asr_model.to_string(),
                ..CallLog::default()
            },
            started,
            turns: BTreeMap::new(),
            order: Vec::new(),
            replies: BTreeMap::new(),
            answers: BTreeMap::new(),
            escalated: false,
        }
    }

    fn secs(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.started).as_secs_f64()
    }

    fn turn(&mut self, turn: TurnId) -> &mut TurnRecord {
        self.turns.entry(turn).or_insert_with(|| TurnRecord {
            turn: turn.0,
            input: "speech".into(),
            entities: serde_json::Value::Array(Vec::new()),
            ..TurnRecord::default()
        })
    }

    fn reply_record(&mut self, reply: ReplyId) -> &mut ReplyRecord {
        self.replies.entry(reply).or_insert_with(|| ReplyRecord {
            reply: reply.0,
            ..ReplyRecord::default()
        })
    }

    pub fn conversation(&mut self, id: &str) {
        self.log.conversation = Some(id.to_string());
    }

    /// Words said while an agent had the call.
    pub fn bridged_line(&mut self, speaker: &str, text: &str, at: Instant) {
        let at = self.secs(at);
        self.log.bridged.push(BridgedLine {
            at,
            speaker: speaker.to_string(),
            text: text.to_string(),
        });
    }

    pub fn escalation_summary(&mut self, summary: &str) {
        self.log.escalation_summary = Some(summary.to_string());
    }

    /// A session event: kept in the event list and folded into the turn and reply records.
    pub fn event(&mut self, event: &CallEvent) {
        let at = self.secs(event.at);
        match &event.kind {
            EventKind::SpeechStart { turn } => self.turn(*turn).start = Some(at),
            EventKind::SpeechEnd { turn } => self.turn(*turn).end = Some(at),
            EventKind::TranscriptReceived { turn, text, lang } => {
                let record = self.turn(*turn);
                record.text.clone_from(text);
                record.lang = Some(*lang);
            }
            EventKind::TextReceived { turn, text } => {
                let record = self.turn(*turn);
                record.input = "typed".into();
                record.text.clone_from(text);
            }
            EventKind::ReplyReceived { turn, reply } => {
                self.answers.insert(*reply, *turn);
                self.reply_record(*reply).turn = (*turn != TurnId::GREETING).then_some(turn.0);
            }
            EventKind::FirstAudio { reply } => self.reply_record(*reply).start = Some(at),
            EventKind::PlaybackFinished { reply } => self.reply_record(*reply).end = Some(at),
            EventKind::PlaybackStopped { reply } => {
                let record = self.reply_record(*reply);
                record.end = Some(at);
                record.stopped = true;
            }
            EventKind::TurnTimings(t) => self.timings(t),
            EventKind::Language { lang } => self.log.lang = Some(*lang),
            EventKind::Escalated { .. } => self.escalated = true,
            EventKind::CallEnded { reason } => {
                self.log.duration_secs = at;
                self.log.end = end_code(*reason).to_string();
            }
            _ => {}
        }
        let event = serde_json::to_value(&event.kind).unwrap_or_else(
            |e| serde_json::json!({ "kind": "unloggable", "error": e.to_string() }),
        );
        self.log.events.push(EventRecord { at, event });
    }

    fn timings(&mut self, t: &TurnTimings) {
        let latency = &mut self.turn(t.turn).latency;
        latency.endpoint_wait_ms = t.endpoint_wait.map(ms);
        latency.asr_ms = t.asr.map(ms);
        latency.dialogue_ms = t.dialogue.map(ms);
        latency.tts_first_audio_ms = t.tts_first_audio.map(ms);
        latency.voice_to_voice_ms = t.voice_to_voice.map(ms);
    }

    /// The turn was handed to the dialogue as `input` (`speech`, `typed`, `digits`, `no_input`).
    pub fn understood(&mut self, turn: TurnId, input: &str, text: &str) {
        let record = self.turn(turn);
        if input != "speech" && record.input != "typed" {
            record.input = input.to_string();
            record.text = text.to_string();
        }
        if !self.order.contains(&turn) {
            self.order.push(turn);
        }
    }

    pub fn transcript(&mut self, turn: TurnId, transcript: &Transcript, compute: Duration) {
        let record = self.turn(turn);
        record.asr_confidence = Some(transcript.avg_logprob.exp());
        record.latency.asr_compute_ms = Some(ms(compute));
    }

    pub fn reply(&mut self, turn: TurnId, reply: &Reply, compute: Duration) {
        if turn == TurnId::GREETING {
            return;
        }
        let record = self.turn(turn);
        record.reply = Some(reply.text.clone());
        record.reply_lang = Some(reply.lang);
        record.outcome = Some(reply.outcome.code());
        record.latency.dialogue_compute_ms = Some(ms(compute));
        if let Some(u) = &reply.understanding {
            record.intent = Some(u.intent.name().to_string());
            record.intent_confidence = Some(u.confidence);
            record.sentiment = Some(u.sentiment);
            record.entities = serde_json::to_value(&u.entities)
                .unwrap_or_else(|_| serde_json::Value::Array(Vec::new()));
        }
    }

    /// A reply handed to synthesis.
    pub fn speaking(&mut self, reply: ReplyId, text: &str, lang: Lang) {
        let record = self.reply_record(reply);
        record.text = text.to_string();
        record.lang = Some(lang);
    }

    /// The first piece of `reply`'s audio was synthesised in `compute`.
    pub fn first_piece(&mut self, reply: ReplyId, compute: Duration) {
        if let Some(turn) = self.answers.get(&reply).copied()
            && turn != TurnId::GREETING
        {
            self.turn(turn).latency.tts_compute_ms = Some(ms(compute));
        }
    }

    /// A caller turn's record so far.
    pub fn turn_record(&self, turn: TurnId) -> Option<&TurnRecord> {
        self.turns.get(&turn)
    }

    /// The log so far (complete once the call has ended).
    pub fn snapshot(&self) -> CallLog {
        let mut log = self.log.clone();
        if self.escalated {
            log.end = "escalated".into();
        }
        log.turns = self
            .order
            .iter()
            .filter_map(|t| self.turns.get(t).cloned())
            .collect();
        log.replies = self.replies.values().cloned().collect();
        log
    }
}

fn end_code(reason: EndReason) -> &'static str {
    match reason {
        EndReason::Remote => "caller_hangup",
        EndReason::Bot(HangupReason::Dialogue) => "bot_hangup",
        EndReason::Bot(HangupReason::NoInput) => "no_input",
        EndReason::Bot(HangupReason::MaxDuration) => "max_duration",
    }
}
