//! `kefu bench asr`: Whisper speed in kefu against a reference whisper.cpp build on the same model and clip.
//!
//! The reference is whisper.cpp from the PyPI wheel `pywhispercpp` (a Release build with OpenMP and AVX2/FMA),
//! installed on first use into a virtualenv under the cache dir by `scripts/bench-reference.sh` and driven by
//! `scripts/bench_reference.py` with kefu's decoding settings. Both scripts are compiled into the binary, so
//! the bench works from any directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::models::ModelPaths;
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice, token_cap};

use super::speech::read_16k;

const INSTALL_SCRIPT: &str = include_str!("../../scripts/bench-reference.sh");
const REFERENCE_SCRIPT: &str = include_str!("../../scripts/bench_reference.py");
/// A real read-speech clip from Debian's `pocketsphinx-testdata` (LibriVox, 7.1 s).
const DEFAULT_CLIP: &str =
    "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav";

/// Benchmarks.
#[derive(Subcommand)]
pub enum BenchCmd {
    /// Whisper speed: kefu against reference whisper.cpp (same ggml model, clip, threads and settings).
    Asr(AsrBenchArgs),
}

/// Arguments of `kefu bench asr`.
#[derive(Args)]
pub struct AsrBenchArgs {
    /// Models to measure.
    #[arg(long, value_delimiter = ',', default_value = "tiny.en,base")]
    pub models: Vec<String>,
    /// Timed runs per model and engine (after one warm-up run).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// WAV clip to transcribe (16-bit 16 kHz, like the LibriVox test clips).
    #[arg(long, default_value = DEFAULT_CLIP)]
    pub clip: PathBuf,
    /// Threads per inference (default: `asr.threads` from the config).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Encode the full 30 s window instead of fitting the audio context to the clip.
    #[arg(long)]
    pub full_context: bool,
    /// Skip the reference (only kefu's figures).
    #[arg(long)]
    pub no_reference: bool,
}

pub fn run(cmd: BenchCmd, config: &Config) -> Result<()> {
    match cmd {
        BenchCmd::Asr(args) => asr(args, config),
    }
}

/// Timings of one engine on one model: wall-clock and CPU seconds (all threads) per run.
struct Timing {
    times: Vec<f64>,
    cpu: Vec<f64>,
    text: String,
}

impl Timing {
    fn median(&self) -> f64 {
        median(&self.times)
    }

