//! The agent's leg of a bridged call (kefu as a back-to-back user agent): kefu calls an agent's SIP desk
//! phone with an offer of the door's codecs, waits for the answer (busy, declined and unanswered calls are
//! errors), then moves 20 ms frames between the phone's RTP and the [`AgentMedia`] link to the caller's door,
//! whichever door that is. G.711 at 8 kHz on the wire, 16 kHz on the link: [`MediaSession`] transcodes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::{Header, StatusCode, Uri};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::task::JoinHandle;

use crate::agents::AgentMedia;
use crate::call::Frame;

use super::config::{SipConfig, is_sip_uri};
use super::media::MediaSession;
use super::pacing::Pacer;
use super::ports::{PortRange, PortsExhausted, RtpSockets};
use super::registrar::Registrar;
use super::sdp::{self, LocalDescription, SessionDescription};

const FRAME: Duration = Duration::from_millis(20);
const MAX_BURST: u32 = 25;

/// Why an agent could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum AgentLegError {
    #[error(
        "no SIP agent {0:?}: not registered now, not a [[sip.agents.endpoints]] name and not a SIP URI"
    )]
    UnknownAgent(String),
    #[error(transparent)]
    Ports(#[from] PortsExhausted),
    #[error("the agent's phone is busy ({0})")]
    Busy(u16),
    #[error("the agent declined the call ({0})")]
    Declined(u16),
    #[error("the agent's phone did not answer within {0:?}")]
    NoAnswer(Duration),
    #[error("the call was taken back while the agent's phone rang")]
    Cancelled,
    #[error("calling the agent failed: {0}")]
    Failed(String),
    #[error("the agent's phone answered without usable audio: {0}")]
    BadAnswer(String),
}

/// The door's side for calling agents: cheap to clone, valid while the SIP door runs.
#[derive(Clone)]
pub struct AgentDesk {
    pub(super) dialogs: Arc<DialogLayer>,
    pub(super) ports: Arc<PortRange>,
    pub(super) config: Arc<SipConfig>,
    pub(super) registrar: Arc<Registrar>,
    /// The SIP port the door listens on (for our Contact).
    pub(super) sip_port: u16,
}

/// A running agent leg: hang it up, or wait for its end.
#[derive(Debug)]
pub struct AgentLegHandle {
    hangup: CancellationToken,
    task: JoinHandle<()>,
    /// The agent's Call-ID, for logs.
    pub call_id: String,
}

impl AgentLegHandle {
    /// Ends the agent's call (BYE).
    pub fn hang_up(&self) {
        self.hangup.cancel();
    }

    /// True once the leg has ended (either side hung up).
    pub fn is_ended(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the leg to end.
    pub async fn ended(self) {
        let _ = self.task.await;
    }
}

impl AgentDesk {
    /// The SIP URI of an agent: a SIP URI as given, a registered account's current contact, or a configured
    /// endpoint's URI.
    pub fn resolve(&self, target: &str) -> Option<String> {
        if let Some(contact) = self.registrar.contact_for(target) {
            return Some(contact);
        }
        if let Some(endpoint) = self
            .config
            .agents
            .endpoints
            .iter()
            .find(|e| e.name == target)
        {
            return Some(endpoint.uri.clone());
        }
        is_sip_uri(target).then(|| target.to_string())
    }

    /// The contact a registered agent's phone is reachable at.
    pub fn contact_for(&self, user: &str) -> Option<String> {
        self.registrar.contact_for(user)
    }

