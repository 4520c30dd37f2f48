//! Text normalisation and word segmentation for the intent classifier.

use std::borrow::Cow;
use std::sync::OnceLock;

use jieba_rs::Jieba;

use super::spoken_digits::normalize_spoken_digits;
use crate::lang::{Lang, is_cjk};

/// What a run of digits becomes after normalisation, so order numbers and prices do not become features.
pub const NUMBER_TOKEN: char = '0';

/// The shared Chinese segmenter; building it loads the dictionary (~100 ms), so it is built once.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Traditional Chinese characters → simplified (Whisper often writes 訂單 for 订单). Every character keeps
/// its UTF-8 length, so byte spans found in the result are valid in the original text; should that ever
/// not hold, the text is returned unchanged.
pub fn to_simplified(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_cjk) {
        return Cow::Borrowed(text);
    }
    let simplified = fast2s::convert(text);
    if simplified.len() == text.len() && simplified != text {
        Cow::Owned(simplified)
    } else {
        Cow::Borrowed(text)
    }
}

/// Normalises a text for classification: traditional → simplified Chinese, spoken digits → digits,
/// full-width → half-width, lowercase, apostrophes dropped ("don't" → "dont"), other punctuation → space,
/// every digit run → `0`, spaces collapsed.
pub fn normalize(text: &str, lang: Lang) -> String {
    let text = normalize_spoken_digits(&to_simplified(text), lang);
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    let mut pending_space = false;
    let mut chars = text.chars().map(half_width).peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '\'' | '’' | '‘') {
            continue;
        }
        if c.is_ascii_digit() {
            if !in_number {
                push_pending_space(&mut out, &mut pending_space);
                out.push(NUMBER_TOKEN);
                in_number = true;
            }
            continue;
        }
        // "99.5" and "1,299" are one number.
        if in_number && matches!(c, '.' | ',') && chars.peek().is_some_and(char::is_ascii_digit) {
            continue;
        }
        in_number = false;
        if c.is_alphanumeric() {
            push_pending_space(&mut out, &mut pending_space);
            out.extend(c.to_lowercase());
        } else {
            pending_space = !out.is_empty();
        }
    }
    out
}

fn push_pending_space(out: &mut String, pending: &mut bool) {
    if *pending {
        out.push(' ');
        *pending = false;
    }
}

/// Maps full-width ASCII forms (ＡＢＣ１２３！) and the ideographic space to their ASCII equivalents.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Splits a normalised text into words: jieba for text with Chinese in it, whitespace otherwise.
pub fn words(normalized: &str) -> Vec<&str> {
    if normalized.chars().any(is_cjk) {
        jieba()
            .cut(normalized, true)
            .into_iter()
            .filter(|w| !w.trim().is_empty())
            .collect()
    } else {
        normalized.split_whitespace().collect()
    }
}

/// A maximal run of one script in a normalised text.
#[derive(Debug, PartialEq, Eq)]
pub enum ScriptRun<'a> {
    /// Chinese characters (no spaces inside).
    Cjk(&'a str),
    /// A word of Latin letters and digits.
    Word(&'a str),
}

/// Splits a normalised text into runs of Chinese characters and Latin words.
pub fn script_runs(normalized: &str) -> Vec<ScriptRun<'_>> {
    let mut runs = Vec::new();
    let mut start: Option<(usize, bool)> = None;
    for (i, c) in normalized.char_indices() {
        let kind = (c != ' ').then(|| is_cjk(c));
        if let Some((s, cjk)) = start {
            if kind == Some(cjk) {
                continue;
            }
            runs.push(make_run(&normalized[s..i], cjk));
        }
        start = kind.map(|k| (i, k));
    }
    if let Some((s, cjk)) = start {
        runs.push(make_run(&normalized[s..], cjk));
    }
    runs
}

fn make_run(s: &str, cjk: bool) -> ScriptRun<'_> {
    if cjk {
        ScriptRun::Cjk(s)
    } else {
        ScriptRun::Word(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_width_case_punctuation_and_numbers() {
        assert_eq!(
            normalize("Where's my ORDER #12345678?!", Lang::En),
            "wheres my order 0"
        );
        assert_eq!(
            normalize("我的订单１２３４５６７８，到哪了？", Lang::Zh),
            "我的订单0 到哪了"
        );
        assert_eq!(normalize("ＨＥＬＬＯ　ｗｏｒｌｄ", Lang::En), "hello world");
        assert_eq!(
            normalize("it costs 1,299.50   yuan", Lang::En),
            "it costs 0 yuan"
        );
        assert_eq!(normalize("order one two three four", Lang::En), "order 0");
        assert_eq!(normalize("订单幺二三四五六七八", Lang::Zh), "订单0");
        assert_eq!(normalize("  ...  ", Lang::En), "");
    }

    #[test]
    fn traditional_chinese_becomes_simplified_with_the_same_byte_offsets() {
        let traditional = "我的訂單號碼是多少，什麼時候到？";
        let simplified = to_simplified(traditional);
        assert_eq!(simplified, "我的订单号码是多少，什么时候到？");
        assert_eq!(simplified.len(), traditional.len());
        assert!(matches!(
            to_simplified("where is my order"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            normalize("訂單到哪了", Lang::Zh),
            normalize("订单到哪了", Lang::Zh)
        );
    }

    #[test]
    fn segments_chinese_with_jieba_and_english_on_spaces() {
        assert_eq!(words("where is my order"), ["where", "is", "my", "order"]);
        let zh = words("我想取消订单");
        assert!(zh.contains(&"取消") && zh.contains(&"订单"), "{zh:?}");
    }

    #[test]
    fn splits_mixed_scripts() {
        assert_eq!(
            script_runs("我的iphone 0坏了"),
            [
                ScriptRun::Cjk("我的"),
                ScriptRun::Word("iphone"),
                ScriptRun::Word("0"),
                ScriptRun::Cjk("坏了")
            ]
        );
    }
}
