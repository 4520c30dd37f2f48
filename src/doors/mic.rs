//! The microphone door (`kefu talk`): the default input and output devices through cpal. The sound card's
//! callbacks only queue samples; a 20 ms loop on the calling thread resamples them and drives a [`LiveCall`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, Stream, StreamConfig};

use crate::audio::resample::Resampler;
use crate::call::FRAME_SAMPLES;
use crate::pipeline::{CallLog, CallSpec, Control, Engines, LiveCall};
use crate::speech::asr::SAMPLE_RATE;

/// Most audio kept queued either way; older input is dropped so latency cannot grow without bound.
const MAX_BACKLOG: Duration = Duration::from_millis(200);
const FRAME: Duration = Duration::from_millis(20);

/// Errors of the microphone door.
#[derive(Debug, thiserror::Error)]
pub enum MicError {
    #[error(
        "no {0} device: `kefu talk` needs a microphone and a speaker (on a server, replay recordings with `kefu replay`)"
    )]
    NoDevice(&'static str),
    #[error(
        "cannot open the {what} device {device:?}: {reason} (`kefu talk` needs a working microphone and speaker; on a server, replay recordings with `kefu replay`)"
    )]
    Open {
        what: &'static str,
        device: String,
        reason: String,
    },
    #[error("the {what} device uses sample format {format}, which kefu cannot read")]
    Format {
        what: &'static str,
        format: SampleFormat,
    },
    #[error("resampling: {0}")]
    Resample(#[from] crate::audio::AudioError),
}

/// Samples shared between a device callback and the call loop.
type Queue = Arc<Mutex<VecDeque<f32>>>;

/// Input and output streams open on the default devices.
pub struct SoundDevices {
    _input: Stream,
    _output: Stream,
    mic: Queue,
    speaker: Queue,
    mic_rate: u32,
    speaker_rate: u32,
}

impl std::fmt::Debug for SoundDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundDevices")
            .field("mic_rate", &self.mic_rate)
            .field("speaker_rate", &self.speaker_rate)
            .finish_non_exhaustive()
    }
}

fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "default".into())
}

impl SoundDevices {
    /// Opens the default microphone and speaker (before loading any model, so a machine without them fails
    /// fast).
    pub fn open() -> Result<Self, MicError> {
        let host = cpal::default_host();
        let input = host
            .default_input_device()
            .ok_or(MicError::NoDevice("input"))?;
        let output = host
            .default_output_device()
            .ok_or(MicError::NoDevice("output"))?;
        let open_err = |what: &'static str, device: &cpal::Device| {
            let device = device_name(device);
            move |e: cpal::Error| MicError::Open {
                what,
                device,
                reason: e.to_string(),
            }
        };
        let in_cfg = input
            .default_input_config()
            .map_err(open_err("input", &input))?;
        let out_cfg = output
            .default_output_config()
            .map_err(open_err("output", &output))?;
        let mic: Queue = Arc::default();
        let speaker: Queue = Arc::default();
        let in_format = in_cfg.sample_format();
        let out_format = out_cfg.sample_format();
        let in_cfg: StreamConfig = in_cfg.into();
        let out_cfg: StreamConfig = out_cfg.into();
        let mic_rate = in_cfg.sample_rate;
        let speaker_rate = out_cfg.sample_rate;
        let input_stream = match in_format {
            SampleFormat::F32 => capture::<f32>(&input, &in_cfg, &mic),
            SampleFormat::I16 => capture::<i16>(&input, &in_cfg, &mic),
            SampleFormat::I32 => capture::<i32>(&input, &in_cfg, &mic),
            SampleFormat::U16 => capture::<u16>(&input, &in_cfg, &mic),
            format => {
                return Err(MicError::Format {
                    what: "input",
                    format,
                });
            }
        }
        .map_err(open_err("input", &input))?;
        let output_stream = match out_format {
            SampleFormat::F32 => play::<f32>(&output, &out_cfg, &speaker),
            SampleFormat::I16 => play::<i16>(&output, &out_cfg, &speaker),
            SampleFormat::I32 => play::<i32>(&output, &out_cfg, &speaker),
            SampleFormat::U16 => play::<u16>(&output, &out_cfg, &speaker),
            format => {
                return Err(MicError::Format {
                    what: "output",
                    format,
                });
            }
        }
        .map_err(open_err("output", &output))?;
        input_stream.play().map_err(open_err("input", &input))?;
        output_stream.play().map_err(open_err("output", &output))?;
        tracing::info!(
            input = device_name(&input),
            output = device_name(&output),
            mic_rate,
            speaker_rate,
            "sound devices open"
        );
        Ok(Self {
            _input: input_stream,
            _output: output_stream,
            mic,
            speaker,
            mic_rate,
            speaker_rate,
        })
    }
}

