//! Checking fetched files against the manifest's sums without re-hashing them on every start.
//!
//! After a file's sum has been verified, its size, modification time and sum go into a stamp file
//! (`models/<name>/.verified.json`). A file whose size and mtime still match its stamp is trusted; any change
//! means it is hashed again.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::FileSpec;

const STAMP_FILE: &str = ".verified.json";

/// What a file on disk looks like compared to the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Present and matching its pinned size and sum.
    Ok,
    /// Present; the manifest pins no sum for it.
    Unpinned,
    Missing,
    /// Present but different; the reason says how.
    Mismatch(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StampEntry {
    size: u64,
    mtime_ns: u128,
    sha256: String,
}

type Stamp = BTreeMap<String, StampEntry>;

/// Hex sha256 of bytes in memory.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Checks `model_dir/spec.path` against the manifest, using and refreshing the stamp.
pub fn check_file(model_dir: &Path, spec: &FileSpec) -> std::io::Result<FileState> {
    let path = model_dir.join(&spec.path);
    let meta = match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => m,
        Ok(_) => return Ok(FileState::Mismatch("not a regular file".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::Missing),
        Err(e) => return Err(e),
    };
    if let Some(size) = spec.pinned_size()
        && meta.len() != size
    {
        return Ok(FileState::Mismatch(format!(
            "{} bytes, expected {size}",
            meta.len()
        )));
    }
    let Some(expected) = spec.pinned_sha256() else {
        return Ok(FileState::Unpinned);
    };
    let entry = StampEntry {
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
        sha256: expected.to_string(),
    };
    let mut stamp = read_stamp(model_dir);
    if stamp.get(&spec.path) == Some(&entry) {
        return Ok(FileState::Ok);
    }
    let actual = sha256_file(&path)?;
    if actual != expected {
        return Ok(FileState::Mismatch(format!(
            "sha256 {actual}, expected {expected}"
        )));
    }
    stamp.insert(spec.path.clone(), entry);
    // A stamp that cannot be written only costs a re-hash next time.
    if let Err(e) = write_stamp(model_dir, &stamp) {
        tracing::debug!(dir = %model_dir.display(), "cannot write verification stamp: {e}");
    }
    Ok(FileState::Ok)
}

/// Forgets the stamp of a model folder (before rebuilding it).
pub fn clear_stamp(model_dir: &Path) {
    let _ = std::fs::remove_file(model_dir.join(STAMP_FILE));
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

fn read_stamp(model_dir: &Path) -> Stamp {
    std::fs::read(model_dir.join(STAMP_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_stamp(model_dir: &Path, stamp: &Stamp) -> std::io::Result<()> {
    let tmp = model_dir.join(format!("{STAMP_FILE}.{}.tmp", std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(stamp).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, model_dir.join(STAMP_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str, data: &[u8]) -> FileSpec {
        FileSpec {
            path: path.into(),
            size: Some(data.len() as u64),
            sha256: Some(hex::encode(Sha256::digest(data))),
        }
    }

    #[test]
    fn verifies_stamps_and_notices_changes() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec("a.bin", b"hello");
        assert_eq!(check_file(dir.path(), &s).unwrap(), FileState::Missing);
        std::fs::write(dir.path().join("a.bin"), b"hello").unwrap();
        assert_eq!(check_file(dir.path(), &s).unwrap(), FileState::Ok);
        assert!(dir.path().join(STAMP_FILE).is_file());
        assert_eq!(check_file(dir.path(), &s).unwrap(), FileState::Ok);
        // Same size, different content: the mtime changes, so it is hashed again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("a.bin"), b"jello").unwrap();
        assert!(
            matches!(check_file(dir.path(), &s).unwrap(), FileState::Mismatch(r) if r.contains("sha256"))
        );
        std::fs::write(dir.path().join("a.bin"), b"hi").unwrap();
        assert!(
            matches!(check_file(dir.path(), &s).unwrap(), FileState::Mismatch(r) if r.contains("2 bytes"))
        );
    }
}
