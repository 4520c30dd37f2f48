//! Whisper ASR on real models (converted by `kefu models fetch`) and real recordings.
//!
//! Needs the fetched models (`$KEFU_MODELS_DIR` or `./models`) and Debian's `pocketsphinx-testdata` and
//! `espeak-ng`; without them these tests fail and say what to install.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kefu::config::{AsrConfig, Config};
use kefu::lang::Lang;
use kefu::speech::asr::{AsrEngine, AsrError, AsrOptions, LanguageChoice, SAMPLE_RATE};

const LIBRIVOX: &str = "/usr/share/pocketsphinx/test/data/librivox";

fn models_dir() -> PathBuf {
    let config = Config::load(None).expect("config");
    let dir = config.models.dir;
    for model in ["whisper-base", "whisper-tiny.en"] {
        assert!(
            dir.join(model).join("ggml-model.bin").is_file(),
            "{model} not found in {}: run: kefu models fetch",
            dir.display()
        );
    }
    dir
}

fn engine(model: &str, workers: usize) -> AsrEngine {
    let cfg = AsrConfig {
        model: model.into(),
        workers,
        ..AsrConfig::default()
    };
    AsrEngine::load(&models_dir(), &cfg).unwrap_or_else(|e| panic!("{e}"))
}

/// One base engine for the whole file: loading is the slow part, and sharing it is the point of the pool.
fn base() -> &'static AsrEngine {
    static BASE: OnceLock<AsrEngine> = OnceLock::new();
    BASE.get_or_init(|| engine("base", 2))
}

/// A LibriVox clip (16 kHz mono) and its reference words.
fn librivox(id: &str) -> (Vec<f32>, String) {
    let path = Path::new(LIBRIVOX).join(format!("sense_and_sensibility_01_austen_64kb-{id}.wav"));
    assert!(
        path.is_file(),
        "{} missing: install the Debian package pocketsphinx-testdata (scripts/setup.sh)",
        path.display()
    );
    let pcm = kefu::audio::wav::read(&path).unwrap();
    assert_eq!(pcm.sample_rate, SAMPLE_RATE);
    let transcription = std::fs::read_to_string(Path::new(LIBRIVOX).join("transcription")).unwrap();
    let line = transcription
        .lines()
        .find(|l| l.contains(id))
        .unwrap_or_else(|| panic!("no reference for {id}"));
    let words = line
        .replace("<s>", "")
        .replace("</s>", "")
        .split('(')
        .next()
        .unwrap()
        .trim()
        .to_string();
    (pcm.samples, words)
}

/// Lower-case words without punctuation; hyphenated words split ("ill-disposed" → "ill disposed").
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Reference words missing from the hypothesis.
fn missing_words(reference: &str, hypothesis: &str) -> Vec<String> {
    let hyp = words(hypothesis);
    words(reference)
        .into_iter()
        .filter(|w| !hyp.contains(w))
        .collect()
}

fn english() -> AsrOptions {
    AsrOptions {
        language: LanguageChoice::Fixed(Lang::En),
        prompt: None,
        digits: false,
    }
}

#[test]
fn base_transcribes_real_english_speech() {
    for id in ["0930", "0870"] {
        let (samples, reference) = librivox(id);
        let t = base().transcribe(&samples, &english()).unwrap();
        assert_eq!(t.lang, Lang::En);
        let missing = missing_words(&reference, &t.text);
        assert!(
            missing.len() <= 1,
            "{id}: {:?} vs {reference:?}: missing {missing:?}",
            t.text
        );
        assert!((t.audio_secs - samples.len() as f32 / 16_000.0).abs() < 1e-3);
        assert!(t.avg_logprob < 0.0 && t.avg_logprob > -1.5, "{t:?}");
        assert!(t.no_speech_prob < 0.5, "{t:?}");
        assert!(
            t.audio_ctx < 1500,
            "a short clip gets a fitted context: {t:?}"
        );
    }
}

#[test]
fn auto_language_detects_english_and_mandarin() {
    let (samples, reference) = librivox("0930");
    let t = base().transcribe(&samples, &AsrOptions::default()).unwrap();
    assert_eq!(t.lang, Lang::En, "{t:?}");
    assert!(missing_words(&reference, &t.text).len() <= 1, "{t:?}");

    // espeak-ng's Mandarin is robotic and poorly recognised: check the language, and that the text is Chinese.
    let zh = espeak_16k(
        "cmn-latn-pinyin",
        "你好，我想查询一下我的订单，什么时候能到？",
    );
    let t = base().transcribe(&zh, &AsrOptions::default()).unwrap();
    assert_eq!(t.lang, Lang::Zh, "{t:?}");
    assert!(t.text.chars().any(kefu::lang::is_cjk), "{t:?}");
}

#[test]
fn full_window_gives_the_same_words() {
    let cfg = AsrConfig {
        model: "tiny.en".into(),
        fit_audio_context: false,
        ..AsrConfig::default()
    };
    let engine = AsrEngine::load(&models_dir(), &cfg).unwrap();
    let (samples, reference) = librivox("0930");
    let t = engine.transcribe(&samples, &english()).unwrap();
    assert_eq!(t.audio_ctx, 1500);
    assert!(!t.retried);
    assert!(missing_words(&reference, &t.text).is_empty(), "{t:?}");
}

