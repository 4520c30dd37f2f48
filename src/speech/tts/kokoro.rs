//! Kokoro-82M (ONNX, made at fetch time from the int8 release: float32, with the vocoder's residual
//! convolutions in calibrated static int8; 24 kHz) speaking Mandarin,
//! on the process's one ONNX Runtime.
//!
//! Text goes through kefu's Mandarin front end ([`super::mandarin`]) to Kokoro v1.0's Mandarin IPA; symbols
//! the model's `vocab.json` lacks are skipped. Inputs: `tokens` `[[0, ids…, 0]]`, `style` = the voice's style
//! row for the token count, `speed`. English words inside Chinese text are phonemized by espeak-ng.
//!
//! Kokoro's Mandarin styles (`zf_*`, `zm_*`) come from npm (model `kokoro-zh`); the Japanese styles shipped
//! with the model speak Mandarin with an accent whose tones are heard better a little slower
//! ([`KokoroVoice::with_pace`]).
//!
//! Speed: the vocoder's convolutions take ~80% of the time, and the cost follows the length of the audio the
//! model generates: about 0.5 CPU-seconds per second of it on one AVX-512 core (all float32: 0.75). A third of
//! it is the 12 float convolutions of the harmonic source (`noise_res`), which int8 would make 4x cheaper but
//! which carry the pitch: in int8 they cost Whisper 1–7 points of Mandarin accuracy, with or without
//! per-channel equalisation of their activations (SmoothQuant-style) and calibrated on either voice family.
//! Each inference also generates ~0.5 s of silence before the speech and ~1 s after it (the leading pad and the
//! last tone mark get 19 and 29 frames of 25 ms; trimmed here), so short pieces pay for it. Two ways around it
//! were measured and dropped: capping the predicted durations (at 6 frames: 68% accuracy; the first and last
//! syllables are swallowed); cutting the model after its text side and vocoding only the frames that hold
//! speech saves 30% but costs Whisper 4–7 points, because the decoder's instance norms take their statistics
//! over every frame, silence included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use super::{TtsError, Voice, espeak, mandarin};
use crate::lang::Lang;
use crate::models::kokoro_voice::{STYLE_DIM, voice_file};
use crate::speech::onnx;

/// Kokoro's output rate.
pub const SAMPLE_RATE: u32 = 24_000;
/// Most phoneme tokens per inference (the model's context is 512 including the two pads).
const MAX_TOKENS: usize = 510;
/// Samples below this magnitude at either end are silence to trim.
const SILENCE: f32 = 0.01;

/// espeak-ng's English IPA → Kokoro's English symbols (diphthongs and affricates are single symbols).
const ENGLISH_SYMBOLS: [(&str, &str); 8] = [
    ("eɪ", "A"),
    ("aɪ", "I"),
    ("aʊ", "W"),
    ("ɔɪ", "Y"),
    ("oʊ", "O"),
    ("dʒ", "ʤ"),
    ("tʃ", "ʧ"),
    ("ɝ", "ɜɹ"),
];

/// The style used when the configured one is missing: a Japanese style shipped with the model itself.
pub const FALLBACK_STYLE: &str = "jm_kumo";

/// The Kokoro voice: one model, one voice style (or the average of several, `jf_nezumi+jm_kumo`).
pub struct KokoroVoice {
    name: String,
    vocab: HashMap<char, i64>,
    /// Style rows of 256, one per token count.
    style: Vec<f32>,
    espeak_data: PathBuf,
    /// Multiplies the engine's speed (Kokoro's `speed` input; below 1 is slower).
    pace: f32,
    session: Mutex<Session>,
}

