//! Dates, absolute and relative, in English and Chinese, resolved against "today".
//!
//! A day without a month ("the 3rd", 3号) or a month and day without a year (Nov 3, 11月3号) is taken
//! as the nearest such date to today, past days counting double, so on 24 November "the 3rd" is
//! 3 December, "the 20th" is 20 November and "the 10th" is 10 December. A weekday alone ("Monday", 周一) is the next one (today included); "next Monday" and
//! 下周一 are the Monday of next week (weeks start on Monday), "last"/上 the previous week's.

use std::sync::LazyLock;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use regex::{Captures, Regex};

use super::chinese_number::parse_integer;
use super::{Candidate, EntityValue, Expecting, priority};

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";

static EN_RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(the day after tomorrow|the day before yesterday|today|tonight|tomorrow|tmrw|yesterday)\b")
        .expect("valid regex")
});
static EN_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(next|this|last|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
        .expect("valid regex")
});
static EN_MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*([0-9]{{4}})\b)?"
    ))
    .expect("valid regex")
});
static EN_DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b(?:,?\s*([0-9]{{4}})\b)?"))
        .expect("valid regex")
});
static EN_ORDINAL_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:the\s+)?([0-9]{1,2})(?:st|nd|rd|th)\b").expect("valid regex")
});
static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})\b").expect("valid regex")
});
static US_SLASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}))?\b").expect("valid regex")
});

static ZH_RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"大后天|大前天|今天|今日|今儿|明天|明日|明儿|后天|昨天|昨日|昨儿|前天")
        .expect("valid regex")
});
static ZH_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(下下|下|上|这|本)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])")
        .expect("valid regex")
});
static ZH_MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:([0-9]{4}|[零〇一二三四五六七八九]{4})\s*年\s*)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*(?:号|日)?")
        .expect("valid regex")
});
/// A bare day number, read as a date only when the dialogue asked for one ("which day?" — "3").
static BARE_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:the\s+)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*[.!。！]?\s*$")
        .expect("valid regex")
});
static ZH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*(?:号|日)").expect("valid regex")
});

/// Characters after 号 that make it something other than a day (3号楼, 1号线, 号码).
const NOT_A_DAY_AFTER: &[char] = &[
    '楼', '码', '线', '院', '门', '房', '室', '馆', '机', '店', '位', '床',
];

