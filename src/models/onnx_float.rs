//! Turns a dynamically quantised ONNX model (ONNX Runtime's `quantize_dynamic`: `DynamicQuantizeLinear` feeding
//! `ConvInteger` / `MatMulInteger`, and `DynamicQuantizeLSTM`) back into float32 `Conv`, `MatMul` and `LSTM`
//! with the dequantised weights.
//!
//! Why: on CPU, ONNX Runtime's integer convolutions are slower than its float ones, and quantising every
//! activation at run time costs more again; Kokoro spends most of its time in the vocoder's convolutions, and
//! runs about 1.5 times faster in float32 (measured with `kefu bench tts`). The weights are those of the
//! quantised model, so the voice is unchanged. The rewrite is deterministic: its output's sha256 can be pinned.
//!
//! Patterns rewritten (anything else is copied as is; an unexpected shape around a quantised node is an error):
//! - `DynamicQuantizeLinear(x)` → `ConvInteger`/`MatMulInteger(x_q, w_q, x_zp, w_zp)` → [`Add` of the
//!   run-time quantised bias] → `Cast(float)` → `Mul(x_scale · w_scale)` becomes `Conv(x, w[, bias])` /
//!   `MatMul(x, w)`, with `w = (w_q − w_zp) · w_scale` (per tensor or per output channel);
//! - `DynamicQuantizeLSTM` becomes `LSTM` with its weights dequantised and transposed back to ONNX's layout.
//!
//! Nodes and initialisers left unused are dropped.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::protobuf::{
    Field, fields, put_bytes_field, put_varint_field, repeated_fixed32, repeated_varints,
};

/// ONNX `TensorProto.DataType` values used here.
pub(super) const FLOAT: u64 = 1;
pub(super) const UINT8: u64 = 2;
pub(super) const INT8: u64 = 3;

/// What a rewrite changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rewritten {
    pub convs: usize,
    pub matmuls: usize,
    pub lstms: usize,
}

/// The float32 version of the serialised `ModelProto` `model`.
pub fn dequantize_model(model: &[u8]) -> Result<(Vec<u8>, Rewritten), String> {
    let mut out = Vec::with_capacity(model.len() * 4);
    let mut rewritten = None;
    for field in fields(model)? {
        // ModelProto.graph
        if field.number == 7 {
            let (graph, r) = rewrite_graph(field.bytes()?)?;
            put_bytes_field(&mut out, 7, &graph);
            rewritten = Some(r);
        } else {
            out.extend_from_slice(field.raw);
        }
    }
    let rewritten = rewritten.ok_or("not an ONNX model: no graph")?;
    Ok((out, rewritten))
}

/// A graph node: the fields kefu reads, the attributes as encoded, and the original bytes if unchanged.
#[derive(Debug, Clone)]
pub(super) struct Node<'a> {
    pub(super) name: String,
    pub(super) op_type: String,
    pub(super) inputs: Vec<String>,
    pub(super) outputs: Vec<String>,
    pub(super) attributes: Vec<Cow<'a, [u8]>>,
    raw: Option<&'a [u8]>,
}

impl<'a> Node<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let mut node = Node {
            name: String::new(),
            op_type: String::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            attributes: Vec::new(),
            raw: Some(bytes),
        };
        for f in fields(bytes)? {
            match f.number {
                1 => node.inputs.push(f.string()?.to_string()),
                2 => node.outputs.push(f.string()?.to_string()),
                3 => node.name = f.string()?.to_string(),
                4 => node.op_type = f.string()?.to_string(),
                5 => node.attributes.push(Cow::Borrowed(f.bytes()?)),
                _ => {}
            }
        }
        Ok(node)
    }

    /// A new default-domain node.
    pub(super) fn new(
        op_type: &str,
        name: String,
        inputs: Vec<String>,
        outputs: Vec<String>,
    ) -> Self {
        Node {
            name,
            op_type: op_type.to_string(),
            inputs,
            outputs,
            attributes: Vec::new(),
            raw: None,
        }
    }

    /// Replaces input `i` (the node is then encoded from its fields, no longer copied).
    pub(super) fn set_input(&mut self, i: usize, name: String) {
        self.inputs[i] = name;
        self.raw = None;
    }

    /// Replaces output `i`, likewise.
    pub(super) fn set_output(&mut self, i: usize, name: String) {
        self.outputs[i] = name;
        self.raw = None;
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        if let Some(raw) = self.raw {
            put_bytes_field(out, 1, raw);
            return;
        }
        let mut msg = Vec::new();
        for input in &self.inputs {
            put_bytes_field(&mut msg, 1, input.as_bytes());
        }
        for output in &self.outputs {
            put_bytes_field(&mut msg, 2, output.as_bytes());
        }
        put_bytes_field(&mut msg, 3, self.name.as_bytes());
        put_bytes_field(&mut msg, 4, self.op_type.as_bytes());
        for attribute in &self.attributes {
            put_bytes_field(&mut msg, 5, attribute);
        }
        put_bytes_field(out, 1, &msg);
    }
}

