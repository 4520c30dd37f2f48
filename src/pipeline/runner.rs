//! One call's wiring: a [`CallSession`] plus the per-call state of the shared engines (the VAD's recurrent
//! state, the dialogue's conversation) and the call log. Still sans-IO: heavy work leaves as [`Job`]s and comes
//! back as [`JobResult`]s, so the same runner serves live doors (worker threads, real time) and replays
//! (inline, virtual time).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analytics::CallRecorder;
use crate::analytics::survey::{self, Survey};
use crate::call::endpoint::EndpointConfig;
use crate::call::{
    Action, CallEvent, CallSession, EscalateReason, EventKind, Frame, Input, ListenMode, ReplyEnd,
    ReplyId, TurnId, UserTurn,
};
use crate::dialogue::responses::{Msg, render};
use crate::dialogue::{Channel, Conversation, DialogueEngine, Expect, Outcome, Reply, UserInput};
use crate::lang::Lang;
use crate::privacy::recording::{CallRecording, consent_notice};
use crate::speech::asr::LanguageChoice;
use crate::speech::vad::Vad;
use crate::store::background::write_in_background;

use super::call_log::{CallLog, CallLogBuilder};
use super::engines::Engines;
use super::job::{Cancel, Job, JobOutput, JobResult};
use super::{CallSpec, CallState, Control, UiEvent};

/// One call between a door and the engines. Feed it audio every 20 ms and the results of its jobs.
#[derive(Debug)]
pub struct CallRunner {
    session: CallSession,
    vad: Vad,
    /// The latest VAD window's speech probability (windows are 32 ms, frames 20 ms).
    speech_prob: f32,
    vad_failed: bool,
    spec: CallSpec,
    asr_language: LanguageChoice,
    /// The dialogue's state; out with a job while the dialogue works on a turn.
    conversation: Option<Box<Conversation>>,
    /// Turns waiting for the conversation to come back.
    waiting: VecDeque<(TurnId, UserInput)>,
    jobs: VecDeque<Job>,
    controls: VecDeque<Control>,
    /// The reply being synthesised, so a barge-in can cancel the rest of it.
    synthesis: Option<(ReplyId, Cancel)>,
    /// Transcriptions under way, newest take per turn; a newer take of a turn supersedes the older one.
    transcribing: Vec<(TurnId, u32, Cancel)>,
    /// Replies whose first piece of audio has not arrived yet.
    first_piece_due: Vec<ReplyId>,
    /// The dialogue's reason for the escalation the session is about to carry out.
    handover: Option<Control>,
    log: CallLogBuilder,
    /// Writes the call's analytics to the store as it goes.
    recorder: CallRecorder,
    /// The post-call satisfaction survey.
    survey: Survey,
    /// Both sides of the call, when `[privacy] record_calls` is on.
    recording: Option<CallRecording>,
    /// A person has the call: the caller's words and the agent's are logged as bridged lines.
    bridged: bool,
    /// Writes bridged lines to the conversation's turn log.
    dialogue: Arc<DialogueEngine>,
}

impl CallRunner {
    /// Starts a call at `now`; the first job is the greeting.
    pub fn new(engines: &Engines, spec: CallSpec, now: Instant) -> Self {
        let session = CallSession::new(engines.call_config().clone(), spec.lang, now);
        let asr_language = match spec.lang {
            _ if !engines.asr.is_multilingual() => LanguageChoice::Fixed(Lang::En),
            Some(lang) => LanguageChoice::Fixed(lang),
            None => engines.asr_language,
        };
        let spec_door = spec.channel.as_str();
        let spec_channel = spec.channel;
        let log = CallLogBuilder::new(
            spec.channel.as_str(),
            spec.caller.clone(),
            engines.asr_model(),
            now,
        );
        let mut runner = Self {
            session,
            vad: Vad::new(Arc::clone(&engines.vad)),
            speech_prob: 0.0,
            vad_failed: false,
            spec,
            asr_language,
            conversation: None,
            waiting: VecDeque::new(),
            jobs: VecDeque::new(),
            controls: VecDeque::new(),
            synthesis: None,
            transcribing: Vec::new(),
            first_piece_due: Vec::new(),
            handover: None,
            log,
            recorder: CallRecorder::new(Arc::clone(engines.dialogue()), spec_door),
            // Replays are QA of the conversation itself: a survey would change every fixture's ending.
            survey: if engines.config.analytics.csat_survey && spec_channel != Channel::Replay {
                Survey::Ready
            } else {
                Survey::Off
            },
            recording: start_recording(engines, spec_channel),
            bridged: false,
            dialogue: Arc::clone(engines.dialogue()),
        };
        runner.drain_actions(now);
        runner
    }

