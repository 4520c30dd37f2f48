//! Kokoro's vocoder with its residual convolutions in int8 ([`super::onnx_qdq`]), calibrated when the model is
//! fetched: the float model speaks a few shop sentences in the styles shipped with it, and the range of every
//! activation entering or leaving those convolutions becomes its quantisation scale.
//!
//! Why at fetch time and not a table in the repository: the ranges come from this model and this front end, so
//! a change to either re-calibrates by itself. The float model the calibration starts from is pinned by its
//! sha256; the int8 one depends on the CPU's float rounding in the last bits, so it is not.

use std::collections::HashMap;
use std::path::Path;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use super::onnx_qdq::{Range, conv_activations, quantize_convs, with_outputs};
use crate::speech::onnx;
use crate::speech::tts::kokoro::{average_styles, model_inputs};
use crate::speech::tts::mandarin;

/// What the calibration says: the kinds of shop speech (numbers, prices, dates, times, questions, apologies).
const SENTENCES: [&str; 6] = [
    "您好，这里是客服中心，请问有什么可以帮您？",
    "您的订单20245678已经发货，预计12月3日送达。",
    "退款金额为128.50元，将在三个工作日内原路退回。",
    "非常抱歉给您带来不便，我马上为您转接人工客服。",
    "快递员会在下午4:30左右联系您，请保持电话畅通。",
    "这款耳机现在有优惠，满299元减50元，还可以用积分抵扣。",
];

/// The styles it is spoken in (both ship with the model: a male and a female voice).
const STYLES: [&str; 2] = ["jm_kumo", "jf_nezumi"];

/// True for the convolutions made int8: the 36 of the generator's residual blocks, where most of the time
/// goes. Measured with the Mandarin accuracy test (Whisper base, 24 sentences, zf_xiaobei) and `kefu bench tts`
/// (one thread): float 92.8%, 1.12 CPU-s per audio-s; these in int8 92.8%, 0.70; adding the 12 convolutions
/// of the harmonic source (`noise_res`) 90.2%, 0.51 — they carry the pitch, hence Mandarin's tones; every
/// convolution of the vocoder in int8 leaves speech Whisper cannot follow.
pub fn is_quantised(node: &str) -> bool {
    node.contains("/generator/resblocks.")
}

/// `float` (the float32 Kokoro model) with its residual convolutions in int8, calibrated with the vocabulary
/// and styles already written to `dir`. Returns the model and how many convolutions were rewritten.
pub fn quantize(float: &[u8], dir: &Path) -> Result<(Vec<u8>, usize), String> {
    let names = conv_activations(float, &is_quantised)?;
    if names.is_empty() {
        return Err("no residual convolution found: not the Kokoro v1.0 model".into());
    }
    let observed = with_outputs(float, &names)?;
    let ranges = calibrate(&observed, dir, &names)?;
    quantize_convs(float, &is_quantised, &ranges)
}

fn calibrate(model: &[u8], dir: &Path, names: &[String]) -> Result<HashMap<String, Range>, String> {
    let vocab = crate::speech::tts::kokoro::read_vocab(&dir.join("vocab.json"))?;
    let env = onnx::environment().map_err(|e| e.to_string())?;
    let mut session = Session::builder(env)
        .and_then(|b| {
            b.with_optimization_level(GraphOptimizationLevel::Level1)
                .map_err(Into::into)
        })
        .and_then(|b| b.with_intra_threads(2).map_err(Into::into))
        .and_then(|mut b| b.commit_from_memory(model))
        .map_err(|e| format!("calibration model: {e}"))?;
    let mut ranges: HashMap<String, Range> = HashMap::new();
    for voice in STYLES {
        let style = average_styles(&[dir.join("voices").join(format!("{voice}.f32"))])?;
        for sentence in SENTENCES {
            let ids: Vec<i64> = mandarin::phonemize(sentence, &|_| String::new())
                .chars()
                .filter_map(|c| vocab.get(&c).copied())
                .collect();
            let fail = |e: ort::Error| format!("calibration run on {sentence:?}: {e}");
            let (tokens, style, speed) = model_inputs(&ids, &style, 1.0).map_err(fail)?;
            let outputs = session
                .run(ort::inputs!["tokens" => tokens, "style" => style, "speed" => speed])
                .map_err(fail)?;
            for name in names {
                let (_, values) = outputs[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map_err(fail)?;
                ranges.entry(name.clone()).or_default().observe(values);
            }
        }
    }
    Ok(ranges)
}