pub(super) fn find(text: &str, today: NaiveDate, expecting: Option<Expecting>) -> Vec<Candidate> {
    let mut found = Vec::new();
    let bare_day = (expecting == Some(Expecting::Date))
        .then(|| BARE_DAY.captures(text))
        .flatten();
    if let Some(c) = bare_day
        && let Some(d) = number(&c, 1).and_then(|d| nearest_day_of_month(today, d))
    {
        let span = c.get(1).map_or(0..0, |m| m.range());
        found.push(Candidate::new(
            EntityValue::Date(d),
            span,
            priority::DATE_TIME_AMOUNT,
        ));
    }
    let mut push = |span: std::ops::Range<usize>, date: Option<NaiveDate>| {
        if let Some(d) = date {
            found.push(Candidate::new(
                EntityValue::Date(d),
                span,
                priority::DATE_TIME_AMOUNT,
            ));
        }
    };
    for c in EN_RELATIVE.captures_iter(text) {
        let offset = match c[1].to_lowercase().as_str() {
            "the day after tomorrow" => 2,
            "the day before yesterday" => -2,
            "tomorrow" | "tmrw" => 1,
            "yesterday" => -1,
            _ => 0,
        };
        push(whole(&c), add_days(today, offset));
    }
    for c in EN_WEEKDAY.captures_iter(text) {
        let week = c
            .get(1)
            .and_then(|m| match m.as_str().to_lowercase().as_str() {
                "next" => Some(1),
                "last" => Some(-1),
                _ => None,
            });
        push(
            whole(&c),
            english_weekday(&c[2]).and_then(|wd| weekday_date(today, wd, week)),
        );
    }
    for c in EN_MONTH_DAY.captures_iter(text) {
        push(
            whole(&c),
            month_day(today, english_month(&c[1]), number(&c, 2), year(&c, 3)),
        );
    }
    for c in EN_DAY_MONTH.captures_iter(text) {
        push(
            whole(&c),
            month_day(today, english_month(&c[2]), number(&c, 1), year(&c, 3)),
        );
    }
    for c in EN_ORDINAL_DAY.captures_iter(text) {
        push(
            whole(&c),
            number(&c, 1).and_then(|d| nearest_day_of_month(today, d)),
        );
    }
    for c in ISO.captures_iter(text) {
        let (y, m, d) = (number(&c, 1), number(&c, 2), number(&c, 3));
        push(
            whole(&c),
            y.zip(m)
                .zip(d)
                .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y as i32, m, d)),
        );
    }
    for c in US_SLASH.captures_iter(text) {
        push(
            whole(&c),
            month_day(today, number(&c, 1), number(&c, 2), year(&c, 3)),
        );
    }
    for m in ZH_RELATIVE.find_iter(text) {
        let offset = match m.as_str() {
            "大后天" => 3,
            "后天" => 2,
            "明天" | "明日" | "明儿" => 1,
            "昨天" | "昨日" | "昨儿" => -1,
            "前天" => -2,
            "大前天" => -3,
            _ => 0,
        };
        push(m.range(), add_days(today, offset));
    }
    for c in ZH_WEEKDAY.captures_iter(text) {
        let week = c.get(1).map(|m| match m.as_str() {
            "下下" => 2,
            "下" => 1,
            "上" => -1,
            _ => 0,
        });
        push(
            whole(&c),
            chinese_weekday(&c[2]).and_then(|wd| weekday_date(today, wd, week)),
        );
    }
    for c in ZH_MONTH_DAY.captures_iter(text) {
        let y = c
            .get(1)
            .and_then(|m| parse_integer(m.as_str()))
            .map(|y| y as i32);
        push(whole(&c), month_day(today, number(&c, 2), number(&c, 3), y));
    }
    for c in ZH_DAY.captures_iter(text) {
        let span = whole(&c);
        let next = text[span.end..].chars().next();
        if next.is_some_and(|ch| NOT_A_DAY_AFTER.contains(&ch)) {
            continue;
        }
        push(
            span,
            number(&c, 1).and_then(|d| nearest_day_of_month(today, d)),
        );
    }
    found
}

fn whole(c: &Captures) -> std::ops::Range<usize> {
    c.get(0).map_or(0..0, |m| m.range())
}

fn number(c: &Captures, group: usize) -> Option<u32> {
    c.get(group)
        .and_then(|m| parse_integer(m.as_str()))
        .and_then(|n| u32::try_from(n).ok())
}

fn year(c: &Captures, group: usize) -> Option<i32> {
    number(c, group).and_then(|y| i32::try_from(y).ok())
}

fn add_days(today: NaiveDate, offset: i64) -> Option<NaiveDate> {
    if offset >= 0 {
        today.checked_add_days(Days::new(offset.unsigned_abs()))
    } else {
        today.checked_sub_days(Days::new(offset.unsigned_abs()))
    }
}

/// `week` None: the next such weekday (today included); Some(n): that weekday in the week n weeks from this one.
fn weekday_date(today: NaiveDate, wd: Weekday, week: Option<i64>) -> Option<NaiveDate> {
    let today_index = i64::from(today.weekday().num_days_from_monday());
    let target = i64::from(wd.num_days_from_monday());
    let offset = match week {
        None => (target - today_index).rem_euclid(7),
        Some(n) => 7 * n + target - today_index,
    };
    add_days(today, offset)
}

fn month_day(
    today: NaiveDate,
    month: Option<u32>,
    day: Option<u32>,
    year: Option<i32>,
) -> Option<NaiveDate> {
    let (month, day) = (month?, day?);
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(y, month, day);
    }
    [today.year() - 1, today.year(), today.year() + 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|d| distance(today, *d))
}

fn nearest_day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    let first = today.with_day(1)?;
    [
        first.checked_sub_months(Months::new(1)),
        Some(first),
        first.checked_add_months(Months::new(1)),
    ]
    .into_iter()
    .flatten()
    .filter_map(|m| m.with_day(day))
    .min_by_key(|d| distance(today, *d))
}

/// Days away from today, past days counting double: callers mostly talk about deliveries to come.
fn distance(today: NaiveDate, d: NaiveDate) -> i64 {
    let days = (d - today).num_days();
    if days < 0 { -2 * days } else { days }
}

fn english_weekday(s: &str) -> Option<Weekday> {
    s.to_lowercase().parse().ok()
}

