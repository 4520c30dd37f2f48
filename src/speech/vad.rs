//! Voice activity detection: Silero VAD v5/v6 (ONNX) through the process's one ONNX Runtime.
//!
//! [`VadModel`] is loaded once and shared by all calls (a small pool of inference sessions, because running one
//! needs exclusive access); each call owns a [`Vad`] with its own recurrent state, so calls never load a model.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use ort::session::Session;
use ort::value::Tensor;

use super::onnx::{self, OnnxError};

/// Sample rate the VAD runs at (kefu's internal rate).
pub const SAMPLE_RATE: u32 = 16_000;
/// New samples per inference window at 16 kHz (32 ms).
pub const WINDOW: usize = 512;
/// Samples of the previous window that Silero v5/v6 prepends to each window at 16 kHz.
const CONTEXT: usize = 64;
/// Silero's recurrent state: `[2, batch, 128]`.
const STATE_LEN: usize = 2 * 128;
/// Name of the model in the models directory and manifest.
pub const MODEL_NAME: &str = "silero-vad";

/// Errors of the voice activity detector.
#[derive(Debug, thiserror::Error)]
pub enum VadError {
    #[error("VAD model {MODEL_NAME} missing at {}: run `kefu models fetch`", path.display())]
    MissingModel { path: PathBuf },
    #[error(transparent)]
    Runtime(#[from] OnnxError),
    #[error("cannot load VAD model {}: {message}", path.display())]
    Load { path: PathBuf, message: String },
    #[error(
        "{} is not a Silero VAD v5/v6 model: {detail} (expected inputs input, state, sr and outputs output, \
         stateN; run `kefu models fetch` to get the right file)",
        path.display()
    )]
    WrongModel { path: PathBuf, detail: String },
    #[error("VAD inference failed: {0}")]
    Inference(String),
}

/// Where `kefu models fetch` puts the Silero model inside the models directory.
pub fn model_path(models_dir: &Path) -> PathBuf {
    models_dir.join(MODEL_NAME).join("silero_vad.onnx")
}

/// The loaded Silero model: shared, immutable apart from its session pool.
pub struct VadModel {
    path: PathBuf,
    idle: Mutex<Vec<Session>>,
    returned: Condvar,
}

impl VadModel {
    /// Loads the model with one inference session per CPU core (at most 4).
    pub fn load(path: &Path) -> Result<Self, VadError> {
        let sessions = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        Self::load_with_sessions(path, sessions)
    }

    /// Loads the model with `sessions` inference sessions: this many windows can be scored at once.
    pub fn load_with_sessions(path: &Path, sessions: usize) -> Result<Self, VadError> {
        if !path.is_file() {
            return Err(VadError::MissingModel {
                path: path.to_path_buf(),
            });
        }
        let env = onnx::environment()?;
        let load_err = |e: ort::Error| VadError::Load {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut pool = Vec::with_capacity(sessions.max(1));
        for _ in 0..sessions.max(1) {
            // One thread per session: a 576-sample window is far too small to split across cores.
            let session = Session::builder(env)
                .map_err(load_err)?
                .with_intra_threads(1)
                .map_err(|e| load_err(e.into()))?
                .with_inter_threads(1)
                .map_err(|e| load_err(e.into()))?
                .commit_from_file(path)
                .map_err(load_err)?;
            check_signature(path, &session)?;
            pool.push(session);
        }
        Ok(Self {
            path: path.to_path_buf(),
            idle: Mutex::new(pool),
            returned: Condvar::new(),
        })
    }

    /// The model file this was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take_session(&self) -> Session {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(session) = idle.pop() {
                return session;
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, session: Session) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(session);
        self.returned.notify_one();
    }
}

fn check_signature(path: &Path, session: &Session) -> Result<(), VadError> {
    let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
    let has_all =
        |names: &[&str], wanted: &[&str]| wanted.iter().all(|w| names.iter().any(|n| n == w));
    if has_all(&inputs, &["input", "state", "sr"]) && has_all(&outputs, &["output", "stateN"]) {
        Ok(())
    } else {
        Err(VadError::WrongModel {
            path: path.to_path_buf(),
            detail: format!("it has inputs {inputs:?} and outputs {outputs:?}"),
        })
    }
}

/// One caller's voice activity detector: recurrent state and a buffer for a partial window.
pub struct Vad {
    model: Arc<VadModel>,
    state: Vec<f32>,
    /// The last [`CONTEXT`] samples of the previous window (zeros at the start).
    context: Vec<f32>,
    pending: Vec<f32>,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Vad {
    /// A fresh detector on a shared model.
    pub fn new(model: Arc<VadModel>) -> Self {
        Self {
            model,
            state: vec![0.0; STATE_LEN],
            context: vec![0.0; CONTEXT],
            pending: Vec::with_capacity(WINDOW * 2),
        }
    }

    /// Feeds 16 kHz mono samples; returns the speech probability of every window of [`WINDOW`] samples completed
    /// by them, in order. Samples of an unfinished window are kept for the next call.
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<f32>, VadError> {
        // NaN or infinity would poison the recurrent state for the rest of the call.
        self.pending
            .extend(samples.iter().map(|&s| if s.is_finite() { s } else { 0.0 }));
        let windows = self.pending.len() / WINDOW;
        if windows == 0 {
            return Ok(Vec::new());
        }
        let mut session = self.model.take_session();
        let mut probabilities = Vec::with_capacity(windows);
        let mut result = Ok(());
        for w in 0..windows {
            match self.score_window(&mut session, w * WINDOW) {
                Ok(p) => probabilities.push(p),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.model.give_back(session);
        self.pending.drain(..windows * WINDOW);
        result.map(|()| probabilities)
    }

    fn score_window(&mut self, session: &mut Session, start: usize) -> Result<f32, VadError> {
        let infer = |e: ort::Error| VadError::Inference(e.to_string());
        let mut input = Vec::with_capacity(CONTEXT + WINDOW);
        input.extend_from_slice(&self.context);
        input.extend_from_slice(&self.pending[start..start + WINDOW]);
        self.context
            .copy_from_slice(&input[input.len() - CONTEXT..]);
        let input = Tensor::from_array(([1usize, CONTEXT + WINDOW], input)).map_err(infer)?;
        let state = Tensor::from_array(([2usize, 1, 128], self.state.clone())).map_err(infer)?;
        let sr = Tensor::from_array(([0usize; 0], vec![i64::from(SAMPLE_RATE)])).map_err(infer)?;
        let outputs = session
            .run(ort::inputs!["input" => input, "state" => state, "sr" => sr])
            .map_err(infer)?;
        let (_, probability) = outputs["output"]
            .try_extract_tensor::<f32>()
            .map_err(infer)?;
        let (_, state) = outputs["stateN"]
            .try_extract_tensor::<f32>()
            .map_err(infer)?;
        if state.len() != STATE_LEN {
            return Err(VadError::Inference(format!(
                "state has {} values, expected {STATE_LEN}",
                state.len()
            )));
        }
        self.state.copy_from_slice(state);
        probability
            .first()
            .copied()
            .ok_or_else(|| VadError::Inference("empty output".into()))
    }

    /// Forgets all state, as at the start of a call.
    pub fn reset(&mut self) {
        self.state.fill(0.0);
        self.context.fill(0.0);
        self.pending.clear();
    }
}
