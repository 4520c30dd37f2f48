//! Digit sequences as people say or write them: "1 2 3", "one two three", "oh", "double seven",
//! 一二三、幺、两, with spaces, commas, dashes and fillers ("uh", 呃) between the digits.

use std::ops::Range;

use crate::lang::Lang;

/// A run of digits found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitRun {
    /// Byte range in the text, from the first digit (or digit word) to the last.
    pub span: Range<usize>,
    /// The digits, ASCII.
    pub digits: String,
    /// True if at least one digit was spoken as a word or a Chinese numeral.
    pub spoken: bool,
    /// True if separators (spaces, dashes, parentheses) split the run, as in "138 1234 5678".
    pub grouped: bool,
}

/// Spoken runs shorter than this are left alone ("one", "两三天" are not digit strings).
const MIN_SPOKEN_DIGITS: usize = 3;

/// Finds every maximal digit run in `text`.
pub fn digit_runs(text: &str) -> Vec<DigitRun> {
    scan(text, false)
}

/// Shortest run read with homophones: order and phone numbers are this long; "9 to 5" is not one.
const MIN_HOMOPHONE_RUN: usize = 6;

/// Digit runs as they may have been said: speech recognition writes "two" as "to" or "too" and "four" as
/// "for" next to digits ("my order to 0, 2, 4, 1…", "it's too zero to four…"). Returns the runs such words
/// change when they count as digits, if at least [`MIN_HOMOPHONE_RUN`] long. A reading to weigh (is that
/// order in the shop?), not to trust.
pub fn homophone_readings(text: &str) -> Vec<DigitRun> {
    let plain = digit_runs(text);
    scan(text, true)
        .into_iter()
        .filter(|r| r.digits.len() >= MIN_HOMOPHONE_RUN && !plain.iter().any(|p| p.span == r.span))
        .collect()
}

fn scan(text: &str, homophones: bool) -> Vec<DigitRun> {
    let mut runs = Vec::new();
    let mut current: Option<DigitRun> = None;
    // Multiplier from "double"/"triple" waiting for its digit, with where it started.
    let mut pending_repeat: Option<(usize, usize)> = None;
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let Some(c) = rest.chars().next() else { break };
        if c.is_ascii_alphabetic() {
            let word_len = rest
                .find(|ch: char| !ch.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let word = rest[..word_len].to_ascii_lowercase();
            if let Some(times) = repeat_word(&word) {
                pending_repeat = Some((times, pos));
            } else if let Some(d) = digit_word(&word) {
                let (times, start) = pending_repeat.take().map_or((1, pos), |(t, s)| (t, s));
                push_digit(&mut current, start, pos + word_len, d, times, true);
            } else if let Some(d) = homophone_digit(&word).filter(|_| homophones)
                && (current.is_some() || digit_follows(&rest[word_len..]))
            {
                push_digit(&mut current, pos, pos + word_len, d, 1, true);
            } else if !is_filler(&word) {
                pending_repeat = None;
                finish(&mut current, &mut runs);
            }
            pos += word_len;
            continue;
        }
        let len = c.len_utf8();
        if let Some(d) = ascii_or_fullwidth_digit(c) {
            let (times, start) = pending_repeat.take().map_or((1, pos), |(t, s)| (t, s));
            push_digit(&mut current, start, pos + len, d, times, false);
        } else if let Some(d) = chinese_digit(c) {
            push_digit(&mut current, pos, pos + len, d, 1, true);
        } else if is_separator(c) || is_group_break(c, &rest[len..], current.as_ref()) {
            if let Some(run) = current.as_mut() {
                run.grouped |= matches!(c, ' ' | '-' | '(' | ')' | '\u{3000}');
            }
        } else {
            pending_repeat = None;
            finish(&mut current, &mut runs);
        }
        pos += len;
    }
    finish(&mut current, &mut runs);
    runs
}

