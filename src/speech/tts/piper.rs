//! Piper neural voices (VITS), run on the process's one ONNX Runtime, phonemized by espeak-ng in-process.
//!
//! kefu does Piper's text → id step itself ([`super::piper_ids`]) rather than through sherpa-onnx: it synthesises
//! each sentence with a lookahead and cuts the audio at the model's alignment (the per-phoneme durations that
//! `kefu models fetch` exposes as a second output), which keeps sentence-final consonants; and it can pass a
//! noise scale of exactly zero (sherpa-onnx's C API reads 0 as "use the default"), which makes output repeatable.
//!
//! The voice runs as two models cut from one at fetch time: the acoustic part turns phoneme ids into latent
//! frames (~86 per second of audio) and the vocoder turns frames into audio. Streaming vocodes a sentence a slice
//! of frames at a time, so its first audio is ready after the acoustic part and one small slice (on this 2-core
//! machine ~120 ms instead of ~400 ms for a 5 s sentence), and the slices join into exactly the whole sentence.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ort::session::Session;
use ort::value::Tensor;

use super::piper_ids::{PhonemeIdMap, PhonemeIds};
use super::{TtsError, Voice, espeak};
use crate::lang::Lang;
use crate::models::piper_voice::{ACOUSTIC_FILE, VOCODER_FILE};
use crate::speech::onnx;

/// VITS sampling scales (`[tts] noise_scale`, `noise_scale_w`, `length_scale`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitsScales {
    /// Variation of the voice's timbre and pitch; 0 makes the same text give the same audio every time.
    pub noise: f32,
    /// Variation of phoneme durations; 0 likewise.
    pub noise_w: f32,
    /// Duration multiplier (> 1 is slower), divided by the speaking speed.
    pub length: f32,
}

impl Default for VitsScales {
    /// Repeatable output: no sampling noise, the voice's natural pace.
    fn default() -> Self {
        Self {
            noise: 0.0,
            noise_w: 0.0,
            length: 1.0,
        }
    }
}

/// A Piper voice prepared by `kefu models fetch` (`model.onnx` and its `model.onnx.json`).
pub struct PiperVoice {
    name: String,
    lang: Lang,
    sample_rate: u32,
    espeak_voice: String,
    espeak_data: PathBuf,
    ids: PhonemeIdMap,
    has_speaker_input: bool,
    /// The model reports phoneme durations (second output): sentences get a lookahead, cut off afterwards.
    has_durations: bool,
    scales: VitsScales,
    /// Phoneme ids → latent frames and phoneme durations.
    acoustic: Mutex<Session>,
    /// Latent frames → audio, run on a few frames at a time when streaming.
    vocoder: Mutex<Session>,
    /// The vocoder's input (the value the voice was cut at).
    latent_input: String,
}

/// Latent frames of context on each side of a vocoded slice. HiFi-GAN has no normalisation over time, so a
/// slice sees all it needs within its receptive field: measured on piper-joe, 8 frames left a 0.2% error at the
/// seams and 12 none (bit-identical audio).
const VOCODER_CONTEXT: usize = 12;
/// Latent frames in the first streamed slice (≈ 0.28 s at 22,050 Hz); each next slice is twice the last, so
/// playback never waits for the vocoder (it runs ~15× faster than real time) and the context costs little.
const FIRST_SLICE: usize = 24;

