//! Keypad input: `0` for a person, digit entry ended by `#` or a pause, `*` to start over.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// DTMF settings (`[call.dtmf]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DtmfConfig {
    /// A digit entry ends after this long without a key (default 3000 ms).
    pub inter_digit_timeout_ms: u32,
    /// `0`, when no digits are being collected, hands the call to a person (default on).
    pub zero_escalates: bool,
    /// An entry ends by itself at this many digits (default 32).
    pub max_digits: usize,
}

impl Default for DtmfConfig {
    fn default() -> Self {
        Self {
            inter_digit_timeout_ms: 3000,
            zero_escalates: true,
            max_digits: 32,
        }
    }
}

/// What a key press means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOutcome {
    /// `0` outside digit entry: the caller wants a person.
    Escalate,
    /// A digit was added; the entry goes on.
    Collecting,
    /// `*` cleared the digits so far.
    Cleared,
    /// The entry is complete.
    Entered(String),
    /// The key means nothing here (`#` or `*` with nothing typed, `A`–`D`).
    Ignored,
}

/// Collects a digit entry.
#[derive(Debug)]
pub struct DigitEntry {
    config: DtmfConfig,
    digits: String,
    deadline: Option<Instant>,
}

impl DigitEntry {
    pub fn new(config: &DtmfConfig) -> Self {
        Self {
            config: config.clone(),
            digits: String::new(),
            deadline: None,
        }
    }

    /// True while digits have been typed and not yet handed over.
    pub fn is_collecting(&self) -> bool {
        !self.digits.is_empty()
    }

    /// When the entry ends by itself, if digits are pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Handles a key. `expecting_digits` is true when the bot asked for a number, so `0` is a digit.
    pub fn press(&mut self, key: char, now: Instant, expecting_digits: bool) -> KeyOutcome {
        match key {
            '0' if self.config.zero_escalates && self.digits.is_empty() && !expecting_digits => {
                KeyOutcome::Escalate
            }
            '0'..='9' => {
                self.digits.push(key);
                if self.digits.chars().count() >= self.config.max_digits {
                    return self.finish();
                }
                self.deadline = now.checked_add(Duration::from_millis(u64::from(
                    self.config.inter_digit_timeout_ms,
                )));
                KeyOutcome::Collecting
            }
            '#' if self.is_collecting() => self.finish(),
            '*' if self.is_collecting() => {
                self.clear();
                KeyOutcome::Cleared
            }
            _ => KeyOutcome::Ignored,
        }
    }

    /// The entry if its inter-digit timeout has passed.
    pub fn expire(&mut self, now: Instant) -> Option<String> {
        match self.deadline {
            Some(deadline) if now >= deadline => match self.finish() {
                KeyOutcome::Entered(digits) => Some(digits),
                _ => None,
            },
            _ => None,
        }
    }

    /// Drops any digits typed.
    pub fn clear(&mut self) {
        self.digits.clear();
        self.deadline = None;
    }

    fn finish(&mut self) -> KeyOutcome {
        self.deadline = None;
        KeyOutcome::Entered(std::mem::take(&mut self.digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_escalates_only_outside_digit_entry() {
        let now = Instant::now();
        let mut entry = DigitEntry::new(&DtmfConfig::default());
        assert_eq!(entry.press('0', now, false), KeyOutcome::Escalate);
        assert_eq!(entry.press('0', now, true), KeyOutcome::Collecting);
        assert_eq!(
            entry.press('0', now, false),
            KeyOutcome::Collecting,
            "0 inside an entry is a digit"
        );
        assert_eq!(
            entry.press('#', now, false),
            KeyOutcome::Entered("00".into())
        );
    }

    #[test]
    fn star_clears_and_hash_alone_is_ignored() {
        let now = Instant::now();
        let mut entry = DigitEntry::new(&DtmfConfig::default());
        assert_eq!(entry.press('#', now, true), KeyOutcome::Ignored);
        entry.press('5', now, true);
        assert_eq!(entry.press('*', now, true), KeyOutcome::Cleared);
        assert!(!entry.is_collecting());
        assert_eq!(entry.deadline(), None);
        assert_eq!(entry.press('*', now, true), KeyOutcome::Ignored);
    }

    #[test]
    fn entry_expires_after_the_inter_digit_timeout() {
        let t0 = Instant::now();
        let mut entry = DigitEntry::new(&DtmfConfig::default());
        entry.press('4', t0, true);
        entry.press('2', t0 + Duration::from_secs(2), true);
        assert_eq!(entry.expire(t0 + Duration::from_millis(4999)), None);
        assert_eq!(entry.expire(t0 + Duration::from_secs(5)), Some("42".into()));
        assert_eq!(entry.deadline(), None);
    }

    #[test]
    fn entry_ends_by_itself_at_the_maximum_length() {
        let now = Instant::now();
        let mut entry = DigitEntry::new(&DtmfConfig {
            max_digits: 3,
            ..DtmfConfig::default()
        });
        entry.press('1', now, true);
        entry.press('2', now, true);
        assert_eq!(
            entry.press('3', now, true),
            KeyOutcome::Entered("123".into())
        );
    }
}
