//! Speech synthesis with the real voices: Piper (VITS on ONNX Runtime, espeak-ng phonemes) and espeak-ng.

use std::path::PathBuf;
use std::sync::Arc;

use kefu::config::{Config, TtsConfig};
use kefu::lang::Lang;
use kefu::models::piper_voice::{self, prepare_piper_voice};
use kefu::speech::tts::espeak::EspeakVoice;
use kefu::speech::tts::piper::{PiperVoice, VitsScales};
use kefu::speech::tts::{TtsEngine, TtsError, Voice, sentences};

fn config() -> Config {
    Config::load(None).unwrap()
}

fn piper_dir() -> PathBuf {
    let dir = config().models.dir.join("piper-joe");
    assert!(
        dir.join("model.onnx").is_file(),
        "{} missing: run: kefu models fetch",
        dir.display()
    );
    dir
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

fn espeak(lang: Lang) -> Arc<dyn Voice> {
    Arc::new(EspeakVoice::new(lang, &TtsConfig::default().espeak_data).unwrap())
}

#[test]
fn piper_speaks_a_sentence_of_plausible_length() {
    let cfg = config().tts;
    let voice = PiperVoice::load("piper-joe", Lang::En, &piper_dir(), &cfg.espeak_data, 1).unwrap();
    assert_eq!(voice.sample_rate(), 22_050);
    let samples = voice
        .synthesize("Your order has shipped and will arrive on Friday.", 1.0)
        .unwrap();
    let secs = samples.len() as f32 / 22_050.0;
    // Nine words at a natural pace: about 2.5 s.
    assert!((1.5..6.0).contains(&secs), "{secs} s");
    assert!(rms(&samples) > 0.02, "rms {}", rms(&samples));
    let faster = voice
        .synthesize("Your order has shipped and will arrive on Friday.", 1.5)
        .unwrap();
    assert!(
        faster.len() < samples.len() * 9 / 10,
        "speed 1.5 is not shorter"
    );
    assert!(voice.synthesize(" \0 ", 1.0).unwrap().is_empty());
}

#[test]
fn piper_gives_identical_audio_for_identical_text_by_default() {
    let espeak_data = config().tts.espeak_data;
    let voice = PiperVoice::load("piper-joe", Lang::En, &piper_dir(), &espeak_data, 1).unwrap();
    let text = "Your refund of 25 dollars was approved, and it will reach your card on Monday.";
    let first = voice.synthesize(text, 1.0).unwrap();
    assert!(rms(&first) > 0.02);
    for _ in 0..2 {
        assert!(
            voice.synthesize(text, 1.0).unwrap() == first,
            "output changed"
        );
    }
    // A voice loaded again (another process, another day) says it the same way.
    let again = PiperVoice::load("piper-joe", Lang::En, &piper_dir(), &espeak_data, 1).unwrap();
    assert!(again.synthesize(text, 1.0).unwrap() == first);

    // Sampling noise, when configured, does vary the audio.
    let noisy = again.with_scales(VitsScales {
        noise: 0.667,
        noise_w: 0.8,
        length: 1.0,
    });
    assert!(noisy.synthesize(text, 1.0).unwrap() != noisy.synthesize(text, 1.0).unwrap());
}

/// A voice's pieces of `text`, stopping after `keep` of them.
fn pieces(voice: &dyn Voice, text: &str, keep: usize) -> Vec<(Vec<f32>, bool)> {
    let mut pieces = Vec::new();
    voice
        .synthesize_pieces(text, 1.0, &mut |samples, done| {
            pieces.push((samples, done));
            pieces.len() < keep
        })
        .unwrap();
    pieces
}

#[test]
fn piper_streams_a_sentence_in_growing_pieces_that_join_into_the_whole() {
    let cfg = config().tts;
    let voice = PiperVoice::load("piper-joe", Lang::En, &piper_dir(), &cfg.espeak_data, 1).unwrap();
    let text =
        "Is this about your order two zero two four three three three three, the Apple iPhone 15?";
    let whole = voice.synthesize(text, 1.0).unwrap();
    let streamed = pieces(&voice, text, usize::MAX);
    // 24 latent frames of 256 samples first, then twice as many each time.
    let lens: Vec<usize> = streamed.iter().map(|(s, _)| s.len()).collect();
    assert!(lens.len() >= 3, "{lens:?}");
    assert_eq!(lens[..3], [24 * 256, 48 * 256, 96 * 256]);
    let done: Vec<bool> = streamed.iter().map(|(_, d)| *d).collect();
    assert_eq!(done.iter().filter(|d| **d).count(), 1);
    assert_eq!(done.last(), Some(&true));
    let joined: Vec<f32> = streamed.into_iter().flat_map(|(s, _)| s).collect();
    assert_eq!(joined.len(), whole.len());
    // Each piece is vocoded with enough context on both sides to match the sentence vocoded in one run.
    let worst = joined
        .iter()
        .zip(&whole)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-4, "streamed audio differs by up to {worst}");
    assert!(rms(&whole) > 0.02);

    // A listener that stops after the first piece gets no more.
    let stopped = pieces(&voice, text, 1);
    assert_eq!(stopped.len(), 1);
    assert!(!stopped[0].1);
}

