//! Piper's text → phoneme-id step: espeak-ng IPA clauses to the id sequence a Piper (VITS) voice reads.
//!
//! Follows piper-phonemize: each clause's phonemes, then its punctuation (`,` `:` `;` followed by a space), each
//! symbol followed by the pad id, between a beginning-of-sentence id and the pad, and the end-of-sentence id:
//! `^ _ p₁ _ p₂ _ … pₙ _ $`. Symbols the voice does not know are skipped (and reported).
//!
//! One addition, the lookahead: a VITS voice renders the release of a consonant in the frames after it, and the
//! last frames of its input as the fading end of an utterance, so a sentence-final stop came out unreleased —
//! "shipped." lost the burst of its /t/ and Whisper heard "shit" (also "damaged" → "damage"). With [`LOOKAHEAD`]
//! (a pause) after the sentence the final consonant is released; the audio is then cut where the model's own
//! alignment says the first word gap of the lookahead ends ([`PhonemeIds::spoken`]), so the sentence keeps the
//! short pause the voice makes after it. (Cutting right after the final punctuation and appending digital
//! silence instead made Whisper hear "shit" again when the next sentence followed.)

use std::collections::HashMap;

use super::espeak::IpaClause;

/// Symbols after a sentence that give its last consonant frames to be released in: word gaps and periods,
/// which the voice renders as a pause.
pub const LOOKAHEAD: &str = "  ....";

const PAD: char = '_';
const BOS: char = '^';
const EOS: char = '$';
const WORD_GAP: char = ' ';

/// A voice's `phoneme_id_map`: phoneme symbol → model input ids.
#[derive(Debug, Clone)]
pub struct PhonemeIdMap {
    ids: HashMap<char, Vec<i64>>,
}

/// The ids for one utterance and the symbols that had to be skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonemeIds {
    pub ids: Vec<i64>,
    /// How many of `ids` to keep the audio of: the sentence and the first word gap after it (the rest is
    /// lookahead and the end id).
    pub spoken: usize,
    pub unknown: Vec<char>,
}

impl PhonemeIdMap {
    /// Reads `phoneme_id_map` from a Piper voice config (`model.onnx.json`); it must have the pad, BOS, EOS and
    /// word-gap symbols.
    pub fn from_voice_config(config: &serde_json::Value) -> Result<Self, String> {
        let map = config["phoneme_id_map"]
            .as_object()
            .ok_or("phoneme_id_map missing")?;
        let mut ids = HashMap::with_capacity(map.len());
        for (symbol, value) in map {
            let mut chars = symbol.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return Err(format!("phoneme symbol {symbol:?} is not one character"));
            };
            let list = value
                .as_array()
                .map(|a| a.iter().map(serde_json::Value::as_i64).collect())
                .unwrap_or(None)
                .filter(|l: &Vec<i64>| !l.is_empty())
                .ok_or_else(|| format!("phoneme {symbol:?} has no ids"))?;
            ids.insert(c, list);
        }
        for needed in [PAD, BOS, EOS, WORD_GAP] {
            if !ids.contains_key(&needed) {
                return Err(format!("phoneme_id_map lacks the symbol {needed:?}"));
            }
        }
        Ok(Self { ids })
    }

    /// The ids of one utterance, followed by [`LOOKAHEAD`] if `lookahead`; empty if no clause has a phoneme.
    pub fn utterance(&self, clauses: &[IpaClause], lookahead: bool) -> PhonemeIds {
        let mut symbols: Vec<char> = Vec::new();
        for (i, clause) in clauses.iter().enumerate() {
            if i > 0 && symbols.last().is_some_and(|&c| c != WORD_GAP) {
                symbols.push(WORD_GAP);
            }
            symbols.extend(clause.phonemes.chars());
            if let Some(p) = clause.punctuation {
                symbols.push(p);
            }
        }
        let mut out = PhonemeIds {
            ids: Vec::with_capacity(symbols.len() * 2 + LOOKAHEAD.len() * 2 + 3),
            spoken: 0,
            unknown: Vec::new(),
        };
        if symbols.iter().all(|&c| c == WORD_GAP) {
            return out;
        }
        self.push(&mut out.ids, BOS);
        self.push(&mut out.ids, PAD);
        for symbol in symbols {
            match self.ids.get(&symbol) {
                Some(ids) => {
                    out.ids.extend(ids);
                    self.push(&mut out.ids, PAD);
                }
                None => out.unknown.push(symbol),
            }
        }
        out.spoken = out.ids.len();
        if lookahead {
            for (i, symbol) in LOOKAHEAD.chars().enumerate() {
                self.push(&mut out.ids, symbol);
                self.push(&mut out.ids, PAD);
                if i == 0 {
                    out.spoken = out.ids.len();
                }
            }
        }
        self.push(&mut out.ids, EOS);
        out
    }

    fn push(&self, ids: &mut Vec<i64>, symbol: char) {
        if let Some(known) = self.ids.get(&symbol) {
            ids.extend(known);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> PhonemeIdMap {
        PhonemeIdMap::from_voice_config(&serde_json::json!({"phoneme_id_map": {
            "_": [0], "^": [1], "$": [2], " ": [3], ",": [8], ".": [10],
            "h": [20], "a": [14], "ɪ": [74]
        }}))
        .unwrap()
    }

    fn clause(phonemes: &str, punctuation: Option<char>) -> IpaClause {
        IpaClause {
            phonemes: phonemes.into(),
            punctuation,
        }
    }

    #[test]
    fn follows_piper_layout_with_pads_between_symbols() {
        let ids = map().utterance(&[clause("haɪ", Some('.'))], false);
        assert_eq!(ids.ids, [1, 0, 20, 0, 14, 0, 74, 0, 10, 0, 2]);
        assert_eq!(ids.spoken, 10);
        assert!(ids.unknown.is_empty());
    }

    #[test]
    fn clauses_are_joined_after_their_punctuation_and_the_lookahead_follows() {
        let ids = map().utterance(&[clause("ha", Some(',')), clause("hɪ", Some('.'))], true);
        let sentence_and_gap = [1, 0, 20, 0, 14, 0, 8, 0, 3, 0, 20, 0, 74, 0, 10, 0, 3, 0];
        assert_eq!(ids.ids[..ids.spoken], sentence_and_gap);
        assert_eq!(ids.ids[ids.spoken..], [3, 0, 10, 0, 10, 0, 10, 0, 10, 0, 2]);
    }

    #[test]
    fn unknown_symbols_are_skipped_and_reported() {
        let ids = map().utterance(&[clause("hæ", None)], false);
        assert_eq!(ids.ids, [1, 0, 20, 0, 2]);
        assert_eq!(ids.unknown, ['æ']);
        assert!(map().utterance(&[clause(" ", None)], true).ids.is_empty());
    }

    #[test]
    fn a_map_without_the_special_symbols_is_rejected() {
        let err =
            PhonemeIdMap::from_voice_config(&serde_json::json!({"phoneme_id_map": {"a": [1]}}))
                .unwrap_err();
        assert!(err.contains("lacks"), "{err}");
        assert!(PhonemeIdMap::from_voice_config(&serde_json::json!({})).is_err());
    }
}
