//! The pipeline with real engines: live calls on worker threads (ticked on the real clock, asserting only what
//! happens, never how fast) and the runner's degradation when an engine cannot take a job.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::voice_engines;
use kefu::call::ListenMode;
use kefu::config::Config;
use kefu::dialogue::Channel;
use kefu::lang::Lang;
use kefu::pipeline::{
    CallRunner, CallSpec, Cancel, Control, Engines, Job, JobOutput, LiveCall, UiEvent,
};
use kefu::speech::asr::LanguageChoice;

/// Engines over the fetched models (tiny.en: these tests speak English) and a freshly seeded shop.
fn engines() -> Arc<Engines> {
    static ENGINES: OnceLock<Arc<Engines>> = OnceLock::new();
    Arc::clone(ENGINES.get_or_init(|| voice_engines(Config::load(None).unwrap())))
}

fn english() -> CallSpec {
    CallSpec {
        channel: Channel::Mic,
        caller: None,
        lang: Some(Lang::En),
    }
}

/// What a live call did while it was ticked in real time with `caller` audio (then silence).
#[derive(Default)]
struct Heard {
    bot_said: Vec<String>,
    caller_said: Vec<String>,
    loud_frames: usize,
    hung_up: bool,
}

/// Ticks `call` every 20 ms until `done` or a generous deadline (a failure, not a timing assertion).
fn run_until(
    call: &mut LiveCall,
    caller: &[f32],
    heard: &mut Heard,
    done: impl Fn(&Heard) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut next = Instant::now();
    let mut frames = caller.chunks(320);
    while !done(heard) {
        assert!(
            Instant::now() < deadline,
            "the call never got there: bot said {:?}, caller said {:?}",
            heard.bot_said,
            heard.caller_said
        );
        next += Duration::from_millis(20);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let frame = frames.next();
        let out = call.tick(Some(frame.unwrap_or(&[0.0; 320])), Instant::now());
        if out.rms() > 0.01 {
            heard.loud_frames += 1;
        }
        while let Some(control) = call.poll_control() {
            match control {
                Control::Event(UiEvent::BotSaid { text, .. }) => heard.bot_said.push(text),
                Control::Event(UiEvent::CallerSaid { text, .. }) => heard.caller_said.push(text),
                Control::Hangup => heard.hung_up = true,
                _ => {}
            }
        }
    }
}

#[test]
fn a_live_call_greets_and_answers_a_typed_question() {
    let engines = engines();
    let mut call = LiveCall::start(&engines, english(), Instant::now());
    let mut heard = Heard::default();
    run_until(&mut call, &[], &mut heard, |h| {
        !h.bot_said.is_empty() && h.loud_frames > 25
    });
    // The greeting's wording varies; its language does not.
    assert_eq!(
        Lang::detect(&heard.bot_said[0]),
        Some(Lang::En),
        "greeting: {:?}",
        heard.bot_said
    );

    call.text("Where is my order 20241234?", Instant::now());
    let loud_before = heard.loud_frames;
    run_until(&mut call, &[], &mut heard, |h| {
        h.bot_said.len() >= 2 && h.loud_frames > loud_before + 25
    });
    assert!(
        heard.bot_said[1].contains("on its way"),
        "reply: {:?}",
        heard.bot_said
    );

    let log = call.finish(Instant::now());
    assert!(engines.wait_idle(Duration::from_secs(60)));
    assert_eq!(log.end, "caller_hangup");
    assert_eq!(log.turns.len(), 1);
    assert_eq!(log.turns[0].input, "typed");
    assert_eq!(log.turns[0].intent.as_deref(), Some("order_status"));
    assert!(log.replies.len() >= 2);
}

#[test]
fn a_live_call_hears_spoken_words() {
    let wav = std::env::temp_dir().join(format!("kefu-live-{}.wav", std::process::id()));
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&wav)
        .arg("I would like to know where my order is.")
        .status()
        .expect("espeak-ng is installed by scripts/setup.sh");
    assert!(status.success());
    let speech = kefu::audio::wav::read(&wav)
        .unwrap()
        .to_rate(16_000)
        .unwrap();
    let _ = std::fs::remove_file(&wav);
    // Speak after the greeting, as a caller would.
    let mut caller = vec![0.0f32; 16_000 * 6];
    caller.extend(&speech.samples);

    let engines = engines();
    let mut call = LiveCall::start(&engines, english(), Instant::now());
    let mut heard = Heard::default();
    run_until(&mut call, &caller, &mut heard, |h| h.bot_said.len() >= 2);
    assert!(
        heard
            .caller_said
            .iter()
            .any(|t| t.to_lowercase().contains("order")),
        "transcripts: {:?}",
        heard.caller_said
    );
    let log = call.finish(Instant::now());
    assert!(engines.wait_idle(Duration::from_secs(60)));
    assert_eq!(log.turns[0].input, "speech");
    assert!(log.turns[0].start.is_some() && log.turns[0].end.is_some());
}

