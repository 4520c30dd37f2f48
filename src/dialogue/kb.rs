//! The shop's knowledge base (FAQ answers in zh and en) and BM25 retrieval over it.
//!
//! File format (`data/kb/policies.toml`): a list of `[[faq]]` tables with `id`, `topic`, `questions_en`,
//! `questions_zh`, `answer_en`, `answer_zh`. Each FAQ is indexed once per language from its questions and
//! answer; Chinese is segmented with jieba, English split into lower-case words with a light plural fold.

use std::collections::HashMap;
use std::path::Path;

use jieba_rs::Jieba;
use serde::Deserialize;

use crate::lang::{Lang, is_cjk};

/// Errors loading the knowledge base.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error(
        "cannot read knowledge base {path}: {source} (expected data/kb/policies.toml from the repository)"
    )]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("invalid knowledge base {path}: {source}")]
    Parse {
        path: std::path::PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("knowledge base {path}: FAQ {id:?} {problem}")]
    Invalid {
        path: std::path::PathBuf,
        id: String,
        problem: &'static str,
    },
}

/// One question-and-answer entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub id: String,
    pub topic: String,
    #[serde(default)]
    pub questions_en: Vec<String>,
    #[serde(default)]
    pub questions_zh: Vec<String>,
    pub answer_en: String,
    pub answer_zh: String,
}

impl Faq {
    /// The answer in a language.
    pub fn answer(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.answer_zh,
            Lang::En => &self.answer_en,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    #[serde(default)]
    faq: Vec<Faq>,
}

/// BM25 parameters (the usual defaults).
const K1: f32 = 1.2;
const B: f32 = 0.75;
/// Below this score a match is too weak to answer with.
pub const MIN_SCORE: f32 = 2.5;
/// Share of the question's distinct terms the answer's entry must contain: one shared common word
/// ("today", "give") is not a match.
pub const MIN_COVERAGE: f32 = 0.5;

const EN_STOPWORDS: &[&str] = &[
    "a", "an", "the", "i", "me", "my", "you", "your", "is", "are", "was", "do", "does", "did",
    "can", "could", "to", "of", "for", "in", "on", "at", "it", "and", "or", "be", "with", "what",
    "how", "please", "we", "our", "have", "has", "there", "this", "that", "will", "would", "about",
    "any", "if", "so", "get", "want", "like", "tell",
];
const ZH_STOPWORDS: &[&str] = &[
    "的", "了", "吗", "呢", "吧", "啊", "我", "你", "是", "在", "有", "怎么", "什么", "请问",
    "一下", "想", "要", "能", "可以", "这个", "那个", "我们", "你们", "和", "就", "都", "也", "还",
    "么", "个", "请",
];

/// One language's inverted view of the FAQs.
#[derive(Debug, Default, Clone)]
struct Index {
    /// Term frequencies per document (document = FAQ index).
    docs: Vec<HashMap<String, u32>>,
    lengths: Vec<f32>,
    avg_len: f32,
    doc_freq: HashMap<String, u32>,
}

impl Index {
    fn build(token_lists: Vec<Vec<String>>) -> Self {
        let mut index = Index::default();
        for tokens in token_lists {
            let mut tf = HashMap::new();
            for t in &tokens {
                *tf.entry(t.clone()).or_insert(0) += 1;
            }
            for t in tf.keys() {
                *index.doc_freq.entry(t.clone()).or_insert(0) += 1;
            }
            index.lengths.push(tokens.len() as f32);
            index.docs.push(tf);
        }
        index.avg_len = index.lengths.iter().sum::<f32>() / index.lengths.len().max(1) as f32;
        index
    }

    /// Share of the query's distinct terms present in a document.
    fn coverage(&self, query: &[String], doc: usize) -> f32 {
        let distinct: std::collections::HashSet<&String> = query.iter().collect();
        if distinct.is_empty() {
            return 0.0;
        }
        let found = distinct
            .iter()
            .filter(|t| self.docs[doc].contains_key(t.as_str()))
            .count();
        found as f32 / distinct.len() as f32
    }

