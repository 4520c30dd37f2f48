//! WAV files (RIFF/WAVE): a tolerant reader for the formats phones and recorders produce, and atomic writers.
//!
//! Reads PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32/64-bit, G.711 µ-law and A-law, plain or in
//! `WAVE_FORMAT_EXTENSIBLE`, any channel count and rate. Unknown chunks are skipped; a data chunk whose size
//! is 0 or 0xFFFFFFFF (written by streaming recorders that never patched the header) runs to the end.

use std::path::{Path, PathBuf};

use super::{AudioError, MultiPcm, Pcm, g711};

/// Files bigger than this are refused before reading (an hour of 48 kHz stereo float is ~1.4 GB).
const MAX_FILE_BYTES: u64 = 2 << 30;
/// Above this the fmt chunk is not describing audio we could ever want to read.
const MAX_CHANNELS: u16 = 64;
const MAX_SAMPLE_RATE: u32 = 1_536_000;

const FORMAT_PCM: u16 = 0x0001;
const FORMAT_FLOAT: u16 = 0x0003;
const FORMAT_ALAW: u16 = 0x0006;
const FORMAT_ULAW: u16 = 0x0007;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// How samples are stored in the data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    U8,
    I16,
    I24,
    I32,
    F32,
    F64,
    Ulaw,
    Alaw,
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Self::U8 | Self::Ulaw | Self::Alaw => 1,
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    fn decode(self, b: &[u8]) -> f32 {
        match self {
            Self::U8 => (f32::from(b[0]) - 128.0) / 128.0,
            Self::I16 => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
            Self::I24 => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
            Self::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
            Self::F32 => clean_float(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Self::F64 => {
                clean_float(
                    f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32,
                )
            }
            Self::Ulaw => f32::from(g711::ulaw_decode(b[0])) / 32768.0,
            Self::Alaw => f32::from(g711::alaw_decode(b[0])) / 32768.0,
        }
    }
}

/// Float files may hold NaN or values past full scale; keep kefu's [-1, 1] promise.
fn clean_float(x: f32) -> f32 {
    if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) }
}

/// The parts of the fmt chunk the reader needs.
#[derive(Debug, Clone, Copy)]
struct Format {
    channels: u16,
    sample_rate: u32,
    encoding: Encoding,
    /// Bytes per frame (all channels).
    stride: usize,
}

/// Reads a WAV file and mixes it down to mono.
pub fn read(path: &Path) -> Result<Pcm, AudioError> {
    Ok(read_channels(path)?.mix_down())
}

