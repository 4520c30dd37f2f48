//! kefu (客服): a voice-first AI customer-service server for e-commerce.
//!
//! Doors (SIP/RTP, WebRTC, replay, microphone, text) move bytes; the call core is a sans-IO state machine;
//! shared engines (ASR, TTS, dialogue, store) are loaded once and used by every call.

pub mod agents;
pub mod audio;
pub mod auth;
pub mod call;
pub mod config;
pub mod dialogue;
pub mod doors;
pub mod lang;
pub mod models;
pub mod pipeline;
pub mod speech;
pub mod store;
pub mod web;
