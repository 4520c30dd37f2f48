//! People behind the bot: the queue that routes escalated calls to human agents ([`queue`], driven on real
//! time by the [`hub`]), what a waiting caller hears ([`hold`]), the caller door's side of it ([`line`]), the
//! agent's context card ([`card`]), the audio link between a caller's door and an agent's leg, and desk
//! phones as agents ([`phones`]).

pub mod browser_leg;
pub mod card;
mod config;
pub mod hold;
pub mod hub;
pub mod line;
mod media;
pub mod phones;
pub mod queue;
pub mod transcriber;

pub use card::ContextCard;
pub use config::AgentsConfig;
pub use hub::{AgentHub, CallerNotice, DeskEvent, HubError};
pub use line::AgentLine;
pub use media::{AgentMedia, CallerMedia, media_link};
pub use phones::{DeskPhone, DeskPhones, PhoneCall};
pub use queue::{AgentId, Department, Need, Presence, Queue, QueueAction, QueueConfig, Skills};
