//! The `[call]` configuration section: one table per part of the call core, and the call timers.

use serde::{Deserialize, Serialize};

use super::bargein::BargeInConfig;
use super::dtmf::DtmfConfig;
use super::echo::EchoConfig;
use super::endpoint::EndpointConfig;
use super::transcript::TranscriptConfig;

/// Everything a [`CallSession`](super::CallSession) can be tuned with. See `kefu.toml` for a commented example.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallConfig {
    pub endpoint: EndpointConfig,
    pub bargein: BargeInConfig,
    pub echo: EchoConfig,
    pub dtmf: DtmfConfig,
    pub transcript: TranscriptConfig,
    pub timers: TimersConfig,
}

/// Call-level timers (`[call.timers]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimersConfig {
    /// Silence after the bot finished speaking before the dialogue is asked to reprompt (default 6000 ms).
    pub no_input_ms: u32,
    /// This many consecutive no-inputs end the call with a goodbye (default 3).
    pub max_no_inputs: u32,
    /// The bot ends the call with a goodbye after this long (default 900 s); not while a person has the call.
    pub max_call_secs: u32,
    /// The bot hangs up or hands over even if the final reply never finishes playing, this long after it
    /// was decided (default 30000 ms).
    pub closing_timeout_ms: u32,
}

impl Default for TimersConfig {
    fn default() -> Self {
        Self {
            no_input_ms: 6000,
            max_no_inputs: 3,
            max_call_secs: 900,
            closing_timeout_ms: 30_000,
        }
    }
}

/// A `[call]` setting out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid [call] setting {key}: {problem}")]
pub struct CallConfigError {
    pub key: &'static str,
    pub problem: String,
}

impl CallConfig {
    /// Checks the settings that would make the session misbehave (it never panics on them, but a probability
    /// of 7 or a 10-minute pre-roll is a typo worth reporting).
    pub fn validate(&self) -> Result<(), CallConfigError> {
        let e = &self.endpoint;
        let unit = |key: &'static str, v: f32| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(CallConfigError {
                    key,
                    problem: format!("{v} is not a probability between 0 and 1"),
                })
            }
        };
        unit("endpoint.speech_on", e.speech_on)?;
        unit("endpoint.speech_off", e.speech_off)?;
        unit("transcript.no_speech_prob", self.transcript.no_speech_prob)?;
        unit("transcript.min_confidence", self.transcript.min_confidence)?;
        if e.speech_off > e.speech_on {
            return Err(CallConfigError {
                key: "endpoint.speech_off",
                problem: format!(
                    "{} is above speech_on ({}); it must not be",
                    e.speech_off, e.speech_on
                ),
            });
        }
        let at_most = |key: &'static str, v: u32, max: u32| {
            if v <= max {
                Ok(())
            } else {
                Err(CallConfigError {
                    key,
                    problem: format!("{v} is more than the sensible maximum {max}"),
                })
            }
        };
        at_most("endpoint.pre_roll_ms", e.pre_roll_ms, 2000)?;
        at_most("endpoint.post_roll_ms", e.post_roll_ms, 2000)?;
        at_most("endpoint.onset_ms", e.onset_ms, 2000)?;
        at_most("endpoint.max_turn_ms", e.max_turn_ms, 120_000)?;
        at_most("echo.tail_ms", self.echo.tail_ms, 2000)?;
        if self.echo.min_threshold_db > self.echo.threshold_db {
            return Err(CallConfigError {
                key: "echo.min_threshold_db",
                problem: format!(
                    "{} dB is above threshold_db ({} dB); it must not be",
                    self.echo.min_threshold_db, self.echo.threshold_db
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml() {
        let config = CallConfig::default();
        config.validate().unwrap();
        let text = toml::to_string_pretty(&config).unwrap();
        assert_eq!(toml::from_str::<CallConfig>(&text).unwrap(), config);
    }

    #[test]
    fn bad_values_name_their_key() {
        let config: CallConfig =
            toml::from_str("[endpoint]\nspeech_on = 0.3\nspeech_off = 0.5\n").unwrap();
        assert_eq!(config.validate().unwrap_err().key, "endpoint.speech_off");
        let config: CallConfig = toml::from_str("[endpoint]\nspeech_on = 5.0\n").unwrap();
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("endpoint.speech_on")
        );
        let err = toml::from_str::<CallConfig>("[timers]\nno_input = 3\n").unwrap_err();
        assert!(err.to_string().contains("no_input"), "{err}");
    }
}
