//! Redaction of personal data in text that is stored, logged or exported: phone numbers, payment card numbers,
//! identity numbers (Chinese resident ID, US SSN), e-mail addresses and street addresses, in Chinese and English.
//!
//! The live call keeps the real values (the dialogue needs them); only copies that outlive the call pass
//! through [`redact`]. Order numbers (eight digits) are kept on purpose: analytics counts the orders asked about.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// A kind of personal data, and the placeholder that replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalData {
    Phone,
    Card,
    IdNumber,
    Email,
    Address,
}

impl PersonalData {
    /// The placeholder written instead of the value.
    pub fn placeholder(self) -> &'static str {
        match self {
            PersonalData::Phone => "[phone]",
            PersonalData::Card => "[card]",
            PersonalData::IdNumber => "[id]",
            PersonalData::Email => "[email]",
            PersonalData::Address => "[address]",
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    // Written and as a recogniser spells it out ("john dot smith at example dot com").
    Regex::new(
        r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}|\b[a-z0-9._-]+(?: dot [a-z0-9_-]+)* at [a-z0-9-]+(?: dot [a-z0-9-]+)*(?: dot (?:com|net|org|cn|io|edu|gov|co|uk))\b",
    )
    .expect("static regex")
});

static EN_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b\d{1,5}(?:\s+[a-z][a-z'.-]*){1,4}\s+(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|parkway|pkwy|highway|hwy|square|sq)\b\.?(?:,?\s*(?:apt|apartment|suite|unit|flat|#)\.?\s*[a-z0-9-]+)?",
    )
    .expect("static regex")
});

/// Han characters that name places, i.e. not the little words around an address ("my address is …").
const PLACE: &str = r"[\p{Han}&&[^的是在我你他她到寄送址要改把给了吗呢吧请帮跟从往换为]]";
const ZH_NUM: &str = r"[0-9０-９零〇一二三四五六七八九十百千两]";

static ZH_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?:{PLACE}{{1,8}}?(?:省|自治区|市|区|县|镇|乡|村))*{PLACE}{{1,10}}?(?:路|街|大道|大街|巷|弄|胡同|道)(?:{ZH_NUM}+段)?{ZH_NUM}+号(?:院)?(?:{ZH_NUM}+(?:号楼|栋|幢|座|单元|楼|层|室|号))*"
    );
    Regex::new(&pattern).expect("static regex")
});

/// A run of digits, possibly grouped by spaces, dashes, dots or brackets, with an optional leading `+` and a
/// final `X` (Chinese ID check digit).
static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\(?[0-9０-９](?:[ \-.()]{0,2}[0-9０-９])*(?:[Xx]\b|[Xx]$)?")
        .expect("static regex")
});

/// A run of spoken Chinese digits (recognisers sometimes write a dictated number that way).
static ZH_DIGIT_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[零〇一二三四五六七八九幺]{7,}").expect("static regex"));

/// Replaces every piece of personal data in `text` with its placeholder (`[phone]`, `[card]`, `[id]`,
/// `[email]`, `[address]`). Borrows when nothing was found.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, kind) in [
        (&*EMAIL, PersonalData::Email),
        (&*EN_ADDRESS, PersonalData::Address),
    ] {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, kind.placeholder()).into_owned());
        }
    }
    if ZH_ADDRESS.is_match(&out) {
        out = Cow::Owned(replace_zh_addresses(&out));
    }
    for re in [&*DIGIT_RUN, &*ZH_DIGIT_RUN] {
        if let Some(replaced) = replace_numbers(re, &out) {
            out = Cow::Owned(replaced);
        }
    }
    out
}

fn replace_zh_addresses(text: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for m in ZH_ADDRESS.find_iter(text) {
        // "改成广州市…" (change it to …): the 成 belongs to the verb, though it may start a city (成都).
        let verb = text[..m.start()].ends_with(['改', '换', '变', '写']);
        let start = if verb && m.as_str().starts_with('成') {
            m.start() + '成'.len_utf8()
        } else {
            m.start()
        };
        out.push_str(&text[last..start]);
        out.push_str(PersonalData::Address.placeholder());
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces the personal numbers among `re`'s matches; `None` when there were none.
fn replace_numbers(re: &Regex, text: &str) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    for m in re.find_iter(text) {
        // Digits glued to letters belong to a code (a tracking number such as SF1234567890), not a person.
        let glued = text[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic());
        let Some(kind) = classify_number(m.as_str()).filter(|_| !glued) else {
            continue;
        };
        out.push_str(&text[last..m.start()]);
        out.push_str(kind.placeholder());
        last = m.end();
    }
    (last > 0).then(|| {
        out.push_str(&text[last..]);
        out
    })
}

/// Redacts an optional string.
pub fn redact_opt(text: Option<&str>) -> Option<String> {
    text.map(|t| redact(t).into_owned())
}

/// Redacts every string inside a JSON value; entity objects (`{"kind": "phone" | "address", "value": …}`) lose
/// their value whatever its form.
pub fn redact_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(r) = redact(s) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => {
            let kind = match map.get("kind").and_then(Value::as_str) {
                Some("phone") => Some(PersonalData::Phone),
                Some("address") => Some(PersonalData::Address),
                _ => None,
            };
            match (kind, map.get_mut("value")) {
                (Some(kind), Some(v)) => *v = Value::String(kind.placeholder().into()),
                _ => map.values_mut().for_each(redact_json),
            }
        }
        _ => {}
    }
}

