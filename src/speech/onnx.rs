//! The one ONNX Runtime of the process, shared by sherpa-onnx (TTS) and the `ort` crate (VAD).
//!
//! sherpa-onnx links `libonnxruntime.so` when the process starts; `ort` (built with `load-dynamic`) must load that
//! very file, never a second copy, or two runtimes with separate allocators and thread pools end up in one process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::SessionBuilder;

/// The runtime's file name and SONAME as shipped in the sherpa-onnx wheel.
pub const RUNTIME_SONAME: &str = "libonnxruntime.so";

/// Environment variable that names the ONNX Runtime library to use instead of the one found automatically.
pub const RUNTIME_ENV: &str = "KEFU_ONNXRUNTIME";

/// The ONNX Runtime could not be loaded or initialised.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "cannot load ONNX Runtime from {path}: {reason} (run scripts/setup.sh to unpack .native/sherpa-onnx/lib, \
     or point ${RUNTIME_ENV} at libonnxruntime.so 1.28)"
)]
pub struct OnnxError {
    pub path: PathBuf,
    pub reason: String,
}

static RUNTIME: OnceLock<Result<Environment, OnnxError>> = OnceLock::new();

/// The process-wide `ort` environment, loading the ONNX Runtime on first use.
pub fn environment() -> Result<&'static Environment, OnnxError> {
    RUNTIME.get_or_init(init).as_ref().map_err(Clone::clone)
}

fn init() -> Result<Environment, OnnxError> {
    let path = runtime_library()?;
    let fail = |reason: String| OnnxError {
        path: path.clone(),
        reason,
    };
    let env = ort::init_from(&path)
        .map_err(|e| fail(e.to_string()))?
        .with_name("kefu")
        .build()
        .map_err(|e| fail(e.to_string()))?;
    tracing::debug!(path = %path.display(), "ONNX Runtime loaded for ort");
    Ok(env)
}

/// A session builder for a voice model with `threads` intra-op threads (0: one per CPU core).
///
/// Each voice synthesises one sentence at a time, so its threads only ever compete with speech recognition and
/// other calls' work; they sleep between operators instead of spinning. Measured on Kokoro with 2 threads on 2
/// cores: spinning is 1.7× faster than 1 thread on an idle machine but 1.35× slower than 1 thread when another
/// process keeps one core busy; sleeping is 1.4× faster idle and as fast as 1 thread under that load.
pub fn voice_session(env: &Environment, threads: usize) -> Result<SessionBuilder, ort::Error> {
    let threads = thread_count(threads);
    Ok(Session::builder(env)?
        .with_intra_threads(threads)?
        .with_intra_op_spinning(false)?)
}

/// The threads a `threads` setting means: itself, or one per CPU core for 0.
pub fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// Where the ONNX Runtime library is, in order of preference: `$KEFU_ONNXRUNTIME`; the copy already mapped into
/// this process (by sherpa-onnx); next to the executable (or its parent, for test binaries in `deps/`);
/// `.native/sherpa-onnx/lib`; else the bare SONAME for the dynamic loader to resolve.
pub fn runtime_library() -> Result<PathBuf, OnnxError> {
    if let Some(path) = std::env::var_os(RUNTIME_ENV).map(PathBuf::from) {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(OnnxError {
                path,
                reason: format!("${RUNTIME_ENV} names no file"),
            })
        };
    }
    if let Some(mapped) = mapped_runtimes().into_iter().next() {
        return Ok(mapped);
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let mut candidates = Vec::new();
    if let Some(dir) = exe_dir {
        candidates.push(dir.join(RUNTIME_SONAME));
        if let Some(parent) = dir.parent() {
            candidates.push(parent.join(RUNTIME_SONAME));
        }
    }
    candidates.push(Path::new(".native/sherpa-onnx/lib").join(RUNTIME_SONAME));
    Ok(candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(RUNTIME_SONAME)))
}

/// Distinct ONNX Runtime files currently mapped into this process (from `/proc/self/maps`).
pub fn mapped_runtimes() -> Vec<PathBuf> {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = Vec::new();
    for line in maps.lines() {
        // The path is the sixth column; it may itself contain spaces, so take the rest of the line.
        let Some(path) = line.splitn(6, ' ').nth(5).map(str::trim) else {
            continue;
        };
        let is_runtime = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("libonnxruntime.so"));
        if !is_runtime {
            continue;
        }
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
        if !found.contains(&path) {
            found.push(path);
        }
    }
    found
}