#[test]
fn a_greeting_that_cannot_be_made_ends_the_call_with_an_apology() {
    let engines = engines();
    let t0 = Instant::now();
    let mut runner = CallRunner::new(&engines, english(), t0);
    let greet = runner.poll_job().expect("the greeting is the first job");
    assert!(matches!(greet, Job::Greet { .. }));
    runner.job_done(greet.failed("the dialogue queue is full"), t0);
    let apology = runner.poll_job().expect("the apology is spoken");
    let Job::Synthesize { text, .. } = &apology else {
        panic!("expected the apology's synthesis, got {apology:?}")
    };
    assert!(text.contains("technical problem"), "{text}");
    // The apology could not be synthesised either: the call still ends rather than waiting for audio.
    runner.job_done(apology.failed("the tts queue is full"), t0);
    let mut t = t0;
    let mut controls = Vec::new();
    for _ in 0..10 {
        t += Duration::from_millis(20);
        runner.push_audio(None, t);
        runner.pull_audio(t);
        while let Some(c) = runner.poll_control() {
            controls.push(c);
        }
    }
    assert!(controls.contains(&Control::Hangup), "{controls:?}");
    assert!(runner.is_ended());
}

#[test]
fn a_newer_take_of_a_turn_cancels_the_queued_older_one() {
    let engines = engines();
    let wav = Path::new(env!("CARGO_MANIFEST_DIR")).join("audio-fixtures/en-slow-digits.wav");
    let pcm = kefu::audio::wav::read(&wav).unwrap();
    assert_eq!(pcm.sample_rate, 16_000);
    // "Two zero two four." (13.89–15.49 s in the recording), a 0.55 s pause (long enough for an early take,
    // too short to end an open turn), "One two." (16.39–17.29 s).
    let secs = |s: f64| (s * 16_000.0) as usize;
    let mut caller = pcm.samples[secs(13.8)..secs(15.6)].to_vec();
    caller.extend(std::iter::repeat_n(0.0, secs(0.35)));
    caller.extend_from_slice(&pcm.samples[secs(16.3)..secs(17.4)]);
    let t0 = Instant::now();
    let mut runner = CallRunner::new(&engines, english(), t0);
    let mut t = t0;
    let mut tick = |runner: &mut CallRunner, frame: Option<&[f32]>| {
        t += Duration::from_millis(20);
        runner.push_audio(frame, t);
        runner.pull_audio(t);
        t
    };
    // The greeting plays out in full before the caller speaks.
    let mut greeted = false;
    while !greeted {
        let now = tick(&mut runner, None);
        while let Some(job) = runner.poll_job() {
            greeted |= matches!(job, Job::Synthesize { .. });
            engines.run(job, &mut |r| runner.job_done(r, now));
        }
    }
    for _ in 0..500 {
        tick(&mut runner, None);
    }
    // The caller's words, with no transcription run: early takes pile up as they would behind a busy worker.
    let (mut takes, mut jobs) = (Vec::new(), Vec::new());
    for frame in caller
        .chunks(320)
        .chain(std::iter::repeat_n(&[0.0; 320][..], 100))
    {
        tick(&mut runner, Some(frame));
        while let Some(job) = runner.poll_job() {
            if let Job::Transcribe {
                turn, take, cancel, ..
            } = &job
            {
                takes.push((*turn, *take, cancel.clone()));
                jobs.push(job);
            }
        }
    }
    assert!(
        takes.len() >= 2,
        "the pause after \"two zero two four\" gives an early take and the end a newer one: {}",
        takes.len()
    );
    let (newest, older) = takes.split_last().unwrap();
    assert!(
        takes.iter().all(|(turn, ..)| *turn == newest.0),
        "one caller turn: {:?}",
        takes
            .iter()
            .map(|(turn, take, _)| (*turn, *take))
            .collect::<Vec<_>>()
    );
    assert!(
        older.iter().all(|(.., cancel)| cancel.is_cancelled()),
        "every older take is cancelled"
    );
    assert!(
        !newest.2.is_cancelled(),
        "the newest take {} stands",
        newest.1
    );
    // The engines skip a cancelled take without a word and recognise the newest.
    let mut outputs = Vec::new();
    let newest = jobs.pop().unwrap();
    engines.run(jobs.remove(0), &mut |r| outputs.push(r));
    assert!(outputs.is_empty(), "a cancelled take gives no output");
    engines.run(newest, &mut |r| outputs.push(r));
    assert!(
        matches!(&outputs[..], [r] if matches!(&r.output, JobOutput::Transcript { result: Ok(t), .. } if !t.text.is_empty())),
        "the newest take is transcribed"
    );
}

#[test]
fn the_engines_confirm_an_order_number_only_when_asked_for_one() {
    let engines = engines();
    let wav = Path::new(env!("CARGO_MANIFEST_DIR")).join("audio-fixtures/en-slow-digits.wav");
    let pcm = kefu::audio::wav::read(&wav).unwrap();
    // "Two zero two four. One two. Three four." (13.89–19.16 s): order 20241234, which the shop holds.
    let secs = |s: f64| (s * 16_000.0) as usize;
    let audio = pcm.samples[secs(13.7)..secs(19.4)].to_vec();
    for order_number in [true, false] {
        let job = Job::Transcribe {
            turn: kefu::call::TurnId(1),
            take: 1,
            audio: audio.clone(),
            language: LanguageChoice::Fixed(Lang::En),
            listen: if order_number {
                ListenMode::Digits {
                    whole: 8,
                    order_number,
                }
            } else {
                ListenMode::Open
            },
            cancel: Cancel::default(),
        };
        let mut outputs = Vec::new();
        engines.run(job, &mut |r| outputs.push(r.output));
        match &outputs[..] {
            [
                JobOutput::Transcript {
                    result: Ok(t),
                    known_order,
                    ..
                },
            ] => assert_eq!(
                *known_order, order_number,
                "heard {:?}, asked for an order number: {order_number}",
                t.text
            ),
            _ => panic!("one transcript expected"),
        }
    }
}