    /// 20 ms of caller audio (16 kHz); `None` when the door had nothing (packet loss), heard as silence.
    pub fn push_audio(&mut self, samples: Option<&[f32]>, now: Instant) {
        let frame = samples.map_or_else(Frame::silence, Frame::from_samples);
        match self.vad.push(frame.samples()) {
            Ok(probs) => {
                if let Some(&p) = probs.last() {
                    self.speech_prob = p;
                }
            }
            Err(e) => {
                // Without a VAD the call cannot hear the caller; keys and typed text still work.
                if !self.vad_failed {
                    tracing::error!("VAD failed, the caller's speech is ignored from now on: {e}");
                    self.vad_failed = true;
                }
                self.speech_prob = 0.0;
            }
        }
        if let Some(recording) = &mut self.recording {
            recording.caller(frame.samples());
        }
        let speech_prob = self.speech_prob;
        self.feed(Input::CallerAudio { frame, speech_prob }, now);
    }

    /// The next 20 ms to play to the caller (16 kHz).
    pub fn pull_audio(&mut self, now: Instant) -> Frame {
        let frame = self.session.pull_audio(now);
        if let Some(recording) = &mut self.recording {
            recording.bot(frame.samples());
        }
        self.drain_actions(now);
        frame
    }

    /// A keypad digit.
    pub fn dtmf(&mut self, digit: char, now: Instant) {
        self.feed(Input::Dtmf(digit), now);
    }

    /// A typed caller turn.
    pub fn text(&mut self, text: &str, now: Instant) {
        self.feed(Input::Text(text.to_string()), now);
    }

    /// The caller hung up.
    pub fn hangup(&mut self, now: Instant) {
        self.feed(Input::Hangup, now);
        self.cancel_synthesis();
        for (_, _, cancel) in self.transcribing.drain(..) {
            cancel.cancel();
        }
    }

    /// A person took the call / gave it back.
    pub fn agent(&mut self, joined: bool, now: Instant) {
        self.bridged = joined;
        let input = if joined {
            Input::AgentJoined
        } else {
            Input::AgentLeft
        };
        self.feed(input, now);
    }

    /// The agent's words while a person has the call.
    pub fn agent_said(&mut self, text: &str, now: Instant) {
        let lang = self.session.language().unwrap_or(Lang::En);
        self.bridged_line(true, text, lang, now);
    }

    /// Words said while a person has the call (by the agent, or by the caller): in the call log and the
    /// conversation's turn log.
    fn bridged_line(&mut self, by_agent: bool, text: &str, lang: Lang, now: Instant) {
        let speaker = if by_agent { "agent" } else { "caller" };
        self.log.bridged_line(speaker, text, now);
        if let Some(conv) = self.conversation.as_mut() {
            let turn =
                DialogueEngine::bridged_turn(conv, by_agent, text, lang, self.dialogue.now());
            let store = self.dialogue.store().clone();
            write_in_background("bridged line", move || {
                if let Err(e) = store.insert_turn(&turn) {
                    tracing::warn!("{speaker}'s words not in the turn log: {e}");
                }
            });
        }
    }

    /// The door handed the caller on elsewhere (a blind transfer that succeeded): the call's result is
    /// "transferred" however it ends.
    pub fn transferred(&mut self) {
        self.recorder.transferred();
    }

    /// When [`CallRunner::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }

