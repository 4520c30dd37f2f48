//! RTP/RTCP port pairs from the configured range: an even port for RTP and the next one for RTCP
//! (RFC 3550 §11), handed out round-robin so a just-closed pair is not reused at once.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use tokio::net::UdpSocket;

/// The two sockets of one call's media.
pub struct RtpSockets {
    pub rtp: UdpSocket,
    pub rtcp: UdpSocket,
}

impl RtpSockets {
    /// The RTP port (RTCP is the next one).
    pub fn port(&self) -> u16 {
        self.rtp.local_addr().map(|a| a.port()).unwrap_or(0)
    }
}

/// Hands out port pairs from `[min, max]`.
#[derive(Debug)]
pub struct PortRange {
    bind: IpAddr,
    first: u16,
    pairs: u32,
    next: Mutex<u32>,
}

/// No pair in the range could be bound.
#[derive(Debug, thiserror::Error)]
#[error(
    "no free RTP port pair between {min} and {max} on {bind}: widen [sip] rtp_port_min/rtp_port_max"
)]
pub struct PortsExhausted {
    bind: IpAddr,
    min: u16,
    max: u16,
}

impl PortRange {
    /// Pairs between `min` and `max` (inclusive) on `bind`. The range must hold at least one pair
    /// (checked by `SipConfig::validate`).
    pub fn new(bind: IpAddr, min: u16, max: u16) -> Self {
        let first = min + min % 2;
        let pairs = u32::from(max).saturating_sub(u32::from(first)).div_ceil(2);
        Self {
            bind,
            first,
            pairs,
            next: Mutex::new(0),
        }
    }

    /// Binds the next free pair.
    pub async fn bind(&self) -> Result<RtpSockets, PortsExhausted> {
        for _ in 0..self.pairs {
            let port = {
                // A poisoned counter is still a usable counter.
                let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
                let index = *next;
                *next = (index + 1) % self.pairs.max(1);
                self.first as u32 + 2 * index
            };
            let Ok(port) = u16::try_from(port) else {
                continue;
            };
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(self.bind, port)).await else {
                continue;
            };
            if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(self.bind, port + 1)).await {
                return Ok(RtpSockets { rtp, rtcp });
            }
        }
        Err(PortsExhausted {
            bind: self.bind,
            min: self.first,
            max: (u32::from(self.first) + 2 * self.pairs).saturating_sub(1) as u16,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pairs_are_even_odd_and_skip_busy_ports() {
        let localhost = IpAddr::from([127, 0, 0, 1]);
        // Somewhere in the ephemeral range; three pairs, the first one made busy.
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port() & !1;
        drop(probe);
        let base = base.clamp(20_000, 60_000);
        let range = PortRange::new(localhost, base + 1, base + 8);
        let busy = UdpSocket::bind((localhost, base + 2)).await.ok();
        let a = range.bind().await.unwrap();
        let b = range.bind().await.unwrap();
        for s in [&a, &b] {
            assert_eq!(s.port() % 2, 0);
            assert_eq!(s.rtcp.local_addr().unwrap().port(), s.port() + 1);
            assert!(
                (base + 4..=base + 7).contains(&s.port()),
                "{} outside range",
                s.port()
            );
        }
        assert_ne!(a.port(), b.port());
        if busy.is_some() {
            assert!(
                range.bind().await.is_err(),
                "three pairs in range, one busy, two taken"
            );
        }
    }
}
