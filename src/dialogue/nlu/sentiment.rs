//! Sentiment of an utterance in −1 (furious) ..= 1 (delighted), from a small zh/en lexicon with
//! intensity (very, so, 太, 非常, 气死), negation scope (not happy, 不满意, 没有问题), a "but" shift
//! (the clause after "but"/但是 counts more), exclamation marks, ALL-CAPS words and profanity.
//!
//! The scheme follows VADER (Hutto & Gilbert, 2014): word valences −4..4, intensifiers scale the next
//! sentiment word, a negator within three words flips and damps it, and the sum is squashed by
//! `x / sqrt(x² + 15)`.

/// What a lexicon entry does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// A word with this valence (−4..4).
    Valence(f32),
    /// Scales the next sentiment word (>1 strengthens, <1 softens).
    Intensifier(f32),
    /// Flips the next sentiment word within its scope.
    Negator,
    /// "But": what came before counts half, what follows one and a half times.
    Contrast,
}

const EN_LEXICON: &[(&str, Role)] = {
    use Role::*;
    &[
        // positive
        ("good", Valence(1.9)),
        ("great", Valence(3.1)),
        ("excellent", Valence(3.2)),
        ("amazing", Valence(2.8)),
        ("awesome", Valence(3.1)),
        ("perfect", Valence(2.7)),
        ("love", Valence(3.2)),
        ("loved", Valence(2.9)),
        ("happy", Valence(2.7)),
        ("glad", Valence(2.0)),
        ("pleased", Valence(2.0)),
        ("satisfied", Valence(1.8)),
        ("nice", Valence(1.8)),
        ("fine", Valence(0.8)),
        ("helpful", Valence(1.8)),
        ("fast", Valence(1.0)),
        ("quick", Valence(1.0)),
        ("thanks", Valence(1.5)),
        ("thank", Valence(1.5)),
        ("appreciate", Valence(2.0)),
        ("wonderful", Valence(2.7)),
        ("fantastic", Valence(2.6)),
        ("best", Valence(3.2)),
        ("recommend", Valence(1.5)),
        ("easy", Valence(1.3)),
        ("polite", Valence(1.5)),
        ("friendly", Valence(2.2)),
        ("brilliant", Valence(2.8)),
        ("cool", Valence(1.3)),
        ("ok", Valence(0.9)),
        ("okay", Valence(0.9)),
        ("works", Valence(0.8)),
        ("worth", Valence(1.2)),
        ("solved", Valence(1.5)),
        ("fixed", Valence(1.0)),
        // negative
        ("bad", Valence(-2.5)),
        ("terrible", Valence(-2.9)),
        ("awful", Valence(-3.1)),
        ("horrible", Valence(-2.9)),
        ("worst", Valence(-3.1)),
        ("hate", Valence(-2.7)),
        ("angry", Valence(-2.3)),
        ("furious", Valence(-3.0)),
        ("upset", Valence(-1.8)),
        ("annoyed", Valence(-1.7)),
        ("annoying", Valence(-1.9)),
        ("frustrated", Valence(-2.0)),
        ("frustrating", Valence(-2.0)),
        ("disappointed", Valence(-2.1)),
        ("disappointing", Valence(-2.2)),
        ("unhappy", Valence(-2.1)),
        ("sad", Valence(-2.1)),
        ("slow", Valence(-1.2)),
        ("late", Valence(-1.0)),
        ("broken", Valence(-1.8)),
        ("damaged", Valence(-1.8)),
        ("wrong", Valence(-2.1)),
        ("problem", Valence(-1.4)),
        ("problems", Valence(-1.4)),
        ("issue", Valence(-1.0)),
        ("useless", Valence(-2.3)),
        ("ridiculous", Valence(-2.2)),
        ("unacceptable", Valence(-2.6)),
        ("rude", Valence(-2.0)),
        ("scam", Valence(-2.8)),
        ("fraud", Valence(-2.8)),
        ("lost", Valence(-1.3)),
        ("missing", Valence(-1.2)),
        ("poor", Valence(-2.1)),
        ("complain", Valence(-1.8)),
        ("complaint", Valence(-1.6)),
        ("waste", Valence(-1.8)),
        ("garbage", Valence(-2.5)),
        ("junk", Valence(-2.0)),
        ("fake", Valence(-2.1)),
        ("cheated", Valence(-2.5)),
        ("mad", Valence(-2.2)),
        ("disgusting", Valence(-3.0)),
        ("pathetic", Valence(-2.6)),
        ("incompetent", Valence(-2.6)),
        ("sucks", Valence(-2.5)),
        // profanity
        ("damn", Valence(-2.0)),
        ("dammit", Valence(-2.4)),
        ("shit", Valence(-2.6)),
        ("crap", Valence(-2.4)),
        ("fuck", Valence(-3.3)),
        ("fucking", Valence(-3.0)),
        ("bullshit", Valence(-3.0)),
        ("wtf", Valence(-2.8)),
        ("bloody", Valence(-1.5)),
        ("hell", Valence(-2.0)),
        // intensity
        ("very", Intensifier(1.4)),
        ("so", Intensifier(1.4)),
        ("really", Intensifier(1.4)),
        ("extremely", Intensifier(1.7)),
        ("super", Intensifier(1.5)),
        ("totally", Intensifier(1.5)),
        ("absolutely", Intensifier(1.6)),
        ("incredibly", Intensifier(1.6)),
        ("too", Intensifier(1.3)),
        ("completely", Intensifier(1.5)),
        ("utterly", Intensifier(1.7)),
        ("truly", Intensifier(1.4)),
        ("most", Intensifier(1.3)),
        ("slightly", Intensifier(0.6)),
        ("somewhat", Intensifier(0.6)),
        ("kinda", Intensifier(0.6)),
        ("bit", Intensifier(0.6)),
        ("little", Intensifier(0.6)),
        ("fairly", Intensifier(0.8)),
        // negation
        ("not", Negator),
        ("no", Negator),
        ("never", Negator),
        ("nothing", Negator),
        ("hardly", Negator),
        ("without", Negator),
        ("nor", Negator),
        ("neither", Negator),
        ("but", Contrast),
        ("however", Contrast),
        ("although", Contrast),
    ]
};