    /// Fires the session's due timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.session.poll_timeout().is_some_and(|t| now >= t) {
            self.session.handle_timeout(now);
            self.drain_actions(now);
        }
    }

    /// The next job for the engines.
    pub fn poll_job(&mut self) -> Option<Job> {
        self.jobs.pop_front()
    }

    /// The next thing the door must do or show.
    pub fn poll_control(&mut self) -> Option<Control> {
        self.controls.pop_front()
    }

    /// True once the call is over.
    pub fn is_ended(&self) -> bool {
        self.session.is_ended()
    }

    /// True when nothing is under way: no turn in the engines and nothing playing or about to play.
    pub fn is_idle(&self) -> bool {
        self.jobs.is_empty()
            && self.synthesis.is_none()
            && self.conversation.is_some()
            && self.waiting.is_empty()
            && self.session.is_quiet()
    }

    /// The call log so far.
    pub fn log(&self) -> CallLog {
        self.log.snapshot()
    }

    /// A job's result.
    pub fn job_done(&mut self, result: JobResult, now: Instant) {
        let compute = result.compute;
        match result.output {
            JobOutput::Greeting(Ok((conversation, reply))) => {
                self.log.conversation(&conversation.id);
                self.recorder.conversation(&conversation.id);
                if let Some(recording) = &self.recording {
                    self.recorder.recording(recording.path());
                }
                self.conversation = Some(conversation);
                self.answer(TurnId::GREETING, reply, compute, now);
                self.next_waiting();
            }
            JobOutput::Greeting(Err(_)) => {
                let lang = self.spec.lang.unwrap_or(Lang::Zh);
                self.feed(
                    Input::Reply {
                        turn: TurnId::GREETING,
                        text: render(Msg::ServiceDown, lang, &[], 0),
                        lang,
                        listen: ListenMode::Open,
                        end: ReplyEnd::Hangup,
                    },
                    now,
                );
            }
            JobOutput::Transcript {
                turn,
                take,
                result,
                known_order,
            } => {
                self.transcribing
                    .retain(|(t, k, _)| (*t, *k) != (turn, take));
                self.recorder.job("asr", compute, result.is_ok());
                let input = match result {
                    Ok(t) => {
                        self.log.transcript(turn, &t, compute);
                        Input::Transcript {
                            turn,
                            take,
                            confidence: t.avg_logprob.exp(),
                            no_speech_prob: t.no_speech_prob,
                            text: t.text,
                            lang: t.lang,
                            known_order,
                        }
                    }
                    // An utterance that could not be recognised is dropped like noise; the caller is reprompted.
                    Err(_) => Input::Transcript {
                        turn,
                        take,
                        text: String::new(),
                        lang: self.session.language().unwrap_or(Lang::En),
                        confidence: 0.0,
                        no_speech_prob: 1.0,
                        known_order: false,
                    },
                };
                self.feed(input, now);
            }
            JobOutput::Reply {
                turn,
                conversation,
                result,
            } => {
                let lang = conversation.lang;
                self.record_reply(turn, conversation.turns, compute, result.is_ok());
                self.conversation = Some(conversation);
                match result {
                    Ok(reply) => self.answer(turn, reply, compute, now),
                    Err(_) => self.feed(
                        Input::Reply {
                            turn,
                            text: render(Msg::TurnFailed, lang, &[], 0),
                            lang,
                            listen: ListenMode::Open,
                            end: ReplyEnd::Continue,
                        },
                        now,
                    ),
                }
                self.next_waiting();
            }
            JobOutput::Speech {
                reply,
                samples,
                last,
                ..
            } => {
                if let Some(i) = self.first_piece_due.iter().position(|r| *r == reply) {
                    self.first_piece_due.swap_remove(i);
                    self.log.first_piece(reply, compute);
                    self.recorder.job("tts", compute, !samples.is_empty());
                }
                if last && self.synthesis.as_ref().is_some_and(|(r, _)| *r == reply) {
                    self.synthesis = None;
                }
                self.feed(
                    Input::SpeechAudio {
                        reply,
                        samples,
                        last,
                    },
                    now,
                );
            }
        }
    }

    /// Ends the call record (hanging up first if the call is still up) and returns the log.
    pub fn finish(mut self, now: Instant) -> CallLog {
        if !self.session.is_ended() {
            self.hangup(now);
        }
        self.log.snapshot()
    }

    fn answer(&mut self, turn: TurnId, reply: Reply, compute: Duration, now: Instant) {
        self.log.reply(turn, &reply, compute);
        let end = match &reply.outcome {
            Outcome::Continue => ReplyEnd::Continue,
            Outcome::End => ReplyEnd::Hangup,
            Outcome::Escalate {
                reason,
                priority,
                summary,
            } => {
                self.log.escalation_summary(summary);
                self.handover = Some(Control::Escalate {
                    reason: reason.as_str().to_string(),
                    priority: *priority,
                    summary: summary.clone(),
                });
                ReplyEnd::Escalate {
                    reason: EscalateReason::Dialogue(reason.as_str().to_string()),
                }
            }
        };
        let mut text = reply.text;
        if turn == TurnId::GREETING && self.recording.is_some() {
            text = format!("{} {text}", consent_notice(reply.lang));
        }
        let mut listen = listen_mode(reply.expect, &self.session.config().endpoint);
        let mut end = end;
        if end == ReplyEnd::Hangup && turn != TurnId::GREETING && self.survey == Survey::Ready {
            self.survey = Survey::Asked(reply.lang);
            text = format!("{text} {}", survey::question(reply.lang));
            listen = ListenMode::Digits {
                whole: 1,
                order_number: false,
            };
            end = ReplyEnd::Continue;
        }
        self.feed(
            Input::Reply {
                turn,
                text,
                lang: reply.lang,
                listen,
                end,
            },
            now,
        );
    }

    /// The caller's answer to the survey: records a score, says goodbye and hangs up.
    fn survey_answer(&mut self, turn: TurnId, answer: &str, lang: Lang, now: Instant) {
        self.survey = Survey::Off;
        let score = survey::score(answer);
        if let Some(score) = score {
            self.recorder.csat(score);
        }
        let text = survey::closing(lang, score.is_some()).to_string();
        self.feed(
            Input::Reply {
                turn,
                text,
                lang,
                listen: ListenMode::Open,
                end: ReplyEnd::Hangup,
            },
            now,
        );
    }

    fn next_waiting(&mut self) {
        if let Some((turn, input)) = self.waiting.pop_front() {
            self.understand(turn, input);
        }
    }

    fn understand(&mut self, turn: TurnId, input: UserInput) {
        match self.conversation.take() {
            Some(conversation) => self.jobs.push_back(Job::Understand {
                turn,
                conversation,
                input,
            }),
            None => self.waiting.push_back((turn, input)),
        }
    }

    fn cancel_synthesis(&mut self) {
        if let Some((_, cancel)) = self.synthesis.take() {
            cancel.cancel();
        }
    }

    fn feed(&mut self, input: Input, now: Instant) {
        self.session.handle_input(input, now);
        self.drain_actions(now);
    }

    fn drain_actions(&mut self, now: Instant) {
        while let Some(action) = self.session.poll_action() {
            self.act(action, now);
        }
    }

    fn act(&mut self, action: Action, now: Instant) {
        match action {
            Action::Greet => self.jobs.push_back(Job::Greet {
                spec: self.spec.clone(),
            }),
            Action::Transcribe { turn, take, audio } => {
                // The session only ever uses a turn's newest take.
                let cancel = Cancel::default();
                self.transcribing.retain(|(t, _, older)| {
                    if *t == turn {
                        older.cancel();
                    }
                    *t != turn
                });
                self.transcribing.push((turn, take, cancel.clone()));
                self.jobs.push_back(Job::Transcribe {
                    turn,
                    take,
                    audio,
                    language: self.asr_language,
                    listen: self.session.listen_mode(),
                    cancel,
                });
            }
            Action::Understand { turn, input } => {
                let (kind, text, input) = match input {
                    UserTurn::Text(text, _) => ("speech", text.clone(), UserInput::Text(text)),
                    UserTurn::Digits(digits) => {
                        ("digits", digits.clone(), UserInput::Digits(digits))
                    }
                    UserTurn::NoInput => ("no_input", String::new(), UserInput::NoInput),
                };
                self.log.understood(turn, kind, &text);
                if let Survey::Asked(lang) = self.survey {
                    self.survey_answer(turn, &text, lang, now);
                    return;
                }
                self.state(CallState::Thinking);
                self.understand(turn, input);
            }
            Action::Synthesize {
                reply,
                text,
                lang,
                prompt,
            } => {
                self.cancel_synthesis();
                self.log.speaking(reply, &text, lang);
                // Every line the caller is about to hear: the dialogue's replies and the session's own.
                self.controls.push_back(Control::Event(UiEvent::BotSaid {
                    text: text.clone(),
                    lang,
                }));
                let cancel = Cancel::default();
                self.synthesis = Some((reply, cancel.clone()));
                self.first_piece_due.push(reply);
                self.jobs.push_back(Job::Synthesize {
                    reply,
                    text,
                    lang,
                    prompt,
                    cancel,
                });
            }
            Action::StopPlayback => {
                self.cancel_synthesis();
                self.state(CallState::Listening);
            }
            Action::PausePlayback | Action::ResumePlayback => {}
            Action::Escalate { reason } => {
                let control = self.handover.take().unwrap_or_else(|| Control::Escalate {
                    reason: match &reason {
                        EscalateReason::Dtmf => "dtmf".into(),
                        EscalateReason::Dialogue(why) => why.clone(),
                    },
                    priority: crate::dialogue::Priority::Normal,
                    summary: String::new(),
                });
                if let Control::Escalate { reason, .. } = &control {
                    self.recorder.escalated(reason);
                }
                self.state(CallState::Agent);
                self.controls.push_back(control);
            }
            Action::Hangup { .. } => self.controls.push_back(Control::Hangup),
            Action::Event(event) => self.event(&event, now),
        }
    }

    /// Analytics of a dialogue reply to `turn`, logged as the conversation's turn `seq`.
    fn record_reply(&mut self, turn: TurnId, seq: u32, compute: Duration, ok: bool) {
        self.recorder.job("dialogue", compute, ok);
        if let Some(record) = self.log.turn_record(turn).filter(|_| ok) {
            self.recorder.answered(turn.0, seq, &record.input);
        }
    }

    /// Analytics of a session event (already in the call log).
    fn record_event(&mut self, event: &CallEvent) {
        match &event.kind {
            EventKind::TurnTimings(t) => {
                if let Some(record) = self.log.turn_record(t.turn) {
                    self.recorder.turn_done(record);
                }
            }
            EventKind::CallEnded { .. } => {
                if let Some(recording) = self.recording.take()
                    && let Err(e) = recording.finish()
                {
                    tracing::warn!("call recording not completed: {e}");
                }
                let log = self.log.snapshot();
                let duration = Duration::from_secs_f64(log.duration_secs.max(0.0));
                self.recorder.ended(&log.turns, &log.end, duration);
            }
            _ => {}
        }
    }

    fn event(&mut self, event: &CallEvent, now: Instant) {
        self.log.event(event);
        self.record_event(event);
        match &event.kind {
            EventKind::SpeechStart { .. } => self.state(CallState::Listening),
            EventKind::TranscriptReceived { text, lang, .. } if !text.trim().is_empty() => {
                if self.bridged {
                    self.bridged_line(false, text, *lang, now);
                }
                self.controls.push_back(Control::Event(UiEvent::CallerSaid {
                    text: text.clone(),
                    lang: *lang,
                }));
            }
            EventKind::FirstAudio { .. } => self.state(CallState::Speaking),
            EventKind::PlaybackFinished { .. } => self.state(CallState::Listening),
            EventKind::CallEnded { .. } => {
                self.cancel_synthesis();
                self.state(CallState::Ended);
            }
            _ => {}
        }
    }

    fn state(&mut self, state: CallState) {
        self.controls
            .push_back(Control::Event(UiEvent::State(state)));
    }
}

