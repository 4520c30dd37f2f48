//! `kefu replay`: run recorded callers through the production pipeline and check what happened.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use kefu::config::Config;
use kefu::doors::replay::{self, Replayer};

/// Options of `kefu replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A fixture (`.yaml`), a bare recording (`.wav`) or a directory of them (e.g. `audio-fixtures/`).
    pub path: PathBuf,
    /// Write `<fixture>.wav` (caller left, bot right) and `<fixture>.json` (verdict and call log) here.
    #[arg(long, default_value = "replay-out")]
    pub out: PathBuf,
    /// Only fixtures whose name contains this.
    #[arg(long)]
    pub only: Option<String>,
    /// Also keep each replayed call's record in the store (`[store] path` / `KEFU_DB`) for analytics.
    #[arg(long)]
    pub record: bool,
    /// Whisper model (default: `asr.model` from the config).
    #[arg(long)]
    pub model: Option<String>,
}

/// Replays and prints the summary; fails if any fixture failed.
pub fn run(config: &Config, args: ReplayArgs) -> Result<()> {
    let mut fixtures = replay::discover(&args.path)?;
    if let Some(only) = &args.only {
        fixtures.retain(|f| f.name.contains(only.as_str()));
        if fixtures.is_empty() {
            bail!("no fixture in {} matches {only:?}", args.path.display());
        }
    }
    let mut config = config.clone();
    if let Some(model) = args.model {
        config.asr.model = model;
    }
    let mut replayer = Replayer::load(&config).context("loading the engines for the replay")?;
    if args.record {
        let store = kefu::store::Store::open(&config.store.path)
            .with_context(|| format!("opening the store {}", config.store.path.display()))?;
        replayer = replayer.record_to(store);
    }
    let mut outcomes = Vec::with_capacity(fixtures.len());
    for fixture in &fixtures {
        let outcome = replayer
            .run(fixture)
            .with_context(|| format!("replaying {}", fixture.name))?;
        replay::write_outcome(&outcome, &args.out)?;
        eprintln!(
            "{:<28} {}",
            outcome.fixture,
            match (outcome.checked, outcome.passed) {
                (false, _) => "logged",
                (true, true) => "PASS",
                (true, false) => "FAIL",
            }
        );
        outcomes.push(outcome);
    }
    print!("{}", replay::summary(&outcomes));
    println!(
        "model {}; call logs and stereo recordings in {}",
        replayer.asr_model(),
        args.out.display()
    );
    let failed = outcomes.iter().filter(|o| o.checked && !o.passed).count();
    if failed > 0 {
        bail!("{failed} fixture(s) failed");
    }
    Ok(())
}
