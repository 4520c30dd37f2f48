//! Call recording (off unless `[privacy] record_calls = true`): the caller on the left channel and the bot on
//! the right, 16 kHz 16-bit PCM, streamed to a WAV file as the call goes, so a crash keeps what was said. The
//! caller hears a consent notice before the greeting.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::lang::Lang;

const RATE: u32 = 16_000;

/// What the caller hears first when calls are recorded.
pub fn consent_notice(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "为保证服务质量，本次通话将被录音。",
        Lang::En => "This call is recorded for quality and training purposes.",
    }
}

/// One call's recording in progress.
#[derive(Debug)]
pub struct CallRecording {
    path: PathBuf,
    out: BufWriter<File>,
    /// The caller's frame of the current 20 ms step, waiting for the bot's.
    caller: Vec<f32>,
    frames: u32,
    failed: bool,
}

fn header(data_bytes: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"RIFF");
    put(4, &(36 + data_bytes).to_le_bytes());
    put(8, b"WAVEfmt ");
    put(16, &16u32.to_le_bytes());
    put(20, &1u16.to_le_bytes()); // PCM
    put(22, &2u16.to_le_bytes()); // stereo
    put(24, &RATE.to_le_bytes());
    put(28, &(RATE * 4).to_le_bytes());
    put(32, &4u16.to_le_bytes());
    put(34, &16u16.to_le_bytes());
    put(36, b"data");
    put(40, &data_bytes.to_le_bytes());
    h
}

fn pcm16(s: f32) -> [u8; 2] {
    ((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes()
}

impl CallRecording {
    /// Starts a recording file `<dir>/<name>.wav`.
    pub fn create(dir: &Path, name: &str) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{name}.wav"));
        let mut out = BufWriter::new(File::create(&path)?);
        // Sizes are filled in at the end; until then a reader sees a header claiming no data, and the samples
        // after it are still recoverable.
        out.write_all(&header(0))?;
        Ok(Self {
            path,
            out,
            caller: Vec::new(),
            frames: 0,
            failed: false,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The caller's 20 ms of this step.
    pub fn caller(&mut self, samples: &[f32]) {
        self.caller.clear();
        self.caller.extend_from_slice(samples);
    }

    /// The bot's 20 ms of this step: writes the step's stereo frame.
    pub fn bot(&mut self, samples: &[f32]) {
        if self.failed {
            return;
        }
        let n = samples.len().max(self.caller.len());
        let mut bytes = Vec::with_capacity(n * 4);
        for i in 0..n {
            bytes.extend_from_slice(&pcm16(self.caller.get(i).copied().unwrap_or(0.0)));
            bytes.extend_from_slice(&pcm16(samples.get(i).copied().unwrap_or(0.0)));
        }
        self.caller.clear();
        if let Err(e) = self.out.write_all(&bytes) {
            self.failed = true;
            tracing::warn!(path = %self.path.display(), "call recording stopped: {e}");
        }
        self.frames += n as u32;
    }

    /// Completes the file's header.
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        self.out.flush()?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header(self.frames.saturating_mul(4)))?;
        file.sync_all()?;
        Ok(self.path)
    }
}