    /// Calls an agent (`target`: SIP URI, registered account or endpoint name), showing `subject` on the
    /// phone; `cancel` stops the ringing (CANCEL). Resolves when the agent answers; the leg then runs on its own task, moving audio between the
    /// phone and `media`, until `media.from_caller` closes (BYE) or the agent hangs up (it then drops
    /// `media.to_caller`).
    pub async fn ring_agent(
        &self,
        target: &str,
        subject: &str,
        media: AgentMedia,
        ring_timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<AgentLegHandle, AgentLegError> {
        let uri_text = self
            .resolve(target)
            .ok_or_else(|| AgentLegError::UnknownAgent(target.to_string()))?;
        let callee = Uri::try_from(uri_text.as_str())
            .map_err(|e| AgentLegError::Failed(format!("bad agent URI {uri_text:?}: {e}")))?;
        let sockets = self.ports.bind().await?;
        let peer = peer_address(&callee);
        let local_ip = local_address(&self.config, peer);
        let mut local_sdp = LocalDescription::new(rand::random::<u32>().into(), local_ip);
        let offer = local_sdp.offer(
            &self.config.codecs,
            self.config.dtmf_payload_type,
            sockets.port(),
        );
        let us = Uri::try_from(
            format!("sip:kefu@{}", SocketAddr::new(local_ip, self.sip_port)).as_str(),
        )
        .map_err(|e| AgentLegError::Failed(e.to_string()))?;
        // Phones show the From display name: the caller and why they called.
        let display: String = subject
            .chars()
            .filter(|c| *c != '"' && *c != '\\')
            .collect();
        let option = InviteOption {
            caller_display_name: Some(display),
            caller: us.clone(),
            callee,
            contact: us,
            content_type: Some("application/sdp".into()),
            offer: Some(offer.into_bytes()),
            headers: Some(vec![Header::Subject(subject.into())]),
            call_id: Some(format!(
                "{}@{local_ip}",
                hex::encode(rand::random::<[u8; 12]>())
            )),
            ..Default::default()
        };
        let (state_sender, states) = self.dialogs.new_dialog_state_channel();
        let (dialog, invite) = self
            .dialogs
            .do_invite_async(option, state_sender)
            .map_err(|e| AgentLegError::Failed(e.to_string()))?;
        let call_id = dialog.id().call_id.clone();
        tracing::info!(%call_id, agent = target, uri = uri_text, "ringing the agent's phone");
        let answered = tokio::select! {
            answered = tokio::time::timeout(ring_timeout, invite) => answered,
            () = cancel.cancelled() => {
                let _ = dialog.cancel().await;
                return Err(AgentLegError::Cancelled);
            }
        };
        let answered = match answered {
            Err(_) => {
                let _ = dialog.cancel().await;
                return Err(AgentLegError::NoAnswer(ring_timeout));
            }
            Ok(Err(e)) => return Err(AgentLegError::Failed(e.to_string())),
            Ok(Ok(Err(e))) => return Err(AgentLegError::Failed(e.to_string())),
            Ok(Ok(Ok((_, response)))) => response,
        };
        let Some(response) = answered else {
            return Err(AgentLegError::Failed("no final response".into()));
        };
        let status = u16::from(response.status_code.clone());
        match status {
            200..=299 => {}
            486 | 600 => return Err(AgentLegError::Busy(status)),
            603 => return Err(AgentLegError::Declined(status)),
            408 | 480 | 487 => return Err(AgentLegError::NoAnswer(ring_timeout)),
            _ => {
                return Err(AgentLegError::Failed(format!(
                    "the phone answered {status} {}",
                    response.status_code
                )));
            }
        }
        let text = String::from_utf8_lossy(&response.body);
        let negotiated =
            match SessionDescription::parse(&text).and_then(|a| sdp::negotiate_answer(&a)) {
                Ok(n) => n,
                Err(e) => {
                    super::call::bye(&dialog, &call_id).await;
                    self.dialogs.remove_dialog(&dialog.id());
                    return Err(AgentLegError::BadAnswer(e.to_string()));
                }
            };
        tracing::info!(%call_id, agent = target, codec = %negotiated.codec, "the agent answered");
        let session = MediaSession::new(
            negotiated,
            self.config.jitter_ms,
            format!("kefu@{local_ip}"),
            Instant::now(),
        )
        .map_err(|e| AgentLegError::Failed(e.to_string()))?;
        let hangup = CancellationToken::new();
        let leg = Leg {
            call_id: call_id.clone(),
            dialog,
            dialogs: self.dialogs.clone(),
            states,
            session,
            sockets,
            media,
            hangup: hangup.clone(),
        };
        Ok(AgentLegHandle {
            hangup,
            task: tokio::spawn(leg.run()),
            call_id,
        })
    }
}

/// One answered agent call.
struct Leg {
    call_id: String,
    dialog: InviteDialog,
    dialogs: Arc<DialogLayer>,
    states: DialogStateReceiver,
    session: MediaSession,
    sockets: RtpSockets,
    media: AgentMedia,
    hangup: CancellationToken,
}

impl Leg {
    async fn run(mut self) {
        let why = self.drive().await;
        let stats = self.session.stats();
        tracing::info!(
            call_id = %self.call_id,
            why,
            rtp_in = stats.rtp_in,
            rtp_out = stats.rtp_out,
            "agent leg ended"
        );
        self.dialogs.remove_dialog(&self.dialog.id());
        // Dropping `media` tells the caller's door the agent has gone.
    }