/// Reads a WAV file keeping its channels apart.
pub fn read_channels(path: &Path) -> Result<MultiPcm, AudioError> {
    let read_err = |source| AudioError::Read {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(read_err)?.len();
    if len > MAX_FILE_BYTES {
        return Err(in_file(
            path,
            AudioError::Invalid(format!(
                "the file is {len} bytes; WAV files over {MAX_FILE_BYTES} bytes are refused"
            )),
        ));
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    read_bytes_channels(&bytes).map_err(|e| in_file(path, e))
}

/// Decodes WAV bytes and mixes them down to mono.
pub fn read_bytes(bytes: &[u8]) -> Result<Pcm, AudioError> {
    Ok(read_bytes_channels(bytes)?.mix_down())
}

/// Decodes WAV bytes keeping the channels apart.
pub fn read_bytes_channels(bytes: &[u8]) -> Result<MultiPcm, AudioError> {
    check_riff_header(bytes)?;
    let (format, data) = find_chunks(bytes)?;
    let channels = usize::from(format.channels);
    let frames = data.len() / format.stride;
    if data.len() % format.stride != 0 {
        tracing::debug!(
            extra = data.len() % format.stride,
            "WAV data ends with a partial frame; ignored"
        );
    }
    let width = format.encoding.bytes();
    let mut out = vec![Vec::with_capacity(frames); channels];
    for frame in data.chunks_exact(format.stride) {
        for (c, channel) in out.iter_mut().enumerate() {
            channel.push(format.encoding.decode(&frame[c * width..(c + 1) * width]));
        }
    }
    Ok(MultiPcm {
        channels: out,
        sample_rate: format.sample_rate,
    })
}

fn in_file(path: &Path, error: AudioError) -> AudioError {
    AudioError::InFile {
        path: path.to_path_buf(),
        error: Box::new(error),
    }
}

fn check_riff_header(bytes: &[u8]) -> Result<(), AudioError> {
    if !bytes.starts_with(b"RIFF") {
        // A file cut inside the magic itself is a truncated WAV, not some other format.
        if bytes.is_empty() || !b"RIFF".starts_with(bytes) {
            return Err(AudioError::NotWav {
                found: describe_content(bytes),
            });
        }
    }
    if bytes.len() < 12 {
        return Err(AudioError::Truncated {
            what: "the RIFF/WAVE header".into(),
            expected: 12,
            found: bytes.len() as u64,
        });
    }
    if &bytes[8..12] != b"WAVE" {
        return Err(AudioError::NotWav {
            found: format!("a RIFF file of type '{}'", fourcc(&bytes[8..12])),
        });
    }
    Ok(())
}

/// Walks the chunk list and returns the format and the audio bytes.
fn find_chunks(bytes: &[u8]) -> Result<(Format, &[u8]), AudioError> {
    let mut pos = 12usize;
    let mut format: Option<Format> = None;
    let mut data: Option<&[u8]> = None;
    while pos < bytes.len() && (format.is_none() || data.is_none()) {
        let left = bytes.len() - pos;
        if left < 8 {
            return Err(AudioError::Truncated {
                what: format!("the chunk header at byte {pos}"),
                expected: 8,
                found: left as u64,
            });
        }
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]);
        let body_start = pos + 8;
        let available = bytes.len() - body_start;
        if id == b"data" && (size == 0 || size == u32::MAX) {
            data = Some(&bytes[body_start..]);
            break;
        }
        let size = size as usize;
        if size > available {
            return Err(AudioError::Truncated {
                what: format!("the '{}' chunk", fourcc(id)),
                expected: size as u64,
                found: available as u64,
            });
        }
        let body = &bytes[body_start..body_start + size];
        match id {
            b"fmt " => format = Some(parse_fmt(body)?),
            b"data" => data = Some(body),
            _ => tracing::trace!(chunk = %fourcc(id), size, "skipping WAV chunk"),
        }
        // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
        pos = body_start + size + (size & 1);
    }
    match (format, data) {
        (Some(format), Some(data)) => Ok((format, data)),
        (None, Some(_)) => Err(AudioError::Invalid(
            "no 'fmt ' chunk before the audio data, so the sample format is unknown".into(),
        )),
        (_, None) => Err(AudioError::Invalid(
            "no 'data' chunk: the file holds no audio".into(),
        )),
    }
}

fn parse_fmt(body: &[u8]) -> Result<Format, AudioError> {
    if body.len() < 16 {
        return Err(AudioError::Truncated {
            what: "the 'fmt ' chunk".into(),
            expected: 16,
            found: body.len() as u64,
        });
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let block_align = usize::from(u16_at(12));
    let bits = u16_at(14);
    if tag == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(AudioError::Truncated {
                what: "the WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk".into(),
                expected: 40,
                found: body.len() as u64,
            });
        }
        // The sub-format GUID starts with the classic format tag.
        tag = u16_at(24);
    }
    if channels == 0 {
        return Err(AudioError::Invalid(
            "the 'fmt ' chunk declares 0 channels".into(),
        ));
    }
    if channels > MAX_CHANNELS {
        return Err(AudioError::Invalid(format!(
            "the 'fmt ' chunk declares {channels} channels (at most {MAX_CHANNELS} are accepted)"
        )));
    }
    if sample_rate == 0 {
        return Err(AudioError::Invalid(
            "the 'fmt ' chunk declares a sample rate of 0 Hz".into(),
        ));
    }
    if sample_rate > MAX_SAMPLE_RATE {
        return Err(AudioError::Invalid(format!(
            "the 'fmt ' chunk declares a sample rate of {sample_rate} Hz (at most {MAX_SAMPLE_RATE} Hz are accepted)"
        )));
    }
    let encoding = match (tag, bits) {
        (FORMAT_PCM, 8) => Encoding::U8,
        (FORMAT_PCM, 16) => Encoding::I16,
        (FORMAT_PCM, 24) => Encoding::I24,
        (FORMAT_PCM, 32) => Encoding::I32,
        (FORMAT_FLOAT, 32) => Encoding::F32,
        (FORMAT_FLOAT, 64) => Encoding::F64,
        (FORMAT_ALAW, 8) => Encoding::Alaw,
        (FORMAT_ULAW, 8) => Encoding::Ulaw,
        (FORMAT_PCM | FORMAT_FLOAT | FORMAT_ALAW | FORMAT_ULAW, _) => {
            return Err(AudioError::UnsupportedBits {
                tag,
                name: format_name(tag),
                bits,
            });
        }
        _ => {
            return Err(AudioError::UnsupportedFormat {
                tag,
                name: format_name(tag),
            });
        }
    };
    let frame_bytes = usize::from(channels) * encoding.bytes();
    // Some writers leave block_align at 0; a larger one means padded frames, a smaller one is impossible.
    let stride = match block_align {
        0 => frame_bytes,
        n if n >= frame_bytes => n,
        n => {
            return Err(AudioError::Invalid(format!(
                "block align {n} is smaller than one frame ({channels} channels × {} bytes)",
                encoding.bytes()
            )));
        }
    };
    Ok(Format {
        channels,
        sample_rate,
        encoding,
        stride,
    })
}

