//! Voice-call analytics on the virtual clock: the real engines (dialogue, TTS) drive a `CallRunner`.
//! The post-call survey: when the bot ends the call it asks for a 1–5 rating, a key press is stored as the
//! call's CSAT, and the call ends with thanks. Call recording (off by default): a consent notice first, both
//! sides in a stereo WAV registered in the store. Needs the models (`kefu models fetch`).

mod common;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::voice_engines;
use kefu::config::Config;
use kefu::dialogue::Channel;
use kefu::lang::Lang;
use kefu::pipeline::{CallRunner, CallSpec, Control, Engines, UiEvent};

fn engines() -> Arc<Engines> {
    static ENGINES: OnceLock<Arc<Engines>> = OnceLock::new();
    Arc::clone(ENGINES.get_or_init(|| {
        let config = Config::load(None).unwrap();
        assert!(config.analytics.csat_survey, "the survey is on by default");
        assert!(!config.privacy.record_calls, "recording is off by default");
        voice_engines(config)
    }))
}

/// Engines that record calls into `recordings` and ask no survey.
fn recording_engines(recordings: &std::path::Path) -> Arc<Engines> {
    let mut config = Config::load(None).unwrap();
    config.privacy.record_calls = true;
    config.privacy.recordings_dir = recordings.to_path_buf();
    config.analytics.csat_survey = false;
    voice_engines(config)
}

/// A phone call on a virtual clock; engine jobs run inline and answer at once.
struct Call {
    engines: Arc<Engines>,
    runner: CallRunner,
    t: Instant,
    bot_said: Vec<String>,
    hung_up: bool,
}

impl Call {
    fn start() -> Call {
        Call::on(engines())
    }

    fn on(engines: Arc<Engines>) -> Call {
        let t = Instant::now();
        let spec = CallSpec {
            channel: Channel::Phone,
            caller: None,
            lang: Some(Lang::En),
        };
        let runner = CallRunner::new(&engines, spec, t);
        Call {
            engines,
            runner,
            t,
            bot_said: Vec::new(),
            hung_up: false,
        }
    }

    fn step(&mut self) {
        self.t += Duration::from_millis(20);
        let t = self.t;
        self.runner.handle_timeout(t);
        self.runner.push_audio(None, t);
        self.runner.pull_audio(t);
        while let Some(job) = self.runner.poll_job() {
            let mut results = Vec::new();
            self.engines.run(job, &mut |r| results.push(r));
            for r in results {
                self.runner.job_done(r, t);
            }
        }
        while let Some(c) = self.runner.poll_control() {
            match c {
                Control::Event(UiEvent::BotSaid { text, .. }) => self.bot_said.push(text),
                Control::Hangup => self.hung_up = true,
                _ => {}
            }
        }
    }

    /// Advances the virtual clock until `done` (at most two virtual minutes).
    fn until(&mut self, what: &str, done: impl Fn(&Call) -> bool) {
        for _ in 0..6000 {
            if done(self) {
                return;
            }
            self.step();
        }
        panic!("never {what}: bot said {:?}", self.bot_said);
    }

    fn idle(&self) -> bool {
        self.runner.is_idle()
    }

    fn csat(&self) -> Option<u8> {
        let id = self.runner.log().conversation.expect("a conversation");
        self.engines
            .dialogue()
            .store()
            .interaction(&id)
            .unwrap()
            .unwrap()
            .csat
    }
}

#[test]
fn a_key_after_the_goodbye_is_the_calls_rating() {
    let mut call = Call::start();
    call.until("greeted", |c| !c.bot_said.is_empty() && c.idle());
    call.runner.text("that's all, thank you, goodbye", call.t);
    call.until("asked for a rating", |c| {
        c.bot_said.iter().any(|s| s.contains("Press 1 to 5")) && c.idle()
    });
    assert!(!call.hung_up, "the bot waits for the rating");
    call.runner.dtmf('4', call.t);
    call.until("hung up", |c| c.hung_up && c.runner.is_ended());
    assert_eq!(
        call.bot_said.last().unwrap(),
        "Thank you for your feedback. Goodbye!"
    );
    assert_eq!(call.csat(), Some(4));
    let log = call.runner.log();
    assert_eq!(log.end, "bot_hangup");
}

#[test]
fn no_rating_still_ends_the_call() {
    let mut call = Call::start();
    call.until("greeted", |c| !c.bot_said.is_empty() && c.idle());
    call.runner.text("goodbye", call.t);
    call.until("asked for a rating", |c| {
        c.bot_said.iter().any(|s| s.contains("Press 1 to 5")) && c.idle()
    });
    // Silence: the no-input timer answers for the caller.
    call.until("hung up", |c| c.hung_up && c.runner.is_ended());
    assert_eq!(
        call.bot_said.last().unwrap(),
        "Thank you for calling. Goodbye!"
    );
    assert_eq!(call.csat(), None);
}

#[test]
fn a_recorded_call_starts_with_the_consent_notice_and_keeps_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let mut call = Call::on(recording_engines(dir.path()));
    call.until("greeted", |c| !c.bot_said.is_empty() && c.idle());
    assert!(
        call.bot_said[0].starts_with("This call is recorded"),
        "consent first: {:?}",
        call.bot_said
    );
    call.runner.text("goodbye", call.t);
    call.until("hung up", |c| c.hung_up && c.runner.is_ended());
    let id = call.runner.log().conversation.unwrap();
    let recordings = call.engines.dialogue().store().recordings_of(&id).unwrap();
    assert_eq!(recordings.len(), 1, "registered in the store");
    let wav = kefu::audio::wav::read_channels(std::path::Path::new(&recordings[0].path)).unwrap();
    assert_eq!(wav.channels.len(), 2, "caller and bot on separate channels");
    let energy = |s: &[f32]| s.iter().map(|v| v * v).sum::<f32>();
    assert_eq!(
        energy(&wav.channels[0]),
        0.0,
        "the caller (silent here) on the left"
    );
    assert!(
        energy(&wav.channels[1]) > 1.0,
        "the bot's speech on the right"
    );
}
