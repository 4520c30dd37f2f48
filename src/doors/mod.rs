//! Doors: adapters that move audio and events between a transport and the call engine.

pub mod sip;
