//! Readings of Chinese words: pinyin with tone numbers, polyphones resolved for shop speech.
//!
//! A character's reading comes from the `pinyin` crate's most common reading, unless it is part of a word listed
//! in [`WORDS`] (重新 chóng vs 重量 zhòng, 还款 huán vs 还没 hái, 银行 háng vs 行 xíng; also inside a longer
//! word such as 重新安排) or the character is a particle on its own ([`SINGLE`]).
//!
//! These readings match those of the reference front end (misaki's v1.0 Mandarin path: jieba words, pypinyin,
//! no sandhi) on kefu's shop sentences, except where pypinyin's is wrong (还款 hái).
//!
//! Tones are citation tones: no sandhi is written. Kokoro's Mandarin was trained on unsandhied pinyin and says
//! the sandhi itself; writing it too made 五角 (wǔ jiǎo) come out as 无脚 (wú jiǎo).

use pinyin::ToPinyin;

/// Word readings where a character's most common reading is wrong (polyphones), or tones turn neutral.
const WORDS: &[(&str, &str)] = &[
    ("重新", "chong2 xin1"),
    ("重复", "chong2 fu4"),
    ("重发", "chong2 fa1"),
    ("重量", "zhong4 liang4"),
    ("更新", "geng1 xin1"),
    ("更换", "geng1 huan4"),
    ("更改", "geng1 gai3"),
    ("变更", "bian4 geng1"),
    ("这个", "zhe4 ge5"),
    ("那个", "na4 ge5"),
    ("重要", "zhong4 yao4"),
    ("还款", "huan2 kuan3"),
    ("退还", "tui4 huan2"),
    ("归还", "gui1 huan2"),
    ("还给", "huan2 gei3"),
    ("还货", "huan2 huo4"),
    ("银行", "yin2 hang2"),
    ("行业", "hang2 ye4"),
    ("行李", "xing2 li5"),
    ("长度", "chang2 du4"),
    ("长期", "chang2 qi1"),
    ("店长", "dian4 zhang3"),
    ("便宜", "pian2 yi5"),
    ("调整", "tiao2 zheng3"),
    ("空调", "kong1 tiao2"),
    ("调货", "diao4 huo4"),
    ("只有", "zhi3 you3"),
    ("一只", "yi4 zhi1"),
    ("差不多", "cha4 bu5 duo1"),
    ("出差", "chu1 chai1"),
    ("处理", "chu3 li3"),
    ("应该", "ying1 gai1"),
    ("答应", "da1 ying4"),
    ("部分", "bu4 fen5"),
    ("了解", "liao3 jie3"),
    ("觉得", "jue2 de5"),
    ("记得", "ji4 de5"),
    ("得到", "de2 dao4"),
    ("获得", "huo4 de2"),
    ("着急", "zhao2 ji2"),
    ("单号", "dan1 hao4"),
    ("卡住", "qia3 zhu4"),
    ("种类", "zhong3 lei4"),
    ("爱好", "ai4 hao4"),
    ("头发", "tou2 fa5"),
    ("首都", "shou3 du1"),
    ("作为", "zuo4 wei2"),
    ("成为", "cheng2 wei2"),
    ("认为", "ren4 wei2"),
    ("地方", "di4 fang5"),
    ("东西", "dong1 xi5"),
    ("谢谢", "xie4 xie5"),
    ("时候", "shi2 hou5"),
    ("先生", "xian1 sheng5"),
    ("麻烦", "ma2 fan5"),
    ("客气", "ke4 qi5"),
    ("知道", "zhi1 dao5"),
    ("意思", "yi4 si5"),
    ("清楚", "qing1 chu5"),
    ("明白", "ming2 bai5"),
    ("衣服", "yi1 fu5"),
    ("事情", "shi4 qing5"),
    ("告诉", "gao4 su5"),
    ("名字", "ming2 zi5"),
    ("朋友", "peng2 you5"),
    ("什么", "shen2 me5"),
    ("怎么", "zen3 me5"),
    ("这么", "zhe4 me5"),
    ("那么", "na4 me5"),
    ("多少", "duo1 shao5"),
    ("为什么", "wei4 shen2 me5"),
    ("一下", "yi2 xia4"),
    ("一点", "yi4 dian3"),
];

