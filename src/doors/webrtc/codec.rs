//! Opus at the door's edge: RTP payloads in, 16 kHz frames for the call core out, and back.
//!
//! libopus decodes straight to 16 kHz and encodes from 16 kHz (RTP timestamps stay at Opus's fixed 48 kHz
//! clock, RFC 7587), so no separate resampling step is needed: kefu's audio never carries content above 8 kHz.

use crate::audio::INTERNAL_RATE;
use crate::call::FRAME_SAMPLES;

use super::WebRtcError;

/// The longest Opus packet (120 ms) at the internal rate.
const MAX_PACKET_SAMPLES: usize = INTERNAL_RATE as usize * 120 / 1000;
/// Missing packets concealed before a late packet; a longer gap is a pause in the stream, not loss.
const MAX_CONCEALED: u16 = 5;
/// Opus packets are at most this large at the bitrates used here (RFC 6716 allows 1275 bytes per frame).
const MAX_PACKET_BYTES: usize = 1500;

fn codec_error(what: &str, e: opus::Error) -> WebRtcError {
    WebRtcError::Codec(format!("{what}: {e}"))
}

/// Decodes the caller's Opus packets (mono or stereo) to 16 kHz mono samples, concealing lost packets.
pub struct OpusDecoder {
    inner: opus::Decoder,
    last_seq: Option<u16>,
    /// Samples per packet of the stream, for concealment.
    packet_samples: usize,
    buffer: Vec<f32>,
}

impl OpusDecoder {
    /// A decoder producing 16 kHz mono.
    pub fn new() -> Result<Self, WebRtcError> {
        Ok(Self {
            inner: opus::Decoder::new(INTERNAL_RATE, opus::Channels::Mono)
                .map_err(|e| codec_error("creating the Opus decoder", e))?,
            last_seq: None,
            packet_samples: FRAME_SAMPLES,
            buffer: vec![0.0; MAX_PACKET_SAMPLES],
        })
    }

    /// Decodes the packet with RTP sequence number `seq`. A short gap before it is filled with the
    /// packet's forward error correction and packet-loss concealment; a late or repeated packet yields
    /// nothing. Corrupt packets are an error (the caller drops them and carries on).
    pub fn decode(&mut self, seq: u16, payload: &[u8]) -> Result<Vec<f32>, WebRtcError> {
        let mut out = Vec::new();
        if let Some(last) = self.last_seq {
            let ahead = seq.wrapping_sub(last);
            if ahead == 0 || ahead > u16::MAX / 2 {
                return Ok(out);
            }
            let missing = ahead - 1;
            if missing > 0 && missing <= MAX_CONCEALED {
                for _ in 1..missing {
                    out.extend(self.run(&[], false)?);
                }
                // The packet after a loss may carry a low-rate copy of the lost one (in-band FEC).
                out.extend(self.run(payload, true)?);
            }
        }
        if payload.is_empty() {
            return Ok(out);
        }
        self.last_seq = Some(seq);
        let decoded = self.run(payload, false)?;
        out.extend_from_slice(decoded);
        let n = decoded.len();
        if n > 0 {
            self.packet_samples = n;
        }
        Ok(out)
    }

    fn run(&mut self, payload: &[u8], fec: bool) -> Result<&[f32], WebRtcError> {
        // Concealment and FEC need the output sized to the lost packet's duration.
        let len = if payload.is_empty() || fec {
            self.packet_samples
        } else {
            MAX_PACKET_SAMPLES
        };
        let n = self
            .inner
            .decode_float(payload, &mut self.buffer[..len], fec)
            .map_err(|e| codec_error("decoding an Opus packet", e))?;
        Ok(&self.buffer[..n])
    }
}

/// Encodes the bot's 16 kHz mono frames to Opus packets (one 20 ms frame per packet).
pub struct OpusEncoder {
    inner: opus::Encoder,
    packet: Vec<u8>,
}

