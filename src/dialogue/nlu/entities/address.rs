//! Delivery addresses, taken from what follows a cue ("change the address to …", "send it to …",
//! 地址改成…, 送到…) up to the end of the sentence; or, when the dialogue asked for an address, the
//! whole answer if it looks like one.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, EntityValue, Expecting, priority};

/// Cues that announce an address for sure.
static STRONG_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:address|addr)\b(?:\s+(?:of|for|on)\s+[^.!?;,]{0,40}?)?\s+(?:to|should be|will be)\s+",
        r"|\bnew address\s*(?:is|:)?\s*",
        r"|(?:收货|配送|送货|新)?地址(?:改成|改为|换成|变成|改到|更改为|修改为|是|为|[:：])\s*",
    ))
    .expect("valid regex")
});
/// Cues after which an address may follow ("send it to me", "the address is wrong" have none).
static WEAK_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:send|deliver|ship|bring|mail)\s+(?:it|them|the (?:order|package|parcel|item))?\s*(?:over\s+)?to\s+",
        r"|\baddress\s*(?:is|:)\s*",
        r"|(?:改送到|送到|寄到|发到|送去|寄去|派送到|配送到)\s*",
    ))
    .expect("valid regex")
});
/// Where an address stops even without punctuation: the caller moves on to when, or to politeness.
static STOP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i),?\s+(?:tomorrow|today|tonight|on|at|by|after|before|please|thanks|thank you|and|next|this|from|asap)\b",
        r"|今天|明天|后天|大后天|下周|下星期|这周|周[一二三四五六日天]|星期|上午|下午|中午|晚上|早上|之前|以前|的时候|谢谢|麻烦",
    ))
    .expect("valid regex")
});

const ADDRESS_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "blvd",
    "boulevard",
    "way",
    "apt",
    "apartment",
    "suite",
    "unit",
    "floor",
    "building",
    "court",
    "ct",
    "place",
    "pl",
    "city",
    "district",
];
const ADDRESS_CHARS: &[&str] = &[
    "路", "街", "道", "巷", "弄", "号", "区", "市", "省", "县", "镇", "村", "小区", "栋", "幢",
    "楼", "室", "单元", "大厦", "花园",
];
/// Polite endings that are not part of the address.
const TRAILERS: &[&str] = &[
    "please",
    "thanks",
    "thank you",
    "thx",
    "谢谢",
    "吧",
    "哦",
    "啊",
    "呀",
    "好吗",
    "可以吗",
    "行吗",
];

pub(super) fn find(text: &str, expecting: Option<Expecting>) -> Vec<Candidate> {
    let cued = STRONG_CUE
        .find(text)
        .map(|m| (m.end(), true))
        .or_else(|| WEAK_CUE.find(text).map(|m| (m.end(), false)));
    let (start, strong) = match cued {
        Some(c) => c,
        None if expecting == Some(Expecting::Address) => (0, false),
        None => return Vec::new(),
    };
    let Some(span) = address_span(text, start) else {
        return Vec::new();
    };
    let address = &text[span.clone()];
    let long_enough = address.chars().filter(|c| c.is_alphanumeric()).count() >= 2;
    if !long_enough || !(strong || looks_like_address(address)) {
        return Vec::new();
    }
    vec![Candidate::new(
        EntityValue::Address(address.to_string()),
        span,
        priority::ADDRESS,
    )]
}

/// From `start` to the end of the sentence (Chinese commas end it too; English commas separate address
/// parts), without trailing punctuation and polite endings.
fn address_span(text: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let rest = &text[start..];
    let mut end = start
        + rest
            .find(['.', '!', '?', ';', '。', '！', '？', '；', '，', '\n'])
            .unwrap_or(rest.len());
    // A stop word at the very start leaves an empty address, which is rejected below anyway.
    if let Some(m) = STOP.find(&text[start..end]).filter(|m| m.start() > 0) {
        end = start + m.start();
    }
    let mut candidate = text[start..end].trim_end_matches([' ', ',', '，', '、']);
    loop {
        let lower = candidate.to_lowercase();
        let Some(t) = TRAILERS.iter().find(|t| {
            lower.ends_with(*t)
                && lower.len() > t.len()
                && candidate.is_char_boundary(candidate.len() - t.len())
        }) else {
            break;
        };
        candidate = candidate[..candidate.len() - t.len()].trim_end_matches([' ', ',', '，', '、']);
    }
    let trimmed_start = candidate.len() - candidate.trim_start().len();
    let candidate = candidate.trim();
    (!candidate.is_empty()).then(|| start + trimmed_start..start + trimmed_start + candidate.len())
}

fn looks_like_address(s: &str) -> bool {
    let lower = s.to_lowercase();
    s.chars().any(|c| c.is_ascii_digit())
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| ADDRESS_WORDS.contains(&w))
        || ADDRESS_CHARS.iter().any(|w| s.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str, expecting: Option<Expecting>) -> Option<String> {
        find(text, expecting)
            .into_iter()
            .next()
            .map(|c| match c.entity.value {
                EntityValue::Address(a) => {
                    assert_eq!(&text[c.entity.span], a);
                    a
                }
                other => panic!("not an address: {other:?}"),
            })
    }

    #[test]
    fn english_addresses_after_cues() {
        assert_eq!(
            address(
                "Please change the address to 12 Oak Street, Springfield. Thanks!",
                None
            )
            .as_deref(),
            Some("12 Oak Street, Springfield")
        );
        assert_eq!(
            address("my new address is 5 Main St apt 3 please", None).as_deref(),
            Some("5 Main St apt 3")
        );
        assert_eq!(
            address("can you send it to 221B Baker Street", None).as_deref(),
            Some("221B Baker Street")
        );
        assert_eq!(address("send it to me tomorrow", None), None);
        assert_eq!(address("the address is wrong", None), None);
        assert_eq!(
            address("change the delivery address of order 12345678 to 12 Oak Street, tomorrow after 3pm", None)
                .as_deref(),
            Some("12 Oak Street")
        );
        assert_eq!(
            address("deliver it to 9 Elm Road on Friday", None).as_deref(),
            Some("9 Elm Road")
        );
    }

    #[test]
    fn chinese_addresses_after_cues() {
        assert_eq!(
            address("地址改成北京市朝阳区建国路88号，谢谢", None).as_deref(),
            Some("北京市朝阳区建国路88号")
        );
        assert_eq!(
            address("帮我送到公司楼下吧", None).as_deref(),
            Some("公司楼下")
        );
        assert_eq!(
            address("收货地址改为上海市浦东新区世纪大道100号", None).as_deref(),
            Some("上海市浦东新区世纪大道100号")
        );
        assert_eq!(address("送到了吗", None), None);
        assert_eq!(
            address("改送到杭州市文三路90号明天下午送", None).as_deref(),
            Some("杭州市文三路90号")
        );
    }

    #[test]
    fn expected_address_is_the_whole_answer() {
        assert_eq!(
            address("杭州市西湖区文三路90号", Some(Expecting::Address)).as_deref(),
            Some("杭州市西湖区文三路90号")
        );
        assert_eq!(address("yes", Some(Expecting::Address)), None);
    }
}
