//! SDP offer/answer for one audio stream (RFC 4566, RFC 3264): parse the caller's description, pick a codec
//! by our preference, write our answer or offer.
//!
//! Only what a G.711 voice endpoint needs is modelled: connection addresses, media lines, `rtpmap`,
//! direction attributes, `ptime` and `rtcp`. Unknown lines are ignored, as RFC 4566 asks of a receiver.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use super::codec::{CLOCK_RATE, Codec};

/// The encoding name of RFC 4733 telephone-events.
const TELEPHONE_EVENT: &str = "telephone-event";

/// Why a session description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Not SDP, or a line we need is broken (→ 400).
    #[error("malformed SDP: {0}")]
    Malformed(String),
    /// Well-formed, but no audio stream with a codec we speak (→ 488).
    #[error("no acceptable audio stream: {0}")]
    NotAcceptable(String),
}

/// Media direction attribute (RFC 3264 §5.1), from the point of view of the side that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn parse(attribute: &str) -> Option<Self> {
        Some(match attribute {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }

    /// The direction an answer takes to this offered one.
    pub fn reversed(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// True if the side that wrote this direction sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// True if the side that wrote this direction wants to receive media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// One `a=rtpmap` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding: String,
    pub clock_rate: u32,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub kind: String,
    pub port: u16,
    pub proto: String,
    /// The format list as written (payload type numbers for RTP).
    pub formats: Vec<String>,
    pub connection: Option<IpAddr>,
    pub rtpmaps: Vec<RtpMap>,
    pub direction: Option<Direction>,
    pub rtcp_port: Option<u16>,
}

impl Media {
    fn rtpmap(&self, pt: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == pt)
    }

    /// The codec a payload type of this section carries, if we speak it: by its `rtpmap` when present,
    /// else by the static assignment.
    fn codec_of(&self, pt: u8) -> Option<Codec> {
        match self.rtpmap(pt) {
            Some(map) => [Codec::Pcmu, Codec::Pcma].into_iter().find(|c| {
                map.encoding.eq_ignore_ascii_case(c.name()) && map.clock_rate == CLOCK_RATE
            }),
            None => Codec::from_static_payload_type(pt),
        }
    }

    fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(|f| f.parse().ok())
    }

    fn telephone_event(&self) -> Option<u8> {
        self.payload_types().find(|&pt| {
            self.rtpmap(pt).is_some_and(|m| {
                m.encoding.eq_ignore_ascii_case(TELEPHONE_EVENT) && m.clock_rate == CLOCK_RATE
            })
        })
    }

    fn is_rtp(&self) -> bool {
        self.proto.eq_ignore_ascii_case("RTP/AVP") || self.proto.eq_ignore_ascii_case("RTP/AVPF")
    }
}

/// A parsed session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// Session-level direction (applies to media sections without their own).
    pub direction: Option<Direction>,
    pub media: Vec<Media>,
}

