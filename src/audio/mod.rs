//! Audio at kefu's edges: WAV files, G.711 companding and sample-rate conversion.
//!
//! Inside kefu audio is mono `f32` in [-1, 1] at 16 kHz ([`INTERNAL_RATE`]); doors and file readers convert
//! to that with the tools here.

pub mod g711;
pub mod resample;
pub mod wav;

use std::path::PathBuf;

/// The sample rate used everywhere inside kefu (ASR, VAD, the call core).
pub const INTERNAL_RATE: u32 = 16_000;

/// Mono audio: samples in [-1, 1] at `sample_rate` Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Pcm {
    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }

    /// The same audio at another sample rate (a copy when the rate already matches).
    pub fn to_rate(&self, rate: u32) -> Result<Pcm, AudioError> {
        Ok(Pcm {
            samples: resample::to_rate(&self.samples, self.sample_rate, rate)?,
            sample_rate: rate,
        })
    }
}

/// Audio with its channels kept apart, as stored in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiPcm {
    /// One vector per channel, all the same length.
    pub channels: Vec<Vec<f32>>,
    pub sample_rate: u32,
}

impl MultiPcm {
    /// Averages the channels into mono.
    pub fn mix_down(self) -> Pcm {
        let sample_rate = self.sample_rate;
        let mut channels = self.channels.into_iter();
        let Some(mut mono) = channels.next() else {
            return Pcm {
                samples: Vec::new(),
                sample_rate,
            };
        };
        let mut count = 1.0f32;
        for channel in channels {
            for (m, s) in mono.iter_mut().zip(channel) {
                *m += s;
            }
            count += 1.0;
        }
        if count > 1.0 {
            mono.iter_mut().for_each(|m| *m /= count);
        }
        Pcm {
            samples: mono,
            sample_rate,
        }
    }
}

/// Errors reading, writing or converting audio.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A decoding error, with the file it came from.
    #[error("{path}: {error}")]
    InFile {
        path: PathBuf,
        error: Box<AudioError>,
    },
    #[error("not a WAV file: expected a RIFF/WAVE header, found {found}")]
    NotWav { found: String },
    #[error("truncated WAV: {what} needs {expected} bytes but only {found} are present")]
    Truncated {
        what: String,
        expected: u64,
        found: u64,
    },
    #[error(
        "WAV format {tag:#06x} ({name}) is not supported; supported: PCM 8/16/24/32-bit, float32/64, µ-law, A-law"
    )]
    UnsupportedFormat { tag: u16, name: &'static str },
    #[error(
        "{bits}-bit samples in WAV format {tag:#06x} ({name}) are not supported; supported: PCM 8/16/24/32-bit, float32/64, µ-law, A-law"
    )]
    UnsupportedBits {
        tag: u16,
        name: &'static str,
        bits: u16,
    },
    #[error("invalid WAV: {0}")]
    Invalid(String),
    #[error("cannot resample {from} Hz to {to} Hz: {reason}")]
    Resample { from: u32, to: u32, reason: String },
}
