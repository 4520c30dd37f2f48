//! Command bodies of the `kefu` binary, one module per command group.

pub mod chat;
pub mod serve;
pub mod store;
pub mod nlu_review;