    fn score(&self, query: &[String], doc: usize) -> f32 {
        let n = self.docs.len() as f32;
        let len_norm = 1.0 - B + B * self.lengths[doc] / self.avg_len.max(1.0);
        let mut seen = std::collections::HashSet::new();
        query
            .iter()
            .filter(|t| seen.insert(t.as_str()))
            .map(|t| {
                let tf = self.docs[doc].get(t).copied().unwrap_or(0) as f32;
                if tf == 0.0 {
                    return 0.0;
                }
                let df = self.doc_freq.get(t).copied().unwrap_or(0) as f32;
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                idf * tf * (K1 + 1.0) / (tf + K1 * len_norm)
            })
            .sum()
    }
}

/// The FAQ entries with a retrieval index per language.
#[derive(Clone)]
pub struct KnowledgeBase {
    faqs: Vec<Faq>,
    jieba: Jieba,
    zh: Index,
    en: Index,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("faqs", &self.faqs.len())
            .finish()
    }
}

impl KnowledgeBase {
    /// Loads and indexes a knowledge-base TOML file.
    pub fn load(path: &Path) -> Result<Self, KbError> {
        let text = std::fs::read_to_string(path).map_err(|source| KbError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: KbFile = toml::from_str(&text).map_err(|source| KbError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        for faq in &file.faq {
            let problem = if faq.answer_en.trim().is_empty() || faq.answer_zh.trim().is_empty() {
                Some("needs both answer_en and answer_zh")
            } else if faq.questions_en.is_empty() || faq.questions_zh.is_empty() {
                Some("needs questions in both languages")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(KbError::Invalid {
                    path: path.to_path_buf(),
                    id: faq.id.clone(),
                    problem,
                });
            }
        }
        Ok(Self::new(file.faq))
    }

    /// Indexes FAQ entries.
    pub fn new(faqs: Vec<Faq>) -> Self {
        let jieba = Jieba::new();
        let zh = Index::build(
            faqs.iter()
                .map(|f| {
                    tokens(
                        &jieba,
                        &format!("{} {}", f.questions_zh.join(" "), f.answer_zh),
                    )
                })
                .collect(),
        );
        let en = Index::build(
            faqs.iter()
                .map(|f| {
                    tokens(
                        &jieba,
                        &format!("{} {}", f.questions_en.join(" "), f.answer_en),
                    )
                })
                .collect(),
        );
        Self {
            faqs,
            jieba,
            zh,
            en,
        }
    }

    fn index(&self, lang: Lang) -> &Index {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The entries, in file order.
    pub fn faqs(&self) -> &[Faq] {
        &self.faqs
    }

    /// An entry by id.
    pub fn get(&self, id: &str) -> Option<&Faq> {
        self.faqs.iter().find(|f| f.id == id)
    }

    /// Entries ranked by BM25 score for a question in a language, best first (only those scoring above zero).
    pub fn search(&self, query: &str, lang: Lang) -> Vec<(&Faq, f32)> {
        let index = self.index(lang);
        let q = tokens(&self.jieba, query);
        let mut ranked: Vec<(&Faq, f32)> = self
            .faqs
            .iter()
            .enumerate()
            .map(|(i, f)| (f, index.score(&q, i)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    /// The best entry if it matches well enough to answer with (score and coverage thresholds).
    pub fn answer(&self, query: &str, lang: Lang) -> Option<&Faq> {
        let index = self.index(lang);
        let q = tokens(&self.jieba, query);
        let (faq, score) = self.search(query, lang).into_iter().next()?;
        let doc = self.faqs.iter().position(|f| std::ptr::eq(f, faq))?;
        (score >= MIN_SCORE && index.coverage(&q, doc) >= MIN_COVERAGE).then_some(faq)
    }

    /// The best entry of a topic for a question (falls back to the topic's first entry).
    pub fn answer_in_topic(&self, query: &str, lang: Lang, topic: &str) -> Option<&Faq> {
        self.search(query, lang)
            .into_iter()
            .map(|(f, _)| f)
            .find(|f| f.topic == topic)
            .or_else(|| self.faqs.iter().find(|f| f.topic == topic))
    }
}

/// Index terms of a text: jieba words for Chinese runs, lower-case words for the rest, stop words dropped.
fn tokens(jieba: &Jieba, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in jieba.cut_for_search(text, true) {
        if word.chars().any(is_cjk) {
            if !ZH_STOPWORDS.contains(&word) {
                out.push(word.to_string());
            }
            continue;
        }
        for w in word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let w = w.to_lowercase();
            if EN_STOPWORDS.contains(&w.as_str()) {
                continue;
            }
            out.push(fold_plural(&w));
        }
    }
    out
}

/// "returns" → "return", "policies" → "policy"; leaves short words and "-ss" alone.
fn fold_plural(w: &str) -> String {
    if w.len() > 4 && w.ends_with("ies") {
        format!("{}y", &w[..w.len() - 3])
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBase {
        let faq = |id: &str, topic: &str, qe: &[&str], qz: &[&str], ae: &str, az: &str| Faq {
            id: id.into(),
            topic: topic.into(),
            questions_en: qe.iter().map(|s| s.to_string()).collect(),
            questions_zh: qz.iter().map(|s| s.to_string()).collect(),
            answer_en: ae.into(),
            answer_zh: az.into(),
        };
        KnowledgeBase::new(vec![
            faq(
                "returns",
                "returns",
                &["What is your return policy?", "Can I return an item?"],
                &["退货政策是什么", "可以退货吗"],
                "You can return most items within 7 days of delivery.",
                "大部分商品签收后7天内可以无理由退货。",
            ),
            faq(
                "invoice",
                "invoice",
                &["How do I get an invoice?", "Can I get a VAT receipt?"],
                &["怎么开发票", "可以开增值税发票吗"],
                "Electronic invoices are issued in the order page.",
                "电子发票可以在订单页面申请开具。",
            ),
            faq(
                "shipping_fee",
                "shipping",
                &["How much is shipping?", "Is delivery free?"],
                &["运费多少", "包邮吗"],
                "Shipping is free over 99 yuan, otherwise 8 yuan.",
                "满99元包邮，不满收取8元运费。",
            ),
        ])
    }

    #[test]
    fn ranks_in_both_languages() {
        let kb = kb();
        let top = |q: &str, lang| kb.search(q, lang).first().map(|(f, _)| f.id.clone());
        assert_eq!(
            top("how can I return my headphones", Lang::En).as_deref(),
            Some("returns")
        );
        assert_eq!(
            top("I need an invoice for my company", Lang::En).as_deref(),
            Some("invoice")
        );
        assert_eq!(top("我想开发票", Lang::Zh).as_deref(), Some("invoice"));
        assert_eq!(top("你们包邮吗", Lang::Zh).as_deref(), Some("shipping_fee"));
    }

    #[test]
    fn unrelated_questions_get_no_answer() {
        let kb = kb();
        assert!(
            kb.answer("what is the weather like on mars", Lang::En)
                .is_none()
        );
        assert!(kb.answer("今天天气怎么样", Lang::Zh).is_none());
        assert!(
            kb.answer("how much is the weather on mars", Lang::En)
                .is_none()
        );
    }

    #[test]
    fn plural_folding() {
        assert_eq!(fold_plural("returns"), "return");
        assert_eq!(fold_plural("policies"), "policy");
        assert_eq!(fold_plural("address"), "address");
    }
}

/// The repository's knowledge base loads and answers typical questions (and not unrelated ones).
#[cfg(test)]
mod repository_kb {
    use super::*;

    #[test]
    fn answers_the_shops_questions() {
        let kb = KnowledgeBase::load(Path::new("data/kb/policies.toml")).unwrap();
        assert!(kb.faqs().len() >= 40);
        let id = |q: &str, lang| kb.answer(q, lang).map(|f| f.id.as_str());
        assert_eq!(
            id("how much does shipping cost?", Lang::En),
            Some("shipping_fee")
        );
        assert_eq!(
            id("how do I reset my password", Lang::En),
            Some("password_reset")
        );
        assert_eq!(id("你们包邮吗", Lang::Zh), Some("shipping_fee"));
        assert_eq!(id("积分什么时候过期", Lang::Zh), Some("points_expiry"));
        assert_eq!(id("给我讲个笑话吧", Lang::Zh), None);
        assert_eq!(id("今天股票会涨吗", Lang::Zh), None);
        assert_eq!(
            id("what's the weather like on Mars tomorrow?", Lang::En),
            None
        );
    }
}
