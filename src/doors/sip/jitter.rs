//! The caller's audio on its way in: a jitter buffer that puts RTP payloads back in timestamp order,
//! drops duplicates and late packets, and hands out fixed-size blocks on our clock — `None` where audio
//! is missing, so the call core can tell loss from silence.
//!
//! It works on decoded samples indexed by RTP timestamp, so any packet duration (10, 20, 30 ms…) plays out
//! in the door's 20 ms blocks. It starts playing once `depth` samples are buffered, re-buffers after an
//! underrun (jumping over the gap instead of replaying it late), and sheds the oldest audio when the
//! caller's clock runs fast and the buffer grows past `depth + slack`.

use std::collections::BTreeMap;

/// What happened to a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Accepted,
    /// Same timestamp as a packet already buffered.
    Duplicate,
    /// Its audio was due before the playout point.
    Late,
}

/// Counters for the call log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub accepted: u64,
    pub duplicates: u64,
    pub late: u64,
    /// Blocks handed out as `None` while playing (loss) or while re-buffering (underrun).
    pub missing_blocks: u64,
    /// Samples dropped because the buffer grew too deep.
    pub shed_samples: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for `depth` samples before playing.
    Buffering,
    /// Playing from `cursor`.
    Playing,
}

/// Jitter buffer for one incoming stream. Timestamps are unwrapped to 64 bits around the playout point.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    depth: u64,
    slack: u64,
    /// Extended timestamp of the next sample to play (or of the earliest buffered one while buffering).
    cursor: Option<u64>,
    /// Decoded packets by extended timestamp.
    packets: BTreeMap<u64, Vec<f32>>,
    state: State,
    ssrc: Option<u32>,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer that holds back `depth` samples and tolerates `slack` more before shedding audio.
    pub fn new(depth: usize, slack: usize) -> Self {
        Self {
            depth: depth as u64,
            slack: slack as u64,
            cursor: None,
            packets: BTreeMap::new(),
            state: State::Buffering,
            ssrc: None,
            stats: JitterStats::default(),
        }
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Adds one packet's decoded samples. A new SSRC (the caller's stream restarted) flushes the buffer.
    pub fn push(&mut self, ssrc: u32, timestamp: u32, samples: Vec<f32>) -> Arrival {
        if self.ssrc != Some(ssrc) {
            if self.ssrc.is_some() {
                tracing::debug!(old = ?self.ssrc, new = ssrc, "caller's RTP stream changed SSRC: restarting the jitter buffer");
            }
            self.ssrc = Some(ssrc);
            self.packets.clear();
            self.cursor = None;
            self.state = State::Buffering;
        }
        if samples.is_empty() {
            return Arrival::Accepted;
        }
        let ts = self.extend(timestamp);
        if self.state == State::Playing
            && let Some(cursor) = self.cursor
        {
            if ts + samples.len() as u64 <= cursor {
                self.stats.late += 1;
                return Arrival::Late;
            }
            // A timestamp far ahead of where we play (a restarted sender keeping its SSRC, or a long
            // silence-suppressed gap): start over from it.
            if ts > cursor + 10 * (self.depth + self.slack).max(1600) {
                self.packets.clear();
                self.state = State::Buffering;
            }
        }
        if self.packets.contains_key(&ts) {
            self.stats.duplicates += 1;
            return Arrival::Duplicate;
        }
        self.packets.insert(ts, samples);
        self.stats.accepted += 1;
        if self.state == State::Buffering {
            self.cursor = self.packets.keys().next().copied();
        }
        Arrival::Accepted
    }

    /// Unwraps a 32-bit timestamp to the 64-bit one nearest the playout point.
    fn extend(&self, timestamp: u32) -> u64 {
        // Start high so timestamps just before the first one do not underflow.
        let reference = self.cursor.unwrap_or(1 << 40 | u64::from(timestamp));
        let delta = i64::from(timestamp.wrapping_sub(reference as u32) as i32);
        reference.saturating_add_signed(delta)
    }

    /// The end (exclusive) of the buffered audio.
    fn buffered_end(&self) -> Option<u64> {
        self.packets
            .iter()
            .next_back()
            .map(|(ts, s)| ts + s.len() as u64)
    }

    /// The next `n` samples, or `None` when none of them arrived (lost, or still buffering). Partly
    /// received blocks are filled with silence where packets are missing.
    pub fn pop(&mut self, n: usize) -> Option<Vec<f32>> {
        let n64 = n as u64;
        if self.state == State::Buffering {
            let start = self.packets.keys().next().copied()?;
            let end = self.buffered_end()?;
            if end - start < self.depth + n64 {
                return None;
            }
            self.cursor = Some(start);
            self.state = State::Playing;
        }
        let mut cursor = self.cursor?;
        let end = self.buffered_end().unwrap_or(cursor);
        if end <= cursor {
            // Underrun: everything buffered has played. Wait for `depth` again.
            self.packets.clear();
            self.state = State::Buffering;
            self.stats.missing_blocks += 1;
            return None;
        }
        if end - cursor > self.depth + self.slack + n64 {
            let target = end - self.depth - n64;
            self.stats.shed_samples += target - cursor;
            cursor = target;
        }
        let block_end = cursor + n64;
        let mut out = vec![0.0; n];
        let mut filled = 0;
        // Packets that start before the block but reach into it, then those starting inside it.
        let first = self
            .packets
            .range(..=cursor)
            .next_back()
            .map(|(&ts, _)| ts)
            .unwrap_or(cursor);
        for (&ts, samples) in self.packets.range(first..block_end) {
            let from = ts.max(cursor);
            let to = (ts + samples.len() as u64).min(block_end);
            if from >= to {
                continue;
            }
            let src = &samples[(from - ts) as usize..(to - ts) as usize];
            out[(from - cursor) as usize..(to - cursor) as usize].copy_from_slice(src);
            filled += src.len();
        }
        // Forget packets that have fully played.
        while let Some(entry) = self.packets.first_entry() {
            if entry.key() + entry.get().len() as u64 <= block_end {
                entry.remove();
            } else {
                break;
            }
        }
        self.cursor = Some(block_end);
        if filled == 0 {
            self.stats.missing_blocks += 1;
            None
        } else {
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet of 160 samples all equal to `v`.
    fn packet(v: f32) -> Vec<f32> {
        vec![v; 160]
    }

    fn first(block: Option<Vec<f32>>) -> Option<f32> {
        block.map(|b| b[0])
    }

    #[test]
    fn waits_for_depth_then_plays_in_order() {
        let mut jb = JitterBuffer::new(320, 640);
        jb.push(1, 1000, packet(1.0));
        assert_eq!(jb.pop(160), None, "still buffering");
        jb.push(1, 1320, packet(3.0));
        jb.push(1, 1160, packet(2.0)); // reordered
        assert_eq!(first(jb.pop(160)), Some(1.0));
        assert_eq!(first(jb.pop(160)), Some(2.0));
        assert_eq!(first(jb.pop(160)), Some(3.0));
        assert_eq!(jb.pop(160), None, "underrun");
        assert_eq!(jb.stats().missing_blocks, 1);
    }

    #[test]
    fn duplicates_and_late_packets_are_dropped() {
        let mut jb = JitterBuffer::new(320, 640);
        for i in 0..4u32 {
            assert_eq!(jb.push(9, i * 160, packet(i as f32)), Arrival::Accepted);
        }
        assert_eq!(jb.push(9, 160, packet(7.0)), Arrival::Duplicate);
        assert_eq!(first(jb.pop(160)), Some(0.0));
        assert_eq!(first(jb.pop(160)), Some(1.0));
        assert_eq!(jb.push(9, 0, packet(7.0)), Arrival::Late);
        assert_eq!(first(jb.pop(160)), Some(2.0));
        let s = jb.stats();
        assert_eq!((s.accepted, s.duplicates, s.late), (4, 1, 1));
    }

    #[test]
    fn a_lost_packet_is_none_and_playback_continues() {
        let mut jb = JitterBuffer::new(320, 640);
        for i in [0u32, 1, 3, 4, 5] {
            jb.push(1, i * 160, packet(i as f32));
        }
        let got: Vec<Option<f32>> = (0..6).map(|_| first(jb.pop(160))).collect();
        assert_eq!(
            got,
            vec![Some(0.0), Some(1.0), None, Some(3.0), Some(4.0), Some(5.0)]
        );
    }

    #[test]
    fn other_packet_sizes_play_in_fixed_blocks() {
        let mut jb = JitterBuffer::new(240, 640);
        // 10 ms packets (80 samples), one missing: its half of the block is silence.
        for i in [0u32, 1, 2, 4, 5, 6, 7] {
            jb.push(1, i * 80, vec![i as f32 + 1.0; 80]);
        }
        let a = jb.pop(160).unwrap();
        assert_eq!((a[0], a[80]), (1.0, 2.0));
        let b = jb.pop(160).unwrap();
        assert_eq!((b[0], b[80]), (3.0, 0.0));
        let c = jb.pop(160).unwrap();
        assert_eq!((c[0], c[159]), (5.0, 6.0));
        // 30 ms packets split across blocks.
        let mut jb = JitterBuffer::new(240, 640);
        jb.push(2, 0, (0..240).map(|i| i as f32).collect());
        jb.push(2, 240, (240..480).map(|i| i as f32).collect());
        let a = jb.pop(160).unwrap();
        let b = jb.pop(160).unwrap();
        assert_eq!((a[0], a[159], b[0], b[159]), (0.0, 159.0, 160.0, 319.0));
    }

    #[test]
    fn timestamps_wrap() {
        let mut jb = JitterBuffer::new(320, 640);
        let start = u32::MAX - 200;
        for i in 0..4u32 {
            jb.push(5, start.wrapping_add(i * 160), packet(i as f32));
        }
        let got: Vec<Option<f32>> = (0..4).map(|_| first(jb.pop(160))).collect();
        assert_eq!(got, vec![Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
    }

    #[test]
    fn after_an_underrun_the_gap_is_skipped_not_replayed() {
        let mut jb = JitterBuffer::new(320, 640);
        for i in 0..3u32 {
            jb.push(1, i * 160, packet(1.0));
        }
        while jb.pop(160).is_some() {}
        // Silence suppression: the caller resumes 2 s later.
        for i in 0..3u32 {
            jb.push(1, 16_000 + i * 160, packet(2.0));
        }
        assert_eq!(
            first(jb.pop(160)),
            Some(2.0),
            "resumes at the new audio at once"
        );
    }

    #[test]
    fn a_fast_sender_is_held_to_depth() {
        let mut jb = JitterBuffer::new(320, 320);
        for i in 0..20u32 {
            jb.push(1, i * 160, packet(i as f32));
        }
        // 3200 samples buffered, depth 320 + slack 320: the oldest are shed on the first pop.
        let v = first(jb.pop(160)).unwrap();
        assert_eq!(v, 17.0);
        assert!(jb.stats().shed_samples >= 2000);
    }

    #[test]
    fn a_new_ssrc_restarts() {
        let mut jb = JitterBuffer::new(160, 640);
        jb.push(1, 0, packet(1.0));
        jb.push(1, 160, packet(1.0));
        assert_eq!(first(jb.pop(160)), Some(1.0));
        jb.push(2, 99_999, packet(2.0));
        jb.push(2, 100_159, packet(2.0));
        assert_eq!(first(jb.pop(160)), Some(2.0));
    }
}
