//! The call core driven on a virtual clock: a harness plays the door (20 ms frames in and out, an optional echo
//! path) and the engines (canned transcripts, replies and synthetic speech, each with a chosen latency), and the
//! tests assert exactly what the real `CallSession` does.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use kefu::call::{
    Action, CallConfig, CallEvent, CallSession, EndReason, EscalateReason, EventKind,
    FRAME_SAMPLES, Frame, HangupReason, Input, ListenMode, ReplyEnd, ReplyId, StaleInput, TurnId,
    UserTurn,
};
use kefu::lang::Lang;

const MS_PER_FRAME: u64 = 20;

/// What the dialogue answers.
#[derive(Clone)]
struct Answer {
    text: String,
    lang: Lang,
    listen: ListenMode,
    end: ReplyEnd,
}

fn answer(text: &str, listen: ListenMode) -> Answer {
    Answer {
        text: text.into(),
        lang: Lang::En,
        listen,
        end: ReplyEnd::Continue,
    }
}

/// A call on a virtual clock.
struct Call {
    session: CallSession,
    t0: Instant,
    /// Frames elapsed.
    k: u64,
    /// Every action the session produced, with the frame it came in.
    log: Vec<(u64, Action)>,
    /// Every frame the session sent.
    out: Vec<Frame>,
    /// Inputs the engines will deliver, with the frame they are due.
    inbox: Vec<(u64, Input)>,
    /// Synthesised audio per reply.
    speech: HashMap<ReplyId, Vec<f32>>,
    /// Transcripts for the coming `Transcribe` actions, in order (text, language); empty text = no speech.
    transcripts: VecDeque<(String, Lang)>,
    /// What the engines' order lookup answers for every transcript: it names an order the shop holds.
    known_order: bool,
    /// Answers for the coming `Understand` actions, in order; then `default_answer`.
    answers: VecDeque<Answer>,
    default_answer: Answer,
    greeting: Answer,
    /// Engine latencies in frames.
    asr_frames: u64,
    dialogue_frames: u64,
    tts_frames: u64,
    /// Length of every synthesised reply.
    speech_ms: u64,
    /// Outbound audio fed back inbound: (delay in samples, gain).
    echo: Option<(usize, f32)>,
}

impl Call {
    fn new() -> Self {
        Self::with(CallConfig::default(), None)
    }

    fn with(config: CallConfig, lang: Option<Lang>) -> Self {
        let t0 = Instant::now();
        Self {
            session: CallSession::new(config, lang, t0),
            t0,
            k: 0,
            log: Vec::new(),
            out: Vec::new(),
            inbox: Vec::new(),
            speech: HashMap::new(),
            transcripts: VecDeque::new(),
            known_order: false,
            answers: VecDeque::new(),
            default_answer: answer("Sure, let me check that for you.", ListenMode::Open),
            greeting: answer("Hello, this is the shop. How can I help?", ListenMode::Open),
            asr_frames: 0,
            dialogue_frames: 0,
            tts_frames: 0,
            speech_ms: 2000,
            echo: None,
        }
    }

    fn at(&self, k: u64) -> Instant {
        self.t0 + Duration::from_millis(k * MS_PER_FRAME)
    }

    fn now(&self) -> Instant {
        self.at(self.k)
    }

    /// Drains the session's actions and plays the engines.
    fn drain(&mut self) {
        while let Some(action) = self.session.poll_action() {
            let k = self.k;
            match &action {
                Action::Greet => {
                    let a = self.greeting.clone();
                    self.reply_later(TurnId::GREETING, a);
                }
                Action::Transcribe { turn, take, .. } => {
                    let (text, lang) = self
                        .transcripts
                        .pop_front()
                        .unwrap_or_else(|| (String::new(), Lang::En));
                    let no_speech_prob = if text.is_empty() { 0.9 } else { 0.05 };
                    let input = Input::Transcript {
                        turn: *turn,
                        take: *take,
                        text,
                        lang,
                        confidence: 0.9,
                        no_speech_prob,
                        known_order: self.known_order,
                    };
                    self.inbox.push((k + self.asr_frames, input));
                }
                Action::Understand { turn, .. } => {
                    let a = self
                        .answers
                        .pop_front()
                        .unwrap_or_else(|| self.default_answer.clone());
                    self.reply_later(*turn, a);
                }
                Action::Synthesize { reply, .. } => {
                    let audio = synthetic_speech(*reply, self.speech_ms);
                    let half = audio.len() / 2;
                    let due = k + self.tts_frames;
                    self.inbox.push((
                        due,
                        Input::SpeechAudio {
                            reply: *reply,
                            samples: audio[..half].to_vec(),
                            last: false,
                        },
                    ));
                    self.inbox.push((
                        due,
                        Input::SpeechAudio {
                            reply: *reply,
                            samples: audio[half..].to_vec(),
                            last: true,
                        },
                    ));
                    self.speech.insert(*reply, audio);
                }
                _ => {}
            }
            self.log.push((k, action));
        }
    }

    fn reply_later(&mut self, turn: TurnId, a: Answer) {
        let input = Input::Reply {
            turn,
            text: a.text,
            lang: a.lang,
            listen: a.listen,
            end: a.end,
        };
        self.inbox.push((self.k + self.dialogue_frames, input));
    }

