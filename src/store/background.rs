//! Store writes that must not wait on a call's 20 ms tick: one process-wide thread runs them in order.
//!
//! The store's lock may be held by a long dashboard query; a call that writes a turn's details or a line
//! said to an agent hands the write here instead. A full queue drops the write with a warning: callers use
//! this only for records the call's end (or the next write) can stand without.

use std::sync::OnceLock;
use std::sync::mpsc::{self, SyncSender, TrySendError};

/// Writes waiting for the background thread.
const QUEUE: usize = 1024;

type Write = Box<dyn FnOnce() + Send>;

/// Runs `write` on the store's background thread (inline if that thread cannot be started).
pub fn write_in_background(what: &'static str, write: impl FnOnce() + Send + 'static) {
    static WRITER: OnceLock<Option<SyncSender<Write>>> = OnceLock::new();
    let writer = WRITER.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel::<Write>(QUEUE);
        std::thread::Builder::new()
            .name("kefu-store-writer".into())
            .spawn(move || rx.into_iter().for_each(|write| write()))
            .map_err(|e| tracing::warn!("no background store writer, writing inline: {e}"))
            .ok()
            .map(|_| tx)
    });
    match writer {
        Some(tx) => match tx.try_send(Box::new(write)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(what, "background store writer behind: write dropped");
            }
            Err(TrySendError::Disconnected(write)) => write(),
        },
        None => write(),
    }
}
