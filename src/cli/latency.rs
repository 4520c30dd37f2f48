//! `kefu bench latency`: voice-to-voice latency (caller stops speaking → first bot audio) over the replay
//! fixtures, per Whisper model, with where the time goes.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use kefu::config::Config;
use kefu::doors::replay::{self, Replayer};
use kefu::lang::Lang;
use kefu::pipeline::{Latency, TurnRecord};
use kefu::speech::asr::AsrEngine;

/// Options of `kefu bench latency`.
#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// Fixture directory (or one fixture).
    #[arg(default_value = "audio-fixtures")]
    pub path: PathBuf,
    /// Whisper models to compare (an English-only model is measured on the English fixtures only).
    #[arg(long, value_delimiter = ',', default_value = "tiny.en,base")]
    pub models: Vec<String>,
}

/// Turns listed at the end of a model's block, slowest first.
const SLOWEST_SHOWN: usize = 3;

/// A measured turn and the fixture it came from.
struct Measured {
    fixture: String,
    turn: TurnRecord,
}

/// Runs the benchmark and prints one block per model.
pub fn run(config: &Config, args: LatencyArgs) -> Result<()> {
    let fixtures = replay::discover(&args.path)?;
    for model in &args.models {
        let mut cfg = config.clone();
        cfg.asr.model.clone_from(model);
        let asr = Arc::new(
            AsrEngine::load(&cfg.models.dir, &cfg.asr)
                .with_context(|| format!("loading Whisper {model}"))?,
        );
        let english_only = !asr.is_multilingual();
        let replayer = Replayer::with_asr(&cfg, asr)?;
        let mut measured: Vec<Measured> = Vec::new();
        let (mut used, mut passed) = (0, 0);
        for fixture in &fixtures {
            if english_only && fixture.lang != Some(Lang::En) {
                continue;
            }
            let outcome = replayer.run(fixture)?;
            used += 1;
            passed += usize::from(outcome.passed);
            measured.extend(
                outcome
                    .call
                    .turns
                    .into_iter()
                    .filter(|t| t.latency.voice_to_voice_ms.is_some())
                    .map(|turn| Measured {
                        fixture: outcome.fixture.clone(),
                        turn,
                    }),
            );
        }
        let turns: Vec<Latency> = measured.iter().map(|m| m.turn.latency.clone()).collect();
        if turns.is_empty() {
            bail!(
                "no spoken turn got a reply in {} with {model}",
                args.path.display()
            );
        }
        println!(
            "{} ({} fixtures{}, {} passing their checks; {} answered spoken turns)",
            replayer.asr_model(),
            used,
            if english_only { ", English only" } else { "" },
            passed,
            turns.len()
        );
        println!("  {:<22} {:>7} {:>7} {:>7}", "ms", "p50", "p95", "max");
        let rows: [(&str, Stage); 8] = [
            ("voice-to-voice", |l| l.voice_to_voice_ms),
            ("  endpoint wait", |l| l.endpoint_wait_ms),
            ("  ASR (turn end→text)", |l| l.asr_ms),
            ("  dialogue", |l| l.dialogue_ms),
            ("  TTS first audio", |l| l.tts_first_audio_ms),
            ("ASR compute", |l| l.asr_compute_ms),
            ("dialogue compute", |l| l.dialogue_compute_ms),
            ("TTS 1st piece", |l| l.tts_compute_ms),
        ];
        for (name, field) in rows {
            let mut values: Vec<u64> = turns.iter().filter_map(field).collect();
            if values.is_empty() {
                continue;
            }
            values.sort_unstable();
            println!(
                "  {name:<22} {:>7} {:>7} {:>7}",
                percentile(&values, 50),
                percentile(&values, 95),
                values[values.len() - 1]
            );
        }
        measured.sort_by_key(|m| std::cmp::Reverse(m.turn.latency.voice_to_voice_ms));
        println!("  slowest turns (endpoint / ASR / dialogue / TTS ms):");
        for m in measured.iter().take(SLOWEST_SHOWN) {
            let l = &m.turn.latency;
            let ms = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            println!(
                "    {:>5} ms  {} turn {}: {} / {} / {} / {}  {:?}",
                ms(l.voice_to_voice_ms),
                m.fixture,
                m.turn.turn,
                ms(l.endpoint_wait_ms),
                ms(l.asr_ms),
                ms(l.dialogue_ms),
                ms(l.tts_first_audio_ms),
                m.turn.text
            );
        }
    }
    Ok(())
}

/// Reads one stage's milliseconds from a turn's latency.
type Stage = fn(&Latency) -> Option<u64>;

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> u64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}
