//! `kefu nlu review`: export turns worth a person's look (low confidence or escalated) as JSONL
//! `{"text", "lang", "intent"}` lines — the predicted intent, for a reviewer to correct and drop into
//! `data/nlu/reviewed/`.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use kefu::config::Config;
use kefu::store::Store;

/// Options of `kefu nlu review`.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// Write here instead of stdout (e.g. data/nlu/reviewed/2024-12-10.jsonl).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Export turns understood with confidence below this.
    #[arg(long, default_value_t = 0.6)]
    pub below: f32,
}

/// Runs the export; prints how many lines were written to stderr.
pub fn run(config: &Config, args: ReviewArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.below) {
        anyhow::bail!(
            "--below {} is not a confidence: use a value between 0 and 1",
            args.below
        );
    }
    let store = Store::open(&config.store.path)?;
    let turns = store.turns_for_review(args.below)?;
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    for t in turns {
        let Some(intent) = t.intent else { continue };
        if seen.insert((t.text.clone(), t.lang)) {
            lines.push(serde_json::to_string(&serde_json::json!({
                "text": t.text,
                "lang": t.lang,
                "intent": intent,
            }))?);
        }
    }
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            )
        }
        None => Box::new(std::io::stdout().lock()),
    };
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    eprintln!(
        "{} turns to review (confidence below {} or escalated)",
        lines.len(),
        args.below
    );
    Ok(())
}
