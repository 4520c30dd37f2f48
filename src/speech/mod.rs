//! Speech engines shared by every call: recognition (Whisper), voice activity detection, synthesis.

pub mod asr;
pub mod onnx;
pub mod tts;
pub mod vad;
