//! `kefu bench`: speed measurements that print (tests never assert time on this shared machine).
//!
//! `kefu bench asr` compares Whisper in kefu with a reference whisper.cpp build on the same model and clip: the
//! PyPI wheel `pywhispercpp` (a Release build with OpenMP and AVX2/FMA), installed on first use into a
//! virtualenv under the cache dir by `scripts/bench-reference.sh` and driven by `scripts/bench_reference.py`
//! with kefu's decoding settings. Both scripts are compiled into the binary, so the bench works from any
//! directory.

use std::io::{BufRead, BufReader, Lines, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kefu::audio::wav;
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::models::ModelPaths;
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice, token_cap};
use kefu::speech::tts::espeak::EspeakVoice;
use kefu::speech::tts::{TtsEngine, Voice};
use kefu::speech::vad::{self, Vad, VadModel};

use super::speech::read_16k;

/// Real English speech shipped by Debian's `pocketsphinx-testdata`.
const LIBRIVOX_DIR: &str = "/usr/share/pocketsphinx/test/data/librivox";

const INSTALL_SCRIPT: &str = include_str!("../../scripts/bench-reference.sh");
const REFERENCE_SCRIPT: &str = include_str!("../../scripts/bench_reference.py");
/// A real read-speech clip from Debian's `pocketsphinx-testdata` (LibriVox, 7.1 s).
const DEFAULT_CLIP: &str =
    "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav";

/// What to measure.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Whisper speed: kefu against reference whisper.cpp (same ggml model, clip, threads and settings).
    Asr(AsrBenchArgs),
    /// Whisper's compute on the early takes of the replay fixtures (the transcripts that end turns), per take.
    AsrTakes(super::asr_takes::AsrTakesArgs),
    /// Silero VAD cost per 32 ms window, over 16 kHz mono WAV files (default: Debian's LibriVox clips).
    Vad {
        /// 16 kHz mono 16-bit WAV files.
        wavs: Vec<PathBuf>,
    },
    /// Time to first audio and real-time factor of the configured voices (and of espeak-ng, for English).
    Tts(TtsBenchArgs),
    /// Voice-to-voice latency over the replay fixtures, per Whisper model, with its breakdown.
    Latency(super::latency::LatencyArgs),
}

