//! Command bodies of the `kefu` CLI, one module per command group.

pub mod bench;
pub mod models;
pub mod nlu;
pub mod say;
pub mod speech;
