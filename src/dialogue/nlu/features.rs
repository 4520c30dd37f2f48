//! Feature strings of an utterance: character n-grams and word uni/bigrams of the normalised text.
//!
//! Chinese runs give character 1–3-grams across word boundaries (segmentation errors then cost little);
//! Latin words give 2–4-grams of the word padded with `<` and `>` (robust to ASR spelling slips and
//! inflection). Words come from jieba or whitespace; bigrams include the sentence start `^` and end `$`.

use super::text::{ScriptRun, script_runs, words};

/// Feature strings of a normalised text, with repeats (the caller counts term frequency).
pub fn extract(normalized: &str) -> Vec<String> {
    let mut features = Vec::new();
    for run in script_runs(normalized) {
        match run {
            ScriptRun::Cjk(s) => {
                let chars: Vec<char> = s.chars().collect();
                push_char_ngrams(&mut features, 'z', &chars, 1, 3);
            }
            ScriptRun::Word(w) => {
                let chars: Vec<char> = std::iter::once('<')
                    .chain(w.chars())
                    .chain(std::iter::once('>'))
                    .collect();
                push_char_ngrams(&mut features, 'e', &chars, 2, 4);
            }
        }
    }
    let words = words(normalized);
    for w in &words {
        features.push(format!("w:{w}"));
    }
    let padded: Vec<&str> = std::iter::once("^")
        .chain(words.iter().copied())
        .chain(std::iter::once("$"))
        .collect();
    for pair in padded.windows(2) {
        features.push(format!("b:{}|{}", pair[0], pair[1]));
    }
    features
}

fn push_char_ngrams(features: &mut Vec<String>, tag: char, chars: &[char], min: usize, max: usize) {
    for n in min..=max {
        for gram in chars.windows(n) {
            let mut f = String::with_capacity(2 + 4 * n);
            f.push(tag);
            f.push(':');
            f.extend(gram);
            features.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_features_are_padded_char_ngrams_and_words() {
        let f = extract("my order");
        for expected in [
            "e:<m",
            "e:my>",
            "e:<my>",
            "e:<ord",
            "e:der>",
            "w:my",
            "w:order",
            "b:^|my",
            "b:my|order",
            "b:order|$",
        ] {
            assert!(
                f.iter().any(|x| x == expected),
                "missing {expected} in {f:?}"
            );
        }
        // 2–4-grams stay within a word.
        assert!(
            !f.iter().any(|x| x.contains("y o") || x.contains("y>o")),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x == "e:m"), "no unigrams for English");
    }

    #[test]
    fn chinese_features_are_char_1_to_3_grams_and_jieba_words() {
        let f = extract("取消订单");
        for expected in [
            "z:取",
            "z:取消",
            "z:消订单",
            "w:取消",
            "w:订单",
            "b:取消|订单",
        ] {
            assert!(
                f.iter().any(|x| x == expected),
                "missing {expected} in {f:?}"
            );
        }
        assert!(!f.iter().any(|x| x == "z:取消订单"), "no 4-grams");
    }

    #[test]
    fn empty_text_has_only_the_boundary_bigram() {
        assert_eq!(extract(""), ["b:^|$"]);
    }
}
