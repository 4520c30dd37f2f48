//! Shop text → what a Mandarin voice says: numbers, prices, dates, times, phone and order numbers written out in
//! Chinese, English names and codes kept for an English reading, punctuation reduced to pauses.
//!
//! Order, tracking and phone numbers (five digits or more) are read digit by digit; prices in 元/角/分 (`¥25.50`,
//! `25.5元` → 二十五元五角); dates (`2026-11-24`, `2026年11月24日`, `11月24日`), clock times (`14:30`),
//! percentages, decimals and counts (`2件` → 两件). Numbers are written with [`crate::dialogue::speakable`], as
//! the dialogue's own replies are.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use crate::dialogue::speakable;
use crate::lang::{Lang, is_cjk};

/// A piece of normalised text and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Chinese running text.
    Text(String),
    /// Chinese read character by character with citation tones: digit strings, dates, clock times.
    Literal(String),
    /// A Latin-script word or code (brand, SKU letters), read in English.
    Latin(String),
    /// A pause: one of `, . ! ? : ;`.
    Pause(char),
}

/// Measure words before which the number 2 is said 两.
const MEASURES: &str = "个件天次位台本张瓶箱包双份只条块元小周年分秒种套盒袋";

fn patterns() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?P<ymd>(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?)",
            r"|(?P<md>(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*(?P<dw>[日号]))",
            r"|(?P<year>(?P<y3>\d{4})\s*年)",
            r"|(?P<time>(?P<h>\d{1,2})\s*[:：]\s*(?P<min>\d{2}))",
            r"|(?P<price>[¥￥]\s*(?P<p1>\d+(?:\.\d{1,2})?)\s*元?|(?P<p2>\d+(?:\.\d{1,2})?)\s*元)",
            r"|(?P<pct>(?P<pc>\d+(?:\.\d+)?)\s*[%％])",
            r"|(?P<phone>\d{3,4}-\d{3,4}-\d{4})",
            r"|(?P<code>[A-Za-z]+[-_]?\d[A-Za-z0-9-]*)",
            r"|(?P<long>\d{5,})",
            r"|(?P<dec>\d+\.\d+)",
            r"|(?P<int>\d+)",
            r"|(?P<latin>[A-Za-z][A-Za-z'&+]*)",
        ))
        .unwrap_or_else(|e| unreachable!("the normaliser's pattern is valid: {e}"))
    })
}

/// Normalises `text` into pieces (full-width letters and digits are read as their ASCII forms).
pub fn normalize(text: &str) -> Vec<Piece> {
    let text: String = text.chars().map(half_width).collect();
    let mut pieces = Vec::new();
    let mut last = 0;
    for caps in patterns().captures_iter(&text) {
        let Some(whole) = caps.get(0) else { continue };
        plain(&text[last..whole.start()], &mut pieces);
        last = whole.end();
        let next = text[whole.end()..].chars().next();
        matched(&caps, next, &mut pieces);
    }
    plain(&text[last..], &mut pieces);
    pieces
}

fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '％' | '－' | '．' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

fn int(caps: &Captures<'_>, name: &str) -> i64 {
    caps.name(name)
        .and_then(|m| m.as_str().parse().ok())
        .unwrap_or(0)
}

fn number(n: i64) -> String {
    speakable::number(n, Lang::Zh)
}

fn digits(s: &str) -> String {
    speakable::digits(s, Lang::Zh)
}

/// Appends Chinese running text, joining it to the text before so words are segmented whole.
fn push_text(out: &mut Vec<Piece>, s: &str) {
    match out.last_mut() {
        Some(Piece::Text(t)) => t.push_str(s),
        _ => out.push(Piece::Text(s.to_string())),
    }
}

fn matched(caps: &Captures<'_>, next: Option<char>, out: &mut Vec<Piece>) {
    let literal = |s: String| Piece::Literal(s);
    if caps.name("ymd").is_some() {
        out.push(literal(format!(
            "{}年{}月{}日",
            digits(&caps["y"]),
            number(int(caps, "m")),
            number(int(caps, "d"))
        )));
    } else if caps.name("md").is_some() {
        out.push(literal(format!(
            "{}月{}{}",
            number(int(caps, "m2")),
            number(int(caps, "d2")),
            &caps["dw"]
        )));
    } else if caps.name("year").is_some() {
        out.push(literal(format!("{}年", digits(&caps["y3"]))));
    } else if caps.name("time").is_some() {
        let (h, m) = (int(caps, "h"), int(caps, "min"));
        let hour = if h == 2 { "两".to_string() } else { number(h) };
        let minutes = match m {
            0 => String::new(),
            1..=9 => format!("零{}分", number(m)),
            _ => format!("{}分", number(m)),
        };
        out.push(literal(format!("{hour}点{minutes}")));
    } else if caps.name("price").is_some() {
        let amount = caps
            .name("p1")
            .or(caps.name("p2"))
            .map_or("0", |m| m.as_str());
        let cents = cents(amount);
        let said = speakable::amount(cents, Lang::Zh);
        // Under one yuan: "五角", "五分", not "零元五角" / "零元零五分".
        let said = if cents < 100 {
            said.trim_start_matches("零元")
                .trim_start_matches('零')
                .to_string()
        } else {
            said
        };
        push_text(out, &said);
    } else if caps.name("pct").is_some() {
        push_text(out, &format!("百分之{}", decimal(&caps["pc"])));
    } else if let Some(phone) = caps.name("phone") {
        let groups: Vec<String> = phone.as_str().split('-').map(digits).collect();
        for (i, group) in groups.into_iter().enumerate() {
            if i > 0 {
                out.push(Piece::Pause(','));
            }
            out.push(literal(group));
        }
    } else if let Some(code) = caps.name("code") {
        for part in split_code(code.as_str()) {
            out.push(if part.starts_with(|c: char| c.is_ascii_digit()) {
                literal(digits(&part))
            } else {
                Piece::Latin(part)
            });
        }
    } else if let Some(long) = caps.name("long") {
        out.push(literal(digits(long.as_str())));
    } else if let Some(dec) = caps.name("dec") {
        push_text(out, &decimal(dec.as_str()));
    } else if let Some(n) = caps.name("int") {
        let value: i64 = n.as_str().parse().unwrap_or(0);
        let said = if value == 2 && next.is_some_and(|c| MEASURES.contains(c)) {
            "两".to_string()
        } else if n.as_str().len() > 1 && n.as_str().starts_with('0') {
            digits(n.as_str())
        } else {
            number(value)
        };
        push_text(out, &said);
    } else if let Some(word) = caps.name("latin") {
        out.push(Piece::Latin(word.as_str().to_string()));
    }
}

