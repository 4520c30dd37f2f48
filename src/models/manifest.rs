//! The model manifest (`models/manifest.toml`, compiled in): what each model is, where it comes from, and the
//! sizes and sha256 sums of the files it must end up as.

use serde::Deserialize;

use super::ModelError;

/// The manifest text, embedded so that `kefu` works from any directory.
pub const MANIFEST_TOML: &str = include_str!("../../models/manifest.toml");

/// All models kefu knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "model")]
    pub models: Vec<ModelSpec>,
}

/// How a model's files are produced from its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Build {
    /// The extracted members are the final files.
    Copy,
    /// CTranslate2 Whisper → whisper.cpp ggml.
    WhisperGgml,
    /// Piper voice → sherpa-onnx voice folder.
    PiperVoice,
    /// Kokoro model parts, vocabulary and `.npz` voice styles → the Kokoro voice folder.
    KokoroVoice,
    /// Installed by a system package.
    System,
}

/// One model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: String,
    pub description: String,
    pub license: String,
    pub build: Build,
    #[serde(default, rename = "source")]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub take: Vec<Take>,
    #[serde(default, rename = "file")]
    pub files: Vec<FileSpec>,
    /// For `build = "system"`: where the package puts the data.
    pub system_path: Option<String>,
    /// For `build = "system"`: the Debian package providing it.
    pub apt_package: Option<String>,
}

/// A registry package and the exact archive it must download as.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Where the package lives (default PyPI).
    #[serde(default)]
    pub registry: Registry,
    pub package: String,
    pub version: String,
    /// File name of the wheel, sdist or npm tarball.
    pub archive: String,
    pub sha256: String,
}

/// A package registry that sources are downloaded from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    /// PyPI, through `pip download`.
    #[default]
    Pypi,
    /// registry.npmjs.org, by HTTP GET of the package tarball.
    Npm,
}

impl Registry {
    /// Short name for messages and the cache folder.
    pub fn name(self) -> &'static str {
        match self {
            Registry::Pypi => "pypi",
            Registry::Npm => "npm",
        }
    }
}

/// An archive member to extract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Take {
    /// The `Source::package` holding it.
    pub package: String,
    pub member: String,
    /// Staged file name; several members with the same `to` are concatenated in order.
    pub to: String,
    /// Optional sum of the extracted member.
    pub sha256: Option<String>,
}

/// A final file of a model, relative to `models/<name>/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub path: String,
    /// Expected size in bytes; absent = not pinned.
    pub size: Option<u64>,
    /// Expected sha256 (hex); absent = presence is checked, not content.
    pub sha256: Option<String>,
}

impl FileSpec {
    /// The pinned sum, if any (an empty string counts as not pinned).
    pub fn pinned_sha256(&self) -> Option<&str> {
        self.sha256.as_deref().filter(|s| !s.is_empty())
    }

    /// The pinned size, if any (0 counts as not pinned).
    pub fn pinned_size(&self) -> Option<u64> {
        self.size.filter(|&s| s > 0)
    }

    /// What the manifest pins, for messages: `"N bytes"`, `"sha256 …"`, both, or `"nothing"`.
    pub fn pinned(&self) -> String {
        let pins: Vec<String> = [
            self.pinned_size().map(|s| format!("{s} bytes")),
            self.pinned_sha256().map(|s| format!("sha256 {s}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if pins.is_empty() {
            "nothing".into()
        } else {
            pins.join(" with ")
        }
    }
}

impl Manifest {
    /// The manifest compiled into this binary.
    pub fn embedded() -> Result<Self, ModelError> {
        Self::parse(MANIFEST_TOML)
    }

    /// Parses and checks a manifest text.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| ModelError::Manifest(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    fn check(&self) -> Result<(), ModelError> {
        let bad = |m: &ModelSpec, why: String| {
            Err(ModelError::Manifest(format!("model {}: {why}", m.name)))
        };
        for m in &self.models {
            for t in &m.take {
                if !m.sources.iter().any(|s| s.package == t.package) {
                    return bad(m, format!("take from unknown package {}", t.package));
                }
                if t.to.contains('/') || t.to.starts_with('.') {
                    return bad(
                        m,
                        format!("staged name {:?} must be a plain file name", t.to),
                    );
                }
            }
            for f in &m.files {
                if f.path.contains("..") || f.path.starts_with('/') {
                    return bad(
                        m,
                        format!("file {:?} must stay inside the model folder", f.path),
                    );
                }
            }
            if m.build == Build::System && m.system_path.is_none() {
                return bad(m, "a system model needs system_path".into());
            }
            if m.build != Build::System && (m.sources.is_empty() || m.files.is_empty()) {
                return bad(m, "needs at least one source and one file".into());
            }
        }
        Ok(())
    }

    /// Finds a model by name. Whisper models also answer to their short names (`base`, `tiny.en`).
    pub fn get(&self, name: &str) -> Result<&ModelSpec, ModelError> {
        self.models
            .iter()
            .find(|m| m.name == name || m.name.strip_prefix("whisper-") == Some(name))
            .ok_or_else(|| ModelError::Unknown {
                name: name.to_string(),
                known: self.names().join(", "),
            })
    }

    /// Model names in manifest order.
    pub fn names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_is_valid_and_complete() {
        let m = Manifest::embedded().unwrap();
        for name in [
            "whisper-base",
            "whisper-tiny.en",
            "silero-vad",
            "piper-joe",
            "espeak-ng-data",
            "kokoro",
            "kokoro-zh",
        ] {
            m.get(name).unwrap();
        }
        assert_eq!(m.get("base").unwrap().name, "whisper-base");
        assert_eq!(m.get("tiny.en").unwrap().name, "whisper-tiny.en");
        assert_eq!(
            m.get("kokoro-zh").unwrap().sources[0].registry,
            Registry::Npm
        );
        assert_eq!(m.get("kokoro").unwrap().sources[0].registry, Registry::Pypi);
        for spec in &m.models {
            for s in &spec.sources {
                assert_eq!(s.sha256.len(), 64, "{} {}", spec.name, s.package);
            }
            if spec.build == Build::WhisperGgml || spec.build == Build::Copy {
                for f in &spec.files {
                    assert!(
                        f.pinned_sha256().is_some() && f.pinned_size().is_some(),
                        "{}: {}",
                        spec.name,
                        f.path
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_model_lists_the_known_ones() {
        let err = Manifest::embedded()
            .unwrap()
            .get("whisper-large")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("whisper-large") && err.contains("whisper-base"),
            "{err}"
        );
    }

    #[test]
    fn rejects_a_take_from_an_unlisted_package() {
        let text = r#"
[[model]]
name = "x"
description = "d"
license = "MIT"
build = "copy"
source = [{ package = "a", version = "1", archive = "a.whl", sha256 = "00" }]
take = [{ package = "b", member = "m", to = "f" }]
file = [{ path = "f" }]
"#;
        let err = Manifest::parse(text).unwrap_err().to_string();
        assert!(err.contains("unknown package b"), "{err}");
    }

    #[test]
    fn pins_are_described_without_debug_formatting() {
        let spec = |size, sha256: Option<&str>| FileSpec {
            path: "model.onnx".into(),
            size,
            sha256: sha256.map(str::to_string),
        };
        assert_eq!(spec(Some(12), None).pinned(), "12 bytes");
        assert_eq!(spec(None, Some("ab")).pinned(), "sha256 ab");
        assert_eq!(
            spec(Some(12), Some("ab")).pinned(),
            "12 bytes with sha256 ab"
        );
        assert_eq!(spec(Some(0), Some("")).pinned(), "nothing");
    }
}
