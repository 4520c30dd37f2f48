//! A call on real time: a [`CallRunner`] whose jobs run on the engines' worker threads. Doors own the clock
//! and call [`LiveCall::tick`] every 20 ms; nothing here blocks.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Instant;

use crate::call::Frame;

use super::call_log::CallLog;
use super::engines::Engines;
use super::job::JobResult;
use super::runner::CallRunner;
use super::{CallSpec, Control};

/// One live call. See the door contract in the [`pipeline`](super) docs.
#[derive(Debug)]
pub struct LiveCall {
    runner: CallRunner,
    engines: Arc<Engines>,
    results: Receiver<JobResult>,
    results_tx: Sender<JobResult>,
}

impl LiveCall {
    /// Starts a call; the greeting is on its way.
    pub fn start(engines: &Arc<Engines>, spec: CallSpec, now: Instant) -> Self {
        let (results_tx, results) = mpsc::channel();
        let mut call = Self {
            runner: CallRunner::new(engines, spec, now),
            engines: Arc::clone(engines),
            results,
            results_tx,
        };
        call.dispatch(now);
        call
    }

    /// One 20 ms step: the caller's frame in (16 kHz; `None` if nothing arrived), the frame to play out.
    pub fn tick(&mut self, caller: Option<&[f32]>, now: Instant) -> Frame {
        self.collect(now);
        self.runner.handle_timeout(now);
        self.runner.push_audio(caller, now);
        let frame = self.runner.pull_audio(now);
        self.dispatch(now);
        frame
    }

    /// A keypad digit.
    pub fn dtmf(&mut self, digit: char, now: Instant) {
        self.runner.dtmf(digit, now);
        self.dispatch(now);
    }

    /// A typed caller turn.
    pub fn text(&mut self, text: &str, now: Instant) {
        self.runner.text(text, now);
        self.dispatch(now);
    }

    /// The caller hung up.
    pub fn hangup(&mut self, now: Instant) {
        self.runner.hangup(now);
    }

    /// A person took the call (`true`) or gave it back.
    pub fn agent(&mut self, joined: bool, now: Instant) {
        self.runner.agent(joined, now);
        self.dispatch(now);
    }

    /// The agent's words while bridged (transcribed on the agent's side), for the call log and the turn log.
    pub fn agent_said(&mut self, text: &str, now: Instant) {
        self.runner.agent_said(text, now);
    }

    /// The caller was transferred elsewhere (e.g. SIP REFER to the shop's PBX succeeded).
    pub fn transferred(&mut self) {
        self.runner.transferred();
    }

    /// The next thing the door must do or show.
    pub fn poll_control(&mut self) -> Option<Control> {
        self.runner.poll_control()
    }

    pub fn is_ended(&self) -> bool {
        self.runner.is_ended()
    }

    /// The call log so far.
    pub fn log(&self) -> CallLog {
        self.runner.log()
    }

    /// Ends the call (hanging up if it is still up) and returns its log.
    pub fn finish(self, now: Instant) -> CallLog {
        self.runner.finish(now)
    }

    fn collect(&mut self, now: Instant) {
        while let Ok(result) = self.results.try_recv() {
            self.runner.job_done(result, now);
        }
    }

    fn dispatch(&mut self, now: Instant) {
        while let Some(job) = self.runner.poll_job() {
            let kind = job.kind();
            if let Err((rejected, job)) =
                self.engines.workers().submit(job, self.results_tx.clone())
            {
                tracing::warn!("{kind} job not run: {rejected}");
                self.runner.job_done(job.failed(&rejected.to_string()), now);
            }
        }
    }
}
