//! What a caller hears while waiting for an agent: short messages in the bot's voice (queued, place and expected
//! wait, callback booked) between a gentle chime pattern, never dead air.

use std::collections::VecDeque;
use std::f32::consts::TAU;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use crate::audio::resample;
use crate::call::{FRAME_SAMPLES, Frame};
use crate::lang::Lang;
use crate::speech::tts::TtsEngine;

const RATE: f32 = 16_000.0;
/// The chime repeats every four seconds: two soft notes, then quiet.
const PATTERN_SECS: f32 = 4.0;

/// A message for a waiting caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldMessage {
    /// Right after the hand-over.
    Connecting,
    Position {
        position: usize,
        expected_wait: Duration,
    },
    /// The agent's line dropped; the caller is first in line again.
    BackInQueue,
    /// A callback is booked under this ticket (or could not be booked).
    Callback { ticket: Option<i64> },
    /// The agent put the call on hold.
    OnHold,
}

impl HoldMessage {
    /// The words, in the caller's language.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (HoldMessage::Connecting, Lang::En) => {
                "Please hold while I connect you with a colleague.".into()
            }
            (HoldMessage::Connecting, Lang::Zh) => "请稍候，正在为您转接人工客服。".into(),
            (
                HoldMessage::Position {
                    position,
                    expected_wait,
                },
                lang,
            ) => {
                let minutes = expected_wait.as_secs().div_ceil(60).max(1);
                match lang {
                    Lang::En if *position <= 1 => format!(
                        "You are next in line. The expected wait is about {minutes} minute{}.",
                        if minutes == 1 { "" } else { "s" }
                    ),
                    Lang::En => format!(
                        "You are number {position} in line. The expected wait is about {minutes} minutes."
                    ),
                    Lang::Zh if *position <= 1 => {
                        format!("您是下一位，预计等待约{minutes}分钟。")
                    }
                    Lang::Zh => format!("您目前排在第{position}位，预计等待约{minutes}分钟。"),
                }
            }
            (HoldMessage::BackInQueue, Lang::En) => {
                "Sorry, the line to your colleague dropped. You are first in line again.".into()
            }
            (HoldMessage::BackInQueue, Lang::Zh) => {
                "抱歉，与客服的通话中断了，您已重新排在第一位。".into()
            }
            (HoldMessage::Callback { ticket: Some(t) }, Lang::En) => format!(
                "All our colleagues are still busy. We have booked a call back for you, ticket number {t}. We will call you back soon. Goodbye."
            ),
            (HoldMessage::Callback { ticket: Some(t) }, Lang::Zh) => format!(
                "抱歉，客服人员都在忙。我们已为您预约回电，工单号{t}。我们会尽快给您回电，再见。"
            ),
            (HoldMessage::Callback { ticket: None }, Lang::En) => {
                "All our colleagues are still busy. Please call again later. Goodbye.".into()
            }
            (HoldMessage::Callback { ticket: None }, Lang::Zh) => {
                "抱歉，客服人员都在忙，请稍后再拨。再见。".into()
            }
            (HoldMessage::OnHold, Lang::En) => {
                "Your call is on hold for a moment. Please stay on the line.".into()
            }
            (HoldMessage::OnHold, Lang::Zh) => "请稍等，您的通话已被保留，请不要挂机。".into(),
        }
    }

    /// The prompt-cache key (messages without numbers are synthesised once per voice).
    fn cache_key(&self) -> &'static str {
        match self {
            HoldMessage::Connecting => "hold-connecting",
            HoldMessage::Position { .. } => "hold-position",
            HoldMessage::BackInQueue => "hold-back-in-queue",
            HoldMessage::Callback { .. } => "hold-callback",
            HoldMessage::OnHold => "hold-on-hold",
        }
    }
}

/// The waiting caller's audio: queued messages (synthesised off the 20 ms path) over the chime pattern.
pub struct HoldLine {
    tts: Option<Arc<TtsEngine>>,
    lang: Lang,
    /// Speech being played (16 kHz).
    speech: VecDeque<f32>,
    /// Messages being synthesised, in the order they were asked for (and will play).
    pending: VecDeque<mpsc::Receiver<Vec<f32>>>,
    /// Position in the chime pattern, in samples.
    phase: usize,
}

