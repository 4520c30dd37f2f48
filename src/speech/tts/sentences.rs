//! Splits reply text into sentences so speech can start after the first one is synthesised.
//!
//! Chinese ends sentences with `。！？；` (no space follows); English with `. ! ? ;` followed by a space or the
//! end — but not after abbreviations ("Mr.", "e.g."), initials ("J. Smith"), inside numbers ("3.5") or at
//! "No." before a number ("order No. 5"). Sentences longer than [`MAX_WIDTH`] are cut further at commas, and so
//! is a long first sentence at its first clause: the caller hears the reply begin after a clause's synthesis
//! rather than a whole sentence's. An English first sentence with no comma early enough is cut before a word
//! that opens a phrase ("… four | should arrive tomorrow"), where a speaker may pause anyway.

/// Width (an ideograph counts 2, since it carries about a short word) past which a sentence is cut at a comma.
pub const MAX_WIDTH: usize = 80;

/// Width past which the first sentence gives up its first clause as a piece of its own.
const LEAD_WIDTH: usize = 24;
/// Shortest first clause worth its own piece (shorter ones sound clipped on their own).
const MIN_LEAD_WIDTH: usize = 12;
/// A first clause wider than this is cut before a phrase-opening word instead, if there is one.
const MAX_LEAD_WIDTH: usize = 50;
/// Shortest lead cut before a phrase-opening word: without a comma the break is weaker, so the lead is longer.
const MIN_WORD_LEAD_WIDTH: usize = 20;
/// Words that open a phrase (conjunctions, prepositions, auxiliaries after a subject): an English sentence
/// may be cut before them.
const PHRASE_OPENERS: &[&str] = &[
    "and", "but", "or", "so", "because", "which", "with", "for", "at", "should", "will", "is",
    "are", "has", "have", "was",
];

/// Words that end with a dot without ending the sentence (compared case-insensitively, without the dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "dept",
    "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "a.m", "p.m", "u.s",
];

/// Abbreviations that only stay inside the sentence before a number ("No. 5"; "The answer is no." ends one).
const NUMBER_ABBREVIATIONS: &[&str] = &["no", "nos", "tel", "ext", "vol", "p", "pp"];

fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '”' | '’' | '）' | '」' | '』' | '》' | '】'
    )
}

fn is_wide_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '…')
}

fn is_ascii_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';')
}

/// Splits `text` into trimmed sentences, punctuation kept. Pieces without letters or digits join the previous
/// sentence (or are dropped if there is none): there is nothing to say in them.
pub fn split(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let ends = if is_wide_terminator(c) || c == '\n' {
            true
        } else if is_ascii_terminator(c) {
            ends_english_sentence(&chars, i)
        } else {
            false
        };
        i += 1;
        if ends {
            // Take the whole run of terminators and closing quotes ("?!", "...", "。」").
            while i < chars.len()
                && (is_wide_terminator(chars[i])
                    || is_ascii_terminator(chars[i])
                    || is_closing(chars[i]))
            {
                i += 1;
            }
            push_sentence(&mut sentences, chars[start..i].iter().collect());
            start = i;
        }
    }
    push_sentence(&mut sentences, chars[start..].iter().collect());
    let mut pieces: Vec<String> = sentences.into_iter().flat_map(|s| split_long(&s)).collect();
    if let Some(first) = pieces.first()
        && let Some((lead, rest)) = split_lead(first)
    {
        pieces.splice(0..1, [lead, rest]);
    }
    pieces
}

/// The first clause of a sentence wider than [`LEAD_WIDTH`], and the rest, if the clause is at least
/// [`MIN_LEAD_WIDTH`] wide and something speakable follows it. A clause wider than [`MAX_LEAD_WIDTH`] (or
/// none) gives way to a cut before the first phrase opener past [`MIN_WORD_LEAD_WIDTH`].
fn split_lead(sentence: &str) -> Option<(String, String)> {
    if width(sentence) <= LEAD_WIDTH {
        return None;
    }
    let chars: Vec<char> = sentence.chars().collect();
    let mut lead_width = 0;
    let mut widths = Vec::with_capacity(chars.len());
    let comma = (0..chars.len()).find(|&i| {
        lead_width += width(chars[i].encode_utf8(&mut [0; 4]));
        widths.push(lead_width);
        is_clause_break(&chars, i) && lead_width >= MIN_LEAD_WIDTH
    });
    // The comma's piece includes the comma; a word cut's piece ends before the word's space.
    let cut = match comma {
        Some(i) if lead_width <= MAX_LEAD_WIDTH => i + 1,
        _ => phrase_opener_cut(&chars).or(comma.map(|i| i + 1))?,
    };
    let lead: String = chars[..cut].iter().collect();
    let rest: String = chars[cut..].iter().collect();
    let rest = rest.trim();
    rest.chars()
        .any(char::is_alphanumeric)
        .then(|| (lead.trim().to_string(), rest.to_string()))
}

