//! Rows of the store as Rust types, and the text codes their enums are stored as.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::lang::Lang;

/// Declares an enum stored as a text code, with `as_str` and `parse`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a stored code.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Loyalty tier of a customer.
    Tier { Regular => "regular", Silver => "silver", Gold => "gold", Vip => "vip" }
);

text_enum!(
    /// Where an order is in its life.
    OrderStatus {
        PendingPayment => "pending_payment",
        Paid => "paid",
        Processing => "processing",
        Shipped => "shipped",
        InTransit => "in_transit",
        OutForDelivery => "out_for_delivery",
        Delivered => "delivered",
        Cancelled => "cancelled",
        Returned => "returned",
        Refunded => "refunded",
    }
);

impl OrderStatus {
    /// True while the order has not left the warehouse, so it can still be cancelled or changed.
    pub fn is_before_shipping(self) -> bool {
        matches!(self, Self::PendingPayment | Self::Paid | Self::Processing)
    }

    /// True while a courier has the parcel.
    pub fn is_on_the_way(self) -> bool {
        matches!(self, Self::Shipped | Self::InTransit | Self::OutForDelivery)
    }
}

text_enum!(
    /// How a promotion discounts an order.
    PromotionKind {
        /// `value` percent off.
        Percent => "percent",
        /// `value` cents off.
        Amount => "amount",
        /// `value` cents off when the order reaches `min_spend_cents`.
        Threshold => "threshold",
    }
);

text_enum!(
    /// What a ticket asks the shop to do.
    TicketKind {
        Return => "return",
        Refund => "refund",
        Exchange => "exchange",
        Repair => "repair",
        Complaint => "complaint",
        Feedback => "feedback",
        Callback => "callback",
    }
);

text_enum!(
    /// Progress of a ticket.
    TicketState { Open => "open", InProgress => "in_progress", Resolved => "resolved", Closed => "closed" }
);

/// A product of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    /// Other names callers use (model numbers, nicknames).
    pub aliases: Vec<String>,
    pub category: String,
    pub brand: String,
    /// Key facts as a JSON object of short strings, e.g. `{"storage": "256GB"}`.
    pub specs: serde_json::Map<String, serde_json::Value>,
    pub price_cents: i64,
    pub stock: i64,
    pub warranty_months: i64,
    pub colours: Vec<String>,
    pub sizes: Vec<String>,
}

impl Product {
    /// The product's name in a language.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// A customer account, keyed by phone number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: i64,
    /// E.164 form, e.g. `+8613800138000`.
    pub phone: String,
    pub name: String,
    pub language: Lang,
    pub tier: Tier,
    pub points: i64,
}

/// An order with its header data (items and logistics are loaded separately).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    pub id: i64,
    /// Eight digits, so a caller can say or key it.
    pub number: String,
    pub customer_id: i64,
    pub status: OrderStatus,
    pub address: String,
    pub phone: String,
    /// Preferred delivery time, free text such as `weekdays 18:00-21:00`.
    pub delivery_window: String,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub total_cents: i64,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub shipped_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub eta: Option<NaiveDate>,
}

/// A line of an order, joined with its product's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub category: String,
    pub warranty_months: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub colour: String,
    pub size: String,
}

impl OrderItem {
    /// The product's name in a language.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// A new order line (for inserts).
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrderItem {
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub colour: String,
    pub size: String,
}

/// One scan of a parcel by its courier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticsEvent {
    pub at: NaiveDateTime,
    pub location_zh: String,
    pub location_en: String,
    pub description_zh: String,
    pub description_en: String,
}

impl LogisticsEvent {
    /// (location, description) in a language.
    pub fn text(&self, lang: Lang) -> (&str, &str) {
        match lang {
            Lang::Zh => (&self.location_zh, &self.description_zh),
            Lang::En => (&self.location_en, &self.description_en),
        }
    }
}

/// A coupon or campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promotion {
    pub code: String,
    pub description_zh: String,
    pub description_en: String,
    pub kind: PromotionKind,
    pub value: i64,
    pub min_spend_cents: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Categories it applies to; empty means the whole shop.
    pub categories: Vec<String>,
}

impl Promotion {
    /// The description in a language.
    pub fn description(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.description_zh,
            Lang::En => &self.description_en,
        }
    }
}

/// A request for people to act on (return, repair appointment, complaint …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    /// Also the ticket number told to the caller.
    pub id: i64,
    pub kind: TicketKind,
    pub order_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub state: TicketState,
    pub details: String,
    pub appointment: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A ticket to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub kind: TicketKind,
    pub order_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub details: String,
    pub appointment: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// One exchange of a conversation as logged: what the caller said, how it was understood, what kefu replied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnRecord {
    pub conversation_id: String,
    pub channel: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    /// `caller` for a caller turn, `bot` for kefu's opening.
    pub speaker: String,
    pub text: String,
    pub lang: Lang,
    pub intent: Option<String>,
    pub confidence: Option<f32>,
    /// The entities as a JSON array.
    pub entities: String,
    pub sentiment: Option<f32>,
    pub reply: String,
    /// `continue`, `escalate:<reason>` or `end`.
    pub outcome: String,
}
