//! One browser call from connection to teardown: the caller's Opus into a [`LiveCall`] every 20 ms, the
//! bot's frames back as Opus, the call's events to the page and typed text from it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelState};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::codec::{OpusDecoder, OpusEncoder};
use super::jitter::JitterBuffer;
use super::messages::{EndReason, FromPage, ToPage};
use super::peer::{Peer, PeerEvent};
use crate::agents::{AgentHub, AgentLine};
use crate::call::FRAME_MS;
use crate::pipeline::{CallSpec, CallState, Control, Engines, LiveCall, UiEvent};

/// Decoded caller audio chunks queued between the network task and the clock (a chunk is one packet).
const AUDIO_QUEUE: usize = 50;
/// Time for the last data-channel messages to leave before the connection closes.
const CLOSE_GRACE: Duration = Duration::from_millis(300);

/// What the page did.
enum PageInput {
    Open,
    Text(String),
    Hangup,
    /// The data channel closed: the tab is gone.
    Gone,
    Invalid(String),
}

/// Everything one call needs.
pub(super) struct CallSetup {
    pub id: String,
    pub peer: Peer,
    pub engines: Arc<Engines>,
    pub spec: CallSpec,
    /// Turns `true` when the page asks to hang up over HTTP (tab closing).
    pub hangup: watch::Receiver<bool>,
    pub connect_timeout: Duration,
    pub encoder: OpusEncoder,
    /// The agent desk escalated calls wait at; `None` keeps them with the bot.
    pub agents: Option<Arc<AgentHub>>,
}

/// The connection's moving parts while the call runs.
struct Links {
    audio_tx: mpsc::Sender<Vec<f32>>,
    audio: mpsc::Receiver<Vec<f32>>,
    page_tx: mpsc::UnboundedSender<PageInput>,
    page: mpsc::UnboundedReceiver<PageInput>,
    channel: Option<Arc<dyn DataChannel>>,
}

/// Runs a call to its end and closes the connection; `release` frees the call's voice line as soon as the
/// call is over (before the last messages drain), so a reloaded page can call again at once.
pub(super) async fn run(mut setup: CallSetup, release: impl FnOnce()) {
    let (audio_tx, audio) = mpsc::channel(AUDIO_QUEUE);
    let (page_tx, page) = mpsc::unbounded_channel();
    let mut links = Links {
        audio_tx,
        audio,
        page_tx,
        page,
        channel: None,
    };
    let ending = match connect(&mut setup, &mut links).await {
        Ok(()) => converse(&mut setup, &mut links).await,
        Err(ending) => ending,
    };
    release();
    tracing::info!(call = %setup.id, ?ending, "browser call ended");
    if let Some(channel) = &links.channel {
        send(
            channel,
            &ToPage::State {
                state: CallState::Ended,
            },
        )
        .await;
        send(channel, &ToPage::Ended { reason: ending }).await;
        tokio::time::sleep(CLOSE_GRACE).await;
    }
    setup.peer.close().await;
}

/// Waits until media flows and the page's data channel is open.
async fn connect(setup: &mut CallSetup, links: &mut Links) -> Result<(), EndReason> {
    let deadline = tokio::time::sleep(setup.connect_timeout);
    tokio::pin!(deadline);
    let mut connected = false;
    let mut open = false;
    while !(connected && open) {
        tokio::select! {
            () = &mut deadline => {
                tracing::warn!(call = %setup.id, connected, open, "browser call not connected in time");
                return Err(EndReason::NotConnected);
            }
            event = setup.peer.events.recv() => match event {
                Some(PeerEvent::State(RTCPeerConnectionState::Connected)) => connected = true,
                Some(PeerEvent::State(
                    RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed,
                )) | None => return Err(EndReason::NotConnected),
                Some(event) => open |= attach(event, links).await,
            },
            input = links.page.recv() => match input {
                Some(PageInput::Open) => open = true,
                Some(PageInput::Hangup | PageInput::Gone) | None => return Err(EndReason::Caller),
                Some(PageInput::Text(_) | PageInput::Invalid(_)) => {}
            },
            _ = setup.hangup.changed() => return Err(EndReason::Caller),
        }
    }
    Ok(())
}

/// Starts the reader for a track or data channel; returns true if the data channel is already open.
async fn attach(event: PeerEvent, links: &mut Links) -> bool {
    match event {
        PeerEvent::Track(track) => {
            tokio::spawn(read_microphone(track, links.audio_tx.clone()));
            false
        }
        PeerEvent::DataChannel(channel) => {
            let open = matches!(channel.ready_state().await, Ok(RTCDataChannelState::Open));
            tokio::spawn(read_page(Arc::clone(&channel), links.page_tx.clone()));
            links.channel = Some(channel);
            open
        }
        PeerEvent::State(_) => false,
    }
}

