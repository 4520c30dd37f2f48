//! One call's media, sans IO: RTP in (symmetric latching, jitter buffer, decoding, 8 → 16 kHz, RFC 4733
//! digits) and out (16 → 8 kHz, encoding, continuous packetisation), plus RTCP reports and the silence
//! timer behind the RTP timeout. The call task feeds it datagrams and clock ticks and sends what it returns.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::audio::AudioError;
use crate::audio::resample::Resampler;
use crate::call::{FRAME_SAMPLES, Frame};

use super::codec::{CLOCK_RATE, Codec, SAMPLES_PER_PACKET};
use super::dtmf::DtmfReceiver;
use super::jitter::{JitterBuffer, JitterStats};
use super::rtcp::{self, ReceptionStats, SenderInfo};
use super::rtp::{self, RtpPacket, RtpSender};
use super::sdp::Negotiated;

/// Audio the jitter buffer may hold beyond its target before it sheds the oldest (clock drift).
const JITTER_SLACK_MS: u32 = 200;
/// RFC 3550's minimum average RTCP interval.
const RTCP_INTERVAL: Duration = Duration::from_secs(5);

/// Counters for the end-of-call log line.
#[derive(Debug, Clone, Copy, Default)]
pub struct MediaStats {
    pub rtp_in: u64,
    pub rtp_out: u64,
    /// Datagrams that were not RTP.
    pub malformed: u64,
    /// RTP from an address other than the one latched.
    pub foreign: u64,
    /// RTP with a payload type we did not negotiate (comfort noise, filler…).
    pub unknown_payload: u64,
    pub digits: u64,
    pub jitter: JitterStats,
    pub lost: i64,
}

/// The media of one call.
pub struct MediaSession {
    negotiated: Negotiated,
    /// Where we send RTP: the SDP address until the caller's first packet, then that packet's source.
    remote_rtp: Option<SocketAddr>,
    latched: bool,
    remote_rtcp: Option<SocketAddr>,
    jitter: JitterBuffer,
    dtmf: DtmfReceiver,
    reception: ReceptionStats,
    sender: RtpSender,
    upsample: Resampler,
    downsample: Resampler,
    /// Caller audio at 16 kHz waiting to be cut into frames.
    inbound: VecDeque<f32>,
    /// Our audio at 8 kHz waiting to be cut into packets.
    outbound: VecDeque<f32>,
    started: Instant,
    last_heard: Instant,
    next_rtcp: Instant,
    cname: String,
    stats: MediaStats,
}

impl MediaSession {
    /// Media for a negotiated stream, starting at `now`. `jitter_ms` is the jitter buffer's depth.
    pub fn new(
        negotiated: Negotiated,
        jitter_ms: u32,
        cname: String,
        now: Instant,
    ) -> Result<Self, AudioError> {
        let samples_per_ms = (CLOCK_RATE / 1000) as usize;
        Ok(Self {
            remote_rtp: negotiated.remote_rtp,
            remote_rtcp: negotiated.remote_rtcp,
            negotiated,
            latched: false,
            jitter: JitterBuffer::new(
                jitter_ms.div_ceil(20) as usize * SAMPLES_PER_PACKET,
                JITTER_SLACK_MS as usize * samples_per_ms,
            ),
            dtmf: DtmfReceiver::default(),
            reception: ReceptionStats::default(),
            sender: RtpSender::new(rand::random(), rand::random(), rand::random()),
            upsample: Resampler::new(CLOCK_RATE, crate::audio::INTERNAL_RATE)?,
            downsample: Resampler::new(crate::audio::INTERNAL_RATE, CLOCK_RATE)?,
            inbound: VecDeque::with_capacity(2 * FRAME_SAMPLES),
            outbound: VecDeque::with_capacity(2 * SAMPLES_PER_PACKET),
            started: now,
            last_heard: now,
            next_rtcp: now + RTCP_INTERVAL / 2,
            cname,
            stats: MediaStats::default(),
        })
    }

    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// Applies a new offer/answer (re-INVITE: hold, resume, codec or address change). The caller's next
    /// packet is latched again.
    pub fn update(&mut self, negotiated: Negotiated, now: Instant) {
        if negotiated.remote_rtp != self.negotiated.remote_rtp {
            self.latched = false;
            self.remote_rtp = negotiated.remote_rtp;
            self.remote_rtcp = negotiated.remote_rtcp;
        }
        if !self.negotiated.they_send() && negotiated.they_send() {
            // Resumed from hold: the silence timer starts now.
            self.last_heard = now;
        }
        self.negotiated = negotiated;
    }

