//! The audio codecs the phone line speaks (G.711 µ-law and A-law) and their RTP names and payload types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::audio::g711;

/// RTP clock rate of G.711 and of the telephone-events sent with it.
pub const CLOCK_RATE: u32 = 8_000;

/// Samples per 20 ms packet at [`CLOCK_RATE`].
pub const SAMPLES_PER_PACKET: usize = 160;

/// A narrowband audio codec kefu can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Codec {
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl Codec {
    /// The static payload type RFC 3551 assigns.
    pub fn static_payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name used in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The codec a static payload type stands for, if any we know.
    pub fn from_static_payload_type(pt: u8) -> Option<Self> {
        [Codec::Pcmu, Codec::Pcma]
            .into_iter()
            .find(|c| c.static_payload_type() == pt)
    }

    /// Decodes one RTP payload to samples in [-1, 1] at 8 kHz (one byte per sample).
    pub fn decode(self, payload: &[u8]) -> Vec<f32> {
        match self {
            Codec::Pcmu => g711::ulaw_to_f32(payload),
            Codec::Pcma => g711::alaw_to_f32(payload),
        }
    }

    /// Encodes 8 kHz samples in [-1, 1] as an RTP payload.
    pub fn encode(self, samples: &[f32]) -> Vec<u8> {
        match self {
            Codec::Pcmu => g711::f32_to_ulaw(samples),
            Codec::Pcma => g711::f32_to_alaw(samples),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Codec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "PCMU" => Ok(Codec::Pcmu),
            "PCMA" => Ok(Codec::Pcma),
            _ => Err(format!("unsupported codec {s:?}: use \"PCMU\" or \"PCMA\"")),
        }
    }
}

impl TryFrom<String> for Codec {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Codec> for String {
    fn from(c: Codec) -> Self {
        c.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_payload_types() {
        assert_eq!("pcma".parse::<Codec>(), Ok(Codec::Pcma));
        assert_eq!(Codec::from_static_payload_type(0), Some(Codec::Pcmu));
        assert_eq!(Codec::from_static_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_static_payload_type(18), None);
        assert!("G729".parse::<Codec>().unwrap_err().contains("PCMU"));
    }

    #[test]
    fn payloads_round_trip() {
        let tone: Vec<f32> = (0..SAMPLES_PER_PACKET)
            .map(|i| 0.5 * (i as f32 * 0.3).sin())
            .collect();
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let payload = codec.encode(&tone);
            assert_eq!(payload.len(), SAMPLES_PER_PACKET);
            let back = codec.decode(&payload);
            let err = tone
                .iter()
                .zip(&back)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(err < 0.02, "{codec}: {err}");
        }
    }
}
