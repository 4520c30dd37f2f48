//! Retention: transcripts and recordings older than the configured number of days are deleted.

use chrono::NaiveDateTime;

use crate::store::{Purged, Store};

use super::PrivacyError;

/// Blanks transcripts and deletes recordings (rows and files) older than `days` before `now`.
pub fn sweep(store: &Store, days: u32, now: NaiveDateTime) -> Result<Purged, PrivacyError> {
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let purged = store.purge_before(cutoff)?;
    for recording in &purged.recordings {
        remove_file(&recording.path)?;
    }
    if purged.transcripts > 0 || !purged.recordings.is_empty() {
        tracing::info!(
            transcripts = purged.transcripts,
            recordings = purged.recordings.len(),
            days,
            "retention: deleted old transcripts and recordings"
        );
    }
    Ok(purged)
}

/// Deletes a file; one already gone is fine.
pub(super) fn remove_file(path: &str) -> Result<(), PrivacyError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(PrivacyError::DeleteRecording {
            path: path.to_string(),
            source,
        }),
    }
}
