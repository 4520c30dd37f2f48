//! The intents kefu recognises: what a caller wants from one turn.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! intents {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// What the caller wants. Names are snake_case in data files, JSON and on the command line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Intent {
            $($(#[$doc])* $variant,)+
        }

        impl Intent {
            /// Every intent, in declaration order (the classifier's label order).
            pub const ALL: &'static [Intent] = &[$(Intent::$variant,)+];

            /// The snake_case name used in data files and JSON.
            pub fn name(self) -> &'static str {
                match self {
                    $(Intent::$variant => $name,)+
                }
            }
        }
    };
}

intents! {
    /// Hello / 你好.
    Greeting => "greeting",
    /// Bye / 再见.
    Goodbye => "goodbye",
    /// Thank you / 谢谢.
    Thanks => "thanks",
    /// Yes, right, OK / 对、好的.
    Affirm => "affirm",
    /// No / 不是、不用.
    Deny => "deny",
    /// Where is my order, what state is it in.
    OrderStatus => "order_status",
    /// When will it arrive.
    DeliveryEta => "delivery_eta",
    /// Cancel an order.
    CancelOrder => "cancel_order",
    /// Change an order's address, phone or delivery time.
    ChangeOrder => "change_order",
    /// Send an item back.
    ReturnItem => "return_item",
    /// Ask for money back.
    Refund => "refund",
    /// Swap an item for another size/colour/unit.
    Exchange => "exchange",
    /// Where is my refund.
    RefundStatus => "refund_status",
    /// Something broke; repair or warranty.
    Repair => "repair",
    /// A complaint about service, courier or product.
    Complaint => "complaint",
    /// Questions about a product (specs, stock, price).
    ProductInquiry => "product_inquiry",
    /// Asking what to buy.
    Recommendation => "recommendation",
    /// Discounts, coupons, sales.
    Promotion => "promotion",
    /// Loyalty points / 积分.
    Points => "points",
    /// Paying, payment methods, payment problems.
    Payment => "payment",
    /// Invoices / 发票.
    Invoice => "invoice",
    /// Login, password, account details.
    Account => "account",
    /// Wants to talk to a person.
    HumanAgent => "human_agent",
    /// Praise or suggestions about the shop or the service.
    Feedback => "feedback",
    /// General shop policy questions (hours, shipping rules, warranty terms).
    Faq => "faq",
    /// Anything the shop does not handle.
    OutOfScope => "out_of_scope",
}

impl Intent {
    /// Position in [`Intent::ALL`], used as the classifier's class index.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an intent name that is not one of [`Intent::ALL`].
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown intent {0:?} (expected one of: greeting, goodbye, …, out_of_scope; see `Intent::ALL`)"
)]
pub struct UnknownIntent(pub String);

impl FromStr for Intent {
    type Err = UnknownIntent;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Intent::ALL
            .iter()
            .copied()
            .find(|i| i.name() == wanted)
            .ok_or_else(|| UnknownIntent(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_matches_position() {
        assert_eq!(Intent::ALL.len(), 26);
        for (i, intent) in Intent::ALL.iter().enumerate() {
            assert_eq!(intent.index(), i);
            assert_eq!(intent.name().parse::<Intent>().unwrap(), *intent);
            let json = serde_json::to_string(intent).unwrap();
            assert_eq!(json, format!("\"{}\"", intent.name()));
        }
        assert_eq!(Intent::DeliveryEta.to_string(), "delivery_eta");
        assert!("deliveryeta".parse::<Intent>().is_err());
    }
}
