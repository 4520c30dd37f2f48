//! One pinyin syllable with its tone number → the IPA Kokoro v1.0 was trained on for Mandarin.
//!
//! Initials: b→p, p→pʰ, d→t, t→tʰ, g→k, k→kʰ, h→x, j→ʨ, q→ʨʰ, x→ɕ, zh→ꭧ, ch→ꭧʰ, sh→ʂ, r→ɻ, z→ʦ, c→ʦʰ.
//! Medials i/u/ü become j/w/ɥ; the apical vowel of zhi/chi/shi/ri/zi/ci/si is ɨ. The tone mark (1 →, 2 ↗,
//! 3 ↓, 4 ↘, neutral none) goes after the vowels and before a final n/ŋ: 转 zhuan3 → `ꭧwa↓n`.

/// A syllable and its tone (1–4, 5 = neutral), e.g. `("zhuan", 3)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syllable<'a> {
    pub pinyin: &'a str,
    pub tone: u8,
}

const INITIALS: [(&str, &str); 21] = [
    ("zh", "ꭧ"),
    ("ch", "ꭧʰ"),
    ("sh", "ʂ"),
    ("b", "p"),
    ("p", "pʰ"),
    ("m", "m"),
    ("f", "f"),
    ("d", "t"),
    ("t", "tʰ"),
    ("n", "n"),
    ("l", "l"),
    ("g", "k"),
    ("k", "kʰ"),
    ("h", "x"),
    ("j", "ʨ"),
    ("q", "ʨʰ"),
    ("x", "ɕ"),
    ("r", "ɻ"),
    ("z", "ʦ"),
    ("c", "ʦʰ"),
    ("s", "s"),
];

/// Finals as written after an initial (ü as `v`): (vowels, coda). The tone mark goes between them.
const FINALS: [(&str, &str, &str); 35] = [
    ("a", "a", ""),
    ("o", "wo", ""),
    ("e", "ɤ", ""),
    ("ai", "ai", ""),
    ("ei", "ei", ""),
    ("ao", "au", ""),
    ("ou", "ou", ""),
    ("an", "a", "n"),
    ("en", "ə", "n"),
    ("ang", "a", "ŋ"),
    ("eng", "ə", "ŋ"),
    ("ong", "ʊ", "ŋ"),
    ("er", "ɚ", ""),
    ("i", "i", ""),
    ("ia", "ja", ""),
    ("ie", "je", ""),
    ("iao", "jau", ""),
    ("iu", "jou", ""),
    ("ian", "jɛ", "n"),
    ("in", "i", "n"),
    ("iang", "ja", "ŋ"),
    ("ing", "i", "ŋ"),
    ("iong", "jʊ", "ŋ"),
    ("u", "u", ""),
    ("ua", "wa", ""),
    ("uo", "wo", ""),
    ("uai", "wai", ""),
    ("ui", "wei", ""),
    ("uan", "wa", "n"),
    ("un", "wə", "n"),
    ("uang", "wa", "ŋ"),
    ("v", "y", ""),
    ("ve", "ɥe", ""),
    ("van", "ɥɛ", "n"),
    ("vn", "y", "n"),
];

/// Spellings of syllables without an initial, rewritten to initial-less finals (`yan` → `ian`, `wu` → `u`).
const ZERO_INITIAL: [(&str, &str); 23] = [
    ("yuan", "van"),
    ("yue", "ve"),
    ("yun", "vn"),
    ("yu", "v"),
    ("yong", "iong"),
    ("yang", "iang"),
    ("ying", "ing"),
    ("yao", "iao"),
    ("yan", "ian"),
    ("you", "iu"),
    ("yin", "in"),
    ("ye", "ie"),
    ("ya", "ia"),
    ("yi", "i"),
    ("wang", "uang"),
    ("weng", "ueng"),
    ("wai", "uai"),
    ("wan", "uan"),
    ("wei", "ui"),
    ("wen", "un"),
    ("wa", "ua"),
    ("wo", "uo"),
    ("wu", "u"),
];

fn tone_mark(tone: u8) -> &'static str {
    match tone {
        1 => "→",
        2 => "↗",
        3 => "↓",
        4 => "↘",
        _ => "",
    }
}

