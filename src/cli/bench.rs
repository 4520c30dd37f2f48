//! `kefu bench`: speed measurements that print (tests never assert time on this shared machine).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use kefu::audio::wav;
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::speech::tts::espeak::EspeakVoice;
use kefu::speech::tts::{TtsEngine, Voice};
use kefu::speech::vad::{self, Vad, VadModel};

/// Real English speech shipped by Debian's `pocketsphinx-testdata`.
const LIBRIVOX_DIR: &str = "/usr/share/pocketsphinx/test/data/librivox";

/// What to measure.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Silero VAD cost per 32 ms window, over 16 kHz mono WAV files (default: Debian's LibriVox clips).
    Vad {
        /// 16 kHz mono 16-bit WAV files.
        wavs: Vec<PathBuf>,
    },
    /// Time to first audio and real-time factor of the configured voices and of espeak-ng.
    Tts,
}

/// Runs one benchmark.
pub fn run(config: &Config, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Vad { wavs } => bench_vad(config, wavs),
        BenchCommand::Tts => bench_tts(config),
    }
}

fn bench_vad(config: &Config, mut wavs: Vec<PathBuf>) -> Result<()> {
    if wavs.is_empty() {
        wavs = std::fs::read_dir(LIBRIVOX_DIR)
            .with_context(|| format!("no WAV given and {LIBRIVOX_DIR} unreadable (apt-get install pocketsphinx-testdata)"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wav"))
            .collect();
        wavs.sort();
    }
    let model = Arc::new(VadModel::load_with_sessions(
        &vad::model_path(&config.models.dir),
        1,
    )?);
    let mut audio = Vec::new();
    for path in &wavs {
        let pcm = wav::read(path)?.to_rate(vad::SAMPLE_RATE)?;
        audio.push(pcm.samples);
    }
    // Warm-up: the first inference allocates.
    Vad::new(Arc::clone(&model)).push(&[0.0; vad::WINDOW])?;
    let (mut windows, mut speech, mut seconds) = (0usize, 0usize, 0f64);
    let start = Instant::now();
    for samples in &audio {
        let mut detector = Vad::new(Arc::clone(&model));
        let probabilities = detector.push(samples)?;
        windows += probabilities.len();
        speech += probabilities.iter().filter(|&&p| p > 0.5).count();
        seconds += samples.len() as f64 / f64::from(vad::SAMPLE_RATE);
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "vad: {} file(s), {seconds:.1} s of audio, {windows} windows ({speech} speech), {:.1} µs per 32 ms window, RTF {:.4}",
        audio.len(),
        elapsed * 1e6 / windows.max(1) as f64,
        elapsed / seconds.max(f64::EPSILON)
    );
    Ok(())
}

const EN_REPLY: &str = "Thank you for calling. Your order was shipped yesterday and should arrive on Friday. \
                        Is there anything else I can help you with?";
const ZH_REPLY: &str = "感谢您的来电。您的订单昨天已经发货，预计星期五送达。请问还有什么可以帮您？";

fn bench_tts(config: &Config) -> Result<()> {
    let engine = TtsEngine::load(&config.models.dir, &config.tts)?;
    for (lang, text) in [(Lang::En, EN_REPLY), (Lang::Zh, ZH_REPLY)] {
        report(engine.voice(lang).name(), &engine, text, lang)?;
    }
    if engine.voice(Lang::En).name() != "espeak:en-us" {
        let espeak: Arc<dyn Voice> = Arc::new(EspeakVoice::new(Lang::En, &config.tts.espeak_data)?);
        let scratch = std::env::temp_dir().join("kefu-bench-tts-cache");
        let espeak_engine =
            TtsEngine::with_voices(Arc::clone(&espeak), espeak, config.tts.speed, &scratch);
        report("espeak:en-us", &espeak_engine, EN_REPLY, Lang::En)?;
    }
    Ok(())
}

/// Speaks `text` twice (the first run warms up) and prints the second run's timings.
fn report(name: &str, engine: &TtsEngine, text: &str, lang: Lang) -> Result<()> {
    for _ in engine.speak(text, lang) {}
    let start = Instant::now();
    let mut first = None;
    let mut audio_secs = 0.0;
    for chunk in engine.speak(text, lang) {
        let chunk = chunk?;
        first.get_or_insert_with(|| start.elapsed().as_secs_f64());
        audio_secs += chunk.duration_secs();
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "tts {name} ({lang}): {audio_secs:.2} s of audio, time to first audio {:.3} s, total {elapsed:.3} s, RTF {:.3}",
        first.unwrap_or(elapsed),
        elapsed / audio_secs.max(f64::EPSILON)
    );
    Ok(())
}
