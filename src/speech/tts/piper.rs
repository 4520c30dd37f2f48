//! Piper neural voices (VITS) through sherpa-onnx, phonemized by espeak-ng inside sherpa-onnx.

use std::path::{Path, PathBuf};

use sherpa_onnx::{
    GenerationConfig, OfflineTts, OfflineTtsConfig, OfflineTtsModelConfig,
    OfflineTtsVitsModelConfig,
};

use super::{TtsError, Voice};
use crate::lang::Lang;
use crate::models::piper_voice::{self, REQUIRED_METADATA};

/// A Piper voice prepared by `kefu models fetch` (see [`crate::models::piper_voice`]).
pub struct PiperVoice {
    name: String,
    lang: Lang,
    sample_rate: u32,
    tts: OfflineTts,
}

impl PiperVoice {
    /// Loads the voice in `dir` (`model.onnx`, `tokens.txt`, optional `model.onnx.json`), using the espeak-ng data
    /// folder `espeak_data` to phonemize. Every file is checked first: sherpa-onnx aborts or crashes on bad ones.
    pub fn load(
        name: &str,
        lang: Lang,
        dir: &Path,
        espeak_data: &Path,
        threads: usize,
    ) -> Result<Self, TtsError> {
        let model = dir.join("model.onnx");
        let tokens = dir.join("tokens.txt");
        for path in [&model, &tokens] {
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
        let metadata = piper_voice::read_metadata(&model).map_err(|e| load_err(e.to_string()))?;
        if let Some(missing) = REQUIRED_METADATA
            .iter()
            .find(|key| !metadata.contains_key(**key))
        {
            return Err(load_err(format!(
                "{} lacks the sherpa-onnx metadata {missing:?}: re-run `kefu models fetch`",
                model.display()
            )));
        }
        let scales = InferenceScales::from_json(&dir.join("model.onnx.json"));
        let config = OfflineTtsConfig {
            model: OfflineTtsModelConfig {
                vits: OfflineTtsVitsModelConfig {
                    model: Some(path_string(&model)?),
                    tokens: Some(path_string(&tokens)?),
                    data_dir: Some(path_string(espeak_data)?),
                    noise_scale: scales.noise,
                    noise_scale_w: scales.noise_w,
                    length_scale: scales.length,
                    ..Default::default()
                },
                num_threads: i32::try_from(threads.max(1)).unwrap_or(1),
                debug: false,
                provider: Some("cpu".into()),
                ..Default::default()
            },
            max_num_sentences: 1,
            ..Default::default()
        };
        let tts = OfflineTts::create(&config).ok_or_else(|| {
            load_err(format!(
                "sherpa-onnx could not load {} (see its log above)",
                model.display()
            ))
        })?;
        let sample_rate = u32::try_from(tts.sample_rate())
            .ok()
            .filter(|&r| r > 0)
            .ok_or_else(|| load_err(format!("invalid sample rate {}", tts.sample_rate())))?;
        Ok(Self {
            name: name.to_string(),
            lang,
            sample_rate,
            tts,
        })
    }
}

/// VITS sampling scales from the voice's JSON (`inference`), with Piper's defaults.
struct InferenceScales {
    noise: f32,
    noise_w: f32,
    length: f32,
}

impl InferenceScales {
    fn from_json(path: &Path) -> Self {
        let json: serde_json::Value = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let get = |key: &str, default: f32| {
            json["inference"][key]
                .as_f64()
                .map_or(default, |v| v as f32)
        };
        Self {
            noise: get("noise_scale", 0.667),
            noise_w: get("noise_w", 0.8),
            length: get("length_scale", 1.0),
        }
    }
}

fn path_string(path: &Path) -> Result<String, TtsError> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| TtsError::NonUtf8Path {
            path: PathBuf::from(path),
        })
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
        let Some(text) = super::clean_sentence(sentence) else {
            return Ok(Vec::new());
        };
        let generation = GenerationConfig {
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            ..Default::default()
        };
        let audio = self
            .tts
            .generate_with_config(&text, &generation, None::<fn(&[f32], f32) -> bool>)
            .ok_or_else(|| TtsError::Synthesis {
                voice: self.name.clone(),
                message: format!("sherpa-onnx produced no audio for {text:?}"),
            })?;
        Ok(audio.samples().to_vec())
    }
}
