//! Static int8 quantisation of chosen float convolutions, in ONNX's QDQ form: the activation entering a chosen
//! `Conv` and the one leaving it pass through `QuantizeLinear` → `DequantizeLinear` with a fixed scale taken
//! from a calibration, and its weight becomes int8 (symmetric, one scale per output channel) behind a
//! `DequantizeLinear`. ONNX Runtime fuses each such group into one integer convolution (`QLinearConv`), which
//! runs on the CPU's int8 dot-product instructions.
//!
//! Why: Kokoro spends ~80% of its time in the float convolutions of its vocoder, already at the CPU's float
//! peak; integer arithmetic is the remaining lever (see [`super::kokoro_int8`] for which convolutions bear it).
//!
//! Calibration is two steps: [`conv_activations`] names the tensors to observe and [`with_outputs`] exposes them
//! as graph outputs, so a run of the float model over representative inputs yields their ranges; then
//! [`quantize_convs`] rewrites the model with those ranges.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::onnx_float::{FLOAT, INT8, Node, Tensor, UINT8, encode_tensor};
use super::onnx_model::{Model, float_value_info};
use super::protobuf::{put_bytes_field, put_varint_field};

/// The observed range of one activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f32,
    pub max: f32,
}

impl Range {
    /// Widens the range to take in `values`.
    pub fn observe(&mut self, values: &[f32]) {
        for &v in values.iter().filter(|v| v.is_finite()) {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }

    /// Scale and zero point of an asymmetric uint8 quantisation covering the range and zero.
    fn uint8_params(self) -> (f32, u8) {
        let (lo, hi) = (self.min.min(0.0), self.max.max(0.0));
        let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
        let zero = (-lo / scale).round().clamp(0.0, 255.0) as u8;
        (scale, zero)
    }
}

impl Default for Range {
    fn default() -> Self {
        Self {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
        }
    }
}

/// The activations to calibrate for the convolutions `choose` picks by node name: each one's input and output.
pub fn conv_activations(
    model: &[u8],
    choose: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, String> {
    let m = Model::parse(model)?;
    let mut names: Vec<String> = Vec::new();
    for i in chosen_convs(&m, choose) {
        let node = &m.nodes[i];
        for name in node.inputs.first().into_iter().chain(node.outputs.first()) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    Ok(names)
}

/// The model with the float tensors `names` added to its outputs, so a run reports them.
pub fn with_outputs(model: &[u8], names: &[String]) -> Result<Vec<u8>, String> {
    let m = Model::parse(model)?;
    let outputs: Vec<u8> = names
        .iter()
        .flat_map(|name| float_value_info(12, name))
        .collect();
    Ok(m.encode(&[], &outputs))
}

/// The indices of the convolutions `choose` picks by node name.
fn chosen_convs(m: &Model<'_>, choose: &dyn Fn(&str) -> bool) -> Vec<usize> {
    (0..m.nodes.len())
        .filter(|&i| m.nodes[i].op_type == "Conv" && choose(&m.nodes[i].name))
        .collect()
}

/// Rewrites the convolutions `choose` picks as int8 QDQ groups with the calibrated `ranges` of their inputs and
/// outputs. Returns the model and the number of convolutions rewritten.
pub fn quantize_convs(
    model: &[u8],
    choose: &dyn Fn(&str) -> bool,
    ranges: &HashMap<String, Range>,
) -> Result<(Vec<u8>, usize), String> {
    let mut m = Model::parse(model)?;
    let chosen: HashSet<usize> = chosen_convs(&m, choose).into_iter().collect();
    let weights: HashMap<&str, &[u8]> =
        m.tensors.iter().map(|(n, _, t)| (n.as_str(), *t)).collect();
    let mut new_tensors = Vec::new();
    let mut nodes = Vec::with_capacity(m.nodes.len() + chosen.len() * 5);
    // Activations already quantised for an earlier convolution, by name → their dequantised name.
    let mut quantised: HashMap<String, String> = HashMap::new();
    for (i, node) in std::mem::take(&mut m.nodes).into_iter().enumerate() {
        if !chosen.contains(&i) {
            nodes.push(node);
            continue;
        }
        let conv_name = node.name.clone();
        let context = |e: String| format!("convolution {conv_name}: {e}");
        let (Some(x), Some(w), Some(y)) = (
            node.inputs.first().cloned(),
            node.inputs.get(1).cloned(),
            node.outputs.first().cloned(),
        ) else {
            return Err(context("expected an input, a weight and an output".into()));
        };
        let mut conv = node;
        // The input: quantised once however many chosen convolutions read it.
        if !quantised.contains_key(&x) {
            let range = ranges
                .get(&x)
                .ok_or_else(|| context(format!("no calibrated range for its input {x}")))?;
            let dq = format!("{x}_dq");
            qdq(
                &mut nodes,
                &mut new_tensors,
                &x,
                &format!("{x}_q"),
                &dq,
                *range,
            );
            quantised.insert(x.clone(), dq);
        }
        conv.set_input(0, quantised[&x].clone());
        // The weight: int8, one symmetric scale per output channel.
        let raw = weights
            .get(w.as_str())
            .ok_or_else(|| context(format!("its weight {w} is not an initialiser")))?;
        let (_, tensor) = Tensor::parse(raw)?;
        let values = tensor.values(&w).map_err(context)?;
        let channels = *tensor
            .dims
            .first()
            .ok_or_else(|| context("scalar weight".into()))?;
        let (int8, scales) = quantize_weight(&values, channels).map_err(context)?;
        let (w_q, w_scale, w_zero, w_dq) = (
            format!("{w}_int8"),
            format!("{w}_scale"),
            format!("{w}_zero"),
            format!("{w}_dq"),
        );
        encode_tensor(&mut new_tensors, &w_q, &tensor.dims, INT8, &int8);
        let scale_bytes: Vec<u8> = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
        encode_tensor(&mut new_tensors, &w_scale, &[channels], FLOAT, &scale_bytes);
        encode_tensor(
            &mut new_tensors,
            &w_zero,
            &[channels],
            INT8,
            &vec![0; channels],
        );
        let mut dequantize = Node::new(
            "DequantizeLinear",
            format!("{w}_DequantizeLinear"),
            vec![w_q, w_scale, w_zero],
            vec![w_dq.clone()],
        );
        dequantize
            .attributes
            .push(Cow::Owned(int_attribute("axis", 0)));
        nodes.push(dequantize);
        conv.set_input(1, w_dq);
        // The output: the convolution writes a raw value; its consumers read the quantised one under the old name.
        let range = ranges
            .get(&y)
            .ok_or_else(|| context(format!("no calibrated range for its output {y}")))?;
        let y_raw = format!("{y}_raw");
        conv.set_output(0, y_raw.clone());
        nodes.push(conv);
        qdq(
            &mut nodes,
            &mut new_tensors,
            &y_raw,
            &format!("{y}_q"),
            &y,
            *range,
        );
    }
    m.nodes = nodes;
    Ok((m.encode(&new_tensors, &[]), chosen.len()))
}

/// `QuantizeLinear(from)` → `to_q` → `DequantizeLinear` → `to`, uint8 with the scale and zero point of `range`.
fn qdq(
    nodes: &mut Vec<Node<'_>>,
    tensors: &mut Vec<u8>,
    from: &str,
    to_q: &str,
    to: &str,
    range: Range,
) {
    let (scale, zero) = range.uint8_params();
    let (scale_name, zero_name) = (format!("{to_q}_scale"), format!("{to_q}_zero"));
    encode_tensor(tensors, &scale_name, &[], FLOAT, &scale.to_le_bytes());
    encode_tensor(tensors, &zero_name, &[], UINT8, &[zero]);
    nodes.push(Node::new(
        "QuantizeLinear",
        format!("{to_q}_QuantizeLinear"),
        vec![from.to_string(), scale_name.clone(), zero_name.clone()],
        vec![to_q.to_string()],
    ));
    nodes.push(Node::new(
        "DequantizeLinear",
        format!("{to_q}_DequantizeLinear"),
        vec![to_q.to_string(), scale_name, zero_name],
        vec![to.to_string()],
    ));
}

/// `values` (output channel first) as int8 bytes with one scale per channel: `w ≈ q · scale`, `|q| ≤ 127`.
fn quantize_weight(values: &[f32], channels: usize) -> Result<(Vec<u8>, Vec<f32>), String> {
    if channels == 0 || !values.len().is_multiple_of(channels) {
        return Err(format!(
            "{} weights do not split into {channels} channels",
            values.len()
        ));
    }
    let per = values.len() / channels;
    let mut bytes = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(channels);
    for channel in values.chunks_exact(per) {
        let peak = channel.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if peak > 0.0 { peak / 127.0 } else { 1.0 };
        bytes.extend(
            channel
                .iter()
                .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8 as u8),
        );
        scales.push(scale);
    }
    Ok((bytes, scales))
}

/// An `AttributeProto` holding one integer.
fn int_attribute(name: &str, value: i64) -> Vec<u8> {
    let mut attribute = Vec::new();
    put_bytes_field(&mut attribute, 1, name.as_bytes());
    put_varint_field(&mut attribute, 3, value as u64);
    // AttributeProto.type = INT
    put_varint_field(&mut attribute, 20, 2);
    attribute
}

#[cfg(test)]
mod tests {
    use super::super::onnx_model::test_model::{conv_model, run};
    use super::*;

    #[test]
    fn a_calibrated_int8_convolution_stays_close_to_the_float_one() {
        let model = conv_model();
        let x: Vec<f32> = (0..128).map(|i| ((i as f32) * 0.37).sin() * 2.0).collect();
        let chosen = |name: &str| name.starts_with("block/");
        let names = conv_activations(&model, &chosen).unwrap();
        assert_eq!(names, ["x", "c"]);
        let observed = with_outputs(&model, &names).unwrap();
        let mut ranges = HashMap::new();
        for (name, values) in names.iter().zip(run(&observed, "input", &x, &["x", "c"])) {
            ranges.insert(name.clone(), Range::default());
            ranges.get_mut(name).unwrap().observe(&values);
        }
        let (int8, rewritten) = quantize_convs(&model, &chosen, &ranges).unwrap();
        assert_eq!(rewritten, 1);
        let float_y = run(&model, "input", &x, &["y"]).remove(0);
        let int8_y = run(&int8, "input", &x, &["y"]).remove(0);
        let peak = float_y.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = float_y
            .iter()
            .zip(&int8_y)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            peak > 1.0,
            "the test convolution is not trivial: peak {peak}"
        );
        assert!(
            worst < peak * 0.03,
            "int8 error {worst} against a peak of {peak}"
        );
        assert!(worst > 0.0, "the convolution was not quantised");
        let m = Model::parse(&int8).unwrap();
        let ops: Vec<&str> = m.nodes.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops,
            [
                "Neg",
                "QuantizeLinear",
                "DequantizeLinear",
                "DequantizeLinear",
                "Conv",
                "QuantizeLinear",
                "DequantizeLinear",
                "Relu"
            ]
        );
    }