    /// One 20 ms tick: engine results due, timers, one frame out, one frame in (caller at `level`, plus echo).
    fn step(&mut self, caller: Option<f32>) {
        self.k += 1;
        let now = self.now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.inbox)
            .into_iter()
            .partition(|(k, _)| *k <= self.k);
        self.inbox = later;
        for (_, input) in due {
            self.session.handle_input(input, now);
        }
        self.drain();
        let mut guard = 0;
        while self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
            self.drain();
            guard += 1;
            assert!(guard < 10, "a due timer did not clear");
        }
        let sent = self.session.pull_audio(now);
        self.out.push(sent);
        self.drain();

        // The inbound frame: a tick-tagged floor (so audio can be traced to its frame), caller speech, echo.
        let tag = self.k as f32 * 1e-6;
        let mut samples = [tag; FRAME_SAMPLES];
        if let Some(level) = caller {
            for (i, s) in samples.iter_mut().enumerate() {
                *s += level * (0.031 * (self.k as usize * FRAME_SAMPLES + i) as f32).sin();
            }
        }
        let mut echo_energy = 0.0;
        if let Some((delay, gain)) = self.echo {
            // This tick's outbound frame starts at `start` on the outbound timeline.
            let start = (self.out.len() - 1) * FRAME_SAMPLES;
            for (i, s) in samples.iter_mut().enumerate() {
                if let Some(t) = (start + i).checked_sub(delay) {
                    let echo = gain * self.out[t / FRAME_SAMPLES].samples()[t % FRAME_SAMPLES];
                    *s += echo;
                    echo_energy += echo * echo;
                }
            }
        }
        let echo_rms = (echo_energy / FRAME_SAMPLES as f32).sqrt();
        // The VAD hears speech in caller speech and in echo alike.
        let speech_prob = if caller.is_some() || echo_rms > 0.005 {
            0.9
        } else {
            0.02
        };
        self.session.handle_input(
            Input::CallerAudio {
                frame: Frame::from_samples(&samples),
                speech_prob,
            },
            now,
        );
        self.drain();
    }

    fn silence(&mut self, ms: u64) {
        for _ in 0..ms / MS_PER_FRAME {
            self.step(None);
        }
    }

    fn speak(&mut self, ms: u64) {
        self.speak_at(ms, 0.3);
    }

    fn speak_at(&mut self, ms: u64, level: f32) {
        for _ in 0..ms / MS_PER_FRAME {
            self.step(Some(level));
        }
    }

    /// Runs silent ticks until an action matches (returns its frame), or fails after `max_ms`.
    fn until(&mut self, max_ms: u64, what: &str, pred: impl Fn(&Action) -> bool) -> u64 {
        let start = self.log.len();
        for _ in 0..max_ms / MS_PER_FRAME {
            if let Some((k, _)) = self.log[start..].iter().find(|(_, a)| pred(a)) {
                return *k;
            }
            self.step(None);
        }
        panic!(
            "no {what} within {max_ms} ms; log: {:#?}",
            &self.log[start..]
        );
    }

    fn until_event(&mut self, max_ms: u64, what: &str, pred: impl Fn(&EventKind) -> bool) -> u64 {
        self.until(
            max_ms,
            what,
            |a| matches!(a, Action::Event(e) if pred(&e.kind)),
        )
    }

    /// Plays out the greeting (and anything else) until the bot is quiet and listening.
    fn greeted(mut self) -> Self {
        self.until_event(10_000, "end of greeting", |e| {
            matches!(e, EventKind::PlaybackFinished { .. })
        });
        self
    }

    fn events(&self) -> impl Iterator<Item = (u64, &CallEvent)> {
        self.log.iter().filter_map(|(k, a)| match a {
            Action::Event(e) => Some((*k, e)),
            _ => None,
        })
    }

    fn event_at(&self, pred: impl Fn(&EventKind) -> bool) -> Option<Instant> {
        self.events()
            .find(|(_, e)| pred(&e.kind))
            .map(|(_, e)| e.at)
    }

    fn count(&self, pred: impl Fn(&Action) -> bool) -> usize {
        self.log.iter().filter(|(_, a)| pred(a)).count()
    }

    fn first_k(&self, pred: impl Fn(&Action) -> bool) -> Option<u64> {
        self.log.iter().find(|(_, a)| pred(a)).map(|(k, _)| *k)
    }

    fn understood(&self) -> Vec<UserTurn> {
        self.log
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Understand { input, .. } => Some(input.clone()),
                _ => None,
            })
            .collect()
    }

    fn transcribed(&self) -> Vec<(TurnId, Vec<f32>)> {
        self.log
            .iter()
            .filter_map(|(_, a)| match a {
                Action::Transcribe { turn, audio, .. } => Some((*turn, audio.clone())),
                _ => None,
            })
            .collect()
    }

    /// The samples of `reply` that went out, in the order they went out, without the silence of pauses: equal
    /// to the synthesised audio only if every frame of it was sent once, unaltered and in order.
    fn played(&self, reply: ReplyId) -> Vec<f32> {
        let audio = &self.speech[&reply];
        let chunks: Vec<&[f32]> = audio.chunks(FRAME_SAMPLES).collect();
        let by_first: HashMap<u32, usize> = chunks
            .iter()
            .enumerate()
            .map(|(j, c)| (c[0].to_bits(), j))
            .collect();
        let mut played = Vec::new();
        for frame in &self.out {
            let s = frame.samples();
            if let Some(&j) = by_first.get(&s[0].to_bits()) {
                assert_eq!(
                    &s[..chunks[j].len()],
                    chunks[j],
                    "frame {j} of {reply} altered"
                );
                played.extend_from_slice(chunks[j]);
            }
        }
        played
    }
}

/// Speech-like audio whose every sample is distinct: a tone under a rising envelope, different per reply.
fn synthetic_speech(reply: ReplyId, ms: u64) -> Vec<f32> {
    let n = (ms * 16) as usize;
    (0..n)
        .map(|i| {
            let envelope = 0.5 + 0.5 * i as f32 / n as f32;
            0.3 * envelope * (0.07 * i as f32 + reply.0 as f32).sin() + 0.01
        })
        .collect()
}