#[test]
fn config_scales_reach_the_piper_voice() {
    let mut cfg = config();
    cfg.tts.length_scale = 1.5;
    let slow = TtsEngine::load(&cfg.models.dir, &cfg.tts).unwrap();
    let normal = TtsEngine::load(&cfg.models.dir, &config().tts).unwrap();
    let len = |engine: &TtsEngine| {
        engine
            .speak("Thanks for waiting.", Lang::En)
            .map(|c| c.unwrap().samples.len())
            .sum::<usize>()
    };
    assert!(
        len(&slow) > len(&normal) * 13 / 10,
        "length_scale 1.5 is not slower"
    );
}

#[test]
fn prepared_voice_keeps_its_metadata_once_and_loads() {
    let src = piper_dir();
    let out = tempfile::tempdir().unwrap();
    // Preparing an already prepared voice must not duplicate the metadata.
    prepare_piper_voice(
        &src.join("model.onnx"),
        &src.join("model.onnx.json"),
        out.path(),
    )
    .unwrap();
    let prepared = std::fs::read(out.path().join("model.onnx")).unwrap();
    assert_eq!(
        prepared.len() as u64,
        std::fs::metadata(src.join("model.onnx")).unwrap().len()
    );
    let meta = piper_voice::read_metadata(&out.path().join("model.onnx")).unwrap();
    for (key, value) in [
        ("comment", "piper"),
        ("model_type", "vits"),
        ("voice", "en-us"),
        ("sample_rate", "22050"),
        ("n_speakers", "1"),
    ] {
        assert_eq!(meta.get(key).map(String::as_str), Some(value), "{key}");
    }
    // The two parts the voice runs as are cut the same way every time.
    for part in [piper_voice::ACOUSTIC_FILE, piper_voice::VOCODER_FILE] {
        assert_eq!(
            std::fs::read(out.path().join(part)).unwrap(),
            std::fs::read(src.join(part)).unwrap(),
            "{part}"
        );
    }
    let tokens = std::fs::read_to_string(out.path().join("tokens.txt")).unwrap();
    assert!(tokens.lines().any(|l| l == "  3"), "space symbol line");
    assert_eq!(tokens.lines().count(), 151);
    let voice = PiperVoice::load(
        "piper-joe",
        Lang::En,
        out.path(),
        &config().tts.espeak_data,
        1,
    )
    .unwrap();
    assert!(rms(&voice.synthesize("Hello.", 1.0).unwrap()) > 0.01);
}

#[test]
fn espeak_speaks_mandarin_and_english() {
    for (lang, text) in [
        (Lang::Zh, "您好，您的订单已经发货了。"),
        (Lang::En, "Your order has shipped."),
    ] {
        let voice = espeak(lang);
        let samples = voice.synthesize(text, 1.0).unwrap();
        let secs = samples.len() as f32 / voice.sample_rate() as f32;
        assert!((0.8..6.0).contains(&secs), "{lang}: {secs} s");
        assert!(rms(&samples) > 0.02, "{lang}: rms {}", rms(&samples));
    }
    let zh = espeak(Lang::Zh);
    let slow = zh.synthesize("您好", 0.5).unwrap().len();
    let normal = zh.synthesize("您好", 1.0).unwrap().len();
    assert!(slow > normal, "speed 0.5 is not slower");
}