impl KokoroVoice {
    /// Loads the model in `dir` (`kefu models fetch kokoro`) with the voice style `voice` (`jm_kumo`, or styles
    /// joined by `+` to average them). `espeak_data` phonemizes English words.
    pub fn load(
        dir: &Path,
        voice: &str,
        espeak_data: &Path,
        threads: usize,
    ) -> Result<Self, TtsError> {
        let name = format!("kokoro:{voice}");
        let model = dir.join("model.onnx");
        let vocab_path = dir.join("vocab.json");
        let styles: Vec<PathBuf> = voice
            .split('+')
            .map(|v| voice_file(dir, v.trim()))
            .collect();
        for path in [&model, &vocab_path].into_iter().chain(&styles) {
            if !path.is_file() {
                return Err(TtsError::MissingModel {
                    voice: name.clone(),
                    path: path.clone(),
                });
            }
        }
        let load_err = |message: String| TtsError::Load {
            voice: name.clone(),
            message,
        };
        let vocab = read_vocab(&vocab_path).map_err(&load_err)?;
        let style = average_styles(&styles).map_err(&load_err)?;
        let env = onnx::environment().map_err(|e| load_err(e.to_string()))?;
        let session = onnx::voice_session(env, threads)
            .and_then(|b| {
                b.with_optimization_level(GraphOptimizationLevel::All)
                    .map_err(Into::into)
            })
            .and_then(|mut b| b.commit_from_file(&model))
            .map_err(|e| load_err(format!("{}: {e}", model.display())))?;
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        if !["tokens", "style", "speed"]
            .iter()
            .all(|n| inputs.contains(n))
        {
            return Err(load_err(format!(
                "{} is not a Kokoro model: inputs {inputs:?}, expected tokens, style, speed",
                model.display()
            )));
        }
        Ok(Self {
            name,
            vocab,
            style,
            espeak_data: espeak_data.to_path_buf(),
            pace: 1.0,
            session: Mutex::new(session),
        })
    }

    /// Sets the voice's pace: Kokoro's `speed` is the engine's speed times `pace` (ignored unless positive).
    pub fn with_pace(mut self, pace: f32) -> Self {
        if pace.is_finite() && pace > 0.0 {
            self.pace = pace;
        }
        self
    }

    /// The Kokoro IPA for `text` (for inspection; [`Voice::synthesize`] speaks it).
    pub fn phonemes(&self, text: &str) -> String {
        mandarin::phonemize(text, &|word| self.english(word))
    }

    fn english(&self, word: &str) -> String {
        match espeak::ipa_clauses(&self.espeak_data, "en-us", word) {
            Ok(clauses) => {
                let mut ipa = clauses
                    .iter()
                    .map(|c| c.phonemes.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                for (from, to) in ENGLISH_SYMBOLS {
                    ipa = ipa.replace(from, to);
                }
                ipa
            }
            Err(e) => {
                tracing::warn!(word, error = %e, "cannot phonemize an English word; it is skipped");
                String::new()
            }
        }
    }

    fn infer(&self, ids: &[i64], speed: f32) -> Result<Vec<f32>, TtsError> {
        let fail = |e: ort::Error| TtsError::Synthesis {
            voice: self.name.clone(),
            message: e.to_string(),
        };
        let (tokens, style, speed) = model_inputs(ids, &self.style, speed).map_err(fail)?;
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = session
            .run(ort::inputs!["tokens" => tokens, "style" => style, "speed" => speed])
            .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(audio.to_vec())
    }
}

/// The model's inputs: `tokens`, `style`, `speed`.
pub(crate) type ModelInputs = (Tensor<i64>, Tensor<f32>, Tensor<f32>);

/// The model's inputs for the phoneme ids `ids` (without the pads) spoken in `style` (rows of 256, one per
/// token count) at `speed`.
pub(crate) fn model_inputs(
    ids: &[i64],
    style: &[f32],
    speed: f32,
) -> Result<ModelInputs, ort::Error> {
    let rows = style.len() / STYLE_DIM;
    let row = ids.len().clamp(1, rows.max(1)) - 1;
    let style = style
        .get(row * STYLE_DIM..(row + 1) * STYLE_DIM)
        .unwrap_or(&[0.0; STYLE_DIM])
        .to_vec();
    let mut tokens = Vec::with_capacity(ids.len() + 2);
    tokens.push(0);
    tokens.extend_from_slice(ids);
    tokens.push(0);
    let n = tokens.len();
    Ok((
        Tensor::from_array(([1usize, n], tokens))?,
        Tensor::from_array(([1usize, STYLE_DIM], style))?,
        Tensor::from_array(([1usize], vec![speed]))?,
    ))
}

/// Reads `vocab.json`'s `vocab` object: phoneme symbol → token id.
pub(crate) fn read_vocab(path: &Path) -> Result<HashMap<char, i64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let map = json["vocab"]
        .as_object()
        .ok_or_else(|| format!("{}: no \"vocab\" object", path.display()))?;
    let mut vocab = HashMap::with_capacity(map.len());
    for (symbol, id) in map {
        let mut chars = symbol.chars();
        if let (Some(c), None, Some(id)) = (chars.next(), chars.next(), id.as_i64()) {
            vocab.insert(c, id);
        }
    }
    if vocab.is_empty() {
        return Err(format!("{}: the vocabulary is empty", path.display()));
    }
    Ok(vocab)
}