#[test]
fn english_only_model_refuses_mandarin() {
    let engine = engine("tiny.en", 1);
    assert!(!engine.is_multilingual());
    let (samples, _) = librivox("0930");
    let opts = AsrOptions {
        language: LanguageChoice::Fixed(Lang::Zh),
        prompt: None,
        digits: false,
    };
    let err = engine.transcribe(&samples, &opts).unwrap_err();
    assert!(matches!(err, AsrError::EnglishOnly { .. }), "{err}");
    assert!(err.to_string().contains("asr.model = \"base\""), "{err}");
}

#[test]
fn noise_and_silence_give_no_words() {
    // White noise at -26 dBFS, and digital silence: Whisper tends to invent "you" or a sentence for these.
    let mut seed = 12345u32;
    let noise: Vec<f32> = (0..32_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 * 0.1 - 0.05
        })
        .collect();
    for (name, samples) in [("noise", noise), ("silence", vec![0.0; 32_000])] {
        let t = base().transcribe(&samples, &AsrOptions::default()).unwrap();
        assert_eq!(t.text, "", "{name}: {t:?}");
        assert!(t.no_speech_prob > 0.6, "{name}: {t:?}");
    }
}

#[test]
fn too_short_audio_is_an_error_not_a_panic() {
    let err = base().transcribe(&[0.0; 800], &english()).unwrap_err();
    assert!(matches!(err, AsrError::TooShort { .. }), "{err}");
}

#[test]
fn pool_serves_concurrent_requests() {
    let engine = Arc::new(engine("tiny.en", 2));
    let clips: Vec<(Vec<f32>, String)> = ["0930", "0880", "0930"]
        .iter()
        .map(|id| librivox(id))
        .collect();
    let handles: Vec<_> = clips
        .into_iter()
        .map(|(samples, reference)| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                let t = engine.transcribe(&samples, &english()).unwrap();
                (t, reference)
            })
        })
        .collect();
    for h in handles {
        let (t, reference) = h.join().unwrap();
        // tiny.en mishears "ill disposed"; the rest must come back.
        let missing = missing_words(&reference, &t.text);
        assert!(
            missing.len() <= 2,
            "{:?} vs {reference:?}: missing {missing:?}",
            t.text
        );
    }
}

#[test]
fn a_reused_state_follows_each_clip_length() {
    // One state, clips of different lengths: each call must encode its own window, not the previous one's.
    let engine = engine("tiny.en", 1);
    let (long, long_ref) = librivox("0870");
    let (short, short_ref) = librivox("0930");
    let first = engine.transcribe(&long, &english()).unwrap();
    let middle = engine.transcribe(&short, &english()).unwrap();
    let again = engine.transcribe(&long, &english()).unwrap();
    assert!(first.audio_ctx > middle.audio_ctx, "{first:?} {middle:?}");
    assert_eq!(first.text, again.text);
    assert_eq!(first.audio_ctx, again.audio_ctx);
    assert!(
        missing_words(&long_ref, &first.text).len() <= 1,
        "{first:?}"
    );
    assert!(
        missing_words(&short_ref, &middle.text).is_empty(),
        "{middle:?}"
    );
}

#[test]
fn digits_read_out_start_on_a_doubled_window_and_read_the_whole_number() {
    // The en-slow-digits caller reads order 20241234 in three groups with pauses; on the fitted window tiny.en
    // repeats the last group and needs a retry.
    let engine = engine("tiny.en", 1);
    let wav = Path::new(env!("CARGO_MANIFEST_DIR")).join("audio-fixtures/en-slow-digits.wav");
    let pcm = kefu::audio::wav::read(&wav).unwrap();
    let audio = &pcm.samples[13 * SAMPLE_RATE as usize + 11_200..19 * SAMPLE_RATE as usize + 6_400];
    let secs = audio.len() as f32 / SAMPLE_RATE as f32;
    let digits = AsrOptions {
        digits: true,
        ..english()
    };
    let read = engine.transcribe(audio, &digits).unwrap();
    assert_eq!(read.audio_ctx, engine.first_audio_ctx(secs, false) * 2);
    assert!(!read.retried, "{read:?}");
    let heard: String = read.text.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(heard, "20241234", "{read:?}");
}

#[test]
fn missing_model_error_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let err = AsrEngine::load(dir.path(), &AsrConfig::default())
        .err()
        .unwrap();
    assert!(matches!(err, AsrError::Model(_)), "{err}");
    assert!(
        err.to_string()
            .contains("run `kefu models fetch whisper-base`"),
        "{err}"
    );
}

/// Speech synthesized by espeak-ng, resampled to 16 kHz.
fn espeak_16k(voice: &str, text: &str) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("say.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng missing: run scripts/setup.sh");
    assert!(status.success());
    let pcm = kefu::audio::wav::read(&wav).unwrap();
    pcm.to_rate(SAMPLE_RATE).unwrap().samples
}
