//! The languages kefu speaks, shared by speech and dialogue.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language kefu can listen and speak in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// ISO 639-1 code, as Whisper and the config use it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Guesses the language of a text: Chinese if a meaningful share of its letters are CJK ideographs.
    /// Returns `None` for text with no letters at all (digits, punctuation).
    pub fn detect(text: &str) -> Option<Lang> {
        let (mut cjk, mut latin) = (0usize, 0usize);
        for c in text.chars() {
            if is_cjk(c) {
                cjk += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
        match (cjk, latin) {
            (0, 0) => None,
            // One ideograph carries about as much as a short English word.
            (c, l) if c * 4 >= l => Some(Lang::Zh),
            _ => Some(Lang::En),
        }
    }
}

/// True for CJK unified ideographs (the characters of written Chinese).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error for a language code kefu does not support.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unsupported language {0:?}: expected \"zh\" or \"en\"")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "cmn" | "zh-cn" | "chinese" | "mandarin" => Ok(Lang::Zh),
            "en" | "en-us" | "english" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_languages() {
        assert_eq!(Lang::detect("我想查询订单 12345"), Some(Lang::Zh));
        assert_eq!(Lang::detect("where is my order"), Some(Lang::En));
        assert_eq!(Lang::detect("我的 iPhone 15 坏了"), Some(Lang::Zh));
        assert_eq!(Lang::detect("12345 ..."), None);
    }

    #[test]
    fn parses_codes() {
        assert_eq!("ZH".parse::<Lang>().unwrap(), Lang::Zh);
        assert!("fr".parse::<Lang>().is_err());
    }
}
