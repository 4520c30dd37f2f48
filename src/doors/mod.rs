//! Doors: adapters that turn a transport into 20 ms frames for the pipeline and play back what it returns.
//! They move bytes and nothing else.

pub mod mic;
pub mod replay;
pub mod sip;
pub mod webrtc;
