//! Endpointing: when caller speech starts and when the caller's turn is over, from per-frame VAD probabilities.
//!
//! Counts frames, not wall-clock time, so bursts of frames from a jitter buffer are judged by the audio they carry.

use std::collections::VecDeque;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::frame::{FRAME_SAMPLES, Frame, frames_for_ms};
use super::protocol::ListenMode;

/// Endpointing settings (`[call.endpoint]`). Durations are rounded up to whole 20 ms frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointConfig {
    /// VAD probability at or above which a frame can start speech (default 0.5).
    pub speech_on: f32,
    /// Once speech has started, a frame below this probability counts as silence (default 0.35).
    pub speech_off: f32,
    /// Speech starts after this long at or above `speech_on` without a break (default 60 ms).
    pub onset_ms: u32,
    /// Utterances with less voiced audio than this are blips, not turns (default 160 ms).
    pub min_speech_ms: u32,
    /// Audio handed to ASR starts this long before the detected speech start (default 200 ms).
    pub pre_roll_ms: u32,
    /// Trailing silence kept after the last voiced frame (default 200 ms).
    pub post_roll_ms: u32,
    /// Silence that ends the turn after an open question (default 700 ms).
    pub silence_open_ms: u32,
    /// … after a yes/no question (default 440 ms).
    pub silence_yes_no_ms: u32,
    /// … while the caller reads out an order or phone number (default 1300 ms).
    pub silence_digits_ms: u32,
    /// … while the caller gives an address (default 1000 ms).
    pub silence_address_ms: u32,
    /// A turn is ended by force after this long (default 15000 ms).
    pub max_turn_ms: u32,
    /// After this much silence a transcript of the speech so far is requested, so recognition overlaps the
    /// end-of-turn wait; speech that resumes makes it void (default 240 ms; 0 turns it off).
    pub early_asr_ms: u32,
    /// When that early transcript reads as a finished sentence, an open or yes/no turn ends after this much
    /// silence instead (default 400 ms; never later than the mode's own silence). So does a digits turn once
    /// the transcript holds a whole number, and an order-number turn once it names an order the shop holds.
    pub silence_complete_ms: u32,
    /// Digits in the shop's order numbers, for ending an order-number turn early (default 8; 0: only an order
    /// the shop holds ends it early).
    pub order_number_digits: u8,
    /// Digits of a phone number, likewise (default 10: a US number; a Chinese mobile's 11th digit follows
    /// the 10th without a pause).
    pub phone_number_digits: u8,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            speech_on: 0.5,
            speech_off: 0.35,
            onset_ms: 60,
            min_speech_ms: 160,
            pre_roll_ms: 200,
            post_roll_ms: 200,
            silence_open_ms: 700,
            silence_yes_no_ms: 440,
            silence_digits_ms: 1300,
            silence_address_ms: 1000,
            max_turn_ms: 15_000,
            early_asr_ms: 240,
            silence_complete_ms: 400,
            order_number_digits: 8,
            phone_number_digits: 10,
        }
    }
}

impl EndpointConfig {
    /// The end-of-turn silence for what the bot is waiting for.
    pub fn end_silence_ms(&self, mode: ListenMode) -> u32 {
        match mode {
            ListenMode::Open => self.silence_open_ms,
            ListenMode::YesNo => self.silence_yes_no_ms,
            ListenMode::Digits { .. } => self.silence_digits_ms,
            ListenMode::Address => self.silence_address_ms,
        }
    }
}

/// A finished utterance, ready for ASR.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// Pre-roll, the speech, and up to `post_roll_ms` of trailing silence.
    pub audio: Vec<f32>,
    /// Time of the first speech frame.
    pub speech_start: Instant,
    /// Time of the last voiced frame.
    pub speech_end: Instant,
    /// True when the maximum turn length cut it.
    pub forced: bool,
    /// Frames from the first speech frame to the last voiced one.
    pub span_frames: u32,
}

/// What one frame changed.
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointEvent {
    /// Speech confirmed; `at` is the time of its first frame.
    SpeechStarted { at: Instant },
    /// The turn is over.
    Utterance(Utterance),
    /// The speech ended too short to be a turn.
    Blip,
}

/// Decides speech start and end of turn, and collects the utterance audio with its pre-roll.
#[derive(Debug)]
pub struct Endpointer {
    speech_on: f32,
    speech_off: f32,
    onset_frames: u32,
    min_speech_frames: u32,
    pre_roll_frames: usize,
    post_roll_frames: usize,
    max_turn_frames: u32,
    /// The last frames heard, for the pre-roll (includes the onset frames while speech is not yet confirmed).
    history: VecDeque<Frame>,
    state: State,
}