impl SessionDescription {
    /// Parses SDP text. Lenient about unknown lines and `\n` line ends; strict about the lines used.
    pub fn parse(text: &str) -> Result<Self, SdpError> {
        let mut sdp = SessionDescription {
            connection: None,
            direction: None,
            media: Vec::new(),
        };
        let mut saw_version = false;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let bad =
                |why: &str| SdpError::Malformed(format!("line {}: {why}: {line:?}", index + 1));
            let (kind, value) = match line.split_once('=') {
                Some((k, v)) if k.len() == 1 => (k, v),
                _ => return Err(bad("not a <type>=<value> line")),
            };
            match kind {
                "v" => {
                    if value.trim() != "0" {
                        return Err(bad("unsupported version"));
                    }
                    saw_version = true;
                }
                "c" => {
                    let addr = parse_connection(value).ok_or_else(|| bad("bad connection line"))?;
                    match sdp.media.last_mut() {
                        Some(m) => m.connection = Some(addr),
                        None => sdp.connection = Some(addr),
                    }
                }
                "m" => sdp
                    .media
                    .push(parse_media(value).ok_or_else(|| bad("bad media line"))?),
                "a" => {
                    let (name, arg) = value.split_once(':').unwrap_or((value, ""));
                    if let Some(direction) = Direction::parse(name) {
                        match sdp.media.last_mut() {
                            Some(m) => m.direction = Some(direction),
                            None => sdp.direction = Some(direction),
                        }
                        continue;
                    }
                    let Some(media) = sdp.media.last_mut() else {
                        continue;
                    };
                    match name {
                        "rtpmap" => media
                            .rtpmaps
                            .push(parse_rtpmap(arg).ok_or_else(|| bad("bad rtpmap"))?),
                        "rtcp" => {
                            let port = arg.split_whitespace().next().and_then(|p| p.parse().ok());
                            media.rtcp_port = Some(port.ok_or_else(|| bad("bad rtcp port"))?);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        if !saw_version {
            return Err(SdpError::Malformed("no v=0 line: not SDP".into()));
        }
        Ok(sdp)
    }

    fn connection_of(&self, media: &Media) -> Option<IpAddr> {
        media.connection.or(self.connection)
    }

    fn direction_of(&self, media: &Media) -> Direction {
        media
            .direction
            .or(self.direction)
            .unwrap_or(Direction::SendRecv)
    }
}

fn parse_connection(value: &str) -> Option<IpAddr> {
    let mut parts = value.split_whitespace();
    if parts.next()? != "IN" {
        return None;
    }
    let family = parts.next()?;
    // Multicast addresses carry "/ttl"; we only care about the address.
    let addr: IpAddr = parts.next()?.split('/').next()?.parse().ok()?;
    match (family, addr) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Some(addr),
        _ => None,
    }
}

fn parse_media(value: &str) -> Option<Media> {
    let mut parts = value.split_whitespace();
    let kind = parts.next()?.to_string();
    // "port/count" is allowed; we use the first port only.
    let port = parts.next()?.split('/').next()?.parse().ok()?;
    let proto = parts.next()?.to_string();
    let formats: Vec<String> = parts.map(str::to_string).collect();
    if formats.is_empty() {
        return None;
    }
    Some(Media {
        kind,
        port,
        proto,
        formats,
        connection: None,
        rtpmaps: Vec::new(),
        direction: None,
        rtcp_port: None,
    })
}

fn parse_rtpmap(arg: &str) -> Option<RtpMap> {
    let (pt, rest) = arg.trim().split_once(char::is_whitespace)?;
    let mut parts = rest.trim().split('/');
    let encoding = parts.next()?.to_string();
    let clock_rate = parts.next()?.parse().ok()?;
    Some(RtpMap {
        payload_type: pt.parse().ok()?,
        encoding,
        clock_rate,
    })
}

/// The outcome of an offer/answer exchange: what we send and receive, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Index of the chosen `m=` line in the remote description.
    pub media_index: usize,
    pub codec: Codec,
    /// Payload type of the codec on the wire (the remote side's number).
    pub codec_pt: u8,
    /// Payload type of telephone-events, if both sides support them.
    pub dtmf_pt: Option<u8>,
    /// Where the remote side wants RTP; `None` when it wants none (port 0 or address 0.0.0.0).
    pub remote_rtp: Option<SocketAddr>,
    /// Where the remote side wants RTCP (`a=rtcp`, else RTP port + 1).
    pub remote_rtcp: Option<SocketAddr>,
    /// Our direction.
    pub direction: Direction,
}

impl Negotiated {
    /// True if we should send RTP.
    pub fn we_send(&self) -> bool {
        self.direction.sends() && self.remote_rtp.is_some()
    }

    /// True if the remote side is expected to send RTP.
    pub fn they_send(&self) -> bool {
        self.direction.receives()
    }
}

/// Picks the first acceptable audio stream of an offer and the codec we like best among the offered ones.
pub fn negotiate_offer(
    offer: &SessionDescription,
    prefs: &[Codec],
) -> Result<Negotiated, SdpError> {
    let mut why = String::from("the offer has no audio stream");
    for (index, media) in offer.media.iter().enumerate() {
        if media.kind != "audio" || media.port == 0 {
            continue;
        }
        if !media.is_rtp() {
            why = format!("unsupported transport {}", media.proto);
            continue;
        }
        let offered: Vec<(u8, Codec)> = media
            .payload_types()
            .filter_map(|pt| media.codec_of(pt).map(|c| (pt, c)))
            .collect();
        let Some(&(codec_pt, codec)) = prefs
            .iter()
            .find_map(|want| offered.iter().find(|(_, c)| c == want))
        else {
            why = format!(
                "no common codec (offered {}, we speak {})",
                media.formats.join(" "),
                prefs
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            continue;
        };
        let offered_direction = offer.direction_of(media);
        return Ok(build(
            offer,
            index,
            media,
            codec,
            codec_pt,
            offered_direction.reversed(),
        ));
    }
    Err(SdpError::NotAcceptable(why))
}

/// Reads the answer to our offer: the codec is the first format of the answer we speak.
pub fn negotiate_answer(answer: &SessionDescription) -> Result<Negotiated, SdpError> {
    let (index, media) = answer
        .media
        .iter()
        .enumerate()
        .find(|(_, m)| m.kind == "audio" && m.port != 0 && m.is_rtp())
        .ok_or_else(|| SdpError::NotAcceptable("the answer rejected the audio stream".into()))?;
    let (codec_pt, codec) = media
        .payload_types()
        .find_map(|pt| media.codec_of(pt).map(|c| (pt, c)))
        .ok_or_else(|| SdpError::NotAcceptable("the answer has no codec we offered".into()))?;
    let their_direction = answer.direction_of(media);
    Ok(build(
        answer,
        index,
        media,
        codec,
        codec_pt,
        their_direction.reversed(),
    ))
}

fn build(
    sdp: &SessionDescription,
    index: usize,
    media: &Media,
    codec: Codec,
    codec_pt: u8,
    mut direction: Direction,
) -> Negotiated {
    let addr = sdp.connection_of(media).filter(|a| !a.is_unspecified());
    if addr.is_none() {
        // c=0.0.0.0 is RFC 2543 hold: the remote side wants no media, so we only listen.
        direction = match direction {
            Direction::SendRecv | Direction::RecvOnly => Direction::RecvOnly,
            _ => Direction::Inactive,
        };
    }
    let remote_rtp = addr.map(|a| SocketAddr::new(a, media.port));
    let rtcp_port = media.rtcp_port.or_else(|| media.port.checked_add(1));
    Negotiated {
        media_index: index,
        codec,
        codec_pt,
        dtmf_pt: media.telephone_event(),
        remote_rtp,
        remote_rtcp: addr.zip(rtcp_port).map(|(a, p)| SocketAddr::new(a, p)),
        direction,
    }
}

/// Our side of the session: keeps the `o=` line stable and bumps its version only when the description
/// changes (RFC 3264 §8).
#[derive(Debug, Clone)]
pub struct LocalDescription {
    session_id: u64,
    version: u64,
    address: IpAddr,
    last_body: Option<String>,
}

impl LocalDescription {
    /// A new session announced at `address`.
    pub fn new(session_id: u64, address: IpAddr) -> Self {
        Self {
            session_id,
            version: session_id,
            address,
            last_body: None,
        }
    }

    /// Our answer to `offer`, receiving on `rtp_port`. Other media sections are refused with port 0.
    pub fn answer(
        &mut self,
        offer: &SessionDescription,
        negotiated: &Negotiated,
        rtp_port: u16,
    ) -> String {
        let mut media = String::new();
        for (index, m) in offer.media.iter().enumerate() {
            if index == negotiated.media_index {
                let mut formats = vec![(negotiated.codec_pt, negotiated.codec.name())];
                if let Some(pt) = negotiated.dtmf_pt {
                    formats.push((pt, TELEPHONE_EVENT));
                }
                write_audio(
                    &mut media,
                    rtp_port,
                    &m.proto,
                    &formats,
                    negotiated.direction,
                );
            } else {
                let _ = write!(
                    media,
                    "m={} 0 {} {}\r\n",
                    m.kind,
                    m.proto,
                    m.formats.join(" ")
                );
            }
        }
        self.finish(media)
    }

    /// Our offer (for an INVITE that carried none): every codec we speak, in our order, plus telephone-events.
    pub fn offer(&mut self, prefs: &[Codec], dtmf_pt: u8, rtp_port: u16) -> String {
        let mut formats: Vec<(u8, &str)> = prefs
            .iter()
            .map(|c| (c.static_payload_type(), c.name()))
            .collect();
        formats.push((dtmf_pt, TELEPHONE_EVENT));
        let mut media = String::new();
        write_audio(
            &mut media,
            rtp_port,
            "RTP/AVP",
            &formats,
            Direction::SendRecv,
        );
        self.finish(media)
    }

    fn finish(&mut self, media: String) -> String {
        if self.last_body.as_deref() != Some(media.as_str()) {
            if self.last_body.is_some() {
                self.version += 1;
            }
            self.last_body = Some(media.clone());
        }
        let family = if self.address.is_ipv4() { "IP4" } else { "IP6" };
        format!(
            "v=0\r\no=kefu {id} {version} IN {family} {addr}\r\ns=kefu\r\nc=IN {family} {addr}\r\nt=0 0\r\n{media}",
            id = self.session_id,
            version = self.version,
            addr = self.address,
        )
    }
}

fn write_audio(
    out: &mut String,
    port: u16,
    proto: &str,
    formats: &[(u8, &str)],
    direction: Direction,
) {
    let list: Vec<String> = formats.iter().map(|(pt, _)| pt.to_string()).collect();
    let _ = write!(out, "m=audio {port} {proto} {}\r\n", list.join(" "));
    for (pt, name) in formats {
        let _ = write!(out, "a=rtpmap:{pt} {name}/{CLOCK_RATE}\r\n");
        if *name == TELEPHONE_EVENT {
            let _ = write!(out, "a=fmtp:{pt} 0-16\r\n");
        }
    }
    let _ = write!(out, "a=ptime:20\r\na={}\r\n", direction.attribute());
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINPHONE_OFFER: &str = "v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.5\r\ns=Talk\r\n\
        c=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 7078 RTP/AVP 96 0 8 101\r\na=rtpmap:96 opus/48000/2\r\n\
        a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\nm=video 9078 RTP/AVP 97\r\n\
        a=rtpmap:97 VP8/90000\r\n";

    #[test]
    fn answer_picks_our_preferred_codec_and_keeps_their_dtmf_number() {
        let offer = SessionDescription::parse(LINPHONE_OFFER).unwrap();
        let n = negotiate_offer(&offer, &[Codec::Pcma, Codec::Pcmu]).unwrap();
        assert_eq!(
            (n.codec, n.codec_pt, n.dtmf_pt),
            (Codec::Pcma, 8, Some(101))
        );
        assert_eq!(n.remote_rtp, Some("10.0.0.5:7078".parse().unwrap()));
        assert_eq!(n.remote_rtcp, Some("10.0.0.5:7079".parse().unwrap()));
        assert_eq!(n.direction, Direction::SendRecv);

        let mut local = LocalDescription::new(42, "192.0.2.1".parse().unwrap());
        let answer = local.answer(&offer, &n, 10_000);
        assert!(
            answer.contains("m=audio 10000 RTP/AVP 8 101\r\n"),
            "{answer}"
        );
        assert!(
            answer.contains("a=rtpmap:101 telephone-event/8000\r\n"),
            "{answer}"
        );
        assert!(
            answer.contains("m=video 0 RTP/AVP 97\r\n"),
            "video refused: {answer}"
        );
        assert!(answer.contains("c=IN IP4 192.0.2.1\r\n"), "{answer}");
        // The answer is itself valid SDP that negotiates to the same thing.
        let back = negotiate_answer(&SessionDescription::parse(&answer).unwrap()).unwrap();
        assert_eq!((back.codec, back.dtmf_pt), (Codec::Pcma, Some(101)));
    }

    #[test]
    fn static_payload_types_need_no_rtpmap_and_dynamic_ones_are_read_by_name() {
        let sdp = "v=0\nc=IN IP4 127.0.0.1\nm=audio 6000 RTP/AVP 0\n";
        let n = negotiate_offer(&SessionDescription::parse(sdp).unwrap(), &[Codec::Pcmu]).unwrap();
        assert_eq!((n.codec, n.codec_pt, n.dtmf_pt), (Codec::Pcmu, 0, None));
        let dynamic = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 6000 RTP/AVP 112 96\r\n\
            a=rtpmap:112 pcmu/8000\r\na=rtpmap:96 telephone-event/8000\r\n";
        let n =
            negotiate_offer(&SessionDescription::parse(dynamic).unwrap(), &[Codec::Pcmu]).unwrap();
        assert_eq!((n.codec_pt, n.dtmf_pt), (112, Some(96)));
    }

    #[test]
    fn nothing_in_common_is_not_acceptable() {
        let sdp =
            "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 6000 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\n";
        let err = negotiate_offer(
            &SessionDescription::parse(sdp).unwrap(),
            &[Codec::Pcmu, Codec::Pcma],
        )
        .unwrap_err();
        assert!(
            matches!(err, SdpError::NotAcceptable(ref why) if why.contains("no common codec")),
            "{err}"
        );
        // Our preference list limits what we accept.
        let pcma_only = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 6000 RTP/AVP 8\r\n";
        assert!(
            negotiate_offer(
                &SessionDescription::parse(pcma_only).unwrap(),
                &[Codec::Pcmu]
            )
            .is_err()
        );
        let srtp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 6000 RTP/SAVP 0\r\n";
        assert!(
            negotiate_offer(&SessionDescription::parse(srtp).unwrap(), &[Codec::Pcmu]).is_err()
        );
    }

    #[test]
    fn hold_offers_turn_our_direction() {
        let base = "v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 7078 RTP/AVP 0\r\n";
        let dir = |extra: &str| {
            let sdp = SessionDescription::parse(&format!("{base}{extra}")).unwrap();
            negotiate_offer(&sdp, &[Codec::Pcmu]).unwrap()
        };
        assert_eq!(dir("a=sendonly\r\n").direction, Direction::RecvOnly);
        assert_eq!(dir("a=inactive\r\n").direction, Direction::Inactive);
        assert_eq!(dir("a=recvonly\r\n").direction, Direction::SendOnly);
        assert!(!dir("a=sendonly\r\n").we_send());
        assert!(dir("a=sendonly\r\n").they_send());
        // Session-level attribute applies when the media line has none.
        let session_level = "v=0\r\nc=IN IP4 10.0.0.5\r\na=sendonly\r\nm=audio 7078 RTP/AVP 0\r\n";
        let n = negotiate_offer(
            &SessionDescription::parse(session_level).unwrap(),
            &[Codec::Pcmu],
        )
        .unwrap();
        assert_eq!(n.direction, Direction::RecvOnly);
        // RFC 2543 hold: c=0.0.0.0.
        let old_hold = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 7078 RTP/AVP 0\r\n";
        let n = negotiate_offer(
            &SessionDescription::parse(old_hold).unwrap(),
            &[Codec::Pcmu],
        )
        .unwrap();
        assert_eq!((n.remote_rtp, n.direction), (None, Direction::RecvOnly));
        assert!(!n.we_send());
    }

    #[test]
    fn version_moves_only_when_the_description_changes() {
        let offer =
            SessionDescription::parse("v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 7078 RTP/AVP 0\r\n")
                .unwrap();
        let n = negotiate_offer(&offer, &[Codec::Pcmu]).unwrap();
        let mut local = LocalDescription::new(7, "127.0.0.1".parse().unwrap());
        let first = local.answer(&offer, &n, 10_000);
        assert!(first.contains("o=kefu 7 7 IN IP4"), "{first}");
        assert_eq!(local.answer(&offer, &n, 10_000), first);
        let held = Negotiated {
            direction: Direction::RecvOnly,
            ..n
        };
        assert!(
            local
                .answer(&offer, &held, 10_000)
                .contains("o=kefu 7 8 IN IP4")
        );
    }

    #[test]
    fn our_offer_lists_our_codecs_and_reads_back_the_answer() {
        let mut local = LocalDescription::new(1, "127.0.0.1".parse().unwrap());
        let offer = local.offer(&[Codec::Pcmu, Codec::Pcma], 101, 10_002);
        assert!(
            offer.contains("m=audio 10002 RTP/AVP 0 8 101\r\n"),
            "{offer}"
        );
        let answer = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8 101\r\n\
            a=rtpmap:101 telephone-event/8000\r\na=rtcp:4005\r\n";
        let n = negotiate_answer(&SessionDescription::parse(answer).unwrap()).unwrap();
        assert_eq!((n.codec, n.dtmf_pt), (Codec::Pcma, Some(101)));
        assert_eq!(n.remote_rtcp, Some("127.0.0.1:4005".parse().unwrap()));
    }

    #[test]
    fn malformed_sdp_is_reported_with_its_line() {
        for bad in [
            "hello world",
            "v=0\r\nm=audio seven RTP/AVP 0\r\n",
            "v=0\r\nc=IN IP4 not-an-ip\r\n",
            "v=0\r\nm=audio 7078 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
            "o=a 1 1 IN IP4 1.2.3.4\r\n",
        ] {
            let err = SessionDescription::parse(bad).unwrap_err();
            assert!(matches!(err, SdpError::Malformed(_)), "{bad:?}: {err}");
        }
        let err = SessionDescription::parse("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n")
            .map(|s| negotiate_offer(&s, &[Codec::Pcmu]));
        assert!(matches!(err, Ok(Err(SdpError::NotAcceptable(_)))));
    }
}
