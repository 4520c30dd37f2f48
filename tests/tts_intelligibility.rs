//! What the voices say is understood: synthesised speech transcribed back with Whisper base.

use kefu::audio::Pcm;
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice, SAMPLE_RATE};
use kefu::speech::tts::TtsEngine;

fn say(engine: &TtsEngine, text: &str, lang: Lang) -> Vec<f32> {
    let mut samples = Vec::new();
    let mut rate = 0;
    for chunk in engine.speak(text, lang) {
        let chunk = chunk.unwrap();
        rate = chunk.sample_rate;
        samples.extend(chunk.samples);
    }
    Pcm {
        samples,
        sample_rate: rate,
    }
    .to_rate(SAMPLE_RATE)
    .unwrap()
    .samples
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn whisper_understands_piper_english_and_hears_the_mandarin_voice() {
    let cfg = Config::load(None).unwrap();
    let models = &cfg.models.dir;
    for path in [
        models.join("piper-joe/model.onnx"),
        models.join("whisper-base/ggml-model.bin"),
    ] {
        assert!(
            path.is_file(),
            "{} missing: run: kefu models fetch",
            path.display()
        );
    }
    let tts = TtsEngine::load(models, &cfg.tts).unwrap();
    assert_eq!(tts.voice(Lang::En).name(), "piper-joe");
    let mut asr_cfg = cfg.asr.clone();
    asr_cfg.model = "base".into();
    let asr = AsrEngine::load(models, &asr_cfg).unwrap();
    let auto = AsrOptions {
        language: LanguageChoice::Auto,
        prompt: None,
        digits: false,
    };

    // Piper's default output is repeatable and keeps sentence-final consonants: every word is heard.
    let en = "Your order has shipped. It will arrive on Friday.";
    let heard = asr.transcribe(&say(&tts, en, Lang::En), &auto).unwrap();
    assert_eq!(heard.lang, Lang::En, "{heard:?}");
    assert_eq!(words(&heard.text), words(en), "{:?}", heard.text);

    // Whichever Mandarin voice is configured (Kokoro, or espeak-ng when it is not fetched; espeak is robotic and
    // Whisper base gets about a third of it): require the language and a few of the characters. Kokoro's
    // accuracy is measured in tests/tts_mandarin.rs.
    let zh = "您好，您的订单已经发货了。";
    let heard = asr.transcribe(&say(&tts, zh, Lang::Zh), &auto).unwrap();
    assert_eq!(heard.lang, Lang::Zh, "{heard:?}");
    eprintln!("Mandarin heard as {:?}", heard.text);
    let shared = zh
        .chars()
        .filter(|c| kefu::lang::is_cjk(*c) && heard.text.contains(*c))
        .count();
    assert!(
        shared >= 3,
        "only {shared} characters of {zh:?} in {:?}",
        heard.text
    );
}
