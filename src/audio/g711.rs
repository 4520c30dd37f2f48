//! ITU-T G.711 companding: µ-law (PCMU) and A-law (PCMA) between 8-bit codes and 16-bit linear PCM.
//!
//! Encoding uses the standard segment search with the µ-law bias (0x84) and A-law's 13-bit magnitude;
//! decoding is a lookup in tables computed at compile time from the same arithmetic.

/// µ-law bias added before the segment search (33 in 14-bit units, shifted to 16-bit).
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude µ-law can represent once the bias is added (32635 + 0x84 = 0x7FFF).
const ULAW_CLIP: i32 = 32635;

const ULAW_TO_LINEAR: [i16; 256] = build_ulaw_table();
const ALAW_TO_LINEAR: [i16; 256] = build_alaw_table();

/// Decodes one µ-law code to 16-bit linear PCM.
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_TO_LINEAR[code as usize]
}

/// Decodes one A-law code to 16-bit linear PCM.
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_TO_LINEAR[code as usize]
}

/// Encodes one 16-bit linear PCM sample as µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut magnitude = i32::from(sample);
    let sign = if magnitude < 0 {
        magnitude = -magnitude;
        0x80
    } else {
        0
    };
    magnitude = magnitude.min(ULAW_CLIP) + ULAW_BIAS;
    // The segment (exponent) is the position of the highest set bit above bit 7.
    let exponent = (31 - magnitude.leading_zeros() as i32 - 7).clamp(0, 7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Encodes one 16-bit linear PCM sample as A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    // A-law works on 13-bit magnitudes; negative values are coded as (-x - 1) with the sign bit clear.
    let mut value = i32::from(sample) >> 3;
    let mask: i32 = if value >= 0 {
        0xD5
    } else {
        value = -value - 1;
        0x55
    };
    let segment = match value {
        0..=0x1F => 0,
        0x20..=0x3F => 1,
        0x40..=0x7F => 2,
        0x80..=0xFF => 3,
        0x100..=0x1FF => 4,
        0x200..=0x3FF => 5,
        0x400..=0x7FF => 6,
        0x800..=0xFFF => 7,
        _ => return (0x7F ^ mask) as u8,
    };
    let shift = if segment < 2 { 1 } else { segment };
    let code = (segment << 4) | ((value >> shift) & 0x0F);
    (code ^ mask) as u8
}

/// Decodes a buffer of µ-law codes to samples in [-1, 1].
pub fn ulaw_to_f32(codes: &[u8]) -> Vec<f32> {
    codes
        .iter()
        .map(|&c| f32::from(ulaw_decode(c)) / 32768.0)
        .collect()
}

/// Decodes a buffer of A-law codes to samples in [-1, 1].
pub fn alaw_to_f32(codes: &[u8]) -> Vec<f32> {
    codes
        .iter()
        .map(|&c| f32::from(alaw_decode(c)) / 32768.0)
        .collect()
}

/// Encodes samples in [-1, 1] (values outside are clipped) as µ-law.
pub fn f32_to_ulaw(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .map(|&s| ulaw_encode(f32_to_i16(s)))
        .collect()
}

/// Encodes samples in [-1, 1] (values outside are clipped) as A-law.
pub fn f32_to_alaw(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .map(|&s| alaw_encode(f32_to_i16(s)))
        .collect()
}

/// Converts a float sample to 16-bit PCM with clipping; NaN becomes silence.
pub fn f32_to_i16(sample: f32) -> i16 {
    // `as` saturates and maps NaN to 0, which is exactly the clipping wanted here.
    (sample * 32768.0).round() as i16
}

const fn build_ulaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        let u = !(code as u8);
        let exponent = (u & 0x70) >> 4;
        let magnitude = ((((u & 0x0F) as i32) << 3) + ULAW_BIAS) << exponent;
        table[code] = if u & 0x80 != 0 {
            (ULAW_BIAS - magnitude) as i16
        } else {
            (magnitude - ULAW_BIAS) as i16
        };
        code += 1;
    }
    table
}

