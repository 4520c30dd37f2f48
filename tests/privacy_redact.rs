//! Redaction of personal data in Chinese and English, every kind, and what must survive it.

use kefu::privacy::{redact, redact_entities_json};

fn check(input: &str, expected: &str) {
    assert_eq!(redact(input), expected, "redacting {input:?}");
}

#[test]
fn phone_numbers_en() {
    check(
        "call me at (415) 555-0100 please",
        "call me at [phone] please",
    );
    check("my number is 415-555-0100", "my number is [phone]");
    check("it's +1 415 555 0100", "it's [phone]");
    check("reach me on 4155550100.", "reach me on [phone].");
    check("or 555-0100", "or [phone]");
}

#[test]
fn phone_numbers_zh() {
    check("我的手机号是13800138000", "我的手机号是[phone]");
    check("电话+86 138 0013 8000", "电话[phone]");
    check("座机010-12345678", "座机[phone]");
    check("号码一三八零零一三八零零零", "号码[phone]");
}

#[test]
fn card_numbers() {
    check("card 4111 1111 1111 1111 expires", "card [card] expires");
    check("my card is 4111111111111111", "my card is [card]");
    check("银行卡号6222021234567890128", "银行卡号[card]");
    check("卡号 5500-0000-0000-0004", "卡号 [card]");
}

#[test]
fn identity_numbers() {
    check("身份证号110101199003071234", "身份证号[id]");
    check("身份证11010119900307123X", "身份证[id]");
    check("my SSN is 123-45-6789", "my SSN is [id]");
}

#[test]
fn emails() {
    check(
        "email me at john.smith@example.com thanks",
        "email me at [email] thanks",
    );
    check("邮箱是zhang_san@qq.com", "邮箱是[email]");
    check("it's john dot smith at gmail dot com", "it's [email]");
}

#[test]
fn street_addresses_en() {
    check(
        "send it to 742 Evergreen Terrace please",
        "send it to [address] please",
    );
    check(
        "my address is 1600 pennsylvania avenue, apt 5",
        "my address is [address]",
    );
    check("deliver to 12 Main St.", "deliver to [address]");
}

#[test]
fn street_addresses_zh() {
    check(
        "我的地址是上海市浦东新区世纪大道100号",
        "我的地址是[address]",
    );
    check("送到北京市朝阳区建国路88号3号楼1201室吧", "送到[address]吧");
    check("改成广州市天河区体育西路一百二十号", "改成[address]");
    check("寄到成都市武侯区人民南路四段9号", "寄到[address]");
}

#[test]
fn business_numbers_survive() {
    for text in [
        "where is my order 20241234",
        "订单20241234到哪了",
        "the headphones cost 299 yuan and I want 2",
        "退货需要7天",
        "I'll call back at 3 pm on May 5",
        "tracking number SF1234567890",
        "",
    ] {
        check(text, text);
    }
}

#[test]
fn several_kinds_in_one_sentence() {
    check(
        "order 20241234, phone 13800138000, email a@b.cn, address 上海市黄浦区南京东路1号",
        "order 20241234, phone [phone], email [email], address [address]",
    );
}

#[test]
fn entity_lists_lose_phone_and_address_values() {
    let json = r#"[{"value":{"kind":"phone","value":"13800138000"},"span":{"start":0,"end":11}},{"value":{"kind":"address","value":"南京东路"},"span":{"start":12,"end":20}},{"value":{"kind":"order_number","value":"20241234"},"span":{"start":21,"end":29}}]"#;
    let out = redact_entities_json(json);
    assert!(!out.contains("13800138000"), "{out}");
    assert!(!out.contains("南京东路"), "{out}");
    assert!(out.contains("20241234"), "order numbers stay: {out}");
    assert!(
        out.contains("[phone]") && out.contains("[address]"),
        "{out}"
    );
}