impl HoldLine {
    /// Hold audio in `lang`; without a TTS engine only the chime plays.
    pub fn new(tts: Option<Arc<TtsEngine>>, lang: Lang) -> Self {
        Self {
            tts,
            lang,
            speech: VecDeque::new(),
            pending: VecDeque::new(),
            phase: 0,
        }
    }

    /// Queues a message; it plays once synthesised (on a blocking thread, never on the caller's clock).
    pub fn say(&mut self, message: &HoldMessage) {
        let Some(tts) = self.tts.clone() else {
            return;
        };
        let text = message.text(self.lang);
        let key = message.cache_key();
        let lang = self.lang;
        let (done, ready) = mpsc::channel();
        self.pending.push_back(ready);
        let work = move || {
            let samples = tts
                .prompt(key, &text, lang)
                .map_err(|e| e.to_string())
                .and_then(|chunk| {
                    resample::to_rate(&chunk.samples, chunk.sample_rate, 16_000)
                        .map_err(|e| e.to_string())
                });
            match samples {
                Ok(samples) => {
                    let _ = done.send(samples);
                }
                Err(e) => {
                    tracing::warn!(text, "hold message not synthesised: {e}");
                    let _ = done.send(Vec::new());
                }
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn_blocking(work)),
            Err(_) => drop(std::thread::spawn(work)),
        }
    }

    /// True while a message is playing or still being made.
    pub fn is_speaking(&mut self) -> bool {
        self.collect();
        !self.pending.is_empty() || !self.speech.is_empty()
    }

    /// The next 20 ms: a message if one is ready, else the chime.
    pub fn next_frame(&mut self) -> Frame {
        self.collect();
        if !self.speech.is_empty() {
            let n = FRAME_SAMPLES.min(self.speech.len());
            let mut samples: Vec<f32> = self.speech.drain(..n).collect();
            samples.resize(FRAME_SAMPLES, 0.0);
            return Frame::from_samples(&samples);
        }
        let samples: Vec<f32> = (0..FRAME_SAMPLES)
            .map(|i| chime((self.phase + i) as f32 / RATE))
            .collect();
        self.phase = (self.phase + FRAME_SAMPLES) % (PATTERN_SECS * RATE) as usize;
        Frame::from_samples(&samples)
    }

    fn collect(&mut self) {
        while let Some(next) = self.pending.front() {
            let samples = match next.try_recv() {
                Ok(samples) => samples,
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => Vec::new(),
            };
            self.pending.pop_front();
            self.speech.extend(samples);
            // A short breath after each message.
            self.speech.extend(std::iter::repeat_n(0.0, 4_800));
        }
    }
}

/// The chime at `t` seconds into its pattern: two decaying notes (G5, then E5) half a second apart.
fn chime(t: f32) -> f32 {
    let note = |start: f32, hz: f32| {
        let dt = t - start;
        if (0.0..1.5).contains(&dt) {
            0.08 * (TAU * hz * dt).sin() * (-dt * 3.0).exp() * (dt * 200.0).min(1.0)
        } else {
            0.0
        }
    };
    note(0.0, 783.99) + note(0.5, 659.25)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_voice_the_caller_still_hears_the_chime_not_silence() {
        let mut line = HoldLine::new(None, Lang::En);
        line.say(&HoldMessage::Connecting);
        assert!(!line.is_speaking());
        let frames: Vec<Frame> = (0..200).map(|_| line.next_frame()).collect();
        let loud = frames.iter().filter(|f| f.rms() > 0.005).count();
        assert!(
            loud > 20 && loud < 200,
            "{loud} of 200 frames carry the chime"
        );
        assert!(
            frames
                .iter()
                .all(|f| f.samples().iter().all(|s| s.abs() < 0.2))
        );
    }

    #[test]
    fn messages_say_the_place_and_wait_in_the_callers_language() {
        let position = HoldMessage::Position {
            position: 3,
            expected_wait: Duration::from_secs(130),
        };
        assert_eq!(
            position.text(Lang::En),
            "You are number 3 in line. The expected wait is about 3 minutes."
        );
        assert_eq!(
            position.text(Lang::Zh),
            "您目前排在第3位，预计等待约3分钟。"
        );
        let next = HoldMessage::Position {
            position: 1,
            expected_wait: Duration::from_secs(20),
        };
        assert!(next.text(Lang::En).contains("next in line"));
        assert!(
            HoldMessage::Callback { ticket: Some(42) }
                .text(Lang::En)
                .contains("ticket number 42")
        );
    }
}
