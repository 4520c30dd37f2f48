//! `kefu say`: synthesise text to a WAV file and report latency.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;
use kefu::audio::{Pcm, wav};
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::speech::tts::TtsEngine;

/// Arguments of `kefu say`.
#[derive(Args)]
pub struct SayArgs {
    /// Text to speak.
    text: String,
    /// Language: zh or en (default: detected from the text).
    #[arg(long)]
    lang: Option<Lang>,
    /// Output WAV file (16-bit PCM at the voice's native rate).
    #[arg(short, long)]
    output: PathBuf,
    /// Voice for this language instead of the configured one: piper-joe, espeak.
    #[arg(long)]
    voice: Option<String>,
}

/// Synthesises `args.text` sentence by sentence (any failing sentence is an error), writes the WAV and prints
/// timings on stderr.
pub fn run(config: &Config, args: SayArgs) -> Result<()> {
    let lang = args
        .lang
        .or_else(|| Lang::detect(&args.text))
        .unwrap_or(Lang::En);
    let mut tts = config.tts.clone();
    // Only this language is spoken: give the other the voice that loads instantly.
    let (wanted, other) = match lang {
        Lang::En => (&mut tts.en_voice, &mut tts.zh_voice),
        Lang::Zh => (&mut tts.zh_voice, &mut tts.en_voice),
    };
    *other = "espeak".into();
    if let Some(voice) = args.voice {
        *wanted = voice;
    }
    let loading = Instant::now();
    let engine = TtsEngine::load(&config.models.dir, &tts)?;
    let load_secs = loading.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut first_sentence = None;
    let (mut samples, mut sample_rate, mut sentences) =
        (Vec::new(), engine.voice(lang).sample_rate(), 0);
    for chunk in engine.speak(&args.text, lang) {
        let chunk = chunk?;
        first_sentence.get_or_insert_with(|| start.elapsed().as_secs_f64());
        sample_rate = chunk.sample_rate;
        samples.extend(chunk.samples);
        sentences += 1;
    }
    let synth_secs = start.elapsed().as_secs_f64();
    let Some(first_sentence) = first_sentence else {
        bail!("nothing to say: the text has no words");
    };
    let pcm = Pcm {
        samples,
        sample_rate,
    };
    wav::write(&args.output, &pcm)?;
    let audio_secs = pcm.duration_secs();
    eprintln!(
        "voice {} ({lang}): {sentences} sentence(s), {audio_secs:.2} s of audio at {sample_rate} Hz -> {}",
        engine.voice(lang).name(),
        args.output.display()
    );
    eprintln!(
        "load {load_secs:.3} s, first sentence ready after {first_sentence:.3} s, synthesis {synth_secs:.3} s, RTF {:.3}",
        synth_secs / audio_secs.max(f64::EPSILON)
    );
    Ok(())
}
