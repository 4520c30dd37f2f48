//! `kefu bench asr-takes`: Whisper's compute on the early takes of the replay fixtures — the transcripts a call
//! requests `call.endpoint.early_asr_ms` into each pause of the caller, which decide when a turn may end.
//!
//! The takes are cut as a call cuts them: Silero VAD per 20 ms frame and the call's endpointer (pre-roll,
//! post-roll), a take at every pause of the early-take length once the speech is long enough to be a turn.
//! Turns end at the digits silence, so a caller reading a number in groups gives one take per group.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use kefu::call::endpoint::{EndpointConfig, Endpointer};
use kefu::call::{FRAME_MS, FRAME_SAMPLES, Frame};
use kefu::config::Config;
use kefu::doors::replay;
use kefu::lang::Lang;
use kefu::speech::asr::accuracy::{edit_distance, plain_words};
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice};
use kefu::speech::vad::{self, Vad, VadModel};

use super::speech::read_16k;

/// Options of `kefu bench asr-takes`.
#[derive(Debug, Args)]
pub struct AsrTakesArgs {
    /// Fixture directory (or one fixture).
    #[arg(default_value = "audio-fixtures")]
    pub path: PathBuf,
    /// Whisper model.
    #[arg(long, default_value = "tiny.en")]
    pub model: String,
    /// Only the fixtures in this language (default: en for an English-only model, else all). Recordings without
    /// a fixture file (e.g. Debian's LibriVox clips) are measured in this language.
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Passes over all takes; each take's compute is its fastest pass (the machine is shared and noisy).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Encode the full 30 s window instead of fitting the audio context to the take.
    #[arg(long)]
    pub full_context: bool,
}

/// One early take: where it came from, its audio, and what was said in it.
struct Take {
    fixture: String,
    /// Seconds into the fixture at which the call would request it.
    at: f32,
    audio: Vec<f32>,
    /// The words of the recipe's `say` lines the take holds whole; `None` when it cuts one (a pause
    /// mid-line) or the fixture has no recipe header.
    said: Option<String>,
}

/// A `say` line of a fixture's recipe header: `#     5.50-  7.95  say en (espeak en-us+f3): Hi, when …`.
struct Said {
    start: f32,
    end: f32,
    text: String,
}

fn recipe_lines(yaml: &str) -> Vec<Said> {
    yaml.lines()
        .filter_map(|line| {
            let (span, rest) = line.strip_prefix('#')?.split_once("  say ")?;
            let (start, end) = span.split_once('-')?;
            Some(Said {
                start: start.trim().parse().ok()?,
                end: end.trim().parse().ok()?,
                text: rest.split_once(": ")?.1.to_string(),
            })
        })
        .collect()
}

