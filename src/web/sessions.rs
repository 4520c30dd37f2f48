//! Chat sessions held in memory: one conversation per session id, forgotten when idle, capped in number.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::dialogue::Conversation;

/// Why a session could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    Unknown,
    /// Another request of the same session is being answered.
    Busy,
    Full,
}

struct Slot {
    /// `None` while a request is working on the conversation.
    conv: Option<Conversation>,
    last_seen: Instant,
}

/// The live sessions.
pub struct Sessions {
    idle: Duration,
    max: usize,
    slots: Mutex<HashMap<String, Slot>>,
}

impl Sessions {
    /// An empty set of sessions.
    pub fn new(idle: Duration, max: usize) -> Self {
        Self {
            idle,
            max,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // The map holds plain data; a panicking holder cannot leave it half-updated.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets idle sessions; returns how many were dropped.
    pub fn expire(&self) -> usize {
        let mut slots = self.lock();
        let before = slots.len();
        let idle = self.idle;
        slots.retain(|_, s| s.conv.is_none() || s.last_seen.elapsed() < idle);
        before - slots.len()
    }

    /// Number of sessions held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True if no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fails with `Full` when no new session may start (after forgetting idle ones).
    pub fn check_room(&self) -> Result<(), SessionError> {
        self.expire();
        if self.len() >= self.max {
            return Err(SessionError::Full);
        }
        Ok(())
    }

    /// Takes a session's conversation to work on it; put it back with [`Sessions::put`].
    pub fn take(&self, id: &str) -> Result<Conversation, SessionError> {
        let mut slots = self.lock();
        let slot = slots.get_mut(id).ok_or(SessionError::Unknown)?;
        if slot.last_seen.elapsed() >= self.idle && slot.conv.is_some() {
            slots.remove(id);
            return Err(SessionError::Unknown);
        }
        let conv = slot.conv.take().ok_or(SessionError::Busy)?;
        slot.last_seen = Instant::now();
        Ok(conv)
    }

    /// Returns a conversation after a request (or stores a new one).
    pub fn put(&self, id: &str, conv: Conversation) {
        self.lock().insert(
            id.to_string(),
            Slot {
                conv: Some(conv),
                last_seen: Instant::now(),
            },
        );
    }

    /// Forgets a session (finished conversations).
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}