/// Reads `voices/<name>.f32` files (raw f32 rows of 256) and averages them row by row.
pub(crate) fn average_styles(paths: &[PathBuf]) -> Result<Vec<f32>, String> {
    let mut sum: Vec<f32> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.is_empty() || bytes.len() % (4 * STYLE_DIM) != 0 {
            return Err(format!(
                "{} is not a voice style file ({} bytes): run `kefu models fetch kokoro`",
                path.display(),
                bytes.len()
            ));
        }
        let values = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if sum.is_empty() {
            sum = values.collect();
        } else if sum.len() * 4 == bytes.len() {
            sum.iter_mut().zip(values).for_each(|(s, v)| *s += v);
        } else {
            return Err(format!(
                "{} differs in size from the other styles",
                path.display()
            ));
        }
    }
    let n = paths.len().max(1) as f32;
    Ok(sum.into_iter().map(|v| v / n).collect())
}

/// Cuts `phonemes` into pieces of at most [`MAX_TOKENS`] symbols, at spaces.
fn chunks(ids: &[(char, i64)]) -> Vec<Vec<i64>> {
    let mut out: Vec<Vec<i64>> = Vec::new();
    let mut current: Vec<i64> = Vec::new();
    let mut word: Vec<i64> = Vec::new();
    for &(c, id) in ids {
        word.push(id);
        if c == ' ' {
            if current.len() + word.len() > MAX_TOKENS && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.append(&mut word);
        }
    }
    if current.len() + word.len() > MAX_TOKENS && !current.is_empty() {
        out.push(std::mem::take(&mut current));
    }
    current.append(&mut word);
    out.push(current);
    out.into_iter()
        .flat_map(|c| {
            c.chunks(MAX_TOKENS)
                .map(<[i64]>::to_vec)
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Drops near-silence at both ends, keeping a short margin (less delay before the first word).
fn trim(audio: &mut Vec<f32>) {
    let lead = SAMPLE_RATE as usize * 3 / 100;
    let tail = SAMPLE_RATE as usize / 10;
    let Some(first) = audio.iter().position(|s| s.abs() > SILENCE) else {
        return;
    };
    let last = audio
        .iter()
        .rposition(|s| s.abs() > SILENCE)
        .unwrap_or(first);
    audio.truncate((last + tail).min(audio.len()));
    audio.drain(..first.saturating_sub(lead));
}

impl Voice for KokoroVoice {
    fn name(&self) -> &str {
        &self.name
    }

    fn lang(&self) -> Lang {
        Lang::Zh
    }

    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn synthesize(&self, sentence: &str, speed: f32) -> Result<Vec<f32>, TtsError> {
        let Some(text) = super::clean_sentence(sentence) else {
            return Ok(Vec::new());
        };
        let phonemes = self.phonemes(&text);
        let mut unknown = Vec::new();
        let ids: Vec<(char, i64)> = phonemes
            .chars()
            .filter_map(|c| match self.vocab.get(&c) {
                Some(&id) => Some((c, id)),
                None => {
                    unknown.push(c);
                    None
                }
            })
            .collect();
        if !unknown.is_empty() {
            tracing::warn!(voice = %self.name, ?unknown, "skipped symbols the model does not know");
        }
        let speed = if speed.is_finite() && speed > 0.0 {
            speed * self.pace
        } else {
            self.pace
        };
        let mut audio = Vec::new();
        for chunk in chunks(&ids) {
            audio.extend(self.infer(&chunk, speed)?);
        }
        trim(&mut audio);
        Ok(audio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inputs_are_cut_at_spaces() {
        let word: Vec<(char, i64)> = "abc ".chars().map(|c| (c, 1)).collect();
        let ids: Vec<(char, i64)> = word.iter().copied().cycle().take(4 * 300).collect();
        let pieces = chunks(&ids);
        assert_eq!(pieces.len(), 3);
        assert!(
            pieces
                .iter()
                .all(|p| p.len() <= MAX_TOKENS && p.len() % 4 == 0)
        );
        assert_eq!(pieces.iter().map(Vec::len).sum::<usize>(), 1200);
    }

    #[test]
    fn silence_is_trimmed_with_margins() {
        let mut audio = vec![0.0; 24_000];
        audio.extend(vec![0.5; 2400]);
        audio.extend(vec![0.0; 24_000]);
        trim(&mut audio);
        assert_eq!(audio.len(), 720 + 2400 + 2399);
    }
}