/// An initialiser: its name, shape and values as f32 (read on demand).
pub(super) struct Tensor<'a> {
    pub(super) dims: Vec<usize>,
    data_type: u64,
    fields: Vec<Field<'a>>,
}

impl<'a> Tensor<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Result<(String, Self), String> {
        let fields = fields(bytes)?;
        let name = fields
            .iter()
            .find(|f| f.number == 8)
            .map(Field::string)
            .transpose()?
            .unwrap_or_default()
            .to_string();
        let dims = repeated_varints(&fields, 1)?
            .into_iter()
            .map(|d| usize::try_from(d).map_err(|_| format!("tensor {name}: bad dimension")))
            .collect::<Result<_, _>>()?;
        let data_type = fields
            .iter()
            .find(|f| f.number == 2)
            .map(Field::varint)
            .transpose()?
            .unwrap_or(0);
        Ok((
            name,
            Tensor {
                dims,
                data_type,
                fields,
            },
        ))
    }

    fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// The values as f32 (float, uint8 or int8 tensors, raw or typed storage).
    pub(super) fn values(&self, name: &str) -> Result<Vec<f32>, String> {
        let raw = self.fields.iter().find(|f| f.number == 9);
        let values: Vec<f32> = match (self.data_type, raw) {
            (FLOAT, Some(raw)) => raw
                .bytes()?
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            (FLOAT, None) => repeated_fixed32(&self.fields, 4)?
                .into_iter()
                .map(f32::from_bits)
                .collect(),
            (UINT8, Some(raw)) => raw.bytes()?.iter().map(|&b| f32::from(b)).collect(),
            (INT8, Some(raw)) => raw.bytes()?.iter().map(|&b| f32::from(b as i8)).collect(),
            // int32_data holds (u)int8 values widened to int32 (negative ones sign-extended to 64 bits).
            (UINT8 | INT8, None) => repeated_varints(&self.fields, 5)?
                .into_iter()
                .map(|v| v as i64 as i32 as f32)
                .collect(),
            (other, _) => return Err(format!("tensor {name}: unsupported data type {other}")),
        };
        if values.len() != self.len() {
            return Err(format!(
                "tensor {name}: {} values for shape {:?}",
                values.len(),
                self.dims
            ));
        }
        Ok(values)
    }
}

pub(super) fn encode_float_tensor(out: &mut Vec<u8>, name: &str, dims: &[usize], values: &[f32]) {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    encode_tensor(out, name, dims, FLOAT, &data);
}

/// An initialiser (`GraphProto.initializer`) of `data_type` with its values as raw little-endian bytes.
pub(super) fn encode_tensor(
    out: &mut Vec<u8>,
    name: &str,
    dims: &[usize],
    data_type: u64,
    raw: &[u8],
) {
    let mut msg = Vec::with_capacity(raw.len() + name.len() + 32);
    for &d in dims {
        put_varint_field(&mut msg, 1, d as u64);
    }
    put_varint_field(&mut msg, 2, data_type);
    put_bytes_field(&mut msg, 8, name.as_bytes());
    put_bytes_field(&mut msg, 9, raw);
    put_bytes_field(out, 5, &msg);
}

/// A new float32 initialiser.
struct NewTensor {
    name: String,
    dims: Vec<usize>,
    values: Vec<f32>,
}