#[test]
fn espeak_voices_are_safe_from_many_threads() {
    let voices = [espeak(Lang::Zh), espeak(Lang::En)];
    let lengths: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let voice = Arc::clone(&voices[i % 2]);
                s.spawn(move || {
                    voice
                        .synthesize(
                            if i % 2 == 0 {
                                "谢谢您的耐心等待。"
                            } else {
                                "Thanks for waiting."
                            },
                            1.0,
                        )
                        .unwrap()
                        .len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // espeak-ng carries state between utterances (the pauses around a clause depend on what it said last), so the
    // same sentence varies by a few percent when voices interleave; mixed-up audio would be far off.
    let close = |a: usize, b: usize| a.abs_diff(b) * 100 < a.max(b) * 6;
    assert!(
        close(lengths[0], lengths[2]) && close(lengths[1], lengths[3]),
        "{lengths:?}"
    );
    assert!(!close(lengths[0], lengths[1]), "{lengths:?}");
}

#[test]
fn speak_yields_one_chunk_per_sentence_lazily() {
    let cfg = config();
    let engine = TtsEngine::load(&cfg.models.dir, &cfg.tts).unwrap();
    assert_eq!(engine.voice(Lang::En).name(), "piper-joe");
    let text = "Thanks for calling. Your refund was approved. Anything else?";
    let mut chunks = engine.speak(text, Lang::En);
    assert_eq!(
        engine.sentences_synthesized(),
        0,
        "nothing is made before it is asked for"
    );
    let first = chunks.next().unwrap().unwrap();
    assert_eq!(
        engine.sentences_synthesized(),
        1,
        "only the first sentence is made"
    );
    assert_eq!(first.text, "Thanks for calling.");
    assert_eq!(first.sample_rate, 22_050);
    let rest: Vec<_> = chunks.map(Result::unwrap).collect();
    assert_eq!(rest.len(), 2);
    assert_eq!(engine.sentences_synthesized(), 3);
    assert_eq!(
        rest.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        sentences::split(text)[1..]
    );
    assert!(rest.iter().all(|c| rms(&c.samples) > 0.01));

    let zh: Vec<_> = engine
        .speak("您好！请问有什么可以帮您？", Lang::Zh)
        .map(Result::unwrap)
        .collect();
    assert_eq!(zh.len(), 2);
    assert!(engine.speak(" ... ", Lang::En).next().is_none());
}

#[test]
fn speak_pieces_streams_each_sentence_and_marks_the_reply_end() {
    let cfg = config();
    let engine = TtsEngine::load(&cfg.models.dir, &cfg.tts).unwrap();
    let text = "Your order two zero two four one two three four has shipped with SF Express. Anything else?";
    let collect = |engine: &TtsEngine, keep: usize| {
        let mut got: Vec<(String, usize, bool)> = Vec::new();
        engine.speak_pieces(text, Lang::En, &mut |p| {
            assert_eq!(p.sample_rate, 22_050);
            got.push((p.sentence.to_string(), p.samples.len(), p.last));
            got.len() < keep
        });
        got
    };
    let got = collect(&engine, usize::MAX);
    let sentences = sentences::split(text);
    assert_eq!(
        got.iter().filter(|(s, ..)| *s == sentences[0]).count(),
        got.iter().position(|(s, ..)| *s != sentences[0]).unwrap(),
        "a sentence's pieces come together, in order"
    );
    assert!(
        got.len() > sentences.len(),
        "the first sentence streams: {got:?}"
    );
    assert_eq!(got.iter().filter(|(.., last)| *last).count(), 1);
    assert!(got.last().unwrap().2);
    assert_eq!(engine.sentences_synthesized(), sentences.len() as u64);

    // Sentences heard before come whole from memory; a listener that stops gets no more.
    let again = collect(&engine, usize::MAX);
    assert_eq!(again.len(), sentences.len());
    assert_eq!(engine.sentences_synthesized(), sentences.len() as u64);
    assert_eq!(collect(&engine, 1).len(), 1);

    let mut nothing = Vec::new();
    engine.speak_pieces(" ... ", Lang::En, &mut |p| {
        nothing.push((p.samples.len(), p.last));
        true
    });
    assert_eq!(nothing, [(0, true)]);
}

#[test]
fn repeated_reply_sentences_come_from_memory_unless_the_cache_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let speak = |engine: &TtsEngine, text: &str| -> Vec<Vec<f32>> {
        engine
            .speak(text, Lang::Zh)
            .map(|c| c.unwrap().samples)
            .collect()
    };
    let engine = TtsEngine::with_voices(espeak(Lang::En), espeak(Lang::Zh), 1.0, dir.path());
    let first = speak(&engine, "已为您查询。请问还有什么可以帮您？");
    assert_eq!(engine.sentences_synthesized(), 2);
    let again = speak(&engine, "好的。请问还有什么可以帮您？");
    assert_eq!(
        engine.sentences_synthesized(),
        3,
        "only the new sentence is synthesised"
    );
    assert_eq!(again[1], first[1], "the cached sentence is the same audio");

    let uncached = TtsEngine::with_voices(espeak(Lang::En), espeak(Lang::Zh), 1.0, dir.path())
        .with_sentence_cache(0);
    speak(&uncached, "请问还有什么可以帮您？");
    speak(&uncached, "请问还有什么可以帮您？");
    assert_eq!(uncached.sentences_synthesized(), 2);
}

#[test]
fn prompts_come_from_the_cache_without_synthesising() {
    let dir = tempfile::tempdir().unwrap();
    let engine = TtsEngine::with_voices(espeak(Lang::En), espeak(Lang::Zh), 1.0, dir.path());
    let greeting = engine
        .prompt("greeting", "您好，欢迎致电客服中心。", Lang::Zh)
        .unwrap();
    let made = engine.sentences_synthesized();
    assert_eq!(made, 1);
    let again = engine
        .prompt("greeting", "您好，欢迎致电客服中心。", Lang::Zh)
        .unwrap();
    assert!(Arc::ptr_eq(&greeting, &again));
    assert_eq!(engine.sentences_synthesized(), made);

    // A restarted engine finds it on disk, sample for sample.
    let restarted = TtsEngine::with_voices(espeak(Lang::En), espeak(Lang::Zh), 1.0, dir.path());
    let from_disk = restarted
        .prompt("greeting", "您好，欢迎致电客服中心。", Lang::Zh)
        .unwrap();
    assert_eq!(restarted.sentences_synthesized(), 0);
    assert_eq!(from_disk.samples, greeting.samples);

    // Other text or another speed is another prompt.
    restarted.prompt("greeting", "您好。", Lang::Zh).unwrap();
    assert_eq!(restarted.sentences_synthesized(), 1);
    let faster = TtsEngine::with_voices(espeak(Lang::En), espeak(Lang::Zh), 1.3, dir.path());
    faster
        .prompt("greeting", "您好，欢迎致电客服中心。", Lang::Zh)
        .unwrap();
    assert_eq!(faster.sentences_synthesized(), 1);
}

#[test]
fn missing_neural_models_fall_back_to_espeak() {
    let empty = tempfile::tempdir().unwrap();
    let engine = TtsEngine::load(empty.path(), &TtsConfig::default()).unwrap();
    assert_eq!(engine.voice(Lang::En).name(), "espeak:en-us");
    assert_eq!(engine.voice(Lang::Zh).name(), "espeak:cmn-latn-pinyin");
    let err = PiperVoice::load(
        "piper-joe",
        Lang::En,
        &empty.path().join("piper-joe"),
        &TtsConfig::default().espeak_data,
        1,
    )
    .err()
    .unwrap();
    assert!(matches!(err, TtsError::MissingModel { .. }));
    assert!(err.to_string().contains("kefu models fetch"), "{err}");
}

#[test]
fn bad_models_and_config_are_clear_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let espeak_data = TtsConfig::default().espeak_data;
    std::fs::copy(
        piper_dir().join("model.onnx.json"),
        dir.path().join("model.onnx.json"),
    )
    .unwrap();
    // A valid ONNX model that is not a voice.
    let vad = kefu::speech::vad::model_path(&config().models.dir);
    let acoustic = dir.path().join(piper_voice::ACOUSTIC_FILE);
    let vocoder = dir.path().join(piper_voice::VOCODER_FILE);
    std::fs::copy(&vad, &acoustic).unwrap();
    std::fs::copy(&vad, &vocoder).unwrap();
    let err = PiperVoice::load("piper-joe", Lang::En, dir.path(), &espeak_data, 1)
        .err()
        .unwrap();
    assert!(err.to_string().contains("not a Piper voice"), "{err}");
    std::fs::copy(piper_dir().join(piper_voice::ACOUSTIC_FILE), &acoustic).unwrap();
    let err = PiperVoice::load("piper-joe", Lang::En, dir.path(), &espeak_data, 1)
        .err()
        .unwrap();
    assert!(err.to_string().contains("not a Piper vocoder"), "{err}");
    std::fs::write(&vocoder, b"garbage").unwrap();
    assert!(matches!(
        PiperVoice::load("piper-joe", Lang::En, dir.path(), &espeak_data, 1),
        Err(TtsError::Load { .. })
    ));
    std::fs::write(dir.path().join("model.onnx.json"), b"{\"audio\": 1}").unwrap();
    let err = PiperVoice::load("piper-joe", Lang::En, dir.path(), &espeak_data, 1)
        .err()
        .unwrap();
    assert!(err.to_string().contains("phoneme_id_map"), "{err}");

    let no_data = PiperVoice::load(
        "piper-joe",
        Lang::En,
        &piper_dir(),
        &dir.path().join("espeak-ng-data"),
        1,
    )
    .err()
    .unwrap();
    assert!(
        matches!(no_data, TtsError::MissingEspeakData { .. }),
        "{no_data}"
    );

    let mut cfg = TtsConfig {
        zh_voice: "piper-joe".into(),
        ..TtsConfig::default()
    };
    let err = TtsEngine::load(dir.path(), &cfg).err().unwrap();
    assert!(
        matches!(err, TtsError::UnknownVoice { lang: Lang::Zh, .. }),
        "{err}"
    );
    cfg.zh_voice = "espeak".into();
    cfg.en_voice = "festival".into();
    let err = TtsEngine::load(dir.path(), &cfg).err().unwrap();
    assert!(
        err.to_string().contains("festival") && err.to_string().contains("piper-joe"),
        "{err}"
    );
}