/// Human names for the format tags one meets in the wild, for error messages.
fn format_name(tag: u16) -> &'static str {
    match tag {
        0x0000 => "unknown",
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "µ-law",
        0x0011 => "IMA ADPCM",
        0x0022 => "TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG",
        0x0055 => "MPEG",
        0x0064 => "G.726 ADPCM",
        0x0065 => "G.722 ADPCM",
        0x00FF => "AAC",
        0x0161..=0x0163 => "Windows Media Audio",
        0x1610 => "MPEG-4 AAC",
        0x6C75 => "µ-law (Apple)",
        0xF1AC => "FLAC",
        _ => "unknown codec",
    }
}

/// A short description of what a non-WAV file looks like, so the error can say what was found.
fn describe_content(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"RIFX") {
        return "a big-endian RIFX file".into();
    }
    if starts(b"RF64") || starts(b"BW64") {
        return "an RF64/BW64 (64-bit) WAV file".into();
    }
    if starts(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        return "an MP3 file".into();
    }
    if starts(b"OggS") {
        return "an Ogg file".into();
    }
    if starts(b"fLaC") {
        return "a FLAC file".into();
    }
    if starts(b"FORM") {
        return "an AIFF file".into();
    }
    let head = &bytes[..bytes.len().min(40)];
    match std::str::from_utf8(head) {
        Ok(text) if text.chars().all(|c| !c.is_control() || c.is_whitespace()) => {
            format!("text starting with {:?}", text.trim_end())
        }
        _ => {
            let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("bytes {}", hex.join(" "))
        }
    }
}

