//! The shop's data: catalogue, customers, orders, logistics, promotions, tickets and the conversation log.
//!
//! SQLite through rusqlite, one connection behind a mutex (WAL mode, busy timeout). Every SQL statement of kefu
//! lives in this module; the schema is a list of versioned migrations applied in one transaction each.

mod agent_calls;
mod analytics;
pub mod background;
pub use analytics::{
    AgentHandling, AnalyticsTurn, CallResult, Interaction, InteractionEnd, Purged, Recording,
    TurnDetail,
};
mod catalog;
mod conversations;
mod migrations;
mod orders;
pub use orders::OrderField;
mod records;
pub mod seed;
mod tickets;
mod time;
mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

pub use agent_calls::{AgentCall, NewAgentCall};
pub use records::*;
pub use time::{format_date, format_datetime, parse_date, parse_datetime};
pub use users::StoredUser;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source} (check the path in [store] path / KEFU_DB)")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("corrupt value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("the store already holds data; pass --force to wipe and re-seed it")]
    AlreadySeeded,
}

/// A handle to the shop database; cheap to clone and safe to share between threads.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        // WAL lets readers (dashboards, `kefu nlu review`) work while a server writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        // With WAL, NORMAL keeps the database consistent after a crash and avoids an fsync per write.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Self::init(conn)
    }

    /// Opens the database file like [`Store::open`] and, if it holds no shop yet, seeds the demo shop as of
    /// `today`.
    pub fn open_seeded(path: &Path, today: chrono::NaiveDate) -> Result<Self, StoreError> {
        let store = Self::open(path)?;
        if store.product_count()? == 0 {
            tracing::info!(db = %path.display(), %today, "empty database: seeding the demo shop");
            seed::seed(&store, today, false)?;
        }
        Ok(store)
    }

    /// A private in-memory database (tests, experiments).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::apply(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The schema version after migrations (the highest applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrations::current_version(&self.lock())
    }

    /// Deletes every row of the shop and conversation tables (the schema and the sign-in accounts stay).
    pub fn wipe(&self) -> Result<(), StoreError> {
        self.lock().execute_batch(
            "BEGIN;
             DELETE FROM turns; DELETE FROM recordings; DELETE FROM conversations; DELETE FROM tickets; DELETE FROM logistics_events;
             DELETE FROM order_items; DELETE FROM orders; DELETE FROM promotions; DELETE FROM customers;
             DELETE FROM products;
             COMMIT;",
        )?;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (statements are atomic and
        // transactions roll back on drop), so a poisoned mutex is still safe to use.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs a query and converts every row.
fn query_all<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    convert: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(convert(row)?);
    }
    Ok(out)
}

/// Runs a query and converts its first row, if any.
fn query_one<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    convert: impl Fn(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    rows.next()?.map(convert).transpose()
}