const fn build_alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        let a = (code as u8) ^ 0x55;
        let segment = ((a & 0x70) >> 4) as i32;
        let mut magnitude = ((a & 0x0F) as i32) << 4;
        magnitude = match segment {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };
        table[code] = if a & 0x80 != 0 {
            magnitude as i16
        } else {
            -magnitude as i16
        };
        code += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_reference_values() {
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x0F), -16764);
        assert_eq!(ulaw_decode(0xEF), 132);
        assert_eq!(ulaw_decode(0xFE), 8);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(32767), 0x80);
        assert_eq!(ulaw_encode(-32768), 0x00);
    }

    #[test]
    fn alaw_reference_values() {
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(32767), 0xAA);
        assert_eq!(alaw_encode(-32768), 0x2A);
    }

    #[test]
    fn every_ulaw_code_round_trips() {
        for code in 0..=255u8 {
            let back = ulaw_encode(ulaw_decode(code));
            // 0x7F is µ-law's "negative zero": it decodes to 0, which encodes as positive zero 0xFF.
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(back, expected, "code {code:#04x}");
        }
    }

    #[test]
    fn every_alaw_code_round_trips() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
        }
    }

    #[test]
    fn decode_tables_are_odd_symmetric_and_monotonic() {
        // Codes with the sign bit set are positive in both laws; within one sign, larger magnitude codes
        // (µ-law: smaller code values, A-law: after the 0x55 toggle) decode to strictly larger magnitudes.
        for code in 0..128u8 {
            assert_eq!(ulaw_decode(code), -ulaw_decode(code | 0x80));
            assert_eq!(alaw_decode(code), -alaw_decode(code | 0x80));
        }
        let ulaw: Vec<i16> = (0..128u8).rev().map(|c| ulaw_decode(c | 0x80)).collect();
        assert!(ulaw.windows(2).all(|w| w[0] < w[1]), "{ulaw:?}");
        let alaw: Vec<i16> = (0..128u8).map(|c| alaw_decode((c ^ 0x55) | 0x80)).collect();
        assert!(alaw.windows(2).all(|w| w[0] < w[1]), "{alaw:?}");
    }

    #[test]
    fn quantisation_error_is_within_half_a_step() {
        // Both laws reconstruct at the middle of each decision interval, so the error is at most half a
        // step, and a step is at most 1/16 of the decoded magnitude (floor: 16 units around zero).
        // Near full scale µ-law clips at 32635, hence the range limit.
        type Codec = (fn(i16) -> u8, fn(u8) -> i16);
        let codecs: [(&str, Codec); 2] = [
            ("µ-law", (ulaw_encode, ulaw_decode)),
            ("A-law", (alaw_encode, alaw_decode)),
        ];
        for (name, (encode, decode)) in codecs {
            for x in -32000i16..=32000 {
                let decoded = i32::from(decode(encode(x)));
                let err = (decoded - i32::from(x)).abs();
                let bound = (decoded.abs() / 32 + 5).max(8);
                assert!(err <= bound, "{name} x={x} decoded={decoded} err={err}");
            }
        }
    }

    #[test]
    fn float_helpers_clip_and_round_trip() {
        assert_eq!(f32_to_i16(2.0), i16::MAX);
        assert_eq!(f32_to_i16(-2.0), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        let samples = [0.0, 0.5, -0.5, 0.99];
        for (a, b) in samples.iter().zip(ulaw_to_f32(&f32_to_ulaw(&samples))) {
            assert!((a - b).abs() < 0.02, "{a} vs {b}");
        }
        for (a, b) in samples.iter().zip(alaw_to_f32(&f32_to_alaw(&samples))) {
            assert!((a - b).abs() < 0.02, "{a} vs {b}");
        }
    }
}
