//! Sample-rate conversion (rubato's synchronous FFT resampler): one-shot for whole clips, streaming for doors.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

use super::AudioError;

/// FFT chunk for whole clips: larger blocks give a sharper anti-aliasing filter; latency does not matter.
const CLIP_CHUNK: usize = 1024;

/// Converts a whole mono clip from one rate to another. The output has `ceil(len × to / from)` samples,
/// aligned with the input (the resampler's delay is removed).
pub fn to_rate(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    check_rates(from, to)?;
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let err = |e: &dyn std::fmt::Display| resample_error(from, to, e);
    let mut resampler =
        Fft::<f32>::new(from as usize, to as usize, CLIP_CHUNK, 1, FixedSync::Input)
            .map_err(|e| err(&e))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| err(&e))?;
    let samples_len = samples.len();
    let output = resampler
        .process_all(&input, samples_len, None)
        .map_err(|e| err(&e))?;
    let mut samples = output.take_data();
    // rubato sizes the output with a float ratio, which can round up one sample too many.
    samples.resize(expected_len(samples_len, from, to), 0.0);
    Ok(samples)
}

/// `ceil(len × to / from)`: the number of output samples for `len` input samples.
fn expected_len(len: usize, from: u32, to: u32) -> usize {
    (len as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize
}

/// A fixed-ratio streaming converter for live audio: push frames of any size (typically 20 ms), get
/// converted samples out as soon as a 20 ms block is complete.
///
/// Output lags input by [`Resampler::latency`] output samples plus any incomplete block; the startup
/// delay is trimmed, so the concatenated output of all [`Resampler::process`] calls followed by
/// [`Resampler::flush`] lines up with the input exactly like [`to_rate`] does.
pub struct Resampler {
    from: u32,
    to: u32,
    /// `None` when both rates are equal: samples pass through untouched.
    inner: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    /// Output samples still to drop at the start (the filter's delay).
    to_trim: usize,
    pushed: u64,
    produced: u64,
}

impl Resampler {
    /// A converter from `from` Hz to `to` Hz working in 20 ms input blocks.
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        check_rates(from, to)?;
        let inner = if from == to {
            None
        } else {
            let block = (from as usize / 50).max(1);
            Some(
                Fft::<f32>::new(from as usize, to as usize, block, 1, FixedSync::Both)
                    .map_err(|e| resample_error(from, to, &e))?,
            )
        };
        let to_trim = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(Self {
            from,
            to,
            inner,
            pending: Vec::new(),
            scratch: Vec::new(),
            to_trim,
            pushed: 0,
            produced: 0,
        })
    }

    /// Input rate in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// Output rate in Hz.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// The filter delay in output samples (0 when passing through).
    pub fn latency(&self) -> usize {
        self.inner.as_ref().map_or(0, |r| r.output_delay())
    }

    /// Pushes input samples and returns whatever output is ready.
    pub fn process(&mut self, input: &[f32]) -> Result<Vec<f32>, AudioError> {
        self.pushed += input.len() as u64;
        if self.inner.is_none() {
            self.produced += input.len() as u64;
            return Ok(input.to_vec());
        }
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        self.drain_blocks(&mut out)?;
        Ok(out)
    }

    /// Ends the stream: returns the remaining output (so the total is `ceil(pushed × to / from)`) and
    /// resets the converter for a new stream.
    pub fn flush(&mut self) -> Result<Vec<f32>, AudioError> {
        let mut out = Vec::new();
        if let Some(inner) = &self.inner {
            let expected = expected_len(self.pushed as usize, self.from, self.to) as u64;
            let block = inner.input_frames_next();
            // Push silence until every real input sample has come out of the filter.
            while self.produced < expected {
                let missing = block - self.pending.len() % block;
                self.pending.resize(self.pending.len() + missing, 0.0);
                self.drain_blocks(&mut out)?;
            }
            let excess = (self.produced - expected) as usize;
            out.truncate(out.len().saturating_sub(excess));
        }
        self.reset();
        Ok(out)
    }

    /// Forgets all buffered audio and starts a new stream.
    pub fn reset(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.reset();
        }
        self.to_trim = self.latency();
        self.pending.clear();
        self.pushed = 0;
        self.produced = 0;
    }

    fn drain_blocks(&mut self, out: &mut Vec<f32>) -> Result<(), AudioError> {
        let (from, to) = (self.from, self.to);
        let Some(inner) = &mut self.inner else {
            return Ok(());
        };
        let err = |e: &dyn std::fmt::Display| resample_error(from, to, e);
        let mut start = 0;
        loop {
            let need = inner.input_frames_next();
            if self.pending.len() - start < need {
                break;
            }
            let n_out = inner.output_frames_next();
            self.scratch.resize(n_out, 0.0);
            let input = InterleavedSlice::new(&self.pending[start..start + need], 1, need)
                .map_err(|e| err(&e))?;
            let mut output =
                InterleavedSlice::new_mut(&mut self.scratch[..], 1, n_out).map_err(|e| err(&e))?;
            let (used, made) = inner
                .process_into_buffer(&input, &mut output, None)
                .map_err(|e| err(&e))?;
            start += used;
            let skip = self.to_trim.min(made);
            self.to_trim -= skip;
            out.extend_from_slice(&self.scratch[skip..made]);
            self.produced += (made - skip) as u64;
        }
        self.pending.drain(..start);
        Ok(())
    }
}