    fn min(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

fn median(values: &[f64]) -> f64 {
    let mut t = values.to_vec();
    t.sort_by(f64::total_cmp);
    match t.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => t[n / 2],
        n => (t[n / 2 - 1] + t[n / 2]) / 2.0,
    }
}

/// CPU time of this process (user + system, all threads) from `/proc/self/stat`, which counts in
/// USER_HZ = 100 ticks per second on Linux. On a shared machine this is steadier than wall-clock time.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14, 15.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn asr(args: AsrBenchArgs, config: &Config) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let samples = read_16k(&args.clip)?;
    let audio_secs = samples.len() as f64 / 16_000.0;
    let mut asr = config.asr.clone();
    if let Some(threads) = args.threads {
        asr.threads = threads;
    }
    if args.full_context {
        asr.fit_audio_context = false;
    }
    println!(
        "clip {} ({audio_secs:.2} s), {} threads, {} runs after 1 warm-up, audio context: {}",
        args.clip.display(),
        asr.threads,
        args.runs,
        if asr.fit_audio_context {
            "fitted to the clip"
        } else {
            "full 30 s"
        },
    );
    let reference = if args.no_reference {
        None
    } else {
        match reference_python(&config.models.cache_dir) {
            Ok(python) => Some(python),
            Err(e) => {
                println!("reference whisper.cpp unavailable: {e:#}");
                println!(
                    "  install it with: KEFU_CACHE_DIR={} bash scripts/bench-reference.sh",
                    config.models.cache_dir.display()
                );
                None
            }
        }
    };
    let opts = AsrOptions {
        language: LanguageChoice::Fixed(Lang::En),
        prompt: None,
    };
    println!(
        "{:<16} {:<10} {:>9} {:>9} {:>7} {:>9}  text",
        "model", "engine", "median", "min", "RTF", "CPU"
    );
    for name in &args.models {
        asr.model = name.clone();
        let engine = AsrEngine::load(&config.models.dir, &asr)
            .with_context(|| format!("loading Whisper model {name}"))?;
        let warm = engine.transcribe(&samples, &opts)?;
        let mut kefu = Timing {
            times: Vec::with_capacity(args.runs),
            cpu: Vec::with_capacity(args.runs),
            text: warm.text.clone(),
        };
        let mut audio_ctx = warm.audio_ctx;
        let mut retries = 0;
        for _ in 0..args.runs {
            let cpu_before = process_cpu_secs();
            let started = Instant::now();
            let t = engine.transcribe(&samples, &opts)?;
            kefu.times.push(started.elapsed().as_secs_f64());
            if let (Some(before), Some(after)) = (cpu_before, process_cpu_secs()) {
                kefu.cpu.push(after - before);
            }
            retries += usize::from(t.retried);
            audio_ctx = t.audio_ctx;
            kefu.text = t.text;
        }
        let model = engine.model().to_string();
        drop(engine);
        print_row(&model, "kefu", &kefu, audio_secs);
        if retries > 0 {
            println!(
                "{:<16} note: {retries} of {} runs retried with the full window",
                "", args.runs
            );
        }
        let Some(python) = &reference else { continue };
        let model_file = ModelPaths::new(&config.models.dir)?.file(&model, "ggml-model.bin")?;
        let reference = run_reference(
            python,
            &model_file,
            &args.clip,
            args.runs,
            asr.threads,
            // kefu passes 0 for the full window; so does the reference.
            if audio_ctx >= 1500 { 0 } else { audio_ctx },
            token_cap(audio_secs as f32),
        )?;
        print_row(&model, "reference", &reference, audio_secs);
        let ratio = kefu.median() / reference.median();
        println!(
            "{:<16} {:<10} {:>9.2} {:>9.2}         {:>9.2}  {}",
            model,
            "ratio",
            ratio,
            kefu.min() / reference.min(),
            median(&kefu.cpu) / median(&reference.cpu),
            if ratio <= 1.0 {
                "kefu/reference (median, min, CPU): target ≤ 1.0 met"
            } else {
                "kefu/reference (median, min, CPU): SLOWER than the reference (target ≤ 1.0)"
            }
        );
    }
    Ok(())
}

fn print_row(model: &str, engine: &str, t: &Timing, audio_secs: f64) {
    println!(
        "{:<16} {:<10} {:>7.3} s {:>7.3} s {:>7.3} {:>7.3} s  {:?}",
        model,
        engine,
        t.median(),
        t.min(),
        t.median() / audio_secs,
        median(&t.cpu),
        t.text
    );
}

/// The virtualenv's Python with pywhispercpp, installing it on first use.
fn reference_python(cache_dir: &Path) -> Result<PathBuf> {
    let python = cache_dir.join("bench-venv/bin/python");
    if !python.exists() {
        eprintln!(
            "installing the reference whisper.cpp (pywhispercpp from PyPI) into {} ...",
            cache_dir.join("bench-venv").display()
        );
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(INSTALL_SCRIPT)
        .env("KEFU_CACHE_DIR", cache_dir)
        .output()
        .context("running bash for scripts/bench-reference.sh")?;
    if !out.status.success() {
        bail!(
            "scripts/bench-reference.sh failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let printed = String::from_utf8_lossy(&out.stdout);
    let path = printed.lines().last().unwrap_or_default().trim();
    if path.is_empty() {
        bail!("scripts/bench-reference.sh printed no interpreter path");
    }
    Ok(PathBuf::from(path))
}

fn run_reference(
    python: &Path,
    model: &Path,
    clip: &Path,
    runs: usize,
    threads: usize,
    audio_ctx: usize,
    max_tokens: usize,
) -> Result<Timing> {
    let out = Command::new(python)
        .arg("-c")
        .arg(REFERENCE_SCRIPT)
        .arg("--model")
        .arg(model)
        .arg("--clip")
        .arg(clip)
        .args(["--runs", &runs.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--audio-ctx", &audio_ctx.to_string()])
        .args(["--max-tokens", &max_tokens.to_string()])
        .args(["--language", "en"])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "reference run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    #[derive(serde::Deserialize)]
    struct Report {
        times: Vec<f64>,
        cpu: Vec<f64>,
        text: String,
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let report: Report = serde_json::from_str(line)
        .with_context(|| format!("reading the reference's report {line:?}"))?;
    Ok(Timing {
        times: report.times,
        cpu: report.cpu,
        text: report.text,
    })
}
