//! Echo guard: tells the caller's speech from the bot's own playback coming back on the inbound stream
//! (a speakerphone, a 2-to-4-wire hybrid), so the bot does not barge in on itself.
//!
//! A Geigel-style double-talk detector on 20 ms frame levels: inbound audio can only be the caller's when it is
//! louder than the loudest outbound frame of the echo-tail window times the echo threshold. The threshold starts
//! at the classic Geigel −6 dB (echo at least 6 dB down) and, while only the bot talks, follows the measured echo
//! return level plus a margin, so a quiet echo path lets a soft caller through. It never rises above the
//! starting threshold, so a soft caller cannot teach it to take louder speech for echo.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::frame::frames_for_ms;

/// Echo guard settings (`[call.echo]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EchoConfig {
    /// Turn the guard off (e.g. a door with its own echo canceller). Default on.
    pub enabled: bool,
    /// Longest echo delay considered (default 400 ms).
    pub tail_ms: u32,
    /// Inbound level relative to the loudest recent outbound frame above which it may be the caller; also the
    /// ceiling of the adaptive threshold (default −6 dB).
    pub threshold_db: f32,
    /// Headroom over the measured echo level when adapting (default 6 dB).
    pub margin_db: f32,
    /// Floor of the adaptive threshold (default −30 dB).
    pub min_threshold_db: f32,
    /// Adapt the threshold to the measured echo while only the bot talks (default on).
    pub adapt: bool,
}

impl Default for EchoConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            tail_ms: 400,
            threshold_db: -6.0,
            margin_db: 6.0,
            min_threshold_db: -30.0,
            adapt: true,
        }
    }
}

/// Outbound frames quieter than this (about −80 dBFS) cannot produce an echo worth guarding against.
const SILENT_LEVEL: f32 = 1e-4;
/// How fast the echo estimate falls when the echo gets quieter (2.5 dB per second); rises are immediate.
const DECAY_DB_PER_FRAME: f32 = 0.05;

/// The guard's judgement of one inbound frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Talk {
    /// Could be the caller (or is silence with no echo around).
    Caller,
    /// Explained by the bot's echo.
    Echo,
}

/// Keeps the recent outbound levels and judges inbound frames against them.
#[derive(Debug)]
pub struct EchoGuard {
    config: EchoConfig,
    window: usize,
    outbound: VecDeque<f32>,
    /// Estimated echo return level in dB relative to the loudest outbound frame.
    echo_db: f32,
}

impl EchoGuard {
    pub fn new(config: &EchoConfig) -> Self {
        Self {
            window: frames_for_ms(config.tail_ms) as usize + 1,
            outbound: VecDeque::new(),
            echo_db: config.threshold_db - config.margin_db,
            config: config.clone(),
        }
    }

    /// Records the level of a frame just sent to the caller.
    pub fn record_outbound(&mut self, level: f32) {
        self.outbound.push_back(level);
        while self.outbound.len() > self.window {
            self.outbound.pop_front();
        }
    }

    /// The current threshold in dB relative to the loudest outbound frame in the tail window.
    pub fn threshold_db(&self) -> f32 {
        let c = &self.config;
        (self.echo_db + c.margin_db).clamp(c.min_threshold_db.min(c.threshold_db), c.threshold_db)
    }

    /// Judges an inbound frame by its level.
    pub fn judge(&mut self, inbound_level: f32) -> Talk {
        if !self.config.enabled {
            return Talk::Caller;
        }
        let far = self.outbound.iter().copied().fold(0.0f32, f32::max);
        if far < SILENT_LEVEL || inbound_level > far * db_to_gain(self.threshold_db()) {
            return Talk::Caller;
        }
        if self.config.adapt {
            let measured = gain_to_db(inbound_level / far);
            let c = &self.config;
            self.echo_db = measured.max(self.echo_db - DECAY_DB_PER_FRAME).clamp(
                c.min_threshold_db - c.margin_db,
                c.threshold_db - c.margin_db,
            );
        }
        Talk::Echo
    }
}

fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

fn gain_to_db(gain: f32) -> f32 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f32::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geigel_threshold_separates_echo_from_double_talk() {
        let mut guard = EchoGuard::new(&EchoConfig {
            adapt: false,
            ..EchoConfig::default()
        });
        guard.record_outbound(0.2);
        for _ in 0..10 {
            guard.record_outbound(0.0);
        }
        // The loud frame is still within the 400 ms tail.
        assert_eq!(guard.judge(0.05), Talk::Echo); // −12 dB
        assert_eq!(guard.judge(0.15), Talk::Caller); // −2.5 dB
        for _ in 0..30 {
            guard.record_outbound(0.0);
        }
        assert_eq!(guard.judge(0.05), Talk::Caller, "tail window passed");
    }

    #[test]
    fn threshold_follows_a_quiet_echo_down_but_never_above_the_ceiling() {
        let mut guard = EchoGuard::new(&EchoConfig::default());
        assert_eq!(guard.threshold_db(), -6.0);
        for _ in 0..2000 {
            guard.record_outbound(0.3);
            assert_eq!(guard.judge(0.003), Talk::Echo); // −40 dB echo path
        }
        assert_eq!(guard.threshold_db(), -30.0);
        // A soft caller at −20 dB is now heard.
        assert_eq!(guard.judge(0.03), Talk::Caller);
        // A louder echo path pulls the threshold back up, but never above the ceiling.
        for _ in 0..200 {
            let level = 0.3 * db_to_gain(guard.threshold_db() - 0.5);
            assert_eq!(guard.judge(level), Talk::Echo);
        }
        assert_eq!(guard.threshold_db(), -6.0);
    }

    #[test]
    fn disabled_guard_hears_everything_as_the_caller() {
        let mut guard = EchoGuard::new(&EchoConfig {
            enabled: false,
            ..EchoConfig::default()
        });
        guard.record_outbound(1.0);
        assert_eq!(guard.judge(0.01), Talk::Caller);
    }
}
