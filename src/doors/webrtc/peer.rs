//! One browser's peer connection: answers its SDP offer (Opus audio both ways plus the data channel the page
//! opens), and reports what happens to it as [`PeerEvent`]s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::media_stream::{MediaStreamTrack, Track};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceCandidateType, RTCIceGatheringState, RTCIceServer,
    RTCPeerConnectionState, RTCSessionDescription, Registry, SettingEngine, configure_rtcp_reports,
};

use rtc::media::Sample;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};

use super::WebRtcError;
use crate::config::WebRtcConfig;

/// The Opus payload type kefu prefers (browsers use 111 too; the offer's number wins when it differs).
const OPUS_PAYLOAD_TYPE: u8 = 111;
/// Duration of one outgoing Opus packet.
const PACKET_DURATION: Duration = Duration::from_millis(20);

/// What happens to a peer connection, in order.
pub enum PeerEvent {
    /// The connection state changed (connected, disconnected, failed, closed).
    State(RTCPeerConnectionState),
    /// The caller's microphone track arrived.
    Track(Arc<dyn TrackRemote>),
    /// The page's data channel (transcript, state, typed text) arrived.
    DataChannel(Arc<dyn DataChannel>),
}

/// Forwards the connection's callbacks to the call task.
struct Handler {
    events: mpsc::UnboundedSender<PeerEvent>,
    gathered: watch::Sender<bool>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "peer connection state");
        // The call task may be gone already (call over); nothing to tell then.
        let _ = self.events.send(PeerEvent::State(state));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.events.send(PeerEvent::Track(track));
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let _ = self.events.send(PeerEvent::DataChannel(channel));
    }
}

/// A negotiated peer connection and the bot's outgoing voice track.
pub struct Peer {
    connection: Arc<dyn PeerConnection>,
    voice: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
    /// The connection's events; the call task takes them.
    pub events: mpsc::UnboundedReceiver<PeerEvent>,
}

impl Peer {
    /// Answers a browser's SDP offer. Returns the peer and the answer SDP (with kefu's ICE candidates, so
    /// one round trip is enough).
    pub async fn answer(
        offer_sdp: &str,
        config: &WebRtcConfig,
    ) -> Result<(Self, String), WebRtcError> {
        let offer = parse_offer(offer_sdp)?;
        let opus = opus_codec();
        let mut media = MediaEngine::default();
        media
            .register_codec(opus.clone(), RtpCodecKind::Audio)
            .map_err(peer_error("registering Opus"))?;
        // Audio only: sender and receiver reports; no NACK or congestion feedback (Opus conceals loss).
        let registry = configure_rtcp_reports(Registry::new());
        let ice_servers = config
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone(),
                credential: s.credential.clone(),
            })
            .collect();
        let (events_tx, events) = mpsc::unbounded_channel();
        let (gathered_tx, mut gathered) = watch::channel(false);
        let handler = Arc::new(Handler {
            events: events_tx,
            gathered: gathered_tx,
        });
        let connection: Arc<dyn PeerConnection> = Arc::new(
            PeerConnectionBuilder::new()
                .with_configuration(
                    RTCConfigurationBuilder::new()
                        .with_ice_servers(ice_servers)
                        .build(),
                )
                .with_media_engine(media)
                .with_setting_engine(setting_engine(config))
                .with_interceptor_registry(registry)
                .with_handler(handler)
                .with_udp_addrs(config.udp_addrs.clone())
                .build()
                .await
                .map_err(|e| {
                    WebRtcError::Peer(format!(
                        "cannot open the media sockets {:?} (set [webrtc] udp_addrs): {e}",
                        config.udp_addrs
                    ))
                })?,
        );
        match negotiate(&connection, offer, opus, &mut gathered, config).await {
            Ok((voice, ssrc, payload_type, answer)) => Ok((
                Self {
                    connection,
                    voice,
                    ssrc,
                    payload_type,
                    events,
                },
                answer,
            )),
            Err(e) => {
                if let Err(close) = connection.close().await {
                    tracing::debug!("closing a failed peer connection: {close}");
                }
                Err(e)
            }
        }
    }

    /// Sends one 20 ms Opus packet of the bot's voice.
    pub async fn send_voice(&self, packet: Vec<u8>, now: Instant) -> Result<(), WebRtcError> {
        let sample = Sample {
            data: packet.into(),
            duration: PACKET_DURATION,
            ..Sample::new(now)
        };
        self.voice
            .sample_writer(self.ssrc, self.payload_type)
            .write_sample(&sample)
            .await
            .map_err(peer_error("sending voice"))
    }

    /// Closes the connection (the browser sees the call end).
    pub async fn close(&self) {
        if let Err(e) = self.connection.close().await {
            tracing::debug!("closing the peer connection: {e}");
        }
    }
}

