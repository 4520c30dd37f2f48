//! A serialised ONNX `ModelProto` opened for rewriting: its graph's nodes, initialisers, inputs and outputs,
//! everything else copied byte for byte. Used by the rewrites that `kefu models fetch` applies to voices
//! ([`super::onnx_qdq`]) and to cut a model in two at one of its values ([`split`]).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::onnx_float::{FLOAT, Node, Tensor};
use super::protobuf::{Field, fields, put_bytes_field, put_varint_field};

/// `ModelProto.graph`.
const MODEL_GRAPH: u32 = 7;
/// `GraphProto` field numbers.
const GRAPH_NODE: u32 = 1;
const GRAPH_INITIALIZER: u32 = 5;
const GRAPH_INPUT: u32 = 11;
const GRAPH_OUTPUT: u32 = 12;
const GRAPH_VALUE_INFO: u32 = 13;

/// The graph of a serialised `ModelProto`, split into what a rewrite touches and what it copies.
pub(super) struct Model<'a> {
    /// The model's fields (the graph among them, replaced on encoding).
    model_fields: Vec<Field<'a>>,
    /// The graph's fields other than nodes, initialisers and outputs, in their order (inputs, value infos…).
    graph_fields: Vec<Field<'a>>,
    pub(super) nodes: Vec<Node<'a>>,
    /// Initialisers: name, the field as encoded (copied unchanged when kept), and the `TensorProto` in it.
    pub(super) tensors: Vec<(String, &'a [u8], &'a [u8])>,
    /// Graph outputs: name and the field as encoded.
    outputs: Vec<(String, &'a [u8])>,
}

impl<'a> Model<'a> {
    pub(super) fn parse(model: &'a [u8]) -> Result<Self, String> {
        let model_fields = fields(model)?;
        // A message field given more than once is merged (a tool may append graph fields after the model).
        let graphs: Vec<Field<'a>> = model_fields
            .iter()
            .filter(|f| f.number == MODEL_GRAPH)
            .cloned()
            .collect();
        if graphs.is_empty() {
            return Err("not an ONNX model: no graph".into());
        }
        let mut m = Model {
            model_fields: Vec::new(),
            graph_fields: Vec::new(),
            nodes: Vec::new(),
            tensors: Vec::new(),
            outputs: Vec::new(),
        };
        for f in graphs
            .iter()
            .map(|g| g.bytes().and_then(fields))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
        {
            match f.number {
                GRAPH_NODE => m.nodes.push(Node::parse(f.bytes()?)?),
                GRAPH_INITIALIZER => {
                    let (name, _) = Tensor::parse(f.bytes()?)?;
                    m.tensors.push((name, f.raw, f.bytes()?));
                }
                GRAPH_OUTPUT => m.outputs.push((value_info_name(&f)?, f.raw)),
                _ => m.graph_fields.push(f),
            }
        }
        m.model_fields = model_fields;
        Ok(m)
    }

    /// The names of the graph's outputs, in order.
    pub(super) fn output_names(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(|(name, _)| name.as_str())
    }

    /// The model as rewritten: its nodes, the initialisers they use plus `new_tensors` (encoded fields), and
    /// its outputs plus `new_outputs`.
    pub(super) fn encode(&self, new_tensors: &[u8], new_outputs: &[u8]) -> Vec<u8> {
        let nodes: Vec<&Node<'a>> = self.nodes.iter().collect();
        let outputs: Vec<&[u8]> = self.outputs.iter().map(|(_, raw)| *raw).collect();
        self.encode_graph(&nodes, new_tensors, &[], &|_| true, &outputs, new_outputs)
    }

