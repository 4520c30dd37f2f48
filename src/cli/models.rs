//! `kefu models list` and `kefu models fetch [NAME...]`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kefu::config::{AsrConfig, Config};
use kefu::models::fetch::{FetchOutcome, Fetcher, ModelState, ModelStatus, human_size};
use kefu::models::{ModelPaths, ModelSpec};
use kefu::speech::asr::{AsrEngine, AsrOptions, LanguageChoice};

use super::speech::read_16k;

/// `kefu models ...`
#[derive(Subcommand)]
pub enum ModelsCmd {
    /// Show every model: present or missing, size, checksum state, path.
    List,
    /// Download, verify and convert models (all of them if no name is given). Safe to run again.
    Fetch {
        /// Model names from the manifest (see `kefu models list`).
        names: Vec<String>,
    },
}

pub fn run(cmd: ModelsCmd, config: &Config) -> Result<()> {
    let paths = ModelPaths::new(&config.models.dir)?;
    match cmd {
        ModelsCmd::List => list(&paths),
        ModelsCmd::Fetch { names } => fetch(&paths, config, &names),
    }
}

fn list(paths: &ModelPaths) -> Result<()> {
    println!(
        "{:<16} {:<9} {:>10}  {:<10} PATH",
        "MODEL", "PRESENT", "SIZE", "CHECKSUM"
    );
    for spec in &paths.manifest().models {
        let s = ModelStatus::of(paths, spec);
        let (present, checksum) = match &s.state {
            ModelState::Ok => ("present", "ok".to_string()),
            ModelState::Missing => ("missing", "missing".to_string()),
            ModelState::Mismatch(why) => ("present", format!("mismatch ({why})")),
        };
        let size = if s.size > 0 {
            human_size(s.size)
        } else {
            "-".into()
        };
        println!(
            "{:<16} {:<9} {:>10}  {:<10} {}",
            s.name,
            present,
            size,
            checksum,
            s.path.display()
        );
    }
    Ok(())
}

fn fetch(paths: &ModelPaths, config: &Config, names: &[String]) -> Result<()> {
    let specs: Vec<&ModelSpec> = if names.is_empty() {
        paths.manifest().models.iter().collect()
    } else {
        names
            .iter()
            .map(|n| paths.manifest().get(n))
            .collect::<Result<_, _>>()?
    };
    let proof = |spec: &ModelSpec, _dir: &Path| prove_whisper(paths.dir(), spec, config);
    let fetcher = Fetcher::new(paths, &config.models.cache_dir).with_proof(&proof);
    let mut failed = Vec::new();
    for spec in specs {
        match fetcher.fetch(spec) {
            Ok(FetchOutcome::AlreadyOk) => println!("{}: ok", spec.name),
            Ok(FetchOutcome::Fetched { took, proof }) => {
                println!("{}: fetched in {:.1} s", spec.name, took.as_secs_f32());
                if let Some(proof) = proof {
                    println!("{}: verified: {proof}", spec.name);
                }
            }
            Err(e) => {
                eprintln!("{}: FAILED: {e}", spec.name);
                failed.push(spec.name.clone());
            }
        }
    }
    if !failed.is_empty() {
        bail!("could not fetch: {}", failed.join(", "));
    }
    Ok(())
}

/// A real English recording (Debian `pocketsphinx-testdata`) and its words.
const PROOF_CLIP: &str =
    "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav";
const PROOF_WORDS: &str = "he was not an ill disposed young man";
/// Fallback when the recording is absent: synthesized with espeak-ng.
const SYNTH_WORDS: &str = "your order has shipped";

/// Transcribes a known clip with the freshly converted model; fails unless the words come back.
fn prove_whisper(models_dir: &Path, spec: &ModelSpec, config: &Config) -> Result<String, String> {
    let short = spec.name.strip_prefix("whisper-").unwrap_or(&spec.name);
    let asr = AsrConfig {
        model: short.to_string(),
        workers: 1,
        ..config.asr.clone()
    };
    let engine = AsrEngine::load(models_dir, &asr).map_err(|e| e.to_string())?;
    let (clip, expected, synthesized) = proof_clip().map_err(|e| format!("{e:#}"))?;
    let samples = read_16k(&clip).map_err(|e| format!("{e:#}"));
    if synthesized {
        let _ = std::fs::remove_file(&clip);
    }
    let samples = samples?;
    let opts = AsrOptions {
        language: LanguageChoice::Fixed(kefu::lang::Lang::En),
        prompt: None,
        digits: false,
    };
    let t = engine
        .transcribe(&samples, &opts)
        .map_err(|e| e.to_string())?;
    let recall = word_recall(expected, &t.text);
    let what = format!(
        "{} → {:?} ({:.0}% of the words, {:.2} s)",
        clip.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        t.text,
        recall * 100.0,
        t.compute.as_secs_f32()
    );
    if recall >= 0.6 {
        Ok(what)
    } else {
        Err(format!("expected {expected:?}: {what}"))
    }
}

/// The clip to prove a model with, its words, and whether it is a temporary synthesized file.
fn proof_clip() -> Result<(PathBuf, &'static str, bool)> {
    let clip = PathBuf::from(PROOF_CLIP);
    if clip.is_file() {
        return Ok((clip, PROOF_WORDS, false));
    }
    let wav = std::env::temp_dir().join(format!("kefu-proof-{}.wav", std::process::id()));
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&wav)
        .arg(SYNTH_WORDS)
        .status()
        .context(
            "neither pocketsphinx-testdata nor espeak-ng is installed: run scripts/setup.sh",
        )?;
    if !status.success() {
        bail!("espeak-ng failed ({status})");
    }
    Ok((wav, SYNTH_WORDS, true))
}

/// Share of the reference words found, in order, in the hypothesis (case and punctuation ignored).
fn word_recall(reference: &str, hypothesis: &str) -> f32 {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect()
    };
    let (r, h) = (words(reference), words(hypothesis));
    let mut found = 0;
    let mut rest = h.iter();
    for w in &r {
        if rest.clone().any(|x| x == w) {
            found += 1;
            for x in rest.by_ref() {
                if x == w {
                    break;
                }
            }
        }
    }
    if r.is_empty() {
        0.0
    } else {
        found as f32 / r.len() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::word_recall;

    #[test]
    fn recall_counts_words_in_order() {
        assert_eq!(
            word_recall(
                "he was not an ill disposed young man",
                "He was not an ill-disposed young man."
            ),
            1.0
        );
        assert_eq!(
            word_recall("your order has shipped", "Your order is shipped"),
            0.75
        );
        assert_eq!(word_recall("a b", ""), 0.0);
    }
}
