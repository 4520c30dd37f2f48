//! Replays one recording through the production pipeline on a virtual clock: caller audio advances time 20 ms
//! per frame, engine jobs run for real on this thread and their results arrive after their real compute time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::call::{FRAME_SAMPLES, Frame};
use crate::pipeline::{CallLog, CallRunner, CallSpec, Cancel, Engines, Job, JobResult};

use super::fixture::{Hangup, LoadedFixture};

/// How long the caller waits after the recording ends for the bot to finish.
const HOLD_ON: Duration = Duration::from_secs(20);
/// Time between keys of one DTMF entry.
const KEY_GAP: Duration = Duration::from_millis(200);
const FRAME: Duration = Duration::from_millis(20);

/// What a replay produced: the log and both sides of the call as heard, 16 kHz, time-aligned.
#[derive(Debug)]
pub struct Replayed {
    pub log: CallLog,
    pub caller: Vec<f32>,
    pub bot: Vec<f32>,
}

/// A job result waiting for its moment on the virtual clock.
struct Due {
    at: Instant,
    seq: u64,
    result: JobResult,
    /// For speech: dropped on arrival if the reply was cancelled meanwhile (a live worker would not have made it).
    cancel: Option<Cancel>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Replays `caller` (16 kHz mono) as described by `fixture`.
pub fn replay(
    engines: &Engines,
    fixture: &LoadedFixture,
    caller: &[f32],
    spec: CallSpec,
) -> Replayed {
    let start = Instant::now();
    let mut runner = CallRunner::new(engines, spec, start);
    let mut keys: Vec<(Instant, char)> = fixture
        .fixture
        .dtmf
        .iter()
        .flat_map(|press| {
            let first = start + Duration::from_secs_f64(press.at);
            press
                .digits
                .chars()
                .enumerate()
                .map(move |(i, key)| (first + KEY_GAP * i as u32, key))
        })
        .collect();
    keys.sort_by_key(|(at, _)| *at);
    let mut keys = keys.into_iter().peekable();
    let recording_frames = caller.len().div_ceil(FRAME_SAMPLES);
    let hangup_at = match fixture.hangup {
        Hangup::At(secs) => Some(start + Duration::from_secs_f64(secs)),
        Hangup::AtEnd => None,
    };
    let give_up = start + FRAME * recording_frames as u32 + HOLD_ON;
    let mut due: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut heard_caller = Vec::with_capacity(caller.len() + 16_000);
    let mut heard_bot = Vec::with_capacity(caller.len() + 16_000);

    for k in 0usize.. {
        let now = start + FRAME * k as u32;
        while due.peek().is_some_and(|d| d.0.at <= now) {
            let Some(Reverse(d)) = due.pop() else { break };
            if d.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
                continue;
            }
            runner.job_done(d.result, now);
        }
        runner.handle_timeout(now);
        while let Some((_, key)) = keys.next_if(|(at, _)| *at <= now) {
            runner.dtmf(key, now);
        }
        let frame = caller
            .get(k * FRAME_SAMPLES..)
            .filter(|rest| !rest.is_empty())
            .map(|rest| Frame::from_samples(&rest[..rest.len().min(FRAME_SAMPLES)]));
        let frame = frame.unwrap_or_else(Frame::silence);
        heard_caller.extend_from_slice(frame.samples());
        runner.push_audio(Some(frame.samples()), now);
        heard_bot.extend_from_slice(runner.pull_audio(now).samples());
        while let Some(job) = runner.poll_job() {
            let cancel = match &job {
                Job::Synthesize { cancel, .. } => Some(cancel.clone()),
                _ => None,
            };
            // Results of one job come one after another (a synthesis piece by piece).
            let mut ready = now;
            engines.run(job, &mut |result: JobResult| {
                ready += result.compute;
                seq += 1;
                due.push(Reverse(Due {
                    at: ready,
                    seq,
                    result,
                    cancel: cancel.clone(),
                }));
            });
        }
        if runner.is_ended() {
            break;
        }
        let over = k + 1 >= recording_frames;
        let hang_up = match hangup_at {
            Some(at) => now >= at,
            None => over && ((due.is_empty() && runner.is_idle()) || now >= give_up),
        };
        if hang_up {
            runner.hangup(now + FRAME);
            break;
        }
    }
    let end = start + FRAME * (heard_caller.len() / FRAME_SAMPLES) as u32;
    Replayed {
        log: runner.finish(end),
        caller: heard_caller,
        bot: heard_bot,
    }
}
