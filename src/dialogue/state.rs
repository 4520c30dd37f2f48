//! Per-conversation state: who is calling, in which language, what is being worked on and what awaits a yes/no.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::nlu::{ChangeField, Intent};
use super::{Channel, Expect};
use crate::lang::Lang;
use crate::store::{Customer, TicketKind};

/// A task the caller started that still needs information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Task {
    OrderStatus,
    DeliveryEta,
    Cancel,
    Change,
    AfterSale(TicketKind),
    RefundStatus,
    Repair,
    Product,
    Recommend,
    Points,
}

/// An action that waits for the caller's yes or no.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Pending {
    /// "Is this about order X?" — yes fills the order slot and resumes the task.
    UseOrder {
        number: String,
    },
    Cancel {
        order_id: i64,
        number: String,
    },
    Change {
        order_id: i64,
        number: String,
        field: ChangeField,
        value: String,
    },
    AfterSale {
        kind: TicketKind,
        order_id: i64,
        number: String,
    },
    Repair {
        order_id: i64,
        number: String,
        appointment: NaiveDateTime,
    },
    /// "Shall I put you through to a colleague?"
    Transfer,
}

/// What the conversation has collected so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Slots {
    pub order_number: Option<String>,
    pub product_id: Option<i64>,
    pub change_field: Option<ChangeField>,
    pub new_value: Option<String>,
    pub problem: Option<String>,
    pub category: Option<String>,
    pub budget_cents: Option<i64>,
}

/// One conversation (a call or a chat session).
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub id: String,
    pub channel: Channel,
    pub started_at: NaiveDateTime,
    /// The caller's number as given by the door (caller ID) or said during the conversation.
    pub caller_phone: Option<String>,
    /// The customer, once identified by phone.
    pub customer: Option<Customer>,
    pub lang: Lang,
    /// True once the caller has spoken (the first utterance fixes the language).
    pub lang_fixed: bool,
    pub slots: Slots,
    pub task: Option<Task>,
    pub pending: Option<Pending>,
    /// What the last reply asked for.
    pub expect: Expect,
    /// Consecutive turns kefu did not understand.
    pub misunderstood: u32,
    /// Consecutive turns without any input.
    pub silent: u32,
    pub sentiments: Vec<f32>,
    pub intents: Vec<Intent>,
    /// Caller turns handled so far.
    pub turns: u32,
    /// Set once the conversation was handed to a person or ended.
    pub finished: bool,
    /// Picks reply variants (stable for a replayed conversation).
    pub(super) variant_seed: u64,
}

impl Conversation {
    pub(super) fn new(
        id: String,
        channel: Channel,
        started_at: NaiveDateTime,
        caller_phone: Option<String>,
        customer: Option<Customer>,
        lang: Lang,
        variant_seed: u64,
    ) -> Self {
        Self {
            id,
            channel,
            started_at,
            caller_phone,
            customer,
            lang,
            lang_fixed: false,
            slots: Slots::default(),
            task: None,
            pending: None,
            expect: Expect::Open,
            misunderstood: 0,
            silent: 0,
            sentiments: Vec::new(),
            intents: Vec::new(),
            turns: 0,
            finished: false,
            variant_seed,
        }
    }

    /// The seed for this turn's reply variants.
    pub(super) fn turn_seed(&self) -> u64 {
        self.variant_seed
            .wrapping_mul(31)
            .wrapping_add(u64::from(self.turns))
    }

    /// True if the last two caller turns were both negative.
    pub fn two_negative_turns(&self) -> bool {
        let n = self.sentiments.len();
        n >= 2 && self.sentiments[n - 2..].iter().all(|s| *s < -0.3)
    }
}