/// A recording for a new call when `[privacy] record_calls` is on (replays record their own stereo WAV).
fn start_recording(engines: &Engines, channel: Channel) -> Option<CallRecording> {
    let privacy = &engines.config.privacy;
    if !privacy.record_calls || channel == Channel::Replay {
        return None;
    }
    let name = format!(
        "{}-{}-{:08x}",
        channel.as_str(),
        chrono::Local::now().format("%Y%m%d%H%M%S"),
        rand::random::<u32>()
    );
    CallRecording::create(&privacy.recordings_dir, &name)
        .map_err(|e| tracing::warn!("cannot record the call ([privacy] recordings_dir): {e}"))
        .ok()
}

/// How long the session waits for the caller after a reply, from what the reply asked for.
fn listen_mode(expect: Expect, endpoint: &EndpointConfig) -> ListenMode {
    match expect {
        Expect::YesNo => ListenMode::YesNo,
        Expect::OrderNumber => ListenMode::Digits {
            whole: endpoint.order_number_digits,
            order_number: true,
        },
        Expect::Phone => ListenMode::Digits {
            whole: endpoint.phone_number_digits,
            order_number: false,
        },
        Expect::Address => ListenMode::Address,
        Expect::Open | Expect::Choice => ListenMode::Open,
    }
}
