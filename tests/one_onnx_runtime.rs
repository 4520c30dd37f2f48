//! sherpa-onnx (Piper TTS) and `ort` (Silero VAD) share one ONNX Runtime in the process.

use std::sync::Arc;

use kefu::config::Config;
use kefu::lang::Lang;
use kefu::speech::onnx;
use kefu::speech::tts::Voice;
use kefu::speech::tts::piper::PiperVoice;
use kefu::speech::vad::{self, Vad, VadModel};

#[test]
fn tts_and_vad_use_the_same_runtime() {
    let cfg = Config::load(None).unwrap();
    let piper = cfg.models.dir.join("piper-joe");
    let silero = vad::model_path(&cfg.models.dir);
    for path in [piper.join("model.onnx"), silero.clone()] {
        assert!(
            path.is_file(),
            "{} missing: run: kefu models fetch",
            path.display()
        );
    }
    let voice = PiperVoice::load("piper-joe", Lang::En, &piper, &cfg.tts.espeak_data, 1).unwrap();
    assert!(!voice.synthesize("One runtime.", 1.0).unwrap().is_empty());
    let model = Arc::new(VadModel::load(&silero).unwrap());
    assert_eq!(Vad::new(model).push(&[0.0; 1024]).unwrap().len(), 2);

    let runtimes = onnx::mapped_runtimes();
    assert_eq!(runtimes.len(), 1, "ONNX Runtime files mapped: {runtimes:?}");
    assert_eq!(
        onnx::runtime_library().unwrap().canonicalize().unwrap(),
        runtimes[0]
    );
}