/// The graph being rewritten: its nodes, initialisers, and who produces and consumes each value.
struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    tensors: HashMap<String, Tensor<'a>>,
    producer: HashMap<String, usize>,
    consumers: HashMap<String, Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn tensor(&self, name: &str) -> Result<&Tensor<'a>, String> {
        self.tensors
            .get(name)
            .ok_or_else(|| format!("{name} is not an initialiser"))
    }

    fn values(&self, name: &str) -> Result<Vec<f32>, String> {
        self.tensor(name)?.values(name)
    }

    fn producer(&self, value: &str, op_type: &str) -> Result<usize, String> {
        self.producer
            .get(value)
            .copied()
            .filter(|&i| self.nodes[i].op_type == op_type)
            .ok_or_else(|| format!("{value} is not produced by a {op_type} node"))
    }

    fn sole_consumer(&self, value: &str) -> Result<usize, String> {
        match self.consumers.get(value).map(Vec::as_slice) {
            Some(&[only]) => Ok(only),
            _ => Err(format!("{value} does not have exactly one consumer")),
        }
    }

    fn sole_consumer_of_type(&self, value: &str, op_type: &str) -> Result<usize, String> {
        let i = self.sole_consumer(value)?;
        if self.nodes[i].op_type == op_type {
            Ok(i)
        } else {
            Err(format!(
                "{value} feeds {}, expected {op_type}",
                self.nodes[i].op_type
            ))
        }
    }

    /// The input of node `i` other than `value`.
    fn other_input(&self, i: usize, value: &str) -> Result<String, String> {
        self.nodes[i]
            .inputs
            .iter()
            .find(|n| *n != value)
            .cloned()
            .ok_or_else(|| format!("node {} has no second input", self.nodes[i].name))
    }
}

fn rewrite_graph<'a>(graph: &'a [u8]) -> Result<(Vec<u8>, Rewritten), String> {
    let graph_fields = fields(graph)?;
    let mut g = Graph {
        nodes: Vec::new(),
        tensors: HashMap::new(),
        producer: HashMap::new(),
        consumers: HashMap::new(),
    };
    let mut tensor_order = Vec::new();
    let mut graph_outputs = Vec::new();
    for f in &graph_fields {
        match f.number {
            1 => g.nodes.push(Node::parse(f.bytes()?)?),
            5 => {
                let (name, tensor) = Tensor::parse(f.bytes()?)?;
                tensor_order.push((name.clone(), f.raw));
                g.tensors.insert(name, tensor);
            }
            12 => {
                if let Some(name) = fields(f.bytes()?)?.iter().find(|v| v.number == 1) {
                    graph_outputs.push(name.string()?.to_string());
                }
            }
            _ => {}
        }
    }
    for (i, node) in g.nodes.iter().enumerate() {
        for output in &node.outputs {
            g.producer.insert(output.clone(), i);
        }
        for input in node.inputs.iter().filter(|n| !n.is_empty()) {
            g.consumers.entry(input.clone()).or_default().push(i);
        }
    }

    let mut rewritten = Rewritten::default();
    let mut replaced: HashMap<usize, Node<'a>> = HashMap::new();
    let mut removed: HashSet<usize> = HashSet::new();
    let mut new_tensors: Vec<NewTensor> = Vec::new();
    let mut new_names: BTreeSet<String> = BTreeSet::new();
    for i in 0..g.nodes.len() {
        let node = &g.nodes[i];
        let context = |e: String| format!("quantised node {}: {e}", node.name);
        match node.op_type.as_str() {
            "ConvInteger" | "MatMulInteger" => {
                let r = rewrite_integer_op(&g, i).map_err(context)?;
                if new_names.insert(r.weight.name.clone()) {
                    new_tensors.push(r.weight);
                }
                removed.extend(r.removed);
                replaced.insert(i, r.node);
                if node.op_type == "ConvInteger" {
                    rewritten.convs += 1;
                } else {
                    rewritten.matmuls += 1;
                }
            }
            "DynamicQuantizeLSTM" => {
                let (lstm, weights) = rewrite_lstm(&g, i).map_err(context)?;
                for w in weights {
                    if new_names.insert(w.name.clone()) {
                        new_tensors.push(w);
                    }
                }
                replaced.insert(i, lstm);
                rewritten.lstms += 1;
            }
            _ => {}
        }
    }

    let mut nodes: Vec<Node<'a>> = Vec::with_capacity(g.nodes.len());
    for (i, node) in g.nodes.iter().enumerate() {
        if let Some(new) = replaced.remove(&i) {
            nodes.push(new);
        } else if !removed.contains(&i) {
            nodes.push(node.clone());
        }
    }
    // Drop nodes whose outputs nobody uses, until none is left.
    let used = loop {
        let mut used: HashSet<&str> = graph_outputs.iter().map(String::as_str).collect();
        for node in &nodes {
            used.extend(node.inputs.iter().map(String::as_str));
        }
        let before = nodes.len();
        let keep: Vec<bool> = nodes
            .iter()
            .map(|n| n.outputs.iter().any(|o| used.contains(o.as_str())))
            .collect();
        if keep.iter().all(|&k| k) {
            break used
                .into_iter()
                .map(str::to_string)
                .collect::<HashSet<String>>();
        }
        let mut k = keep.into_iter();
        nodes.retain(|_| k.next().unwrap_or(true));
        debug_assert!(nodes.len() < before);
    };

    let mut out = Vec::with_capacity(graph.len() * 4);
    let (mut nodes_written, mut tensors_written) = (false, false);
    for f in &graph_fields {
        match f.number {
            1 if !nodes_written => {
                nodes.iter().for_each(|n| n.encode(&mut out));
                nodes_written = true;
            }
            5 if !tensors_written => {
                for (name, raw) in &tensor_order {
                    if used.contains(name) {
                        out.extend_from_slice(raw);
                    }
                }
                for t in new_tensors.iter().filter(|t| used.contains(&t.name)) {
                    encode_float_tensor(&mut out, &t.name, &t.dims, &t.values);
                }
                tensors_written = true;
            }
            1 | 5 => {}
            _ => out.extend_from_slice(f.raw),
        }
    }
    Ok((out, rewritten))
}