#[derive(Debug)]
enum State {
    Quiet {
        onset: u32,
        onset_at: Option<Instant>,
    },
    Speech(Capture),
}

#[derive(Debug)]
struct Capture {
    audio: Vec<f32>,
    started_at: Instant,
    last_voiced_at: Instant,
    /// Frames since the first speech frame, that one included.
    frames: u32,
    voiced: u32,
    /// Frames from the first speech frame to the last voiced one, both included.
    span: u32,
    silence_run: u32,
    /// `audio.len()` just after the last voiced frame.
    voiced_len: usize,
}

impl Endpointer {
    pub fn new(config: &EndpointConfig) -> Self {
        let speech_on = config.speech_on;
        Self {
            speech_on,
            speech_off: config.speech_off.min(speech_on),
            onset_frames: frames_for_ms(config.onset_ms).max(1),
            min_speech_frames: frames_for_ms(config.min_speech_ms),
            pre_roll_frames: frames_for_ms(config.pre_roll_ms) as usize,
            post_roll_frames: frames_for_ms(config.post_roll_ms) as usize,
            max_turn_frames: frames_for_ms(config.max_turn_ms).max(1),
            history: VecDeque::new(),
            state: State::Quiet {
                onset: 0,
                onset_at: None,
            },
        }
    }

    /// True between a confirmed speech start and the end of the turn.
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech(_))
    }

    /// Frames from the first speech frame to the last voiced one (0 when not in speech).
    pub fn speech_span_frames(&self) -> u32 {
        match &self.state {
            State::Speech(c) => c.span,
            State::Quiet { .. } => 0,
        }
    }

    /// Consecutive silent frames since the last voiced one (0 when not in speech).
    pub fn silence_frames(&self) -> u32 {
        match &self.state {
            State::Speech(c) => c.silence_run,
            State::Quiet { .. } => 0,
        }
    }

    /// True once the speech in progress holds enough voiced audio to be a turn rather than a blip.
    pub fn is_substantial(&self) -> bool {
        match &self.state {
            State::Speech(c) => c.voiced >= self.min_speech_frames,
            State::Quiet { .. } => false,
        }
    }

    /// The utterance so far, as it would be handed to ASR if the turn ended now (`None` when not in speech).
    pub fn snapshot(&self) -> Option<Vec<f32>> {
        match &self.state {
            State::Speech(c) => Some(c.audio[..kept_len(c, self.post_roll_frames, false)].to_vec()),
            State::Quiet { .. } => None,
        }
    }

    /// Ends the turn now, as if its silence had run out (`None` when not in speech).
    pub fn finish(&mut self) -> Option<EndpointEvent> {
        match &mut self.state {
            State::Speech(_) => Some(self.end(false)),
            State::Quiet { .. } => None,
        }
    }

    fn end(&mut self, forced: bool) -> EndpointEvent {
        let State::Speech(c) = &mut self.state else {
            return EndpointEvent::Blip;
        };
        let blip = !forced && c.voiced < self.min_speech_frames;
        let keep = kept_len(c, self.post_roll_frames, forced);
        let mut audio = std::mem::take(&mut c.audio);
        audio.truncate(keep);
        let utterance = Utterance {
            audio,
            speech_start: c.started_at,
            speech_end: c.last_voiced_at,
            forced,
            span_frames: c.span,
        };
        self.reset();
        if blip {
            EndpointEvent::Blip
        } else {
            EndpointEvent::Utterance(utterance)
        }
    }

    /// Forgets any speech in progress (the pre-roll history is kept).
    pub fn reset(&mut self) {
        self.state = State::Quiet {
            onset: 0,
            onset_at: None,
        };
    }

    /// Takes one frame and its speech probability; `end_silence_ms` is the pause that ends the turn now.
    pub fn push(
        &mut self,
        frame: &Frame,
        speech_prob: f32,
        now: Instant,
        end_silence_ms: u32,
    ) -> Option<EndpointEvent> {
        self.history.push_back(frame.clone());
        while self.history.len() > self.pre_roll_frames + self.onset_frames as usize {
            self.history.pop_front();
        }
        match &mut self.state {
            State::Quiet { onset, onset_at } => {
                if speech_prob < self.speech_on {
                    *onset = 0;
                    *onset_at = None;
                    return None;
                }
                *onset += 1;
                let started_at = *onset_at.get_or_insert(now);
                if *onset < self.onset_frames {
                    return None;
                }
                let audio: Vec<f32> = self
                    .history
                    .iter()
                    .flat_map(|f| f.samples().iter().copied())
                    .collect();
                let voiced_len = audio.len();
                let onset = *onset;
                self.state = State::Speech(Capture {
                    audio,
                    started_at,
                    last_voiced_at: now,
                    frames: onset,
                    voiced: onset,
                    span: onset,
                    silence_run: 0,
                    voiced_len,
                });
                Some(EndpointEvent::SpeechStarted { at: started_at })
            }
            State::Speech(c) => {
                c.audio.extend_from_slice(frame.samples());
                c.frames += 1;
                if speech_prob >= self.speech_off {
                    c.voiced += 1;
                    c.span = c.frames;
                    c.silence_run = 0;
                    c.last_voiced_at = now;
                    c.voiced_len = c.audio.len();
                } else {
                    c.silence_run += 1;
                }
                let forced = c.frames >= self.max_turn_frames;
                if !forced && c.silence_run < frames_for_ms(end_silence_ms).max(1) {
                    return None;
                }
                Some(self.end(forced))
            }
        }
    }
}

