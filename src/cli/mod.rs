//! Command bodies of the `kefu` binary, one module per command group.

pub mod chat;
pub mod nlu;
pub mod nlu_review;
pub mod serve;
pub mod store;
