//! The context card an agent sees when a call is offered: who is calling, in which language, what they said
//! and how it was understood, how their mood went, the order it is about and why the bot handed over.

use serde::Serialize;

use crate::dialogue::Priority;
use crate::lang::Lang;
use crate::pipeline::CallLog;
use crate::store::Store;

use super::queue::{Department, Need};

/// One line of the conversation as the agent reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// `caller`, `bot` or `agent`.
    pub who: String,
    pub text: String,
}

/// What the NLU made of one caller turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Understood {
    pub text: String,
    pub intent: Option<String>,
    pub confidence: Option<f32>,
    /// Slots found in the turn (order numbers, dates, products …).
    pub entities: serde_json::Value,
}

/// The caller as the shop knows them (from their number).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerCard {
    pub id: i64,
    pub name: String,
    pub tier: String,
    pub points: i64,
}

/// The order the call is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderCard {
    pub number: String,
    pub status: String,
    pub total_cents: i64,
    pub address: String,
    /// True when the caller named it; false when it is the customer's latest order.
    pub mentioned: bool,
}

/// Everything the agent is shown with an offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextCard {
    pub call: String,
    /// The dialogue's conversation (the interaction record analytics keeps).
    pub conversation: Option<String>,
    /// `phone` or `web_voice`.
    pub channel: String,
    pub caller: Option<String>,
    pub customer: Option<CustomerCard>,
    pub lang: Lang,
    /// Why the bot escalated (`caller_request`, `dtmf`, `negative_sentiment`, `vip` …).
    pub reason: String,
    pub priority: Priority,
    pub department: Option<Department>,
    /// The dialogue's one-line summary for the agent.
    pub summary: String,
    pub transcript: Vec<Line>,
    pub understood: Vec<Understood>,
    /// Sentiment of each caller turn in order (−1 upset … 1 pleased).
    pub sentiment: Vec<f32>,
    pub order: Option<OrderCard>,
}

impl ContextCard {
    /// Builds the card from the call's log so far and the store.
    pub fn build(
        call: &str,
        log: &CallLog,
        reason: &str,
        priority: Priority,
        summary: &str,
        store: Option<&Store>,
    ) -> Self {
        let transcript = conversation(log);
        let understood: Vec<Understood> = log
            .turns
            .iter()
            .filter(|t| !t.text.trim().is_empty())
            .map(|t| Understood {
                text: t.text.clone(),
                intent: t.intent.clone(),
                confidence: t.intent_confidence,
                entities: t.entities.clone(),
            })
            .collect();
        let sentiment = log.turns.iter().filter_map(|t| t.sentiment).collect();
        let lang = log
            .lang
            .or_else(|| log.turns.iter().rev().find_map(|t| t.lang))
            .unwrap_or(Lang::En);
        let customer = store.zip(log.caller.as_deref()).and_then(|(store, phone)| {
            store
                .customer_by_phone(phone)
                .map_err(|e| tracing::warn!("context card: customer lookup failed: {e}"))
                .ok()
                .flatten()
        });
        let order = store.and_then(|store| relevant_order(store, log, customer.as_ref()));
        let department = department(log);
        Self {
            call: call.to_string(),
            conversation: log.conversation.clone(),
            channel: log.channel.clone(),
            caller: log.caller.clone(),
            customer: customer.map(|c| CustomerCard {
                id: c.id,
                name: c.name,
                tier: c.tier.as_str().to_string(),
                points: c.points,
            }),
            lang,
            reason: reason.to_string(),
            priority,
            department,
            summary: summary.to_string(),
            transcript,
            understood,
            sentiment,
            order,
        }
    }

    /// What the queue needs to route the call.
    pub fn need(&self) -> Need {
        Need {
            lang: self.lang,
            department: self.department,
            priority: self.priority,
        }
    }
}

/// Caller and bot lines in the order they happened: each turn's words, then the bot's reply to it.
fn conversation(log: &CallLog) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(greeting) = log
        .replies
        .iter()
        .find(|r| r.turn.is_none() || r.turn == Some(0))
    {
        lines.push(Line {
            who: "bot".into(),
            text: greeting.text.clone(),
        });
    }
    for turn in &log.turns {
        if !turn.text.trim().is_empty() {
            lines.push(Line {
                who: "caller".into(),
                text: turn.text.clone(),
            });
        }
        if let Some(reply) = turn.reply.as_ref().filter(|r| !r.trim().is_empty()) {
            lines.push(Line {
                who: "bot".into(),
                text: reply.clone(),
            });
        }
    }
    lines
}

/// Sales questions go to sales, anything about an existing order to after-sales; otherwise either team.
fn department(log: &CallLog) -> Option<Department> {
    log.turns
        .iter()
        .rev()
        .filter_map(|t| t.intent.as_deref())
        .find_map(|intent| match intent {
            "product_inquiry" | "recommendation" | "promotion" => Some(Department::Sales),
            "order_status" | "delivery_eta" | "cancel_order" | "change_order" | "return_item"
            | "refund" | "refund_status" | "exchange" | "repair" | "complaint" | "invoice"
            | "payment" => Some(Department::AfterSales),
            _ => None,
        })
}

/// The order the caller named (latest mention first), else the customer's most recent one.
fn relevant_order(
    store: &Store,
    log: &CallLog,
    customer: Option<&crate::store::Customer>,
) -> Option<OrderCard> {
    let named = log
        .turns
        .iter()
        .rev()
        .filter_map(|t| t.entities.as_array())
        .flatten()
        .filter_map(|e| {
            let value = &e["value"];
            (value["kind"] == "order_number").then(|| value["value"].as_str().map(String::from))
        })
        .flatten()
        .find_map(|number| store.order_by_number(&number).ok().flatten());
    let (order, mentioned) = match named {
        Some(order) => (order, true),
        None => {
            let latest = store
                .orders_of_customer(customer?.id)
                .ok()?
                .into_iter()
                .max_by_key(|o| o.created_at)?;
            (latest, false)
        }
    };
    Some(OrderCard {
        number: order.number,
        status: order.status.as_str().to_string(),
        total_cents: order.total_cents,
        address: order.address,
        mentioned,
    })
}