/// A quantised convolution or matrix product, rewritten.
struct IntegerRewrite<'a> {
    node: Node<'a>,
    weight: NewTensor,
    /// The nodes the new one replaces besides the quantised op (bias add, cast, scale multiply).
    removed: Vec<usize>,
}

fn rewrite_integer_op<'a>(g: &Graph<'a>, i: usize) -> Result<IntegerRewrite<'a>, String> {
    let node = &g.nodes[i];
    let conv = node.op_type == "ConvInteger";
    let [x_q, w_q, _, w_zero] = node.inputs.as_slice() else {
        return Err(format!("{} inputs, expected 4", node.inputs.len()));
    };
    let quantize = &g.nodes[g.producer(x_q, "DynamicQuantizeLinear")?];
    let (Some(x), Some(x_scale)) = (quantize.inputs.first(), quantize.outputs.get(1)) else {
        return Err(format!("{} lacks an input or scale", quantize.name));
    };
    let mut removed = vec![i];
    let mut value = node.outputs.first().ok_or("no output")?.clone();
    let mut bias = None;
    let next = g.sole_consumer(&value)?;
    if g.nodes[next].op_type == "Add" {
        // The float bias, quantised at run time with the activation's scale: Div → Floor → Cast → Reshape.
        let mut source = g.other_input(next, &value)?;
        for op in ["Reshape", "Cast", "Floor", "Div"] {
            let p = g.producer(&source, op)?;
            source = g.nodes[p].inputs.first().cloned().unwrap_or_default();
        }
        g.tensor(&source)?;
        bias = Some(source);
        removed.push(next);
        value = g.nodes[next]
            .outputs
            .first()
            .ok_or("bias add without output")?
            .clone();
    }
    let cast = g.sole_consumer_of_type(&value, "Cast")?;
    let cast_out = g.nodes[cast].outputs.first().ok_or("cast without output")?;
    let mul = g.sole_consumer_of_type(cast_out, "Mul")?;
    removed.extend([cast, mul]);
    let scales = g.producer(&g.other_input(mul, cast_out)?, "Mul")?;
    let w_scale = g.other_input(scales, x_scale)?;

    let w = g.tensor(w_q)?;
    let dims = w.dims.clone();
    let (q, zero, scale) = (w.values(w_q)?, g.values(w_zero)?, g.values(&w_scale)?);
    let n = q.len();
    let values = if conv {
        // Per tensor or per output channel (axis 0).
        dequantize(&q, &zero, &scale, |k, len| k / (n / len).max(1))?
    } else {
        // Per tensor or per column.
        dequantize(&q, &zero, &scale, |k, len| k % len)?
    };
    let weight = NewTensor {
        name: format!("{w_q}_f32"),
        dims,
        values,
    };
    let mut inputs = vec![x.clone(), weight.name.clone()];
    inputs.extend(bias);
    let output = g.nodes[mul]
        .outputs
        .first()
        .ok_or("scale multiply without output")?;
    let mut new = Node::new(
        if conv { "Conv" } else { "MatMul" },
        format!("{}_f32", node.name),
        inputs,
        vec![output.clone()],
    );
    if conv {
        // ConvInteger's attributes (pads, strides, dilations, group, kernel_shape) are Conv's.
        new.attributes = node.attributes.clone();
    }
    Ok(IntegerRewrite {
        node: new,
        weight,
        removed,
    })
}

