//! `[agents]`: the live-agent queue's timing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::queue::QueueConfig;

/// The live-agent desk: escalated calls wait in a queue for a signed-in agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentsConfig {
    /// Queue escalated calls for agents (the agent console at `/agent`); `false` keeps callers with the bot.
    pub enabled: bool,
    /// Seconds an offer rings on an agent's console before it goes to the next agent (the first is set away).
    pub offer_timeout_secs: u64,
    /// Seconds a caller waits before being offered a callback ticket instead.
    pub callback_after_secs: u64,
    /// Seconds between repeats of a waiting caller's place in the queue.
    pub announce_every_secs: u64,
    /// Expected length of an agent call in seconds, until calls have been measured (for the expected wait).
    pub handle_time_secs: u64,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            offer_timeout_secs: 20,
            callback_after_secs: 180,
            announce_every_secs: 45,
            handle_time_secs: 180,
        }
    }
}

impl AgentsConfig {
    /// The queue's timing.
    pub fn queue(&self) -> QueueConfig {
        QueueConfig {
            offer_timeout: Duration::from_secs(self.offer_timeout_secs.max(1)),
            callback_after: Duration::from_secs(self.callback_after_secs.max(1)),
            announce_every: Duration::from_secs(self.announce_every_secs.max(5)),
            handle_time: Duration::from_secs(self.handle_time_secs.max(1)),
        }
    }
}
