//! Shop questions: products, recommendations, promotions, loyalty points and FAQ answers from the knowledge base.

use super::Turn;
use crate::dialogue::nlu::Understanding;
use crate::dialogue::responses::{self, Msg};
use crate::dialogue::{DialogueError, Expect, Pending, Task, speakable};
use crate::lang::Lang;
use crate::store::Product;
use crate::store::seed::category_names;

/// Words that name a category, in either language.
const CATEGORY_WORDS: &[(&str, &[&str])] = &[
    (
        "earbuds",
        &["earbud", "earphone", "headphone", "airpods", "耳机"],
    ),
    ("smartwatches", &["watch", "band", "手表", "手环"]),
    (
        "laptops",
        &["laptop", "notebook", "macbook", "笔记本", "电脑"],
    ),
    ("tablets", &["tablet", "ipad", "平板"]),
    ("phones", &["phone", "mobile", "smartphone", "手机"]),
    (
        "home_appliances",
        &[
            "appliance",
            "rice cooker",
            "air fryer",
            "vacuum",
            "kettle",
            "家电",
            "电饭煲",
            "空气炸锅",
            "扫地",
            "吸尘器",
        ],
    ),
    ("shoes", &["shoe", "sneaker", "boot", "trainer", "鞋"]),
    (
        "clothing",
        &[
            "cloth", "jacket", "coat", "shirt", "dress", "衣", "外套", "裤",
        ],
    ),
    (
        "skincare",
        &[
            "skincare",
            "skin care",
            "cream",
            "serum",
            "sunscreen",
            "护肤",
            "面霜",
            "精华",
            "防晒",
        ],
    ),
    (
        "snacks",
        &["snack", "nuts", "chips", "零食", "坚果", "小吃"],
    ),
];

/// The category a sentence names, if any (earlier entries win: "phone" inside "headphone" is not a phone).
pub(super) fn category_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    CATEGORY_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(c, _)| *c)
}

fn category_words(code: &str, lang: Lang) -> String {
    category_names(code).map_or_else(
        || code.to_string(),
        |(zh, en)| match lang {
            Lang::Zh => zh.to_string(),
            Lang::En => en.to_string(),
        },
    )
}

fn stock_words(stock: i64, lang: Lang) -> String {
    match (stock, lang) {
        (0, Lang::En) => "currently out of stock".into(),
        (1..=9, Lang::En) => format!("only {stock} left in stock"),
        (_, Lang::En) => "in stock".into(),
        (0, Lang::Zh) => "暂时缺货".into(),
        (1..=9, Lang::Zh) => format!("仅剩{}件", speakable::number(stock, lang)),
        (_, Lang::Zh) => "现货充足".into(),
    }
}

fn warranty_words(months: i64, lang: Lang) -> String {
    match (months, lang) {
        (0, Lang::En) => "none".into(),
        (m, Lang::En) => format!("{m} months"),
        (0, Lang::Zh) => "无".into(),
        (m, Lang::Zh) => format!("{}个月", speakable::number(m, lang)),
    }
}

/// Colour names in Chinese (the catalogue stores English ones).
fn colour_words(colour: &str, lang: Lang) -> String {
    let zh = match colour {
        "black" => "黑色",
        "white" => "白色",
        "green" => "绿色",
        "blue" => "蓝色",
        "pink" => "粉色",
        "silver" => "银色",
        "grey" | "graphite" => "灰色",
        "gold" => "金色",
        "red" | "cherry red" => "红色",
        "purple" => "紫色",
        "yellow" => "黄色",
        "brown" | "chestnut" => "棕色",
        "beige" | "ivory" | "starlight" => "米白色",
        "navy" | "midnight" => "深蓝色",
        "orange" | "coral" => "橙色",
        "khaki" | "camel" => "卡其色",
        _ => return colour.to_string(),
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => colour.to_string(),
    }
}

const COLOUR_WORDS: &[&str] = &["colour", "color", "颜色", "色"];
const SPEC_WORDS: &[&str] = &[
    "spec", "battery", "screen", "storage", "memory", "参数", "配置", "电池", "屏幕", "内存",
];