/// Where an English sentence can be cut before a phrase opener: the index of the space before the first one
/// that leaves a lead of at least [`MIN_WORD_LEAD_WIDTH`] and at most [`MAX_LEAD_WIDTH`].
fn phrase_opener_cut(chars: &[char]) -> Option<usize> {
    let text: String = chars.iter().collect();
    let mut at = 0;
    for word in text.split(' ') {
        let lead = width(text[..at].trim_end());
        if lead > MAX_LEAD_WIDTH {
            return None;
        }
        if lead >= MIN_WORD_LEAD_WIDTH && PHRASE_OPENERS.contains(&word.to_lowercase().as_str()) {
            return Some(text[..at].chars().count().saturating_sub(1));
        }
        at += word.len() + 1;
    }
    None
}

/// A comma that ends a clause ("1,000" is not one; Chinese typed with ASCII commas, "发货,预计", has them).
fn is_clause_break(chars: &[char], i: usize) -> bool {
    match chars[i] {
        '，' | '、' => true,
        ',' => chars
            .get(i + 1)
            .is_none_or(|&n| n.is_whitespace() || crate::lang::is_cjk(n)),
        _ => false,
    }
}

/// Whether the ASCII terminator at `i` ends a sentence.
fn ends_english_sentence(chars: &[char], i: usize) -> bool {
    let next = chars.get(i + 1).copied();
    // A terminator glued to the next character is inside a number, URL or e-mail ("3.5", "kefu.shop").
    if next.is_some_and(|n| !n.is_whitespace() && !is_closing(n) && !is_ascii_terminator(n)) {
        return false;
    }
    if chars[i] != '.' {
        return true;
    }
    let word_start = chars[..i]
        .iter()
        .rposition(|c| c.is_whitespace() || matches!(c, '(' | '"' | '“'))
        .map_or(0, |p| p + 1);
    let word: String = chars[word_start..i]
        .iter()
        .collect::<String>()
        .to_lowercase();
    if word.is_empty() {
        return true;
    }
    if ABBREVIATIONS.contains(&word.as_str()) {
        return false;
    }
    let next_word = chars[i + 1..]
        .iter()
        .skip_while(|c| c.is_whitespace())
        .copied()
        .next();
    if NUMBER_ABBREVIATIONS.contains(&word.as_str()) {
        return !next_word.is_some_and(|c| c.is_ascii_digit() || c == '#');
    }
    // A single capital letter is an initial ("J. Smith"), unless the text ends there.
    let mut letters = chars[word_start..i].iter();
    if let (Some(first), None) = (letters.next(), letters.next()) {
        return !(first.is_ascii_uppercase() && next_word.is_some());
    }
    true
}

fn push_sentence(sentences: &mut Vec<String>, piece: String) {
    let piece = piece.trim();
    if piece.is_empty() {
        return;
    }
    if piece.chars().any(char::is_alphanumeric) {
        sentences.push(piece.to_string());
    } else if let Some(last) = sentences.last_mut() {
        last.push_str(piece);
    }
}

fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if crate::lang::is_cjk(c) { 2 } else { 1 })
        .sum()
}

