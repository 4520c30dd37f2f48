//! Worker threads that run live calls' jobs: one bounded queue per engine, so a burst of synthesis never holds
//! up recognition and a flooded server sheds work instead of queueing it for ever.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, Weak};

use crate::config::Config;

use super::engines::Engines;
use super::job::{Job, JobResult};

/// A job and where its results go.
type Work = (Job, Sender<JobResult>);

/// The three queues and their threads. The threads end when the [`Engines`] that own this pool are dropped.
#[derive(Debug)]
pub struct Workers {
    asr: SyncSender<Work>,
    tts: SyncSender<Work>,
    dialogue: SyncSender<Work>,
}

/// Why a job was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the {0} queue is full")]
    Busy(&'static str),
    #[error("the engines have shut down")]
    Closed,
}

impl Workers {
    /// Starts `asr.workers` recognition threads, `pipeline.tts_workers` synthesis threads and one dialogue
    /// thread.
    pub fn start(engines: Weak<Engines>, config: &Config) -> Self {
        let depth = config.pipeline.queue_depth.max(1);
        Self {
            asr: pool("asr", config.asr.workers.max(1), depth, &engines),
            tts: pool("tts", config.pipeline.tts_workers.max(1), depth, &engines),
            dialogue: pool("dialogue", 1, depth, &engines),
        }
    }

    /// Queues a job; its results will arrive on `results`. A job that cannot be queued comes back.
    pub fn submit(&self, job: Job, results: Sender<JobResult>) -> Result<(), (Rejected, Job)> {
        let (queue, name) = match &job {
            Job::Transcribe { .. } => (&self.asr, "asr"),
            Job::Synthesize { .. } => (&self.tts, "tts"),
            Job::Greet { .. } | Job::Understand { .. } => (&self.dialogue, "dialogue"),
        };
        queue.try_send((job, results)).map_err(|e| match e {
            TrySendError::Full((job, _)) => (Rejected::Busy(name), job),
            TrySendError::Disconnected((job, _)) => (Rejected::Closed, job),
        })
    }
}

fn pool(
    name: &'static str,
    threads: usize,
    depth: usize,
    engines: &Weak<Engines>,
) -> SyncSender<Work> {
    let (tx, rx) = mpsc::sync_channel::<Work>(depth);
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..threads {
        let rx = Arc::clone(&rx);
        let engines = Weak::clone(engines);
        let spawned = std::thread::Builder::new()
            .name(format!("kefu-{name}-{i}"))
            .spawn(move || serve(&rx, &engines));
        if let Err(e) = spawned {
            tracing::error!("cannot start a {name} worker thread: {e}");
        }
    }
    tx
}

fn serve(queue: &Mutex<Receiver<Work>>, engines: &Weak<Engines>) {
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let next = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((job, results)) = next else { return };
        let Some(engines) = engines.upgrade() else {
            return;
        };
        // A call that has gone away drops its receiver: the rest of its job's output is discarded.
        engines.run(job, &mut |result| {
            let _ = results.send(result);
        });
    }
}
