//! Command bodies of the `kefu` binary, one module per command group.

pub mod bench;
pub mod pcm_wav;
pub mod say;
