//! `kefu store …`: create, seed and inspect the shop database.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use kefu::config::Config;
use kefu::store::seed::{self, DEFAULT_SEED_DAY};
use kefu::store::{Store, StoreError};

/// Store subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Fill the database with the demo shop (deterministic for a given --as-of day).
    Seed {
        /// Wipe existing data first (conversation logs included).
        #[arg(long)]
        force: bool,
        /// The "today" of the demo data: YYYY-MM-DD or `today` (default 2024-12-10, which tests use).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Print row counts per order status.
    Stats,
}

/// Parses `--as-of`.
fn seed_day(arg: Option<&str>) -> Result<NaiveDate> {
    match arg {
        None => Ok(DEFAULT_SEED_DAY),
        Some("today") => Ok(chrono::Local::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .with_context(|| format!("invalid --as-of {s:?}: expected YYYY-MM-DD or `today`")),
    }
}

/// Runs a store subcommand.
pub fn run(config: &Config, command: StoreCommand) -> Result<()> {
    let store = Store::open(&config.store.path)?;
    match command {
        StoreCommand::Seed { force, as_of } => {
            let day = seed_day(as_of.as_deref())?;
            match seed::seed(&store, day, force) {
                Ok(s) => println!(
                    "seeded {} as of {day}: {} products, {} customers, {} orders, {} promotions, {} tickets",
                    config.store.path.display(),
                    s.products,
                    s.customers,
                    s.orders,
                    s.promotions,
                    s.tickets
                ),
                Err(StoreError::AlreadySeeded) => {
                    anyhow::bail!(
                        "{} already holds a shop: pass --force to wipe and re-seed it",
                        config.store.path.display()
                    )
                }
                Err(e) => return Err(e.into()),
            }
        }
        StoreCommand::Stats => {
            println!(
                "database {} (schema v{})",
                config.store.path.display(),
                store.schema_version()?
            );
            println!("products: {}", store.product_count()?);
            for (status, n) in store.order_status_counts()? {
                println!("orders {status}: {n}");
            }
        }
    }
    Ok(())
}
