//! Speech engines shared by every call: recognition (Whisper), voice activity detection, synthesis.

pub mod asr;
