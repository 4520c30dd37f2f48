//! `kefu talk`: a call with kefu through this computer's microphone and speaker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::Args;
use kefu::config::Config;
use kefu::dialogue::Channel;
use kefu::doors::mic;
use kefu::lang::Lang;
use kefu::pipeline::{CallSpec, Control, Engines, UiEvent};

/// Options of `kefu talk`.
#[derive(Debug, Args)]
pub struct TalkArgs {
    /// Call as this number (recognises the customer), e.g. +8613800138000.
    #[arg(long)]
    pub phone: Option<String>,
    /// The call's language: zh or en (default: from your first words).
    #[arg(long)]
    pub lang: Option<Lang>,
    /// Also write the call log (JSON) here.
    #[arg(long)]
    pub log: Option<std::path::PathBuf>,
}

/// Runs one call; Ctrl-C hangs up.
pub fn run(config: &Config, args: TalkArgs) -> Result<()> {
    let devices = mic::SoundDevices::open()?;
    let engines = Engines::load(config).context("loading the engines")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("kefu-ctrl-c".into())
        .spawn(move || {
            let waited = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(tokio::signal::ctrl_c()));
            if matches!(waited, Ok(Ok(()))) {
                flag.store(true, Ordering::Relaxed);
            }
        })
        .context("starting the Ctrl-C watcher")?;
    let spec = CallSpec {
        channel: Channel::Mic,
        caller: args.phone,
        lang: args.lang,
    };
    eprintln!("Calling kefu: speak after the greeting; Ctrl-C hangs up.");
    let log = mic::talk(devices, &engines, spec, &stop, |control| match control {
        Control::Event(UiEvent::CallerSaid { text, .. }) => println!("you:  {text}"),
        Control::Event(UiEvent::BotSaid { text, .. }) => println!("kefu: {text}"),
        Control::Event(UiEvent::State(_)) => {}
        Control::Escalate {
            reason, summary, ..
        } => println!("[handed to a person ({reason}): {summary}]"),
        Control::Hangup => println!("[kefu hung up]"),
    })?;
    eprintln!(
        "call ended ({}) after {:.0} s, {} turns",
        log.end,
        log.duration_secs,
        log.turns.len()
    );
    if let Some(path) = args.log {
        std::fs::write(&path, serde_json::to_string_pretty(&log)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
