//! Versioned schema migrations, embedded in the binary and applied in order, each in its own transaction.

use rusqlite::{Connection, OptionalExtension};

use super::StoreError;

/// (version, name, SQL). Append only: a released migration is never edited.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (2, "users", include_str!("migrations/0002_users.sql")),
    (
        3,
        "agent_calls",
        include_str!("migrations/0003_agent_calls.sql"),
    ),
    (
        4,
        "analytics",
        include_str!("migrations/0004_analytics.sql"),
    ),
];

/// Applies every migration the database has not had yet, in order. Checking each version (not only those above
/// the highest applied) also heals a database made by a build that lacked a migration numbered below another.
pub(super) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let applied: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT version FROM schema_migrations")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for &(version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| !applied.contains(v)) {
        let wrap = |source| StoreError::Migration {
            version,
            name,
            source,
        };
        let tx = conn.transaction().map_err(wrap)?;
        tx.execute_batch(sql).map_err(wrap)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, CURRENT_TIMESTAMP)",
            (version, name),
        )
        .map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        // Upgrading a database that holds data is news; creating one (every replay, every test) is not.
        if applied.is_empty() {
            tracing::debug!(version, name, "created database schema");
        } else {
            tracing::info!(version, name, "applied database migration");
        }
    }
    Ok(())
}

/// The highest applied migration (0 for a new database).
pub(super) fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0))
}
