//! People behind the bot: the queue that routes escalated calls to human agents, and the audio link between a
//! caller's door and an agent's leg.

mod media;
pub mod queue;

pub use media::{AgentMedia, CallerMedia, media_link};
pub use queue::{AgentId, Department, Need, Presence, Queue, QueueAction, QueueConfig, Skills};
