//! Turns a Piper voice (`voice.onnx` + `voice.onnx.json`) into the layout sherpa-onnx loads:
//! `model.onnx` with sherpa's metadata entries, `tokens.txt` from the voice's `phoneme_id_map`, and the JSON.
//!
//! sherpa-onnx reads `sample_rate`, `n_speakers`, `language`, `comment` (and `voice` for espeak-ng) from the ONNX
//! model's metadata and exits the process if a required key is missing, so the keys are checked before loading.
//! The entries are appended as `ModelProto.metadata_props` (field 14): protobuf merges repeated fields appended
//! after a message's last byte, so no protobuf library is needed.
//!
//! The same way, the phoneme durations the model computes inside (the output of its one `Ceil` node,
//! `w_ceil` in VITS) become a second graph output: kefu's Piper voice uses them to find where a sentence ends in
//! the audio (see `speech::tts::piper_ids`).
//!
//! kefu runs the voice as two models cut from that one ([`ACOUSTIC_FILE`], [`VOCODER_FILE`]), so a sentence's
//! audio can start playing after its first few hundred milliseconds are vocoded.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::onnx_model;
use super::protobuf::{fields, put_bytes_field};

/// The voice's text → latent-frames part (encoder, durations, flow): phoneme ids in, latent frames and
/// phoneme durations out.
pub const ACOUSTIC_FILE: &str = "acoustic.onnx";
/// The voice's vocoder: latent frames in, audio out. Split off so a sentence's audio can be made a few frames
/// at a time (see `speech::tts::piper`).
pub const VOCODER_FILE: &str = "vocoder.onnx";
/// The vocoder's first node in Piper's VITS export.
const VOCODER_FIRST_NODE: &str = "/dec/conv_pre/Conv";

/// Metadata keys sherpa-onnx's VITS loader requires (it aborts the process without them).
pub const REQUIRED_METADATA: [&str; 4] = ["sample_rate", "n_speakers", "language", "comment"];

/// Errors while preparing or inspecting a Piper voice.
#[derive(Debug, thiserror::Error)]
pub enum PiperVoiceError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid Piper voice config {}: {reason}", path.display())]
    Config { path: PathBuf, reason: String },
    #[error("{} is not a valid ONNX model: {reason}", path.display())]
    Onnx { path: PathBuf, reason: String },
}

