//! An agent's audio leg in the browser: the console's WebRTC peer connection (Opus both ways) joined to the
//! caller through [`AgentMedia`]. The caller's frames are encoded to the agent's speaker; the agent's microphone
//! is decoded into 20 ms frames for the caller. When the connection fails the hub puts the caller back in
//! front of the queue; when the caller's side closes (hang-up, hand-back) the connection is closed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::time::MissedTickBehavior;
use webrtc::peer_connection::RTCPeerConnectionState;

use crate::call::FRAME_MS;
use crate::doors::webrtc::codec::OpusEncoder;
use crate::doors::webrtc::jitter::JitterBuffer;
use crate::doors::webrtc::peer::{Peer, PeerEvent};
use crate::doors::webrtc::read_microphone;

use super::hub::AgentHub;
use super::media::AgentMedia;
use super::queue::AgentId;

/// Decoded agent audio chunks queued between the network task and the clock.
const AUDIO_QUEUE: usize = 50;

/// Everything one agent leg needs.
pub struct BrowserLeg {
    pub hub: Arc<AgentHub>,
    pub agent: AgentId,
    pub call: String,
    pub peer: Peer,
    pub media: AgentMedia,
    pub encoder: OpusEncoder,
    pub connect_timeout: Duration,
}

/// How a leg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegEnd {
    /// The caller's side closed (caller hung up, agent hung up or handed back).
    CallerSide,
    /// The agent's connection failed or never came up.
    AgentLost,
}

impl BrowserLeg {
    /// Runs the leg until either side goes away.
    pub async fn run(mut self) {
        let ending = self.bridge().await;
        tracing::info!(
            agent = self.agent,
            call = self.call,
            ?ending,
            "agent audio leg ended"
        );
        if ending == LegEnd::AgentLost {
            self.hub.agent_media_lost(self.agent, &self.call);
        }
        self.peer.close().await;
    }

    async fn bridge(&mut self) -> LegEnd {
        let (audio_tx, mut audio) = mpsc::channel::<Vec<f32>>(AUDIO_QUEUE);
        let connect_by = Instant::now() + self.connect_timeout;
        let mut connected = false;
        let mut jitter = JitterBuffer::new();
        let mut clock = tokio::time::interval(Duration::from_millis(u64::from(FRAME_MS)));
        clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut send_failed = false;
        loop {
            tokio::select! {
                _ = clock.tick() => {
                    let now = Instant::now();
                    if !connected && now >= connect_by {
                        tracing::warn!(agent = self.agent, "agent's audio did not connect in time");
                        return LegEnd::AgentLost;
                    }
                    if let Some(frame) = jitter.pop() {
                        let _ = self.media.to_caller.try_send(frame);
                    }
                    let heard = match self.media.from_caller.try_recv() {
                        Ok(frame) => Some(frame),
                        Err(TryRecvError::Empty) => None,
                        Err(TryRecvError::Disconnected) => return LegEnd::CallerSide,
                    };
                    if !connected {
                        continue;
                    }
                    let samples = heard.unwrap_or_else(|| vec![0.0; crate::call::FRAME_SAMPLES]);
                    let sent = match self.encoder.encode(&samples) {
                        Ok(packet) => self.peer.send_voice(packet, now).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = sent && !send_failed {
                        tracing::warn!(agent = self.agent, "cannot send the caller's voice to the agent: {e}");
                        send_failed = true;
                    }
                }
                Some(samples) = audio.recv() => jitter.push(&samples),
                event = self.peer.events.recv() => match event {
                    Some(PeerEvent::State(RTCPeerConnectionState::Connected)) => connected = true,
                    Some(PeerEvent::State(
                        RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
                        | RTCPeerConnectionState::Disconnected,
                    )) | None => return LegEnd::AgentLost,
                    Some(PeerEvent::Track(track)) => {
                        tokio::spawn(read_microphone(track, audio_tx.clone()));
                    }
                    Some(_) => {}
                },
            }
        }
    }
}
