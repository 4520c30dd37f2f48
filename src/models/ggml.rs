//! Converts a CTranslate2 Whisper model (faster-whisper's `model.bin`) into whisper.cpp's ggml file.
//!
//! The ggml file is: magic, 11 hparams, the mel filter bank, the tokenizer vocabulary, then every tensor with
//! whisper.cpp's name. CTranslate2 fuses some projections (self-attention Q/K/V, cross-attention K/V); they are
//! split here. Tensors are streamed one at a time, so memory stays at the size of the largest tensor.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use base64::Engine as _;

use super::FormatError;
use super::ct2::{Ct2Dtype, Ct2Model, Ct2Variable};
use super::npy::read_npz_f32;

const GGML_MAGIC: u32 = 0x6767_6d6c;

/// Whisper hyper-parameters, in the order of the ggml header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: usize,
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_audio_layer: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_text_layer: usize,
    pub n_mels: usize,
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct ConvertReport {
    pub hparams: Hparams,
    pub tensors: usize,
    pub vocab_tokens: usize,
    pub bytes: u64,
}

/// Where each input of a conversion lives.
#[derive(Debug, Clone, Copy)]
pub struct WhisperSources<'a> {
    /// CTranslate2 `model.bin`.
    pub model_bin: &'a Path,
    /// Whisper's `mel_filters.npz` (key `mel_<n_mels>`).
    pub mel_filters: &'a Path,
    /// `multilingual.tiktoken` or `gpt2.tiktoken` (English-only models).
    pub tiktoken: &'a Path,
}