    async fn drive(&mut self) -> &'static str {
        let mut pacer = Pacer::new(Instant::now(), FRAME, MAX_BURST);
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 1500];
        loop {
            let deadline = tokio::time::Instant::from_std(pacer.next_deadline());
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    let now = Instant::now();
                    let due = pacer.due(now);
                    if due.skipped > 0 {
                        self.session.skip(due.skipped);
                    }
                    for _ in 0..due.send {
                        if let Some(heard) = self.session.caller_frame() {
                            // A full link drops the frame rather than building up delay.
                            let _ = self.media.to_caller.try_send(heard.samples().to_vec());
                        }
                        let frame = match self.media.from_caller.try_recv() {
                            Ok(samples) => Frame::from_samples(&samples),
                            Err(TryRecvError::Empty) => Frame::silence(),
                            Err(TryRecvError::Disconnected) => {
                                super::call::bye(&self.dialog, &self.call_id).await;
                                return "the caller's side closed";
                            }
                        };
                        if let Some((packet, dest)) = self.session.packet_for(&frame) {
                            let _ = self.sockets.rtp.send_to(&packet, dest).await;
                        }
                    }
                    if let Some((report, dest)) = self.session.rtcp_due(now) {
                        let _ = self.sockets.rtcp.send_to(&report, dest).await;
                    }
                }
                received = self.sockets.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((len, from)) = received {
                        self.session.on_rtp(&rtp_buf[..len], from, Instant::now());
                    }
                }
                received = self.sockets.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((len, from)) = received {
                        self.session.on_rtcp(&rtcp_buf[..len], from, Instant::now());
                    }
                }
                state = self.states.recv() => match state {
                    None | Some(DialogState::Terminated(..)) => return "the agent hung up",
                    Some(DialogState::Info(_, _, handle) | DialogState::Options(_, _, handle)) => {
                        let _ = handle.reply(StatusCode::OK).await;
                    }
                    Some(DialogState::Updated(_, _, handle)) => {
                        // Session changes from the desk phone (hold…) are not followed: keep the session.
                        let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                    }
                    _ => {}
                },
                () = self.hangup.cancelled() => {
                    super::call::bye(&self.dialog, &self.call_id).await;
                    return "hung up by kefu";
                }
            }
        }
    }
}

/// The address a SIP URI's host names, when it is an IP address.
fn peer_address(uri: &Uri) -> Option<SocketAddr> {
    let text = uri.host_with_port.to_string();
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 5060))
    })
}

/// The address we announce in SDP and Contact to `peer`: `public_address`, else `bind`, else the local
/// address that routes to the peer.
pub(super) fn local_address(config: &SipConfig, peer: Option<SocketAddr>) -> IpAddr {
    if let Some(addr) = config.public_address {
        return addr;
    }
    if !config.bind.is_unspecified() {
        return config.bind;
    }
    peer.and_then(|peer| {
        let any = if peer.is_ipv4() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([0u16; 8])
        };
        let probe = std::net::UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
        probe.connect(peer).ok()?;
        probe.local_addr().ok().map(|a| a.ip())
    })
    .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}