impl PiperVoice {
    /// Loads the voice in `dir`, phonemizing with the espeak-ng data folder `espeak_data`, running inference on
    /// `threads` threads, with the repeatable [`VitsScales::default`].
    pub fn load(
        name: &str,
        lang: Lang,
        dir: &Path,
        espeak_data: &Path,
        threads: usize,
    ) -> Result<Self, TtsError> {
        let acoustic_path = dir.join(ACOUSTIC_FILE);
        let vocoder_path = dir.join(VOCODER_FILE);
        let config_path = dir.join("model.onnx.json");
        for path in [&acoustic_path, &vocoder_path, &config_path] {
            if !path.is_file() {
                return Err(TtsError::MissingModel {
                    voice: name.to_string(),
                    path: path.clone(),
                });
            }
        }
        if !espeak_data.join("phontab").is_file() {
            return Err(TtsError::MissingEspeakData {
                path: espeak_data.to_path_buf(),
            });
        }
        let load_err = |message: String| TtsError::Load {
            voice: name.to_string(),
            message,
        };
        let config: serde_json::Value = std::fs::read_to_string(&config_path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
            .map_err(|e| load_err(format!("{}: {e}", config_path.display())))?;
        let ids = PhonemeIdMap::from_voice_config(&config)
            .map_err(|e| load_err(format!("{}: {e}", config_path.display())))?;
        let sample_rate = config["audio"]["sample_rate"]
            .as_u64()
            .and_then(|r| u32::try_from(r).ok())
            .filter(|&r| r > 0)
            .ok_or_else(|| load_err(format!("{}: no audio.sample_rate", config_path.display())))?;
        let espeak_voice = config["espeak"]["voice"]
            .as_str()
            .ok_or_else(|| load_err(format!("{}: no espeak.voice", config_path.display())))?
            .to_string();

        let env = onnx::environment().map_err(|e| load_err(e.to_string()))?;
        let open = |path: &Path| {
            onnx::voice_session(env, threads)
                .and_then(|mut b| b.commit_from_file(path))
                .map_err(|e| load_err(format!("{}: {e}", path.display())))
        };
        let acoustic = open(&acoustic_path)?;
        let vocoder = open(&vocoder_path)?;
        let inputs: Vec<&str> = acoustic.inputs().iter().map(|i| i.name()).collect();
        if !["input", "input_lengths", "scales"]
            .iter()
            .all(|n| inputs.contains(n))
        {
            return Err(load_err(format!(
                "{} is not a Piper voice: inputs {inputs:?}, expected input, input_lengths, scales",
                acoustic_path.display()
            )));
        }
        let has_speaker_input = inputs.contains(&"sid");
        // `prepare_piper_voice` exposes the durations, then adds the latent frames as the last output.
        let has_durations = acoustic.outputs().len() >= 2;
        if !has_durations {
            tracing::warn!(
                "{}: no phoneme durations output; sentence-final consonants may be swallowed (re-run `kefu models fetch`)",
                acoustic_path.display()
            );
        }
        let vocoder_inputs: Vec<&str> = vocoder.inputs().iter().map(|i| i.name()).collect();
        // A multi-speaker vocoder also reads the speaker id; the cut value is its first input.
        let latent_input = match vocoder_inputs.as_slice() {
            [latent] | [latent, "sid"] => latent.to_string(),
            _ => {
                return Err(load_err(format!(
                    "{} is not a Piper vocoder: inputs {vocoder_inputs:?}",
                    vocoder_path.display()
                )));
            }
        };
        Ok(Self {
            name: name.to_string(),
            lang,
            sample_rate,
            espeak_voice,
            espeak_data: espeak_data.to_path_buf(),
            ids,
            has_speaker_input,
            has_durations,
            scales: VitsScales::default(),
            acoustic: Mutex::new(acoustic),
            vocoder: Mutex::new(vocoder),
            latent_input,
        })
    }

    /// The same voice sampling with `scales`.
    pub fn with_scales(mut self, scales: VitsScales) -> Self {
        self.scales = scales;
        self
    }

    fn fail(&self, e: ort::Error) -> TtsError {
        TtsError::Synthesis {
            voice: self.name.clone(),
            message: e.to_string(),
        }
    }

    /// Runs the acoustic part: the latent frames to vocode (only those of `ids.spoken` when there is a
    /// lookahead, by the model's durations) plus any lookahead frames, which serve as the vocoder's context.
    fn latent(&self, ids: PhonemeIds, speed: f32) -> Result<Latent, TtsError> {
        let fail = |e| self.fail(e);
        let PhonemeIds { ids, spoken, .. } = ids;
        let n = ids.len();
        let length = self.scales.length / speed;
        let input = Tensor::from_array(([1usize, n], ids)).map_err(fail)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(fail)?;
        let scales = Tensor::from_array((
            [3usize],
            vec![self.scales.noise, length, self.scales.noise_w],
        ))
        .map_err(fail)?;
        let mut session = self.acoustic.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = if self.has_speaker_input {
            let speaker = Tensor::from_array(([1usize], vec![0i64])).map_err(fail)?;
            session.run(ort::inputs![
                "input" => input, "input_lengths" => lengths, "scales" => scales, "sid" => speaker
            ])
        } else {
            session.run(ort::inputs![
                "input" => input, "input_lengths" => lengths, "scales" => scales
            ])
        }
        .map_err(fail)?;
        let (shape, values) = outputs[outputs.len() - 1]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let (channels, frames) = match **shape {
            [1, c, t] if c > 0 => (c as usize, t as usize),
            ref other => {
                return Err(TtsError::Synthesis {
                    voice: self.name.clone(),
                    message: format!(
                        "latent frames of shape {other:?}, expected [1, channels, frames]"
                    ),
                });
            }
        };
        let mut spoken_frames = frames;
        if self.has_durations && spoken < n {
            let (_, durations) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
            let kept: f32 = durations.iter().take(spoken).sum();
            spoken_frames = (kept.max(0.0).round() as usize).min(frames);
        }
        Ok(Latent {
            values: values.to_vec(),
            channels,
            frames,
            spoken_frames,
        })
    }

    /// Vocodes the latent frames `range` with up to [`VOCODER_CONTEXT`] frames on each side, returning only the
    /// audio of `range`.
    fn vocode(&self, latent: &Latent, range: Range<usize>) -> Result<Vec<f32>, TtsError> {
        let fail = |e| self.fail(e);
        let lo = range.start.saturating_sub(VOCODER_CONTEXT);
        let hi = (range.end + VOCODER_CONTEXT).min(latent.frames);
        let slice: Vec<f32> = (0..latent.channels)
            .flat_map(|c| {
                let row = c * latent.frames;
                latent.values[row + lo..row + hi].iter().copied()
            })
            .collect();
        let input =
            Tensor::from_array(([1usize, latent.channels, hi - lo], slice)).map_err(fail)?;
        let mut session = self.vocoder.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = if self.has_speaker_input {
            let speaker = Tensor::from_array(([1usize], vec![0i64])).map_err(fail)?;
            session.run(ort::inputs![self.latent_input.as_str() => input, "sid" => speaker])
        } else {
            session.run(ort::inputs![self.latent_input.as_str() => input])
        }
        .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        // Samples per frame is the model's hop length; dividing avoids assuming it.
        let hop = audio.len() / (hi - lo);
        let start = (range.start - lo) * hop;
        Ok(audio[start..start + range.len() * hop].to_vec())
    }

    /// Synthesises `sentence`, vocoding it in slices growing from [`FIRST_SLICE`] frames when `stream` (else
    /// in one run) and handing each slice's audio to `emit` (with `done` on the last) until it returns false.
    fn render(
        &self,
        sentence: &str,
        speed: f32,
        stream: bool,
        emit: &mut dyn FnMut(Vec<f32>, bool) -> bool,
    ) -> Result<(), TtsError> {
        let clauses = espeak::ipa_clauses(&self.espeak_data, &self.espeak_voice, sentence)?;
        let ids = self.ids.utterance(&clauses, self.has_durations);
        if !ids.unknown.is_empty() {
            tracing::warn!(voice = %self.name, unknown = ?ids.unknown, "skipped phonemes the voice does not know");
        }
        if ids.ids.is_empty() {
            emit(Vec::new(), true);
            return Ok(());
        }
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        let latent = self.latent(ids, speed)?;
        let total = latent.spoken_frames;
        if total == 0 {
            emit(Vec::new(), true);
            return Ok(());
        }
        let (mut start, mut size) = (0, if stream { FIRST_SLICE } else { total });
        loop {
            let end = (start + size.max(1)).min(total);
            let done = end == total;
            if !emit(self.vocode(&latent, start..end)?, done) || done {
                return Ok(());
            }
            start = end;
            size *= 2;
        }
    }
}

/// A sentence's latent frames (`[1, channels, frames]`, row-major) and how many of them are its own.
struct Latent {
    values: Vec<f32>,
    channels: usize,
    frames: usize,
    spoken_frames: usize,
}

impl Voice for PiperVoice {
    fn name(&self) -> &str {
        &self.name
    }

    fn lang(&self) -> Lang {
        self.lang
    }

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn synthesize(&self, sentence: &str, speed: f32) -> Result<Vec<f32>, TtsError> {
        let mut audio = Vec::new();
        self.render(sentence, speed, false, &mut |samples, _| {
            audio.extend(samples);
            true
        })?;
        Ok(audio)
    }

    fn synthesize_pieces(
        &self,
        sentence: &str,
        speed: f32,
        emit: &mut dyn FnMut(Vec<f32>, bool) -> bool,
    ) -> Result<(), TtsError> {
        self.render(sentence, speed, true, emit)
    }
}