fn is_event(a: &Action, pred: impl Fn(&EventKind) -> bool) -> bool {
    matches!(a, Action::Event(e) if pred(&e.kind))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn greets_first_then_plays_the_greeting_and_waits() {
    let mut call = Call::new();
    assert_eq!(call.session.poll_action(), Some(Action::Greet));
    // The Greet taken above is answered by hand.
    call.inbox.push((
        1,
        Input::Reply {
            turn: TurnId::GREETING,
            text: "Welcome!".into(),
            lang: Lang::En,
            listen: ListenMode::Open,
            end: ReplyEnd::Continue,
        },
    ));
    let call = call.greeted();
    let played = call.played(ReplyId(1));
    assert_eq!(
        played,
        call.speech[&ReplyId(1)],
        "the whole greeting, in order"
    );
    let finished = call
        .event_at(|e| matches!(e, EventKind::PlaybackFinished { .. }))
        .unwrap();
    assert_eq!(
        call.session.poll_timeout(),
        Some(finished + ms(6000)),
        "no-input timer armed"
    );
    assert!(
        call.event_at(|e| matches!(e, EventKind::TurnTimings(t) if t.turn == TurnId::GREETING))
            .is_some()
    );
}

#[test]
fn end_of_turn_comes_exactly_after_the_silence_for_each_listen_mode() {
    for (mode, silence_ms) in [
        (ListenMode::Open, 700),
        (ListenMode::YesNo, 440),
        (
            ListenMode::Digits {
                whole: 8,
                order_number: true,
            },
            1300,
        ),
        (ListenMode::Address, 1000),
    ] {
        let mut call = Call::new();
        call.greeting.listen = mode;
        let mut call = call.greeted();
        call.transcripts
            .push_back(("my order is late".into(), Lang::En));
        call.speak(1000);
        let last_voice = call.k;
        call.silence(silence_ms - MS_PER_FRAME);
        assert_eq!(
            call.count(|a| is_event(a, |e| matches!(e, EventKind::EndOfTurn { .. }))),
            0,
            "{mode:?}: too early"
        );
        // Recognition started during the pause and is not repeated at the end of the turn.
        assert_eq!(
            call.first_k(|a| matches!(a, Action::Transcribe { .. })),
            Some(last_voice + 240 / MS_PER_FRAME),
            "{mode:?}"
        );
        call.silence(MS_PER_FRAME);
        let end = call.first_k(|a| {
            is_event(a, |e| {
                matches!(e, EventKind::EndOfTurn { forced: false, .. })
            })
        });
        assert_eq!(
            end,
            Some(last_voice + silence_ms / MS_PER_FRAME),
            "{mode:?}"
        );
        assert_eq!(
            call.count(|a| matches!(a, Action::Transcribe { .. })),
            1,
            "{mode:?}"
        );
        let speech_end = call
            .event_at(|e| matches!(e, EventKind::SpeechEnd { .. }))
            .unwrap();
        let decided = call
            .event_at(|e| matches!(e, EventKind::EndOfTurn { .. }))
            .unwrap();
        assert_eq!(
            decided - speech_end,
            ms(silence_ms),
            "{mode:?}: endpoint wait"
        );
        assert_eq!(speech_end, call.at(last_voice));
    }
}

#[test]
fn asr_audio_starts_200ms_before_the_speech() {
    let mut call = Call::new().greeted();
    call.silence(500);
    let first_voice = call.k + 1;
    call.speak(1000);
    call.silence(700);
    let speech_start = call
        .event_at(|e| matches!(e, EventKind::SpeechStart { .. }))
        .unwrap();
    assert_eq!(speech_start, call.at(first_voice));
    let [(_, audio)] = &call.transcribed()[..] else {
        panic!("one utterance expected: {:?}", call.transcribed().len());
    };
    // Pre-roll 10 frames + 50 frames of speech + 10 frames of post-roll.
    assert_eq!(audio.len(), (10 + 50 + 10) * FRAME_SAMPLES);
    // The first pre-roll sample carries the tag of the frame 200 ms before the speech.
    assert_eq!(audio[0], (first_voice - 10) as f32 * 1e-6);
}

#[test]
fn a_turn_longer_than_the_cap_is_ended_by_force() {
    let mut call = Call::new().greeted();
    let first_voice = call.k + 1;
    call.speak(20_000);
    let end = call.first_k(|a| {
        is_event(a, |e| {
            matches!(e, EventKind::EndOfTurn { forced: true, .. })
        })
    });
    assert_eq!(end, Some(first_voice + 15_000 / MS_PER_FRAME - 1));
    let audio = &call.transcribed()[0].1;
    assert_eq!(audio.len(), (10 + 750) * FRAME_SAMPLES);
    // The caller goes on talking: that is the next turn.
    assert_eq!(
        call.count(|a| is_event(a, |e| matches!(e, EventKind::SpeechStart { .. }))),
        2
    );
}

#[test]
fn a_blip_is_not_a_turn() {
    let mut call = Call::new().greeted();
    call.speak(100);
    call.silence(1000);
    assert_eq!(call.count(|a| matches!(a, Action::Transcribe { .. })), 0);
    assert_eq!(
        call.count(|a| is_event(a, |e| matches!(e, EventKind::BlipIgnored { .. }))),
        1
    );
}

/// Runs until the greeting has played for `ms`.
fn into_greeting(call: &mut Call, ms: u64) {
    call.until_event(2000, "greeting audio", |e| {
        matches!(e, EventKind::FirstAudio { .. })
    });
    call.silence(ms);
}

#[test]
fn barge_in_pauses_playback_within_one_frame() {
    let mut call = Call::new();
    into_greeting(&mut call, 500);
    call.transcripts
        .push_back(("I want to return my shoes".into(), Lang::En));
    for _ in 0..3 {
        assert!(!call.out.last().unwrap().is_silent(), "still playing");
        call.step(Some(0.3));
    }
    // Speech is confirmed on its third frame: the pause is in the same tick and the next frame out is silent.
    let paused = call
        .first_k(|a| matches!(a, Action::PausePlayback))
        .expect("paused");
    assert_eq!(paused, call.k);
    call.step(Some(0.3));
    assert!(call.out.last().unwrap().is_silent());
    assert!(
        call.event_at(|e| matches!(
            e,
            EventKind::BargeIn {
                reply: ReplyId(1),
                ..
            }
        ))
        .is_some()
    );
}

fn backchannel_resumes_where_it_paused(text: &str, lang: Lang) {
    let mut call = Call::new();
    call.speech_ms = 4000;
    call.asr_frames = 25; // 500 ms of ASR while paused
    into_greeting(&mut call, 800);
    call.transcripts.push_back((text.into(), lang));
    call.speak(400);
    assert_eq!(call.count(|a| matches!(a, Action::PausePlayback)), 1);
    call.until(3000, "resume", |a| matches!(a, Action::ResumePlayback));
    call.greeted_again();
    let played = call.played(ReplyId(1));
    assert_eq!(
        played,
        call.speech[&ReplyId(1)],
        "{text}: every sample once, in order, across the pause"
    );
    assert_eq!(call.count(|a| matches!(a, Action::StopPlayback)), 0);
    assert!(
        call.understood().is_empty(),
        "{text}: a backchannel is not a turn"
    );
    assert!(
        call.event_at(|e| matches!(e, EventKind::BackchannelResumed { text: t, .. } if t == text))
            .is_some()
    );
    // The pause shows as a run of silent frames inside the greeting.
    let first = call.out.iter().position(|f| !f.is_silent()).unwrap();
    let last = call.out.iter().rposition(|f| !f.is_silent()).unwrap();
    let gap = call.out[first..last]
        .iter()
        .filter(|f| f.is_silent())
        .count();
    assert!(gap > 20, "{text}: paused for {gap} frames");
}

impl Call {
    fn greeted_again(&mut self) {
        self.until_event(10_000, "end of playback", |e| {
            matches!(e, EventKind::PlaybackFinished { .. })
        });
    }
}

#[test]
fn english_backchannel_resumes_playback() {
    backchannel_resumes_where_it_paused("Uh-huh.", Lang::En);
}

#[test]
fn mandarin_backchannel_resumes_playback() {
    backchannel_resumes_where_it_paused("嗯", Lang::Zh);
}

#[test]
fn noise_during_playback_resumes_it() {
    backchannel_resumes_where_it_paused("", Lang::En);
}

#[test]
fn a_slow_transcript_does_not_leave_the_bot_paused() {
    for (text, is_words) in [("Uh-huh.", false), ("Wait, I want a refund.", true)] {
        let mut call = Call::new();
        call.speech_ms = 8000;
        call.asr_frames = 150; // 3 s of ASR: far slower than the 1 s the bot waits
        into_greeting(&mut call, 800);
        call.transcripts.push_back((text.into(), Lang::En));
        call.speak(400);
        let paused = call
            .first_k(|a| matches!(a, Action::PausePlayback))
            .expect("paused");
        call.until(2000, "resume", |a| matches!(a, Action::ResumePlayback));
        let resumed = call
            .first_k(|a| matches!(a, Action::ResumePlayback))
            .unwrap();
        // Paused once speech is confirmed (its 3rd frame); 400 ms of speech and 300 ms of silence end the
        // utterance, then 1000 ms pass without a transcript.
        assert_eq!(
            resumed - paused,
            (400 + 300 + 1000) / MS_PER_FRAME - 3,
            "{text}"
        );
        call.silence(3000);
        if is_words {
            assert_eq!(
                call.understood(),
                vec![UserTurn::Text(text.into(), Lang::En)],
                "real words still get their answer"
            );
            assert!(
                call.first_k(|a| matches!(a, Action::StopPlayback))
                    .is_some()
            );
        } else {
            assert!(
                call.understood().is_empty(),
                "a late backchannel is not a turn"
            );
            assert_eq!(call.count(|a| matches!(a, Action::StopPlayback)), 0);
        }
    }
}

#[test]
fn real_words_stop_the_reply_and_start_a_turn() {
    let mut call = Call::new();
    into_greeting(&mut call, 500);
    call.transcripts.push_back(("wait".into(), Lang::En));
    call.speak(400);
    call.until(2000, "understand", |a| {
        matches!(a, Action::Understand { .. })
    });
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text("wait".into(), Lang::En)]
    );
    let stop = call
        .first_k(|a| matches!(a, Action::StopPlayback))
        .expect("stopped");
    assert!(
        call.first_k(|a| matches!(a, Action::ResumePlayback))
            .is_none()
    );
    assert!(
        call.event_at(|e| matches!(e, EventKind::BargeInCommitted { .. }))
            .is_some()
    );
    // The rest of the greeting never plays; the answer to "wait" does, in full.
    call.greeted_again();
    let greeting = call.played(ReplyId(1));
    assert!(greeting.len() < call.speech[&ReplyId(1)].len() / 2);
    assert_eq!(call.played(ReplyId(2)), call.speech[&ReplyId(2)]);
    // A late chunk of the stopped greeting would be refused.
    call.session.handle_input(
        Input::SpeechAudio {
            reply: ReplyId(1),
            samples: vec![0.5; 320],
            last: true,
        },
        call.now(),
    );
    call.drain();
    assert!(
        call.event_at(|e| matches!(e, EventKind::Stale(StaleInput::SpeechAudio(ReplyId(1)))))
            .is_some()
    );
    let understood = call
        .first_k(|a| matches!(a, Action::Understand { .. }))
        .unwrap();
    assert_eq!(
        stop, understood,
        "stopped when the transcript showed real words"
    );
}

