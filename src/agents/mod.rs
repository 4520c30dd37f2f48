//! People behind the bot: the audio link between a caller's door and a human agent's leg.

mod media;

pub use media::{AgentMedia, CallerMedia, media_link};
