//! The post-call satisfaction survey of voice calls: when the bot ends a call, it first asks for a 1–5 rating
//! on the keypad (a spoken digit counts too), thanks the caller and hangs up.

use crate::lang::Lang;

/// Where a call's survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survey {
    /// Not asked on this call (disabled, or not a voice door).
    Off,
    /// Will be asked when the bot ends the call.
    Ready,
    /// Asked in this language; the next caller turn is the answer.
    Asked(Lang),
}

/// The question, said after the bot's goodbye.
pub fn question(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "挂机前，请为本次服务打分：请按一到五，五分为非常满意。",
        Lang::En => {
            "Before you go, how satisfied were you with this call? Press 1 to 5, 5 being very satisfied."
        }
    }
}

/// The last words: thanks for a score, or a plain goodbye.
pub fn closing(lang: Lang, scored: bool) -> &'static str {
    match (lang, scored) {
        (Lang::Zh, true) => "感谢您的评价，再见！",
        (Lang::Zh, false) => "感谢您的来电，再见！",
        (Lang::En, true) => "Thank you for your feedback. Goodbye!",
        (Lang::En, false) => "Thank you for calling. Goodbye!",
    }
}

/// The score in a caller's answer: keyed digits, or one digit or number word said.
pub fn score(answer: &str) -> Option<u8> {
    let lower = answer.to_lowercase();
    let words = [
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("一", 1),
        ("二", 2),
        ("两", 2),
        ("三", 3),
        ("四", 4),
        ("五", 5),
    ];
    let digits: Vec<u8> = lower
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| d as u8)
        .collect();
    match digits.as_slice() {
        [d] => (1..=5).contains(d).then_some(*d),
        [] => {
            let found: Vec<u8> = words
                .iter()
                .filter(|(w, _)| lower.contains(w))
                .map(|(_, n)| *n)
                .collect();
            match found.as_slice() {
                [n] => Some(*n),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn reads_keys_and_words() {
        assert_eq!(score("4"), Some(4));
        assert_eq!(score("5#"), Some(5));
        assert_eq!(score("Five."), Some(5));
        assert_eq!(score("我打五分"), Some(5));
        assert_eq!(score("9"), None);
        assert_eq!(score("12"), None);
        assert_eq!(score("no thanks"), None);
    }
}
