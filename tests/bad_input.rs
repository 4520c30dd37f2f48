//! Bad input through the real `kefu` binary: each case must end with a clear message on stderr naming the
//! problem, a non-zero exit status, and no panic.

use std::path::Path;
use std::process::{Command, Output};

use kefu::audio::{Pcm, wav};

fn kefu(args: &[&str], file: &Path, models_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .arg(file)
        .env("KEFU_MODELS_DIR", models_dir)
        .env("KEFU_LOG", "warn")
        .output()
        .expect("spawn kefu")
}

/// Asserts a clean failure and returns stderr.
fn fails_cleanly(out: &Output, case: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{case}: kefu exited with success");
    assert!(
        !stderr.contains("panicked"),
        "{case}: kefu panicked:\n{stderr}"
    );
    assert!(
        out.status.code().is_some(),
        "{case}: kefu was killed by a signal:\n{stderr}"
    );
    stderr
}

fn speech_like_wav(dir: &Path) -> std::path::PathBuf {
    let samples = (0..16_000).map(|i| 0.3 * (i as f32 * 0.07).sin()).collect();
    let path = dir.join("tone.wav");
    wav::write(
        &path,
        &Pcm {
            samples,
            sample_rate: 16_000,
        },
    )
    .unwrap();
    path
}

/// A 44-byte canonical header with the given format tag and bits, then `data_len` bytes of data.
fn wav_with_format(tag: u16, bits: u16, data_len: usize) -> Vec<u8> {
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&32_000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data_len as u32).to_le_bytes());
    b.resize(b.len() + data_len, 0);
    b
}

#[test]
fn truncated_wav() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(speech_like_wav(dir.path())).unwrap();
    let cut = dir.path().join("cut.wav");
    std::fs::write(&cut, &good[..good.len() / 2]).unwrap();
    let err = fails_cleanly(&kefu(&["transcribe"], &cut, dir.path()), "truncated");
    assert!(err.contains("cut.wav"), "{err}");
    assert!(err.contains("truncated WAV"), "{err}");
    assert!(err.contains("needs 32000 bytes but only"), "{err}");
    // Cut inside the header too.
    std::fs::write(&cut, &good[..30]).unwrap();
    let err = fails_cleanly(&kefu(&["transcribe"], &cut, dir.path()), "short header");
    assert!(err.contains("truncated WAV"), "{err}");
}

#[test]
fn text_file_named_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.wav");
    std::fs::write(&path, "order #1234: 2 x blue mug\n").unwrap();
    let err = fails_cleanly(&kefu(&["transcribe"], &path, dir.path()), "text file");
    assert!(err.contains("order.wav"), "{err}");
    assert!(err.contains("not a WAV file"), "{err}");
    assert!(err.contains("text starting with"), "{err}");
}

#[test]
fn unsupported_sample_formats() {
    let dir = tempfile::tempdir().unwrap();
    let mp3 = dir.path().join("mpeg.wav");
    std::fs::write(&mp3, wav_with_format(0x0055, 0, 64)).unwrap();
    let err = fails_cleanly(&kefu(&["transcribe"], &mp3, dir.path()), "MPEG");
    assert!(
        err.contains("WAV format 0x0055 (MPEG) is not supported"),
        "{err}"
    );
    assert!(err.contains("supported: PCM"), "{err}");

    let twelve = dir.path().join("twelve.wav");
    std::fs::write(&twelve, wav_with_format(0x0001, 12, 64)).unwrap();
    let err = fails_cleanly(&kefu(&["transcribe"], &twelve, dir.path()), "12-bit");
    assert!(err.contains("12-bit samples"), "{err}");
}

#[test]
fn missing_audio_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.wav");
    let err = fails_cleanly(&kefu(&["transcribe"], &path, dir.path()), "missing file");
    assert!(err.contains("nowhere.wav"), "{err}");
}

#[test]
fn missing_model_says_how_to_fetch_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty_models = tempfile::tempdir().unwrap();
    let clip = speech_like_wav(dir.path());
    let err = fails_cleanly(
        &kefu(
            &["transcribe", "--model", "base"],
            &clip,
            empty_models.path(),
        ),
        "missing model",
    );
    assert!(err.contains("kefu models fetch"), "{err}");
    let err = fails_cleanly(
        &kefu(
            &["bench", "asr", "--no-reference", "--runs", "1", "--clip"],
            &clip,
            empty_models.path(),
        ),
        "bench without models",
    );
    assert!(err.contains("kefu models fetch"), "{err}");
}