/// Converts `sources` into a ggml file at `out` (overwritten). Deterministic: same inputs, same bytes.
pub fn convert_whisper(sources: WhisperSources, out: &Path) -> Result<ConvertReport, FormatError> {
    let mut model = Ct2Model::open(sources.model_bin)?;
    if model.spec != "WhisperSpec" {
        return Err(FormatError::Invalid {
            path: sources.model_bin.to_path_buf(),
            reason: format!("spec is {:?}, expected WhisperSpec", model.spec),
        });
    }
    let hparams = hparams(&mut model)?;
    let mel_key = format!("mel_{}", hparams.n_mels);
    let mel = read_npz_f32(sources.mel_filters, &mel_key)?;
    if mel.shape.len() != 2 || mel.shape[0] != hparams.n_mels {
        return Err(FormatError::Invalid {
            path: sources.mel_filters.to_path_buf(),
            reason: format!(
                "{mel_key} has shape {:?}, expected [{}, _]",
                mel.shape, hparams.n_mels
            ),
        });
    }
    let vocab = read_tiktoken(sources.tiktoken)?;

    let file = File::create(out).map_err(|e| FormatError::io(out, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io = |e| FormatError::io(out, e);
    let h = hparams;
    let header = [
        GGML_MAGIC as usize,
        h.n_vocab,
        h.n_audio_ctx,
        h.n_audio_state,
        h.n_audio_head,
        h.n_audio_layer,
        h.n_text_ctx,
        h.n_text_state,
        h.n_text_head,
        h.n_text_layer,
        h.n_mels,
        1, // ftype: mostly f16
    ];
    for v in header {
        write_i32(&mut w, v).map_err(io)?;
    }
    write_i32(&mut w, mel.shape[0]).map_err(io)?;
    write_i32(&mut w, mel.shape[1]).map_err(io)?;
    for v in &mel.data {
        w.write_all(&v.to_le_bytes()).map_err(io)?;
    }
    write_i32(&mut w, vocab.len()).map_err(io)?;
    for token in &vocab {
        write_i32(&mut w, token.len()).map_err(io)?;
        w.write_all(token).map_err(io)?;
    }

    let variables: Vec<Ct2Variable> = model.variables().to_vec();
    let mut tensors = 0;
    for var in &variables {
        let pieces =
            tensor_plan(&var.name, var.shape.len()).map_err(|reason| FormatError::Invalid {
                path: sources.model_bin.to_path_buf(),
                reason,
            })?;
        if pieces.is_empty() {
            continue;
        }
        let data = model.read(var)?;
        for piece in pieces {
            let Some(name) = piece.name else { continue };
            write_tensor(&mut w, var, &data, &name, piece.part, piece.parts).map_err(|reason| {
                FormatError::Invalid {
                    path: sources.model_bin.to_path_buf(),
                    reason,
                }
            })?;
            tensors += 1;
        }
    }
    w.flush().map_err(io)?;
    let file = w
        .into_inner()
        .map_err(|e| FormatError::io(out, e.into_error()))?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    Ok(ConvertReport {
        hparams,
        tensors,
        vocab_tokens: vocab.len(),
        bytes,
    })
}

fn hparams(model: &mut Ct2Model) -> Result<Hparams, FormatError> {
    let dims = |model: &Ct2Model, name: &str, rank: usize| -> Result<Vec<usize>, FormatError> {
        let v = model.require(name)?;
        if v.shape.len() == rank {
            Ok(v.shape.clone())
        } else {
            Err(FormatError::Invalid {
                path: model_path_hint(name),
                reason: format!("{name} has shape {:?}, expected rank {rank}", v.shape),
            })
        }
    };
    let emb = dims(model, "decoder/embeddings/weight", 2)?;
    let enc_pos = dims(model, "encoder/position_encodings/encodings", 2)?;
    let dec_pos = dims(model, "decoder/position_encodings/encodings", 2)?;
    let conv1 = dims(model, "encoder/conv1/weight", 3)?;
    let layers = |prefix: &str| {
        model
            .variables()
            .iter()
            .filter_map(|v| v.name.strip_prefix(prefix))
            .filter_map(|rest| rest.split('/').next()?.parse::<usize>().ok())
            .max()
            .map_or(0, |n| n + 1)
    };
    let n_audio_layer = layers("encoder/layer_");
    let n_text_layer = layers("decoder/layer_");
    let head = |model: &mut Ct2Model, name: &str| -> Result<usize, FormatError> {
        let n = model.scalar(name)?;
        usize::try_from(n).map_err(|_| FormatError::Invalid {
            path: model_path_hint(name),
            reason: format!("{name} = {n} is not a head count"),
        })
    };
    Ok(Hparams {
        n_vocab: emb[0],
        n_audio_ctx: enc_pos[0],
        n_audio_state: enc_pos[1],
        n_audio_head: head(model, "encoder/num_heads")?,
        n_audio_layer,
        n_text_ctx: dec_pos[0],
        n_text_state: dec_pos[1],
        n_text_head: head(model, "decoder/num_heads")?,
        n_text_layer,
        n_mels: conv1[1],
    })
}

fn model_path_hint(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("model.bin:{name}"))
}

/// One output tensor cut from a CTranslate2 variable: rows `part` of `parts` equal row blocks.
/// `name: None` marks a block that whisper.cpp does not have (the zero key biases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub name: Option<String>,
    pub part: usize,
    pub parts: usize,
}

fn whole(name: String) -> Vec<Piece> {
    vec![Piece {
        name: Some(name),
        part: 0,
        parts: 1,
    }]
}

fn split(names: &[Option<String>]) -> Vec<Piece> {
    names
        .iter()
        .enumerate()
        .map(|(part, name)| Piece {
            name: name.clone(),
            part,
            parts: names.len(),
        })
        .collect()
}