impl Turn<'_> {
    pub(super) fn product(&mut self, u: Option<&Understanding>) -> Result<(), DialogueError> {
        let Some(product) = self
            .conv
            .slots
            .product_id
            .map(|id| self.engine.store.product(id))
            .transpose()?
            .flatten()
        else {
            self.ask(Msg::AskProduct, &[], Expect::Open);
            return Ok(());
        };
        let lang = self.lang();
        let price = speakable::amount(product.price_cents, lang);
        self.say(
            Msg::ProductInfo,
            &[
                ("name", product.name(lang)),
                ("price", &price),
                ("stock", &stock_words(product.stock, lang)),
                ("warranty", &warranty_words(product.warranty_months, lang)),
            ],
        );
        let text = u.map(|u| u.text.to_lowercase()).unwrap_or_default();
        if COLOUR_WORDS.iter().any(|w| text.contains(w)) && !product.colours.is_empty() {
            let names: Vec<String> = product
                .colours
                .iter()
                .map(|c| colour_words(c, lang))
                .collect();
            let colours = responses::list(&names, lang);
            self.say(Msg::ProductColours, &[("colours", &colours)]);
        }
        if SPEC_WORDS.iter().any(|w| text.contains(w)) {
            let specs: Vec<String> = product
                .specs
                .iter()
                .take(4)
                .map(|(k, v)| format!("{} {}", k.replace('_', " "), v.as_str().unwrap_or_default()))
                .collect();
            let specs = specs.join(", ");
            self.say(Msg::ProductSpecs, &[("specs", &specs)]);
        }
        self.conv.task = None;
        Ok(())
    }

    pub(super) fn recommend(&mut self, u: Option<&Understanding>) -> Result<(), DialogueError> {
        let store = &self.engine.store;
        let text = u.map(|u| u.text.as_str()).unwrap_or_default();
        let named_product = self
            .conv
            .slots
            .product_id
            .map(|id| store.product(id))
            .transpose()?
            .flatten();
        let bought = match &self.conv.customer {
            Some(c) => store.purchased_product_ids(c.id)?,
            None => Vec::new(),
        };
        let category = category_in(text)
            .map(str::to_string)
            .or_else(|| named_product.as_ref().map(|p| p.category.clone()))
            .or_else(|| self.conv.slots.category.clone());
        let category = match category {
            Some(c) => Some(c),
            // Otherwise suggest from what the caller bought before.
            None => match bought.first() {
                Some(&id) => store.product(id)?.map(|p| p.category),
                None => None,
            },
        };
        let Some(category) = category else {
            self.ask(Msg::AskCategory, &[], Expect::Open);
            return Ok(());
        };
        self.conv.slots.category = Some(category.clone());
        let budget = self.conv.slots.budget_cents;
        let candidates: Vec<Product> = store
            .products_in_category(&category, budget)?
            .into_iter()
            .filter(|p| {
                !bought.contains(&p.id) && Some(p.id) != named_product.as_ref().map(|n| n.id)
            })
            .collect();
        let lang = self.lang();
        // Dearest first within budget; without a budget, pick from the middle of the range.
        let picks: Vec<&Product> = match budget {
            Some(_) => candidates.iter().take(2).collect(),
            None => candidates
                .iter()
                .skip(candidates.len() / 3)
                .take(2)
                .collect(),
        };
        if picks.is_empty() {
            let words = category_words(&category, lang);
            self.say(Msg::NoRecommendation, &[("category", &words)]);
        } else {
            let items: Vec<String> = picks
                .iter()
                .map(|p| {
                    let price = speakable::amount(p.price_cents, lang);
                    match lang {
                        Lang::En => format!("the {} at {price}", p.name(lang)),
                        Lang::Zh => format!("{}，{price}", p.name(lang)),
                    }
                })
                .collect();
            let list = responses::list(&items, lang);
            self.say(Msg::Recommend, &[("list", &list)]);
        }
        self.conv.task = None;
        Ok(())
    }

    pub(super) fn promotions(&mut self, u: &Understanding) -> Result<(), DialogueError> {
        let lang = self.lang();
        let category = category_in(&u.text);
        let promos = self.engine.store.active_promotions(self.today())?;
        let matching: Vec<String> = promos
            .iter()
            .filter(|p| match category {
                Some(c) => p.categories.is_empty() || p.categories.iter().any(|pc| pc == c),
                None => true,
            })
            .take(2)
            .map(|p| {
                let until = speakable::date(p.valid_to, self.today(), lang);
                match lang {
                    Lang::En => format!("{}, code {}, until {until}", p.description(lang), p.code),
                    Lang::Zh => format!("{}，优惠码{}，截止{until}", p.description(lang), p.code),
                }
            })
            .collect();
        if matching.is_empty() {
            self.say(Msg::NoPromotions, &[]);
        } else {
            let list = responses::list(&matching, lang);
            self.say(Msg::Promotions, &[("list", &list)]);
        }
        Ok(())
    }

    pub(super) fn points(&mut self) -> Result<(), DialogueError> {
        let Some(customer) = self.conv.customer.clone() else {
            self.ask(Msg::AskPhone, &[], Expect::Phone);
            return Ok(());
        };
        let lang = self.lang();
        let points = speakable::number(customer.points, lang);
        // 100 points are worth 1 yuan, i.e. one point is one fen (cent).
        let value = speakable::amount(customer.points, lang);
        self.say(
            Msg::PointsBalance,
            &[
                ("name", &customer.name),
                ("points", &points),
                ("value", &value),
            ],
        );
        self.conv.task = None;
        Ok(())
    }

    /// Answers from the knowledge base; `topic` is the fallback when retrieval finds nothing close.
    pub(super) fn faq(&mut self, u: &Understanding, topic: Option<&str>) {
        let kb = &self.engine.kb;
        let lang = self.lang();
        let found = kb
            .answer(&u.text, lang)
            .or_else(|| topic.and_then(|t| kb.answer_in_topic(&u.text, lang, t)));
        match found {
            Some(faq) => self.parts.push(faq.answer(lang).to_string()),
            None => {
                self.conv.pending = Some(Pending::Transfer);
                self.ask(Msg::FaqUnsure, &[], Expect::YesNo);
            }
        }
        self.conv.task = None::<Task>;
    }
}
