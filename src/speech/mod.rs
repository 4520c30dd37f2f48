//! Speech: voice activity detection, recognition and synthesis engines shared by all calls.

pub mod onnx;
pub mod tts;
pub mod vad;