/// Maps a CTranslate2 variable name to the ggml tensors it becomes. Scalars (rank 0) map to nothing;
/// an unknown tensor is an error, so a changed format cannot slip through half-converted.
pub fn tensor_plan(name: &str, rank: usize) -> Result<Vec<Piece>, String> {
    if rank == 0 {
        return Ok(Vec::new());
    }
    let unknown =
        || format!("unexpected variable {name}: not a Whisper tensor this converter knows");
    let (side, rest) = name.split_once('/').ok_or_else(unknown)?;
    if side != "encoder" && side != "decoder" {
        return Err(unknown());
    }
    let norm = |leaf: &str| match leaf {
        "gamma" => Some("weight"),
        "beta" => Some("bias"),
        _ => None,
    };
    let top = match (side, rest) {
        ("encoder", "conv1/weight" | "conv1/bias" | "conv2/weight" | "conv2/bias") => {
            Some(format!("encoder.{}", rest.replace('/', ".")))
        }
        (_, "position_encodings/encodings") => Some(format!("{side}.positional_embedding")),
        ("decoder", "embeddings/weight") => Some("decoder.token_embedding.weight".into()),
        ("encoder", r) if r.starts_with("layer_norm/") => {
            norm(&r[11..]).map(|l| format!("encoder.ln_post.{l}"))
        }
        ("decoder", r) if r.starts_with("layer_norm/") => {
            norm(&r[11..]).map(|l| format!("decoder.ln.{l}"))
        }
        _ => None,
    };
    if let Some(t) = top {
        return Ok(whole(t));
    }
    let rest = rest.strip_prefix("layer_").ok_or_else(unknown)?;
    let (n, inner) = rest.split_once('/').ok_or_else(unknown)?;
    let n: usize = n.parse().map_err(|_| unknown())?;
    let block = format!("{side}.blocks.{n}");
    let (module, leaf) = inner.rsplit_once('/').ok_or_else(unknown)?;
    let is_weight = leaf == "weight";
    if !is_weight && leaf != "bias" {
        // layer norms
        let l = norm(leaf).ok_or_else(unknown)?;
        let ln = match module {
            "self_attention/layer_norm" => "attn_ln",
            "attention/layer_norm" if side == "decoder" => "cross_attn_ln",
            "ffn/layer_norm" => "mlp_ln",
            _ => return Err(unknown()),
        };
        return Ok(whole(format!("{block}.{ln}.{l}")));
    }
    let t = |m: &str| Some(format!("{block}.{m}.{leaf}"));
    Ok(match module {
        "self_attention/linear_0" => split(&[
            t("attn.query"),
            if is_weight { t("attn.key") } else { None },
            t("attn.value"),
        ]),
        "self_attention/linear_1" => whole(format!("{block}.attn.out.{leaf}")),
        "attention/linear_0" if side == "decoder" => {
            whole(format!("{block}.cross_attn.query.{leaf}"))
        }
        "attention/linear_1" if side == "decoder" => split(&[
            if is_weight { t("cross_attn.key") } else { None },
            t("cross_attn.value"),
        ]),
        "attention/linear_2" if side == "decoder" => {
            whole(format!("{block}.cross_attn.out.{leaf}"))
        }
        "ffn/linear_0" => whole(format!("{block}.mlp.0.{leaf}")),
        "ffn/linear_1" => whole(format!("{block}.mlp.2.{leaf}")),
        _ => return Err(unknown()),
    })
}

fn write_i32(w: &mut impl Write, v: usize) -> std::io::Result<()> {
    let v = i32::try_from(v)
        .map_err(|_| std::io::Error::other(format!("{v} does not fit a ggml i32 field")))?;
    w.write_all(&v.to_le_bytes())
}

