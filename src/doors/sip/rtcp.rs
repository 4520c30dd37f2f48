//! Basic RTCP (RFC 3550 §6): reception statistics for the caller's stream, our sender reports with a
//! CNAME, and reading the caller's reports.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Largest forward sequence jump still taken as loss rather than a restarted stream (RFC 3550 A.1).
const MAX_DROPOUT: u16 = 3000;
/// Largest backward sequence step still taken as reordering.
const MAX_MISORDER: u16 = 100;
/// Seconds between 1900 (NTP epoch) and 1970 (Unix epoch).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

const PT_SR: u8 = 200;
const PT_RR: u8 = 201;
const PT_SDES: u8 = 202;
const PT_BYE: u8 = 203;

/// Statistics about one received RTP stream (RFC 3550 A.1, A.3, A.8).
#[derive(Debug, Clone, Default)]
pub struct ReceptionStats {
    ssrc: Option<u32>,
    base_seq: u32,
    max_seq: u16,
    cycles: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<i64>,
    /// Interarrival jitter in timestamp units, scaled by 16 as in RFC 3550 A.8.
    jitter_q4: u32,
    /// Middle 32 bits of the NTP time of the last sender report, and when it arrived.
    last_sr: Option<(u32, Instant)>,
}

/// One reception report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    pub cumulative_lost: i32,
    pub extended_max_seq: u32,
    pub jitter: u32,
    pub last_sr: u32,
    pub delay_since_last_sr: u32,
}

impl ReceptionStats {
    /// Records one media packet; `arrival` is the arrival time in the stream's clock units.
    pub fn on_packet(&mut self, ssrc: u32, sequence: u16, timestamp: u32, arrival: u32) {
        if self.ssrc != Some(ssrc) {
            *self = ReceptionStats {
                last_sr: self.last_sr,
                ..ReceptionStats::default()
            };
            self.restart(ssrc, sequence);
        }
        let delta = sequence.wrapping_sub(self.max_seq);
        if delta < MAX_DROPOUT {
            if sequence < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = sequence;
        } else if delta <= u16::MAX - MAX_MISORDER {
            // A jump too big for loss: the sender restarted its sequence.
            self.restart(ssrc, sequence);
        }
        self.received = self.received.wrapping_add(1);

        let transit = i64::from(arrival) - i64::from(timestamp);
        if let Some(previous) = self.transit {
            let d = (transit - previous).unsigned_abs().min(u64::from(u32::MAX)) as u32;
            // J += (|D| - J) / 16, kept scaled by 16.
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4.wrapping_add(8)) >> 4);
        }
        self.transit = Some(transit);
    }

    fn restart(&mut self, ssrc: u32, sequence: u16) {
        self.ssrc = Some(ssrc);
        self.base_seq = u32::from(sequence);
        self.max_seq = sequence;
        self.cycles = 0;
        self.received = 0;
        self.expected_prior = 0;
        self.received_prior = 0;
        self.transit = None;
    }

    /// Records the caller's sender report (for the LSR/DLSR fields of ours).
    pub fn on_sender_report(&mut self, ntp_middle: u32, now: Instant) {
        self.last_sr = Some((ntp_middle, now));
    }

    /// Packets received and lost so far (loss counts duplicates as negative loss, as RFC 3550 does).
    pub fn totals(&self) -> (u32, i64) {
        (
            self.received,
            i64::from(self.expected()) - i64::from(self.received),
        )
    }

    fn expected(&self) -> u32 {
        if self.ssrc.is_none() {
            return 0;
        }
        (self.cycles + u32::from(self.max_seq))
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// The report block for the next RTCP packet, or `None` before any packet arrived. Updates the
    /// "since the last report" counters behind the fraction lost.
    pub fn report(&mut self, now: Instant) -> Option<ReportBlock> {
        let ssrc = self.ssrc?;
        let expected = self.expected();
        let lost = i64::from(expected) - i64::from(self.received);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (lsr, to_q16(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc,
            fraction_lost,
            // 24-bit signed field.
            cumulative_lost: lost.clamp(-0x80_0000, 0x7F_FFFF) as i32,
            extended_max_seq: self.cycles.wrapping_add(u32::from(self.max_seq)),
            jitter: self.jitter_q4 >> 4,
            last_sr,
            delay_since_last_sr,
        })
    }
}