/// `DynamicQuantizeLSTM` (inputs X, W, R, B, sequence_lens, initial_h, initial_c, P, W_scale, W_zero_point,
/// R_scale, R_zero_point; W and R stored transposed) → ONNX `LSTM`.
fn rewrite_lstm<'a>(g: &Graph<'a>, i: usize) -> Result<(Node<'a>, Vec<NewTensor>), String> {
    let node = &g.nodes[i];
    let input = |k: usize| node.inputs.get(k).cloned().unwrap_or_default();
    let w = lstm_weight(g, &input(1), &input(8), &input(9))?;
    let r = lstm_weight(g, &input(2), &input(10), &input(11))?;
    let mut inputs: Vec<String> = (0..8).map(input).collect();
    inputs[1] = w.name.clone();
    inputs[2] = r.name.clone();
    while inputs.last().is_some_and(String::is_empty) {
        inputs.pop();
    }
    let mut lstm = Node::new(
        "LSTM",
        format!("{}_f32", node.name),
        inputs,
        node.outputs.clone(),
    );
    lstm.attributes = node.attributes.clone();
    Ok((lstm, vec![w, r]))
}

/// A quantised LSTM weight `[directions, inputs, 4·hidden]` → float `[directions, 4·hidden, inputs]`.
fn lstm_weight(g: &Graph<'_>, name: &str, scale: &str, zero: &str) -> Result<NewTensor, String> {
    let t = g.tensor(name)?;
    let &[dirs, rows, cols] = t.dims.as_slice() else {
        return Err(format!("LSTM weight {name} has shape {:?}", t.dims));
    };
    let (q, zero, scale) = (t.values(name)?, g.values(zero)?, g.values(scale)?);
    let per_dir = rows * cols;
    // Per tensor, per direction, or per direction and column.
    let flat = dequantize(&q, &zero, &scale, |k, len| {
        if len == dirs * cols && len != dirs {
            (k / per_dir) * cols + k % cols
        } else {
            k / (per_dir * dirs / len).max(1)
        }
    })?;
    let mut values = vec![0.0; flat.len()];
    for d in 0..dirs {
        for r in 0..rows {
            for c in 0..cols {
                values[d * per_dir + c * rows + r] = flat[d * per_dir + r * cols + c];
            }
        }
    }
    Ok(NewTensor {
        name: format!("{name}_f32"),
        dims: vec![dirs, cols, rows],
        values,
    })
}

