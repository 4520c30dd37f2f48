//! Which part of an order the caller names: the address, the phone number or the delivery time.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, ChangeField, EntityValue, priority};

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?P<time>(?:delivery|shipping) (?:time|date|slot|window|day)|time slot)\b",
        r"|\b(?P<phone>phone number|phone|mobile number|mobile|contact number|cell number|cell phone)\b",
        r"|\b(?P<addr>address)\b",
        r"|(?P<ztime>配送时间|送货时间|派送时间|收货时间|送达时间|配送日期|送货日期|派送日期)",
        r"|(?P<zphone>手机号码|手机号|电话号码|联系电话|联系方式|电话|手机)",
        r"|(?P<zaddr>收货地址|配送地址|送货地址|地址)",
    ))
    .expect("valid regex")
});

pub(super) fn find(text: &str) -> Vec<Candidate> {
    FIELD
        .captures_iter(text)
        .filter_map(|c| {
            let m = c.get(0)?;
            let field = if c.name("time").or(c.name("ztime")).is_some() {
                ChangeField::DeliveryTime
            } else if c.name("phone").or(c.name("zphone")).is_some() {
                ChangeField::Phone
            } else {
                ChangeField::Address
            };
            Some(Candidate::new(
                EntityValue::ChangeField(field),
                m.range(),
                priority::FIELD,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<ChangeField> {
        find(text)
            .into_iter()
            .map(|c| match c.entity.value {
                EntityValue::ChangeField(f) => f,
                other => panic!("not a field: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn english_fields() {
        assert_eq!(fields("change my delivery address"), [ChangeField::Address]);
        assert_eq!(fields("update the phone number"), [ChangeField::Phone]);
        assert_eq!(
            fields("can I move the delivery time"),
            [ChangeField::DeliveryTime]
        );
        assert_eq!(fields("change the order"), []);
    }

    #[test]
    fn chinese_fields() {
        assert_eq!(fields("我要改收货地址"), [ChangeField::Address]);
        assert_eq!(fields("手机号换了"), [ChangeField::Phone]);
        assert_eq!(fields("改一下电话"), [ChangeField::Phone]);
        assert_eq!(fields("配送时间能改吗"), [ChangeField::DeliveryTime]);
    }
}
