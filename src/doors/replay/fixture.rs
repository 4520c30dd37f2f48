//! A replay fixture: the caller's recording plus a YAML file saying how to replay it and what must happen.
//! The format is documented in `audio-fixtures/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Lang;

use super::ReplayError;

/// One fixture, as read from its YAML file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Shown in the suite summary.
    #[serde(default)]
    pub description: String,
    /// The caller's recording, relative to the YAML file (default: the `.wav` with the same stem).
    #[serde(default)]
    pub audio: Option<PathBuf>,
    /// `en`, `zh` or `auto` (default).
    #[serde(default)]
    pub lang: Option<String>,
    /// The caller's number.
    #[serde(default)]
    pub caller: Option<String>,
    #[serde(default)]
    pub dtmf: Vec<KeyPresses>,
    /// `end` (default): the caller hangs up when the recording is over and the bot has finished; or seconds.
    #[serde(default)]
    pub hangup: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub expect: Expectations,
}

/// Keys pressed from `at` seconds into the recording, 200 ms apart.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPresses {
    pub at: f64,
    pub digits: String,
}

/// What must happen in the call.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub turns: Vec<TurnExpectation>,
    #[serde(default)]
    pub turn_count: Option<usize>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub not_events: Vec<String>,
    #[serde(default)]
    pub end: Option<String>,
}

/// Checks on one caller turn (all optional).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnExpectation {
    /// `text` (spoken or typed), `digits` or `no_input`.
    #[serde(default)]
    pub input: Option<String>,
    #[serde(default)]
    pub said: Vec<String>,
    #[serde(default)]
    pub intent: Option<String>,
    #[serde(default)]
    pub entities: BTreeMap<String, String>,
    #[serde(default)]
    pub reply: Vec<String>,
}

/// When the caller hangs up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hangup {
    /// When the recording is over and the bot has nothing more to say.
    AtEnd,
    /// At this many seconds into the call.
    At(f64),
}

/// A fixture ready to run: its parsed YAML and where its files are.
#[derive(Debug, Clone)]
pub struct LoadedFixture {
    pub name: String,
    pub yaml: Option<PathBuf>,
    pub audio: PathBuf,
    pub fixture: Fixture,
    pub lang: Option<Lang>,
    pub hangup: Hangup,
}

impl LoadedFixture {
    /// Reads a fixture from its YAML file.
    pub fn from_yaml(path: &Path) -> Result<Self, ReplayError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let fixture: Fixture =
            serde_yaml_ng::from_str(&text).map_err(|e| ReplayError::Fixture {
                path: path.to_path_buf(),
                problem: e.to_string(),
            })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let audio = match &fixture.audio {
            Some(a) => dir.join(a),
            None => path.with_extension("wav"),
        };
        Self::new(stem(path), Some(path.to_path_buf()), audio, fixture)
    }

    /// A bare recording with no expectations (replayed and logged, never failed).
    pub fn from_wav(path: &Path) -> Result<Self, ReplayError> {
        Self::new(stem(path), None, path.to_path_buf(), Fixture::default())
    }

    fn new(
        name: String,
        yaml: Option<PathBuf>,
        audio: PathBuf,
        fixture: Fixture,
    ) -> Result<Self, ReplayError> {
        let bad = |problem: String| ReplayError::Fixture {
            path: yaml.clone().unwrap_or_else(|| audio.clone()),
            problem,
        };
        let lang = match fixture.lang.as_deref().map(str::trim) {
            None | Some("auto") => None,
            Some(l) => Some(
                l.parse::<Lang>()
                    .map_err(|_| bad(format!("lang {l:?} is not en, zh or auto")))?,
            ),
        };
        let hangup = match &fixture.hangup {
            None => Hangup::AtEnd,
            Some(serde_yaml_ng::Value::String(s)) if s == "end" => Hangup::AtEnd,
            Some(v) => match v.as_f64() {
                Some(secs) if secs > 0.0 && secs.is_finite() => Hangup::At(secs),
                _ => {
                    return Err(bad(format!(
                        "hangup {v:?} is neither `end` nor a positive number of seconds"
                    )));
                }
            },
        };
        for press in &fixture.dtmf {
            if let Some(bad_key) = press.digits.chars().find(|c| !"0123456789*#".contains(*c)) {
                return Err(bad(format!("dtmf key {bad_key:?} is not 0-9, * or #")));
            }
            if !(press.at >= 0.0 && press.at.is_finite()) {
                return Err(bad(format!(
                    "dtmf time {} is not a time in the recording",
                    press.at
                )));
            }
        }
        Ok(Self {
            name,
            yaml,
            audio,
            fixture,
            lang,
            hangup,
        })
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