/// `(q − zero) · scale`, where `zero` and `scale` hold one value or one per channel; `channel(k, len)` is the
/// channel of element `k` when there are `len` values.
fn dequantize(
    q: &[f32],
    zero: &[f32],
    scale: &[f32],
    channel: impl Fn(usize, usize) -> usize,
) -> Result<Vec<f32>, String> {
    let pick = |v: &[f32], k: usize| -> Result<f32, String> {
        match v.len() {
            0 => Err("empty quantisation parameter".into()),
            1 => Ok(v[0]),
            len => v.get(channel(k, len)).copied().ok_or_else(|| {
                format!("quantisation parameters of length {len} do not fit the weight")
            }),
        }
    };
    q.iter()
        .enumerate()
        .map(|(k, &v)| Ok((v - pick(zero, k)?) * pick(scale, k)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        let mut n = Vec::new();
        inputs
            .iter()
            .for_each(|i| put_bytes_field(&mut n, 1, i.as_bytes()));
        outputs
            .iter()
            .for_each(|o| put_bytes_field(&mut n, 2, o.as_bytes()));
        put_bytes_field(&mut n, 3, format!("{op}_node").as_bytes());
        put_bytes_field(&mut n, 4, op.as_bytes());
        n
    }

    fn tensor(name: &str, dims: &[u64], data_type: u64, raw: &[u8]) -> Vec<u8> {
        let mut t = Vec::new();
        dims.iter().for_each(|&d| put_varint_field(&mut t, 1, d));
        put_varint_field(&mut t, 2, data_type);
        put_bytes_field(&mut t, 8, name.as_bytes());
        put_bytes_field(&mut t, 9, raw);
        t
    }

    /// x → DynamicQuantizeLinear → MatMulInteger(w: int8 [2, 3], per-column zero point and scale) → Cast → Mul.
    fn quantised_matmul() -> Vec<u8> {
        let mut graph = Vec::new();
        for n in [
            node("DynamicQuantizeLinear", &["x"], &["xq", "xs", "xz"]),
            node("MatMulInteger", &["xq", "wq", "xz", "wz"], &["mi"]),
            node("Cast", &["mi"], &["mf"]),
            node("Mul", &["xs", "ws"], &["scale"]),
            node("Mul", &["mf", "scale"], &["y"]),
        ] {
            put_bytes_field(&mut graph, 1, &n);
        }
        let scales: Vec<u8> = [0.5f32, 0.25, 2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        for t in [
            tensor("wq", &[2, 3], INT8, &[1, 2, 3, 0xff, 0xfe, 0]),
            tensor("wz", &[3], INT8, &[1, 0, 0xff]),
            tensor("ws", &[3], FLOAT, &scales),
        ] {
            put_bytes_field(&mut graph, 5, &t);
        }
        let mut output = Vec::new();
        put_bytes_field(&mut output, 1, b"y");
        put_bytes_field(&mut graph, 12, &output);
        let mut model = Vec::new();
        put_varint_field(&mut model, 1, 9);
        put_bytes_field(&mut model, 7, &graph);
        model
    }

    #[test]
    fn a_quantised_matmul_becomes_a_float_matmul_with_dequantised_weights() {
        let (model, rewritten) = dequantize_model(&quantised_matmul()).unwrap();
        assert_eq!(
            rewritten,
            Rewritten {
                convs: 0,
                matmuls: 1,
                lstms: 0
            }
        );
        let top = fields(&model).unwrap();
        assert_eq!(top[0].varint().unwrap(), 9, "other model fields are kept");
        let graph = fields(top[1].bytes().unwrap()).unwrap();
        let nodes: Vec<Node<'_>> = graph
            .iter()
            .filter(|f| f.number == 1)
            .map(|f| Node::parse(f.bytes().unwrap()).unwrap())
            .collect();
        assert_eq!(nodes.len(), 1, "the quantisation nodes are gone");
        assert_eq!(nodes[0].op_type, "MatMul");
        assert_eq!(nodes[0].inputs, ["x", "wq_f32"]);
        assert_eq!(nodes[0].outputs, ["y"]);
        let tensors: Vec<(String, Tensor<'_>)> = graph
            .iter()
            .filter(|f| f.number == 5)
            .map(|f| Tensor::parse(f.bytes().unwrap()).unwrap())
            .collect();
        assert_eq!(
            tensors.len(),
            1,
            "the int8 weight and its parameters are gone"
        );
        let (name, w) = &tensors[0];
        assert_eq!(name, "wq_f32");
        assert_eq!(w.dims, [2, 3]);
        // (q − zero) · scale per column: zero points 1, 0, −1; scales 0.5, 0.25, 2.
        assert_eq!(w.values(name).unwrap(), [0.0, 0.5, 8.0, -1.0, -0.5, 2.0]);
    }

    #[test]
    fn an_unexpected_graph_around_a_quantised_node_is_an_error() {
        let mut graph = Vec::new();
        put_bytes_field(
            &mut graph,
            1,
            &node("MatMulInteger", &["a", "wq", "az", "wz"], &["mi"]),
        );
        let mut model = Vec::new();
        put_bytes_field(&mut model, 7, &graph);
        let err = dequantize_model(&model).unwrap_err();
        assert!(err.contains("MatMulInteger_node"), "{err}");
        assert!(dequantize_model(b"\x0a\x05abc").is_err());
    }
}
