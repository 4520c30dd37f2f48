//! The unit of audio the call core works in: 20 ms of 16 kHz mono `f32` PCM.

use std::fmt;

/// Samples per frame: 20 ms at 16 kHz.
pub const FRAME_SAMPLES: usize = 320;

/// Duration of one frame in milliseconds.
pub const FRAME_MS: u32 = 20;

/// One 20 ms frame. Always exactly [`FRAME_SAMPLES`] long: building one from a slice of another length pads
/// with silence or truncates, so a misbehaving door can never make the session index out of bounds.
#[derive(Clone, PartialEq)]
pub struct Frame(Box<[f32; FRAME_SAMPLES]>);

impl Frame {
    /// A frame of digital silence.
    pub fn silence() -> Self {
        Frame(Box::new([0.0; FRAME_SAMPLES]))
    }

    /// Builds a frame from any number of samples: shorter input is padded with zeros, longer is truncated, and
    /// samples that are not finite become zeros.
    pub fn from_samples(samples: &[f32]) -> Self {
        let mut frame = Self::silence();
        for (dst, src) in frame.0.iter_mut().zip(samples) {
            *dst = if src.is_finite() { *src } else { 0.0 };
        }
        if samples.len() != FRAME_SAMPLES {
            tracing::debug!(
                len = samples.len(),
                "frame of the wrong length padded or truncated to {FRAME_SAMPLES}"
            );
        }
        frame
    }

    /// The samples.
    pub fn samples(&self) -> &[f32; FRAME_SAMPLES] {
        &self.0
    }

    /// Root-mean-square level (linear, 0 for silence).
    pub fn rms(&self) -> f32 {
        let energy: f32 = self.0.iter().map(|s| s * s).sum();
        (energy / FRAME_SAMPLES as f32).sqrt()
    }

    /// True if every sample is exactly zero.
    pub fn is_silent(&self) -> bool {
        self.0.iter().all(|&s| s == 0.0)
    }
}

impl Default for Frame {
    fn default() -> Self {
        Self::silence()
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame(rms={:.4})", self.rms())
    }
}

/// Number of whole frames covering `ms` milliseconds, rounded up (0 ms → 0 frames).
pub fn frames_for_ms(ms: u32) -> u32 {
    ms.div_ceil(FRAME_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_lengths_are_padded_or_truncated() {
        let short = Frame::from_samples(&[0.5; 100]);
        assert_eq!(short.samples()[99], 0.5);
        assert_eq!(short.samples()[100], 0.0);
        let long: Vec<f32> = (0..500).map(|i| i as f32).collect();
        let long = Frame::from_samples(&long);
        assert_eq!(long.samples()[319], 319.0);
        assert!(Frame::from_samples(&[]).is_silent());
        assert!(Frame::from_samples(&[f32::NAN, f32::INFINITY]).is_silent());
    }

    #[test]
    fn rms_of_a_constant_is_its_magnitude() {
        assert!((Frame::from_samples(&[-0.25; FRAME_SAMPLES]).rms() - 0.25).abs() < 1e-6);
        assert_eq!(Frame::silence().rms(), 0.0);
    }

    #[test]
    fn durations_round_up_to_whole_frames() {
        assert_eq!(frames_for_ms(0), 0);
        assert_eq!(frames_for_ms(20), 1);
        assert_eq!(frames_for_ms(450), 23);
    }
}