#[test]
fn speech_past_the_backchannel_limit_commits_without_the_transcript() {
    let mut call = Call::new();
    call.asr_frames = 100;
    into_greeting(&mut call, 300);
    let first_voice = call.k + 1;
    call.transcripts
        .push_back(("I need to change the delivery address".into(), Lang::En));
    call.speak(1500);
    let stop = call
        .first_k(|a| matches!(a, Action::StopPlayback))
        .expect("stopped");
    // 700 ms = 35 frames; the 36th voiced frame commits.
    assert_eq!(stop, first_voice + 35);
    assert_eq!(
        call.count(|a| matches!(a, Action::Transcribe { .. })),
        0,
        "before any transcript"
    );
    call.silence(700);
    call.until(5000, "understand", |a| {
        matches!(a, Action::Understand { .. })
    });
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text(
            "I need to change the delivery address".into(),
            Lang::En
        )]
    );
}

/// 100 ms at 16 kHz.
const ECHO_DELAY: usize = 1600;
/// −12 dB.
const ECHO_GAIN: f32 = 0.25;

#[test]
fn the_bots_own_echo_does_not_interrupt_it() {
    // 100 ms as asked, a delay that straddles frames, and one near the end of the 400 ms tail.
    for delay_ms in [100, 130, 350] {
        let mut call = Call::new();
        call.echo = Some((delay_ms * 16, ECHO_GAIN));
        call.speech_ms = 3000;
        let mut call = call.greeted();
        call.silence(1000); // the echo outlasts the bot's speech
        assert_eq!(
            call.played(ReplyId(1)),
            call.speech[&ReplyId(1)],
            "{delay_ms} ms"
        );
        assert_eq!(
            call.count(|a| matches!(a, Action::PausePlayback)),
            0,
            "{delay_ms} ms"
        );
        assert_eq!(
            call.count(|a| matches!(a, Action::Transcribe { .. })),
            0,
            "{delay_ms} ms"
        );
        assert_eq!(
            call.count(|a| is_event(a, |e| matches!(e, EventKind::SpeechStart { .. }))),
            0
        );
        assert!(call.count(|a| is_event(a, |e| matches!(e, EventKind::EchoIgnored))) >= 1);
    }
    // Control: with a tail shorter than the echo delay, the echo outlasting the bot's speech is taken for the caller.
    let mut config = CallConfig::default();
    config.echo.tail_ms = 200;
    let mut call = Call::with(config, None);
    call.echo = Some((350 * 16, ECHO_GAIN));
    let mut call = call.greeted();
    call.silence(1000);
    assert_eq!(
        call.count(|a| is_event(a, |e| matches!(e, EventKind::SpeechStart { .. }))),
        1
    );
}

#[test]
fn without_the_echo_guard_the_echo_would_interrupt() {
    let mut config = CallConfig::default();
    config.echo.enabled = false;
    let mut call = Call::with(config, None);
    call.echo = Some((ECHO_DELAY, ECHO_GAIN));
    call.speech_ms = 3000;
    into_greeting(&mut call, 500);
    assert_eq!(
        call.count(|a| matches!(a, Action::PausePlayback)),
        1,
        "the test's echo is speech to the VAD"
    );
}