fn check_rates(from: u32, to: u32) -> Result<(), AudioError> {
    if from == 0 || to == 0 {
        return Err(resample_error(from, to, &"sample rates must be above 0 Hz"));
    }
    Ok(())
}

fn resample_error(from: u32, to: u32, reason: &dyn std::fmt::Display) -> AudioError {
    AudioError::Resample {
        from,
        to,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATES: [u32; 5] = [8000, 16000, 22050, 24000, 48000];

    fn sine(freq: f32, amplitude: f32, rate: u32, secs: f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        (0..n)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// The middle of a signal, away from edge transients.
    fn middle(samples: &[f32]) -> &[f32] {
        let edge = samples.len() / 10;
        &samples[edge..samples.len() - edge]
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
    }

    /// Frequency from the number of sign changes (a clean sine crosses zero twice per period).
    fn zero_crossing_freq(samples: &[f32], rate: u32) -> f32 {
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        crossings as f32 / 2.0 / (samples.len() as f32 / rate as f32)
    }

    #[test]
    fn sine_keeps_frequency_level_and_length_for_every_rate_pair() {
        for from in RATES {
            for to in RATES {
                let input = sine(1000.0, 0.5, from, 1.0);
                let out = to_rate(&input, from, to).unwrap();
                let expected_len = (input.len() as u64 * u64::from(to)).div_ceil(u64::from(from));
                assert_eq!(out.len() as u64, expected_len, "{from} -> {to}");
                let freq = zero_crossing_freq(middle(&out), to);
                assert!((freq - 1000.0).abs() < 10.0, "{from} -> {to}: {freq} Hz");
                let level = rms(middle(&out));
                assert!(
                    (level - 0.5 / 2f32.sqrt()).abs() < 0.01,
                    "{from} -> {to}: rms {level}"
                );
            }
        }
    }

    #[test]
    fn output_is_aligned_with_input() {
        // A sine through 16k -> 8k -> 16k keeps its phase: the delay has been removed both ways.
        let input = sine(440.0, 0.5, 16000, 0.5);
        let down = to_rate(&input, 16000, 8000).unwrap();
        let back = to_rate(&down, 8000, 16000).unwrap();
        assert_eq!(back.len(), input.len());
        let diff: Vec<f32> = input.iter().zip(&back).map(|(a, b)| a - b).collect();
        assert!(
            rms(middle(&diff)) < 0.01,
            "rms difference {}",
            rms(middle(&diff))
        );
    }

    #[test]
    fn streaming_matches_one_shot() {
        for (from, to) in [
            (8000, 16000),
            (16000, 8000),
            (22050, 16000),
            (48000, 16000),
            (16000, 24000),
        ] {
            let input = sine(700.0, 0.4, from, 0.7);
            let reference = to_rate(&input, from, to).unwrap();
            let mut stream = Resampler::new(from, to).unwrap();
            let mut out = Vec::new();
            for frame in input.chunks(from as usize / 50) {
                out.extend(stream.process(frame).unwrap());
            }
            out.extend(stream.flush().unwrap());
            assert_eq!(out.len(), reference.len(), "{from} -> {to}");
            let diff: Vec<f32> = out.iter().zip(&reference).map(|(a, b)| a - b).collect();
            let worst = middle(&diff).iter().fold(0f32, |m, d| m.max(d.abs()));
            assert!(worst < 0.01, "{from} -> {to}: max difference {worst}");
        }
    }

    #[test]
    fn streaming_output_does_not_depend_on_push_sizes() {
        let input = sine(300.0, 0.3, 8000, 0.5);
        let run = |sizes: &[usize]| {
            let mut stream = Resampler::new(8000, 16000).unwrap();
            let mut out = Vec::new();
            let mut rest = &input[..];
            for &n in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (head, tail) = rest.split_at(n.min(rest.len()));
                out.extend(stream.process(head).unwrap());
                rest = tail;
            }
            out.extend(stream.flush().unwrap());
            out
        };
        let a = run(&[160]);
        let b = run(&[7, 333, 1, 1000]);
        assert_eq!(a.len(), 8000);
        assert_eq!(a, b);
    }

    #[test]
    fn latency_is_reported_and_flush_resets() {
        let mut stream = Resampler::new(8000, 16000).unwrap();
        assert!(stream.latency() > 0);
        // The first 20 ms block yields fewer samples than 40 ms of output: the delay is being trimmed.
        let first = stream.process(&[0.1; 160]).unwrap();
        assert_eq!(first.len(), 320 - stream.latency().min(320));
        let rest = stream.flush().unwrap();
        assert_eq!(first.len() + rest.len(), 320);
        // After flush the stream starts again from scratch.
        let again = stream.process(&[0.1; 160]).unwrap();
        assert_eq!(again, first);
    }

    #[test]
    fn equal_rates_pass_through_and_bad_rates_are_errors() {
        let input = sine(100.0, 0.2, 16000, 0.1);
        assert_eq!(to_rate(&input, 16000, 16000).unwrap(), input);
        let mut stream = Resampler::new(16000, 16000).unwrap();
        assert_eq!(stream.process(&input).unwrap(), input);
        assert!(stream.flush().unwrap().is_empty());
        let msg = to_rate(&input, 0, 16000).unwrap_err().to_string();
        assert!(msg.contains("0 Hz"), "{msg}");
        assert!(Resampler::new(16000, 0).is_err());
    }
}
