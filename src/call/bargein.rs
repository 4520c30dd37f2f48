//! Barge-in: caller speech during playback pauses the bot; a short backchannel resumes it, anything more stops it.

use serde::{Deserialize, Serialize};

use super::protocol::{ReplyId, TurnId};

/// Barge-in settings (`[call.bargein]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BargeInConfig {
    /// Let the caller interrupt the bot (default on). Off: the caller is heard only once the bot is silent.
    pub enabled: bool,
    /// Speech longer than this is an interruption without waiting for its transcript (default 700 ms).
    pub backchannel_max_ms: u32,
    /// Silence that ends a possible backchannel while playback is paused; shorter than a turn's end silence
    /// because the bot is holding its breath (default 300 ms).
    pub end_silence_ms: u32,
    /// A short utterance whose transcript has not come this long after it ended is taken for a backchannel and
    /// playback resumes, so a slow recogniser never leaves the bot silent; real words still get their answer when
    /// the transcript comes (default 1000 ms).
    pub transcript_wait_ms: u32,
    /// Transcripts made only of these words resume playback (matched without case, spaces or punctuation;
    /// repeats and combinations such as "嗯嗯好的" or "yeah okay" count too).
    pub backchannels: Vec<String>,
}

impl Default for BargeInConfig {
    fn default() -> Self {
        let words = [
            // English backchannels and fillers
            "uh-huh", "mm", "mhm", "mm-hmm", "hmm", "uh", "um", "yeah", "ok", "okay", "right",
            "sure", "i see", // Mandarin
            "嗯", "嗯嗯", "嗯哼", "哦", "噢", "对", "好", "好的", "是", "是的", "啊", "呃",
        ];
        Self {
            enabled: true,
            backchannel_max_ms: 700,
            end_silence_ms: 300,
            transcript_wait_ms: 1000,
            backchannels: words.iter().map(|w| w.to_string()).collect(),
        }
    }
}

/// Recognises transcripts that are only backchannels or fillers.
#[derive(Debug, Clone)]
pub struct Backchannels {
    words: Vec<String>,
}

impl Backchannels {
    pub fn new(words: &[String]) -> Self {
        let mut words: Vec<String> = words
            .iter()
            .map(|w| normalize(w))
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        Self { words }
    }

    /// True if the text is one or more backchannel words and nothing else.
    pub fn matches(&self, text: &str) -> bool {
        let text = normalize(text);
        if text.is_empty() {
            return false;
        }
        // reachable[i]: text[..i] splits into backchannel words.
        let mut reachable = vec![false; text.len() + 1];
        reachable[0] = true;
        for i in 0..text.len() {
            if !reachable[i] {
                continue;
            }
            for word in &self.words {
                if text[i..].starts_with(word.as_str()) {
                    reachable[i + word.len()] = true;
                }
            }
        }
        reachable[text.len()]
    }
}

/// Lowercase letters and digits only: whisper writes "Uh-huh.", "Mm-hmm," or "嗯，好的。" as it likes.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A barge-in waiting to be judged: playback is paused while the caller's utterances since the pause are
/// heard out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BargeIn {
    /// The paused reply.
    pub reply: ReplyId,
    /// Utterances since the pause not yet judged (in speech or awaiting their transcript).
    outstanding: Vec<TurnId>,
}

impl BargeIn {
    pub fn new(reply: ReplyId, turn: TurnId) -> Self {
        Self {
            reply,
            outstanding: vec![turn],
        }
    }

    /// Another utterance started while paused.
    pub fn add(&mut self, turn: TurnId) {
        self.outstanding.push(turn);
    }

    /// True if the turn is one of this barge-in's utterances still being judged.
    pub fn involves(&self, turn: TurnId) -> bool {
        self.outstanding.contains(&turn)
    }

    /// The turn turned out to be a backchannel or noise; true when nothing is left to judge (time to resume).
    pub fn dismiss(&mut self, turn: TurnId) -> bool {
        self.outstanding.retain(|t| *t != turn);
        self.outstanding.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Backchannels {
        Backchannels::new(&BargeInConfig::default().backchannels)
    }

    #[test]
    fn backchannels_in_both_languages_match() {
        let b = defaults();
        for text in [
            "嗯",
            "嗯嗯。",
            "嗯，好的",
            "对对对",
            "是的是的",
            " Uh-huh. ",
            "Mm-hmm",
            "Yeah, okay.",
            "I see.",
        ] {
            assert!(b.matches(text), "{text}");
        }
    }

    #[test]
    fn real_words_do_not_match() {
        let b = defaults();
        for text in [
            "",
            "...",
            "no",
            "wait",
            "right now",
            "是不是",
            "我要退货",
            "okay but my order is late",
            "sure, 12345",
        ] {
            assert!(!b.matches(text), "{text}");
        }
    }

    #[test]
    fn barge_in_resumes_only_when_every_utterance_is_dismissed() {
        let mut b = BargeIn::new(ReplyId(1), TurnId(3));
        b.add(TurnId(4));
        assert!(b.involves(TurnId(4)));
        assert!(!b.dismiss(TurnId(3)));
        assert!(b.dismiss(TurnId(4)));
        assert!(!b.involves(TurnId(3)));
    }
}
