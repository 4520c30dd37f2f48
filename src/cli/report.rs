//! `kefu report` (analytics for a date range) and `kefu privacy` (data-subject export/erase, retention).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use kefu::analytics::{Filter, Format, Summary, report};
use kefu::config::Config;
use kefu::lang::Lang;
use kefu::privacy::{retention, subject};
use kefu::store::Store;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// First day, YYYY-MM-DD (default: 7 days before --to).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day, YYYY-MM-DD, inclusive (default: today).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// csv, json or html.
    #[arg(long, default_value = "json")]
    format: Format,
    /// Only one door: phone, web_voice, chat, replay, mic.
    #[arg(long)]
    door: Option<String>,
    /// Only one language: zh or en.
    #[arg(long)]
    lang: Option<Lang>,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Print (JSON) everything kefu holds about the caller with this phone number.
    Export {
        phone: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Delete every interaction (turns, recordings) of the caller with this phone number.
    Erase {
        phone: String,
        /// Confirm the deletion (it cannot be undone).
        #[arg(long)]
        yes: bool,
    },
    /// Delete transcripts and recordings older than [privacy] retention_days now.
    Retention {
        /// Override the configured number of days.
        #[arg(long)]
        days: Option<u32>,
    },
}

fn open_store(config: &Config) -> Result<Store> {
    Store::open(&config.store.path)
        .with_context(|| format!("opening the store {}", config.store.path.display()))
}

fn emit(text: &str, output: Option<&PathBuf>) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Runs `kefu report`.
pub fn run(config: &Config, args: ReportArgs) -> Result<()> {
    let to = args.to.unwrap_or_else(|| chrono::Local::now().date_naive());
    let from = args.from.unwrap_or(to - chrono::Duration::days(6));
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    if let Some(door) = &args.door
        && !["phone", "web_voice", "chat", "replay", "mic"].contains(&door.as_str())
    {
        bail!("unknown door {door:?}: use phone, web_voice, chat, replay or mic");
    }
    let store = open_store(config)?;
    let summary = Summary::build(
        &store,
        &Filter {
            from,
            to,
            door: args.door,
            lang: args.lang,
        },
    )?;
    emit(
        &report::render(&summary, args.format)?,
        args.output.as_ref(),
    )
}

/// Runs `kefu privacy …`.
pub fn privacy(config: &Config, command: PrivacyCommand) -> Result<()> {
    let store = open_store(config)?;
    match command {
        PrivacyCommand::Export { phone, output } => {
            let data = subject::export(&store, &phone)?;
            let mut json = serde_json::to_string_pretty(&data)?;
            json.push('\n');
            emit(&json, output.as_ref())?;
            eprintln!("{} interactions exported", data.interactions.len());
        }
        PrivacyCommand::Erase { phone, yes } => {
            if !yes {
                let n = store.caller_interaction_ids(&phone)?.len();
                bail!("{n} interactions would be erased: add --yes to erase them");
            }
            let n = subject::erase(&store, &phone)?;
            println!("erased {n} interactions");
        }
        PrivacyCommand::Retention { days } => {
            let days = days.unwrap_or(config.privacy.retention_days);
            if days == 0 {
                println!("retention_days = 0: transcripts are kept forever");
                return Ok(());
            }
            let purged = retention::sweep(&store, days, chrono::Local::now().naive_local())?;
            println!(
                "deleted {} transcripts and {} recordings older than {days} days",
                purged.transcripts,
                purged.recordings.len()
            );
        }
    }
    Ok(())
}
