//! Command bodies of the `kefu` CLI, one module per command group.

pub mod bench;
pub mod models;
pub mod speech;