#[test]
fn a_caller_talking_over_the_echo_barges_in() {
    let mut call = Call::new();
    call.echo = Some((ECHO_DELAY, ECHO_GAIN));
    call.speech_ms = 4000;
    into_greeting(&mut call, 1000);
    assert_eq!(call.count(|a| matches!(a, Action::PausePlayback)), 0);
    call.transcripts
        .push_back(("no no, I said the blue one".into(), Lang::En));
    let first_voice = call.k + 1;
    call.speak_at(1000, 0.5);
    assert_eq!(
        call.first_k(|a| matches!(a, Action::PausePlayback)),
        Some(first_voice + 2)
    );
    call.silence(1000);
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text(
            "no no, I said the blue one".into(),
            Lang::En
        )]
    );
}

#[test]
fn dtmf_zero_escalates_and_stops_playback() {
    let mut call = Call::new();
    into_greeting(&mut call, 300);
    call.session.handle_input(Input::Dtmf('0'), call.now());
    call.drain();
    let tail: Vec<&Action> = call
        .log
        .iter()
        .map(|(_, a)| a)
        .filter(|a| !matches!(a, Action::Event(_)))
        .collect();
    assert_eq!(
        tail[tail.len() - 2..],
        [
            &Action::StopPlayback,
            &Action::Escalate {
                reason: EscalateReason::Dtmf
            }
        ]
    );
    call.silence(200);
    assert!(call.out.iter().rev().take(10).all(Frame::is_silent));
}

fn press(call: &mut Call, keys: &str) {
    for key in keys.chars() {
        call.session.handle_input(Input::Dtmf(key), call.now());
        call.drain();
        call.silence(200);
    }
}

#[test]
fn digits_end_with_hash_and_star_clears() {
    let mut call = Call::new();
    call.greeting.listen = ListenMode::Digits {
        whole: 0,
        order_number: false,
    };
    let mut call = call.greeted();
    press(&mut call, "99*102#");
    assert_eq!(
        call.understood(),
        vec![UserTurn::Digits("102".into())],
        "0 is a digit when asked for a number"
    );
    assert_eq!(
        call.count(|a| is_event(a, |e| matches!(e, EventKind::DigitsCleared))),
        1
    );
    assert_eq!(call.count(|a| matches!(a, Action::Escalate { .. })), 0);
}

#[test]
fn digits_end_after_the_inter_digit_timeout() {
    let mut call = Call::new().greeted();
    press(&mut call, "57");
    let last_key = call.at(call.k - 10);
    call.until(5000, "digits", |a| matches!(a, Action::Understand { .. }));
    assert_eq!(call.understood(), vec![UserTurn::Digits("57".into())]);
    let at_k = call
        .first_k(|a| matches!(a, Action::Understand { .. }))
        .unwrap();
    assert_eq!(call.at(at_k), last_key + ms(3000));
}

#[test]
fn dtmf_during_playback_stops_it() {
    let mut call = Call::new();
    into_greeting(&mut call, 300);
    press(&mut call, "4");
    assert_eq!(call.count(|a| matches!(a, Action::StopPlayback)), 1);
    assert!(call.out.iter().rev().take(5).all(Frame::is_silent));
}