/// Characters standing alone as a word: structural particles and characters whose most common reading in the
/// `pinyin` data is not the shop one.
const SINGLE: &[(char, &str)] = &[
    ('的', "de5"),
    ('地', "de5"),
    ('得', "de5"),
    ('着', "zhe5"),
    ('了', "le5"),
    ('长', "chang2"),
    ('还', "hai2"),
    ('行', "xing2"),
];

/// How a run of Chinese text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadingKind {
    /// Running text: words are looked up in the polyphone tables.
    Text,
    /// Digits read one by one, dates and clock times: each character's own reading.
    Literal,
}

/// One word's syllables as (pinyin without tone, tone 1–5).
pub type Reading = Vec<(String, u8)>;

/// The readings of the words of one phrase (already segmented).
pub fn read_words(words: &[&str], kind: ReadingKind) -> Vec<Reading> {
    words.iter().map(|w| word_reading(w, kind)).collect()
}

fn word_reading(word: &str, kind: ReadingKind) -> Reading {
    if kind == ReadingKind::Text {
        let mut chars = word.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && let Some((_, reading)) = SINGLE.iter().find(|(s, _)| *s == c)
        {
            return vec![numbered(reading)];
        }
        return with_listed_parts(word);
    }
    own_readings(word)
}

/// Each character's most common reading.
fn own_readings(text: &str) -> Reading {
    text.to_pinyin()
        .flatten()
        .map(|p| numbered(p.with_tone_num_end()))
        .collect()
}

/// A word longer than the listed ones (jieba keeps 重新安排 whole): listed words inside it keep their reading,
/// the longest match first at each position; other characters take their own.
fn with_listed_parts(word: &str) -> Reading {
    let mut reading = Reading::new();
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        let listed = WORDS
            .iter()
            .filter(|(w, _)| rest.starts_with(w))
            .max_by_key(|(w, _)| w.len());
        let taken = match listed {
            Some((w, listed)) => {
                reading.extend(listed.split(' ').map(numbered));
                w.len()
            }
            None => {
                reading.extend(own_readings(&rest[..c.len_utf8()]));
                c.len_utf8()
            }
        };
        rest = &rest[taken..];
    }
    reading
}

fn numbered(text: &str) -> (String, u8) {
    let s = super::ipa::split_tone(text);
    (s.pinyin.to_string(), s.tone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(words: &[&str]) -> Vec<String> {
        read_words(words, ReadingKind::Text)
            .into_iter()
            .flatten()
            .map(|(p, t)| format!("{p}{t}"))
            .collect()
    }

    #[test]
    fn polyphones_follow_the_word() {
        assert_eq!(read(&["重新"]), ["chong2", "xin1"]);
        assert_eq!(read(&["重量"]), ["zhong4", "liang4"]);
        assert_eq!(read(&["重新安排"]), ["chong2", "xin1", "an1", "pai2"]);
        assert_eq!(read(&["已更新"]), ["yi3", "geng1", "xin1"]);
        assert_eq!(read(&["还款"]), ["huan2", "kuan3"]);
        assert_eq!(read(&["还", "没"]), ["hai2", "mei2"]);
        assert_eq!(read(&["银行"]), ["yin2", "hang2"]);
        assert_eq!(read(&["行"]), ["xing2"]);
        assert_eq!(read(&["发货", "了"]), ["fa1", "huo4", "le5"]);
    }

    #[test]
    fn citation_tones_without_sandhi() {
        assert_eq!(read(&["不是"]), ["bu4", "shi4"]);
        assert_eq!(read(&["五角"]), ["wu3", "jiao3"]);
        assert_eq!(read(&["一天"]), ["yi1", "tian1"]);
        let literal: Vec<String> = read_words(&["一", "五"], ReadingKind::Literal)
            .into_iter()
            .flatten()
            .map(|(p, t)| format!("{p}{t}"))
            .collect();
        assert_eq!(literal, ["yi1", "wu3"]);
    }
}