/// Writes rows `part`/`parts` of `var` as ggml tensor `name`.
fn write_tensor(
    w: &mut impl Write,
    var: &Ct2Variable,
    data: &[u8],
    name: &str,
    part: usize,
    parts: usize,
) -> Result<(), String> {
    let mut shape = var.shape.clone();
    if !shape[0].is_multiple_of(parts) {
        return Err(format!(
            "{}: {} rows do not split into {parts}",
            var.name, shape[0]
        ));
    }
    shape[0] /= parts;
    let chunk = data.len() / parts;
    let data = &data[part * chunk..(part + 1) * chunk];
    let is_conv_bias = name == "encoder.conv1.bias" || name == "encoder.conv2.bias";
    if is_conv_bias {
        shape.push(1);
    }
    // whisper.cpp keeps biases, norms and positional embeddings in f32, the matrices in f16.
    let as_f32 = shape.len() < 2 || is_conv_bias || name.ends_with("positional_embedding");
    let io = |e: std::io::Error| format!("{name}: {e}");
    w.write_all(&(shape.len() as i32).to_le_bytes())
        .map_err(io)?;
    w.write_all(&(name.len() as i32).to_le_bytes())
        .map_err(io)?;
    w.write_all(&i32::from(!as_f32).to_le_bytes()).map_err(io)?;
    for d in shape.iter().rev() {
        write_i32(w, *d).map_err(io)?;
    }
    w.write_all(name.as_bytes()).map_err(io)?;
    match (var.dtype, as_f32) {
        (Ct2Dtype::F16, false) | (Ct2Dtype::F32, true) => w.write_all(data).map_err(io)?,
        (Ct2Dtype::F16 | Ct2Dtype::Bf16 | Ct2Dtype::F32, _) => {
            let mut out = Vec::with_capacity(data.len() * 2);
            for v in to_f32(var.dtype, data) {
                if as_f32 {
                    out.extend_from_slice(&v.to_le_bytes());
                } else {
                    out.extend_from_slice(&half::f16::from_f32(v).to_le_bytes());
                }
            }
            w.write_all(&out).map_err(io)?;
        }
        (other, _) => {
            return Err(format!(
                "{}: {other:?} tensors are not supported (quantized model?)",
                var.name
            ));
        }
    }
    Ok(())
}

fn to_f32(dtype: Ct2Dtype, data: &[u8]) -> impl Iterator<Item = f32> + '_ {
    let step = dtype.size();
    data.chunks_exact(step).map(move |c| match dtype {
        Ct2Dtype::F16 => half::f16::from_le_bytes([c[0], c[1]]).to_f32(),
        Ct2Dtype::Bf16 => half::bf16::from_le_bytes([c[0], c[1]]).to_f32(),
        _ => f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
    })
}

