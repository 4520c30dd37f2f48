//! Piper neural voices (VITS), run on the process's one ONNX Runtime, phonemized by espeak-ng in-process.
//!
//! kefu does Piper's text → id step itself ([`super::piper_ids`]) rather than through sherpa-onnx: it synthesises
//! each sentence with a lookahead and cuts the audio at the model's alignment (the per-phoneme durations that
//! `kefu models fetch` exposes as a second output), which keeps sentence-final consonants; and it can pass a
//! noise scale of exactly zero (sherpa-onnx's C API reads 0 as "use the default"), which makes output repeatable.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ort::session::Session;
use ort::value::Tensor;

use super::piper_ids::{PhonemeIdMap, PhonemeIds};
use super::{TtsError, Voice, espeak};
use crate::lang::Lang;
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
    session: Mutex<Session>,
}

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
        let model = dir.join("model.onnx");
        let config_path = dir.join("model.onnx.json");
        for path in [&model, &config_path] {
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
        let session = Session::builder(env)
            .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
            .and_then(|mut b| b.commit_from_file(&model))
            .map_err(|e| load_err(format!("{}: {e}", model.display())))?;
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        if !["input", "input_lengths", "scales"]
            .iter()
            .all(|n| inputs.contains(n))
        {
            return Err(load_err(format!(
                "{} is not a Piper voice: inputs {inputs:?}, expected input, input_lengths, scales",
                model.display()
            )));
        }
        let has_speaker_input = inputs.contains(&"sid");
        let has_durations = session.outputs().len() >= 2;
        if !has_durations {
            tracing::warn!(
                "{}: no phoneme durations output; sentence-final consonants may be swallowed (re-run `kefu models fetch`)",
                model.display()
            );
        }
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
            session: Mutex::new(session),
        })
    }

    /// The same voice sampling with `scales`.
    pub fn with_scales(mut self, scales: VitsScales) -> Self {
        self.scales = scales;
        self
    }

    /// Runs the model; with a lookahead, returns only the audio of `ids.spoken` (by the model's durations).
    fn infer(&self, ids: PhonemeIds, speed: f32) -> Result<Vec<f32>, TtsError> {
        let fail = |e: ort::Error| TtsError::Synthesis {
            voice: self.name.clone(),
            message: e.to_string(),
        };
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
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
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
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let mut audio = audio.to_vec();
        if self.has_durations && spoken < n {
            let (_, frames) = outputs[1].try_extract_tensor::<f32>().map_err(fail)?;
            let total: f32 = frames.iter().sum();
            let kept: f32 = frames.iter().take(spoken).sum();
            if total > 0.0 {
                // Samples per frame is the model's hop length; the ratio avoids assuming it.
                let end =
                    (audio.len() as f64 * f64::from(kept) / f64::from(total)).round() as usize;
                audio.truncate(end);
            }
        }
        Ok(audio)
    }
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
        let clauses = espeak::ipa_clauses(&self.espeak_data, &self.espeak_voice, sentence)?;
        let ids = self.ids.utterance(&clauses, self.has_durations);
        if !ids.unknown.is_empty() {
            tracing::warn!(voice = %self.name, unknown = ?ids.unknown, "skipped phonemes the voice does not know");
        }
        if ids.ids.is_empty() {
            return Ok(Vec::new());
        }
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        self.infer(ids, speed)
    }
}