#[test]
fn silence_reprompts_then_says_goodbye_and_hangs_up() {
    let mut call = Call::new();
    call.answers
        .push_back(answer("Are you still there?", ListenMode::Open));
    call.answers
        .push_back(answer("Hello? Can you hear me?", ListenMode::Open));
    let mut call = call.greeted();
    let greeting_done = call
        .event_at(|e| matches!(e, EventKind::PlaybackFinished { .. }))
        .unwrap();
    call.until(7000, "no input", |a| matches!(a, Action::Understand { .. }));
    let first = call
        .first_k(|a| matches!(a, Action::Understand { .. }))
        .unwrap();
    assert_eq!(call.at(first), greeting_done + ms(6000));
    let hangup = call.until(40_000, "hangup", |a| matches!(a, Action::Hangup { .. }));
    assert_eq!(
        call.understood(),
        vec![UserTurn::NoInput, UserTurn::NoInput]
    );
    let goodbye = call
        .log
        .iter()
        .rev()
        .find_map(|(_, a)| match a {
            Action::Synthesize {
                reply, text, lang, ..
            } => Some((*reply, text.clone(), *lang)),
            _ => None,
        })
        .unwrap();
    assert_eq!(goodbye.2, Lang::En);
    assert!(goodbye.1.contains("Goodbye"), "{}", goodbye.1);
    // The goodbye played in full before the hang-up.
    assert_eq!(call.played(goodbye.0), call.speech[&goodbye.0]);
    let last_audio = call.out.iter().rposition(|f| !f.is_silent()).unwrap() as u64 + 1;
    assert_eq!(
        hangup,
        last_audio + 1,
        "hang up on the pull after the last frame"
    );
    assert!(matches!(
        call.log.last().unwrap().1,
        Action::Event(CallEvent {
            kind: EventKind::CallEnded {
                reason: EndReason::Bot(HangupReason::NoInput)
            },
            ..
        })
    ));
    assert!(call.session.is_ended());
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn the_goodbye_is_in_the_callers_language() {
    let mut config = CallConfig::default();
    config.timers.max_no_inputs = 1;
    let mut call = Call::with(config, None).greeted();
    call.transcripts
        .push_back(("我想查一下我的订单".into(), Lang::Zh));
    call.speak(1000);
    call.until(20_000, "hangup", |a| {
        matches!(
            a,
            Action::Hangup {
                reason: HangupReason::NoInput
            }
        )
    });
    assert_eq!(call.session.language(), Some(Lang::Zh));
    assert!(call.log.iter().any(|(_, a)| matches!(a, Action::Synthesize { lang: Lang::Zh, text, .. } if text.contains("再见"))));
}

#[test]
fn the_call_ends_at_its_maximum_length() {
    let mut config = CallConfig::default();
    config.timers.max_call_secs = 60;
    config.timers.no_input_ms = 100_000;
    let mut call = Call::with(config, None).greeted();
    call.silence(57_000);
    call.speak(5000); // the caller is speaking when the time is up, and cannot stop the goodbye
    let limit = call
        .first_k(|a| is_event(a, |e| matches!(e, EventKind::MaxDuration)))
        .expect("limit");
    assert_eq!(call.at(limit), call.t0 + Duration::from_secs(60));
    assert_eq!(
        call.count(|a| matches!(
            a,
            Action::Hangup {
                reason: HangupReason::MaxDuration
            }
        )),
        1
    );
    assert_eq!(
        call.count(|a| matches!(a, Action::Transcribe { .. })),
        0,
        "the cut-off speech is dropped"
    );
    let goodbye = ReplyId(2);
    assert_eq!(call.played(goodbye), call.speech[&goodbye]);
    assert!(call.session.is_ended());
}

#[test]
fn a_closing_reply_plays_fully_then_hangs_up() {
    let mut call = Call::new().greeted();
    call.answers.push_back(Answer {
        end: ReplyEnd::Hangup,
        ..answer("Your refund is on its way. Goodbye!", ListenMode::Open)
    });
    call.transcripts
        .push_back(("that's all thanks".into(), Lang::En));
    call.speak(800);
    call.until_event(3000, "reply", |e| {
        matches!(e, EventKind::FirstAudio { reply: ReplyId(2) })
    });
    call.speak(1000); // the caller cannot interrupt a goodbye
    call.until(5000, "hangup", |a| {
        matches!(
            a,
            Action::Hangup {
                reason: HangupReason::Dialogue
            }
        )
    });
    assert_eq!(call.played(ReplyId(2)), call.speech[&ReplyId(2)]);
    assert_eq!(call.count(|a| matches!(a, Action::PausePlayback)), 0);
    let k = call.k;
    call.speak(500);
    call.session.handle_input(Input::Dtmf('0'), call.now());
    call.drain();
    assert!(
        call.log.iter().all(|(at, _)| *at <= k),
        "nothing after the hang-up"
    );
}

#[test]
fn after_escalation_the_bot_is_silent_but_keeps_the_record() {
    let mut call = Call::new().greeted();
    call.answers.push_back(Answer {
        end: ReplyEnd::Escalate {
            reason: EscalateReason::Dialogue("caller asked for a person".into()),
        },
        ..answer("Let me put you through to a colleague.", ListenMode::Open)
    });
    call.transcripts
        .push_back(("I want to talk to a human".into(), Lang::En));
    call.speak(800);
    call.until(8000, "escalate", |a| matches!(a, Action::Escalate { .. }));
    assert_eq!(
        call.played(ReplyId(2)),
        call.speech[&ReplyId(2)],
        "the hand-over line plays in full"
    );
    call.session.handle_input(Input::AgentJoined, call.now());
    call.transcripts
        .push_back(("hi, yes, my order 12345".into(), Lang::En));
    let before = call.log.len();
    call.speak(1000);
    call.silence(20_000);
    let after = &call.log[before..];
    assert!(
        after
            .iter()
            .any(|(_, a)| matches!(a, Action::Transcribe { .. })),
        "caller still transcribed"
    );
    assert!(
        !after
            .iter()
            .any(|(_, a)| matches!(a, Action::Understand { .. } | Action::Synthesize { .. }))
    );
    assert!(call.out.iter().rev().take(1000).all(Frame::is_silent));
    assert!(after.iter().any(|(_, a)| is_event(
        a,
        |e| matches!(e, EventKind::TranscriptReceived { text, .. } if text.contains("12345"))
    )));
    assert_eq!(
        call.session.poll_timeout(),
        None,
        "no reprompts, no time limit"
    );
}

#[test]
fn a_caller_back_from_an_escalation_is_told_so_then_listened_to() {
    for (joined, key, words) in [
        (
            true,
            "comeback-from-agent",
            "back with the virtual assistant",
        ),
        (false, "comeback-no-agent", "none of my colleagues"),
    ] {
        let mut call = Call::new().greeted();
        call.answers.push_back(Answer {
            end: ReplyEnd::Escalate {
                reason: EscalateReason::Dialogue("caller asked for a person".into()),
            },
            ..answer("Let me put you through to a colleague.", ListenMode::Open)
        });
        call.transcripts
            .push_back(("I want to talk to a human".into(), Lang::En));
        call.speak(800);
        call.until(8000, "escalate", |a| matches!(a, Action::Escalate { .. }));
        if joined {
            call.session.handle_input(Input::AgentJoined, call.now());
            call.silence(2000);
        }
        call.session.handle_input(Input::AgentLeft, call.now());
        call.until(100, "the comeback line", |a| {
            matches!(a, Action::Synthesize { prompt: Some(k), text, lang: Lang::En, .. }
                if *k == key && text.contains(words))
        });
        assert!(
            call.session
                .poll_timeout()
                .is_none_or(|t| t > call.now() + Duration::from_secs(60)),
            "no reprompt timer while the line plays"
        );
        call.greeted_again();
        // Back with the bot: the caller is heard and answered again.
        call.transcripts
            .push_back(("where is my order".into(), Lang::En));
        call.speak(800);
        call.until(3000, "the dialogue", |a| {
            matches!(a, Action::Understand { .. })
        });
    }
}

#[test]
fn stale_turns_and_replies_are_ignored() {
    let mut call = Call::new().greeted();
    let now = call.now();
    call.session.handle_input(
        Input::Transcript {
            turn: TurnId(42),
            take: 1,
            text: "ghost".into(),
            lang: Lang::En,
            confidence: 0.9,
            no_speech_prob: 0.0,
            known_order: false,
        },
        now,
    );
    call.session.handle_input(
        Input::Reply {
            turn: TurnId::GREETING,
            text: "Hello again".into(),
            lang: Lang::En,
            listen: ListenMode::Open,
            end: ReplyEnd::Continue,
        },
        now,
    );
    call.drain();
    assert!(
        call.event_at(|e| matches!(e, EventKind::Stale(StaleInput::Transcript(TurnId(42)))))
            .is_some()
    );
    assert!(
        call.event_at(|e| matches!(e, EventKind::Stale(StaleInput::Reply(TurnId::GREETING))))
            .is_some()
    );
    assert_eq!(
        call.count(|a| matches!(a, Action::Understand { .. } | Action::Synthesize { .. })),
        1
    );

    // Two turns in a row: the dialogue is slow, so the first turn's reply comes after the second turn was
    // handed over and is dropped.
    call.dialogue_frames = 100;
    call.transcripts
        .push_back(("where is my order".into(), Lang::En));
    call.transcripts
        .push_back(("it's order 12345".into(), Lang::En));
    call.answers.push_back(answer(
        "Which order?",
        ListenMode::Digits {
            whole: 8,
            order_number: true,
        },
    ));
    call.answers
        .push_back(answer("Order 12345 ships tomorrow.", ListenMode::Open));
    call.speak(800);
    call.silence(800);
    call.speak(800);
    call.silence(800);
    call.until_event(5000, "reply", |e| {
        matches!(e, EventKind::ReplyReceived { .. })
    });
    assert!(
        call.event_at(|e| matches!(e, EventKind::Stale(StaleInput::Reply(TurnId(1)))))
            .is_some()
    );
    let spoken: Vec<&str> = call
        .log
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Synthesize { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(spoken[1..], ["Order 12345 ships tomorrow."]);
}

#[test]
fn a_remote_hangup_ends_everything() {
    let mut call = Call::new();
    into_greeting(&mut call, 200);
    call.session.handle_input(Input::Hangup, call.now());
    call.drain();
    assert!(matches!(
        call.log.last().unwrap().1,
        Action::Event(CallEvent {
            kind: EventKind::CallEnded {
                reason: EndReason::Remote
            },
            ..
        })
    ));
    let n = call.log.len();
    call.speak(1000);
    call.session.handle_input(Input::Dtmf('0'), call.now());
    call.drain();
    assert_eq!(call.log.len(), n);
    assert!(call.out.iter().rev().take(50).all(Frame::is_silent));
    assert_eq!(call.session.poll_timeout(), None);
}

#[test]
fn the_latency_breakdown_adds_up() {
    let mut call = Call::new();
    call.asr_frames = 50;
    call.dialogue_frames = 5;
    call.tts_frames = 10;
    let mut call = call.greeted();
    call.transcripts
        .push_back(("do you ship to Shanghai".into(), Lang::En));
    call.speak(1000);
    call.until_event(
        5000,
        "timings",
        |e| matches!(e, EventKind::TurnTimings(t) if t.turn == TurnId(1)),
    );
    let timings = call
        .events()
        .find_map(|(_, e)| match &e.kind {
            EventKind::TurnTimings(t) if t.turn == TurnId(1) => Some(*t),
            _ => None,
        })
        .unwrap();
    // Recognition started 240 ms into the pause, so 540 of its 1000 ms fall after the end of the turn.
    assert_eq!(timings.endpoint_wait, Some(ms(700)));
    assert_eq!(timings.asr, Some(ms(540)));
    assert_eq!(timings.dialogue, Some(ms(100)));
    assert_eq!(timings.tts_first_audio, Some(ms(200)));
    assert_eq!(timings.voice_to_voice, Some(ms(1540)));
}

#[test]
fn a_finished_question_ends_the_turn_after_a_short_pause() {
    let mut call = Call::new();
    call.asr_frames = 5;
    let mut call = call.greeted();
    call.transcripts
        .push_back(("Do you ship to Shanghai?".into(), Lang::En));
    call.speak(1000);
    let last_voice = call.k;
    call.silence(1000);
    let end = call.first_k(|a| is_event(a, |e| matches!(e, EventKind::EndOfTurn { .. })));
    assert_eq!(end, Some(last_voice + 400 / MS_PER_FRAME));
    assert_eq!(call.count(|a| matches!(a, Action::Transcribe { .. })), 1);
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text("Do you ship to Shanghai?".into(), Lang::En)]
    );
}

