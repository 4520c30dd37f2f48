//! The `kefu` command line.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use kefu::config::Config;

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "Voice-first AI customer service for e-commerce"
)]
struct Cli {
    /// Configuration file (default: $KEFU_CONFIG, then ./kefu.toml, then built-in defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the effective configuration as TOML.
    Config,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config => print!("{}", toml::to_string_pretty(&config)?),
    }
    Ok(())
}
