//! Order numbers and phone numbers: digit runs (written or spoken) told apart by length, shape,
//! country codes, nearby words and what the dialogue asked for.

use super::super::spoken_digits::digit_runs;
use super::{Candidate, EntityValue, Expecting, priority};

/// Order numbers are 8 digits in the demo shop; other shops use 6–12.
const ORDER_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// When the dialogue asked for an order number, shorter answers are still taken (the store checks them).
const MIN_EXPECTED_ORDER_DIGITS: usize = 4;
/// When it asked for a phone number: anything from a 7-digit local number up.
const MIN_EXPECTED_PHONE_DIGITS: usize = 7;

const PHONE_CUES: &[&str] = &[
    "phone",
    "mobile",
    "cell",
    "call me",
    "电话",
    "手机",
    "联系方式",
    "号码",
];
const ORDER_CUES: &[&str] = &["order", "订单", "单号"];

pub(super) fn find(text: &str, expecting: Option<Expecting>) -> Vec<Candidate> {
    let lower = text.to_lowercase();
    let phone_cue = PHONE_CUES.iter().any(|c| lower.contains(c));
    let order_cue = ORDER_CUES.iter().any(|c| lower.contains(c));
    let mut found = Vec::new();
    for run in digit_runs(text) {
        let plus = text[..run.span.start].trim_end().ends_with('+');
        let phone = as_phone(&run.digits, plus);
        let n = run.digits.len();
        let value = match expecting {
            Some(Expecting::Phone) if n >= MIN_EXPECTED_PHONE_DIGITS => Some(EntityValue::Phone(
                phone.unwrap_or_else(|| run.digits.clone()),
            )),
            Some(Expecting::OrderNumber)
                if n >= MIN_EXPECTED_ORDER_DIGITS && !(phone_cue && phone.is_some()) =>
            {
                Some(EntityValue::OrderNumber(run.digits.clone()))
            }
            _ => match phone {
                Some(p) if is_cn_mobile(&run.digits) || plus || n == 13 => {
                    // A CN mobile is a phone unless the caller calls it an order number.
                    if order_cue && !phone_cue && !plus && ORDER_DIGITS.contains(&n) {
                        Some(EntityValue::OrderNumber(run.digits.clone()))
                    } else {
                        Some(EntityValue::Phone(p))
                    }
                }
                // 10 digits: a US number when called one or written like one (555-123-4567).
                Some(p)
                    if (phone_cue && !order_cue) || (run.grouped && !run.spoken && !order_cue) =>
                {
                    Some(EntityValue::Phone(p))
                }
                _ if ORDER_DIGITS.contains(&n) => {
                    Some(EntityValue::OrderNumber(run.digits.clone()))
                }
                _ => None,
            },
        };
        if let Some(value) = value {
            let start = if plus {
                text[..run.span.start].rfind('+').unwrap_or(run.span.start)
            } else {
                run.span.start
            };
            found.push(Candidate::new(value, start..run.span.end, priority::DIGITS));
        }
    }
    found
}

/// The national number if `digits` can be a phone number: CN mobile (with or without 86) or US (with or
/// without 1; the leading 1 only after a `+` or as an 11th digit).
fn as_phone(digits: &str, plus: bool) -> Option<String> {
    if plus {
        if let Some(rest) = digits.strip_prefix("86").filter(|r| is_cn_mobile(r)) {
            return Some(rest.to_string());
        }
        if let Some(rest) = digits.strip_prefix('1').filter(|r| is_us_number(r)) {
            return Some(rest.to_string());
        }
    }
    if let Some(rest) = digits.strip_prefix("86").filter(|r| is_cn_mobile(r)) {
        return Some(rest.to_string());
    }
    if is_cn_mobile(digits) {
        return Some(digits.to_string());
    }
    is_us_number(digits).then(|| digits.to_string())
}

fn is_cn_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// NANP: 10 digits, area code and exchange not starting with 0 or 1.
fn is_us_number(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10 && b[0] >= b'2' && b[3] >= b'2'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, expecting: Option<Expecting>) -> Vec<EntityValue> {
        find(text, expecting)
            .into_iter()
            .map(|c| c.entity.value)
            .collect()
    }

    fn order(d: &str) -> EntityValue {
        EntityValue::OrderNumber(d.into())
    }

    fn phone(d: &str) -> EntityValue {
        EntityValue::Phone(d.into())
    }

    #[test]
    fn order_numbers_written_and_spoken() {
        assert_eq!(values("where is order 20261124", None), [order("20261124")]);
        assert_eq!(
            values("order number one two three four five six seven eight", None),
            [order("12345678")]
        );
        assert_eq!(
            values("it's double seven oh one, two three four five", None),
            [order("77012345")]
        );
        assert_eq!(values("订单号幺二三四五六七八", None), [order("12345678")]);
        assert_eq!(
            values("订单号是一二三四 五六七八", None),
            [order("12345678")]
        );
        assert_eq!(values("123456", None), [order("123456")]);
        assert_eq!(values("12345", None), []);
        assert_eq!(values("1234567890123", None), []);
    }

    #[test]
    fn chinese_and_us_phone_numbers() {
        assert_eq!(
            values("我的手机号是13812345678", None),
            [phone("13812345678")]
        );
        assert_eq!(values("+86 138 1234 5678", None), [phone("13812345678")]);
        assert_eq!(
            values("电话 幺三八 一二三四 五六七八", None),
            [phone("13812345678")]
        );
        assert_eq!(
            values("call me at (415) 555-1234", None),
            [phone("4155551234")]
        );
        assert_eq!(values("+1 415-555-1234", None), [phone("4155551234")]);
        assert_eq!(
            values("my phone is 4155551234", None),
            [phone("4155551234")]
        );
        // Without a cue, 10 plain digits are an order number.
        assert_eq!(values("4155551234", None), [order("4155551234")]);
        // An 11-digit mobile-shaped run called an order number stays an order number.
        assert_eq!(values("订单13812345678", None), [order("13812345678")]);
    }

    #[test]
    fn phone_span_includes_the_plus() {
        let text = "call +86 13812345678";
        let found = find(text, None);
        assert_eq!(&text[found[0].entity.span.clone()], "+86 13812345678");
    }

    #[test]
    fn expected_entity_takes_bare_digits() {
        assert_eq!(
            values("5678", Some(Expecting::OrderNumber)),
            [order("5678")]
        );
        assert_eq!(
            values("13812345678", Some(Expecting::OrderNumber)),
            [order("13812345678")]
        );
        assert_eq!(
            values("5551234", Some(Expecting::Phone)),
            [phone("5551234")]
        );
        assert_eq!(values("123", Some(Expecting::Phone)), []);
    }
}