/// Rewrites spoken digit sequences as digits: "one two three four" → "1234", "幺三八" → "138",
/// "double seven oh" → "770". Runs of written digits split by spaces are joined too ("138 1234" → "1381234").
/// Isolated number words ("one of them", "两三天") are left alone. `lang` is accepted for symmetry with the
/// other text functions; both languages' digit words are recognised in any text.
pub fn normalize_spoken_digits(text: &str, _lang: Lang) -> String {
    // A number heard with "to" for "two" is still a number, not words to classify.
    let mut runs = homophone_readings(text);
    let plain: Vec<DigitRun> = digit_runs(text)
        .into_iter()
        .filter(|p| !runs.iter().any(|r| overlap(&r.span, &p.span)))
        .collect();
    runs.extend(plain);
    runs.sort_by_key(|r| r.span.start);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for run in runs {
        if run.spoken && run.digits.len() < MIN_SPOKEN_DIGITS {
            continue;
        }
        out.push_str(&text[last..run.span.start]);
        out.push_str(&run.digits);
        last = run.span.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether two byte ranges share a byte.
pub(crate) fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn push_digit(
    current: &mut Option<DigitRun>,
    start: usize,
    end: usize,
    d: char,
    times: usize,
    spoken: bool,
) {
    let run = current.get_or_insert_with(|| DigitRun {
        span: start..end,
        digits: String::new(),
        spoken: false,
        grouped: false,
    });
    run.span.end = end;
    run.spoken |= spoken;
    for _ in 0..times {
        run.digits.push(d);
    }
}

fn finish(current: &mut Option<DigitRun>, runs: &mut Vec<DigitRun>) {
    if let Some(run) = current.take() {
        runs.push(run);
    }
}

fn digit_word(word: &str) -> Option<char> {
    Some(match word {
        "zero" | "oh" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        _ => return None,
    })
}

/// Words speech recognition writes for a digit said on its own.
fn homophone_digit(word: &str) -> Option<char> {
    match word {
        "to" | "too" => Some('2'),
        "for" => Some('4'),
        _ => None,
    }
}

/// Whether the next thing after separators is a digit, written or spoken.
fn digit_follows(rest: &str) -> bool {
    let rest = rest.trim_start_matches(is_separator);
    let word: String = rest
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    rest.starts_with(|c: char| ascii_or_fullwidth_digit(c).is_some()) || digit_word(&word).is_some()
}

fn repeat_word(word: &str) -> Option<usize> {
    match word {
        "double" => Some(2),
        "triple" => Some(3),
        _ => None,
    }
}

/// Hesitations people put between digits; they do not end a run.
fn is_filler(word: &str) -> bool {
    matches!(word, "uh" | "um" | "er" | "erm" | "hmm")
}

fn ascii_or_fullwidth_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// Chinese digit characters as read in digit strings (phone and order numbers): 幺 is 1, 两 is 2.
pub(crate) fn chinese_digit(c: char) -> Option<char> {
    Some(match c {
        '零' | '〇' => '0',
        '一' | '幺' => '1',
        '二' | '两' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => return None,
    })
}

/// Digits per group callers pause after ("two zero two four, one two three four"), which Whisper sometimes
/// writes as two sentences ("2024? 1 2 3 4").
const MAX_GROUP_DIGITS: usize = 5;

/// Sentence punctuation inside a number: after a short group of digits and before more text (never a decimal
/// point, which has no space after it).
fn is_group_break(c: char, after: &str, run: Option<&DigitRun>) -> bool {
    let short_group = run.is_some_and(|r| r.digits.len() <= MAX_GROUP_DIGITS);
    let sentence_end = match c {
        '?' | '.' => after.starts_with(char::is_whitespace),
        '？' | '。' => true,
        _ => false,
    };
    short_group && sentence_end
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | ',' | '-' | '(' | ')' | '、' | '，' | '\u{3000}' | '…' | '呃' | '嗯' | '－'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homophones_next_to_digits_read_as_digits_only_when_asked() {
        let read = |text: &str| -> Vec<String> {
            homophone_readings(text)
                .into_iter()
                .map(|r| r.digits)
                .collect()
        };
        assert_eq!(
            read("Where is my order to 0, 2, 4, 1, 2, 3, 4?"),
            ["20241234"]
        );
        assert_eq!(
            read("It's too zero to four, one two three four."),
            ["20241234"]
        );
        assert_eq!(read("It's too 0245678."), ["20245678"]);
        assert_eq!(read("order 2 0 2 for 1 2 3 4"), ["20241234"]);
        // Not next to a digit, too short a number, nothing changed: no reading.
        assert!(read("I want to talk to someone for my order 123456").is_empty());
        assert!(read("open from 9 to 5").is_empty());
        // The plain reading is untouched; classification sees one number either way.
        assert_eq!(
            digits("Where is my order to 0, 2, 4, 1, 2, 3, 4?"),
            ["0241234"]
        );
        assert_eq!(
            normalize_spoken_digits("It's too zero to four, one two three four.", Lang::En),
            "It's 20241234."
        );
    }

    #[test]
    fn a_pause_written_as_a_sentence_end_does_not_split_a_number() {
        let runs = digit_runs("Where is my order 2024? 1 2 3 4");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].digits, "20241234");
        let runs = digit_runs("订单号是2024。1234");
        assert_eq!(runs[0].digits, "20241234");
        // A whole number ends its sentence; a decimal point is not a pause.
        let runs = digit_runs("Order 20241234. Phone 13800138000.");
        assert_eq!(runs.len(), 2);
        assert_eq!(digit_runs("It costs 12.50 yuan")[0].digits, "12");
    }

    fn digits(text: &str) -> Vec<String> {
        digit_runs(text).into_iter().map(|r| r.digits).collect()
    }

    #[test]
    fn english_digit_words_with_oh_double_and_pauses() {
        assert_eq!(
            digits("it's one two three, four five six seven eight"),
            ["12345678"]
        );
        assert_eq!(digits("double seven oh one uh two"), ["77012"]);
        assert_eq!(digits("triple nine zero"), ["9990"]);
        let run = &digit_runs("order One Two Three please")[0];
        assert!(run.spoken);
        assert_eq!(
            &"order One Two Three please"[run.span.clone()],
            "One Two Three"
        );
    }

    #[test]
    fn chinese_digits_with_yao_and_liang() {
        assert_eq!(digits("订单号是一二三四，五六七八"), ["12345678"]);
        assert_eq!(digits("幺三八 零零 两两"), ["1380022"]);
        assert_eq!(digits("〇幺"), ["01"]);
    }

    #[test]
    fn written_digits_join_across_spaces_and_dashes() {
        let runs = digit_runs("call 138-1234 5678 now");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].digits, "13812345678");
        assert!(runs[0].grouped && !runs[0].spoken);
        assert_eq!(digits("１２３"), ["123"]);
    }

    #[test]
    fn words_end_runs() {
        assert_eq!(digits("3 items and 4 boxes"), ["3", "4"]);
        assert_eq!(digits("someone"), Vec::<String>::new());
    }

    #[test]
    fn normalize_rewrites_only_digit_strings() {
        assert_eq!(
            normalize_spoken_digits(
                "my order is one two three four five six seven eight",
                Lang::En
            ),
            "my order is 12345678"
        );
        assert_eq!(
            normalize_spoken_digits("I want one of them", Lang::En),
            "I want one of them"
        );
        assert_eq!(
            normalize_spoken_digits("两三天能到吗", Lang::Zh),
            "两三天能到吗"
        );
        assert_eq!(
            normalize_spoken_digits("手机幺三八一二三四五六七八", Lang::Zh),
            "手机13812345678"
        );
    }
}
