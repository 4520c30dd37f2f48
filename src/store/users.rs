//! Accounts of the people who sign in (agents, managers) and their browser sessions.

use rusqlite::ErrorCode;

use super::{Store, StoreError, query_all};

/// A stored account. The role is kept as text here; `crate::auth` gives it meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
}

const USER_COLUMNS: &str =
    "users.id, users.username, users.display_name, users.role, users.password_hash";

fn stored_user(row: &rusqlite::Row<'_>) -> Result<StoredUser, StoreError> {
    Ok(StoredUser {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        role: row.get(3)?,
        password_hash: row.get(4)?,
    })
}

impl Store {
    /// Adds an account; a taken username (case-insensitive) is [`StoreError::Duplicate`].
    pub fn insert_user(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        password_hash: &str,
    ) -> Result<StoredUser, StoreError> {
        let conn = self.lock();
        let inserted = conn.execute(
            "INSERT INTO users (username, display_name, role, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP)",
            (username, display_name, role, password_hash),
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::Duplicate(format!("user {username}")))
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(StoredUser {
                id: conn.last_insert_rowid(),
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                role: role.to_owned(),
                password_hash: password_hash.to_owned(),
            }),
        }
    }

    /// The account with this username (case-insensitive).
    pub fn user_by_name(&self, username: &str) -> Result<Option<StoredUser>, StoreError> {
        let conn = self.lock();
        super::query_one(
            &conn,
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
            [username],
            stored_user,
        )
    }

    /// Every account, by username.
    pub fn users(&self) -> Result<Vec<StoredUser>, StoreError> {
        let conn = self.lock();
        query_all(
            &conn,
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"),
            [],
            stored_user,
        )
    }

    /// Removes an account and its sessions; `false` if there was none.
    pub fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .execute("DELETE FROM users WHERE username = ?1", [username])?
            > 0)
    }

    /// Replaces an account's password hash and ends its sessions; `false` if there is no such account.
    pub fn set_password_hash(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE username = ?1",
            (username, password_hash),
        )?;
        tx.execute(
            "DELETE FROM user_sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?1)",
            [username],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Records a session (times in Unix seconds), dropping sessions that expired before `now`.
    pub fn insert_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute("DELETE FROM user_sessions WHERE expires_at <= ?1", [now])?;
        conn.execute(
            "INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            (token_hash, user_id, now, expires_at),
        )?;
        Ok(())
    }

    /// The account of a session that is still valid at `now`.
    pub fn session_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<StoredUser>, StoreError> {
        let conn = self.lock();
        super::query_one(
            &conn,
            &format!(
                "SELECT {USER_COLUMNS} FROM user_sessions JOIN users ON users.id = user_sessions.user_id
                 WHERE user_sessions.token_hash = ?1 AND user_sessions.expires_at > ?2"
            ),
            (token_hash, now),
            stored_user,
        )
    }

    /// Ends a session (signing out).
    pub fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "DELETE FROM user_sessions WHERE token_hash = ?1",
            [token_hash],
        )?;
        Ok(())
    }
}
