//! Times of day: 3pm, 3:30 p.m., 15:30, 7 o'clock in the evening, noon; 下午三点, 晚上8点半, 十点一刻.

use std::sync::LazyLock;

use chrono::NaiveTime;
use regex::{Captures, Regex};

use super::chinese_number::parse_integer;
use super::{Candidate, EntityValue, priority};

const EN_HOURS: &str = "[0-9]{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";

static EN_AM_PM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({EN_HOURS})(?::([0-5][0-9]))?\s*(a\.?m\.?|p\.?m\.?)"
    ))
    .expect("valid regex")
});
static CLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([01]?[0-9]|2[0-3])[:：]([0-5][0-9])\b").expect("valid regex"));
static EN_OCLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({EN_HOURS})(?::([0-5][0-9]))?(\s*o['’]?clock)?(?:\s+(in the morning|in the afternoon|in the evening|at night|tonight))?"
    ))
    .expect("valid regex")
});
static EN_NOON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(noon|midday|midnight)\b").expect("valid regex"));
static ZH_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(上午|早上|早晨|中午|下午|傍晚|晚上|夜里|凌晨)?\s*([0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3})\s*[点點](钟)?\s*(?:(半)|(一刻)|(三刻)|([0-9]{1,2}|[零〇一二三四五六七八九十]{1,3})\s*分?)?")
        .expect("valid regex")
});

pub(super) fn find(text: &str) -> Vec<Candidate> {
    let mut found = Vec::new();
    let mut push = |span: std::ops::Range<usize>, time: Option<NaiveTime>| {
        if let Some(t) = time {
            found.push(Candidate::new(
                EntityValue::Time(t),
                span,
                priority::DATE_TIME_AMOUNT,
            ));
        }
    };
    for c in EN_AM_PM.captures_iter(text) {
        let span = whole(&c);
        // "3 amazing" is not 3 a.m.
        if text[span.end..]
            .chars()
            .next()
            .is_some_and(char::is_alphabetic)
        {
            continue;
        }
        let pm = c[3].to_lowercase().starts_with('p');
        push(
            span,
            hour(&c[1]).and_then(|h| clock(twelve_hour(h, pm), minute(&c, 2))),
        );
    }
    for c in CLOCK.captures_iter(text) {
        push(whole(&c), hour(&c[1]).and_then(|h| clock(h, minute(&c, 2))));
    }
    for c in EN_OCLOCK.captures_iter(text) {
        let (oclock, period) = (
            c.get(3).is_some(),
            c.get(4).map(|m| m.as_str().to_lowercase()),
        );
        if !oclock && period.is_none() {
            continue;
        }
        let Some(h) = hour(&c[1]) else { continue };
        let h = match period.as_deref() {
            Some("in the morning") => twelve_hour(h, false),
            Some(_) => twelve_hour(h, true),
            None => h,
        };
        push(whole(&c), clock(h, minute(&c, 2)));
    }
    for m in EN_NOON.find_iter(text) {
        let h = if m.as_str().eq_ignore_ascii_case("midnight") {
            0
        } else {
            12
        };
        push(m.range(), clock(h, None));
    }
    for c in ZH_TIME.captures_iter(text) {
        let period = c.get(1).map(|m| m.as_str());
        let hour_text = &c[2];
        let has_suffix = (3..=7).any(|g| c.get(g).is_some());
        // 快一点 / 好一点 / 两点问题: "a bit", "two points" — a time only with a period word or 钟/半/分.
        if period.is_none() && !has_suffix && matches!(hour_text, "一" | "两") {
            continue;
        }
        let Some(h) = hour(hour_text) else { continue };
        let minutes = if c.get(4).is_some() {
            Some(30)
        } else if c.get(5).is_some() {
            Some(15)
        } else if c.get(6).is_some() {
            Some(45)
        } else {
            c.get(7)
                .and_then(|m| parse_integer(m.as_str()))
                .and_then(|m| u32::try_from(m).ok())
        };
        let h = match period {
            Some("下午" | "傍晚" | "晚上" | "夜里") if h < 12 => h + 12,
            Some("中午") if h < 6 => h + 12,
            Some("上午" | "早上" | "早晨" | "凌晨") if h == 12 => 0,
            _ => h,
        };
        push(whole(&c), clock(h, minutes));
    }
    found
}

fn whole(c: &Captures) -> std::ops::Range<usize> {
    c.get(0).map_or(0..0, |m| m.range())
}

fn hour(s: &str) -> Option<u32> {
    let words = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    let lower = s.to_lowercase();
    let h = match words.iter().position(|w| *w == lower) {
        Some(i) => i as u32 + 1,
        None => u32::try_from(parse_integer(s)?).ok()?,
    };
    (h <= 24).then_some(h)
}

fn minute(c: &Captures, group: usize) -> Option<u32> {
    c.get(group).and_then(|m| m.as_str().parse().ok())
}

fn twelve_hour(h: u32, pm: bool) -> u32 {
    match (h, pm) {
        (12, false) => 0,
        (h, true) if h < 12 => h + 12,
        (h, _) => h,
    }
}

fn clock(h: u32, m: Option<u32>) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h % 24, m.unwrap_or(0), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<NaiveTime> {
        find(text)
            .into_iter()
            .max_by_key(|c| c.entity.span.len())
            .map(|c| match c.entity.value {
                EntityValue::Time(t) => t,
                other => panic!("not a time: {other:?}"),
            })
    }

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    #[test]
    fn english_times() {
        assert_eq!(first("after 3pm"), t(15, 0));
        assert_eq!(first("at 3:30 p.m. please"), t(15, 30));
        assert_eq!(first("10 am"), t(10, 0));
        assert_eq!(first("12am"), t(0, 0));
        assert_eq!(first("at 15:30"), t(15, 30));
        assert_eq!(first("seven o'clock in the evening"), t(19, 0));
        assert_eq!(first("9 in the morning"), t(9, 0));
        assert_eq!(first("at noon"), t(12, 0));
        assert_eq!(first("five pm"), t(17, 0));
        assert_eq!(first("3 amazing things"), None);
        assert_eq!(first("I have 3 items"), None);
    }

    #[test]
    fn chinese_times() {
        assert_eq!(first("下午三点"), t(15, 0));
        assert_eq!(first("晚上8点半"), t(20, 30));
        assert_eq!(first("上午十点一刻"), t(10, 15));
        assert_eq!(first("三点二十分"), t(3, 20));
        assert_eq!(first("中午12点"), t(12, 0));
        assert_eq!(first("中午一点"), t(13, 0));
        assert_eq!(first("两点钟"), t(2, 0));
        assert_eq!(first("便宜一点"), None);
        assert_eq!(first("快一点好吗"), None);
    }
}