/// A duration in units of 1/65536 s.
fn to_q16(d: Duration) -> u32 {
    (d.as_secs_f64() * 65536.0).min(f64::from(u32::MAX)) as u32
}

/// The current wall-clock time as a 64-bit NTP timestamp.
pub fn ntp_now() -> u64 {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// What we put in one outgoing compound RTCP packet.
#[derive(Debug, Clone)]
pub struct SenderInfo {
    pub ssrc: u32,
    pub ntp: u64,
    pub rtp_timestamp: u32,
    pub packets: u32,
    pub octets: u32,
}

/// Writes a compound packet: a sender report (with the reception block if any) and an SDES CNAME.
pub fn sender_report(info: &SenderInfo, block: Option<ReportBlock>, cname: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(80);
    let count = u8::from(block.is_some());
    // SR: header, SSRC, 20 bytes of sender info, 24 per block.
    let words = (4 + 20 + 24 * usize::from(count)) / 4;
    out.extend_from_slice(&[0x80 | count, PT_SR]);
    out.extend_from_slice(&(words as u16).to_be_bytes());
    out.extend_from_slice(&info.ssrc.to_be_bytes());
    out.extend_from_slice(&info.ntp.to_be_bytes());
    out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
    out.extend_from_slice(&info.packets.to_be_bytes());
    out.extend_from_slice(&info.octets.to_be_bytes());
    if let Some(b) = block {
        out.extend_from_slice(&b.ssrc.to_be_bytes());
        out.push(b.fraction_lost);
        out.extend_from_slice(&b.cumulative_lost.to_be_bytes()[1..]);
        out.extend_from_slice(&b.extended_max_seq.to_be_bytes());
        out.extend_from_slice(&b.jitter.to_be_bytes());
        out.extend_from_slice(&b.last_sr.to_be_bytes());
        out.extend_from_slice(&b.delay_since_last_sr.to_be_bytes());
    }
    // SDES with one chunk: SSRC, CNAME item, end item, padded to a word boundary.
    let cname = &cname.as_bytes()[..cname.len().min(255)];
    let mut chunk = info.ssrc.to_be_bytes().to_vec();
    chunk.extend_from_slice(&[1, cname.len() as u8]);
    chunk.extend_from_slice(cname);
    chunk.push(0);
    while !chunk.len().is_multiple_of(4) {
        chunk.push(0);
    }
    out.extend_from_slice(&[0x81, PT_SDES]);
    out.extend_from_slice(&((chunk.len() / 4) as u16).to_be_bytes());
    out.extend_from_slice(&chunk);
    out
}

/// What an incoming compound RTCP packet told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Middle 32 bits of the NTP timestamp of a sender report.
    pub sender_report: Option<u32>,
    /// Report blocks about our stream: (fraction lost / 256, cumulative lost, jitter).
    pub reports: Vec<(u8, i32, u32)>,
    /// The peer said goodbye (RTCP BYE).
    pub bye: bool,
}