/// Writes `out_dir/model.onnx` (the voice plus sherpa-onnx metadata), `out_dir/tokens.txt` and
/// `out_dir/model.onnx.json` from a Piper voice's `onnx` model and its `json` config.
pub fn prepare_piper_voice(
    onnx: &Path,
    json: &Path,
    out_dir: &Path,
) -> Result<(), PiperVoiceError> {
    let config_text = std::fs::read_to_string(json).map_err(|source| PiperVoiceError::Read {
        path: json.to_path_buf(),
        source,
    })?;
    let config: serde_json::Value =
        serde_json::from_str(&config_text).map_err(|e| PiperVoiceError::Config {
            path: json.to_path_buf(),
            reason: e.to_string(),
        })?;
    let bad_config = |reason: &str| PiperVoiceError::Config {
        path: json.to_path_buf(),
        reason: reason.to_string(),
    };
    let sample_rate = config["audio"]["sample_rate"]
        .as_u64()
        .ok_or_else(|| bad_config("audio.sample_rate missing"))?;
    let voice = config["espeak"]["voice"]
        .as_str()
        .ok_or_else(|| bad_config("espeak.voice missing"))?;
    let speakers = config["num_speakers"].as_u64().unwrap_or(1);
    let language = config["language"]["name_english"]
        .as_str()
        .unwrap_or("English");
    let tokens = tokens_txt(&config).map_err(|reason| bad_config(&reason))?;

    let model_bytes = std::fs::read(onnx).map_err(|source| PiperVoiceError::Read {
        path: onnx.to_path_buf(),
        source,
    })?;
    let existing = read_metadata_bytes(&model_bytes).map_err(|reason| PiperVoiceError::Onnx {
        path: onnx.to_path_buf(),
        reason,
    })?;
    let wanted = [
        ("model_type", "vits".to_string()),
        ("comment", "piper".to_string()),
        ("language", language.to_string()),
        ("voice", voice.to_string()),
        ("has_espeak", "1".to_string()),
        ("n_speakers", speakers.to_string()),
        ("sample_rate", sample_rate.to_string()),
    ];
    let mut appended = Vec::new();
    for (key, value) in &wanted {
        if !existing.contains_key(*key) {
            appended.extend(metadata_entry(key, value));
        }
    }
    let graph = read_graph(&model_bytes).map_err(|reason| PiperVoiceError::Onnx {
        path: onnx.to_path_buf(),
        reason,
    })?;
    match graph.durations_output() {
        Some(name) if !graph.outputs.contains(&name) => appended.extend(graph_output(&name)),
        Some(_) => {}
        None => tracing::warn!(
            "{}: no single Ceil node (phoneme durations) found; sentence ends cannot be cut precisely",
            onnx.display()
        ),
    }

    std::fs::create_dir_all(out_dir).map_err(|source| PiperVoiceError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let whole = [model_bytes.as_slice(), &appended].concat();
    let onnx_err = |reason: String| PiperVoiceError::Onnx {
        path: onnx.to_path_buf(),
        reason,
    };
    let (acoustic, vocoder) = vocoder_input(&whole)
        .and_then(|boundary| onnx_model::split(&whole, &boundary))
        .map_err(onnx_err)?;
    write_atomically(&out_dir.join("model.onnx"), &[&whole])?;
    write_atomically(&out_dir.join(ACOUSTIC_FILE), &[&acoustic])?;
    write_atomically(&out_dir.join(VOCODER_FILE), &[&vocoder])?;
    write_atomically(&out_dir.join("tokens.txt"), &[tokens.as_bytes()])?;
    write_atomically(&out_dir.join("model.onnx.json"), &[config_text.as_bytes()])?;
    Ok(())
}

/// The latent frames VITS's vocoder (HiFi-GAN, the `dec` module) turns into audio: the first input of its
/// first convolution.
fn vocoder_input(model: &[u8]) -> Result<String, String> {
    onnx_model::Model::parse(model)?
        .nodes
        .iter()
        .find(|n| n.name == VOCODER_FIRST_NODE)
        .and_then(|n| n.inputs.first().cloned())
        .ok_or_else(|| {
            format!("not a VITS voice: no {VOCODER_FIRST_NODE} node to cut the vocoder off at")
        })
}

/// `symbol id` lines sorted by id, from the voice config's `phoneme_id_map` (the space symbol gives " 3").
fn tokens_txt(config: &serde_json::Value) -> Result<String, String> {
    let map = config["phoneme_id_map"]
        .as_object()
        .ok_or("phoneme_id_map missing")?;
    let mut by_id = BTreeMap::new();
    for (symbol, ids) in map {
        if symbol.contains(['\n', '\r']) {
            return Err(format!(
                "phoneme symbol {symbol:?} cannot be written to tokens.txt"
            ));
        }
        let id = ids
            .as_array()
            .and_then(|a| a.first())
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("phoneme {symbol:?} has no id"))?;
        by_id.insert(id, symbol.as_str());
    }
    if by_id.is_empty() {
        return Err("phoneme_id_map is empty".into());
    }
    Ok(by_id
        .iter()
        .map(|(id, symbol)| format!("{symbol} {id}\n"))
        .collect())
}

