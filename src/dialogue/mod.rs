//! The dialogue engine: understanding, state, policy and responses (text in, text out; no audio).

pub mod nlu;