const ZH_LEXICON: &[(&str, Role)] = {
    use Role::*;
    &[
        // positive
        ("好", Valence(1.5)),
        ("满意", Valence(2.2)),
        ("喜欢", Valence(2.2)),
        ("谢谢", Valence(1.3)),
        ("感谢", Valence(1.8)),
        ("棒", Valence(2.6)),
        ("赞", Valence(2.2)),
        ("开心", Valence(2.3)),
        ("高兴", Valence(2.3)),
        ("完美", Valence(3.0)),
        ("优秀", Valence(2.6)),
        ("方便", Valence(1.3)),
        ("专业", Valence(1.6)),
        ("耐心", Valence(1.6)),
        ("推荐", Valence(1.3)),
        ("不错", Valence(2.0)),
        ("靠谱", Valence(1.8)),
        ("给力", Valence(2.3)),
        ("及时", Valence(1.3)),
        ("好用", Valence(2.0)),
        ("划算", Valence(1.6)),
        ("没问题", Valence(1.2)),
        ("没关系", Valence(0.6)),
        ("可以", Valence(0.6)),
        ("周到", Valence(2.0)),
        ("热情", Valence(1.8)),
        ("贴心", Valence(2.0)),
        ("厉害", Valence(2.0)),
        ("解决了", Valence(1.5)),
        // negative
        ("差", Valence(-2.2)),
        ("差劲", Valence(-3.0)),
        ("糟糕", Valence(-2.6)),
        ("烂", Valence(-2.6)),
        ("垃圾", Valence(-3.0)),
        ("坑", Valence(-2.2)),
        ("坑人", Valence(-2.8)),
        ("骗", Valence(-2.8)),
        ("骗子", Valence(-3.2)),
        ("失望", Valence(-2.5)),
        ("生气", Valence(-2.6)),
        ("愤怒", Valence(-3.1)),
        ("气死", Valence(-3.4)),
        ("气人", Valence(-2.6)),
        ("慢", Valence(-1.4)),
        ("坏", Valence(-1.6)),
        ("破", Valence(-1.2)),
        ("问题", Valence(-1.0)),
        ("投诉", Valence(-2.0)),
        ("不满", Valence(-2.3)),
        ("不满意", Valence(-2.6)),
        ("不好", Valence(-2.0)),
        ("不行", Valence(-1.6)),
        ("难用", Valence(-2.2)),
        ("恶心", Valence(-3.0)),
        ("烦", Valence(-2.0)),
        ("讨厌", Valence(-2.6)),
        ("着急", Valence(-1.5)),
        ("急死", Valence(-2.8)),
        ("错", Valence(-1.5)),
        ("延迟", Valence(-1.5)),
        ("丢", Valence(-1.5)),
        ("损坏", Valence(-2.0)),
        ("破损", Valence(-2.0)),
        ("离谱", Valence(-2.6)),
        ("无语", Valence(-2.2)),
        ("受不了", Valence(-2.6)),
        ("崩溃", Valence(-2.6)),
        ("郁闷", Valence(-2.0)),
        ("难过", Valence(-2.0)),
        ("不爽", Valence(-2.5)),
        ("不耐烦", Valence(-2.2)),
        ("不靠谱", Valence(-2.4)),
        ("不开心", Valence(-2.2)),
        ("敷衍", Valence(-2.3)),
        ("态度差", Valence(-2.8)),
        ("太差", Valence(-3.0)),
        ("假货", Valence(-2.8)),
        ("退钱", Valence(-1.2)),
        ("忽悠", Valence(-2.4)),
        ("过分", Valence(-2.4)),
        ("糟心", Valence(-2.4)),
        // profanity
        ("妈的", Valence(-3.0)),
        ("他妈的", Valence(-3.4)),
        ("靠", Valence(-2.0)),
        ("操", Valence(-3.0)),
        ("傻逼", Valence(-3.8)),
        ("傻", Valence(-2.0)),
        ("滚", Valence(-3.0)),
        ("坑爹", Valence(-3.0)),
        ("卧槽", Valence(-2.2)),
        ("混蛋", Valence(-3.2)),
        // words that contain a lexicon word but carry no sentiment
        ("好的", Valence(0.3)),
        ("好吗", Valence(0.0)),
        ("不好意思", Valence(0.0)),
        ("不客气", Valence(0.3)),
        ("操作", Valence(0.0)),
        ("问题是", Valence(0.0)),
        ("麻烦你", Valence(0.0)),
        ("麻烦您", Valence(0.0)),
        ("好像", Valence(0.0)),
        ("只好", Valence(0.0)),
        ("最好", Valence(0.0)),
        ("破费", Valence(0.0)),
        ("差不多", Valence(0.0)),
        ("差点", Valence(0.0)),
        ("靠近", Valence(0.0)),
        // intensity
        ("很", Intensifier(1.3)),
        ("非常", Intensifier(1.6)),
        ("特别", Intensifier(1.6)),
        ("太", Intensifier(1.6)),
        ("超", Intensifier(1.5)),
        ("超级", Intensifier(1.7)),
        ("真", Intensifier(1.3)),
        ("真的", Intensifier(1.3)),
        ("最", Intensifier(1.5)),
        ("极", Intensifier(1.8)),
        ("极其", Intensifier(1.8)),
        ("十分", Intensifier(1.5)),
        ("相当", Intensifier(1.4)),
        ("挺", Intensifier(1.2)),
        ("蛮", Intensifier(1.2)),
        ("实在", Intensifier(1.4)),
        ("简直", Intensifier(1.6)),
        ("越来越", Intensifier(1.4)),
        ("好不", Intensifier(1.5)),
        ("有点", Intensifier(0.7)),
        ("有些", Intensifier(0.7)),
        ("稍微", Intensifier(0.6)),
        ("一点", Intensifier(0.8)),
        // negation
        ("不", Negator),
        ("没", Negator),
        ("没有", Negator),
        ("别", Negator),
        ("未", Negator),
        ("无", Negator),
        ("并不", Negator),
        ("并没有", Negator),
        ("不太", Negator),
        ("不是", Negator),
        ("不算", Negator),
        ("但是", Contrast),
        ("可是", Contrast),
        ("不过", Contrast),
        ("但", Contrast),
    ]
};