    /// A model with the graph made of `nodes`, the initialisers they use and `new_tensors`, the new graph
    /// inputs `new_inputs` before the kept graph fields (`keep` decides), and the outputs `outputs` then
    /// `new_outputs`.
    fn encode_graph(
        &self,
        nodes: &[&Node<'a>],
        new_tensors: &[u8],
        new_inputs: &[u8],
        keep: &dyn Fn(&Field<'a>) -> bool,
        outputs: &[&[u8]],
        new_outputs: &[u8],
    ) -> Vec<u8> {
        let used: HashSet<&str> = nodes
            .iter()
            .flat_map(|n| n.inputs.iter().map(String::as_str))
            .collect();
        let mut graph = Vec::new();
        for node in nodes {
            node.encode(&mut graph);
        }
        for (name, raw, _) in &self.tensors {
            if used.contains(name.as_str()) {
                graph.extend_from_slice(raw);
            }
        }
        graph.extend_from_slice(new_tensors);
        graph.extend_from_slice(new_inputs);
        for f in self.graph_fields.iter().filter(|f| keep(f)) {
            graph.extend_from_slice(f.raw);
        }
        for raw in outputs {
            graph.extend_from_slice(raw);
        }
        graph.extend_from_slice(new_outputs);
        let mut out = Vec::with_capacity(graph.len() + 1024);
        let mut graph = Some(graph);
        for f in &self.model_fields {
            if f.number != MODEL_GRAPH {
                out.extend_from_slice(f.raw);
            } else if let Some(graph) = graph.take() {
                put_bytes_field(&mut out, MODEL_GRAPH, &graph);
            }
        }
        out
    }

    /// Which node makes each value.
    fn producers(&self) -> HashMap<&str, usize> {
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.outputs.iter().map(move |o| (o.as_str(), i)))
            .collect()
    }

    /// The nodes `targets` need, in graph order, and the values they read that no node among them makes
    /// (graph inputs, initialisers, and any value in `stop`, where the walk ends). `producer`: [`Self::producers`].
    fn needed_for<'s>(
        &'s self,
        producer: &HashMap<&str, usize>,
        targets: &[&'s str],
        stop: &HashSet<&str>,
    ) -> (BTreeSet<usize>, HashSet<&'s str>) {
        let mut nodes = BTreeSet::new();
        let mut leaves = HashSet::new();
        let mut todo: Vec<&'s str> = targets.to_vec();
        let mut seen: HashSet<&'s str> = HashSet::new();
        while let Some(value) = todo.pop() {
            if value.is_empty() || !seen.insert(value) {
                continue;
            }
            match producer.get(value) {
                Some(&i) if !stop.contains(value) => {
                    if nodes.insert(i) {
                        todo.extend(self.nodes[i].inputs.iter().map(String::as_str));
                    }
                }
                _ => {
                    leaves.insert(value);
                }
            }
        }
        (nodes, leaves)
    }
}

/// The name in an encoded `ValueInfoProto` field (a graph input, output or value info).
fn value_info_name(field: &Field<'_>) -> Result<String, String> {
    fields(field.bytes()?)?
        .iter()
        .find(|f| f.number == 1)
        .map(|f| f.string().map(str::to_string))
        .transpose()?
        .ok_or_else(|| "a graph value without a name".to_string())
}

/// A `ValueInfoProto` for a float tensor of unknown shape, encoded as graph field `number`.
pub(super) fn float_value_info(number: u32, name: &str) -> Vec<u8> {
    let mut tensor_type = Vec::new();
    put_varint_field(&mut tensor_type, 1, FLOAT);
    let mut type_proto = Vec::new();
    put_bytes_field(&mut type_proto, 1, &tensor_type);
    let mut info = Vec::new();
    put_bytes_field(&mut info, 1, name.as_bytes());
    put_bytes_field(&mut info, 2, &type_proto);
    let mut field = Vec::new();
    put_bytes_field(&mut field, number, &info);
    field
}

/// Cuts `model` at the float value `boundary` into two models: the first computes `boundary` (as its last
/// output) and every model output that does not depend on it; the second takes `boundary` as its first input
/// and computes the outputs that do. Run one after the other they give the same results as the whole model,
/// and the second can be run on any slice of `boundary` the model allows (Piper's vocoder on a few frames).
pub fn split(model: &[u8], boundary: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let m = Model::parse(model)?;
    let producer = m.producers();
    if !producer.contains_key(boundary) {
        return Err(format!("no node computes {boundary}"));
    }
    let stop: HashSet<&str> = HashSet::from([boundary]);
    let (mut first_outputs, mut second_outputs) = (Vec::new(), Vec::new());
    for (name, raw) in &m.outputs {
        let (_, leaves) = m.needed_for(&producer, &[name.as_str()], &stop);
        if leaves.contains(boundary) {
            second_outputs.push((name.as_str(), *raw));
        } else {
            first_outputs.push((name.as_str(), *raw));
        }
    }
    if second_outputs.is_empty() {
        return Err(format!("no model output depends on {boundary}"));
    }
    let part = |outputs: &[(&str, &'_ [u8])], stop: &HashSet<&str>, boundary_as: u32| {
        let mut targets: Vec<&str> = outputs.iter().map(|(n, _)| *n).collect();
        if boundary_as == GRAPH_OUTPUT {
            targets.push(boundary);
        }
        let (needed, leaves) = m.needed_for(&producer, &targets, stop);
        let nodes: Vec<&Node<'_>> = needed.iter().map(|&i| &m.nodes[i]).collect();
        let made: HashSet<&str> = nodes
            .iter()
            .flat_map(|n| n.outputs.iter().map(String::as_str))
            .collect();
        // Graph inputs the part reads, and value infos of values it makes; nothing else refers to the other part.
        let keep = |f: &Field<'_>| match f.number {
            GRAPH_INPUT => value_info_name(f).is_ok_and(|n| leaves.contains(n.as_str())),
            GRAPH_VALUE_INFO => value_info_name(f).is_ok_and(|n| made.contains(n.as_str())),
            _ => true,
        };
        let raws: Vec<&[u8]> = outputs.iter().map(|(_, raw)| *raw).collect();
        let boundary_info = float_value_info(boundary_as, boundary);
        let (new_inputs, new_outputs): (&[u8], &[u8]) = if boundary_as == GRAPH_INPUT {
            (&boundary_info, &[])
        } else {
            (&[], &boundary_info)
        };
        m.encode_graph(&nodes, &[], new_inputs, &keep, &raws, new_outputs)
    };
    let first = part(&first_outputs, &HashSet::new(), GRAPH_OUTPUT);
    let second = part(&second_outputs, &stop, GRAPH_INPUT);
    Ok((first, second))
}

/// A small real model for the rewrites' tests.
#[cfg(test)]
pub(super) mod test_model {
    use std::borrow::Cow;

