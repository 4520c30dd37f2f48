//! Command bodies of the `kefu` CLI, one module per command group.

pub mod asr_takes;
pub mod bench;
pub mod chat;
pub mod latency;
pub mod models;
pub mod nlu;
pub mod nlu_review;
pub mod replay;
pub mod report;
pub mod say;
pub mod serve;
pub mod speech;
pub mod store;
pub mod talk;
pub mod users;
