//! Who may use kefu's staff pages: accounts with a role, argon2-hashed passwords and expiring sessions.
//!
//! Agents sign in to the console, managers to the dashboard (and may do everything an agent may). A session is a
//! random token in an HttpOnly cookie; the store keeps only its SHA-256, with an expiry.

pub mod web;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError, StoredUser};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Failed sign-ins for one username within [`LOCKOUT`] after which it is refused for the rest of that window.
const MAX_FAILURES: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(300);

/// `[auth]`: staff sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// A sign-in lasts this many hours (one shift), then the page asks again.
    pub session_hours: u64,
    /// Mark the session cookie `Secure` (set when kefu is served over HTTPS, e.g. behind a TLS proxy).
    pub cookie_secure: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_hours: 12,
            cookie_secure: false,
        }
    }
}

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes calls in the agent console.
    Agent,
    /// Sees the dashboard and reports; may also take calls.
    Manager,
}

impl Role {
    /// Whether this role includes `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Manager || self == needed
    }

    fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
        }
    }

    fn parse(s: &str) -> Result<Self, AuthError> {
        match s {
            "agent" => Ok(Role::Agent),
            "manager" => Ok(Role::Manager),
            other => Err(AuthError::Store(StoreError::Corrupt {
                column: "users.role",
                value: other.to_owned(),
            })),
        }
    }
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl TryFrom<StoredUser> for User {
    type Error = AuthError;

    fn try_from(u: StoredUser) -> Result<Self, AuthError> {
        Ok(User {
            id: u.id,
            role: Role::parse(&u.role)?,
            username: u.username,
            display_name: u.display_name,
        })
    }
}

/// Errors of sign-in and account management.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Deliberately silent on whether the username exists.
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed sign-ins for {0}; try again in a few minutes")]
    LockedOut(String),
    #[error("invalid username {0:?}: use 1–64 letters, digits, '.', '_', '-' or '@'")]
    InvalidUsername(String),
    #[error("password too short: at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("no user {0}")]
    UnknownUser(String),
    #[error("user {0} already exists")]
    Duplicate(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => AuthError::Duplicate(what),
            other => AuthError::Store(other),
        }
    }
}

/// Accounts and sessions; cheap to clone.
#[derive(Clone)]
pub struct Auth {
    store: Store,
    config: AuthConfig,
    /// Recent failed sign-ins per (lower-cased) username: count and when the first of them happened.
    failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
    /// Verified against when the username is unknown, so the answer takes as long as for a known one.
    decoy_hash: Arc<str>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Sign-in over the accounts in `store`.
    pub fn new(store: Store, config: &AuthConfig) -> Self {
        let decoy_hash = hash_password("kefu-decoy-password").unwrap_or_default();
        Self {
            store,
            config: config.clone(),
            failures: Arc::default(),
            decoy_hash: decoy_hash.into(),
        }
    }

    /// The `[auth]` settings in force.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Creates an account.
    pub fn add_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password: &str,
    ) -> Result<User, AuthError> {
        check_username(username)?;
        check_password(password)?;
        let hash = hash_password(password)?;
        let display_name = match display_name.trim() {
            "" => username,
            name => name,
        };
        self.store
            .insert_user(username, display_name, role.as_str(), &hash)?
            .try_into()
    }

    /// Every account.
    pub fn users(&self) -> Result<Vec<User>, AuthError> {
        self.store
            .users()?
            .into_iter()
            .map(User::try_from)
            .collect()
    }

    /// Removes an account (its sessions end with it).
    pub fn remove_user(&self, username: &str) -> Result<(), AuthError> {
        if self.store.delete_user(username)? {
            Ok(())
        } else {
            Err(AuthError::UnknownUser(username.to_owned()))
        }
    }

    /// Sets a new password and signs the account out everywhere.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), AuthError> {
        check_password(password)?;
        if self
            .store
            .set_password_hash(username, &hash_password(password)?)?
        {
            Ok(())
        } else {
            Err(AuthError::UnknownUser(username.to_owned()))
        }
    }

    /// Checks the password and opens a session: the user and the session token for the cookie.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<(User, String), AuthError> {
        let key = username.to_lowercase();
        if self.locked_out(&key) {
            return Err(AuthError::LockedOut(username.to_owned()));
        }
        let stored = self.store.user_by_name(username)?;
        let hash = stored
            .as_ref()
            .map_or(&*self.decoy_hash, |u| u.password_hash.as_str());
        let verified = verify_password(password, hash);
        let Some(stored) = stored.filter(|_| verified) else {
            self.record_failure(key);
            tracing::info!(username, "sign-in refused");
            return Err(AuthError::BadCredentials);
        };
        self.failures_lock().remove(&key);
        let user = User::try_from(stored)?;
        let token = hex::encode(rand::random::<[u8; 32]>());
        let now = unix_now();
        let ttl = i64::try_from(self.config.session_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
        self.store
            .insert_session(&token_hash(&token), user.id, now, now.saturating_add(ttl))?;
        tracing::info!(username = %user.username, role = user.role.as_str(), "signed in");
        Ok((user, token))
    }

    /// The user of a valid session; `None` for an unknown or expired token.
    pub fn user_for(&self, token: &str) -> Result<Option<User>, AuthError> {
        self.store
            .session_user(&token_hash(token), unix_now())?
            .map(User::try_from)
            .transpose()
    }

    /// Ends a session.
    pub fn sign_out(&self, token: &str) -> Result<(), AuthError> {
        Ok(self.store.delete_session(&token_hash(token))?)
    }

    fn failures_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        // The map holds counters only; a panic elsewhere cannot leave it inconsistent.
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn locked_out(&self, key: &str) -> bool {
        let mut failures = self.failures_lock();
        match failures.get(key) {
            Some((_, since)) if since.elapsed() >= LOCKOUT => {
                failures.remove(key);
                false
            }
            Some((count, _)) => *count >= MAX_FAILURES,
            None => false,
        }
    }

    fn record_failure(&self, key: String) {
        let mut failures = self.failures_lock();
        // Bounded memory under a flood of made-up usernames: forget windows that are over.
        if failures.len() > 10_000 {
            failures.retain(|_, (_, since)| since.elapsed() < LOCKOUT);
        }
        failures.entry(key).or_insert((0, Instant::now())).0 += 1;
    }
}

