//! Model files: fetching, conversion and preparation for the speech engines.

pub mod piper_voice;