/// The IPA of one syllable, or `None` if it is not valid pinyin.
pub fn syllable_ipa(syllable: Syllable<'_>) -> Option<String> {
    let spelled = syllable.pinyin.to_lowercase().replace('ü', "v");
    let (onset, rest) = INITIALS
        .iter()
        .find(|(p, _)| spelled.starts_with(p))
        .map_or(("", spelled.as_str()), |(p, ipa)| {
            (*ipa, &spelled[p.len()..])
        });
    let mut rest = rest.to_string();
    if onset.is_empty() {
        rest = ZERO_INITIAL
            .iter()
            .find(|(spelling, _)| rest.starts_with(spelling) && rest.len() == spelling.len())
            .map_or(rest.clone(), |(_, final_)| (*final_).to_string());
    } else if matches!(onset, "ʨ" | "ʨʰ" | "ɕ") && rest.starts_with('u') {
        // After j, q, x a written u is ü.
        rest.replace_range(..1, "v");
    }
    let (vowels, coda) = if rest == "ueng" {
        ("wə", "ŋ")
    } else if rest == "i" && matches!(onset, "ꭧ" | "ꭧʰ" | "ʂ" | "ɻ" | "ʦ" | "ʦʰ" | "s") {
        ("ɨ", "")
    } else {
        FINALS
            .iter()
            .find(|(f, _, _)| *f == rest)
            .map(|(_, v, c)| (*v, *c))?
    };
    Some(format!("{onset}{vowels}{}{coda}", tone_mark(syllable.tone)))
}

/// Splits `zhuan3` / `de` into the syllable and its tone (no digit = neutral, 5).
pub fn split_tone(numbered: &str) -> Syllable<'_> {
    match numbered.char_indices().last() {
        Some((i, d @ '1'..='5')) => Syllable {
            pinyin: &numbered[..i],
            tone: d as u8 - b'0',
        },
        _ => Syllable {
            pinyin: numbered,
            tone: 5,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipa(s: &str) -> String {
        syllable_ipa(split_tone(s)).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn the_issue_example() {
        // 帮我转人工客服 → pa→ŋ wo↓ ꭧwa↓n ɻə↗nkʊ→ŋ kʰɤ↘fu↗
        let got: Vec<String> = ["bang1", "wo3", "zhuan3", "ren2", "gong1", "ke4", "fu2"]
            .iter()
            .map(|s| ipa(s))
            .collect();
        assert_eq!(got, ["pa→ŋ", "wo↓", "ꭧwa↓n", "ɻə↗n", "kʊ→ŋ", "kʰɤ↘", "fu↗"]);
    }

    #[test]
    fn finals_initials_and_neutral_tone() {
        let cases = [
            ("shi4", "ʂɨ↘"),
            ("zi3", "ʦɨ↓"),
            ("ci2", "ʦʰɨ↗"),
            ("ji1", "ʨi→"),
            ("qu4", "ʨʰy↘"),
            ("xue2", "ɕɥe↗"),
            ("juan4", "ʨɥɛ↘n"),
            ("jun1", "ʨy→n"),
            ("lü4", "ly↘"),
            ("nüe4", "nɥe↘"),
            ("yuan2", "ɥɛ↗n"),
            ("yi1", "i→"),
            ("you3", "jou↓"),
            ("yan2", "jɛ↗n"),
            ("wu3", "u↓"),
            ("wen4", "wə↘n"),
            ("weng1", "wə→ŋ"),
            ("er4", "ɚ↘"),
            ("hao3", "xau↓"),
            ("dian4", "tjɛ↘n"),
            ("xiong2", "ɕjʊ↗ŋ"),
            ("gui4", "kwei↘"),
            ("liu2", "ljou↗"),
            ("de", "tɤ"),
            ("bo2", "pwo↗"),
            ("ying2", "i↗ŋ"),
        ];
        for (pinyin, want) in cases {
            assert_eq!(ipa(pinyin), want, "{pinyin}");
        }
        assert_eq!(syllable_ipa(split_tone("xyz1")), None);
    }
}
