//! Entities in an utterance (order and phone numbers, dates, times, amounts, products, addresses, the
//! field a caller wants changed), found by small grammars over the original text.
//!
//! Every extractor proposes candidates with a priority; overlapping candidates are settled by priority,
//! then length, so "2026-11-03" is a date rather than an order number and "3号楼" inside an address
//! is not a date.

mod address;
mod amounts;
mod change_field;
mod chinese_number;
mod dates;
mod numbers;
mod products;
mod times;

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use products::ProductGazetteer;

use crate::lang::Lang;

/// A value found in the text and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub value: EntityValue,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// The kinds of value kefu extracts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum EntityValue {
    /// An order number: ASCII digits (6–12 of them unless the dialogue asked for one).
    OrderNumber(String),
    /// A phone number without country code: a CN 11-digit mobile or a 10-digit US number.
    Phone(String),
    Date(chrono::NaiveDate),
    Time(chrono::NaiveTime),
    /// An amount of money in cents; currency `CNY` unless the text says dollars.
    Amount {
        cents: i64,
        currency: String,
    },
    /// A product of the shop's catalogue (`name` as given to the gazetteer).
    Product {
        id: i64,
        name: String,
    },
    /// A delivery address, as the caller said it.
    Address(String),
    /// Which part of an order the caller wants changed.
    ChangeField(ChangeField),
}

/// The parts of an order a caller can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeField {
    Address,
    Phone,
    DeliveryTime,
}

/// What the dialogue just asked the caller for; a bare answer is then read as that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expecting {
    OrderNumber,
    Phone,
    Address,
    Date,
    YesNo,
}

/// What the parser needs besides the text.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext<'a> {
    /// The language if known (e.g. from ASR); detected from the text otherwise.
    pub lang_hint: Option<Lang>,
    /// Relative dates ("tomorrow", 下周一) are resolved against this day.
    pub today: chrono::NaiveDate,
    pub products: &'a ProductGazetteer,
    pub expecting: Option<Expecting>,
}

impl<'a> ParseContext<'a> {
    /// A context with no language hint and no pending question.
    pub fn new(products: &'a ProductGazetteer, today: chrono::NaiveDate) -> Self {
        Self {
            lang_hint: None,
            today,
            products,
            expecting: None,
        }
    }
}

/// A proposed entity; higher priority wins overlaps.
struct Candidate {
    entity: Entity,
    priority: u8,
}

impl Candidate {
    fn new(value: EntityValue, span: Range<usize>, priority: u8) -> Self {
        Candidate {
            entity: Entity { value, span },
            priority,
        }
    }
}

/// Priorities, highest first.
mod priority {
    pub const ADDRESS: u8 = 7;
    pub const PRODUCT: u8 = 6;
    pub const DATE_TIME_AMOUNT: u8 = 5;
    pub const DIGITS: u8 = 3;
    pub const FIELD: u8 = 2;
}

/// Finds the entities of `text`, sorted by position, without overlaps.
pub fn extract(text: &str, ctx: &ParseContext) -> Vec<Entity> {
    let mut candidates = Vec::new();
    candidates.extend(address::find(text, ctx.expecting));
    candidates.extend(ctx.products.find(text));
    candidates.extend(dates::find(text, ctx.today, ctx.expecting));
    candidates.extend(times::find(text));
    candidates.extend(amounts::find(text));
    candidates.extend(numbers::find(text, ctx.expecting));
    candidates.extend(change_field::find(text));
    candidates.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(b.entity.span.len().cmp(&a.entity.span.len()))
            .then(a.entity.span.start.cmp(&b.entity.span.start))
    });
    let mut chosen: Vec<Entity> = Vec::new();
    for c in candidates {
        let span = &c.entity.span;
        if chosen
            .iter()
            .all(|e| span.end <= e.span.start || e.span.end <= span.start)
        {
            chosen.push(c.entity);
        }
    }
    chosen.sort_by_key(|e| e.span.start);
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn values(text: &str, expecting: Option<Expecting>) -> Vec<EntityValue> {
        let products =
            ProductGazetteer::new([(7, vec!["iPhone 15".to_string(), "苹果手机".to_string()])]);
        let ctx = ParseContext {
            expecting,
            ..ParseContext::new(&products, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap())
        };
        extract(text, &ctx).into_iter().map(|e| e.value).collect()
    }

    #[test]
    fn overlaps_go_to_the_more_specific_entity() {
        assert_eq!(
            values("deliver on 2026-12-03", None),
            [EntityValue::Date(
                NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
            )]
        );
        assert_eq!(
            values("地址改成朝阳区建国路3号楼2单元", None),
            [
                EntityValue::ChangeField(ChangeField::Address),
                EntityValue::Address("朝阳区建国路3号楼2单元".into())
            ]
        );
        assert_eq!(
            values("my iPhone 15 from order 12345678", None),
            [
                EntityValue::Product {
                    id: 7,
                    name: "iPhone 15".into()
                },
                EntityValue::OrderNumber("12345678".into())
            ]
        );
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "订单一二三四五六七八明天到吗";
        let products = ProductGazetteer::default();
        let ctx = ParseContext::new(&products, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        let entities = extract(text, &ctx);
        assert_eq!(entities.len(), 2, "{entities:?}");
        assert_eq!(&text[entities[0].span.clone()], "一二三四五六七八");
        assert_eq!(&text[entities[1].span.clone()], "明天");
    }

    #[test]
    fn expecting_turns_bare_digits_into_that_entity() {
        assert_eq!(
            values("4321", Some(Expecting::OrderNumber)),
            [EntityValue::OrderNumber("4321".into())]
        );
        assert_eq!(
            values("5551234567", Some(Expecting::Phone)),
            [EntityValue::Phone("5551234567".into())]
        );
        assert_eq!(values("4321", None), []);
    }
}