/// Reads a `.tiktoken` file: one `base64-token rank` pair per line, in rank order.
pub fn read_tiktoken(path: &Path) -> Result<Vec<Vec<u8>>, FormatError> {
    let file = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut tokens = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| FormatError::io(path, e))?;
        let Some(b64) = line.split_whitespace().next() else {
            continue;
        };
        // Python's lenient b64decode is the reference: `=` alone (token 50256 of multilingual) is empty.
        let token = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(b64.trim_end_matches('='))
            .map_err(|e| FormatError::Invalid {
                path: path.to_path_buf(),
                reason: format!("line {}: {e}", i + 1),
            })?;
        tokens.push(token);
    }
    if tokens.is_empty() {
        return Err(FormatError::Invalid {
            path: path.to_path_buf(),
            reason: "no tokens".into(),
        });
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::super::ct2::testing::{Var, f16_seq, write};
    use super::*;

    #[test]
    fn maps_names_and_splits_fused_projections() {
        let names = |v: Vec<Piece>| v.into_iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(
            names(tensor_plan("encoder/layer_3/self_attention/linear_0/weight", 2).unwrap()),
            vec![
                Some("encoder.blocks.3.attn.query.weight".into()),
                Some("encoder.blocks.3.attn.key.weight".into()),
                Some("encoder.blocks.3.attn.value.weight".into()),
            ]
        );
        assert_eq!(
            names(tensor_plan("decoder/layer_0/self_attention/linear_0/bias", 1).unwrap()),
            vec![
                Some("decoder.blocks.0.attn.query.bias".into()),
                None,
                Some("decoder.blocks.0.attn.value.bias".into()),
            ]
        );
        assert_eq!(
            names(tensor_plan("decoder/layer_1/attention/linear_1/bias", 1).unwrap()),
            vec![None, Some("decoder.blocks.1.cross_attn.value.bias".into())]
        );
        assert_eq!(
            names(tensor_plan("decoder/layer_1/attention/layer_norm/gamma", 1).unwrap()),
            vec![Some("decoder.blocks.1.cross_attn_ln.weight".into())]
        );
        assert_eq!(
            names(tensor_plan("encoder/layer_norm/beta", 1).unwrap()),
            vec![Some("encoder.ln_post.bias".into())]
        );
        assert_eq!(
            names(tensor_plan("decoder/position_encodings/encodings", 2).unwrap()),
            vec![Some("decoder.positional_embedding".into())]
        );
        assert_eq!(
            names(tensor_plan("encoder/layer_0/ffn/linear_1/weight", 2).unwrap()),
            vec![Some("encoder.blocks.0.mlp.2.weight".into())]
        );
        assert!(tensor_plan("encoder/num_heads", 0).unwrap().is_empty());
        assert!(tensor_plan("decoder/layer_0/ffn/linear_9/weight", 2).is_err());
        assert!(tensor_plan("encoder/layer_0/attention/linear_0/weight", 2).is_err());
    }

    /// A tiny but complete Whisper: 1 encoder and 1 decoder layer, d = 2, 2 mels, 3 tokens.
    fn tiny_model() -> Vec<u8> {
        let mut vars = vec![
            Var {
                name: "decoder/embeddings/weight",
                shape: &[3, 2],
                dtype: 4,
                data: f16_seq(6, 0.0),
            },
            Var {
                name: "decoder/num_heads",
                shape: &[],
                dtype: 2,
                data: 1i16.to_le_bytes().to_vec(),
            },
            Var {
                name: "decoder/position_encodings/encodings",
                shape: &[4, 2],
                dtype: 4,
                data: f16_seq(8, 0.0),
            },
            Var {
                name: "encoder/conv1/bias",
                shape: &[2],
                dtype: 4,
                data: f16_seq(2, 7.0),
            },
            Var {
                name: "encoder/conv1/weight",
                shape: &[2, 2, 3],
                dtype: 4,
                data: f16_seq(12, 0.0),
            },
            Var {
                name: "encoder/num_heads",
                shape: &[],
                dtype: 2,
                data: 1i16.to_le_bytes().to_vec(),
            },
            Var {
                name: "encoder/position_encodings/encodings",
                shape: &[5, 2],
                dtype: 4,
                data: f16_seq(10, 0.0),
            },
        ];
        vars.push(Var {
            name: "encoder/layer_0/self_attention/linear_0/weight",
            shape: &[6, 2],
            dtype: 4,
            data: f16_seq(12, 100.0),
        });
        vars.push(Var {
            name: "encoder/layer_0/self_attention/linear_0/bias",
            shape: &[6],
            dtype: 4,
            data: f16_seq(6, 10.0),
        });
        vars.push(Var {
            name: "decoder/layer_0/attention/linear_1/weight",
            shape: &[4, 2],
            dtype: 4,
            data: f16_seq(8, 20.0),
        });
        write(
            &vars,
            &[("decoder/projection/weight", "decoder/embeddings/weight")],
        )
    }

    fn npz(dir: &Path) -> std::path::PathBuf {
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        let mut h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        npy.extend_from_slice(&(h.len() as u16).to_le_bytes());
        npy.extend_from_slice(h.as_bytes());
        for v in 0..6 {
            npy.extend_from_slice(&(v as f32).to_le_bytes());
        }
        let path = dir.join("mel_filters.npz");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        zip.start_file("mel_2.npy", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&npy).unwrap();
        zip.finish().unwrap();
        path
    }

    /// Parses the ggml file back: hparams, vocab, tensors (name, dims, type, data).
    #[allow(clippy::type_complexity)]
    fn parse_ggml(
        b: &[u8],
    ) -> (
        Vec<i32>,
        Vec<Vec<u8>>,
        Vec<(String, Vec<i32>, i32, Vec<u8>)>,
    ) {
        let mut p = 0;
        let i32_at = |p: &mut usize| {
            let v = i32::from_le_bytes(b[*p..*p + 4].try_into().unwrap());
            *p += 4;
            v
        };
        let header: Vec<i32> = (0..12).map(|_| i32_at(&mut p)).collect();
        let (rows, cols) = (i32_at(&mut p), i32_at(&mut p));
        p += (rows * cols * 4) as usize;
        let n = i32_at(&mut p);
        let mut vocab = Vec::new();
        for _ in 0..n {
            let len = i32_at(&mut p) as usize;
            vocab.push(b[p..p + len].to_vec());
            p += len;
        }
        let mut tensors = Vec::new();
        while p < b.len() {
            let n_dims = i32_at(&mut p);
            let name_len = i32_at(&mut p) as usize;
            let ty = i32_at(&mut p);
            let dims: Vec<i32> = (0..n_dims).map(|_| i32_at(&mut p)).collect();
            let name = String::from_utf8(b[p..p + name_len].to_vec()).unwrap();
            p += name_len;
            let len = dims.iter().product::<i32>() as usize * if ty == 0 { 4 } else { 2 };
            tensors.push((name, dims, ty, b[p..p + len].to_vec()));
            p += len;
        }
        (header, vocab, tensors)
    }

    #[test]
    fn converts_a_synthetic_model() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("model.bin");
        std::fs::write(&bin, tiny_model()).unwrap();
        let mel = npz(dir.path());
        let tik = dir.path().join("vocab.tiktoken");
        std::fs::write(&tik, "IQ== 0\nIg== 1\naGVsbG8= 2\n= 3\n").unwrap();
        let out = dir.path().join("ggml.bin");
        let report = convert_whisper(
            WhisperSources {
                model_bin: &bin,
                mel_filters: &mel,
                tiktoken: &tik,
            },
            &out,
        )
        .unwrap();
        assert_eq!(report.hparams.n_vocab, 3);
        assert_eq!(report.hparams.n_audio_layer, 1);
        assert_eq!(report.hparams.n_text_layer, 1);
        assert_eq!(report.hparams.n_mels, 2);
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(report.bytes, bytes.len() as u64);
        let (header, vocab, tensors) = parse_ggml(&bytes);
        assert_eq!(header, vec![0x67676d6c, 3, 5, 2, 1, 1, 4, 2, 1, 1, 2, 1]);
        assert_eq!(
            vocab,
            vec![b"!".to_vec(), b"\"".to_vec(), b"hello".to_vec(), vec![]]
        );
        let find = |n: &str| {
            tensors
                .iter()
                .find(|t| t.0 == n)
                .unwrap_or_else(|| panic!("{n} missing"))
        };

        // Conv bias: f32, shape [n, 1] written reversed.
        let (_, dims, ty, data) = find("encoder.conv1.bias");
        assert_eq!((dims.clone(), *ty), (vec![1, 2], 0));
        assert_eq!(data[..4], 7.0f32.to_le_bytes());
        // Matrices stay f16 with reversed dims; the fused QKV rows are split in order.
        let (_, dims, ty, data) = find("encoder.blocks.0.attn.key.weight");
        assert_eq!((dims.clone(), *ty), (vec![2, 2], 1));
        assert_eq!(data, &f16_seq(4, 104.0));
        let (_, _, _, data) = find("encoder.blocks.0.attn.value.weight");
        assert_eq!(data, &f16_seq(4, 108.0));
        // Biases become f32; the key bias is dropped.
        let (_, dims, ty, data) = find("encoder.blocks.0.attn.value.bias");
        assert_eq!((dims.clone(), *ty), (vec![2], 0));
        assert_eq!(data[..4], 14.0f32.to_le_bytes());
        assert!(!tensors.iter().any(|t| t.0.contains("key.bias")));
        let (_, _, _, data) = find("decoder.blocks.0.cross_attn.value.weight");
        assert_eq!(data, &f16_seq(4, 24.0));
        // Positional embeddings are f32.
        assert_eq!(find("encoder.positional_embedding").2, 0);
        assert_eq!(find("decoder.token_embedding.weight").1, vec![2, 3]);
        assert_eq!(report.tensors, tensors.len());

        // Same inputs, same bytes.
        let again = dir.path().join("again.bin");
        convert_whisper(
            WhisperSources {
                model_bin: &bin,
                mel_filters: &mel,
                tiktoken: &tik,
            },
            &again,
        )
        .unwrap();
        assert_eq!(std::fs::read(&again).unwrap(), bytes);
    }
}