/// A caller who says `heard` (1 s) when asked in `listen`, then stays silent: the call, and the silence in ms
/// after which the turn ended. `known_order`: the engines say the transcript names an order the shop holds.
fn digits_turn(listen: ListenMode, known_order: bool, heard: &str) -> (Call, Option<u64>) {
    let mut call = Call::new();
    call.asr_frames = 5;
    call.known_order = known_order;
    call.greeting.listen = listen;
    let mut call = call.greeted();
    call.transcripts.push_back((heard.into(), Lang::En));
    call.speak(1000);
    let last_voice = call.k;
    call.silence(1500);
    let end = call.first_k(|a| is_event(a, |e| matches!(e, EventKind::EndOfTurn { .. })));
    let waited = end.map(|k| (k - last_voice) * MS_PER_FRAME);
    (call, waited)
}

#[test]
fn a_whole_order_number_ends_a_digits_turn_after_a_short_pause() {
    for (heard, whole, silence_ms) in [
        // All eight digits, however Whisper writes them: the short pause is enough.
        ("It's 2024 1234.", 8, 400),
        ("two zero two four one two three four.", 8, 400),
        ("It's too 0241234.", 8, 400),
        // Half the number: the caller is between digit groups, so the full digits silence applies.
        ("2024.", 8, 1300),
        // Digits left open, as Whisper writes a pause mid-number (here with two it invented): wait.
        ("2 0 2 4 1 2 1 2", 8, 1300),
        // The shop's order-number length is unknown.
        ("It's 2024 1234.", 0, 1300),
    ] {
        let listen = ListenMode::Digits {
            whole,
            order_number: true,
        };
        let (call, waited) = digits_turn(listen, false, heard);
        assert_eq!(waited, Some(silence_ms), "{heard:?} with {whole} digits");
        assert_eq!(
            call.count(|a| matches!(a, Action::Transcribe { .. })),
            1,
            "{heard:?}: the early transcript is the turn's"
        );
    }
}

#[test]
fn an_order_the_shop_holds_ends_a_digits_turn_though_whisper_left_it_open() {
    let order = ListenMode::Digits {
        whole: 8,
        order_number: true,
    };
    let phone = ListenMode::Digits {
        whole: 11,
        order_number: false,
    };
    for (heard, listen, known_order, silence_ms) in [
        // The shop confirms the number: the short pause ends the turn, period or not.
        ("It's too 024, 1 2 3 4", order, true, 400),
        ("2 0 2 4 1 2 3 4", order, true, 400),
        // Not an order the shop holds (a number made up in a pause mid-number): the full digits silence.
        ("2 0 2 4 1 2 3 4", order, false, 1300),
        // A phone number is never confirmed by the order lookup.
        ("1 3 8 1 2 3 4 5 6 7 8", phone, true, 1300),
    ] {
        let (call, waited) = digits_turn(listen, known_order, heard);
        assert_eq!(
            waited,
            Some(silence_ms),
            "{heard:?} in {listen:?}, known order: {known_order}"
        );
        assert_eq!(
            call.understood(),
            vec![UserTurn::Text(heard.into(), Lang::En)],
            "{heard:?}: the early transcript is the turn's"
        );
    }
}

#[test]
fn speech_after_an_early_transcript_voids_it() {
    let mut call = Call::new();
    call.asr_frames = 5;
    let mut call = call.greeted();
    call.transcripts.push_back(("My order.".into(), Lang::En));
    call.transcripts
        .push_back(("My order is 20241234.".into(), Lang::En));
    call.speak(800);
    // Long enough for the early transcript ("My order." reads finished), too short to end the turn on it.
    call.silence(360);
    assert_eq!(call.count(|a| matches!(a, Action::Transcribe { .. })), 1);
    call.speak(800);
    call.silence(1000);
    let takes: Vec<u32> = call
        .log
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Transcribe { take, .. } => Some(*take),
            _ => None,
        })
        .collect();
    assert_eq!(takes.len(), 2, "a second pass covers the whole utterance");
    assert!(takes[1] > takes[0]);
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text("My order is 20241234.".into(), Lang::En)]
    );
    assert!(call.transcribed()[1].1.len() > call.transcribed()[0].1.len());
}

