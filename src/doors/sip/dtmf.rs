//! Keypad digits from the phone line: RFC 4733 telephone-event packets and SIP INFO bodies
//! (`application/dtmf-relay`, `application/dtmf`).

/// The digit an RFC 4733 event code stands for (0–9, `*`, `#`, A–D); `None` for other events.
pub fn event_digit(event: u8) -> Option<char> {
    Some(match event {
        0..=9 => char::from(b'0' + event),
        10 => '*',
        11 => '#',
        12..=15 => char::from(b'A' + event - 12),
        _ => return None,
    })
}

/// One telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub event: u8,
    pub end: bool,
    pub volume: u8,
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the 4-byte payload (RFC 4733 allows several events in one packet; the first is the current one).
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..4)?;
        Some(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }
}

/// Turns a stream of telephone-event packets into digits, each reported once.
///
/// An event is identified by its RTP timestamp (RFC 4733 §2.5.1.2: every packet of one event carries the
/// event's start time), so the start packet, the updates and the usually triplicated end packet all map
/// to one digit — even when the start packets were lost. Events are recognised whatever SSRC carries them.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    /// (SSRC, timestamp) of the recently reported events.
    recent: Vec<(u32, u32)>,
}

impl DtmfReceiver {
    /// How many past events to remember; end packets arrive within a few packet times.
    const MEMORY: usize = 8;

    /// Feeds one telephone-event packet; returns the digit if it starts a new event.
    pub fn on_packet(&mut self, ssrc: u32, timestamp: u32, payload: &[u8]) -> Option<char> {
        let event = TelephoneEvent::parse(payload)?;
        let digit = event_digit(event.event)?;
        let key = (ssrc, timestamp);
        if self.recent.contains(&key) {
            return None;
        }
        if self.recent.len() == Self::MEMORY {
            self.recent.remove(0);
        }
        self.recent.push(key);
        Some(digit)
    }
}

/// Reads the digit from the body of a SIP INFO request, by its content type: `application/dtmf-relay`
/// (`Signal=5\r\nDuration=160`) or `application/dtmf` (the digit alone). Signals may also be given as
/// event numbers (`Signal=11` for `#`).
pub fn info_digit(content_type: &str, body: &str) -> Option<char> {
    let kind = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let signal = match kind.as_str() {
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| value.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    signal_digit(signal)
}

fn signal_digit(signal: &str) -> Option<char> {
    let mut chars = signal.chars();
    let c = chars.next()?;
    if chars.next().is_none() {
        let c = c.to_ascii_uppercase();
        return matches!(c, '0'..='9' | '*' | '#' | 'A'..='D').then_some(c);
    }
    event_digit(signal.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event: u8, end: bool, duration: u16) -> Vec<u8> {
        let d = duration.to_be_bytes();
        vec![event, if end { 0x80 | 10 } else { 10 }, d[0], d[1]]
    }

    #[test]
    fn event_codes() {
        let digits: String = (0..16).filter_map(event_digit).collect();
        assert_eq!(digits, "0123456789*#ABCD");
        assert_eq!(event_digit(16), None);
        let e = TelephoneEvent::parse(&payload(11, true, 800)).unwrap();
        assert_eq!((e.event, e.end, e.volume, e.duration), (11, true, 10, 800));
        assert_eq!(TelephoneEvent::parse(&[1, 2]), None);
    }

    #[test]
    fn one_digit_per_event_however_many_packets() {
        let mut rx = DtmfReceiver::default();
        let mut digits = String::new();
        // "1": start, two updates, three end packets. Then "1" again (a new event: new timestamp),
        // whose start packets were lost. Then "#" on another SSRC.
        let packets = [
            (7, 1000, payload(1, false, 160)),
            (7, 1000, payload(1, false, 320)),
            (7, 1000, payload(1, false, 480)),
            (7, 1000, payload(1, true, 640)),
            (7, 1000, payload(1, true, 640)),
            (7, 1000, payload(1, true, 640)),
            (7, 3000, payload(1, true, 640)),
            (7, 3000, payload(1, true, 640)),
            (8, 3000, payload(11, false, 160)),
            (8, 3000, payload(11, true, 400)),
        ];
        for (ssrc, ts, p) in packets {
            digits.extend(rx.on_packet(ssrc, ts, &p));
        }
        assert_eq!(digits, "11#");
        // Unknown events and short payloads are ignored.
        assert_eq!(rx.on_packet(7, 9000, &payload(40, false, 160)), None);
        assert_eq!(rx.on_packet(7, 9160, &[1]), None);
    }

    #[test]
    fn info_bodies() {
        assert_eq!(
            info_digit("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(
            info_digit(
                "Application/DTMF-Relay; charset=x",
                "signal = #\nDuration=100"
            ),
            Some('#')
        );
        assert_eq!(
            info_digit("application/dtmf-relay", "Signal=11\r\n"),
            Some('#')
        );
        assert_eq!(info_digit("application/dtmf", "*"), Some('*'));
        assert_eq!(info_digit("application/dtmf", "b\r\n"), Some('B'));
        assert_eq!(info_digit("application/dtmf-relay", "Duration=160"), None);
        assert_eq!(info_digit("application/dtmf-relay", "Signal=Z"), None);
        assert_eq!(info_digit("text/plain", "Signal=5"), None);
    }
}
