//! `kefu users …`: the accounts that sign in to the agent console and the dashboard.

use std::io::BufRead;

use anyhow::{Context, Result};
use clap::Subcommand;
use kefu::auth::{Auth, Role};
use kefu::config::Config;
use kefu::store::Store;

/// Users subcommands. Passwords come from `$KEFU_PASSWORD` or the first line of stdin, never the command line
/// (which other users of the machine can see).
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account.
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Name shown to colleagues (default: the username).
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List accounts.
    List,
    /// Delete an account (its sessions end).
    Remove { username: String },
    /// Set a new password (signs the account out everywhere).
    Passwd { username: String },
}

/// Runs a users subcommand.
pub fn run(config: &Config, command: UsersCommand) -> Result<()> {
    let auth = Auth::new(Store::open(&config.store.path)?, &config.auth);
    match command {
        UsersCommand::Add {
            username,
            role,
            name,
        } => {
            let user = auth.add_user(&username, &name, role, &read_password()?)?;
            println!("added {} ({:?})", user.username, user.role);
        }
        UsersCommand::List => {
            for user in auth.users()? {
                println!("{}\t{:?}\t{}", user.username, user.role, user.display_name);
            }
        }
        UsersCommand::Remove { username } => {
            auth.remove_user(&username)?;
            println!("removed {username}");
        }
        UsersCommand::Passwd { username } => {
            auth.set_password(&username, &read_password()?)?;
            println!("password of {username} changed; its sessions were ended");
        }
    }
    Ok(())
}

fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("KEFU_PASSWORD") {
        return Ok(password);
    }
    eprintln!("password (one line on stdin):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
