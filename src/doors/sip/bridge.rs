//! The caller's side of a call bridged to a SIP agent: rings the agent through the [`AgentDesk`] and, once
//! the agent answers, swaps the bot's audio for the agent's while the caller's audio goes to the agent.

use std::time::Duration;

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::agents::{CallerMedia, media_link};
use crate::call::Frame;

use super::agent_leg::{AgentDesk, AgentLegError, AgentLegHandle};

/// Frames buffered each way between the caller's door and the agent's leg (100 ms).
const LINK_DEPTH: usize = 5;

/// What happened to the bridge since the last step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeEvent {
    /// The agent answered: the caller now talks to them.
    Answered,
    /// The agent could not be reached; why, for the log.
    Failed(String),
    /// The agent hung up.
    Left,
}

/// A caller's bridge to one SIP agent.
pub struct AgentBridge {
    agent: String,
    link: CallerMedia,
    answer: Option<oneshot::Receiver<Result<AgentLegHandle, AgentLegError>>>,
    leg: Option<AgentLegHandle>,
}

impl AgentBridge {
    /// Starts ringing `agent` (see [`AgentDesk::ring_agent`]).
    pub fn ring(desk: &AgentDesk, agent: &str, subject: &str, ring: Duration) -> Self {
        let (link, agent_media) = media_link(LINK_DEPTH);
        let (answer, answer_rx) = oneshot::channel();
        let (desk, target, subject) = (desk.clone(), agent.to_string(), subject.to_string());
        tokio::spawn(async move {
            let result = desk
                .ring_agent(
                    &target,
                    &subject,
                    agent_media,
                    ring,
                    CancellationToken::new(),
                )
                .await;
            if let Err(Ok(leg)) = answer.send(result) {
                // The caller left while the phone rang.
                leg.hang_up();
            }
        });
        Self {
            agent: agent.to_string(),
            link,
            answer: Some(answer_rx),
            leg: None,
        }
    }

    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// One 20 ms step: `heard` (the caller's frame) goes to the agent once connected, and the frame the
    /// caller hears comes back: the agent's, or `bot` while the agent's phone rings.
    pub fn step(&mut self, heard: Option<&Frame>, bot: Frame) -> (Frame, Option<BridgeEvent>) {
        if let Some(answer) = self.answer.as_mut() {
            let event = match answer.try_recv() {
                Err(oneshot::error::TryRecvError::Empty) => return (bot, None),
                Ok(Ok(leg)) => {
                    self.leg = Some(leg);
                    BridgeEvent::Answered
                }
                Ok(Err(e)) => BridgeEvent::Failed(e.to_string()),
                Err(oneshot::error::TryRecvError::Closed) => {
                    BridgeEvent::Failed("the ringing task ended".into())
                }
            };
            self.answer = None;
            return (bot, Some(event));
        }
        let samples = heard.map_or_else(
            || Frame::silence().samples().to_vec(),
            |f| f.samples().to_vec(),
        );
        // A full link drops the frame: delay must not build up.
        let _ = self.link.to_agent.try_send(samples);
        match self.link.from_agent.try_recv() {
            Ok(samples) => (Frame::from_samples(&samples), None),
            Err(TryRecvError::Empty) => (Frame::silence(), None),
            Err(TryRecvError::Disconnected) => (bot, Some(BridgeEvent::Left)),
        }
    }
}

impl Drop for AgentBridge {
    fn drop(&mut self) {
        if let Some(leg) = &self.leg {
            leg.hang_up();
        }
    }
}
