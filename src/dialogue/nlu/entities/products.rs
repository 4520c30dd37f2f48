//! Product names from the shop's catalogue, matched longest-first, ignoring case, width and spaces
//! ("AirPods Pro" matches "airpods pro" and "Air Pods Pro"; "pen" does not match inside "open").

use std::collections::HashMap;

use super::super::text::half_width;
use super::{Candidate, EntityValue, priority};

/// The catalogue's product names (zh, en, aliases), built once by the dialogue engine from the store.
#[derive(Debug, Clone, Default)]
pub struct ProductGazetteer {
    /// Names keyed by their first folded character, longest first.
    by_first: HashMap<char, Vec<Name>>,
}

#[derive(Debug, Clone)]
struct Name {
    folded: Vec<char>,
    id: i64,
    name: String,
}

/// One character of the text after folding, with where it came from.
struct Folded {
    c: char,
    start: usize,
    end: usize,
    /// Whitespace (skipped) came right before this character.
    after_space: bool,
}

impl ProductGazetteer {
    /// Builds the gazetteer from (product id, names) pairs. Empty names are ignored.
    pub fn new(products: impl IntoIterator<Item = (i64, Vec<String>)>) -> Self {
        let mut by_first: HashMap<char, Vec<Name>> = HashMap::new();
        for (id, names) in products {
            for name in names {
                let folded: Vec<char> = name
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .map(fold)
                    .collect();
                if let Some(&first) = folded.first() {
                    by_first.entry(first).or_default().push(Name {
                        folded,
                        id,
                        name: name.trim().to_string(),
                    });
                }
            }
        }
        for names in by_first.values_mut() {
            names.sort_by(|a, b| b.folded.len().cmp(&a.folded.len()).then(a.id.cmp(&b.id)));
        }
        ProductGazetteer { by_first }
    }

    /// True if no names were given.
    pub fn is_empty(&self) -> bool {
        self.by_first.is_empty()
    }

    pub(super) fn find(&self, text: &str) -> Vec<Candidate> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut chars: Vec<Folded> = Vec::new();
        let mut after_space = true;
        for (start, c) in text.char_indices() {
            if c.is_whitespace() || c == '\u{3000}' {
                after_space = true;
                continue;
            }
            chars.push(Folded {
                c: fold(c),
                start,
                end: start + c.len_utf8(),
                after_space,
            });
            after_space = false;
        }
        let mut found = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let matched = self.by_first.get(&chars[i].c).and_then(|names| {
                names.iter().find(|n| {
                    let end = i + n.folded.len();
                    end <= chars.len()
                        && chars[i..end].iter().zip(&n.folded).all(|(a, b)| a.c == *b)
                        && at_word_edge(&chars, i, true)
                        && at_word_edge(&chars, end, false)
                })
            });
            match matched {
                Some(n) => {
                    let end = i + n.folded.len();
                    found.push(Candidate::new(
                        EntityValue::Product {
                            id: n.id,
                            name: n.name.clone(),
                        },
                        chars[i].start..chars[end - 1].end,
                        priority::PRODUCT,
                    ));
                    i = end;
                }
                None => i += 1,
            }
        }
        found
    }
}

/// A Latin name must not start or end inside a Latin word; Chinese has no word edges to respect.
fn at_word_edge(chars: &[Folded], boundary: usize, is_start: bool) -> bool {
    let (Some(before), Some(after)) = (
        boundary.checked_sub(1).and_then(|b| chars.get(b)),
        chars.get(boundary),
    ) else {
        return true;
    };
    let inside = if is_start { after } else { before };
    let outside = if is_start { before } else { after };
    after.after_space || !(inside.c.is_ascii_alphanumeric() && outside.c.is_ascii_alphanumeric())
}

fn fold(c: char) -> char {
    let c = half_width(c);
    c.to_lowercase().next().unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> ProductGazetteer {
        ProductGazetteer::new([
            (
                1,
                vec![
                    "AirPods".to_string(),
                    "AirPods Pro".to_string(),
                    "无线耳机".to_string(),
                ],
            ),
            (2, vec!["Pen".to_string(), "钢笔".to_string()]),
            (3, vec!["Kindle".to_string(), "电子书阅读器".to_string()]),
        ])
    }

    fn matches(text: &str) -> Vec<(i64, String, &str)> {
        gazetteer()
            .find(text)
            .into_iter()
            .map(|c| match c.entity.value {
                EntityValue::Product { id, name } => (id, name, &text[c.entity.span]),
                other => panic!("not a product: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn longest_match_ignoring_case_and_spaces() {
        assert_eq!(
            matches("my airpods pro broke"),
            [(1, "AirPods Pro".to_string(), "airpods pro")]
        );
        assert_eq!(
            matches("Air Pods arrived"),
            [(1, "AirPods".to_string(), "Air Pods")]
        );
        assert_eq!(
            matches("ＫＩＮＤＬＥ"),
            [(3, "Kindle".to_string(), "ＫＩＮＤＬＥ")]
        );
    }

    #[test]
    fn chinese_names_and_word_edges() {
        assert_eq!(
            matches("我的无线耳机坏了"),
            [(1, "无线耳机".to_string(), "无线耳机")]
        );
        assert_eq!(
            matches("买了钢笔和电子书阅读器"),
            [
                (2, "钢笔".to_string(), "钢笔"),
                (3, "电子书阅读器".to_string(), "电子书阅读器")
            ]
        );
        assert_eq!(matches("please open it"), []);
        assert_eq!(matches("a pen, please"), [(2, "Pen".to_string(), "pen")]);
        assert_eq!(matches("我想买pen"), [(2, "Pen".to_string(), "pen")]);
        assert!(ProductGazetteer::default().find("airpods").is_empty());
    }
}