fn fourcc(id: &[u8]) -> String {
    id.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// Encodes mono audio as a 16-bit PCM WAV.
pub fn to_bytes(pcm: &Pcm) -> Result<Vec<u8>, AudioError> {
    let data = pcm
        .samples
        .iter()
        .flat_map(|&s| g711::f32_to_i16(s).to_le_bytes())
        .collect();
    wav_bytes(FORMAT_PCM, 1, pcm.sample_rate, 16, data)
}

/// Encodes mono audio as an 8-bit µ-law WAV (G.711 PCMU, as telephone recordings are stored).
pub fn to_ulaw_bytes(pcm: &Pcm) -> Result<Vec<u8>, AudioError> {
    wav_bytes(
        FORMAT_ULAW,
        1,
        pcm.sample_rate,
        8,
        g711::f32_to_ulaw(&pcm.samples),
    )
}

/// Writes mono audio as a 16-bit PCM WAV, atomically (temporary file, then rename).
pub fn write(path: &Path, pcm: &Pcm) -> Result<(), AudioError> {
    write_atomic(path, &to_bytes(pcm)?)
}

/// Writes two channels as a 16-bit PCM stereo WAV; the shorter side is padded with silence.
pub fn write_stereo(
    path: &Path,
    left: &[f32],
    right: &[f32],
    sample_rate: u32,
) -> Result<(), AudioError> {
    let frames = left.len().max(right.len());
    let mut data = Vec::with_capacity(frames * 4);
    for i in 0..frames {
        for side in [left, right] {
            let s = side.get(i).copied().unwrap_or(0.0);
            data.extend_from_slice(&g711::f32_to_i16(s).to_le_bytes());
        }
    }
    write_atomic(path, &wav_bytes(FORMAT_PCM, 2, sample_rate, 16, data)?)
}

/// Writes mono audio as an 8-bit µ-law WAV, atomically.
pub fn write_ulaw(path: &Path, pcm: &Pcm) -> Result<(), AudioError> {
    write_atomic(path, &to_ulaw_bytes(pcm)?)
}

fn wav_bytes(
    tag: u16,
    channels: u16,
    sample_rate: u32,
    bits: u16,
    data: Vec<u8>,
) -> Result<Vec<u8>, AudioError> {
    if sample_rate == 0 {
        return Err(AudioError::Invalid(
            "cannot write a WAV with a sample rate of 0 Hz".into(),
        ));
    }
    let block_align = channels * bits / 8;
    let frames = data.len() / usize::from(block_align);
    // Non-PCM formats carry cbSize and a fact chunk with the frame count, as the spec asks.
    let pcm = tag == FORMAT_PCM;
    let fmt_len: u32 = if pcm { 16 } else { 18 };
    let fact_len: u32 = if pcm { 0 } else { 12 };
    let pad = data.len() & 1;
    let riff_len =
        u32::try_from(u64::from(4 + 8 + fmt_len + fact_len + 8) + data.len() as u64 + pad as u64)
            .map_err(|_| {
            AudioError::Invalid(format!(
                "{} bytes of audio do not fit in a WAV file",
                data.len()
            ))
        })?;
    let mut out = Vec::with_capacity(riff_len as usize + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&fmt_len.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(
        &sample_rate
            .saturating_mul(u32::from(block_align))
            .to_le_bytes(),
    );
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    if !pcm {
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(frames as u32).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    if pad == 1 {
        out.push(0);
    }
    Ok(out)
}

/// Writes next to the target and renames, so readers never see a half-written file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AudioError> {
    let write_err = |source| AudioError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        write_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        ))
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp: PathBuf = path.with_file_name(tmp_name);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a WAV from a raw fmt chunk body and data, plus optional extra chunks before the data.
    fn wav(fmt: &[u8], extra: &[(&[u8; 4], &[u8])], data: &[u8]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        let mut chunk = |id: &[u8], payload: &[u8]| {
            body.extend_from_slice(id);
            body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            body.extend_from_slice(payload);
            if payload.len() % 2 == 1 {
                body.push(0);
            }
        };
        chunk(b"fmt ", fmt);
        for (id, payload) in extra {
            chunk(*id, payload);
        }
        chunk(b"data", data);
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn fmt(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits.div_ceil(8);
        let mut f = Vec::new();
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&rate.wrapping_mul(u32::from(align)).to_le_bytes());
        f.extend_from_slice(&align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    fn extensible(sub_tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut f = fmt(FORMAT_EXTENSIBLE, channels, rate, bits);
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&sub_tag.to_le_bytes());
        f.extend_from_slice(&[
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
        f
    }

    #[test]
    fn reads_every_supported_sample_format() {
        let half_i16 = 16384i16.to_le_bytes();
        let cases: Vec<(Vec<u8>, Vec<u8>, f32)> = vec![
            (fmt(1, 1, 8000, 8), vec![192], 0.5),
            (fmt(1, 1, 8000, 16), half_i16.to_vec(), 0.5),
            (fmt(1, 1, 8000, 24), vec![0, 0, 0x40], 0.5),
            (
                fmt(1, 1, 8000, 32),
                0x4000_0000i32.to_le_bytes().to_vec(),
                0.5,
            ),
            (fmt(3, 1, 8000, 32), 0.5f32.to_le_bytes().to_vec(), 0.5),
            (fmt(3, 1, 8000, 64), 0.5f64.to_le_bytes().to_vec(), 0.5),
            (fmt(7, 1, 8000, 8), vec![0x80], 32124.0 / 32768.0),
            (fmt(6, 1, 8000, 8), vec![0xAA], 32256.0 / 32768.0),
            (extensible(1, 1, 8000, 16), half_i16.to_vec(), 0.5),
            (
                extensible(3, 1, 8000, 32),
                0.5f32.to_le_bytes().to_vec(),
                0.5,
            ),
            (extensible(7, 1, 8000, 8), vec![0x80], 32124.0 / 32768.0),
        ];
        for (f, data, want) in cases {
            let pcm = read_bytes(&wav(&f, &[], &data)).unwrap();
            assert_eq!(pcm.sample_rate, 8000);
            assert_eq!(pcm.samples.len(), 1, "{f:?}");
            assert!(
                (pcm.samples[0] - want).abs() < 1e-6,
                "{f:?}: {} vs {want}",
                pcm.samples[0]
            );
        }
    }

    #[test]
    fn negative_full_scale_values() {
        let pcm = read_bytes(&wav(&fmt(1, 1, 8000, 24), &[], &[0, 0, 0x80])).unwrap();
        assert_eq!(pcm.samples, [-1.0]);
        let pcm = read_bytes(&wav(&fmt(1, 1, 8000, 8), &[], &[0])).unwrap();
        assert_eq!(pcm.samples, [-1.0]);
        let pcm = read_bytes(&wav(&fmt(3, 1, 8000, 32), &[], &f32::NAN.to_le_bytes())).unwrap();
        assert_eq!(pcm.samples, [0.0]);
    }

    #[test]
    fn stereo_is_mixed_down_and_kept_apart_on_request() {
        let mut data = Vec::new();
        for (l, r) in [(16384i16, 0i16), (-16384, -16384)] {
            data.extend_from_slice(&l.to_le_bytes());
            data.extend_from_slice(&r.to_le_bytes());
        }
        let bytes = wav(&fmt(1, 2, 44100, 16), &[], &data);
        let multi = read_bytes_channels(&bytes).unwrap();
        assert_eq!(multi.channels, vec![vec![0.5, -0.5], vec![0.0, -0.5]]);
        let mono = read_bytes(&bytes).unwrap();
        assert_eq!(mono.samples, [0.25, -0.5]);
        assert_eq!(mono.sample_rate, 44100);
    }

    #[test]
    fn skips_unknown_chunks_with_pad_bytes() {
        let data = 1000i16.to_le_bytes();
        let bytes = wav(
            &fmt(1, 1, 16000, 16),
            &[(b"LIST", b"INFOabc"), (b"fact", &[1, 0, 0, 0])],
            &data,
        );
        assert_eq!(read_bytes(&bytes).unwrap().samples, [1000.0 / 32768.0]);
    }

    #[test]
    fn streamed_data_size_reads_to_the_end() {
        for size in [0u32, u32::MAX] {
            let mut bytes = wav(&fmt(1, 1, 16000, 16), &[], &[]);
            let n = bytes.len();
            bytes[n - 4..].copy_from_slice(&size.to_le_bytes());
            for s in [1i16, 2, 3] {
                bytes.extend_from_slice(&s.to_le_bytes());
            }
            bytes.push(7); // a partial trailing frame is dropped
            let pcm = read_bytes(&bytes).unwrap();
            assert_eq!(pcm.samples.len(), 3, "size {size:#x}");
        }
    }

    #[test]
    fn text_file_is_named_as_not_wav() {
        let err = read_bytes(b"hello, this is not audio\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not a WAV file"), "{msg}");
        assert!(msg.contains("text starting with \"hello"), "{msg}");
        assert!(
            read_bytes(b"")
                .unwrap_err()
                .to_string()
                .contains("empty file")
        );
        assert!(
            read_bytes(b"ID3\x03\0\0")
                .unwrap_err()
                .to_string()
                .contains("MP3")
        );
    }

    #[test]
    fn truncated_data_says_expected_and_found() {
        let mut bytes = wav(&fmt(1, 1, 16000, 16), &[], &[0; 100]);
        bytes.truncate(bytes.len() - 40);
        let msg = read_bytes(&bytes).unwrap_err().to_string();
        assert!(
            msg.contains("'data' chunk needs 100 bytes but only 60"),
            "{msg}"
        );
        let msg = read_bytes(&bytes[..10]).unwrap_err().to_string();
        assert!(msg.contains("needs 12 bytes but only 10"), "{msg}");
    }

    #[test]
    fn unsupported_formats_are_named() {
        let msg = read_bytes(&wav(&fmt(0x55, 1, 16000, 0), &[], &[0; 4]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("WAV format 0x0055 (MPEG) is not supported"),
            "{msg}"
        );
        assert!(msg.contains("supported: PCM 8/16/24/32-bit"), "{msg}");
        let msg = read_bytes(&wav(&fmt(1, 1, 16000, 12), &[], &[0; 4]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("12-bit samples"), "{msg}");
        let msg = read_bytes(&wav(&extensible(2, 1, 16000, 4), &[], &[0; 4]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("0x0002 (Microsoft ADPCM)"), "{msg}");
    }

    #[test]
    fn zero_and_absurd_fields_are_rejected() {
        let cases = [
            (fmt(1, 0, 16000, 16), "0 channels"),
            (fmt(1, 1, 0, 16), "0 Hz"),
            (fmt(1, 1000, 16000, 16), "1000 channels"),
            (fmt(1, 1, 4_000_000_000, 16), "4000000000 Hz"),
        ];
        for (f, want) in cases {
            let msg = read_bytes(&wav(&f, &[], &[0; 4])).unwrap_err().to_string();
            assert!(msg.contains(want), "{msg}");
        }
        let msg = read_bytes(&wav(&fmt(1, 1, 16000, 16)[..10], &[], &[0; 4]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("'fmt ' chunk needs 16 bytes but only 10"),
            "{msg}"
        );
        let no_data = b"RIFF\x04\0\0\0WAVE";
        assert!(
            read_bytes(no_data)
                .unwrap_err()
                .to_string()
                .contains("no 'data' chunk")
        );
    }

    #[test]
    fn random_and_truncated_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let valid: Vec<Vec<u8>> = vec![
            wav(&fmt(1, 2, 16000, 16), &[(b"LIST", b"xyz")], &[1; 64]),
            wav(&extensible(3, 3, 48000, 32), &[], &[2; 96]),
            wav(&fmt(7, 1, 8000, 8), &[], &[3; 33]),
        ];
        for base in &valid {
            for cut in 0..base.len() {
                let _ = read_bytes(&base[..cut]);
            }
            for _ in 0..2000 {
                let mut bytes = base.clone();
                for _ in 0..rng.random_range(1..6) {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] = rng.random();
                }
                let _ = read_bytes(&bytes);
            }
        }
        for _ in 0..2000 {
            let len = rng.random_range(0..80);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            if rng.random_bool(0.5) && bytes.len() >= 12 {
                bytes[..4].copy_from_slice(b"RIFF");
                bytes[8..12].copy_from_slice(b"WAVE");
            }
            let _ = read_bytes(&bytes);
        }
    }

    #[test]
    fn writers_round_trip_through_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let pcm = Pcm {
            samples: vec![0.0, 0.25, -0.5, 0.999, -1.0],
            sample_rate: 16000,
        };
        let mono = dir.path().join("mono.wav");
        write(&mono, &pcm).unwrap();
        let back = read(&mono).unwrap();
        assert_eq!(back.sample_rate, 16000);
        for (a, b) in pcm.samples.iter().zip(&back.samples) {
            assert!((a - b).abs() <= 1.0 / 32768.0, "{a} vs {b}");
        }

        let stereo = dir.path().join("stereo.wav");
        write_stereo(&stereo, &[0.5, 0.5, 0.5], &[-0.25], 8000).unwrap();
        let back = read_channels(&stereo).unwrap();
        assert_eq!(back.channels, vec![vec![0.5; 3], vec![-0.25, 0.0, 0.0]]);

        let ulaw = dir.path().join("phone.wav");
        write_ulaw(
            &ulaw,
            &Pcm {
                samples: vec![0.0, 0.5, -0.5],
                sample_rate: 8000,
            },
        )
        .unwrap();
        let bytes = std::fs::read(&ulaw).unwrap();
        assert_eq!(bytes.len() % 2, 0, "RIFF chunks are padded to even length");
        let back = read_bytes(&bytes).unwrap();
        assert_eq!(back.samples.len(), 3);
        assert!((back.samples[1] - 0.5).abs() < 0.02);

        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn file_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.wav");
        let msg = read(&missing).unwrap_err().to_string();
        assert!(msg.contains("nope.wav"), "{msg}");
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "shopping list").unwrap();
        let msg = read(&text).unwrap_err().to_string();
        assert!(
            msg.contains("notes.wav") && msg.contains("not a WAV file"),
            "{msg}"
        );
        let msg = write(
            &dir.path().join("no/such/dir/x.wav"),
            &Pcm {
                samples: vec![],
                sample_rate: 8000,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("cannot write"), "{msg}");
    }
}