/// The live part: one [`LiveCall::tick`] every 20 ms until someone hangs up.
async fn converse(setup: &mut CallSetup, links: &mut Links) -> EndReason {
    let Some(channel) = links.channel.clone() else {
        return EndReason::NotConnected;
    };
    let mut call = LiveCall::start(&setup.engines, setup.spec.clone(), Instant::now());
    let mut line = setup
        .agents
        .clone()
        .map(|hub| AgentLine::new(hub, &setup.id));
    tracing::info!(call = %setup.id, lang = ?setup.spec.lang, "browser call connected");
    let mut jitter = JitterBuffer::new();
    let mut clock = tokio::time::interval(Duration::from_millis(u64::from(FRAME_MS)));
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut send_failed = false;
    let ending = loop {
        tokio::select! {
            _ = clock.tick() => {
                let now = Instant::now();
                let frame = jitter.pop();
                let bot = call.tick(frame.as_deref(), now);
                let out = match &mut line {
                    Some(line) => line.tick(frame.as_deref(), bot, &mut call, now),
                    None => bot,
                };
                if let Err(e) = voice(setup, out.samples(), now).await
                    && !send_failed
                {
                    tracing::warn!(call = %setup.id, "cannot send the bot's voice: {e}");
                    send_failed = true;
                }
                if let Some(ending) = controls(&mut call, &mut line, &channel, &setup.id).await {
                    break ending;
                }
            }
            Some(samples) = links.audio.recv() => jitter.push(&samples),
            event = setup.peer.events.recv() => match event {
                Some(PeerEvent::State(
                    RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed,
                )) | None => break EndReason::Lost,
                Some(PeerEvent::State(state)) => {
                    tracing::debug!(call = %setup.id, %state, "connection state during the call");
                }
                Some(event) => {
                    attach(event, links).await;
                }
            },
            input = links.page.recv() => match input {
                Some(PageInput::Text(text)) => {
                    let text = text.trim();
                    if !text.is_empty() {
                        call.text(text, Instant::now());
                    }
                }
                Some(PageInput::Invalid(message)) => send(&channel, &ToPage::Error { message }).await,
                Some(PageInput::Open) => {}
                Some(PageInput::Hangup | PageInput::Gone) | None => break EndReason::Caller,
            },
            _ = setup.hangup.changed() => break EndReason::Caller,
        }
    };
    if ending != EndReason::Bot {
        if let Some(line) = &mut line {
            line.hangup();
        }
        call.hangup(Instant::now());
    }
    let log = call.finish(Instant::now());
    tracing::debug!(call = %setup.id, jitter_dropped = jitter.dropped(), turns = log.turns.len(), "browser call log");
    ending
}

/// Encodes and sends one frame of the bot's voice (silence when the bot is quiet).
async fn voice(
    setup: &mut CallSetup,
    samples: &[f32],
    now: Instant,
) -> Result<(), super::WebRtcError> {
    let packet = setup.encoder.encode(samples)?;
    setup.peer.send_voice(packet, now).await
}

/// Passes the call's events to the page; `Some` when the bot has ended the call.
async fn controls(
    call: &mut LiveCall,
    line: &mut Option<AgentLine>,
    channel: &Arc<dyn DataChannel>,
    id: &str,
) -> Option<EndReason> {
    let mut ending = None;
    while let Some(control) = call.poll_control() {
        match control {
            Control::Event(event) => {
                if let (UiEvent::CallerSaid { text, .. }, Some(line)) = (&event, line.as_ref()) {
                    line.caller_said(text);
                }
                send(channel, &ToPage::from(event)).await;
            }
            Control::Hangup => ending = Some(EndReason::Bot),
            // The page shows the hand-over from the call's `agent` state.
            Control::Escalate {
                reason,
                priority,
                summary,
            } => {
                tracing::info!(call = %id, %reason, summary = %crate::privacy::redact(&summary), "browser call handed to a person");
                if let Some(line) = line.as_mut() {
                    line.escalate(call, &reason, priority, &summary);
                }
            }
        }
    }
    if ending.is_none() && (call.is_ended() || line.as_ref().is_some_and(AgentLine::wants_hangup)) {
        ending = Some(EndReason::Bot);
    }
    ending
}

async fn send(channel: &Arc<dyn DataChannel>, message: &ToPage) {
    if let Err(e) = channel.send_text(&message.to_json()).await {
        tracing::debug!("data channel message not sent: {e}");
    }
}

/// Decodes a browser's microphone track until it ends (the caller's here, an agent's on the agent desk).
pub(crate) async fn read_microphone(track: Arc<dyn TrackRemote>, audio: mpsc::Sender<Vec<f32>>) {
    let mut decoder = match OpusDecoder::new() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("caller audio cannot be decoded: {e}");
            return;
        }
    };
    let mut corrupt = 0u64;
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                match decoder.decode(packet.header.sequence_number, &packet.payload) {
                    Ok(samples) if samples.is_empty() => {}
                    Ok(samples) => match audio.try_send(samples) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            tracing::debug!("caller audio queue full: packet dropped");
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => return,
                    },
                    Err(e) => {
                        corrupt += 1;
                        if corrupt == 1 {
                            tracing::warn!("dropping undecodable caller audio: {e}");
                        }
                    }
                }
            }
            TrackRemoteEvent::OnEnded => break,
            _ => {}
        }
    }
}

/// Reads the page's messages until the data channel closes.
async fn read_page(channel: Arc<dyn DataChannel>, page: mpsc::UnboundedSender<PageInput>) {
    while let Some(event) = channel.poll().await {
        let input = match event {
            DataChannelEvent::OnOpen => PageInput::Open,
            DataChannelEvent::OnMessage(message) => match FromPage::parse(&message.data) {
                Ok(FromPage::Text { text }) => PageInput::Text(text),
                Ok(FromPage::Hangup) => PageInput::Hangup,
                Err(problem) => PageInput::Invalid(problem),
            },
            DataChannelEvent::OnClose => break,
            _ => continue,
        };
        if page.send(input).is_err() {
            return;
        }
    }
    let _ = page.send(PageInput::Gone);
}
