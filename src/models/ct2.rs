//! Reader for CTranslate2 `model.bin` files: an index of named variables, read one at a time.
//!
//! Layout (little-endian): u32 binary version; (v ≥ 2) spec name as u16 length + bytes; (v ≥ 3) u32 revision;
//! u32 variable count; per variable: name (u16 length + NUL-padded bytes), u8 rank, rank × u32 dims, u8 dtype,
//! u32 byte count, data; then u32 alias count and (alias, target) name pairs.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::FormatError;

/// Element type of a CTranslate2 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ct2Dtype {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl Ct2Dtype {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::Bf16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::Bf16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }
}

/// One variable of the index: where its data lies in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ct2Variable {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: Ct2Dtype,
    offset: u64,
    len: usize,
}

impl Ct2Variable {
    /// Number of elements (1 for a scalar).
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// An opened CTranslate2 model: the index is in memory, the data stays on disk until asked for.
pub struct Ct2Model {
    path: PathBuf,
    file: BufReader<File>,
    /// Spec name from the header, e.g. `WhisperSpec`.
    pub spec: String,
    variables: Vec<Ct2Variable>,
    by_name: BTreeMap<String, usize>,
}

impl Ct2Model {
    /// Reads the header and the variable index, seeking over the data.
    pub fn open(path: &Path) -> Result<Self, FormatError> {
        let file = File::open(path).map_err(|e| FormatError::io(path, e))?;
        let file_len = file.metadata().map_err(|e| FormatError::io(path, e))?.len();
        let mut r = Reader {
            path,
            inner: BufReader::new(file),
        };
        let version = r.u32()?;
        if !(1..=6).contains(&version) {
            return Err(r.bad(format!("unsupported CTranslate2 binary version {version}")));
        }
        let spec = if version >= 2 {
            r.string()?
        } else {
            String::new()
        };
        if version >= 3 {
            r.u32()?; // spec revision: layout does not depend on it
        }
        let count = r.u32()? as usize;
        let mut variables = Vec::with_capacity(count.min(4096));
        for _ in 0..count {
            let name = r.string()?;
            let rank = r.u8()? as usize;
            let mut shape = Vec::with_capacity(rank);
            for _ in 0..rank {
                shape.push(r.u32()? as usize);
            }
            let code = r.u8()?;
            let dtype = Ct2Dtype::from_code(code)
                .ok_or_else(|| r.bad(format!("variable {name}: unknown dtype code {code}")))?;
            let len = r.u32()? as usize;
            let elements: usize = shape.iter().product();
            if elements.checked_mul(dtype.size()) != Some(len) {
                return Err(r.bad(format!(
                    "variable {name}: {len} bytes do not match shape {shape:?} of {dtype:?}"
                )));
            }
            let offset = r.position()?;
            if offset + len as u64 > file_len {
                return Err(r.bad(format!(
                    "variable {name}: data runs past the end of the file (truncated?)"
                )));
            }
            r.skip(len as u64)?;
            variables.push(Ct2Variable {
                name,
                shape,
                dtype,
                offset,
                len,
            });
        }
        let mut by_name: BTreeMap<String, usize> = variables
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.clone(), i))
            .collect();
        let aliases = r.u32()?;
        for _ in 0..aliases {
            let alias = r.string()?;
            let target = r.string()?;
            let index = *by_name.get(&target).ok_or_else(|| {
                r.bad(format!("alias {alias} points to unknown variable {target}"))
            })?;
            by_name.insert(alias, index);
        }
        Ok(Self {
            path: path.to_path_buf(),
            file: r.inner,
            spec,
            variables,
            by_name,
        })
    }

    /// Variables in file order (aliases not repeated).
    pub fn variables(&self) -> &[Ct2Variable] {
        &self.variables
    }

    /// Looks a variable up by name or alias.
    pub fn get(&self, name: &str) -> Option<&Ct2Variable> {
        self.by_name.get(name).map(|&i| &self.variables[i])
    }

    /// Like [`Ct2Model::get`], but a missing variable is a format error.
    pub fn require(&self, name: &str) -> Result<&Ct2Variable, FormatError> {
        self.get(name).ok_or_else(|| FormatError::Invalid {
            path: self.path.clone(),
            reason: format!("variable {name} is missing"),
        })
    }

    /// Reads the raw little-endian bytes of one variable.
    pub fn read(&mut self, var: &Ct2Variable) -> Result<Vec<u8>, FormatError> {
        let mut data = vec![0u8; var.len];
        self.file
            .seek(SeekFrom::Start(var.offset))
            .and_then(|_| self.file.read_exact(&mut data))
            .map_err(|e| FormatError::io(&self.path, e))?;
        Ok(data)
    }

    /// Reads an integer scalar (such as `encoder/num_heads`).
    pub fn scalar(&mut self, name: &str) -> Result<i64, FormatError> {
        let var = self.require(name)?.clone();
        let data = self.read(&var)?;
        let bad = || FormatError::Invalid {
            path: self.path.clone(),
            reason: format!("variable {name} is not an integer scalar"),
        };
        if var.elements() != 1 {
            return Err(bad());
        }
        Ok(match var.dtype {
            Ct2Dtype::I8 => i64::from(data[0] as i8),
            Ct2Dtype::I16 => i64::from(i16::from_le_bytes([data[0], data[1]])),
            Ct2Dtype::I32 => i64::from(i32::from_le_bytes([data[0], data[1], data[2], data[3]])),
            _ => return Err(bad()),
        })
    }
}

