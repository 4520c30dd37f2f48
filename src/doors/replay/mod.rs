//! The QA replay door: a recorded caller through the exact production pipeline on a virtual clock. Waiting is
//! simulated (fast, repeatable); engine compute is real and counted, so latencies are true.
//!
//! Every fixture gets a freshly seeded in-memory shop and a dialogue clock fixed at the seed day, so a
//! cancelled order in one fixture never leaks into the next and answers about dates never drift.

pub mod expect;
pub mod fixture;
pub mod run;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::config::Config;
use crate::dialogue::nlu::{self, Nlu};
use crate::dialogue::{Channel, DialogueEngine, KnowledgeBase};
use crate::pipeline::{CallLog, CallSpec, Engines, PipelineError};
use crate::speech::asr::{AsrEngine, SAMPLE_RATE};
use crate::speech::tts::TtsEngine;
use crate::speech::vad::{self, VadModel};
use crate::store::Store;
use crate::store::seed::{self, DEFAULT_SEED_DAY};

pub use fixture::{Fixture, LoadedFixture};

/// Errors of the replay door.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("fixture {path}: {problem}")]
    Fixture { path: PathBuf, problem: String },
    #[error("caller recording {path}: {source}")]
    Audio {
        path: PathBuf,
        source: crate::audio::AudioError,
    },
    #[error("no fixtures (*.yaml or *.wav) in {0}")]
    Empty(PathBuf),
    #[error("cannot write {path}: {problem}")]
    Write { path: PathBuf, problem: String },
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Dialogue(#[from] crate::dialogue::DialogueError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The loaded engines a replay suite shares; the shop and dialogue are fresh per fixture.
pub struct Replayer {
    asr: Arc<AsrEngine>,
    tts: Arc<TtsEngine>,
    vad: Arc<VadModel>,
    nlu: Nlu,
    kb: KnowledgeBase,
    config: Config,
    /// Where each replayed call's interaction record is kept (for analytics), if anywhere.
    record: Option<Store>,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer")
            .field("asr", &self.asr.model())
            .finish_non_exhaustive()
    }
}

/// One replayed fixture.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub fixture: String,
    pub description: String,
    /// False for a bare recording without expectations.
    pub checked: bool,
    pub passed: bool,
    pub failures: Vec<String>,
    pub call: CallLog,
    #[serde(skip)]
    pub caller: Vec<f32>,
    #[serde(skip)]
    pub bot: Vec<f32>,
}

/// The moment the replayed dialogue believes it is: the seed day, 10:00.
pub fn replay_clock() -> NaiveDateTime {
    DEFAULT_SEED_DAY
        .and_hms_opt(10, 0, 0)
        .unwrap_or_else(|| DEFAULT_SEED_DAY.into())
}

impl Replayer {
    /// Loads the engines named by `config` (Whisper model, voices, VAD, NLU, knowledge base).
    pub fn load(config: &Config) -> Result<Self, ReplayError> {
        let asr = AsrEngine::load(&config.models.dir, &config.asr).map_err(PipelineError::from)?;
        Self::with_asr(config, Arc::new(asr))
    }

    /// Like [`Replayer::load`] with a Whisper model loaded elsewhere (benchmarks compare models).
    pub fn with_asr(config: &Config, asr: Arc<AsrEngine>) -> Result<Self, ReplayError> {
        let mut config = config.clone();
        // A recording holds the caller alone: there is no echo of the bot to guard against, and the guard would
        // take a caller talking over a loud reply for echo.
        config.call.echo.enabled = false;
        let vad =
            VadModel::load(&vad::model_path(&config.models.dir)).map_err(PipelineError::from)?;
        let tts = TtsEngine::load(&config.models.dir, &config.tts).map_err(PipelineError::from)?;
        let model = nlu::default_model_path(&config.models.dir);
        let nlu = Nlu::load_or_train(&model, &config.nlu.data_dir)
            .map_err(|e| ReplayError::Dialogue(e.into()))?;
        let kb = KnowledgeBase::load(&config.dialogue.kb_path)
            .map_err(|e| ReplayError::Dialogue(e.into()))?;
        Ok(Self {
            asr,
            tts: Arc::new(tts),
            vad: Arc::new(vad),
            nlu,
            kb,
            config,
            record: None,
        })
    }

    /// Keeps every replayed call's interaction record (conversation and turns) in `store` too.
    pub fn record_to(mut self, store: Store) -> Self {
        self.record = Some(store);
        self
    }

    /// The Whisper model in use.
    pub fn asr_model(&self) -> &str {
        self.asr.model()
    }

