//! Worker threads that run live calls' jobs: one bounded queue per engine, so a burst of synthesis never holds
//! up recognition and a flooded server sheds work instead of queueing it for ever.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

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
    /// Jobs queued or running.
    pending: Arc<AtomicUsize>,
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
        let pending = Arc::new(AtomicUsize::new(0));
        let pool = |name, threads: usize| pool(name, threads.max(1), depth, &engines, &pending);
        Self {
            asr: pool("asr", config.asr.workers),
            tts: pool("tts", config.pipeline.tts_workers),
            dialogue: pool("dialogue", 1),
            pending,
        }
    }

    /// Waits until no job is queued or running, at most `timeout`; true if that happened. Native inference must
    /// not be cut off by the process exiting.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.pending.load(Ordering::Acquire) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// Queues a job; its results will arrive on `results`. A job that cannot be queued comes back.
    pub fn submit(&self, job: Job, results: Sender<JobResult>) -> Result<(), (Rejected, Job)> {
        let (queue, name) = match &job {
            Job::Transcribe { .. } => (&self.asr, "asr"),
            Job::Synthesize { .. } => (&self.tts, "tts"),
            Job::Greet { .. } | Job::Understand { .. } => (&self.dialogue, "dialogue"),
        };
        self.pending.fetch_add(1, Ordering::AcqRel);
        queue.try_send((job, results)).map_err(|e| {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            match e {
                TrySendError::Full((job, _)) => (Rejected::Busy(name), job),
                TrySendError::Disconnected((job, _)) => (Rejected::Closed, job),
            }
        })
    }
}

fn pool(
    name: &'static str,
    threads: usize,
    depth: usize,
    engines: &Weak<Engines>,
    pending: &Arc<AtomicUsize>,
) -> SyncSender<Work> {
    let (tx, rx) = mpsc::sync_channel::<Work>(depth);
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..threads {
        let rx = Arc::clone(&rx);
        let engines = Weak::clone(engines);
        let pending = Arc::clone(pending);
        let spawned = std::thread::Builder::new()
            .name(format!("kefu-{name}-{i}"))
            .spawn(move || serve(&rx, &engines, &pending));
        if let Err(e) = spawned {
            tracing::error!("cannot start a {name} worker thread: {e}");
        }
    }
    tx
}

fn serve(queue: &Mutex<Receiver<Work>>, engines: &Weak<Engines>, pending: &AtomicUsize) {
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let next = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((job, results)) = next else { return };
        let Some(engines) = engines.upgrade() else {
            pending.fetch_sub(1, Ordering::AcqRel);
            return;
        };
        // A call that has gone away drops its receiver: the rest of its job's output is discarded.
        engines.run(job, &mut |result| {
            let _ = results.send(result);
        });
        pending.fetch_sub(1, Ordering::AcqRel);
    }
}