/// Cuts a sentence longer than [`MAX_WIDTH`] at commas, packing whole clauses into pieces of at most that width
/// (a longer clause stays whole). "1,000" is not a comma break.
fn split_long(sentence: &str) -> Vec<String> {
    if width(sentence) <= MAX_WIDTH {
        return vec![sentence.to_string()];
    }
    let chars: Vec<char> = sentence.chars().collect();
    let mut clauses = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        if is_clause_break(&chars, i) {
            clauses.push(chars[start..=i].iter().collect::<String>());
            start = i + 1;
        }
    }
    clauses.push(chars[start..].iter().collect());
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for clause in clauses {
        if !current.trim().is_empty() && width(current.trim()) + width(clause.trim()) > MAX_WIDTH {
            push_sentence(&mut pieces, std::mem::take(&mut current));
        }
        current.push_str(&clause);
    }
    push_sentence(&mut pieces, current);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_sentences_keep_their_punctuation() {
        assert_eq!(
            split("Hello! How can I help you today? Your parcel has shipped."),
            [
                "Hello!",
                "How can I help you today?",
                "Your parcel has shipped."
            ]
        );
    }

    #[test]
    fn abbreviations_numbers_and_initials_do_not_end_sentences() {
        assert_eq!(
            split(
                "Hi. Mr. Smith paid 3.5 dollars for order No. 5 on Jan. 3. J. Lee will call you."
            ),
            [
                "Hi.",
                "Mr. Smith paid 3.5 dollars for order No. 5 on Jan. 3.",
                "J. Lee will call you."
            ]
        );
        assert_eq!(
            split("The answer is no. Sorry about that."),
            ["The answer is no.", "Sorry about that."]
        );
        assert_eq!(
            split("See kefu.shop/help e.g. the FAQ."),
            ["See kefu.shop/help e.g. the FAQ."]
        );
    }

    #[test]
    fn runs_of_terminators_and_quotes_stay_together() {
        assert_eq!(
            split("Really?! \"Yes.\" Well..."),
            ["Really?!", "\"Yes.\"", "Well..."]
        );
        assert!(split("...").is_empty());
        assert_eq!(split("Thanks. !!"), ["Thanks.!!"]);
    }

    #[test]
    fn chinese_sentences_split_without_spaces() {
        assert_eq!(
            split("您好！请问有什么可以帮您？您的订单已发货。"),
            ["您好！", "请问有什么可以帮您？", "您的订单已发货。"]
        );
        assert_eq!(split("退款3.5元；明天到账"), ["退款3.5元；", "明天到账"]);
        assert_eq!(
            split("他说：「好的。」然后挂了"),
            ["他说：「好的。」", "然后挂了"]
        );
    }

    #[test]
    fn long_sentences_are_cut_at_commas() {
        // After a short first sentence, so only the width rule cuts.
        let en = "Good news. Your refund of 1,299 dollars was approved this morning by our billing team, \
                  and it should reach your card within three to five working days, depending on your bank.";
        let pieces = split(en);
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        assert!(pieces[1].ends_with("billing team,"), "{pieces:?}");
        assert!(pieces.iter().all(|p| width(p) <= MAX_WIDTH));
        let one_clause =
            "Please keep the receipt that came with the parcel because the courier will ask for it";
        assert_eq!(
            split(&format!("Thanks. {one_clause} {one_clause}.")).len(),
            2
        );
        let zh = "您的退款申请已经通过审核，款项将在三到五个工作日内原路退回到您的支付账户，\
                  如果超过时间仍未到账，请联系您的开户银行或者再次拨打我们的客服热线。";
        let pieces = split(zh);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert!(pieces.iter().all(|p| width(p) <= MAX_WIDTH), "{pieces:?}");
        assert_eq!(pieces.concat(), zh);
    }

    #[test]
    fn a_long_first_sentence_gives_up_its_first_clause() {
        assert_eq!(
            split(
                "Your order 20241234 has shipped with SF Express, and it should arrive tomorrow. Anything else?"
            ),
            [
                "Your order 20241234 has shipped with SF Express,",
                "and it should arrive tomorrow.",
                "Anything else?"
            ]
        );
        assert_eq!(
            split("您的订单已经发货，预计明天下午送达，请注意查收。"),
            ["您的订单已经发货，", "预计明天下午送达，请注意查收。"]
        );
        assert_eq!(
            split("您的订单已经发货,预计明天送达"),
            ["您的订单已经发货,", "预计明天送达"]
        );
        assert_eq!(
            split("您的订单已经发货，预计明天送达。请问还有别的吗？"),
            ["您的订单已经发货，", "预计明天送达。", "请问还有别的吗？"]
        );
        assert_eq!(
            split("Your order has shipped, it arrives tomorrow."),
            ["Your order has shipped,", "it arrives tomorrow."]
        );
        assert_eq!(
            split("您好，请问有什么可以帮您？"),
            ["您好，请问有什么可以帮您？"]
        );
        // Too short a clause to stand alone, a first sentence that is short anyway, a comma inside a number.
        assert_eq!(
            split("Sure, I can help you change the delivery address of that order."),
            ["Sure, I can help you change the delivery address of that order."]
        );
        assert_eq!(split("Yes, it has shipped."), ["Yes, it has shipped."]);
    }

    #[test]
    fn a_first_sentence_without_an_early_comma_is_cut_before_a_phrase_opener() {
        assert_eq!(
            split(
                "Order two zero two four one two three four should arrive tomorrow, December 11th."
            ),
            [
                "Order two zero two four one two three four",
                "should arrive tomorrow, December 11th."
            ]
        );
        assert_eq!(
            split(
                "I'd suggest the Sony LinkBuds S at 1299 yuan and the Shokz OpenFit at 1299 yuan."
            ),
            [
                "I'd suggest the Sony LinkBuds S",
                "at 1299 yuan and the Shokz OpenFit at 1299 yuan."
            ]
        );
        // An opener too early leaves a clipped lead, too late a slow one: no cut.
        assert_eq!(
            split("It is the one with the blue lid."),
            ["It is the one with the blue lid."]
        );
        assert_eq!(
            split("The Apple iPhone 15 128GB in midnight black costs 5999 yuan and ships today."),
            ["The Apple iPhone 15 128GB in midnight black costs 5999 yuan and ships today."]
        );
        assert_eq!(
            split("The refund of 1,299 yuan reached your card on Monday morning."),
            ["The refund of 1,299 yuan reached your card on Monday morning."]
        );
    }

    #[test]
    fn empty_and_blank_text_give_nothing() {
        assert!(split("").is_empty());
        assert!(split("  \n ").is_empty());
    }
}
