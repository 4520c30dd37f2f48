//! Turn bookkeeping: where each caller turn stands and when each of its stages happened.

use std::collections::BTreeMap;
use std::time::Instant;

use super::events::TurnTimings;
use super::protocol::{ReplyId, TurnId};

/// Where a turn stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The caller is speaking.
    Speaking,
    /// Waiting for its transcript.
    Transcribing,
    /// Handed to the dialogue, waiting for the reply.
    Understanding,
    /// Answered, dropped or recorded: nothing more is expected for it.
    Closed,
}

/// When each stage of a turn happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnClock {
    pub speech_end: Option<Instant>,
    pub end_of_turn: Option<Instant>,
    pub transcript: Option<Instant>,
    pub understood: Option<Instant>,
    pub reply: Option<Instant>,
}

#[derive(Debug)]
struct Turn {
    stage: Stage,
    clock: TurnClock,
    /// The transcription attempt whose result counts.
    take: u32,
}

/// Turns kept for bookkeeping; closed turns beyond the most recent few are forgotten.
const KEEP_CLOSED: usize = 16;

/// The call's turns.
#[derive(Debug)]
pub struct TurnLog {
    turns: BTreeMap<TurnId, Turn>,
    next: u32,
}

impl TurnLog {
    /// A log holding the greeting turn, already handed to the dialogue.
    pub fn new(now: Instant) -> Self {
        let mut log = Self {
            turns: BTreeMap::new(),
            next: TurnId::GREETING.0 + 1,
        };
        log.turns.insert(
            TurnId::GREETING,
            Turn {
                stage: Stage::Understanding,
                clock: TurnClock {
                    understood: Some(now),
                    ..TurnClock::default()
                },
                take: 0,
            },
        );
        log
    }

    /// Opens a new turn at `stage`.
    pub fn open(&mut self, stage: Stage) -> TurnId {
        let id = TurnId(self.next);
        self.next += 1;
        self.turns.insert(
            id,
            Turn {
                stage,
                clock: TurnClock::default(),
                take: 0,
            },
        );
        self.prune();
        id
    }

    /// The transcription attempt that counts for a turn.
    pub fn take(&self, id: TurnId) -> Option<u32> {
        self.turns.get(&id).map(|t| t.take)
    }

    pub fn set_take(&mut self, id: TurnId, take: u32) {
        if let Some(t) = self.turns.get_mut(&id) {
            t.take = take;
        }
    }

    pub fn stage(&self, id: TurnId) -> Option<Stage> {
        self.turns.get(&id).map(|t| t.stage)
    }

    pub fn set_stage(&mut self, id: TurnId, stage: Stage) {
        if let Some(turn) = self.turns.get_mut(&id) {
            turn.stage = stage;
        }
    }

    /// Records a stage time through `set`.
    pub fn stamp(&mut self, id: TurnId, set: impl FnOnce(&mut TurnClock)) {
        if let Some(turn) = self.turns.get_mut(&id) {
            set(&mut turn.clock);
        }
    }

    /// True while some utterance is waiting for its transcript.
    pub fn any_transcribing(&self) -> bool {
        self.turns.values().any(|t| t.stage == Stage::Transcribing)
    }

    /// The latency breakdown of a turn whose reply's first audio went out at `first_audio`.
    pub fn timings(&self, id: TurnId, reply: ReplyId, first_audio: Instant) -> Option<TurnTimings> {
        let c = self.turns.get(&id)?.clock;
        let between =
            |a: Option<Instant>, b: Option<Instant>| Some(b?.saturating_duration_since(a?));
        Some(TurnTimings {
            turn: id,
            reply,
            endpoint_wait: between(c.speech_end, c.end_of_turn),
            asr: between(c.end_of_turn, c.transcript),
            dialogue: between(c.understood, c.reply),
            tts_first_audio: between(c.reply, Some(first_audio)),
            voice_to_voice: between(c.speech_end, Some(first_audio)),
        })
    }

    fn prune(&mut self) {
        let closed: Vec<TurnId> = self
            .turns
            .iter()
            .filter(|(_, t)| t.stage == Stage::Closed)
            .map(|(id, _)| *id)
            .collect();
        for id in closed.iter().take(closed.len().saturating_sub(KEEP_CLOSED)) {
            self.turns.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timings_are_the_gaps_between_stamps() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut log = TurnLog::new(t0);
        let turn = log.open(Stage::Speaking);
        assert_eq!(turn, TurnId(1));
        log.stamp(turn, |c| {
            c.speech_end = Some(ms(1000));
            c.end_of_turn = Some(ms(1700));
            c.transcript = Some(ms(2700));
            c.understood = Some(ms(2700));
            c.reply = Some(ms(2800));
        });
        let t = log.timings(turn, ReplyId(2), ms(3000)).unwrap();
        assert_eq!(t.endpoint_wait, Some(Duration::from_millis(700)));
        assert_eq!(t.asr, Some(Duration::from_millis(1000)));
        assert_eq!(t.dialogue, Some(Duration::from_millis(100)));
        assert_eq!(t.tts_first_audio, Some(Duration::from_millis(200)));
        assert_eq!(t.voice_to_voice, Some(Duration::from_millis(2000)));
        let greeting = log.timings(TurnId::GREETING, ReplyId(1), ms(10)).unwrap();
        assert_eq!(greeting.voice_to_voice, None);
    }

    #[test]
    fn old_closed_turns_are_forgotten() {
        let mut log = TurnLog::new(Instant::now());
        let first = log.open(Stage::Closed);
        let open = log.open(Stage::Transcribing);
        for _ in 0..40 {
            log.open(Stage::Closed);
        }
        assert_eq!(log.stage(first), None);
        assert_eq!(log.stage(open), Some(Stage::Transcribing));
        assert!(log.any_transcribing());
    }
}