    #[test]
    fn a_convolution_without_a_calibrated_range_is_an_error() {
        let err = quantize_convs(&conv_model(), &|_| true, &HashMap::new()).unwrap_err();
        assert!(err.contains("no calibrated range for its input x"), "{err}");
    }

    #[test]
    fn weights_get_one_symmetric_scale_per_output_channel() {
        let (q, scales) = quantize_weight(&[0.5, -1.0, 0.0, 0.2, 0.1, -0.05], 2).unwrap();
        assert_eq!(scales, [1.0 / 127.0, 0.2 / 127.0]);
        assert_eq!(
            q.iter().map(|&b| b as i8).collect::<Vec<_>>(),
            [64, -127, 0, 127, 64, -32]
        );
        assert!(quantize_weight(&[1.0; 5], 2).is_err());
    }

    #[test]
    fn activation_ranges_always_hold_zero() {
        let mut r = Range::default();
        r.observe(&[0.5, 2.0, f32::NAN]);
        assert_eq!(r, Range { min: 0.5, max: 2.0 });
        let (scale, zero) = r.uint8_params();
        assert_eq!((scale, zero), (2.0 / 255.0, 0));
        let (scale, zero) = Range {
            min: -1.0,
            max: 3.0,
        }
        .uint8_params();
        assert_eq!((scale, zero), (4.0 / 255.0, 64));
    }
}