/// Reads a compound RTCP packet; malformed parts end the reading without error (RTCP is advisory).
pub fn parse(data: &[u8]) -> Received {
    let mut received = Received::default();
    let mut rest = data;
    while rest.len() >= 4 && rest[0] >> 6 == 2 {
        let count = usize::from(rest[0] & 0x1F);
        let packet_type = rest[1];
        let len = 4 * (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1);
        let Some(packet) = rest.get(..len) else {
            break;
        };
        let blocks_at = match packet_type {
            PT_SR if packet.len() >= 28 => {
                received.sender_report = Some(u32::from_be_bytes([
                    packet[10], packet[11], packet[12], packet[13],
                ]));
                Some(28)
            }
            PT_RR if packet.len() >= 8 => Some(8),
            PT_BYE => {
                received.bye = true;
                None
            }
            _ => None,
        };
        if let Some(start) = blocks_at {
            for block in packet[start..].chunks_exact(24).take(count) {
                let lost = i32::from_be_bytes([block[5], block[6], block[7], 0]) >> 8;
                let jitter = u32::from_be_bytes([block[12], block[13], block[14], block[15]]);
                received.reports.push((block[4], lost, jitter));
            }
        }
        rest = &rest[len..];
    }
    received
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_reordering_and_wrap_are_counted() {
        let mut s = ReceptionStats::default();
        let now = Instant::now();
        assert!(s.report(now).is_none());
        // 65530..=65535, 0..=9 with 3 lost and one packet late.
        let mut seqs: Vec<u16> = (65530..=65535).chain(0..10).collect();
        seqs.retain(|&q| q != 2 && q != 3 && q != 65533);
        seqs.swap(5, 6);
        for (i, &q) in seqs.iter().enumerate() {
            s.on_packet(7, q, i as u32 * 160, i as u32 * 160);
        }
        let r = s.report(now).unwrap();
        assert_eq!(r.ssrc, 7);
        assert_eq!(r.cumulative_lost, 3);
        assert_eq!(r.extended_max_seq, 65536 + 9);
        assert_eq!(r.fraction_lost, (3 * 256 / 16) as u8);
        assert_eq!(r.jitter, 0, "arrivals exactly on the timestamps");
        // The next interval has no loss.
        s.on_packet(7, 10, 16 * 160, 16 * 160);
        assert_eq!(s.report(now).unwrap().fraction_lost, 0);
    }

    #[test]
    fn jitter_follows_uneven_arrivals() {
        let mut s = ReceptionStats::default();
        for i in 0..200u32 {
            let wobble = if i % 2 == 0 { 0 } else { 80 };
            s.on_packet(1, i as u16, i * 160, i * 160 + wobble);
        }
        let j = s.report(Instant::now()).unwrap().jitter;
        assert!((70..=80).contains(&j), "jitter {j}");
    }

    #[test]
    fn a_new_ssrc_starts_over() {
        let mut s = ReceptionStats::default();
        s.on_packet(1, 100, 0, 0);
        s.on_packet(1, 101, 160, 160);
        s.on_packet(2, 5000, 0, 320);
        assert_eq!(s.totals(), (1, 0));
        assert_eq!(s.report(Instant::now()).unwrap().ssrc, 2);
    }

    #[test]
    fn our_report_reads_back() {
        let info = SenderInfo {
            ssrc: 0xABCD,
            ntp: 0x1122_3344_5566_7788,
            rtp_timestamp: 1600,
            packets: 10,
            octets: 1600,
        };
        let block = ReportBlock {
            ssrc: 9,
            fraction_lost: 25,
            cumulative_lost: -2,
            extended_max_seq: 70000,
            jitter: 12,
            last_sr: 0,
            delay_since_last_sr: 0,
        };
        let bytes = sender_report(&info, Some(block), "kefu@127.0.0.1");
        assert_eq!(bytes.len() % 4, 0);
        let back = parse(&bytes);
        assert_eq!(back.sender_report, Some(0x3344_5566));
        assert_eq!(back.reports, vec![(25, -2, 12)]);
        assert!(!back.bye);
        assert!(parse(&[0x81, PT_BYE, 0, 1, 0, 0, 0, 9]).bye);
        // Truncated and garbage input.
        assert_eq!(parse(&bytes[..10]), Received::default());
        assert_eq!(parse(&[0xFF; 40]), Received::default());
    }

    #[test]
    fn ntp_time_is_after_2020() {
        assert!(ntp_now() >> 32 > NTP_UNIX_OFFSET + 1_577_836_800);
    }
}
