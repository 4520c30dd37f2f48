//! Analytics: what callers want, how the bot does and where it fails. Per-call recording into the store
//! ([`CallRecorder`]), the process metrics ([`metrics`]), aggregations over the store for the dashboard and
//! reports.

pub mod housekeeping;
pub mod metrics;
mod recorder;
pub mod report;
pub mod summary;
pub mod survey;

pub use metrics::{Metrics, metrics};
pub use recorder::{CallRecorder, chat_ended};
pub use report::Format;
pub use summary::{Filter, Summary};