/// Redacts a JSON document given as text (the turn log's entity lists); text that is not JSON is redacted
/// as plain text.
pub fn redact_entities_json(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(mut value) => {
            redact_json(&mut value);
            value.to_string()
        }
        Err(_) => redact(json).into_owned(),
    }
}

/// What kind of personal number `run` is, if any.
fn classify_number(run: &str) -> Option<PersonalData> {
    let digits: String = run.chars().filter_map(digit_of).collect();
    let check_x = run.ends_with(['X', 'x']);
    let plus = run.starts_with('+');
    let grouped: Vec<usize> = run
        .split(|c: char| !(c.is_ascii_digit() || digit_of(c).is_some()))
        .filter(|g| !g.is_empty())
        .map(|g| g.chars().count())
        .collect();
    let n = digits.len();
    if (check_x && n == 17) || (n == 18 && is_cn_id(&digits)) {
        return Some(PersonalData::IdNumber);
    }
    if grouped == [3, 2, 4] {
        return Some(PersonalData::IdNumber); // US SSN 123-45-6789
    }
    if (13..=19).contains(&n) && (luhn(&digits) || grouped.iter().all(|&g| g == 4) && n == 16) {
        return Some(PersonalData::Card);
    }
    let mobile_cn =
        |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
    if mobile_cn(&digits) || (n == 13 && digits.starts_with("86") && mobile_cn(&digits[2..])) {
        return Some(PersonalData::Phone);
    }
    if plus && (8..=15).contains(&n) {
        return Some(PersonalData::Phone);
    }
    // Chinese landline with area code (010-12345678, 0755 1234 5678).
    if digits.starts_with('0') && (10..=12).contains(&n) && grouped.len() >= 2 {
        return Some(PersonalData::Phone);
    }
    // North American numbers: (415) 555-0100, 415-555-0100, 4155550100, 1-415-555-0100.
    if n == 10 || (n == 11 && digits.starts_with('1')) {
        return Some(PersonalData::Phone);
    }
    if grouped == [3, 4] {
        return Some(PersonalData::Phone); // 555-0100
    }
    None
}

fn digit_of(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        '零' | '〇' => Some('0'),
        '一' | '幺' => Some('1'),
        '二' => Some('2'),
        '三' => Some('3'),
        '四' => Some('4'),
        '五' => Some('5'),
        '六' => Some('6'),
        '七' => Some('7'),
        '八' => Some('8'),
        '九' => Some('9'),
        _ => None,
    }
}

/// An 18-digit Chinese resident ID: region code, a plausible birth date, sequence, check digit.
fn is_cn_id(d: &str) -> bool {
    let year: u32 = d[6..10].parse().unwrap_or(0);
    let month: u32 = d[10..12].parse().unwrap_or(0);
    let day: u32 = d[12..14].parse().unwrap_or(0);
    !d.starts_with('0')
        && (1900..=2100).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
}

fn luhn(d: &str) -> bool {
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 1 {
                let v = v * 2;
                if v > 9 { v - 9 } else { v }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A caller number as it may be shown: country code and last two digits kept (`+86*********00`).
pub fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep_head = if number.starts_with('+') { 3 } else { 0 };
    let keep_tail = 2;
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < keep_head || i + keep_tail >= chars.len() || !c.is_ascii_digit() {
                c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_and_prices_are_kept() {
        for text in [
            "where is my order 20241234",
            "订单20241234到哪了",
            "it costs 299 yuan, 2 items",
            "tracking SF1234567890",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn masks_all_but_the_ends() {
        assert_eq!(mask_phone("+8613800138000"), "+86*********00");
        assert_eq!(mask_phone("4155550100"), "********00");
    }
}
