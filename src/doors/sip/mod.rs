//! The phone line: a SIP user agent server on UDP and TCP that answers calls, negotiates G.711 audio with
//! SDP, carries it over RTP and hands 20 ms frames at 16 kHz and keypad digits to the call engine.
//!
//! SIP parsing, transactions (retransmissions, ACK absorption, CANCEL) and dialogs come from `rsipstack`;
//! this module decides what to answer and moves the media. The pieces below the call task are sans IO:
//! [`sdp`] (offer/answer), [`rtp`] and [`rtcp`] (packets), [`jitter`] (reordering, loss), [`dtmf`]
//! (RFC 4733 and SIP INFO), [`pacing`] (the 20 ms clock), [`media`] (one call's media state) and
//! [`validate`] (400 for malformed requests). [`server`] runs the listener, [`call`] one call, [`live`] puts the
//! call engine (`pipeline::LiveCall`) behind each answered call.
//!
//! People behind the bot: [`transfer`] follows a blind transfer out (REFER, `[sip] transfer_to`);
//! [`registrar`] lets agents' desk phones REGISTER (digest authentication); [`agent_leg`] calls a desk phone
//! (kefu as a back-to-back user agent) and [`bridge`] joins it to an escalated caller (`[sip] agent`);
//! [`desk_agents`] makes the desk phones agents of the queue (`kefu serve` with `[agents] enabled`).

pub mod agent_leg;
pub mod bridge;
pub mod call;
pub mod codec;
pub mod config;
pub mod desk_agents;
pub mod dtmf;
pub mod identity;
pub mod jitter;
pub mod live;
pub mod media;
pub mod pacing;
pub mod ports;
pub mod registrar;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod server;
pub mod transfer;
pub mod validate;

use std::net::SocketAddr;
use std::time::Instant;

pub use agent_leg::{AgentDesk, AgentLegError, AgentLegHandle};
pub use codec::Codec;
pub use config::{SipConfig, SipConfigError};
pub use identity::CallerId;
pub use live::EngineCalls;
pub use server::{SipServer, SipStats};
pub use transfer::{Transfer, TransferOutcome};

use crate::call::Frame;

/// Errors starting or running the SIP door.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error(transparent)]
    Config(#[from] SipConfigError),
    #[error(
        "cannot listen for SIP on {transport} {addr}: {reason} (set [sip] bind/port, or enabled = false)"
    )]
    Listen {
        transport: &'static str,
        addr: SocketAddr,
        reason: String,
    },
}

/// What the door knows about a call when it is answered.
#[derive(Debug, Clone)]
pub struct IncomingCall {
    pub call_id: String,
    pub caller: Option<CallerId>,
}

/// The conversation on an answered call: the call engine in `kefu serve`. The door calls it from the call's
/// task every 20 ms; it must not block.
pub trait Conversation: Send {
    /// One 20 ms step: the caller's frame (`None` when lost or not yet arrived) in, our frame out.
    fn tick(&mut self, caller: Option<&Frame>, now: Instant) -> Frame;
    /// A keypad digit (RFC 4733 or SIP INFO).
    fn dtmf(&mut self, digit: char, now: Instant);
    /// The caller hung up (BYE, CANCEL, timeout, shutdown).
    fn hangup(&mut self, now: Instant);
    /// True once the conversation has ended the call itself; the door then sends BYE.
    fn wants_hangup(&mut self) -> bool;
    /// The bot's request to hand the caller to a person (seen by the last `wants_hangup`), taken once.
    fn take_escalation(&mut self) -> Option<Escalation>;
    /// A person took the call (`true`), or the caller is back with the bot (`false`: the transfer failed or
    /// the agent left).
    fn agent(&mut self, joined: bool, now: Instant);
    /// The caller was transferred elsewhere; our leg is ending.
    fn transferred(&mut self);
    /// Called once when the call is over, after the last `tick`.
    fn finish(self: Box<Self>);
}

/// The bot wants a person to take the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub reason: String,
    /// What the caller wants, for the agent.
    pub summary: String,
}

/// Starts a conversation for each answered call (never loads anything: that happened once, up front).
pub trait CallHandler: Send + Sync {
    fn start(&self, call: &IncomingCall, now: Instant) -> Box<dyn Conversation>;
}