/// Reads the `metadata_props` of an ONNX model file.
pub fn read_metadata(path: &Path) -> Result<BTreeMap<String, String>, PiperVoiceError> {
    let bytes = std::fs::read(path).map_err(|source| PiperVoiceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_metadata_bytes(&bytes).map_err(|reason| PiperVoiceError::Onnx {
        path: path.to_path_buf(),
        reason,
    })
}

/// `ModelProto.metadata_props`.
const METADATA_FIELD: u32 = 14;
/// `ModelProto.graph`.
const GRAPH_FIELD: u32 = 7;
/// `GraphProto.output`.
const GRAPH_OUTPUT_FIELD: u32 = 12;
/// `ValueInfoProto.name`.
const VALUE_INFO_NAME_FIELD: u32 = 1;

/// What [`read_graph`] finds in a model's graph.
#[derive(Debug, Default)]
struct GraphSummary {
    /// The graph's output names.
    outputs: Vec<String>,
    /// The first output of every `Ceil` node.
    ceil_outputs: Vec<String>,
}

impl GraphSummary {
    /// The durations tensor: the output of the graph's only `Ceil` node.
    fn durations_output(&self) -> Option<String> {
        match self.ceil_outputs.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }
}

/// Reads the graph outputs and `Ceil` node outputs of a serialized `ModelProto` (every `graph` field, merged as
/// protobuf does).
fn read_graph(bytes: &[u8]) -> Result<GraphSummary, String> {
    let model = onnx_model::Model::parse(bytes)?;
    Ok(GraphSummary {
        outputs: model.output_names().map(str::to_string).collect(),
        ceil_outputs: model
            .nodes
            .iter()
            .filter(|n| n.op_type == "Ceil")
            .filter_map(|n| n.outputs.first().cloned())
            .collect(),
    })
}

/// A serialized `graph { output { name } }` fragment that, appended to a model, adds `name` as a graph output.
fn graph_output(name: &str) -> Vec<u8> {
    let mut value_info = Vec::new();
    put_bytes_field(&mut value_info, VALUE_INFO_NAME_FIELD, name.as_bytes());
    let mut graph = Vec::new();
    put_bytes_field(&mut graph, GRAPH_OUTPUT_FIELD, &value_info);
    let mut field = Vec::new();
    put_bytes_field(&mut field, GRAPH_FIELD, &graph);
    field
}

/// Reads the `metadata_props` entries (`StringStringEntryProto { key = 1, value = 2 }`) of a serialized
/// `ModelProto`.
fn read_metadata_bytes(bytes: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let mut metadata = BTreeMap::new();
    for field in fields(bytes)?.iter().filter(|f| f.number == METADATA_FIELD) {
        let (mut key, mut value) = (String::new(), String::new());
        for part in fields(field.bytes()?)? {
            let text = String::from_utf8_lossy(part.bytes()?).into_owned();
            match part.number {
                1 => key = text,
                2 => value = text,
                _ => {}
            }
        }
        metadata.insert(key, value);
    }
    Ok(metadata)
}

/// One serialized `metadata_props` entry.
fn metadata_entry(key: &str, value: &str) -> Vec<u8> {
    let mut entry = Vec::new();
    put_bytes_field(&mut entry, 1, key.as_bytes());
    put_bytes_field(&mut entry, 2, value.as_bytes());
    let mut field = Vec::new();
    put_bytes_field(&mut field, METADATA_FIELD, &entry);
    field
}

/// Writes `parts` to a temporary file beside `path`, then renames it, so readers never see half a file.
fn write_atomically(path: &Path, parts: &[&[u8]]) -> Result<(), PiperVoiceError> {
    let tmp = path.with_extension("tmp");
    let write_err = |source| PiperVoiceError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::create(&tmp).map_err(write_err)?;
    for part in parts {
        file.write_all(part).map_err(write_err)?;
    }
    file.sync_all().map_err(write_err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_through_appended_entries() {
        // A minimal ModelProto: ir_version = 8 (field 1, varint), then two appended metadata entries.
        let mut model = vec![0x08, 0x08];
        model.extend(metadata_entry("comment", "piper"));
        model.extend(metadata_entry("sample_rate", "22050"));
        let meta = read_metadata_bytes(&model).unwrap();
        assert_eq!(meta.get("comment").map(String::as_str), Some("piper"));
        assert_eq!(meta.get("sample_rate").map(String::as_str), Some("22050"));
    }

    #[test]
    fn truncated_model_is_an_error_not_a_panic() {
        let mut model = metadata_entry("comment", "piper");
        model.truncate(model.len() - 2);
        assert!(
            read_metadata_bytes(&model)
                .unwrap_err()
                .contains("past the end")
        );
    }

    #[test]
    fn durations_output_is_found_and_added_once() {
        // graph { node { output: "/Ceil_output_0", op_type: "Ceil" } output { name: "output" } }
        let mut node = Vec::new();
        put_bytes_field(&mut node, 2, b"/Ceil_output_0");
        put_bytes_field(&mut node, 4, b"Ceil");
        let mut output = Vec::new();
        put_bytes_field(&mut output, VALUE_INFO_NAME_FIELD, b"output");
        let mut graph = Vec::new();
        put_bytes_field(&mut graph, 1, &node);
        put_bytes_field(&mut graph, GRAPH_OUTPUT_FIELD, &output);
        let mut model = vec![0x08, 0x08];
        put_bytes_field(&mut model, GRAPH_FIELD, &graph);

        let summary = read_graph(&model).unwrap();
        assert_eq!(summary.outputs, ["output"]);
        let durations = summary.durations_output().unwrap();
        assert_eq!(durations, "/Ceil_output_0");
        model.extend(graph_output(&durations));
        let merged = read_graph(&model).unwrap();
        assert_eq!(merged.outputs, ["output", "/Ceil_output_0"]);
    }

    #[test]
    fn tokens_are_sorted_by_id_and_keep_the_space_symbol() {
        let config = serde_json::json!({"phoneme_id_map": {"a": [14], " ": [3], "_": [0]}});
        assert_eq!(tokens_txt(&config).unwrap(), "_ 0\n  3\na 14\n");
    }
}
