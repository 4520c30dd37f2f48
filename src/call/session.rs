//! The call core: a sans-IO state machine that turns caller audio, engine results, keys and timers into
//! actions. No sockets, threads, clocks or models: time comes in with every call, like str0m's `Rtc`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::lang::Lang;

use super::bargein::{Backchannels, BargeIn};
use super::config::CallConfig;
use super::dtmf::{DigitEntry, KeyOutcome};
use super::echo::{EchoGuard, Talk};
use super::endpoint::{EndpointEvent, Endpointer, Utterance};
use super::events::{CallEvent, EndReason, EventKind, StaleInput};
use super::frame::{FRAME_MS, Frame, frames_for_ms};
use super::playout::{Playout, Pulled};
use super::prompts::{Comeback, Goodbye};
use super::protocol::{
    Action, EscalateReason, HangupReason, Input, ListenMode, ReplyEnd, ReplyId, TurnId, UserTurn,
};
use super::transcript::{LanguagePicker, holds_whole_number, reads_complete};
use super::turns::{Stage, TurnLog};

/// Who has the call.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// The bot is in conversation with the caller.
    Bot,
    /// A final reply or goodbye is playing; hang up when it ends, or at `deadline`.
    Closing {
        reason: HangupReason,
        deadline: Option<Instant>,
    },
    /// The hand-over announcement is playing; escalate when it ends, or at `deadline`.
    HandingOver {
        reason: EscalateReason,
        deadline: Option<Instant>,
    },
    /// A person has, or is about to take, the call: the bot is silent but still transcribes for the record.
    Escalated,
    Ended,
}

/// A transcript as the session received it.
#[derive(Debug, Clone)]
struct Heard {
    text: String,
    lang: Lang,
    confidence: f32,
    no_speech_prob: f32,
    /// Names an order the shop holds (see [`Input::Transcript`]).
    known_order: bool,
}

/// A transcript requested during the caller's pause, before the end of the turn.
#[derive(Debug)]
struct Early {
    turn: TurnId,
    take: u32,
    /// The utterance's span when it was requested: more speech makes it void.
    span: u32,
    heard: Option<Heard>,
}

/// One call's turn-taking: endpointing, barge-in, echo, DTMF and timers. See the module docs of
/// [`crate::call`] for how a driver runs it.
#[derive(Debug)]
pub struct CallSession {
    config: CallConfig,
    phase: Phase,
    actions: VecDeque<Action>,
    endpointer: Endpointer,
    echo: EchoGuard,
    /// Inside a run of speech-like frames judged to be echo (reported once per run).
    echo_run: bool,
    playout: Playout,
    bargein: Option<BargeIn>,
    backchannels: Backchannels,
    digits: DigitEntry,
    turns: TurnLog,
    language: LanguagePicker,
    listen: ListenMode,
    /// The utterance in progress.
    speaking: Option<TurnId>,
    /// The latest turn handed to the dialogue, until its reply arrives; replies to any other turn are stale.
    awaiting: Option<TurnId>,
    /// The newest turn ever handed to the dialogue: an older turn's transcript arriving later is only recorded.
    newest_understood: Option<TurnId>,
    next_reply: u32,
    last_reply_lang: Option<Lang>,
    no_input_at: Option<Instant>,
    no_inputs: u32,
    max_call_at: Option<Instant>,
    early: Option<Early>,
    next_take: u32,
    /// A barge-in utterance waiting for its transcript, and when playback resumes without it.
    bargein_wait: Option<(TurnId, Instant)>,
    /// Barge-in utterances playback resumed over before their transcript came.
    resumed_unheard: Vec<TurnId>,
    /// A person joined the call since the escalation (what the bot says when it gets the caller back).
    agent_joined: bool,
}

fn after(now: Instant, ms: u64) -> Option<Instant> {
    now.checked_add(Duration::from_millis(ms))
}