/// The recipe text of a take heard from `start` to `at` (seconds), if it holds whole lines only.
fn said_in(lines: &[Said], start: f32, at: f32) -> Option<String> {
    let inside: Vec<&Said> = lines
        .iter()
        .filter(|l| l.start >= start - 0.5 && l.start < at)
        .collect();
    if inside.is_empty() || inside.iter().any(|l| l.end > at) {
        return None;
    }
    Some(
        inside
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Plain words, numbers as single digits ("two zero" and "20" both give `2 0`).
fn words(text: &str) -> Vec<String> {
    const DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let mut out = Vec::new();
    for w in plain_words(text) {
        if let Some(d) = DIGITS.iter().position(|&n| n == w) {
            out.push(d.to_string());
        } else if w.chars().all(|c| c.is_ascii_digit()) {
            out.extend(w.chars().map(String::from));
        } else {
            out.push(w);
        }
    }
    out
}

/// Runs the benchmark: one line per take, then the totals.
pub fn run(config: &Config, args: AsrTakesArgs) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let mut cfg = config.asr.clone();
    cfg.model.clone_from(&args.model);
    cfg.fit_audio_context = !args.full_context;
    let asr = AsrEngine::load(&config.models.dir, &cfg)
        .with_context(|| format!("loading Whisper {}", args.model))?;
    let lang = args
        .lang
        .or_else(|| (!asr.is_multilingual()).then_some(Lang::En));
    let vad_model = Arc::new(VadModel::load(&vad::model_path(&config.models.dir))?);
    let mut takes = Vec::new();
    for fixture in replay::discover(&args.path)? {
        // A recording without a fixture file has no language: it is measured whatever the choice.
        if lang.is_some() && fixture.lang.is_some() && fixture.lang != lang {
            continue;
        }
        let mut samples = read_16k(&fixture.audio)?;
        // A clip that stops as the speaker does still gets its last take.
        samples.extend(std::iter::repeat_n(0.0, 16_000));
        let lines = match &fixture.yaml {
            Some(path) => recipe_lines(
                &std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            ),
            None => Vec::new(),
        };
        takes.extend(
            early_takes(&samples, &vad_model, &config.call.endpoint)?
                .into_iter()
                .map(|(at, audio)| Take {
                    fixture: fixture.name.clone(),
                    at,
                    said: said_in(&lines, at - audio.len() as f32 / 16_000.0, at),
                    audio,
                }),
        );
    }
    if takes.is_empty() {
        bail!("no speech found in the fixtures at {}", args.path.display());
    }
    println!(
        "{} early takes ({} ms into a pause), model {}, {} thread(s), audio context: {}, fastest of {} run(s)",
        takes.len(),
        config.call.endpoint.early_asr_ms,
        asr.model(),
        cfg.threads,
        if cfg.fit_audio_context {
            "fitted"
        } else {
            "full 30 s"
        },
        args.runs
    );
    let opts = AsrOptions {
        language: match lang {
            Some(lang) => LanguageChoice::Fixed(lang),
            None => LanguageChoice::Auto,
        },
        prompt: None,
        digits: false,
    };
    // Warm-up: the first inference allocates.
    asr.transcribe(&takes[0].audio, &opts)?;
    let mut best = vec![Duration::MAX; takes.len()];
    let mut results = Vec::with_capacity(takes.len());
    for run in 0..args.runs {
        for (i, take) in takes.iter().enumerate() {
            let started = Instant::now();
            let t = asr.transcribe(&take.audio, &opts)?;
            best[i] = best[i].min(started.elapsed());
            if run == 0 {
                results.push(t);
            }
        }
    }
    println!(
        "{:<22} {:>6} {:>6} {:>9} {:>8} {:>6}  text",
        "fixture", "at s", "audio", "ctx", "ms", "errors"
    );
    let (mut errors, mut reference_words) = (0, 0);
    for ((take, t), time) in takes.iter().zip(&results).zip(&best) {
        let scored = take.said.as_deref().map(|said| {
            let reference = words(said);
            let e = edit_distance(&reference, &words(&t.text));
            errors += e;
            reference_words += reference.len();
            format!("{e}/{}", reference.len())
        });
        let first = asr.first_audio_ctx(t.audio_secs, opts.digits);
        let ctx = if t.retried {
            format!("{first}→{}", t.audio_ctx)
        } else {
            first.to_string()
        };
        println!(
            "{:<22} {:>6.2} {:>6.2} {:>9} {:>8.0} {:>6}  {:?}",
            take.fixture,
            take.at,
            t.audio_secs,
            ctx,
            time.as_secs_f64() * 1000.0,
            scored.as_deref().unwrap_or("-"),
            t.text
        );
    }
    let mut ms: Vec<f64> = best.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "total {:.0} ms over {} takes; p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; {} retried",
        ms.iter().sum::<f64>(),
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0),
        results.iter().filter(|t| t.retried).count()
    );
    println!(
        "word errors {errors} of {reference_words} recipe words ({:.1}% WER) over the {} takes that hold whole lines",
        100.0 * errors as f64 / reference_words.max(1) as f64,
        takes.iter().filter(|t| t.said.is_some()).count()
    );
    Ok(())
}

/// The audio a call would hand to ASR at each early take of one recording, with the time of the take.
fn early_takes(
    samples: &[f32],
    vad_model: &Arc<VadModel>,
    endpoint: &EndpointConfig,
) -> Result<Vec<(f32, Vec<f32>)>> {
    let mut vad = Vad::new(Arc::clone(vad_model));
    let mut ep = Endpointer::new(endpoint);
    let early_frames = kefu::call::frame::frames_for_ms(endpoint.early_asr_ms);
    if early_frames == 0 {
        bail!("call.endpoint.early_asr_ms is 0: there are no early takes to measure");
    }
    let start = Instant::now();
    let mut prob = 0.0;
    let mut takes = Vec::new();
    for (i, chunk) in samples.chunks(FRAME_SAMPLES).enumerate() {
        let frame = Frame::from_samples(chunk);
        if let Some(&p) = vad.push(frame.samples())?.last() {
            prob = p;
        }
        let elapsed = Duration::from_millis(i as u64 * u64::from(FRAME_MS));
        ep.push(&frame, prob, start + elapsed, endpoint.silence_digits_ms);
        if ep.silence_frames() == early_frames
            && ep.is_substantial()
            && let Some(audio) = ep.snapshot()
        {
            takes.push((elapsed.as_secs_f32(), audio));
        }
    }
    Ok(takes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_recipe_header() {
        let yaml = "# Recording:\n#     0.00-  5.50  silence 5.5 s\n#     5.50-  7.95  say en (espeak en-us+f3): Hi, when: now?\n#    16.95- 18.48  say en (espeak en-us+f3): Yes.\ndescription: x\n";
        let lines = recipe_lines(yaml);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].start, lines[0].end), (5.5, 7.95));
        assert_eq!(lines[0].text, "Hi, when: now?");
        assert_eq!(said_in(&lines, 5.3, 8.2).as_deref(), Some("Hi, when: now?"));
        assert_eq!(said_in(&lines, 5.3, 7.0), None);
        assert_eq!(said_in(&lines, 10.0, 12.0), None);
    }

    #[test]
    fn counts_word_errors_with_numbers_as_digits() {
        let reference = words("It's two zero two four, one two.");
        assert_eq!(reference, ["it's", "2", "0", "2", "4", "1", "2"]);
        assert_eq!(edit_distance(&reference, &words("It's 2024, 12")), 0);
        assert_eq!(edit_distance(&reference, &words("It's too 024, 1 2")), 1);
        assert_eq!(edit_distance(&reference, &words("2 0 2 4 1 2 3")), 2);
        assert_eq!(edit_distance(&reference, &[]), 7);
    }
}