/// How much of a capture goes to ASR: all of it when forced, else up to `post_roll_frames` past the last voice.
fn kept_len(c: &Capture, post_roll_frames: usize, forced: bool) -> usize {
    if forced {
        c.audio.len()
    } else {
        (c.voiced_len + post_roll_frames * FRAME_SAMPLES).min(c.audio.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run(
        ep: &mut Endpointer,
        probs: &[f32],
        t0: Instant,
        silence: u32,
    ) -> Vec<(usize, EndpointEvent)> {
        probs
            .iter()
            .enumerate()
            .filter_map(|(i, &p)| {
                let frame = Frame::from_samples(&[i as f32; FRAME_SAMPLES]);
                let now = t0 + Duration::from_millis(20 * i as u64);
                ep.push(&frame, p, now, silence).map(|e| (i, e))
            })
            .collect()
    }

    #[test]
    fn onset_needs_consecutive_frames_above_the_on_threshold() {
        let mut ep = Endpointer::new(&EndpointConfig::default());
        let t0 = Instant::now();
        // Two loud frames, a dip, then three: speech starts on the third of the second run.
        let events = run(&mut ep, &[0.9, 0.9, 0.1, 0.9, 0.9, 0.9], t0, 700);
        assert_eq!(
            events,
            vec![(
                5,
                EndpointEvent::SpeechStarted {
                    at: t0 + Duration::from_millis(60)
                }
            )]
        );
    }

    #[test]
    fn hysteresis_keeps_speech_between_the_thresholds() {
        let mut ep = Endpointer::new(&EndpointConfig::default());
        let t0 = Instant::now();
        let mut probs = vec![0.9; 10];
        probs.extend([0.4; 100]); // above speech_off: still speech
        let events = run(&mut ep, &probs, t0, 700);
        assert_eq!(events.len(), 1);
        assert!(ep.in_speech());
        assert_eq!(ep.speech_span_frames(), 110);
    }

    #[test]
    fn short_speech_is_a_blip() {
        let mut ep = Endpointer::new(&EndpointConfig::default());
        let mut probs = vec![0.9; 7]; // 140 ms < 160 ms
        probs.extend([0.0; 40]);
        let events = run(&mut ep, &probs, Instant::now(), 700);
        assert!(matches!(
            events[..],
            [
                (2, EndpointEvent::SpeechStarted { .. }),
                (41, EndpointEvent::Blip)
            ]
        ));
        assert!(!ep.in_speech());
    }

    #[test]
    fn utterance_has_pre_roll_speech_and_post_roll() {
        let mut ep = Endpointer::new(&EndpointConfig::default());
        let mut probs = vec![0.0; 20];
        probs.extend([0.9; 20]);
        probs.extend([0.0; 35]);
        let events = run(&mut ep, &probs, Instant::now(), 700);
        let Some((74, EndpointEvent::Utterance(u))) = events.last() else {
            panic!("no utterance: {events:?}");
        };
        // 10 frames of pre-roll (frames 10..20), 20 of speech, 10 of post-roll.
        assert_eq!(u.audio.len(), 40 * FRAME_SAMPLES);
        assert_eq!(u.audio[0], 10.0);
        assert_eq!(u.audio[10 * FRAME_SAMPLES], 20.0);
        assert!(!u.forced);
    }
}
