//! Judging transcripts: whether one holds speech at all, and which language the call is in.

use serde::{Deserialize, Serialize};

use crate::dialogue::nlu::spoken_digits::{DigitRun, digit_runs, homophone_readings};
use crate::lang::{Lang, is_cjk};

/// Transcript settings (`[call.transcript]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscriptConfig {
    /// With `min_confidence`, Whisper's own silence rule: a transcript with `no_speech_prob` at or above this
    /// and confidence below `min_confidence` is noise (default 0.6).
    pub no_speech_prob: f32,
    /// Default 0.37 (≈ exp(−1), i.e. an average log-probability of −1).
    pub min_confidence: f32,
    /// When the language is not fixed, the caller switches language with a transcript of at least this many
    /// words in the other language (a Chinese character counts as a word; default 3).
    pub switch_min_words: usize,
}

impl Default for TranscriptConfig {
    fn default() -> Self {
        Self {
            no_speech_prob: 0.6,
            min_confidence: 0.37,
            switch_min_words: 3,
        }
    }
}

impl TranscriptConfig {
    /// False for an empty transcript or one Whisper itself would call silence.
    pub fn holds_speech(&self, text: &str, confidence: f32, no_speech_prob: f32) -> bool {
        let has_words = text.chars().any(char::is_alphanumeric);
        let silence = no_speech_prob >= self.no_speech_prob && confidence < self.min_confidence;
        has_words && !silence
    }
}

/// Words after which nobody stops: a transcript ending in one was cut in a pause, whatever its punctuation.
const CONTINUES: &[&str] = &[
    "and", "or", "but", "so", "because", "the", "a", "an", "my", "your", "to", "of", "for", "with",
    "is", "was", "that", "if", "then", "like", "um", "uh", "er", "i", "it's", "its",
];
const CONTINUES_ZH: &[char] = &[
    '和', '但', '因', '所', '的', '然', '就', '呃', '嗯', '那', '还', '跟', '是', '个', '号',
];

/// True if a transcript reads as a finished sentence: it ends in sentence punctuation, has at least two words
/// (or Chinese characters), and its last word is not one a speaker pauses after mid-sentence.
pub fn reads_complete(text: &str) -> bool {
    let text = text.trim();
    if !text.ends_with(['.', '?', '!', '。', '？', '！'])
        || text.ends_with("...")
        || text.ends_with('…')
    {
        return false;
    }
    let body = text.trim_end_matches(['.', '?', '!', '。', '？', '！']);
    let cjk: Vec<char> = body.chars().filter(|&c| is_cjk(c)).collect();
    if let Some(&last) = cjk.last()
        && body.ends_with(last)
    {
        return cjk.len() >= 2 && !CONTINUES_ZH.contains(&last);
    }
    let words: Vec<String> = body
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 2
        && words
            .last()
            .is_some_and(|w| !CONTINUES.contains(&w.as_str()))
}

/// True if a transcript holds a run of at least `whole` digits, written or spoken ("2024 1234.",
/// "two zero two four one two three four.", 二零二四…。, "too 0245678."), and Whisper ended it as a sentence:
/// a pause between digit groups it leaves open ("2 0 2 4 1 2"), and a decoder that invents digits in such a
/// pause ("2 0 2 4 1 2 1 2" for "two zero two four one two") rarely closes the sentence. `whole` 0 never does.
pub fn holds_whole_number(text: &str, whole: u8) -> bool {
    let long_enough =
        |runs: Vec<DigitRun>| runs.iter().any(|r| r.digits.len() >= usize::from(whole));
    whole > 0
        && text.trim_end().ends_with(['.', '?', '!', '。', '？', '！'])
        && (long_enough(digit_runs(text)) || long_enough(homophone_readings(text)))
}

/// The call's language: fixed, or taken from the first transcript and kept unless the caller clearly switches.
#[derive(Debug, Clone)]
pub struct LanguagePicker {
    fixed: bool,
    current: Option<Lang>,
    switch_min_words: usize,
}

impl LanguagePicker {
    /// `fixed`: the language is known (config or door) and never changes.
    pub fn new(fixed: Option<Lang>, config: &TranscriptConfig) -> Self {
        Self {
            fixed: fixed.is_some(),
            current: fixed,
            switch_min_words: config.switch_min_words,
        }
    }

    /// The call's language, once known.
    pub fn current(&self) -> Option<Lang> {
        self.current
    }

    /// Takes a transcript; returns the language the turn is in, and true if the call's language changed.
    pub fn observe(&mut self, asr_lang: Lang, text: &str) -> (Lang, bool) {
        // The script of the text is firmer evidence than Whisper's language tag on a short utterance.
        let heard = Lang::detect(text).unwrap_or(asr_lang);
        match self.current {
            Some(current) if self.fixed || heard == current => (current, false),
            Some(current) if heard != asr_lang || word_count(text) < self.switch_min_words => {
                (current, false)
            }
            _ => {
                self.current = Some(heard);
                (heard, true)
            }
        }
    }
}

/// Words, counting each Chinese character as one.
fn word_count(text: &str) -> usize {
    let cjk = text.chars().filter(|&c| is_cjk(c)).count();
    let latin = text
        .split(|c: char| c.is_whitespace() || is_cjk(c))
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .count();
    cjk + latin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_sentences_are_told_from_pauses() {
        assert!(reads_complete("Where is my order 20241234?"));
        assert!(reads_complete("我的订单到哪了？"));
        assert!(reads_complete("Yes, please."));
        assert!(reads_complete("I want to check my order."));
        assert!(!reads_complete("I ordered a phone and."));
        assert!(!reads_complete("I'd like to return the"));
        assert!(!reads_complete("So the thing is..."));
        assert!(!reads_complete("Yes."));
        assert!(!reads_complete("我想查一下我的订单号是。"));
        assert!(!reads_complete("嗯。"));
    }

    #[test]
    fn whisper_silence_rule_and_empty_text() {
        let c = TranscriptConfig::default();
        assert!(c.holds_speech("hello", 0.8, 0.1));
        assert!(!c.holds_speech(" . ", 0.9, 0.0));
        assert!(!c.holds_speech("Thank you.", 0.2, 0.9));
        assert!(
            c.holds_speech("Thank you.", 0.8, 0.9),
            "confident speech stays"
        );
    }

    #[test]
    fn first_transcript_sets_the_language_then_it_sticks() {
        let mut picker = LanguagePicker::new(None, &TranscriptConfig::default());
        assert_eq!(picker.observe(Lang::Zh, "我想查订单"), (Lang::Zh, true));
        assert_eq!(
            picker.observe(Lang::En, "OK"),
            (Lang::Zh, false),
            "one word is no switch"
        );
        assert_eq!(
            picker.observe(Lang::En, "嗯嗯好的"),
            (Lang::Zh, false),
            "tag disagrees with the script"
        );
        assert_eq!(
            picker.observe(Lang::En, "can you speak English please"),
            (Lang::En, true)
        );
        assert_eq!(picker.current(), Some(Lang::En));
    }

    #[test]
    fn fixed_language_never_changes() {
        let mut picker = LanguagePicker::new(Some(Lang::En), &TranscriptConfig::default());
        assert_eq!(
            picker.observe(Lang::Zh, "我想查一下我的订单"),
            (Lang::En, false)
        );
    }

    #[test]
    fn counts_chinese_characters_as_words() {
        assert_eq!(word_count("我的 iPhone 坏了"), 5);
        assert_eq!(word_count("12345"), 0);
    }
}