impl OpusEncoder {
    /// A voice encoder at `bitrate` bits per second.
    pub fn new(bitrate: u32) -> Result<Self, WebRtcError> {
        let mut inner =
            opus::Encoder::new(INTERNAL_RATE, opus::Channels::Mono, opus::Application::Voip)
                .map_err(|e| codec_error("creating the Opus encoder", e))?;
        let bits = i32::try_from(bitrate).unwrap_or(i32::MAX);
        inner
            .set_bitrate(opus::Bitrate::Bits(bits))
            .map_err(|e| codec_error(&format!("setting the Opus bitrate to {bitrate}"), e))?;
        Ok(Self {
            inner,
            packet: vec![0; MAX_PACKET_BYTES],
        })
    }

    /// Encodes one 20 ms frame ([`FRAME_SAMPLES`] samples at 16 kHz).
    pub fn encode(&mut self, frame: &[f32]) -> Result<Vec<u8>, WebRtcError> {
        if frame.len() != FRAME_SAMPLES {
            return Err(WebRtcError::Codec(format!(
                "an Opus frame must be {FRAME_SAMPLES} samples (20 ms at 16 kHz), got {}",
                frame.len()
            )));
        }
        let n = self
            .inner
            .encode_float(frame, &mut self.packet)
            .map_err(|e| codec_error("encoding an Opus frame", e))?;
        Ok(self.packet[..n].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amplitude: f32, samples: usize) -> Vec<f32> {
        (0..samples)
            .map(|i| {
                amplitude
                    * (2.0 * std::f32::consts::PI * freq * i as f32 / INTERNAL_RATE as f32).sin()
            })
            .collect()
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
    }

    fn zero_crossing_freq(samples: &[f32]) -> f32 {
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        crossings as f32 / 2.0 / (samples.len() as f32 / INTERNAL_RATE as f32)
    }

    fn packets(input: &[f32]) -> Vec<Vec<u8>> {
        let mut encoder = OpusEncoder::new(32_000).unwrap();
        input
            .chunks(FRAME_SAMPLES)
            .map(|f| encoder.encode(f).unwrap())
            .collect()
    }

    #[test]
    fn a_tone_survives_the_round_trip() {
        let input = sine(440.0, 0.5, INTERNAL_RATE as usize);
        let mut decoder = OpusDecoder::new().unwrap();
        let mut out = Vec::new();
        for (i, p) in packets(&input).iter().enumerate() {
            out.extend(decoder.decode(1000 + i as u16, p).unwrap());
        }
        assert_eq!(out.len(), input.len());
        let middle = &out[out.len() / 4..out.len() * 3 / 4];
        let freq = zero_crossing_freq(middle);
        assert!((freq - 440.0).abs() < 5.0, "{freq} Hz");
        let level = rms(middle);
        assert!((level - 0.5 / 2f32.sqrt()).abs() < 0.05, "rms {level}");
    }

    #[test]
    fn lost_packets_are_concealed_and_late_ones_dropped() {
        let input = sine(300.0, 0.4, FRAME_SAMPLES * 10);
        let packets = packets(&input);
        let mut decoder = OpusDecoder::new().unwrap();
        let mut total = 0;
        // Packets 3 and 4 are lost; packet 4 then arrives late; packet 6 is repeated.
        for seq in [0u16, 1, 2, 5, 4, 6, 6, 7, 8, 9] {
            total += decoder.decode(seq, &packets[seq as usize]).unwrap().len();
        }
        assert_eq!(total, FRAME_SAMPLES * 10, "one frame per sequence number");
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let packets = packets(&sine(300.0, 0.4, FRAME_SAMPLES * 3));
        let mut decoder = OpusDecoder::new().unwrap();
        let mut total = 0;
        for (i, seq) in [u16::MAX - 1, u16::MAX, 0].into_iter().enumerate() {
            total += decoder.decode(seq, &packets[i]).unwrap().len();
        }
        assert_eq!(total, FRAME_SAMPLES * 3);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut encoder = OpusEncoder::new(32_000).unwrap();
        let err = encoder.encode(&[0.0; 100]).unwrap_err().to_string();
        assert!(err.contains("320 samples"), "{err}");
        let mut decoder = OpusDecoder::new().unwrap();
        // A TOC byte announcing a code-3 packet with no frame count is invalid.
        assert!(decoder.decode(1, &[0xff]).is_err());
    }
}