    /// Handles a datagram that arrived on the RTP port; returns a keypad digit if one started.
    pub fn on_rtp(&mut self, data: &[u8], from: SocketAddr, now: Instant) -> Option<char> {
        if rtp::is_rtcp(data) {
            self.on_rtcp(data, from, now);
            return None;
        }
        let packet = match RtpPacket::parse(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed += 1;
                tracing::trace!(%from, error = %e, "dropped a datagram on the RTP port");
                return None;
            }
        };
        if self.latched && self.remote_rtp != Some(from) {
            self.stats.foreign += 1;
            return None;
        }
        let pt = packet.payload_type;
        if Some(pt) == self.negotiated.dtmf_pt {
            self.heard(from, now);
            let digit = self
                .dtmf
                .on_packet(packet.ssrc, packet.timestamp, packet.payload);
            self.stats.digits += u64::from(digit.is_some());
            return digit;
        }
        // The negotiated codec, or the other G.711 law if the caller switches without asking.
        let codec = if pt == self.negotiated.codec_pt {
            self.negotiated.codec
        } else if let Some(codec) = Codec::from_static_payload_type(pt) {
            codec
        } else {
            self.stats.unknown_payload += 1;
            return None;
        };
        self.heard(from, now);
        self.stats.rtp_in += 1;
        let arrival = (now.saturating_duration_since(self.started).as_secs_f64()
            * f64::from(CLOCK_RATE)) as u64;
        self.reception.on_packet(
            packet.ssrc,
            packet.sequence,
            packet.timestamp,
            arrival as u32,
        );
        self.jitter
            .push(packet.ssrc, packet.timestamp, codec.decode(packet.payload));
        None
    }

    fn heard(&mut self, from: SocketAddr, now: Instant) {
        self.last_heard = now;
        if !self.latched {
            if self.remote_rtp != Some(from) {
                tracing::debug!(sdp = ?self.remote_rtp, actual = %from, "symmetric RTP: sending to where the caller's packets come from");
            }
            self.remote_rtp = Some(from);
            self.latched = true;
        }
    }

    /// Handles a datagram from the RTCP port (or RTCP multiplexed on the RTP port).
    pub fn on_rtcp(&mut self, data: &[u8], from: SocketAddr, now: Instant) {
        let report = rtcp::parse(data);
        self.remote_rtcp = Some(from);
        if let Some(ntp_middle) = report.sender_report {
            self.reception.on_sender_report(ntp_middle, now);
        }
        for (fraction, lost, jitter) in report.reports {
            tracing::trace!(
                fraction_lost = f32::from(fraction) / 256.0,
                lost,
                jitter,
                "caller's reception report"
            );
        }
        if report.bye {
            tracing::debug!(%from, "caller sent RTCP BYE");
        }
    }

    /// The caller's next 20 ms at 16 kHz, or `None` when that audio was lost or has not arrived.
    pub fn caller_frame(&mut self) -> Option<Frame> {
        let block = self.jitter.pop(SAMPLES_PER_PACKET);
        let lost = block.is_none();
        let samples = block.unwrap_or_else(|| vec![0.0; SAMPLES_PER_PACKET]);
        match self.upsample.process(&samples) {
            Ok(out) => self.inbound.extend(out),
            Err(e) => tracing::warn!(error = %e, "resampling the caller's audio failed"),
        }
        if self.inbound.len() < FRAME_SAMPLES {
            return None;
        }
        let frame: Vec<f32> = self.inbound.drain(..FRAME_SAMPLES).collect();
        (!lost).then(|| Frame::from_samples(&frame))
    }

    /// Turns our next 20 ms frame (16 kHz) into an RTP packet and its destination; `None` while we must not
    /// send (hold, or no address), in which case the stream's clock still moves on.
    pub fn packet_for(&mut self, frame: &Frame) -> Option<(Vec<u8>, SocketAddr)> {
        match self.downsample.process(frame.samples()) {
            Ok(out) => self.outbound.extend(out),
            Err(e) => tracing::warn!(error = %e, "resampling our audio failed"),
        }
        // Only the first packet can come up short (the resampler's delay): pad it at the front.
        while self.outbound.len() < SAMPLES_PER_PACKET {
            self.outbound.push_front(0.0);
        }
        let block: Vec<f32> = self.outbound.drain(..SAMPLES_PER_PACKET).collect();
        let dest = self.remote_rtp.filter(|_| self.negotiated.we_send());
        let Some(dest) = dest else {
            self.sender.skip(SAMPLES_PER_PACKET as u32);
            return None;
        };
        let payload = self.negotiated.codec.encode(&block);
        let packet = self.sender.packet(
            self.negotiated.codec_pt,
            &payload,
            !frame.is_silent(),
            SAMPLES_PER_PACKET as u32,
        );
        self.stats.rtp_out += 1;
        Some((packet, dest))
    }

    /// Accounts for frames the call's clock skipped after a stall.
    pub fn skip(&mut self, frames: u32) {
        self.sender.skip(frames * SAMPLES_PER_PACKET as u32);
    }

    /// An RTCP sender report when one is due.
    pub fn rtcp_due(&mut self, now: Instant) -> Option<(Vec<u8>, SocketAddr)> {
        if now < self.next_rtcp {
            return None;
        }
        // RFC 3550 §6.3.1: randomise the interval to 0.5–1.5 times its nominal value.
        self.next_rtcp = now + RTCP_INTERVAL.mul_f64(0.5 + rand::random::<f64>());
        let dest = self.remote_rtcp?;
        let (packets, octets) = self.sender.counts();
        let info = SenderInfo {
            ssrc: self.sender.ssrc(),
            ntp: rtcp::ntp_now(),
            rtp_timestamp: self.sender.timestamp(),
            packets,
            octets,
        };
        Some((
            rtcp::sender_report(&info, self.reception.report(now), &self.cname),
            dest,
        ))
    }

    /// How long the caller has been silent on the wire, when they are supposed to send (not on hold).
    pub fn silent_for(&self, now: Instant) -> Option<Duration> {
        self.negotiated
            .they_send()
            .then(|| now.saturating_duration_since(self.last_heard))
    }

    pub fn stats(&self) -> MediaStats {
        MediaStats {
            jitter: self.jitter.stats(),
            lost: self.reception.totals().1,
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doors::sip::sdp::Direction;

    fn negotiated(remote: &str) -> Negotiated {
        let remote: SocketAddr = remote.parse().unwrap();
        Negotiated {
            media_index: 0,
            codec: Codec::Pcmu,
            codec_pt: 0,
            dtmf_pt: Some(96),
            remote_rtp: Some(remote),
            remote_rtcp: Some(SocketAddr::new(remote.ip(), remote.port() + 1)),
            direction: Direction::SendRecv,
        }
    }

    fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
        RtpPacket {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp: ts,
            ssrc,
            payload,
        }
        .to_bytes()
    }

    /// A 400 Hz tone in µ-law, `n` packets.
    fn tone_packets(n: u16, ssrc: u32) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let samples: Vec<f32> = (0..160)
                    .map(|k| {
                        let t = (u32::from(i) * 160 + k) as f32 / 8000.0;
                        0.5 * (2.0 * std::f32::consts::PI * 400.0 * t).sin()
                    })
                    .collect();
                rtp(
                    0,
                    i,
                    u32::from(i) * 160,
                    ssrc,
                    &Codec::Pcmu.encode(&samples),
                )
            })
            .collect()
    }

    #[test]
    fn caller_audio_comes_out_as_16k_frames_after_the_jitter_delay() {
        let now = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), now).unwrap();
        let from: SocketAddr = "10.0.0.9:7100".parse().unwrap();
        let mut frames = Vec::new();
        for p in tone_packets(50, 1) {
            assert_eq!(m.on_rtp(&p, from, now), None);
            frames.push(m.caller_frame());
        }
        let heard: Vec<Frame> = frames.into_iter().flatten().collect();
        assert!(heard.len() >= 45, "{} frames", heard.len());
        let rms = heard[10].rms();
        assert!(
            (0.3..0.4).contains(&rms),
            "a 0.5 sine has rms 0.35, got {rms}"
        );
        assert_eq!(m.stats().rtp_in, 50);
        // Symmetric RTP: our packets go where the caller's came from, not to the SDP address.
        let (_, dest) = m.packet_for(&Frame::silence()).unwrap();
        assert_eq!(dest, from);
    }

    #[test]
    fn caller_audio_arrives_as_the_same_signal_at_16k() {
        // Two tones inside the telephone band, through packets, the jitter buffer and the resampler.
        let now = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), now).unwrap();
        let from: SocketAddr = "10.0.0.5:7000".parse().unwrap();
        let signal: Vec<f32> = (0..8000)
            .map(|k| {
                let t = k as f32 / 8000.0;
                0.3 * (2.0 * std::f32::consts::PI * 300.0 * t).sin()
                    + 0.2 * (2.0 * std::f32::consts::PI * 1200.0 * t).sin()
            })
            .collect();
        let sent = Codec::Pcmu.decode(&Codec::Pcmu.encode(&signal));
        let mut heard = Vec::new();
        for (i, chunk) in Codec::Pcmu.encode(&signal).chunks(160).enumerate() {
            m.on_rtp(&rtp(0, i as u16, i as u32 * 160, 3, chunk), from, now);
            if let Some(frame) = m.caller_frame() {
                heard.extend_from_slice(frame.samples());
            } else if !heard.is_empty() {
                panic!("a frame went missing in the middle of the stream");
            }
        }
        let reference = crate::audio::resample::to_rate(&sent, 8000, 16_000).unwrap();
        // The door delays the audio (jitter buffer, resampler); find the delay, then compare.
        let window = &heard[1000..9000];
        // heard[1000 + i] is reference[1000 - delay + i], and the delay is under 1000 samples (62 ms).
        let (lag, score) = (0..1000)
            .map(|lag| {
                let r = &reference[lag..lag + window.len()];
                let dot: f32 = window.iter().zip(r).map(|(a, b)| a * b).sum();
                let norm = (window.iter().map(|a| a * a).sum::<f32>()
                    * r.iter().map(|b| b * b).sum::<f32>())
                .sqrt();
                (lag, dot / norm)
            })
            .fold((0, f32::MIN), |best, x| if x.1 > best.1 { x } else { best });
        assert!(score > 0.99, "correlation {score} at lag {lag}");
        let r = &reference[lag..lag + window.len()];
        let noise: f32 = window.iter().zip(r).map(|(a, b)| (a - b) * (a - b)).sum();
        let power: f32 = r.iter().map(|b| b * b).sum();
        let snr_db = 10.0 * (power / noise).log10();
        assert!(snr_db > 30.0, "SNR {snr_db:.1} dB");
    }

    #[test]
    fn loss_gives_none_and_foreign_packets_are_ignored() {
        let now = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), now).unwrap();
        let from: SocketAddr = "10.0.0.5:7000".parse().unwrap();
        let packets = tone_packets(40, 1);
        let mut got = Vec::new();
        for (i, p) in packets.iter().enumerate() {
            if i != 20 {
                m.on_rtp(p, from, now);
            }
            m.on_rtp(
                &rtp(0, 999, 999, 1, &[0; 160]),
                "10.6.6.6:1".parse().unwrap(),
                now,
            );
            got.push(m.caller_frame().is_some());
        }
        assert_eq!(m.stats().foreign, 40);
        let missing_after_start = got.iter().skip_while(|ok| !**ok).filter(|ok| !**ok).count();
        assert_eq!(missing_after_start, 1, "{got:?}");
    }

    #[test]
    fn dtmf_on_its_own_ssrc_and_filler_payloads() {
        let now = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), now).unwrap();
        let from: SocketAddr = "10.0.0.5:7000".parse().unwrap();
        let mut digits = String::new();
        for (seq, event, end) in [(1u16, 5u8, false), (2, 5, true), (3, 5, true), (4, 5, true)] {
            let payload = [event, if end { 0x80 } else { 0 }, 0, 160];
            digits.extend(m.on_rtp(&rtp(96, seq, 8000, 77, &payload), from, now));
            // sipp's filler packets on payload type 97.
            digits.extend(m.on_rtp(&rtp(97, seq, 8000, 78, &[0; 4]), from, now));
        }
        digits.extend(m.on_rtp(&rtp(96, 5, 9600, 77, &[11, 0x80, 0, 160]), from, now));
        assert_eq!(digits, "5#");
        assert_eq!(m.stats().unknown_payload, 4);
    }

    #[test]
    fn outbound_stream_is_continuous_and_stops_on_hold() {
        let now = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), now).unwrap();
        let speech = Frame::from_samples(&[0.25; FRAME_SAMPLES]);
        let first = m.packet_for(&Frame::silence()).unwrap().0;
        let second = m.packet_for(&speech).unwrap().0;
        let a = RtpPacket::parse(&first).unwrap();
        let b = RtpPacket::parse(&second).unwrap();
        assert_eq!(b.sequence, a.sequence.wrapping_add(1));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
        assert!(
            a.marker && b.marker,
            "stream start and talkspurt start are marked"
        );
        assert_eq!(a.payload.len(), 160);

        let mut held = negotiated("10.0.0.5:7000");
        held.direction = Direction::RecvOnly;
        m.update(held, now);
        assert!(
            m.packet_for(&speech).is_none(),
            "no RTP while the caller holds"
        );
        let mut resumed = negotiated("10.0.0.5:7000");
        resumed.direction = Direction::SendRecv;
        m.update(resumed, now);
        let c = m.packet_for(&speech).unwrap().0;
        let c = RtpPacket::parse(&c).unwrap();
        assert_eq!(c.sequence, b.sequence.wrapping_add(1));
        assert_eq!(
            c.timestamp,
            b.timestamp.wrapping_add(320),
            "held time still counts"
        );
    }

    #[test]
    fn silence_timer_counts_only_when_the_caller_should_send() {
        let t0 = Instant::now();
        let mut m = MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu".into(), t0).unwrap();
        let later = t0 + Duration::from_secs(10);
        assert_eq!(m.silent_for(later), Some(Duration::from_secs(10)));
        m.on_rtp(
            &tone_packets(1, 1)[0],
            "10.0.0.5:7000".parse().unwrap(),
            later,
        );
        assert_eq!(
            m.silent_for(later + Duration::from_secs(1)),
            Some(Duration::from_secs(1))
        );
        let mut inactive = negotiated("10.0.0.5:7000");
        inactive.direction = Direction::Inactive;
        m.update(inactive, later);
        assert_eq!(m.silent_for(later + Duration::from_secs(100)), None);
    }

    #[test]
    fn rtcp_reports_go_out_about_every_five_seconds() {
        let t0 = Instant::now();
        let mut m =
            MediaSession::new(negotiated("10.0.0.5:7000"), 40, "kefu@test".into(), t0).unwrap();
        assert!(m.rtcp_due(t0).is_none());
        let (report, dest) = m.rtcp_due(t0 + Duration::from_secs(3)).unwrap();
        assert_eq!(dest, "10.0.0.5:7001".parse::<SocketAddr>().unwrap());
        assert_eq!(report[1], 200);
        assert!(m.rtcp_due(t0 + Duration::from_millis(3100)).is_none());
        assert!(m.rtcp_due(t0 + Duration::from_secs(11)).is_some());
    }
}
