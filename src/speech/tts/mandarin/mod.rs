//! Mandarin front end for Kokoro: shop text → Kokoro v1.0 Mandarin IPA.
//!
//! Text is normalised ([`normalize`]), segmented into words with jieba, read as pinyin ([`readings`]) and
//! written as IPA ([`ipa`]): the syllables of a word are joined, words are separated by spaces, pauses are the
//! ASCII marks `, . ! ? : ;` attached to the word before them. Latin-script words are handed to an English
//! phonemizer. Example: 帮我转人工客服 → `pa→ŋ wo↓ ꭧwa↓n ɻə↗nkʊ→ŋ kʰɤ↘fu↗`.

pub mod ipa;
pub mod normalize;
pub mod readings;

use normalize::Piece;
use readings::{ReadingKind, read_words};

/// Phonemizes `text`; `english` turns a Latin-script word or code into IPA (empty when it cannot).
pub fn phonemize(text: &str, english: &dyn Fn(&str) -> String) -> String {
    let mut words: Vec<String> = Vec::new();
    for piece in normalize::normalize(text) {
        match piece {
            Piece::Text(t) => {
                let segmented: Vec<&str> = crate::dialogue::nlu::jieba().cut(&t, true);
                push_readings(&segmented, ReadingKind::Text, &mut words);
            }
            Piece::Literal(t) => {
                // One word per character: digits and dates are said one by one, each clearly.
                let chars: Vec<String> = t.chars().map(String::from).collect();
                let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
                push_readings(&chars, ReadingKind::Literal, &mut words);
            }
            Piece::Latin(w) => {
                // Capitals (DHL, AB in a SKU) are spelled letter by letter.
                let w = if w.len() <= 5 && w.chars().all(|c| c.is_ascii_uppercase()) {
                    w.chars().map(String::from).collect::<Vec<_>>().join(" ")
                } else {
                    w
                };
                let said = english(&w);
                if !said.is_empty() {
                    words.push(said);
                }
            }
            Piece::Pause(p) => match words.last_mut() {
                Some(last) if !last.ends_with([',', '.', '!', '?', ':', ';']) => last.push(p),
                _ => {}
            },
        }
    }
    words.join(" ")
}

fn push_readings(words: &[&str], kind: ReadingKind, out: &mut Vec<String>) {
    for reading in read_words(words, kind) {
        let word: String = reading
            .iter()
            .filter_map(|(pinyin, tone)| {
                let syllable = ipa::Syllable {
                    pinyin,
                    tone: *tone,
                };
                let said = ipa::syllable_ipa(syllable);
                if said.is_none() {
                    tracing::debug!(pinyin, "no IPA for this syllable; skipped");
                }
                said
            })
            .collect();
        if !word.is_empty() {
            out.push(word);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example() {
        assert_eq!(
            phonemize("帮我转人工客服", &|_| String::new()),
            "pa→ŋ wo↓ ꭧwa↓n ɻə↗nkʊ→ŋ kʰɤ↘fu↗"
        );
    }

    #[test]
    fn numbers_pauses_and_english() {
        let said = phonemize("订单123456，好的。DHL", &|w| format!("<{w}>"));
        assert_eq!(said, "ti↘ŋta→n i→ ɚ↘ sa→n sɨ↘ u↓ ljou↘, xau↓ tɤ. <D H L>");
    }

    /// Phonemes written by the reference front end (Python `misaki` 0.9.4, `ZHG2P()`: its v1.0 path, the one
    /// Kokoro v1.0 was trained with) for plain shop sentences.
    #[test]
    fn matches_the_reference_front_end() {
        let reference = [
            (
                "您好，请问有什么可以帮您？",
                "ni↗nxau↓, ʨʰi↓ŋwə↘n jou↓ ʂə↗nmɤ kʰɤ↓i↓ pa→ŋ ni↗n?",
            ),
            (
                "您的订单已经发货，预计明天送达。",
                "ni↗n tɤ ti↘ŋta→n i↓ʨi→ŋ fa→xwo↘, y↘ʨi↘ mi↗ŋtʰjɛ→n sʊ↘ŋta↗.",
            ),
            (
                "我已经为您重新安排了配送。",
                "wo↓ i↓ʨi→ŋ wei↘ ni↗n ꭧʰʊ↗ŋɕi→na→npʰai↗ lɤ pʰei↘sʊ↘ŋ.",
            ),
            (
                "这个包裹的重量是1.5公斤。",
                "ꭧɤ↘kɤ pau→kwo↓ tɤ ꭧʊ↘ŋlja↘ŋ ʂɨ↘ i↘tjɛ↓n u↓kʊ→ŋʨi→n.",
            ),
            (
                "我帮您转人工客服，请稍等。",
                "wo↓ pa→ŋ ni↗n ꭧwa↓n ɻə↗nkʊ→ŋ kʰɤ↘fu↗, ʨʰi↓ŋʂau→tə↓ŋ.",
            ),
            (
                "您可以在七天内无理由退货。",
                "ni↗n kʰɤ↓i↓ ʦai↘ ʨʰi→tʰjɛ→n nei↘ u↗ li↓jou↗ tʰwei↘xwo↘.",
            ),
            (
                "您的退货申请已经通过审核。",
                "ni↗n tɤ tʰwei↘xwo↘ ʂə→nʨʰi↓ŋ i↓ʨi→ŋ tʰʊ→ŋkwo↘ ʂə↓nxɤ↗.",
            ),
            (
                "换货的新地址已经更新好了。",
                "xwa↘nxwo↘ tɤ ɕi→n ti↘ꭧɨ↓ i↓ʨi→ŋ kə→ŋɕi→n xau↓ lɤ.",
            ),
            (
                "请问您还有其他问题吗？",
                "ʨʰi↓ŋwə↘n ni↗n xai↗jou↓ ʨʰi↗tʰa→ wə↘ntʰi↗ ma?",
            ),
            (
                "感谢您的耐心等待，祝您生活愉快。",
                "ka↓nɕje↘ni↗n tɤ nai↘ɕi→n tə↓ŋtai↘, ꭧu↘ni↗n ʂə→ŋxwo↗ y↗kʰwai↘.",
            ),
        ];
        for (text, want) in reference {
            assert_eq!(phonemize(text, &|_| String::new()), want, "{text}");
        }
    }
}