    use ort::session::Session;
    use ort::value::Tensor as OrtTensor;

    use super::super::onnx_float::{FLOAT, Node, encode_tensor};
    use super::super::protobuf::{put_bytes_field, put_varint_field};

    /// `ValueInfoProto` of a float tensor of rank 3 with free dimensions.
    fn float_info(name: &str) -> Vec<u8> {
        let mut shape = Vec::new();
        for _ in 0..3 {
            let mut dim = Vec::new();
            put_bytes_field(&mut dim, 2, b"n");
            put_bytes_field(&mut shape, 1, &dim);
        }
        let mut tensor_type = Vec::new();
        put_varint_field(&mut tensor_type, 1, FLOAT);
        put_bytes_field(&mut tensor_type, 2, &shape);
        let mut type_proto = Vec::new();
        put_bytes_field(&mut type_proto, 1, &tensor_type);
        let mut info = Vec::new();
        put_bytes_field(&mut info, 1, name.as_bytes());
        put_bytes_field(&mut info, 2, &type_proto);
        info
    }

    /// input [1, 4, t] → Neg → x → Conv (4 → 4 channels, kernel 3, padded) → c → Relu → y.
    pub(in crate::models) fn conv_model() -> Vec<u8> {
        let mut graph = Vec::new();
        Node::new("Neg", "neg".into(), vec!["input".into()], vec!["x".into()]).encode(&mut graph);
        let mut conv = Node::new(
            "Conv",
            "block/conv".into(),
            vec!["x".into(), "w".into(), "b".into()],
            vec!["c".into()],
        );
        conv.attributes
            .push(Cow::Owned(ints_attribute("pads", &[1, 1])));
        conv.encode(&mut graph);
        Node::new("Relu", "relu".into(), vec!["c".into()], vec!["y".into()]).encode(&mut graph);
        let w: Vec<f32> = (0..48)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 10.0)
            .collect();
        let w: Vec<u8> = w.iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [0.1f32, -0.2, 0.0, 0.3]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        encode_tensor(&mut graph, "w", &[4, 4, 3], FLOAT, &w);
        encode_tensor(&mut graph, "b", &[4], FLOAT, &b);
        put_bytes_field(&mut graph, 11, &float_info("input"));
        put_bytes_field(&mut graph, 12, &float_info("y"));
        let mut opset = Vec::new();
        put_varint_field(&mut opset, 2, 13);
        let mut model = Vec::new();
        put_varint_field(&mut model, 1, 8);
        put_bytes_field(&mut model, 8, &opset);
        put_bytes_field(&mut model, 7, &graph);
        model
    }