/// Words after a negator within which a sentiment word is flipped (en: words; zh: characters, ≈ 2 words).
const EN_NEGATION_SCOPE: usize = 3;
const ZH_NEGATION_SCOPE: usize = 4;
/// How far after an intensifier its word may come (en: the next word; zh: up to 3 characters).
const EN_INTENSITY_GAP: usize = 1;
const ZH_INTENSITY_GAP: usize = 3;
/// A negated valence is flipped and damped: "not bad" is less good than "good".
const NEGATION_FACTOR: f32 = -0.6;
const CAPS_BOOST: f32 = 1.3;
const EXCLAMATION_BOOST: f32 = 0.3;
/// Weights of the clauses before and after "but".
const BEFORE_BUT: f32 = 0.5;
const AFTER_BUT: f32 = 1.5;
/// VADER's normalisation constant.
const SQUASH_ALPHA: f32 = 15.0;

/// A lexicon hit in the text.
struct Hit {
    role: Role,
    /// Position in words (en) or characters (zh), for negation and intensity scope; a clause break
    /// (comma, full stop) advances positions past every scope.
    pos: usize,
    end: usize,
    caps: bool,
}

/// Sentiment of `text` in −1..=1. Both lexicons are applied (Latin words and Chinese characters do not
/// overlap), so mixed-language turns are scored too.
pub fn score(text: &str) -> f32 {
    let mut total = score_hits(&english_hits(text), EN_NEGATION_SCOPE, EN_INTENSITY_GAP)
        + score_hits(&chinese_hits(text), ZH_NEGATION_SCOPE, ZH_INTENSITY_GAP);
    if total != 0.0 {
        let bangs = text
            .chars()
            .filter(|c| matches!(c, '!' | '！'))
            .count()
            .min(3) as f32;
        total += total.signum() * bangs * EXCLAMATION_BOOST;
    }
    total / (total * total + SQUASH_ALPHA).sqrt()
}

