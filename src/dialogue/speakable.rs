//! Numbers, dates, times, amounts and identifiers written the way a voice says them.
//!
//! Replies are read aloud by TTS engines that mangle digit strings ("20241234" as "twenty million …") and
//! read Chinese text with Arabic numerals inconsistently, so the dialogue renders them here first.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use crate::lang::Lang;

const EN_DIGITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];
const ZH_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A string of digits read one by one (order, ticket and tracking numbers); other characters are kept.
/// en: "two zero two four …"; zh: "二零二四…".
pub fn digits(s: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => s
            .chars()
            .map(|c| c.to_digit(10).map_or(c, |d| ZH_DIGITS[d as usize]))
            .collect(),
        Lang::En => s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                c.to_digit(10)
                    .map_or_else(|| c.to_string(), |d| EN_DIGITS[d as usize].to_string())
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// An order number: en "order two zero two four one two three four", zh "订单号二零二四一二三四".
pub fn order_number(number: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("订单号{}", digits(number, lang)),
        Lang::En => format!("order {}", digits(number, lang)),
    }
}

/// A phone number read in groups (country code dropped for Chinese mobiles): "one three eight, zero zero …".
pub fn phone(number: &str, lang: Lang) -> String {
    let all: String = number.chars().filter(char::is_ascii_digit).collect();
    let local = match all.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_string(),
        _ => all
            .strip_prefix('1')
            .filter(|r| r.len() == 10)
            .unwrap_or(&all)
            .to_string(),
    };
    // 11-digit Chinese mobiles are said 3-4-4, 10-digit North American numbers 3-3-4.
    let groups: &[usize] = if local.len() == 11 {
        &[3, 4, 4]
    } else {
        &[3, 3, 4]
    };
    let mut parts = Vec::new();
    let mut rest = local.as_str();
    for &g in groups {
        if rest.is_empty() {
            break;
        }
        let cut = g.min(rest.len());
        parts.push(digits(&rest[..cut], lang));
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        parts.push(digits(rest, lang));
    }
    parts.join(match lang {
        Lang::Zh => "，",
        Lang::En => ", ",
    })
}

fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// A calendar day: en "May 3rd", zh "5月3日" (the year only when it differs from `today`'s).
pub fn date(d: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    let same_year = d.year() == today.year();
    match lang {
        Lang::Zh if same_year => format!("{}月{}日", d.month(), d.day()),
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => {
            let base = format!(
                "{} {}{}",
                EN_MONTHS[d.month0() as usize],
                d.day(),
                ordinal_suffix(d.day())
            );
            if same_year {
                base
            } else {
                format!("{base}, {}", d.year())
            }
        }
    }
}

/// A day relative to today when close ("today", "tomorrow, May 3rd", "明天，5月3日"), else the plain date.
pub fn relative_date(d: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    let word = match ((d - today).num_days(), lang) {
        (0, Lang::En) => Some("today"),
        (1, Lang::En) => Some("tomorrow"),
        (2, Lang::En) => Some("the day after tomorrow"),
        (-1, Lang::En) => Some("yesterday"),
        (0, Lang::Zh) => Some("今天"),
        (1, Lang::Zh) => Some("明天"),
        (2, Lang::Zh) => Some("后天"),
        (-1, Lang::Zh) => Some("昨天"),
        _ => None,
    };
    match (word, lang) {
        (Some(w), Lang::En) => format!("{w}, {}", date(d, today, lang)),
        (Some(w), Lang::Zh) => format!("{w}，{}", date(d, today, lang)),
        (None, _) => date(d, today, lang),
    }
}

/// A clock time: en "3 pm", "9:30 am"; zh "下午3点", "上午9点30分".
pub fn time(t: NaiveTime, lang: Lang) -> String {
    let (h, m) = (t.hour(), t.minute());
    match lang {
        Lang::En => {
            let (h12, ampm) = match h {
                0 => (12, "am"),
                1..=11 => (h, "am"),
                12 => (12, "pm"),
                _ => (h - 12, "pm"),
            };
            if m == 0 {
                format!("{h12} {ampm}")
            } else {
                format!("{h12}:{m:02} {ampm}")
            }
        }
        Lang::Zh => {
            let part = match h {
                0..=5 => "凌晨",
                6..=11 => "上午",
                12 => "中午",
                13..=17 => "下午",
                _ => "晚上",
            };
            let h12 = if h > 12 { h - 12 } else { h };
            // The hour two is "两点", never "二点".
            let hour = if h12 == 2 {
                "两".to_string()
            } else {
                number(i64::from(h12), lang)
            };
            if m == 0 {
                format!("{part}{hour}点")
            } else {
                format!("{part}{hour}点{}分", number(i64::from(m), lang))
            }
        }
    }
}

