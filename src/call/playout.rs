//! Playout: the reply being spoken, cut into 20 ms frames on demand, with pause, resume and stop.

use std::collections::VecDeque;

use super::frame::{FRAME_SAMPLES, Frame};
use super::protocol::{ReplyId, TurnId};

/// What one pulled frame meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulled {
    /// Nothing to play (idle, paused, or waiting for synthesis).
    Silence,
    /// The first frame of a reply.
    FirstAudio {
        reply: ReplyId,
        turn: Option<TurnId>,
    },
    /// More reply audio.
    Audio,
    /// The reply had been fully handed out before this pull.
    Finished { reply: ReplyId },
}

/// The reply being played.
#[derive(Debug)]
pub struct Playing {
    pub reply: ReplyId,
    /// The turn the reply answers (`None` for the session's own prompts).
    pub turn: Option<TurnId>,
    samples: VecDeque<f32>,
    complete: bool,
    paused: bool,
    started: bool,
}

/// Holds at most one reply.
#[derive(Debug, Default)]
pub struct Playout {
    current: Option<Playing>,
}

impl Playout {
    /// Starts a reply (its audio arrives later with [`Playout::push`]). Any reply still held is dropped.
    pub fn start(&mut self, reply: ReplyId, turn: Option<TurnId>) {
        self.current = Some(Playing {
            reply,
            turn,
            samples: VecDeque::new(),
            complete: false,
            paused: false,
            started: false,
        });
    }

    /// The reply being played (paused or not), if any.
    pub fn current(&self) -> Option<&Playing> {
        self.current.as_ref()
    }

    /// Appends synthesised audio; false if it belongs to no current reply (stale).
    pub fn push(&mut self, reply: ReplyId, samples: &[f32], last: bool) -> bool {
        match &mut self.current {
            Some(p) if p.reply == reply && !p.complete => {
                p.samples.extend(samples.iter().map(|s| {
                    if s.is_finite() {
                        s.clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                }));
                p.complete = last;
                true
            }
            _ => false,
        }
    }

    /// Pauses; false if there was nothing to pause.
    pub fn pause(&mut self) -> bool {
        match &mut self.current {
            Some(p) if !p.paused => {
                p.paused = true;
                true
            }
            _ => false,
        }
    }

    /// Resumes where it paused; false if nothing was paused.
    pub fn resume(&mut self) -> bool {
        match &mut self.current {
            Some(p) if p.paused => {
                p.paused = false;
                true
            }
            _ => false,
        }
    }

    /// Drops the current reply, returning its id.
    pub fn stop(&mut self) -> Option<ReplyId> {
        self.current.take().map(|p| p.reply)
    }

    /// The next 20 ms to send. A partial frame waits for more audio unless it is the reply's last.
    pub fn pull(&mut self) -> (Frame, Pulled) {
        let Some(p) = self.current.as_mut().filter(|p| !p.paused) else {
            return (Frame::silence(), Pulled::Silence);
        };
        if p.samples.is_empty() && p.complete {
            let reply = p.reply;
            self.current = None;
            return (Frame::silence(), Pulled::Finished { reply });
        }
        if p.samples.len() < FRAME_SAMPLES && !p.complete {
            return (Frame::silence(), Pulled::Silence);
        }
        let n = p.samples.len().min(FRAME_SAMPLES);
        let chunk: Vec<f32> = p.samples.drain(..n).collect();
        let pulled = if p.started {
            Pulled::Audio
        } else {
            Pulled::FirstAudio {
                reply: p.reply,
                turn: p.turn,
            }
        };
        p.started = true;
        (Frame::from_samples(&chunk), pulled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_in_order_pads_the_tail_and_reports_the_end() {
        let mut playout = Playout::default();
        playout.start(ReplyId(1), Some(TurnId(4)));
        let audio: Vec<f32> = (0..500).map(|i| i as f32 / 1000.0).collect();
        assert!(playout.push(ReplyId(1), &audio[..200], false));
        assert_eq!(
            playout.pull().1,
            Pulled::Silence,
            "partial frame waits for more"
        );
        assert!(playout.push(ReplyId(1), &audio[200..], true));
        let (frame, pulled) = playout.pull();
        assert_eq!(
            pulled,
            Pulled::FirstAudio {
                reply: ReplyId(1),
                turn: Some(TurnId(4))
            }
        );
        assert_eq!(&frame.samples()[..], &audio[..320]);
        let (frame, pulled) = playout.pull();
        assert_eq!(pulled, Pulled::Audio);
        assert_eq!(&frame.samples()[..180], &audio[320..]);
        assert_eq!(frame.samples()[180], 0.0);
        assert_eq!(playout.pull().1, Pulled::Finished { reply: ReplyId(1) });
        assert!(playout.current().is_none());
        assert_eq!(playout.pull().1, Pulled::Silence);
    }

    #[test]
    fn pause_holds_the_position_and_stale_audio_is_refused() {
        let mut playout = Playout::default();
        playout.start(ReplyId(2), None);
        let audio: Vec<f32> = (0..960).map(|i| i as f32 / 1000.0).collect();
        playout.push(ReplyId(2), &audio, true);
        playout.pull();
        assert!(playout.pause());
        assert_eq!(playout.pull().1, Pulled::Silence);
        assert!(playout.resume());
        assert_eq!(&playout.pull().0.samples()[..], &audio[320..640]);
        assert!(!playout.push(ReplyId(1), &audio, false));
        assert_eq!(playout.stop(), Some(ReplyId(2)));
        assert!(!playout.push(ReplyId(2), &audio, false));
    }
}