struct Reader<'a> {
    path: &'a Path,
    inner: BufReader<File>,
}

impl Reader<'_> {
    fn bad(&self, reason: String) -> FormatError {
        FormatError::Invalid {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], FormatError> {
        let mut b = [0u8; N];
        self.inner
            .read_exact(&mut b)
            .map_err(|e| FormatError::io(self.path, e))?;
        Ok(b)
    }

    fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.bytes::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let len = u16::from_le_bytes(self.bytes()?) as usize;
        let mut b = vec![0u8; len];
        self.inner
            .read_exact(&mut b)
            .map_err(|e| FormatError::io(self.path, e))?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        b.truncate(end);
        String::from_utf8(b).map_err(|_| self.bad("a name is not valid UTF-8".into()))
    }

    fn position(&mut self) -> Result<u64, FormatError> {
        self.inner
            .stream_position()
            .map_err(|e| FormatError::io(self.path, e))
    }

    fn skip(&mut self, n: u64) -> Result<(), FormatError> {
        self.inner
            .seek_relative(n as i64)
            .map_err(|e| FormatError::io(self.path, e))
    }
}

/// Writes CTranslate2 files: used by tests to build small synthetic models.
#[cfg(test)]
pub(crate) mod testing {
    /// A variable to write: name, shape, dtype code, raw data.
    pub struct Var<'a> {
        pub name: &'a str,
        pub shape: &'a [u32],
        pub dtype: u8,
        pub data: Vec<u8>,
    }

    fn name(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    /// Serializes a version-6 `WhisperSpec` file.
    pub fn write(vars: &[Var], aliases: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&6u32.to_le_bytes());
        name(&mut out, "WhisperSpec");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(vars.len() as u32).to_le_bytes());
        for v in vars {
            name(&mut out, v.name);
            out.push(v.shape.len() as u8);
            for d in v.shape {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.push(v.dtype);
            out.extend_from_slice(&(v.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&v.data);
        }
        out.extend_from_slice(&(aliases.len() as u32).to_le_bytes());
        for (a, t) in aliases {
            name(&mut out, a);
            name(&mut out, t);
        }
        out
    }

    /// f16 data counting up from `start`, one element per step.
    pub fn f16_seq(n: usize, start: f32) -> Vec<u8> {
        (0..n)
            .flat_map(|i| half::f16::from_f32(start + i as f32).to_le_bytes())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{Var, f16_seq, write};
    use super::*;

    #[test]
    fn parses_index_scalars_and_aliases() {
        let bytes = write(
            &[
                Var {
                    name: "encoder/num_heads",
                    shape: &[],
                    dtype: 2,
                    data: 8i16.to_le_bytes().to_vec(),
                },
                Var {
                    name: "decoder/embeddings/weight",
                    shape: &[3, 2],
                    dtype: 4,
                    data: f16_seq(6, 0.0),
                },
            ],
            &[("decoder/projection/weight", "decoder/embeddings/weight")],
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        std::fs::write(&path, bytes).unwrap();
        let mut m = Ct2Model::open(&path).unwrap();
        assert_eq!(m.spec, "WhisperSpec");
        assert_eq!(m.variables().len(), 2);
        assert_eq!(m.scalar("encoder/num_heads").unwrap(), 8);
        let proj = m.get("decoder/projection/weight").unwrap().clone();
        assert_eq!(proj.shape, vec![3, 2]);
        assert_eq!(m.read(&proj).unwrap(), f16_seq(6, 0.0));
    }

    #[test]
    fn truncated_file_is_a_clear_error() {
        let mut bytes = write(
            &[Var {
                name: "w",
                shape: &[4],
                dtype: 0,
                data: vec![0; 16],
            }],
            &[],
        );
        bytes.truncate(bytes.len() - 10);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        std::fs::write(&path, bytes).unwrap();
        let err = Ct2Model::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("model.bin") && err.contains("truncated"),
            "{err}"
        );
    }
}