fn chinese_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "一" | "1" => Weekday::Mon,
        "二" | "2" => Weekday::Tue,
        "三" | "3" => Weekday::Wed,
        "四" | "4" => Weekday::Thu,
        "五" | "5" => Weekday::Fri,
        "六" | "6" => Weekday::Sat,
        "日" | "天" | "7" => Weekday::Sun,
        _ => return None,
    })
}

fn english_month(s: &str) -> Option<u32> {
    let s = s.to_lowercase();
    let index = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| s.starts_with(m))?;
    Some(index as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tuesday 24 November 2026.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    /// The longest date found (what overlap resolution would keep).
    fn first(text: &str) -> Option<NaiveDate> {
        let found = find(text, today(), None);
        found
            .into_iter()
            .max_by_key(|c| c.entity.span.len())
            .map(|c| match c.entity.value {
                EntityValue::Date(d) => d,
                other => panic!("not a date: {other:?}"),
            })
    }

    #[test]
    fn english_relative_dates() {
        assert_eq!(first("can it come today"), Some(date(11, 24)));
        assert_eq!(first("Tomorrow please"), Some(date(11, 25)));
        assert_eq!(first("I ordered yesterday"), Some(date(11, 23)));
        assert_eq!(first("the day after tomorrow"), Some(date(11, 26)));
        assert_eq!(first("on Friday"), Some(date(11, 27)));
        assert_eq!(first("tuesday"), Some(date(11, 24)));
        assert_eq!(first("next Monday"), Some(date(11, 30)));
        assert_eq!(first("next friday"), Some(date(12, 4)));
        assert_eq!(first("last Monday"), Some(date(11, 16)));
    }

    #[test]
    fn english_absolute_dates() {
        assert_eq!(first("the 3rd"), Some(date(12, 3)));
        assert_eq!(first("on the 20th"), Some(date(11, 20)));
        assert_eq!(first("November 3rd"), Some(date(11, 3)));
        assert_eq!(first("Dec. 1"), Some(date(12, 1)));
        assert_eq!(
            first("3 January"),
            Some(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap())
        );
        assert_eq!(first("the 5th of December"), Some(date(12, 5)));
        assert_eq!(first("2026-12-24"), Some(date(12, 24)));
        assert_eq!(first("12/24"), Some(date(12, 24)));
        assert_eq!(first("the 31st"), Some(date(12, 31)));
        assert_eq!(first("the 10th"), Some(date(12, 10)));
        assert_eq!(first("may I ask"), None);
        assert_eq!(first("the 45th"), None);
    }

    #[test]
    fn chinese_relative_dates() {
        assert_eq!(first("今天能到吗"), Some(date(11, 24)));
        assert_eq!(first("明天送"), Some(date(11, 25)));
        assert_eq!(first("后天"), Some(date(11, 26)));
        assert_eq!(first("大后天"), Some(date(11, 27)));
        assert_eq!(first("昨天下的单"), Some(date(11, 23)));
        assert_eq!(first("下周一送过来"), Some(date(11, 30)));
        assert_eq!(first("下星期五"), Some(date(12, 4)));
        assert_eq!(first("周日"), Some(date(11, 29)));
        assert_eq!(first("这周三"), Some(date(11, 25)));
        assert_eq!(first("上礼拜一"), Some(date(11, 16)));
    }

    #[test]
    fn bare_day_only_when_a_date_was_asked_for() {
        let asked = |text: &str| {
            find(text, today(), Some(Expecting::Date))
                .into_iter()
                .map(|c| c.entity.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(asked("3"), [EntityValue::Date(date(12, 3))]);
        assert_eq!(asked("二十"), [EntityValue::Date(date(11, 20))]);
        assert_eq!(asked("3 boxes"), []);
        assert!(find("3", today(), None).is_empty());
    }

    #[test]
    fn chinese_absolute_dates() {
        assert_eq!(first("11月3号"), Some(date(11, 3)));
        assert_eq!(first("十二月五日"), Some(date(12, 5)));
        assert_eq!(
            first("2027年1月2日"),
            Some(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap())
        );
        assert_eq!(first("3号送"), Some(date(12, 3)));
        assert_eq!(first("二十号"), Some(date(11, 20)));
        assert_eq!(first("3号楼"), None);
        assert_eq!(first("订单号"), None);
        assert_eq!(first("32号"), None);
    }
}
