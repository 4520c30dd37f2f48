//! Silero VAD on real speech (Debian pocketsphinx-testdata LibriVox clips), silence and noise.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kefu::config::Config;
use kefu::speech::vad::{self, Vad, VadError, VadModel};

const LIBRIVOX: &str = "/usr/share/pocketsphinx/test/data/librivox";

fn model() -> Arc<VadModel> {
    let path = vad::model_path(&Config::load(None).unwrap().models.dir);
    assert!(
        path.is_file(),
        "{} missing: run: kefu models fetch",
        path.display()
    );
    Arc::new(VadModel::load_with_sessions(&path, 2).unwrap())
}

/// Samples of a 16 kHz mono 16-bit WAV (the LibriVox clips): the `data` chunk, little-endian.
fn read_clip(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (apt-get install pocketsphinx-testdata)",
            path.display()
        )
    });
    assert_eq!(
        u32::from_le_bytes(bytes[24..28].try_into().unwrap()),
        16_000
    );
    let data = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    bytes[data..]
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

fn clips() -> Vec<PathBuf> {
    let mut clips: Vec<PathBuf> = std::fs::read_dir(LIBRIVOX)
        .expect("pocketsphinx-testdata missing: apt-get install pocketsphinx-testdata")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    clips.sort();
    assert_eq!(clips.len(), 5);
    clips
}

/// Deterministic white noise in [-amplitude, amplitude].
fn white_noise(len: usize, amplitude: f32) -> Vec<f32> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

#[test]
fn speech_scores_high_and_silence_and_noise_low() {
    let model = model();
    for clip in clips() {
        let samples = read_clip(&clip);
        let p = Vad::new(Arc::clone(&model)).push(&samples).unwrap();
        assert_eq!(p.len(), samples.len() / vad::WINDOW);
        let speech = p.iter().filter(|&&p| p > 0.5).count() as f32 / p.len() as f32;
        // Read speech with short pauses: most windows are speech.
        assert!(
            speech > 0.6,
            "{}: only {:.0}% speech windows",
            clip.display(),
            speech * 100.0
        );
        assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    let silence = Vad::new(Arc::clone(&model))
        .push(&vec![0.0; 16_000 * 2])
        .unwrap();
    assert!(silence.iter().all(|&p| p < 0.1), "silence: {silence:?}");
    let noise = Vad::new(Arc::clone(&model))
        .push(&white_noise(16_000 * 2, 0.1))
        .unwrap();
    assert!(noise.iter().all(|&p| p < 0.5), "white noise: {noise:?}");
}

#[test]
fn silence_before_speech_scores_low_then_high() {
    let model = model();
    let clip = read_clip(&clips()[1]);
    let mut audio = vec![0.0; 16_000];
    audio.extend(&clip);
    let p = Vad::new(model).push(&audio).unwrap();
    let lead = 16_000 / vad::WINDOW;
    assert!(p[..lead - 1].iter().all(|&p| p < 0.1), "{:?}", &p[..lead]);
    assert!(p[lead..].iter().any(|&p| p > 0.9));
}

#[test]
fn results_are_deterministic_and_independent_of_chunking() {
    let model = model();
    let samples = read_clip(&clips()[0]);
    let whole = Vad::new(Arc::clone(&model)).push(&samples).unwrap();
    let mut chunked = Vad::new(Arc::clone(&model));
    let mut pieces = Vec::new();
    // 320-sample frames (20 ms), as doors deliver them: windows complete across frame boundaries.
    for frame in samples.chunks(320) {
        pieces.extend(chunked.push(frame).unwrap());
    }
    assert_eq!(whole, pieces);
    chunked.reset();
    assert_eq!(chunked.push(&samples).unwrap(), whole);
}

#[test]
fn short_pushes_wait_for_a_full_window() {
    let mut vad = Vad::new(model());
    assert!(vad.push(&[0.0; vad::WINDOW - 1]).unwrap().is_empty());
    assert_eq!(vad.push(&[0.0; 2]).unwrap().len(), 1);
    assert!(vad.push(&[f32::NAN; vad::WINDOW]).unwrap()[0].is_finite());
}

#[test]
fn missing_model_names_the_model_and_the_fix() {
    let err = VadModel::load(Path::new("/nonexistent/silero-vad/silero_vad.onnx"))
        .err()
        .unwrap();
    assert!(matches!(err, VadError::MissingModel { .. }));
    let text = err.to_string();
    assert!(
        text.contains("silero-vad") && text.contains("kefu models fetch"),
        "{text}"
    );
}

#[test]
fn a_file_that_is_not_onnx_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silero_vad.onnx");
    std::fs::write(&path, b"not a model").unwrap();
    let err = VadModel::load(&path).err().unwrap();
    assert!(matches!(err, VadError::Load { .. }), "{err}");
}