    /// Replays one fixture and checks it.
    pub fn run(&self, fixture: &LoadedFixture) -> Result<Outcome, ReplayError> {
        let pcm = crate::audio::wav::read(&fixture.audio).map_err(|source| ReplayError::Audio {
            path: fixture.audio.clone(),
            source,
        })?;
        let caller = pcm
            .to_rate(SAMPLE_RATE)
            .map_err(|source| ReplayError::Audio {
                path: fixture.audio.clone(),
                source,
            })?;
        let store = Store::open_in_memory()?;
        seed::seed(&store, DEFAULT_SEED_DAY, false)?;
        let dialogue = DialogueEngine::new(store, self.nlu.clone(), self.kb.clone())?
            .with_clock(Arc::new(replay_clock));
        let engines = Engines::from_parts(
            Arc::clone(&self.asr),
            Arc::clone(&self.tts),
            Arc::clone(&self.vad),
            Arc::new(dialogue),
            &self.config,
        )?;
        let spec = CallSpec {
            channel: Channel::Replay,
            caller: fixture.fixture.caller.clone(),
            lang: fixture.lang,
        };
        let mut replayed = run::replay(&engines, fixture, &caller.samples, spec);
        if let (Some(target), Some(id)) = (&self.record, &replayed.log.conversation) {
            target.import_interaction(engines.dialogue().store(), id)?;
        }
        // The replay's shop is thrown away with its conversation; its id would only differ run to run.
        replayed.log.conversation = None;
        let failures = expect::check(&fixture.fixture.expect, &replayed.log);
        Ok(Outcome {
            fixture: fixture.name.clone(),
            description: fixture.fixture.description.clone(),
            checked: fixture.yaml.is_some(),
            passed: failures.is_empty(),
            failures,
            call: replayed.log,
            caller: replayed.caller,
            bot: replayed.bot,
        })
    }
}

/// The fixtures at `path`: one YAML or WAV file, or every `*.yaml` in a directory plus any `*.wav` without one,
/// sorted by name.
pub fn discover(path: &Path) -> Result<Vec<LoadedFixture>, ReplayError> {
    let is = |p: &Path, ext: &str| p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if !path.is_dir() {
        return Ok(vec![if is(path, "yaml") || is(path, "yml") {
            LoadedFixture::from_yaml(path)?
        } else {
            LoadedFixture::from_wav(path)?
        }]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| ReplayError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut fixtures = Vec::new();
    for file in &files {
        if is(file, "yaml") || is(file, "yml") {
            fixtures.push(LoadedFixture::from_yaml(file)?);
        }
    }
    for file in &files {
        let claimed = fixtures.iter().any(|f| f.audio == *file);
        if is(file, "wav") && !claimed {
            fixtures.push(LoadedFixture::from_wav(file)?);
        }
    }
    if fixtures.is_empty() {
        return Err(ReplayError::Empty(path.to_path_buf()));
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

/// Writes `<out>/<fixture>.wav` (stereo: caller left, bot right, as the caller heard it) and
/// `<out>/<fixture>.json` (verdict and call log).
pub fn write_outcome(outcome: &Outcome, out: &Path) -> Result<(), ReplayError> {
    let failed = |path: &Path, problem: String| ReplayError::Write {
        path: path.to_path_buf(),
        problem,
    };
    std::fs::create_dir_all(out).map_err(|e| failed(out, e.to_string()))?;
    let wav = out.join(format!("{}.wav", outcome.fixture));
    crate::audio::wav::write_stereo(&wav, &outcome.caller, &outcome.bot, SAMPLE_RATE)
        .map_err(|e| failed(&wav, e.to_string()))?;
    let json = out.join(format!("{}.json", outcome.fixture));
    let text = serde_json::to_string_pretty(outcome).map_err(|e| failed(&json, e.to_string()))?;
    std::fs::write(&json, text + "\n").map_err(|e| failed(&json, e.to_string()))?;
    Ok(())
}

/// The suite summary: one line per fixture with its turns, worst voice-to-voice latency and verdict.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut out = format!(
        "{:<28} {:>4} {:>5} {:>8}  {:<6} {}\n",
        "fixture", "lang", "turns", "v2v max", "result", "description / failures"
    );
    for o in outcomes {
        let worst = o
            .call
            .turns
            .iter()
            .filter_map(|t| t.latency.voice_to_voice_ms)
            .max()
            .map_or_else(|| "-".to_string(), |ms| format!("{ms} ms"));
        let verdict = match (o.checked, o.passed) {
            (false, _) => "logged",
            (true, true) => "PASS",
            (true, false) => "FAIL",
        };
        let lang = o.call.lang.map_or("-".to_string(), |l| l.to_string());
        out.push_str(&format!(
            "{:<28} {:>4} {:>5} {:>8}  {:<6} {}\n",
            o.fixture,
            lang,
            o.call.turns.len(),
            worst,
            verdict,
            o.description
        ));
        for f in &o.failures {
            out.push_str(&format!("{:<56}- {f}\n", ""));
        }
    }
    let checked = outcomes.iter().filter(|o| o.checked).count();
    let passed = outcomes.iter().filter(|o| o.checked && o.passed).count();
    out.push_str(&format!(
        "{} fixtures: {passed} passed, {} failed, {} without expectations\n",
        outcomes.len(),
        checked - passed,
        outcomes.len() - checked
    ));
    out
}