fn stream_error(e: cpal::Error) {
    tracing::warn!("sound device: {e}");
}

fn backlog(rate: u32) -> usize {
    (rate as usize * MAX_BACKLOG.as_millis() as usize) / 1000
}

/// Mixes the device's channels to mono and queues them.
fn capture<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    queue: &Queue,
) -> Result<Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels).max(1);
    let limit = backlog(config.sample_rate);
    let queue = Arc::clone(queue);
    device.build_input_stream(
        *config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            let Ok(mut q) = queue.lock() else { return };
            for frame in data.chunks(channels) {
                let sum: f32 = frame.iter().map(|&s| s.to_sample::<f32>()).sum();
                q.push_back(sum / frame.len() as f32);
            }
            let excess = q.len().saturating_sub(limit);
            q.drain(..excess);
        },
        stream_error,
        None,
    )
}

/// Plays queued mono samples on every channel; silence when the queue runs dry.
fn play<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    queue: &Queue,
) -> Result<Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let channels = usize::from(config.channels).max(1);
    let queue = Arc::clone(queue);
    device.build_output_stream(
        *config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let mut q = queue.lock().ok();
            for frame in data.chunks_mut(channels) {
                let s = q.as_mut().and_then(|q| q.pop_front()).unwrap_or(0.0);
                frame.fill(T::from_sample(s));
            }
        },
        stream_error,
        None,
    )
}

/// Talks to kefu through the default devices until the call ends or `stop` is set; `show` sees every control
/// (transcripts, replies, state, escalation). Returns the call log.
pub fn talk(
    devices: SoundDevices,
    engines: &Arc<Engines>,
    spec: CallSpec,
    stop: &AtomicBool,
    mut show: impl FnMut(&Control),
) -> Result<CallLog, MicError> {
    let mut from_mic = Resampler::new(devices.mic_rate, SAMPLE_RATE)?;
    let mut to_speaker = Resampler::new(SAMPLE_RATE, devices.speaker_rate)?;
    let mut heard: VecDeque<f32> = VecDeque::new();
    let mut call = LiveCall::start(engines, spec, Instant::now());
    let mut next = Instant::now();
    while !call.is_ended() && !stop.load(Ordering::Relaxed) {
        next += FRAME;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let now = Instant::now();
        let captured: Vec<f32> = devices
            .mic
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default();
        heard.extend(from_mic.process(&captured)?);
        let excess = heard
            .len()
            .saturating_sub(backlog(SAMPLE_RATE).max(FRAME_SAMPLES));
        heard.drain(..excess);
        let frame: Option<Vec<f32>> =
            (heard.len() >= FRAME_SAMPLES).then(|| heard.drain(..FRAME_SAMPLES).collect());
        let out = call.tick(frame.as_deref(), now);
        let played = to_speaker.process(out.samples())?;
        if let Ok(mut q) = devices.speaker.lock() {
            q.extend(played);
            let excess = q.len().saturating_sub(backlog(devices.speaker_rate));
            q.drain(..excess);
        }
        while let Some(control) = call.poll_control() {
            show(&control);
        }
    }
    // Let the goodbye finish playing before the streams close.
    let tail = devices.speaker.lock().map(|q| q.len()).unwrap_or(0);
    std::thread::sleep(Duration::from_secs_f64(
        tail as f64 / f64::from(devices.speaker_rate.max(1)),
    ));
    Ok(call.finish(Instant::now()))
}