/// `25.5` → 2550 cents (more than two decimals cannot match the price pattern).
fn cents(amount: &str) -> i64 {
    let (yuan, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let frac: String = frac.chars().chain("00".chars()).take(2).collect();
    yuan.parse::<i64>()
        .unwrap_or(0)
        .saturating_mul(100)
        .saturating_add(frac.parse::<i64>().unwrap_or(0))
}

/// `3.75` → 三点七五.
fn decimal(s: &str) -> String {
    match s.split_once('.') {
        Some((whole, frac)) => format!("{}点{}", number(whole.parse().unwrap_or(0)), digits(frac)),
        None => number(s.parse().unwrap_or(0)),
    }
}

/// `AB-1234x` → ["AB", "1234", "x"]: letter and digit runs, separators dropped.
fn split_code(code: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in code.chars().filter(char::is_ascii_alphanumeric) {
        match parts.last_mut() {
            Some(last) if last.ends_with(|l: char| l.is_ascii_digit()) == c.is_ascii_digit() => {
                last.push(c)
            }
            _ => parts.push(c.to_string()),
        }
    }
    parts
}

/// Text between matches: Chinese characters become running text, punctuation pauses; the rest is dropped.
fn plain(text: &str, out: &mut Vec<Piece>) {
    for c in text.chars() {
        if is_cjk(c) {
            push_text(out, c.encode_utf8(&mut [0; 4]));
        } else if let Some(p) = pause(c) {
            // Runs of punctuation ("？！", "……") are one pause.
            if !matches!(out.last(), Some(Piece::Pause(_))) {
                out.push(Piece::Pause(p));
            }
        }
    }
}

fn pause(c: char) -> Option<char> {
    Some(match c {
        '，' | '、' | ',' => ',',
        '。' | '.' | '…' => '.',
        '！' | '!' => '!',
        '？' | '?' => '?',
        '：' | ':' => ':',
        '；' | ';' => ';',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Piece::*;

    fn t(s: &str) -> Piece {
        Text(s.into())
    }

    fn l(s: &str) -> Piece {
        Literal(s.into())
    }

    #[test]
    fn order_numbers_prices_and_counts() {
        assert_eq!(
            normalize("您的订单12345678已发货，共2件，合计¥25.50。"),
            [
                t("您的订单"),
                l("一二三四五六七八"),
                t("已发货"),
                Pause(','),
                t("共两件"),
                Pause(','),
                t("合计二十五元五角"),
                Pause('.'),
            ]
        );
        assert_eq!(normalize("退款99.9元"), [t("退款九十九元九角")]);
        assert_eq!(
            normalize("运费0.05元，押金¥0.5"),
            [t("运费五分"), Pause(','), t("押金五角")]
        );
        assert_eq!(
            normalize("打8.5折，优惠20%"),
            [t("打八点五折"), Pause(','), t("优惠百分之二十")]
        );
    }

    #[test]
    fn dates_times_and_phones() {
        assert_eq!(
            normalize("2026-11-24 14:30送达"),
            [l("二零二六年十一月二十四日"), l("十四点三十分"), t("送达")]
        );
        assert_eq!(normalize("11月1日"), [l("十一月一日")]);
        assert_eq!(normalize("9:05"), [l("九点零五分")]);
        assert_eq!(normalize("2:00"), [l("两点")]);
        assert_eq!(
            normalize("请拨400-123-4567"),
            [
                t("请拨"),
                l("四零零"),
                Pause(','),
                l("一二三"),
                Pause(','),
                l("四五六七")
            ]
        );
        assert_eq!(
            normalize("手机13812345678"),
            [t("手机"), l("一三八一二三四五六七八")]
        );
    }

    #[test]
    fn latin_words_and_codes() {
        assert_eq!(
            normalize("iPhone的型号是AB-1234，用DHL寄。"),
            [
                Latin("iPhone".into()),
                t("的型号是"),
                Latin("AB".into()),
                l("一二三四"),
                Pause(','),
                t("用"),
                Latin("DHL".into()),
                t("寄"),
                Pause('.')
            ]
        );
        assert_eq!(normalize("？！……"), [Pause('?')]);
        assert_eq!(normalize("ＡＢ１２"), [Latin("AB".into()), l("一二")]);
    }
}
