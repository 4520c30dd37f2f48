//! Amounts of money: ¥99.5, $20, 99 yuan, 20 dollars, 99块5, 99元5角, 九十九元, 一百块钱.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::chinese_number::{parse_decimal, parse_integer};
use super::{Candidate, EntityValue, priority};

const NUMBER: &str = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]{1,2})?";

static SYMBOL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"([¥￥$])\s*({NUMBER})")).expect("valid regex"));
static EN_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({NUMBER})\s*(yuan|rmb|cny|kuai|dollars?|bucks|usd)\b"
    ))
    .expect("valid regex")
});
static ZH_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"({NUMBER}|[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?)\s*(块钱|块|元|圆)(?:\s*([0-9一二三四五六七八九])\s*(?:毛|角)?)?(钱)?"
    ))
    .expect("valid regex")
});

pub(super) fn find(text: &str) -> Vec<Candidate> {
    let mut found = Vec::new();
    for c in SYMBOL.captures_iter(text) {
        let currency = if &c[1] == "$" { "USD" } else { "CNY" };
        push(&mut found, &c, value(&c[2]), None, currency);
    }
    for c in EN_UNIT.captures_iter(text) {
        let unit = c[2].to_lowercase();
        let currency = if unit.starts_with("dollar") || unit == "bucks" || unit == "usd" {
            "USD"
        } else {
            "CNY"
        };
        push(&mut found, &c, value(&c[1]), None, currency);
    }
    for c in ZH_UNIT.captures_iter(text) {
        let span = whole(&c);
        // 一块儿 / 一块去 mean "together"; 一块 + noun is "a piece of".
        if c.get(3).is_none() && text[span.end..].starts_with(['儿', '去', '走', '来', '吃', '玩'])
        {
            continue;
        }
        let jiao = c.get(3).and_then(|m| parse_integer(m.as_str()));
        push(&mut found, &c, value(&c[1]), jiao, "CNY");
    }
    found
}

fn push(
    found: &mut Vec<Candidate>,
    c: &Captures,
    amount: Option<f64>,
    jiao: Option<u64>,
    currency: &str,
) {
    let Some(amount) = amount else { return };
    let cents = (amount * 100.0).round() as i64 + jiao.map_or(0, |j| j as i64 * 10);
    found.push(Candidate::new(
        EntityValue::Amount {
            cents,
            currency: currency.to_string(),
        },
        whole(c),
        priority::DATE_TIME_AMOUNT,
    ));
}

fn value(s: &str) -> Option<f64> {
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.replace(',', "").parse().ok()
    } else {
        parse_decimal(s)
    }
}

fn whole(c: &Captures) -> std::ops::Range<usize> {
    c.get(0).map_or(0..0, |m| m.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(text: &str) -> Vec<(i64, String)> {
        let mut found = find(text);
        found.sort_by_key(|c| std::cmp::Reverse(c.entity.span.len()));
        found
            .into_iter()
            .map(|c| match c.entity.value {
                EntityValue::Amount { cents, currency } => (cents, currency),
                other => panic!("not an amount: {other:?}"),
            })
            .collect()
    }

    fn cny(cents: i64) -> (i64, String) {
        (cents, "CNY".into())
    }

    #[test]
    fn symbols_and_english_units() {
        assert_eq!(amounts("it was ¥99.5"), [cny(9950)]);
        assert_eq!(amounts("￥1,299"), [cny(129_900)]);
        assert_eq!(amounts("$20"), [(2000, "USD".to_string())]);
        assert_eq!(amounts("99 yuan"), [cny(9900)]);
        assert_eq!(amounts("20 dollars"), [(2000, "USD".to_string())]);
        assert_eq!(amounts("I have 3 items"), []);
    }

    #[test]
    fn chinese_amounts() {
        assert_eq!(amounts("99块5"), [cny(9950)]);
        assert_eq!(amounts("99元5角"), [cny(9950)]);
        assert_eq!(amounts("九十九元"), [cny(9900)]);
        assert_eq!(amounts("一百块钱"), [cny(10_000)]);
        assert_eq!(amounts("三块五毛"), [cny(350)]);
        assert_eq!(amounts("两千五百元"), [cny(250_000)]);
        assert_eq!(amounts("我们一块去"), []);
    }
}
