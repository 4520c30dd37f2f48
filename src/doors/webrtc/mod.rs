//! The browser door: app and web visitors call kefu over WebRTC from the page at `/`.
//!
//! Signalling is one HTTP round trip (WHIP-style: the page POSTs its SDP offer with its ICE candidates, kefu
//! answers with its own). Media is Opus over DTLS-SRTP, decoded and encoded at this edge ([`codec`]); the
//! page's data channel carries the transcript, the call state and typed text ([`messages`]). Each call is a
//! [`LiveCall`](crate::pipeline::LiveCall) driven by a 20 ms clock ([`call`]), so barge-in, endpointing and
//! escalation behave as on the phone.

mod call;
pub(crate) use call::read_microphone;
pub mod codec;
pub mod jitter;
pub mod messages;
pub mod peer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::agents::AgentHub;
use crate::config::{IceServerConfig, WebRtcConfig};
use crate::dialogue::Channel;
use crate::lang::Lang;
use crate::pipeline::{CallSpec, Engines};

use codec::OpusEncoder;
use peer::Peer;

/// Why a browser call could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebRtcError {
    #[error("invalid SDP offer: {0}")]
    InvalidOffer(String),
    #[error("all {0} voice lines are busy: try again in a minute, or type your question")]
    Full(usize),
    #[error("WebRTC: {0}")]
    Peer(String),
    #[error("Opus: {0}")]
    Codec(String),
}

/// The door: answers offers and keeps track of the calls in progress.
pub struct WebRtcDoor {
    engines: Arc<Engines>,
    config: WebRtcConfig,
    /// Calls in progress (and being set up): id → the switch that hangs it up.
    calls: Mutex<HashMap<String, watch::Sender<bool>>>,
    agents: Option<Arc<AgentHub>>,
}

impl WebRtcDoor {
    /// A door over the shared engines.
    pub fn new(engines: Arc<Engines>, config: WebRtcConfig) -> Arc<Self> {
        Arc::new(Self {
            engines,
            config,
            calls: Mutex::new(HashMap::new()),
            agents: None,
        })
    }

    /// A door whose escalated calls wait for a person at `hub`.
    pub fn with_agents(
        engines: Arc<Engines>,
        config: WebRtcConfig,
        hub: Arc<AgentHub>,
    ) -> Arc<Self> {
        Arc::new(Self {
            engines,
            config,
            calls: Mutex::new(HashMap::new()),
            agents: Some(hub),
        })
    }

    /// The door's settings (the agent desk's browser legs use the same).
    pub fn config(&self) -> &WebRtcConfig {
        &self.config
    }

    /// The STUN/TURN servers the page should use too.
    pub fn ice_servers(&self) -> &[IceServerConfig] {
        &self.config.ice_servers
    }

    /// Calls in progress.
    pub fn active(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<bool>>> {
        // Plain data: a panicking holder cannot leave the map half-updated.
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers a browser's offer and starts the call; returns the call id and the SDP answer.
    pub async fn answer(
        self: &Arc<Self>,
        offer: &str,
        lang: Option<Lang>,
    ) -> Result<(String, String), WebRtcError> {
        let id = format!("web-{:016x}", rand::random::<u64>());
        let (hangup_tx, hangup) = watch::channel(false);
        {
            let mut calls = self.lock();
            if calls.len() >= self.config.max_sessions {
                return Err(WebRtcError::Full(self.config.max_sessions));
            }
            calls.insert(id.clone(), hangup_tx);
        }
        // The slot is held from here; every way out below must give it back.
        let release = Release {
            door: Arc::clone(self),
            id: id.clone(),
        };
        let encoder = OpusEncoder::new(self.config.opus_bitrate)?;
        let (peer, answer) = Peer::answer(offer, &self.config).await?;
        let setup = call::CallSetup {
            id: id.clone(),
            peer,
            engines: Arc::clone(&self.engines),
            spec: CallSpec {
                channel: Channel::WebVoice,
                caller: None,
                lang,
            },
            hangup,
            connect_timeout: Duration::from_millis(self.config.connect_timeout_ms),
            encoder,
            agents: self.agents.clone(),
        };
        tokio::spawn(call::run(setup, move || drop(release)));
        tracing::info!(call = %id, ?lang, "browser call answered");
        Ok((id, answer))
    }

    /// Hangs up a call (the page is closing); false if there is no such call.
    pub fn hang_up(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(switch) => {
                switch.send_replace(true);
                true
            }
            None => false,
        }
    }
}

/// Frees a call's slot when the call (or its failed setup) is over.
struct Release {
    door: Arc<WebRtcDoor>,
    id: String,
}

impl Drop for Release {
    fn drop(&mut self) {
        self.door.lock().remove(&self.id);
    }
}
