//! The caller's decoded audio between the network and the 20 ms clock: packets arrive in bursts and at a
//! slightly different pace than the call's clock, frames leave one per tick.

use std::collections::VecDeque;

use crate::call::FRAME_SAMPLES;

/// Frames held before the oldest are dropped: more is latency the caller would hear as a slow bot.
const MAX_FRAMES: usize = 10;
/// Frames gathered before playing out again after running dry, so one late packet does not cause a
/// gap on every tick.
const REFILL_FRAMES: usize = 2;

/// A small adaptive buffer of 16 kHz samples.
#[derive(Debug, Default)]
pub struct JitterBuffer {
    samples: VecDeque<f32>,
    refilling: bool,
    dropped: u64,
}

impl JitterBuffer {
    /// An empty buffer (it fills before the first frame leaves).
    pub fn new() -> Self {
        Self {
            refilling: true,
            ..Self::default()
        }
    }

    /// Adds decoded samples; drops the oldest audio beyond the buffer's limit.
    pub fn push(&mut self, samples: &[f32]) {
        self.samples.extend(samples);
        let limit = MAX_FRAMES * FRAME_SAMPLES;
        if self.samples.len() > limit {
            let excess = self.samples.len() - limit;
            self.samples.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    /// The next 20 ms frame, or `None` when the caller's audio has not arrived (the call core treats it as
    /// loss).
    pub fn pop(&mut self) -> Option<Vec<f32>> {
        if self.refilling {
            if self.samples.len() < REFILL_FRAMES * FRAME_SAMPLES {
                return None;
            }
            self.refilling = false;
        }
        if self.samples.len() < FRAME_SAMPLES {
            self.refilling = true;
            return None;
        }
        Some(self.samples.drain(..FRAME_SAMPLES).collect())
    }

    /// Samples dropped so far because the buffer overflowed.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_leave_in_order_after_a_short_fill() {
        let mut buffer = JitterBuffer::new();
        let audio: Vec<f32> = (0..FRAME_SAMPLES * 3).map(|i| i as f32).collect();
        buffer.push(&audio[..FRAME_SAMPLES]);
        assert_eq!(buffer.pop(), None, "still filling");
        buffer.push(&audio[FRAME_SAMPLES..]);
        for k in 0..3 {
            let frame = buffer.pop().unwrap();
            assert_eq!(frame.len(), FRAME_SAMPLES);
            assert_eq!(frame[0], (k * FRAME_SAMPLES) as f32);
        }
        assert_eq!(buffer.pop(), None, "ran dry");
        buffer.push(&audio[..FRAME_SAMPLES]);
        assert_eq!(buffer.pop(), None, "refilling after running dry");
    }

    #[test]
    fn a_burst_beyond_the_limit_drops_the_oldest_audio() {
        let mut buffer = JitterBuffer::new();
        let audio: Vec<f32> = (0..FRAME_SAMPLES * (MAX_FRAMES + 5))
            .map(|i| i as f32)
            .collect();
        buffer.push(&audio);
        assert_eq!(buffer.dropped(), (5 * FRAME_SAMPLES) as u64);
        assert_eq!(buffer.pop().unwrap()[0], (5 * FRAME_SAMPLES) as f32);
    }
}