fn check_username(username: &str) -> Result<(), AuthError> {
    let ok = (1..=64).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidUsername(username.to_owned()))
    }
}

fn check_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(AuthError::WeakPassword)
    } else {
        Ok(())
    }
}

fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(Store::open_in_memory().unwrap(), &AuthConfig::default())
    }

    #[test]
    fn a_user_signs_in_with_the_right_password_only() {
        let auth = auth();
        let added = auth
            .add_user("li.na", "Li Na", Role::Agent, "correct horse")
            .unwrap();
        assert_eq!(added.role, Role::Agent);
        let (user, token) = auth.sign_in("LI.NA", "correct horse").unwrap();
        assert_eq!(user, added);
        assert_eq!(auth.user_for(&token).unwrap(), Some(added));
        assert!(matches!(
            auth.sign_in("li.na", "wrong horse"),
            Err(AuthError::BadCredentials)
        ));
        assert!(matches!(
            auth.sign_in("nobody", "correct horse"),
            Err(AuthError::BadCredentials)
        ));
        auth.sign_out(&token).unwrap();
        assert_eq!(auth.user_for(&token).unwrap(), None);
    }

    #[test]
    fn passwords_are_stored_hashed_and_sessions_by_hash() {
        let store = Store::open_in_memory().unwrap();
        let auth = Auth::new(store.clone(), &AuthConfig::default());
        auth.add_user("mgr", "", Role::Manager, "s3cret-pass")
            .unwrap();
        let stored = store.user_by_name("mgr").unwrap().unwrap();
        assert!(
            stored.password_hash.starts_with("$argon2"),
            "{}",
            stored.password_hash
        );
        assert!(!stored.password_hash.contains("s3cret-pass"));
        assert_eq!(stored.display_name, "mgr");
        let (_, token) = auth.sign_in("mgr", "s3cret-pass").unwrap();
        assert!(store.session_user(&token, unix_now()).unwrap().is_none());
    }

    #[test]
    fn sessions_expire() {
        let config = AuthConfig {
            session_hours: 0,
            ..AuthConfig::default()
        };
        let auth = Auth::new(Store::open_in_memory().unwrap(), &config);
        auth.add_user("a", "", Role::Agent, "password1").unwrap();
        let (_, token) = auth.sign_in("a", "password1").unwrap();
        assert_eq!(auth.user_for(&token).unwrap(), None);
    }

    #[test]
    fn repeated_failures_lock_the_username_out() {
        let auth = auth();
        auth.add_user("a", "", Role::Agent, "password1").unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(matches!(
                auth.sign_in("a", "guess-guess"),
                Err(AuthError::BadCredentials)
            ));
        }
        assert!(matches!(
            auth.sign_in("a", "password1"),
            Err(AuthError::LockedOut(_))
        ));
    }

    #[test]
    fn accounts_are_validated_and_managed() {
        let auth = auth();
        assert!(matches!(
            auth.add_user("a b", "", Role::Agent, "password1"),
            Err(AuthError::InvalidUsername(_))
        ));
        assert!(matches!(
            auth.add_user("ab", "", Role::Agent, "short"),
            Err(AuthError::WeakPassword)
        ));
        auth.add_user("ab", "", Role::Agent, "password1").unwrap();
        assert!(matches!(
            auth.add_user("AB", "", Role::Agent, "password1"),
            Err(AuthError::Duplicate(_))
        ));
        let (_, token) = auth.sign_in("ab", "password1").unwrap();
        auth.set_password("ab", "password2").unwrap();
        assert_eq!(
            auth.user_for(&token).unwrap(),
            None,
            "a new password ends old sessions"
        );
        assert!(auth.sign_in("ab", "password2").is_ok());
        assert!(Role::Manager.allows(Role::Agent) && !Role::Agent.allows(Role::Manager));
        auth.remove_user("ab").unwrap();
        assert!(matches!(
            auth.remove_user("ab"),
            Err(AuthError::UnknownUser(_))
        ));
        assert!(auth.users().unwrap().is_empty());
    }
}
