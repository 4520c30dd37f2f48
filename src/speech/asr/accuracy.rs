//! Scoring transcripts against what was said: the edit distance behind word and character error rates, and the
//! plain words a comparison starts from. Used by `kefu bench asr-takes` and the accuracy tests.

/// Edits (substitutions, insertions, deletions) turning `reference` into `hypothesis`: words for a word error
/// rate, characters for a character error rate.
pub fn edit_distance<T: PartialEq>(reference: &[T], hypothesis: &[T]) -> usize {
    let mut row: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let substitution = diagonal + usize::from(r != h);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[hypothesis.len()]
}

/// Lower-case words without punctuation (apostrophes inside words kept, hyphens split words).
pub fn plain_words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits_of_words_and_characters() {
        let w = plain_words;
        assert_eq!(edit_distance(&w("a b c"), &w("A, b; c!")), 0);
        assert_eq!(edit_distance(&w("a b c"), &w("a x c")), 1);
        assert_eq!(edit_distance(&w("a b c"), &w("a c")), 1);
        assert_eq!(edit_distance(&w("a b c"), &w("a b c d e")), 2);
        assert_eq!(edit_distance::<String>(&w("a b c"), &[]), 3);
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars("发货"), &chars("发火")), 1);
        assert_eq!(w("'Don't' ill-disposed"), ["don't", "ill", "disposed"]);
    }
}