    fn ints_attribute(name: &str, values: &[i64]) -> Vec<u8> {
        let mut attribute = Vec::new();
        put_bytes_field(&mut attribute, 1, name.as_bytes());
        for &v in values {
            put_varint_field(&mut attribute, 8, v as u64);
        }
        put_varint_field(&mut attribute, 20, 7);
        attribute
    }

    /// Runs `model` with `values` ([1, 4, 32]) as its input `input` and returns the named outputs.
    pub(in crate::models) fn run(
        model: &[u8],
        input: &str,
        values: &[f32],
        outputs: &[&str],
    ) -> Vec<Vec<f32>> {
        let env = crate::speech::onnx::environment().unwrap();
        let mut session = Session::builder(env)
            .unwrap()
            .commit_from_memory(model)
            .unwrap();
        let values = OrtTensor::from_array(([1usize, 4, 32], values.to_vec())).unwrap();
        let result = session.run(ort::inputs![input => values]).unwrap();
        outputs
            .iter()
            .map(|name| {
                result[*name]
                    .try_extract_tensor::<f32>()
                    .unwrap()
                    .1
                    .to_vec()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_model::{conv_model, run};
    use super::*;

    #[test]
    fn the_two_parts_of_a_split_model_compute_what_the_whole_did() {
        // Expose `x` too: an output the cut value does not feed stays with the first part.
        let whole =
            crate::models::onnx_qdq::with_outputs(&conv_model(), &["x".to_string()]).unwrap();
        let (first, second) = split(&whole, "c").unwrap();
        let input: Vec<f32> = (0..128).map(|i| ((i as f32) * 0.37).sin() * 2.0).collect();
        let expected = run(&whole, "input", &input, &["y", "x"]);
        let firsts = run(&first, "input", &input, &["x", "c"]);
        assert_eq!(firsts[0], expected[1]);
        let y = run(&second, "c", &firsts[1], &["y"]).remove(0);
        assert_eq!(y, expected[0]);
        let ops = |model: &[u8]| -> Vec<String> {
            Model::parse(model)
                .unwrap()
                .nodes
                .iter()
                .map(|n| n.op_type.clone())
                .collect()
        };
        assert_eq!(ops(&first), ["Neg", "Conv"]);
        assert_eq!(ops(&second), ["Relu"]);
        // Each part keeps only the initialisers its nodes read.
        assert_eq!(Model::parse(&first).unwrap().tensors.len(), 2);
        assert!(Model::parse(&second).unwrap().tensors.is_empty());
    }

    #[test]
    fn a_cut_at_a_value_no_node_makes_is_an_error() {
        let err = split(&conv_model(), "nowhere").unwrap_err();
        assert!(err.contains("no node computes nowhere"), "{err}");
        assert!(split(b"\x08\x08", "c").unwrap_err().contains("no graph"));
    }
}
