//! Privacy: personal data redacted wherever a transcript outlives the call (store, logs, call-log files,
//! exports), retention of transcripts and recordings, and data-subject requests (export and erase one caller).

mod call_log;
pub mod recording;
mod redact;
pub mod retention;
pub mod subject;

pub use call_log::redact_call_log;
pub use redact::{PersonalData, mask_phone, redact, redact_entities_json, redact_json, redact_opt};

/// Errors of privacy operations.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot delete recording {path}: {source} (check the file's permissions)")]
    DeleteRecording {
        path: String,
        source: std::io::Error,
    },
}
