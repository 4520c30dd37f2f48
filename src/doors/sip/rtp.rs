//! RTP packets (RFC 3550 §5): parsing what arrives, writing what we send, and the sender's running state
//! (sequence numbers, timestamps, marker bit).

/// Fixed RTP header length.
const HEADER_LEN: usize = 12;

/// A parsed RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

/// Why a datagram is not an RTP packet we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("datagram of {0} bytes is shorter than an RTP header")]
    TooShort(usize),
    #[error("RTP version {0} (only 2 exists)")]
    Version(u8),
    #[error("header fields (CSRC list, extension or padding) run past the end of the packet")]
    Truncated,
}

impl<'a> RtpPacket<'a> {
    /// Parses one datagram, skipping CSRCs and header extensions and removing padding.
    pub fn parse(data: &'a [u8]) -> Result<Self, RtpError> {
        if data.len() < HEADER_LEN {
            return Err(RtpError::TooShort(data.len()));
        }
        let version = data[0] >> 6;
        if version != 2 {
            return Err(RtpError::Version(version));
        }
        let padding = data[0] & 0x20 != 0;
        let extension = data[0] & 0x10 != 0;
        let csrc_count = usize::from(data[0] & 0x0F);
        let mut start = HEADER_LEN + 4 * csrc_count;
        if extension {
            let words = data.get(start + 2..start + 4).ok_or(RtpError::Truncated)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        let mut end = data.len();
        if padding {
            let pad = usize::from(*data.last().ok_or(RtpError::Truncated)?);
            end = end.checked_sub(pad).ok_or(RtpError::Truncated)?;
        }
        if start > end {
            return Err(RtpError::Truncated);
        }
        Ok(RtpPacket {
            marker: data[1] & 0x80 != 0,
            payload_type: data[1] & 0x7F,
            sequence: u16::from_be_bytes([data[2], data[3]]),
            timestamp: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
            ssrc: u32::from_be_bytes([data[8], data[9], data[10], data[11]]),
            payload: &data[start..end],
        })
    }

    /// Writes the packet (no CSRCs, extension or padding).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.push(0x80);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
        out
    }
}

/// True if a datagram on the RTP port is really RTCP (RFC 5761 §4: packet types 200–204 fall in the
/// payload-type range 72–76 that RTP never uses).
pub fn is_rtcp(data: &[u8]) -> bool {
    data.len() >= 2 && (200..=204).contains(&data[1])
}

/// The running state of one outgoing RTP stream: continuous sequence numbers and timestamps whatever is
/// sent (speech, prompts, silence), and the marker bit on the first packet of each talkspurt.
#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    was_talking: bool,
    first: bool,
    packets: u32,
    octets: u32,
}

impl RtpSender {
    /// A stream with random-looking initial values (RFC 3550 §5.1 asks for random starts).
    pub fn new(ssrc: u32, first_sequence: u16, first_timestamp: u32) -> Self {
        Self {
            ssrc,
            sequence: first_sequence,
            timestamp: first_timestamp,
            was_talking: false,
            first: true,
            packets: 0,
            octets: 0,
        }
    }

    /// Builds the next packet. `talking` tells whether it carries speech: the marker is set when speech
    /// starts after silence, and on the very first packet of the stream. `samples` is the packet's
    /// duration in clock ticks.
    pub fn packet(
        &mut self,
        payload_type: u8,
        payload: &[u8],
        talking: bool,
        samples: u32,
    ) -> Vec<u8> {
        let marker = self.first || (talking && !self.was_talking);
        self.first = false;
        self.was_talking = talking;
        let bytes = RtpPacket {
            marker,
            payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            payload,
        }
        .to_bytes();
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples);
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload.len() as u32);
        bytes
    }

    /// Moves the timestamp on without sending, for time that passed unsent (a stalled clock): the
    /// receiver then sees a gap in time but not in sequence numbers, and the next packet is marked.
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
        self.was_talking = false;
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Timestamp of the next packet.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Packets and payload octets sent (for RTCP sender reports).
    pub fn counts(&self) -> (u32, u32) {
        (self.packets, self.octets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let packet = RtpPacket {
            marker: true,
            payload_type: 8,
            sequence: 65535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x1234_5678,
            payload: &[1, 2, 3],
        };
        let bytes = packet.to_bytes();
        assert_eq!(bytes.len(), 15);
        assert_eq!(RtpPacket::parse(&bytes).unwrap(), packet);
    }

    #[test]
    fn csrcs_extension_and_padding_are_skipped() {
        let mut data = vec![0x80 | 0x20 | 0x10 | 0x01, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        data.extend_from_slice(&[0xAA; 4]); // one CSRC
        data.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0, 0, 0, 0]); // extension of one word
        data.extend_from_slice(&[7, 7, 7]); // payload
        data.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let p = RtpPacket::parse(&data).unwrap();
        assert_eq!(p.payload, &[7, 7, 7]);
        assert_eq!((p.sequence, p.timestamp, p.ssrc), (1, 160, 9));
    }

    #[test]
    fn garbage_is_rejected_without_panicking() {
        assert_eq!(RtpPacket::parse(&[0x80; 5]), Err(RtpError::TooShort(5)));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::Version(1)));
        // 15 CSRCs announced, none present.
        assert_eq!(RtpPacket::parse(&[0x8F; 12]), Err(RtpError::Truncated));
        // Padding longer than the packet.
        let mut pad = vec![0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        pad.push(200);
        assert_eq!(RtpPacket::parse(&pad), Err(RtpError::Truncated));
        // Extension header cut short.
        assert_eq!(
            RtpPacket::parse(&[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            Err(RtpError::Truncated)
        );
        for len in 0..40 {
            let noise: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = RtpPacket::parse(&noise);
        }
    }

    #[test]
    fn rtcp_is_told_apart_from_rtp() {
        assert!(is_rtcp(&[0x81, 200, 0, 6]));
        assert!(is_rtcp(&[0x81, 201, 0, 1]));
        assert!(!is_rtcp(&[0x80, 0, 0, 1]));
        assert!(!is_rtcp(&[0x80, 0x80 | 101]));
    }

    #[test]
    fn sender_keeps_sequence_and_time_continuous_and_marks_talkspurts() {
        let mut s = RtpSender::new(5, 65534, u32::MAX - 100);
        let parse = |b: &[u8]| {
            let p = RtpPacket::parse(b).unwrap();
            (p.marker, p.sequence, p.timestamp)
        };
        let a = s.packet(0, &[0; 160], false, 160);
        let b = s.packet(0, &[0; 160], false, 160);
        let c = s.packet(0, &[1; 160], true, 160);
        let d = s.packet(0, &[1; 160], true, 160);
        assert_eq!(
            parse(&a),
            (true, 65534, u32::MAX - 100),
            "first packet marked"
        );
        assert_eq!(parse(&b), (false, 65535, 59), "timestamp wraps");
        assert_eq!(parse(&c), (true, 0, 219), "talkspurt start marked, wraps");
        assert_eq!(parse(&d), (false, 1, 379));
        s.skip(320);
        let e = s.packet(0, &[1; 160], true, 160);
        assert_eq!(parse(&e), (true, 2, 859));
        assert_eq!(s.counts(), (5, 800));
    }
}
