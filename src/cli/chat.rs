//! `kefu chat`: talk to the dialogue engine on stdin/stdout (works with a pipe too).

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use kefu::config::Config;
use kefu::dialogue::{Channel, DialogueEngine, Outcome, Reply, UserInput};
use kefu::lang::Lang;

/// Loads everything the dialogue engine needs: the store (seeded if empty), the NLU model (trained from the
/// repository data if missing) and the knowledge base.
pub fn open_engine(config: &Config) -> Result<DialogueEngine> {
    DialogueEngine::open(config).with_context(|| {
        format!(
            "opening the dialogue engine (store {}, NLU model under {}; `kefu nlu train` retrains it)",
            config.store.path.display(),
            config.models.dir.display()
        )
    })
}

/// Options of `kefu chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// Pretend to call from this number (recognises the customer), e.g. +8613800138000.
    #[arg(long)]
    pub phone: Option<String>,
    /// Greeting language: zh or en (later turns follow the caller).
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Show intent, confidence, entities and sentiment of every turn.
    #[arg(long)]
    pub verbose: bool,
}

fn print_reply(out: &mut impl Write, reply: &Reply, verbose: bool) -> Result<()> {
    writeln!(out, "kefu> {}", reply.text)?;
    if verbose && let Some(u) = &reply.understanding {
        writeln!(
            out,
            "      [{} {:.2}{} | sentiment {:.2} | entities {} | expect {:?}]",
            u.intent.name(),
            u.confidence,
            if u.uncertain { " uncertain" } else { "" },
            u.sentiment,
            serde_json::to_string(&u.entities)?,
            reply.expect
        )?;
    }

    match &reply.outcome {
        Outcome::Continue => {}
        Outcome::End => writeln!(out, "      [conversation ended]")?,
        Outcome::Escalate {
            reason,
            priority,
            summary,
        } => writeln!(
            out,
            "      [escalated to a person: {} ({priority:?})]\n      [{summary}]",
            reason.as_str()
        )?,
    }
    out.flush()?;
    Ok(())
}

/// Runs the chat loop until end of input or the conversation ends. Lines starting with `#` are sent as keypad
/// digits (`#20241234`), an empty line as silence.
pub fn run(config: &Config, args: ChatArgs) -> Result<()> {
    let engine = Arc::new(open_engine(config)?);
    let (mut conv, greeting) = engine.start(Channel::Chat, args.phone.as_deref(), args.lang)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    print_reply(&mut out, &greeting, args.verbose)?;
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading stdin")?;
        let input = match line.trim() {
            "" => UserInput::NoInput,
            l if l.starts_with('#') => UserInput::Digits(l.trim_start_matches('#').to_string()),
            l => UserInput::Text(l.to_string()),
        };
        let reply = engine.handle(&mut conv, input)?;
        print_reply(&mut out, &reply, args.verbose)?;
        if !matches!(reply.outcome, Outcome::Continue) {
            break;
        }
    }
    Ok(())
}