/// Sums the valences of `hits` (sorted by position) with intensity, negation and "but".
fn score_hits(hits: &[Hit], negation_scope: usize, intensity_gap: usize) -> f32 {
    let mut total = 0.0;
    let mut weight = 1.0;
    let mut negated_until: Option<usize> = None;
    let mut intensity = 1.0f32;
    let mut intensity_until: Option<usize> = None;
    for hit in hits {
        let intensified = intensity_until.is_some_and(|until| hit.pos <= until);
        match hit.role {
            Role::Negator => negated_until = Some(hit.end + negation_scope),
            Role::Intensifier(f) => {
                intensity = if intensified { intensity * f } else { f };
                intensity_until = Some(hit.end + intensity_gap);
            }
            Role::Contrast => {
                total *= BEFORE_BUT;
                weight = AFTER_BUT;
                negated_until = None;
                intensity_until = None;
            }
            Role::Valence(v) => {
                let mut value = v * weight;
                if intensified {
                    value *= intensity;
                }
                if hit.caps {
                    value *= CAPS_BOOST;
                }
                if negated_until.is_some_and(|until| hit.pos <= until) {
                    value *= NEGATION_FACTOR;
                    negated_until = None;
                }
                total += value;
                intensity_until = None;
            }
        }
    }
    total
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | '!' | '?' | '，' | '。' | '！' | '？' | '；'
    )
}

/// Lexicon hits among the Latin words.
fn english_hits(text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut pos = 0usize;
    let mut word = String::new();
    let flush = |word: &mut String, pos: &mut usize, hits: &mut Vec<Hit>| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase().replace(['\'', '’'], "");
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let caps = letters >= 2 && word.chars().all(|c| !c.is_lowercase());
        let role = EN_LEXICON
            .iter()
            .find(|(w, _)| *w == lower)
            .map(|(_, r)| *r)
            .or_else(|| is_contracted_negation(&lower).then_some(Role::Negator));
        if let Some(role) = role {
            hits.push(Hit {
                role,
                pos: *pos,
                end: *pos,
                caps,
            });
        }
        *pos += 1;
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() || (matches!(c, '\'' | '’') && !word.is_empty()) {
            word.push(c);
        } else {
            flush(&mut word, &mut pos, &mut hits);
            if is_clause_break(c) {
                pos += EN_NEGATION_SCOPE + 1;
            }
        }
    }
    flush(&mut word, &mut pos, &mut hits);
    hits
}

