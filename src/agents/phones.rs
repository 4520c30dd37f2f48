//! Desk phones as queue agents: what the [`AgentHub`](super::AgentHub) needs from whichever door can ring a
//! phone (the SIP door's `AgentDesk`), kept free of SIP types. A desk phone is an agent with skills but no
//! console: ringing it is the offer, picking up is accepting, hanging up ends its part of the call.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::media::AgentMedia;
use super::queue::{AgentId, Skills};

/// A boxed future the hub awaits on its own tasks.
pub type PhoneFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Rings desk phones for the hub.
pub trait DeskPhones: Send + Sync {
    /// Rings `phone` (its address as the door knows it) showing `subject`; resolves when it answers, or with
    /// why not (busy, declined, no answer within `ring`, `cancel` fired). Once answered, audio moves between
    /// the phone and `media` until either side ends: the phone hanging up drops `media.to_caller`, and
    /// closing `media.from_caller` hangs the phone up.
    fn ring(
        &self,
        phone: &str,
        subject: &str,
        media: AgentMedia,
        ring: Duration,
        cancel: CancellationToken,
    ) -> PhoneFuture<Result<Box<dyn PhoneCall>, String>>;
}

/// An answered desk-phone call.
pub trait PhoneCall: Send {
    /// Ends the phone's call.
    fn hang_up(&self);
    /// Resolves when the phone's call has ended (either side).
    fn ended(self: Box<Self>) -> PhoneFuture<()>;
}

/// A desk phone the queue may offer calls to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskPhone {
    /// Its agent id in the queue (negative: user ids of console agents are positive).
    pub agent: AgentId,
    /// Shown to the caller's door and kept with the agent call record.
    pub name: String,
    /// What [`DeskPhones::ring`] is given to reach it.
    pub address: String,
    pub skills: Skills,
}
