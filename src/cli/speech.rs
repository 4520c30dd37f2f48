//! `kefu transcribe FILE.wav`: recognise a recording with the configured Whisper model.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use kefu::config::Config;
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice, SAMPLE_RATE};

/// Arguments of `kefu transcribe`.
#[derive(Args)]
pub struct TranscribeArgs {
    /// WAV file (any sample rate; stereo is mixed down).
    pub file: PathBuf,
    /// zh, en or auto (default: `asr.language` from the config).
    #[arg(long)]
    pub lang: Option<String>,
    /// base or tiny.en (default: `asr.model` from the config).
    #[arg(long)]
    pub model: Option<String>,
    /// Decoder prompt (vocabulary hints).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Always encode the full 30 s window instead of fitting the audio context to the clip.
    #[arg(long)]
    pub full_context: bool,
    /// Print the whole transcript (language, confidence, timings) as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn transcribe(args: TranscribeArgs, config: &Config) -> Result<()> {
    let mut asr = config.asr.clone();
    if let Some(model) = args.model {
        asr.model = model;
    }
    if args.full_context {
        asr.fit_audio_context = false;
    }
    let lang = args.lang.as_deref().unwrap_or(&asr.language);
    let language: LanguageChoice = lang.parse().with_context(|| format!("--lang {lang}"))?;
    let samples = read_16k(&args.file)?;
    let engine = AsrEngine::load(&config.models.dir, &asr)?;
    let opts = AsrOptions {
        language,
        prompt: args.prompt,
        digits: false,
    };
    let t = engine
        .transcribe(&samples, &opts)
        .with_context(|| format!("transcribing {}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&t)?);
    } else {
        println!("{}", t.text);
    }
    Ok(())
}

/// Reads a WAV file as 16 kHz mono samples.
pub fn read_16k(path: &Path) -> Result<Vec<f32>> {
    let pcm =
        kefu::audio::wav::read(path).with_context(|| format!("reading {}", path.display()))?;
    let pcm = pcm
        .to_rate(SAMPLE_RATE)
        .with_context(|| format!("resampling {} to 16 kHz", path.display()))?;
    Ok(pcm.samples)
}