/// "dont", "isnt", "cant"… (apostrophes already removed).
fn is_contracted_negation(word: &str) -> bool {
    matches!(
        word,
        "dont"
            | "doesnt"
            | "didnt"
            | "isnt"
            | "wasnt"
            | "arent"
            | "werent"
            | "cant"
            | "cannot"
            | "wont"
            | "couldnt"
            | "shouldnt"
            | "wouldnt"
            | "havent"
            | "hasnt"
            | "hadnt"
            | "aint"
            | "mustnt"
            | "neednt"
    )
}

/// Lexicon hits in the Chinese text, longest match first at each character.
fn chinese_hits(text: &str) -> Vec<Hit> {
    let chars: Vec<char> = text.chars().collect();
    let mut hits = Vec::new();
    let mut shift = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if is_clause_break(chars[i]) {
            shift += ZH_NEGATION_SCOPE + 1;
            i += 1;
            continue;
        }
        let best = ZH_LEXICON
            .iter()
            .filter(|(w, _)| starts_with_at(&chars, i, w))
            .max_by_key(|(w, _)| w.chars().count());
        let Some((w, role)) = best else {
            i += 1;
            continue;
        };
        let len = w.chars().count();
        let role = if *w == "好" && next_is_valence(&chars, i + len) {
            // 好慢, 好烦: 好 before a sentiment word means "so".
            Role::Intensifier(1.5)
        } else {
            *role
        };
        hits.push(Hit {
            role,
            pos: i + shift,
            end: i + len - 1 + shift,
            caps: false,
        });
        i += len;
    }
    hits
}

fn starts_with_at(chars: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn next_is_valence(chars: &[char], i: usize) -> bool {
    ZH_LEXICON
        .iter()
        .any(|(w, r)| matches!(r, Role::Valence(v) if *v != 0.0) && starts_with_at(chars, i, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_in_both_languages() {
        assert!(score("thanks, that was great") > 0.3);
        assert!(score("this is terrible service") < -0.3);
        assert!(score("非常满意，谢谢") > 0.3);
        assert!(score("服务太差了") < -0.3);
        assert_eq!(score("where is my order"), 0.0);
        assert_eq!(score("我的订单到哪了"), 0.0);
    }

    #[test]
    fn negation_flips_within_its_scope() {
        assert!(score("I am happy") > 0.0);
        assert!(score("I am not happy") < 0.0);
        assert!(score("I'm not very happy") < 0.0);
        assert!(score("it isn't good") < 0.0);
        assert!(score("not bad at all") > 0.0);
        assert!(score("no problem") >= 0.0);
        // A clause break ends the scope.
        assert!(score("no, I am happy") > 0.0);
        assert!(score("满意") > 0.0);
        assert!(score("不满意") < 0.0);
        assert!(score("不是很满意") < 0.0);
        assert!(score("没有问题") >= 0.0, "没有问题 is not negative");
        assert!(score("没问题") > 0.0);
        assert!(score("不好意思，我想问一下") >= 0.0);
    }

    #[test]
    fn intensity_strengthens_and_softens() {
        assert!(score("very happy") > score("happy"));
        assert!(score("so so angry") < score("angry"));
        assert!(score("a bit slow") > score("slow"));
        assert!(score("非常满意") > score("满意"));
        assert!(score("太慢了") < score("慢"));
        assert!(score("特别失望") < score("失望"));
        assert!(score("气死我了") < -0.6);
        assert!(
            score("好慢") < 0.0,
            "好 before a sentiment word is an intensifier"
        );
    }

    #[test]
    fn exclamations_caps_and_profanity() {
        assert!(score("this is terrible!!!") < score("this is terrible"));
        assert!(score("this is TERRIBLE") < score("this is terrible"));
        assert!(score("great!") > score("great"));
        assert!(score("what the fuck, where is my package") < -0.5);
        assert!(score("他妈的，什么破快递") < -0.5);
        assert!(score("垃圾") < -0.5);
    }

    #[test]
    fn the_clause_after_but_counts_more() {
        assert!(score("the phone is good but the delivery was terrible") < 0.0);
        assert!(score("送货慢，但是客服很好") > 0.0);
    }

    #[test]
    fn stays_within_bounds() {
        let furious = "FUCK THIS SHIT, WORST TERRIBLE AWFUL SERVICE EVER!!!!!! 气死我了 垃圾 骗子";
        let s = score(furious);
        assert!((-1.0..=-0.9).contains(&s), "{s}");
        assert!(score("谢谢，非常满意，太棒了，完美！") <= 1.0);
    }
}