/// An integer as words in Chinese ("两千六百八十"); English keeps numerals, which every English voice reads well.
pub fn number(n: i64, lang: Lang) -> String {
    match lang {
        Lang::En => n.to_string(),
        Lang::Zh => zh_number(n),
    }
}

fn zh_number(n: i64) -> String {
    if n < 0 {
        return format!("负{}", zh_number(-n));
    }
    if n == 0 {
        return "零".into();
    }
    let mut out = String::new();
    let groups = [(100_000_000, "亿"), (10_000, "万"), (1, "")];
    let mut rest = n;
    let mut need_zero = false;
    for (size, unit) in groups {
        let g = rest / size;
        rest %= size;
        if g == 0 {
            need_zero = !out.is_empty();
            continue;
        }
        if need_zero || (!out.is_empty() && g < 1000) {
            out.push('零');
        }
        out.push_str(&zh_below_10000(g, out.is_empty()));
        out.push_str(unit);
        need_zero = false;
    }
    out
}

/// 1..=9999 in Chinese; `leading` allows the colloquial "十二" for 12 and "两千" for 2000.
fn zh_below_10000(n: i64, leading: bool) -> String {
    let units = ["千", "百", "十", ""];
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut zero_pending = false;
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        let first = out.is_empty();
        match (d, i) {
            (1, 2) if first && leading => {}
            (2, 0 | 1) if first => out.push('两'),
            _ => out.push(ZH_DIGITS[d as usize]),
        }
        out.push_str(units[i]);
    }
    out
}

/// An amount of money in cents: en "129 yuan 50", zh "一百二十九元五角".
pub fn amount(cents: i64, lang: Lang) -> String {
    let (yuan, rest) = (cents / 100, cents % 100);
    match lang {
        Lang::En if rest == 0 => format!("{yuan} yuan"),
        Lang::En => format!("{yuan} yuan {rest:02}"),
        Lang::Zh => {
            let mut s = format!("{}元", zh_number(yuan));
            let (jiao, fen) = (rest / 10, rest % 10);
            if jiao > 0 {
                s.push(ZH_DIGITS[jiao as usize]);
                s.push('角');
            }
            if fen > 0 {
                if jiao == 0 {
                    s.push('零');
                }
                s.push(ZH_DIGITS[fen as usize]);
                s.push('分');
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    #[test]
    fn order_numbers_are_read_digit_by_digit() {
        assert_eq!(
            order_number("20241234", Lang::En),
            "order two zero two four one two three four"
        );
        assert_eq!(order_number("20241234", Lang::Zh), "订单号二零二四一二三四");
    }

    #[test]
    fn phones_are_grouped() {
        assert_eq!(
            phone("+8613800138000", Lang::Zh),
            "一三八，零零一三，八零零零"
        );
        assert_eq!(
            phone("+14155550100", Lang::En),
            "four one five, five five five, zero one zero zero"
        );
    }

    #[test]
    fn dates_and_times() {
        let today = day(5, 1);
        assert_eq!(date(day(5, 3), today, Lang::En), "May 3rd");
        assert_eq!(date(day(5, 11), today, Lang::En), "May 11th");
        assert_eq!(date(day(5, 22), today, Lang::En), "May 22nd");
        assert_eq!(date(day(5, 3), today, Lang::Zh), "5月3日");
        assert_eq!(
            date(
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                today,
                Lang::En
            ),
            "January 1st, 2025"
        );
        assert_eq!(
            relative_date(day(5, 2), today, Lang::En),
            "tomorrow, May 2nd"
        );
        assert_eq!(relative_date(day(5, 2), today, Lang::Zh), "明天，5月2日");
        assert_eq!(
            time(NaiveTime::from_hms_opt(15, 0, 0).unwrap(), Lang::En),
            "3 pm"
        );
        assert_eq!(
            time(NaiveTime::from_hms_opt(9, 30, 0).unwrap(), Lang::En),
            "9:30 am"
        );
        assert_eq!(
            time(NaiveTime::from_hms_opt(14, 30, 0).unwrap(), Lang::Zh),
            "下午两点三十分"
        );
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            (0, "零"),
            (7, "七"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (129, "一百二十九"),
            (2680, "两千六百八十"),
            (3005, "三千零五"),
            (10_000, "一万"),
            (15_200, "一万五千二百"),
            (100_500, "十万零五百"),
            (1_000_001, "一百万零一"),
            (120_000_000, "一亿两千万"),
        ];
        for (n, want) in cases {
            assert_eq!(number(n, Lang::Zh), want, "{n}");
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(amount(12950, Lang::En), "129 yuan 50");
        assert_eq!(amount(12900, Lang::En), "129 yuan");
        assert_eq!(amount(12950, Lang::Zh), "一百二十九元五角");
        assert_eq!(amount(12905, Lang::Zh), "一百二十九元零五分");
        assert_eq!(amount(649_900, Lang::Zh), "六千四百九十九元");
    }
}