fn peer_error(what: &'static str) -> impl Fn(webrtc::error::Error) -> WebRtcError {
    move |e| WebRtcError::Peer(format!("{what}: {e}"))
}

/// Checks the offer is SDP with an audio section before any socket is opened.
fn parse_offer(sdp: &str) -> Result<RTCSessionDescription, WebRtcError> {
    if sdp.trim().is_empty() {
        return Err(WebRtcError::InvalidOffer("the offer is empty".into()));
    }
    let offer = RTCSessionDescription::offer(sdp.to_string())
        .map_err(|e| WebRtcError::InvalidOffer(e.to_string()))?;
    let parsed = offer
        .unmarshal()
        .map_err(|e| WebRtcError::InvalidOffer(e.to_string()))?;
    if !parsed
        .media_descriptions
        .iter()
        .any(|m| m.media_name.media == "audio")
    {
        return Err(WebRtcError::InvalidOffer(
            "the offer has no audio section (the page must send its microphone track)".into(),
        ));
    }
    Ok(offer)
}

fn opus_codec() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.to_owned(),
            clock_rate: 48_000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: OPUS_PAYLOAD_TYPE,
    }
}

fn setting_engine(config: &WebRtcConfig) -> SettingEngine {
    let mut builder = SettingEngineBuilder::new().with_include_loopback_candidate(
        config
            .udp_addrs
            .iter()
            .any(|a| a.starts_with("127.") || a.starts_with("[::1]")),
    );
    if !config.public_ips.is_empty() {
        builder = builder.with_nat_1to1_ips(config.public_ips.clone(), RTCIceCandidateType::Host);
    }
    builder.build()
}

/// Adds the bot's voice track, applies the offer and waits for kefu's candidates; returns the voice track,
/// its SSRC and payload type, and the answer SDP.
async fn negotiate(
    connection: &Arc<dyn PeerConnection>,
    offer: RTCSessionDescription,
    opus: RTCRtpCodecParameters,
    gathered: &mut watch::Receiver<bool>,
    config: &WebRtcConfig,
) -> Result<(Arc<TrackLocalStaticSample>, u32, u8, String), WebRtcError> {
    let ssrc = rand::random::<u32>();
    let voice = Arc::new(
        TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "kefu".to_owned(),
                "kefu-voice".to_owned(),
                "kefu voice".to_owned(),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: opus.rtp_codec,
                    ..Default::default()
                }],
            ),
        )
        .map_err(peer_error("creating the voice track"))?,
    );
    let sender = connection
        .add_track(Arc::clone(&voice) as Arc<dyn TrackLocal>)
        .await
        .map_err(peer_error("adding the voice track"))?;
    connection
        .set_remote_description(offer)
        .await
        .map_err(|e| WebRtcError::InvalidOffer(e.to_string()))?;
    let answer = connection
        .create_answer(None)
        .await
        .map_err(|e| WebRtcError::InvalidOffer(format!("cannot answer it: {e}")))?;
    connection
        .set_local_description(answer)
        .await
        .map_err(peer_error("applying the answer"))?;
    let wait = Duration::from_millis(config.gather_timeout_ms);
    if tokio::time::timeout(wait, gathered.wait_for(|done| *done))
        .await
        .is_err()
    {
        tracing::warn!(
            "ICE gathering took over {} ms; answering with the candidates found so far",
            config.gather_timeout_ms
        );
    }
    let answer = connection
        .local_description()
        .await
        .ok_or_else(|| WebRtcError::Peer("no local description after answering".into()))?;
    let payload_type = sender
        .get_parameters()
        .await
        .map_err(peer_error("reading the negotiated codec"))?
        .rtp_parameters
        .codecs
        .first()
        .map(|c| c.payload_type)
        .ok_or_else(|| {
            WebRtcError::InvalidOffer("the offer's audio does not include Opus".into())
        })?;
    let ssrc = voice.ssrcs().await.first().copied().unwrap_or(ssrc);
    Ok((voice, ssrc, payload_type, answer.sdp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_that_are_not_sdp_or_have_no_audio_are_refused() {
        for (offer, expect) in [
            ("", "empty"),
            ("hello", ""),
            (
                "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
                "no audio",
            ),
        ] {
            let err = parse_offer(offer).unwrap_err();
            assert!(
                matches!(err, WebRtcError::InvalidOffer(_)),
                "{offer:?}: {err}"
            );
            assert!(err.to_string().contains(expect), "{offer:?}: {err}");
        }
    }
}
