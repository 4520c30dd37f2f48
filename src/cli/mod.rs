//! Command bodies, one file per command group.

pub mod nlu;