impl CallSession {
    /// Starts a call at `now`. `lang` fixes the call's language; `None` takes it from the first transcript.
    /// The first action is [`Action::Greet`].
    pub fn new(config: CallConfig, lang: Option<Lang>, now: Instant) -> Self {
        let mut session = Self {
            phase: Phase::Bot,
            actions: VecDeque::new(),
            endpointer: Endpointer::new(&config.endpoint),
            echo: EchoGuard::new(&config.echo),
            echo_run: false,
            playout: Playout::default(),
            bargein: None,
            backchannels: Backchannels::new(&config.bargein.backchannels),
            digits: DigitEntry::new(&config.dtmf),
            turns: TurnLog::new(now),
            language: LanguagePicker::new(lang, &config.transcript),
            listen: ListenMode::Open,
            speaking: None,
            awaiting: Some(TurnId::GREETING),
            newest_understood: None,
            next_reply: 1,
            last_reply_lang: None,
            no_input_at: None,
            no_inputs: 0,
            max_call_at: after(now, u64::from(config.timers.max_call_secs) * 1000),
            early: None,
            next_take: 1,
            bargein_wait: None,
            resumed_unheard: Vec::new(),
            agent_joined: false,
            config,
        };
        session.actions.push_back(Action::Greet);
        session.event(now, EventKind::CallStarted);
        if let Some(lang) = lang {
            session.event(now, EventKind::Language { lang });
        }
        session
    }

    /// Feeds one input. After the call has ended every input is ignored.
    pub fn handle_input(&mut self, input: Input, now: Instant) {
        if self.phase == Phase::Ended {
            return;
        }
        match input {
            Input::CallerAudio { frame, speech_prob } => self.on_audio(&frame, speech_prob, now),
            Input::Transcript {
                turn,
                take,
                text,
                lang,
                confidence,
                no_speech_prob,
                known_order,
            } => {
                let heard = Heard {
                    text,
                    lang,
                    confidence,
                    no_speech_prob,
                    known_order,
                };
                self.on_transcript(turn, take, heard, now);
            }
            Input::Reply {
                turn,
                text,
                lang,
                listen,
                end,
            } => self.on_reply(turn, text, lang, listen, end, now),
            Input::SpeechAudio {
                reply,
                samples,
                last,
            } => {
                if !self.playout.push(reply, &samples, last) {
                    self.event(now, EventKind::Stale(StaleInput::SpeechAudio(reply)));
                }
            }
            Input::Text(text) => self.on_text(text, now),
            Input::Dtmf(key) => self.on_dtmf(key, now),
            Input::Hangup => {
                // Nothing the caller can no longer hear or answer is worth doing.
                self.actions.retain(|a| matches!(a, Action::Event(_)));
                self.end(EndReason::Remote, now);
            }
            Input::AgentJoined => {
                self.event(now, EventKind::AgentJoined);
                self.agent_joined = true;
                if self.phase != Phase::Escalated {
                    self.hand_over_quietly(now);
                }
            }
            Input::AgentLeft => {
                if self.phase == Phase::Escalated {
                    self.event(now, EventKind::AgentLeft);
                    self.phase = Phase::Bot;
                    self.listen = ListenMode::Open;
                    self.no_inputs = 0;
                    self.max_call_at =
                        after(now, u64::from(self.config.timers.max_call_secs) * 1000);
                    let comeback = if std::mem::take(&mut self.agent_joined) {
                        Comeback::FromAgent
                    } else {
                        Comeback::NoAgent
                    };
                    // The no-input timer starts once this has played.
                    self.no_input_at = None;
                    let (reply, lang) = (self.new_reply_id(), self.speaking_lang());
                    let text = comeback.text(lang).to_string();
                    self.play(reply, None, text, lang, Some(comeback.prompt_key()), now);
                } else {
                    self.event(now, EventKind::InputIgnored { what: "agent left" });
                }
            }
        }
    }

    /// The next 20 ms frame to send to the caller (silence when there is nothing to say). Call it every 20 ms.
    pub fn pull_audio(&mut self, now: Instant) -> Frame {
        if self.phase == Phase::Ended {
            return Frame::silence();
        }
        let (frame, pulled) = self.playout.pull();
        self.echo.record_outbound(frame.rms());
        match pulled {
            Pulled::FirstAudio { reply, turn } => {
                self.event(now, EventKind::FirstAudio { reply });
                if let Some(timings) = turn.and_then(|turn| self.turns.timings(turn, reply, now)) {
                    self.event(now, EventKind::TurnTimings(timings));
                }
            }
            Pulled::Finished { reply } => self.playback_finished(reply, now),
            Pulled::Silence | Pulled::Audio => {}
        }
        frame
    }