/// Arguments of `kefu bench tts`.
#[derive(Args)]
pub struct TtsBenchArgs {
    /// Only this language's voice: zh or en (default: both).
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Timed runs per text (after one warm-up run).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Threads per synthesis (default: `tts.threads` from the config).
    #[arg(long)]
    pub threads: Option<usize>,
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

/// Runs one benchmark.
pub fn run(config: &Config, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Asr(args) => bench_asr(args, config),
        BenchCommand::AsrTakes(args) => super::asr_takes::run(config, args),
        BenchCommand::Vad { wavs } => bench_vad(config, wavs),
        BenchCommand::Tts(args) => bench_tts(config, args),
        BenchCommand::Latency(args) => super::latency::run(config, args),
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
/// About three seconds of Mandarin: one sentence, two clauses.
const ZH_SENTENCE: &str = "您的订单已经发货，预计明天送达。";
const ZH_REPLY: &str = "感谢您的来电。您的订单昨天已经发货，预计星期五送达。请问还有什么可以帮您？";

fn bench_tts(config: &Config, args: TtsBenchArgs) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let mut tts = config.tts.clone();
    // Every run must synthesise: a cached sentence would time nothing.
    tts.sentence_cache_mb = 0;
    if let Some(threads) = args.threads {
        tts.threads = threads;
    }
    let texts: Vec<(Lang, &str)> = [
        (Lang::En, EN_REPLY),
        (Lang::Zh, ZH_SENTENCE),
        (Lang::Zh, ZH_REPLY),
    ]
    .into_iter()
    .filter(|(lang, _)| args.lang.is_none_or(|l| l == *lang))
    .collect();
    println!(
        "{} thread(s) per synthesis, {} timed run(s) after 1 warm-up; load average before: {}",
        kefu::speech::onnx::thread_count(tts.threads),
        args.runs,
        load_average()
    );
    let engine = TtsEngine::load(&config.models.dir, &tts)?;
    for &(lang, text) in &texts {
        report(engine.voice(lang).name(), &engine, text, lang, args.runs)?;
    }
    if args.lang != Some(Lang::Zh) && engine.voice(Lang::En).name() != "espeak:en-us" {
        let espeak: Arc<dyn Voice> = Arc::new(EspeakVoice::new(Lang::En, &tts.espeak_data)?);
        let scratch = std::env::temp_dir().join("kefu-bench-tts-cache");
        let espeak_engine =
            TtsEngine::with_voices(Arc::clone(&espeak), espeak, tts.speed, &scratch)
                .with_sentence_cache(0);
        report(
            "espeak:en-us",
            &espeak_engine,
            EN_REPLY,
            Lang::En,
            args.runs,
        )?;
    }
    println!("load average after: {}", load_average());
    Ok(())
}

/// Speaks `text` once to warm up, then `runs` times the way calls hear it (piece by piece, streaming within
/// a sentence where the voice can), and prints the minimum and median time to first audio, total time,
/// real-time factor and CPU time.
fn report(name: &str, engine: &TtsEngine, text: &str, lang: Lang, runs: usize) -> Result<()> {
    for chunk in engine.speak(text, lang) {
        chunk?;
    }
    let (mut first, mut total, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    let (mut audio_secs, mut pieces, mut first_secs) = (0.0, 0, 0.0);
    for _ in 0..runs {
        let cpu_start = process_cpu_secs();
        let start = Instant::now();
        (audio_secs, pieces) = (0.0, 0);
        engine.speak_pieces(text, lang, &mut |piece| {
            let secs = piece.samples.len() as f64 / f64::from(piece.sample_rate.max(1));
            if pieces == 0 {
                first.push(start.elapsed().as_secs_f64());
                first_secs = secs;
            }
            pieces += 1;
            audio_secs += secs;
            true
        });
        total.push(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu_start, process_cpu_secs()) {
            cpu.push(b - a);
        }
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let audio = audio_secs.max(f64::EPSILON);
    println!(
        "tts {name} ({lang}) {text:?}: {audio_secs:.2} s of audio in {pieces} piece(s), the first {first_secs:.2} s\n  \
         time to first audio min {:.3} s, median {:.3} s; total min {:.3} s, median {:.3} s; \
         RTF min {:.3}, median {:.3}; CPU median {:.3} s ({:.2} CPU-s per audio-s)",
        min(&first),
        median(&first),
        min(&total),
        median(&total),
        min(&total) / audio,
        median(&total) / audio,
        median(&cpu),
        median(&cpu) / audio,
    );
    Ok(())
}

/// The 1, 5 and 15-minute load averages (`/proc/loadavg`): timings on a shared machine need them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// Timings of one engine on one model: wall-clock and CPU seconds (all threads) per run.
#[derive(Default)]
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

fn bench_asr(args: AsrBenchArgs, config: &Config) -> Result<()> {
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
        "clip {} ({audio_secs:.2} s), {} threads, {} runs after 1 warm-up (kefu and reference alternate), audio context: {}",
        args.clip.display(),
        asr.threads,
        args.runs,
        if asr.fit_audio_context {
            "fitted to the clip"
        } else {
            "full 30 s"
        },
    );
    let python = if args.no_reference {
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
        digits: false,
    };
    println!(
        "{:<16} {:<10} {:>9} {:>9} {:>7} {:>9}  text",
        "model", "engine", "median", "min", "RTF", "CPU"
    );
    for name in &args.models {
        asr.model = name.clone();
        let engine = AsrEngine::load(&config.models.dir, &asr)
            .with_context(|| format!("loading Whisper model {name}"))?;
        let model = engine.model().to_string();
        let warm = engine.transcribe(&samples, &opts)?;
        let mut reference = match &python {
            Some(python) => {
                let model_file =
                    ModelPaths::new(&config.models.dir)?.file(&model, "ggml-model.bin")?;
                let settings = ReferenceSettings {
                    threads: asr.threads,
                    // kefu passes 0 for the full window; so does the reference.
                    audio_ctx: if warm.audio_ctx >= 1500 {
                        0
                    } else {
                        warm.audio_ctx
                    },
                    max_tokens: token_cap(audio_secs as f32),
                };
                match Reference::start(python, &model_file, &args.clip, &settings) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        println!("{model:<16} reference failed to start: {e:#}");
                        None
                    }
                }
            }
            None => None,
        };
        let mut kefu = Timing::default();
        let mut theirs = Timing::default();
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
            kefu.text = t.text;
            if let Some(r) = &mut reference {
                let run = r.run_once()?;
                theirs.times.push(run.wall);
                theirs.cpu.push(run.cpu);
                theirs.text = run.text;
            }
        }
        drop(engine);
        print_row(&model, "kefu", &kefu, audio_secs);
        if retries > 0 {
            println!(
                "{:<16} note: {retries} of {} runs retried with a wider audio context",
                "", args.runs
            );
        }
        if reference.is_none() {
            continue;
        }
        print_row(&model, "reference", &theirs, audio_secs);
        let ratio = kefu.median() / theirs.median();
        println!(
            "{:<16} {:<10} {:>9.2} {:>9.2}         {:>9.2}  {}",
            model,
            "ratio",
            ratio,
            kefu.min() / theirs.min(),
            median(&kefu.cpu) / median(&theirs.cpu),
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

/// Decoding settings the reference must share with kefu.
struct ReferenceSettings {
    threads: usize,
    audio_ctx: usize,
    max_tokens: usize,
}

/// One reference run, as reported by `scripts/bench_reference.py`.
#[derive(serde::Deserialize)]
struct ReferenceRun {
    wall: f64,
    cpu: f64,
    text: String,
}

/// The reference process with the model loaded and warmed up, transcribing the clip on request.
struct Reference {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Reference {
    fn start(python: &Path, model: &Path, clip: &Path, s: &ReferenceSettings) -> Result<Self> {
        let mut child = Command::new(python)
            .arg("-c")
            .arg(REFERENCE_SCRIPT)
            .arg("--model")
            .arg(model)
            .arg("--clip")
            .arg(clip)
            .args(["--threads", &s.threads.to_string()])
            .args(["--audio-ctx", &s.audio_ctx.to_string()])
            .args(["--max-tokens", &s.max_tokens.to_string()])
            .args(["--language", "en"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("running {}", python.display()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("the reference process has no stdin/stdout pipes");
        };
        let mut reference = Self {
            child,
            stdin: Some(stdin),
            lines: BufReader::new(stdout).lines(),
        };
        let ready = reference.next_line()?;
        if !ready.contains("\"ready\"") {
            bail!("unexpected first line from the reference: {ready:?}");
        }
        Ok(reference)
    }

    fn run_once(&mut self) -> Result<ReferenceRun> {
        let stdin = self
            .stdin
            .as_mut()
            .context("the reference's stdin is closed")?;
        stdin
            .write_all(b"run\n")
            .and_then(|()| stdin.flush())
            .context("asking the reference for a run")?;
        let line = self.next_line()?;
        serde_json::from_str(&line)
            .with_context(|| format!("reading the reference's report {line:?}"))
    }

    fn next_line(&mut self) -> Result<String> {
        match self.lines.next() {
            Some(line) => line.context("reading from the reference"),
            None => bail!("the reference exited early (see its messages above)"),
        }
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        // Closing stdin ends the script's loop; then reap it.
        self.stdin.take();
        let _ = self.child.wait();
    }
}