#[test]
fn a_reply_arriving_while_the_caller_speaks_waits_for_them() {
    let mut call = Call::new();
    call.dialogue_frames = 10;
    let mut call = call.greeted();
    call.transcripts
        .push_back(("I ordered a kettle".into(), Lang::En));
    call.transcripts.push_back(("mm".into(), Lang::En));
    call.speak(800);
    call.silence(800);
    // The caller makes a sound just as the reply arrives; the reply is held, then plays from its start.
    call.speak(300);
    call.silence(2000);
    call.greeted_again();
    assert_eq!(call.played(ReplyId(2)), call.speech[&ReplyId(2)]);
    assert_eq!(call.count(|a| matches!(a, Action::PausePlayback)), 1);
    assert_eq!(call.count(|a| matches!(a, Action::ResumePlayback)), 1);
    assert_eq!(call.understood().len(), 1);
}

/// A small deterministic generator for the robustness test.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

#[test]
fn arbitrary_inputs_never_break_the_session() {
    for seed in 0..24 {
        let mut rng = Lcg(seed);
        let mut config = CallConfig::default();
        if seed % 2 == 1 {
            // Degenerate but accepted settings.
            config.endpoint.onset_ms = 0;
            config.endpoint.min_speech_ms = 0;
            config.endpoint.silence_open_ms = 0;
            config.bargein.end_silence_ms = 0;
            config.echo.tail_ms = 0;
            config.timers.no_input_ms = 0;
            config.timers.max_no_inputs = 0;
        }
        let t0 = Instant::now();
        let mut session = CallSession::new(config, None, t0);
        let (mut turn, mut reply) = (TurnId::GREETING, ReplyId(1));
        let mut ended = false;
        for i in 0..3000u64 {
            let now = t0 + Duration::from_millis(i * MS_PER_FRAME);
            let input = match rng.below(14) {
                0..=6 => {
                    let len = rng.pick(&[0usize, 1, 160, 320, 321, 1000]);
                    let level = rng.below(100) as f32 / 100.0;
                    let mut samples: Vec<f32> =
                        (0..len).map(|j| level * (j as f32 * 0.1).sin()).collect();
                    if len > 7 && rng.below(20) == 0 {
                        samples[7] = f32::NAN;
                    }
                    Input::CallerAudio {
                        frame: Frame::from_samples(&samples),
                        speech_prob: rng.pick(&[0.0, 0.3, 0.6, 0.95, 1.0, f32::NAN, -1.0, 7.0]),
                    }
                }
                7 => Input::Transcript {
                    turn: if rng.below(2) == 0 {
                        turn
                    } else {
                        TurnId(rng.below(20) as u32)
                    },
                    take: rng.below(4) as u32,
                    text: rng
                        .pick(&["", "嗯", "uh-huh", "where is my order", "我要退货"])
                        .into(),
                    lang: rng.pick(&[Lang::En, Lang::Zh]),
                    confidence: rng.pick(&[0.0, 0.5, 0.9, f32::NAN]),
                    no_speech_prob: rng.pick(&[0.0, 0.7, 1.0]),
                    known_order: rng.below(2) == 0,
                },
                8 => Input::Reply {
                    turn: if rng.below(2) == 0 {
                        turn
                    } else {
                        TurnId(rng.below(20) as u32)
                    },
                    text: rng.pick(&["", "OK.", "Which order?", "好的"]).into(),
                    lang: rng.pick(&[Lang::En, Lang::Zh]),
                    listen: rng.pick(&[
                        ListenMode::Open,
                        ListenMode::YesNo,
                        ListenMode::Digits {
                            whole: 8,
                            order_number: true,
                        },
                        ListenMode::Address,
                    ]),
                    end: rng.pick(&[
                        ReplyEnd::Continue,
                        ReplyEnd::Continue,
                        ReplyEnd::Continue,
                        ReplyEnd::Hangup,
                        ReplyEnd::Escalate {
                            reason: EscalateReason::Dialogue("test".into()),
                        },
                    ]),
                },
                9 | 10 => Input::SpeechAudio {
                    reply: if rng.below(3) > 0 {
                        reply
                    } else {
                        ReplyId(rng.below(10) as u32)
                    },
                    samples: vec![rng.pick(&[0.2, -3.0, f32::NAN]); rng.below(2000) as usize],
                    last: rng.below(3) == 0,
                },
                11 => Input::Dtmf(rng.pick(&['0', '1', '5', '*', '#', 'A', 'x'])),
                12 => rng.pick(&[Input::AgentJoined, Input::AgentLeft]),
                _ if rng.below(40) == 0 => Input::Hangup,
                _ => Input::Dtmf('9'),
            };
            session.handle_input(input, now);
            if session.poll_timeout().is_some_and(|t| t <= now) {
                session.handle_timeout(now);
            }
            let frame = session.pull_audio(now);
            assert!(
                frame
                    .samples()
                    .iter()
                    .all(|s| s.is_finite() && s.abs() <= 1.0)
            );
            while let Some(action) = session.poll_action() {
                assert!(
                    !ended || matches!(action, Action::Event(_)),
                    "seed {seed}: {action:?} after the end"
                );
                match action {
                    Action::Understand { turn: t, .. } => turn = t,
                    Action::Synthesize { reply: r, .. } => reply = r,
                    Action::Event(CallEvent {
                        kind: EventKind::CallEnded { .. },
                        ..
                    }) => ended = true,
                    _ => {}
                }
            }
        }
        assert_eq!(ended, session.is_ended());
    }
}

#[test]
fn a_late_transcript_of_an_older_turn_does_not_cut_off_the_newer_answer() {
    let mut call = Call::new().greeted();
    call.speech_ms = 4000;
    call.transcripts
        .push_back(("Where is my order?".into(), Lang::En));
    call.transcripts
        .push_back(("I want a refund please.".into(), Lang::En));
    // The first utterance's recognition is slow (3 s), the second's quick.
    call.asr_frames = 150;
    call.speak(800);
    call.silence(1000);
    call.asr_frames = 2;
    call.speak(800);
    call.until_event(3000, "the answer to the second utterance plays", |e| {
        matches!(e, EventKind::FirstAudio { .. })
    });
    call.silence(3000);
    assert_eq!(
        call.understood(),
        vec![UserTurn::Text("I want a refund please.".into(), Lang::En)]
    );
    assert!(
        call.event_at(|e| matches!(e, EventKind::TranscriptSuperseded { .. }))
            .is_some(),
        "the older transcript is recorded as superseded"
    );
    assert_eq!(
        call.count(|a| matches!(a, Action::StopPlayback)),
        0,
        "the answer being played is not cut off"
    );
}