    /// The next thing for the driver to do, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`CallSession::handle_timeout`] must next be called, if a timer is running.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Bot => [
                self.no_input_at,
                self.digits.deadline(),
                self.max_call_at,
                self.bargein_wait.map(|(_, at)| at),
            ]
            .into_iter()
            .flatten()
            .min(),
            Phase::Closing { deadline, .. } | Phase::HandingOver { deadline, .. } => *deadline,
            Phase::Escalated | Phase::Ended => None,
        }
    }

    /// Fires the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| now >= t);
        match self.phase.clone() {
            Phase::Closing { reason, deadline } if due(deadline) => self.hang_up(reason, now),
            Phase::HandingOver { reason, deadline } if due(deadline) => self.escalate(reason, now),
            Phase::Bot => {
                if let Some((turn, at)) = self.bargein_wait
                    && now >= at
                {
                    self.bargein_wait = None;
                    if self.bargein.as_ref().is_some_and(|b| b.involves(turn)) {
                        self.resumed_unheard.push(turn);
                        self.dismiss(turn, String::new(), now);
                    }
                }
                if let Some(digits) = self.digits.expire(now) {
                    self.digits_entered(digits, now);
                }
                if due(self.max_call_at) {
                    self.event(now, EventKind::MaxDuration);
                    self.say_goodbye(Goodbye::TimeLimit, now);
                } else if due(self.no_input_at) {
                    self.no_input_at = None;
                    self.no_inputs += 1;
                    self.event(
                        now,
                        EventKind::NoInput {
                            count: self.no_inputs,
                        },
                    );
                    if self.no_inputs >= self.config.timers.max_no_inputs {
                        self.say_goodbye(Goodbye::NoInput, now);
                    } else {
                        let turn = self.turns.open(Stage::Understanding);
                        self.understand(turn, UserTurn::NoInput, now);
                    }
                }
            }
            _ => {}
        }
    }

    /// True once the call is over (hung up by either side).
    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// True when nothing is in flight: the caller is not mid-utterance, no turn awaits its transcript or reply,
    /// nothing is playing or paused, no digits are being typed.
    pub fn is_quiet(&self) -> bool {
        self.playout.current().is_none()
            && self.speaking.is_none()
            && self.awaiting.is_none()
            && self.bargein.is_none()
            && !self.digits.is_collecting()
            && !self.turns.any_transcribing()
    }

    /// What the bot is waiting for (set by the latest reply).
    pub fn listen_mode(&self) -> ListenMode {
        self.listen
    }

    /// The settings the session runs with.
    pub fn config(&self) -> &CallConfig {
        &self.config
    }

    /// The call's language, once known.
    pub fn language(&self) -> Option<Lang> {
        self.language.current()
    }

    fn event(&mut self, at: Instant, kind: EventKind) {
        self.actions
            .push_back(Action::Event(CallEvent { at, kind }));
    }

    fn on_audio(&mut self, frame: &Frame, speech_prob: f32, now: Instant) {
        let prob = if speech_prob.is_finite() {
            speech_prob.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let prob = match self.echo.judge(frame.rms()) {
            Talk::Caller => {
                self.echo_run = false;
                prob
            }
            Talk::Echo => {
                let speechy = prob >= self.config.endpoint.speech_on;
                if speechy && !self.echo_run {
                    self.event(now, EventKind::EchoIgnored);
                }
                self.echo_run = speechy;
                0.0
            }
        };
        if matches!(self.phase, Phase::Closing { .. }) {
            return;
        }
        let end_silence = if self.bargein.is_some() {
            self.config.bargein.end_silence_ms
        } else {
            self.config.endpoint.end_silence_ms(self.listen)
        };
        match self.endpointer.push(frame, prob, now, end_silence) {
            Some(EndpointEvent::SpeechStarted { at }) => self.speech_started(at, now),
            Some(EndpointEvent::Utterance(utterance)) => self.utterance_ended(utterance, now),
            Some(EndpointEvent::Blip) => self.blip(now),
            None => self.early_transcript(now),
        }
        let too_long = self.endpointer.speech_span_frames()
            > frames_for_ms(self.config.bargein.backchannel_max_ms);
        if let (Some(_), Some(turn), true) = (&self.bargein, self.speaking, too_long) {
            self.commit_bargein(turn, now);
        }
    }

    fn speech_started(&mut self, at: Instant, now: Instant) {
        let turn = self.turns.open(Stage::Speaking);
        self.speaking = Some(turn);
        self.no_input_at = None;
        self.event(at, EventKind::SpeechStart { turn });
        if self.phase != Phase::Bot {
            return;
        }
        if let Some(bargein) = &mut self.bargein {
            bargein.add(turn);
        } else if let Some(reply) = self.playout.current().map(|p| p.reply) {
            self.pause_for(turn, reply, now);
        }
    }

    /// Pauses the reply because the caller is speaking, if barge-in is allowed.
    fn pause_for(&mut self, turn: TurnId, reply: ReplyId, now: Instant) {
        if !self.config.bargein.enabled || !self.playout.pause() {
            return;
        }
        self.actions.push_back(Action::PausePlayback);
        self.event(now, EventKind::BargeIn { turn, reply });
        self.bargein = Some(BargeIn::new(reply, turn));
    }

    fn utterance_ended(&mut self, utterance: Utterance, now: Instant) {
        let turn = match self.speaking.take() {
            Some(turn) => turn,
            None => self.turns.open(Stage::Speaking),
        };
        self.turns.set_stage(turn, Stage::Transcribing);
        self.turns.stamp(turn, |c| {
            c.speech_end = Some(utterance.speech_end);
            c.end_of_turn = Some(now);
        });
        self.event(utterance.speech_end, EventKind::SpeechEnd { turn });
        self.event(
            now,
            EventKind::EndOfTurn {
                turn,
                forced: utterance.forced,
            },
        );
        match self
            .early
            .take()
            .filter(|e| e.turn == turn && e.span == utterance.span_frames)
        {
            // The early transcript heard all of it: no second pass.
            Some(Early {
                heard: Some(heard), ..
            }) => self.transcript_in(turn, heard, now),
            Some(Early { heard: None, .. }) => self.await_bargein_transcript(turn, now),
            None => {
                let take = self.new_take(turn);
                self.actions.push_back(Action::Transcribe {
                    turn,
                    take,
                    audio: utterance.audio,
                });
                self.await_bargein_transcript(turn, now);
            }
        }
    }

    fn await_bargein_transcript(&mut self, turn: TurnId, now: Instant) {
        if self.bargein.as_ref().is_some_and(|b| b.involves(turn)) {
            let wait = u64::from(self.config.bargein.transcript_wait_ms);
            self.bargein_wait = after(now, wait).map(|at| (turn, at));
        }
    }

    fn new_take(&mut self, turn: TurnId) -> u32 {
        let take = self.next_take;
        self.next_take += 1;
        self.turns.set_take(turn, take);
        take
    }

    /// While the caller pauses: requests a transcript of the speech so far, drops it if the caller goes on, and
    /// ends the turn early once it reads as a finished sentence.
    fn early_transcript(&mut self, now: Instant) {
        let (Some(turn), Phase::Bot, None) = (self.speaking, &self.phase, &self.bargein) else {
            return;
        };
        let early_ms = self.config.endpoint.early_asr_ms;
        if early_ms == 0 {
            return;
        }
        let span = self.endpointer.speech_span_frames();
        if self
            .early
            .as_ref()
            .is_some_and(|e| e.turn != turn || e.span != span)
        {
            self.early = None;
        }
        if self.early.is_none()
            && self.endpointer.is_substantial()
            && self.endpointer.silence_frames() >= frames_for_ms(early_ms)
            && let Some(audio) = self.endpointer.snapshot()
        {
            let take = self.new_take(turn);
            self.early = Some(Early {
                turn,
                take,
                span,
                heard: None,
            });
            self.actions
                .push_back(Action::Transcribe { turn, take, audio });
        }
        self.end_if_complete(now);
    }

    fn end_if_complete(&mut self, now: Instant) {
        let Some(early) = &self.early else { return };
        let complete = early.heard.as_ref().is_some_and(|h| match self.listen {
            ListenMode::Open | ListenMode::YesNo => reads_complete(&h.text),
            // An order number the shop holds is whole, closed sentence or not: a number Whisper made up in a
            // pause mid-number almost never is one.
            ListenMode::Digits {
                whole,
                order_number,
            } => holds_whole_number(&h.text, whole) || (order_number && h.known_order),
            // Addresses have no reliable finished shape: the full silence decides.
            ListenMode::Address => false,
        });
        let paused_ms = self.endpointer.silence_frames() * FRAME_MS;
        if complete
            && self.speaking == Some(early.turn)
            && paused_ms >= self.config.endpoint.silence_complete_ms
        {
            match self.endpointer.finish() {
                Some(EndpointEvent::Utterance(utterance)) => self.utterance_ended(utterance, now),
                Some(EndpointEvent::Blip) => self.blip(now),
                _ => {}
            }
        }
    }

    fn blip(&mut self, now: Instant) {
        self.early = None;
        if let Some(turn) = self.speaking.take() {
            self.turns.set_stage(turn, Stage::Closed);
            self.event(now, EventKind::BlipIgnored { turn });
            self.dismiss(turn, String::new(), now);
        }
        self.rearm_no_input(now);
    }

    /// A barge-in utterance was only a backchannel or noise: resume once nothing else is pending.
    fn dismiss(&mut self, turn: TurnId, text: String, now: Instant) {
        let Some(bargein) = &mut self.bargein else {
            return;
        };
        if !bargein.involves(turn) || !bargein.dismiss(turn) {
            return;
        }
        let reply = bargein.reply;
        self.bargein = None;
        if self.playout.resume() {
            self.actions.push_back(Action::ResumePlayback);
            self.event(now, EventKind::BackchannelResumed { turn, reply, text });
        }
    }

    fn commit_bargein(&mut self, turn: TurnId, now: Instant) {
        if let Some(bargein) = self.bargein.take() {
            self.event(
                now,
                EventKind::BargeInCommitted {
                    turn,
                    reply: bargein.reply,
                },
            );
            self.stop_playback(now);
        }
    }

    fn stop_playback(&mut self, now: Instant) {
        self.bargein = None;
        if let Some(reply) = self.playout.stop() {
            self.actions.push_back(Action::StopPlayback);
            self.event(now, EventKind::PlaybackStopped { reply });
        }
    }

    fn on_transcript(&mut self, turn: TurnId, take: u32, heard: Heard, now: Instant) {
        if let Some(early) = &mut self.early
            && (early.turn, early.take) == (turn, take)
            && self.turns.stage(turn) == Some(Stage::Speaking)
        {
            early.heard = Some(heard);
            self.end_if_complete(now);
            return;
        }
        if self.turns.stage(turn) != Some(Stage::Transcribing)
            || self.turns.take(turn) != Some(take)
        {
            self.event(now, EventKind::Stale(StaleInput::Transcript(turn)));
            return;
        }
        self.transcript_in(turn, heard, now);
    }

    /// The transcript that counts for a turn.
    fn transcript_in(&mut self, turn: TurnId, heard: Heard, now: Instant) {
        let Heard {
            text,
            lang,
            confidence,
            no_speech_prob,
            ..
        } = heard;
        self.turns.set_stage(turn, Stage::Closed);
        self.turns.stamp(turn, |c| c.transcript = Some(now));
        self.event(
            now,
            EventKind::TranscriptReceived {
                turn,
                text: text.clone(),
                lang,
            },
        );
        let speech = self
            .config
            .transcript
            .holds_speech(&text, confidence, no_speech_prob);
        if !speech {
            self.event(now, EventKind::TranscriptEmpty { turn });
        }
        if self.phase != Phase::Bot {
            return; // recorded only
        }
        if let Some(newer) = self.newest_understood.filter(|newer| *newer > turn) {
            // Slow recognition let a later utterance be answered first: answering this one now would cut that
            // answer off with a reply to something the caller has moved on from.
            self.resumed_unheard.retain(|t| *t != turn);
            self.event(now, EventKind::TranscriptSuperseded { turn, newer });
            return;
        }
        if let Some(i) = self.resumed_unheard.iter().position(|t| *t == turn) {
            self.resumed_unheard.swap_remove(i);
            if !speech || self.backchannels.matches(&text) {
                return; // a backchannel after all: the bot rightly carried on
            }
            // Real words after all: the caller has the floor.
            self.stop_playback(now);
        }
        if self.bargein.as_ref().is_some_and(|b| b.involves(turn)) {
            if !speech || self.backchannels.matches(&text) {
                self.dismiss(turn, text, now);
                return;
            }
            self.commit_bargein(turn, now);
        }
        if !speech {
            self.rearm_no_input(now);
            return;
        }
        let (lang, changed) = self.language.observe(lang, &text);
        if changed {
            self.event(now, EventKind::Language { lang });
        }
        self.no_inputs = 0;
        self.understand(turn, UserTurn::Text(text, lang), now);
    }

    fn on_text(&mut self, text: String, now: Instant) {
        let text = text.trim().to_string();
        if self.phase != Phase::Bot || text.is_empty() {
            self.event(now, EventKind::InputIgnored { what: "text" });
            return;
        }
        self.stop_playback(now);
        let turn = self.turns.open(Stage::Understanding);
        self.event(
            now,
            EventKind::TextReceived {
                turn,
                text: text.clone(),
            },
        );
        let detected = Lang::detect(&text)
            .or(self.language.current())
            .unwrap_or(Lang::En);
        let (lang, changed) = self.language.observe(detected, &text);
        if changed {
            self.event(now, EventKind::Language { lang });
        }
        self.no_inputs = 0;
        self.understand(turn, UserTurn::Text(text, lang), now);
    }

    fn understand(&mut self, turn: TurnId, input: UserTurn, now: Instant) {
        if let Some(superseded) = self.awaiting.replace(turn) {
            self.turns.set_stage(superseded, Stage::Closed);
        }
        self.turns.set_stage(turn, Stage::Understanding);
        self.turns.stamp(turn, |c| c.understood = Some(now));
        self.newest_understood = self.newest_understood.max(Some(turn));
        self.no_input_at = None;
        self.actions.push_back(Action::Understand { turn, input });
    }

    fn on_reply(
        &mut self,
        turn: TurnId,
        text: String,
        lang: Lang,
        listen: ListenMode,
        end: ReplyEnd,
        now: Instant,
    ) {
        if self.phase != Phase::Bot || self.awaiting != Some(turn) {
            self.event(now, EventKind::Stale(StaleInput::Reply(turn)));
            return;
        }
        self.awaiting = None;
        self.turns.set_stage(turn, Stage::Closed);
        self.turns.stamp(turn, |c| c.reply = Some(now));
        let reply = self.new_reply_id();
        self.event(now, EventKind::ReplyReceived { turn, reply });
        self.listen = listen;
        self.last_reply_lang = Some(lang);
        // A newer reply replaces one still playing.
        self.stop_playback(now);
        let deadline = after(now, u64::from(self.config.timers.closing_timeout_ms));
        match end {
            ReplyEnd::Continue => {}
            ReplyEnd::Hangup => {
                self.leave_conversation();
                self.phase = Phase::Closing {
                    reason: HangupReason::Dialogue,
                    deadline,
                };
            }
            ReplyEnd::Escalate { reason } => {
                self.leave_conversation();
                self.phase = Phase::HandingOver { reason, deadline };
            }
        }
        let prompt = (turn == TurnId::GREETING).then_some("greeting");
        self.play(reply, Some(turn), text, lang, prompt, now);
    }

    fn new_reply_id(&mut self) -> ReplyId {
        let id = ReplyId(self.next_reply);
        self.next_reply += 1;
        id
    }

    /// Starts playing a reply; a caller already speaking holds it back as if they had barged in on it.
    fn play(
        &mut self,
        reply: ReplyId,
        turn: Option<TurnId>,
        text: String,
        lang: Lang,
        prompt: Option<&'static str>,
        now: Instant,
    ) {
        if !text.chars().any(char::is_alphanumeric) {
            self.playback_finished(reply, now);
            return;
        }
        self.playout.start(reply, turn);
        self.actions.push_back(Action::Synthesize {
            reply,
            text,
            lang,
            prompt,
        });
        if let (Phase::Bot, Some(speaking)) = (&self.phase, self.speaking) {
            self.pause_for(speaking, reply, now);
        }
    }

    fn playback_finished(&mut self, reply: ReplyId, now: Instant) {
        self.event(now, EventKind::PlaybackFinished { reply });
        match self.phase.clone() {
            Phase::Closing { reason, .. } => self.hang_up(reason, now),
            Phase::HandingOver { reason, .. } => self.escalate(reason, now),
            Phase::Bot => self.rearm_no_input(now),
            Phase::Escalated | Phase::Ended => {}
        }
    }

    fn on_dtmf(&mut self, key: char, now: Instant) {
        self.event(now, EventKind::Dtmf { digit: key });
        if self.phase != Phase::Bot {
            self.event(now, EventKind::InputIgnored { what: "dtmf" });
            return;
        }
        self.stop_playback(now);
        self.no_input_at = None;
        match self
            .digits
            .press(key, now, matches!(self.listen, ListenMode::Digits { .. }))
        {
            KeyOutcome::Escalate => {
                self.escalate(EscalateReason::Dtmf, now);
                return;
            }
            KeyOutcome::Collecting => {}
            KeyOutcome::Cleared => self.event(now, EventKind::DigitsCleared),
            KeyOutcome::Entered(digits) => self.digits_entered(digits, now),
            KeyOutcome::Ignored => self.event(now, EventKind::InputIgnored { what: "dtmf key" }),
        }
        self.rearm_no_input(now);
    }

    fn digits_entered(&mut self, digits: String, now: Instant) {
        let turn = self.turns.open(Stage::Understanding);
        self.no_inputs = 0;
        self.understand(turn, UserTurn::Digits(digits), now);
    }

    /// Starts the no-input timer if the bot is waiting for the caller and nothing else is pending.
    fn rearm_no_input(&mut self, now: Instant) {
        if self.phase == Phase::Bot && self.is_quiet() {
            self.no_input_at = after(now, u64::from(self.config.timers.no_input_ms));
        }
    }

    /// Drops what only matters while the bot converses: pending speech, digits, the awaited reply, timers.
    fn leave_conversation(&mut self) {
        self.early = None;
        if let Some(turn) = self.speaking.take() {
            self.turns.set_stage(turn, Stage::Closed);
        }
        self.endpointer.reset();
        if let Some(turn) = self.awaiting.take() {
            self.turns.set_stage(turn, Stage::Closed);
        }
        self.digits.clear();
        self.no_input_at = None;
    }

    fn say_goodbye(&mut self, goodbye: Goodbye, now: Instant) {
        self.stop_playback(now);
        self.leave_conversation();
        self.phase = Phase::Closing {
            reason: goodbye.reason(),
            deadline: after(now, u64::from(self.config.timers.closing_timeout_ms)),
        };
        let (reply, lang) = (self.new_reply_id(), self.speaking_lang());
        let text = goodbye.text(lang).to_string();
        self.play(reply, None, text, lang, Some(goodbye.prompt_key()), now);
    }

    /// The language the session speaks in on its own: the caller's, else the last reply's.
    fn speaking_lang(&self) -> Lang {
        self.language
            .current()
            .or(self.last_reply_lang)
            .unwrap_or(Lang::En)
    }

    fn escalate(&mut self, reason: EscalateReason, now: Instant) {
        self.actions.push_back(Action::Escalate {
            reason: reason.clone(),
        });
        self.event(now, EventKind::Escalated { reason });
        self.hand_over_quietly(now);
    }

    /// The bot falls silent and keeps only transcribing.
    fn hand_over_quietly(&mut self, now: Instant) {
        self.stop_playback(now);
        if let Some(turn) = self.awaiting.take() {
            self.turns.set_stage(turn, Stage::Closed);
        }
        self.digits.clear();
        self.no_input_at = None;
        self.phase = Phase::Escalated;
    }

    fn hang_up(&mut self, reason: HangupReason, now: Instant) {
        self.actions.push_back(Action::Hangup { reason });
        self.end(EndReason::Bot(reason), now);
    }

    fn end(&mut self, reason: EndReason, now: Instant) {
        self.playout.stop();
        self.bargein = None;
        self.no_input_at = None;
        self.phase = Phase::Ended;
        self.event(now, EventKind::CallEnded { reason });
    }
}
