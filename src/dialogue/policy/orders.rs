//! Order flows: status and logistics, delivery date, cancellation, changes of address, phone or delivery time.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::aftersales::{EXCHANGE_DAYS, RETURN_DAYS};
use super::{Facts, Turn};
use crate::dialogue::nlu::ChangeField;
use crate::dialogue::responses::Msg;
use crate::dialogue::{DialogueError, Expect, Pending, Task, speakable};
use crate::lang::Lang;
use crate::store::{Order, OrderField, OrderStatus, TicketKind};

/// Whether an order is one a task could be about (to offer a caller's only candidate).
pub(super) fn relevant(task: Task, o: &Order, now: NaiveDateTime) -> bool {
    use OrderStatus::*;
    match task {
        Task::OrderStatus | Task::DeliveryEta => {
            o.status.is_before_shipping() || o.status.is_on_the_way()
        }
        Task::Cancel | Task::Change => o.status.is_before_shipping(),
        // Offer only orders still inside their return/exchange window.
        Task::AfterSale(kind) => {
            let window = if kind == TicketKind::Exchange {
                EXCHANGE_DAYS
            } else {
                RETURN_DAYS
            };
            o.status == Delivered
                && o.delivered_at
                    .is_some_and(|d| (now - d).num_days() < window)
        }
        Task::Repair => o.status == Delivered,
        Task::RefundStatus => matches!(o.status, Returned | Refunded),
        Task::Product | Task::Recommend | Task::Points => false,
    }
}

fn field_words(field: ChangeField, lang: Lang) -> &'static str {
    match (field, lang) {
        (ChangeField::Address, Lang::En) => "delivery address",
        (ChangeField::Phone, Lang::En) => "phone number",
        (ChangeField::DeliveryTime, Lang::En) => "delivery time",
        (ChangeField::Address, Lang::Zh) => "收货地址",
        (ChangeField::Phone, Lang::Zh) => "联系电话",
        (ChangeField::DeliveryTime, Lang::Zh) => "送货时间",
    }
}

/// Delivery times are stored as `YYYY-MM-DD HH:MM` (or a bare day).
fn format_window(date: NaiveDate, time: Option<NaiveTime>) -> String {
    match time {
        Some(t) => format!("{} {}", date.format("%Y-%m-%d"), t.format("%H:%M")),
        None => date.format("%Y-%m-%d").to_string(),
    }
}

impl Turn<'_> {
    fn first_item_name(&self, order: &Order) -> Result<String, DialogueError> {
        let items = self.engine.store.order_items(order.id)?;
        Ok(items
            .first()
            .map(|i| i.name(self.lang()).to_string())
            .unwrap_or_default())
    }

    /// "2024-12-12 18:00" → "tomorrow, December 12th at 6 pm".
    fn window_words(&self, window: &str) -> String {
        let lang = self.lang();
        let (day, time) = window.split_once(' ').unwrap_or((window, ""));
        let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            return window.to_string();
        };
        let mut words = speakable::relative_date(date, self.today(), lang);
        if let Ok(t) = NaiveTime::parse_from_str(time, "%H:%M") {
            let t = speakable::time(t, lang);
            match lang {
                Lang::En => words = format!("{words} at {t}"),
                Lang::Zh => words.push_str(&t),
            }
        }
        words
    }

    pub(super) fn order_status(&mut self, order: &Order) -> Result<(), DialogueError> {
        let lang = self.lang();
        let words = self.order_words(&order.number);
        let o = [("order", words.as_str())];
        match order.status {
            OrderStatus::PendingPayment => self.say(Msg::StatusPendingPayment, &o),
            OrderStatus::Paid | OrderStatus::Processing => self.say(Msg::StatusPreparing, &o),
            OrderStatus::Shipped | OrderStatus::InTransit => {
                let events = self.engine.store.logistics_events(order.id)?;
                let event = events
                    .last()
                    .map(|e| {
                        let (place, what) = e.text(lang);
                        match lang {
                            Lang::En => format!("{what}, {place}"),
                            Lang::Zh => format!("{place}，{what}"),
                        }
                    })
                    .unwrap_or_default();
                let courier = courier_name(order.courier.as_deref().unwrap_or_default(), lang);
                // An ETA in the past means the parcel is late: say so rather than give a past date as the future.
                let (msg, eta) = match order.eta {
                    Some(d) if d < self.today() => {
                        (Msg::StatusLate, speakable::date(d, self.today(), lang))
                    }
                    Some(d) => (
                        Msg::StatusOnTheWay,
                        speakable::relative_date(d, self.today(), lang),
                    ),
                    None => (Msg::StatusOnTheWay, String::new()),
                };
                self.say(
                    msg,
                    &[
                        ("order", &words),
                        ("courier", courier),
                        ("event", &event),
                        ("eta", &eta),
                    ],
                );
            }
            OrderStatus::OutForDelivery => {
                let courier = courier_name(order.courier.as_deref().unwrap_or_default(), lang);
                self.say(
                    Msg::StatusOutForDelivery,
                    &[("order", &words), ("courier", courier)],
                );
            }
            OrderStatus::Delivered => {
                let date = order
                    .delivered_at
                    .map(|d| speakable::relative_date(d.date(), self.today(), lang))
                    .unwrap_or_default();
                self.say(Msg::StatusDelivered, &[("order", &words), ("date", &date)]);
            }
            OrderStatus::Cancelled => self.say(Msg::StatusCancelled, &o),
            OrderStatus::Returned => self.say(Msg::StatusReturned, &o),
            OrderStatus::Refunded => self.say(Msg::StatusRefunded, &o),
        }
        self.conv.task = None;
        Ok(())
    }

    pub(super) fn delivery_eta(&mut self, order: &Order) -> Result<(), DialogueError> {
        let Some(eta) = order.eta.filter(|_| order.status.is_on_the_way()) else {
            return self.order_status(order);
        };
        let words = self.order_words(&order.number);
        if eta < self.today() {
            let eta = speakable::date(eta, self.today(), self.lang());
            self.say(Msg::EtaLate, &[("order", &words), ("eta", &eta)]);
        } else {
            let eta = speakable::relative_date(eta, self.today(), self.lang());
            self.say(Msg::EtaOnTheWay, &[("order", &words), ("eta", &eta)]);
        }
        self.conv.task = None;
        Ok(())
    }

    pub(super) fn cancel(&mut self, order: &Order) -> Result<(), DialogueError> {
        let words = self.order_words(&order.number);
        if order.status == OrderStatus::Cancelled {
            self.say(Msg::AlreadyCancelled, &[("order", &words)]);
            self.conv.task = None;
        } else if order.status.is_before_shipping() {
            let item = self.first_item_name(order)?;
            self.conv.pending = Some(Pending::Cancel {
                order_id: order.id,
                number: order.number.clone(),
            });
            self.ask(
                Msg::ConfirmCancel,
                &[("order", &words), ("item", &item)],
                Expect::YesNo,
            );
        } else {
            self.say(Msg::CancelTooLate, &[("order", &words)]);
            self.conv.task = None;
        }
        Ok(())
    }

    pub(super) fn confirm_cancel(
        &mut self,
        yes: bool,
        order_id: i64,
        number: &str,
    ) -> Result<(), DialogueError> {
        let words = self.order_words(number);
        self.conv.task = None;
        if !yes {
            self.say(Msg::CancelKept, &[("order", &words)]);
            self.say(Msg::AnythingElse, &[]);
            return Ok(());
        }
        // Re-check: the warehouse may have shipped it while we talked.
        let Some(order) = self.engine.store.order(order_id)? else {
            return Ok(());
        };
        if !order.status.is_before_shipping() {
            return self.cancel(&order);
        }
        self.engine
            .store
            .set_order_status(order_id, OrderStatus::Cancelled)?;
        tracing::info!(order = number, conversation = %self.conv.id, "order cancelled by caller");
        let amount = speakable::amount(order.total_cents, self.lang());
        self.say(Msg::Cancelled, &[("order", &words), ("amount", &amount)]);
        Ok(())
    }

    /// Records a new value for the field being changed, if this turn gave one.
    pub(super) fn take_change_value(&mut self, field: ChangeField, facts: &Facts) {
        let value = match field {
            ChangeField::Address => facts.address.clone(),
            ChangeField::Phone => facts.phone.as_deref().and_then(super::normalize_phone),
            ChangeField::DeliveryTime => match (facts.date, facts.time) {
                (Some(d), t) => Some(format_window(d, t)),
                (None, Some(t)) => self.today().succ_opt().map(|d| format_window(d, Some(t))),
                (None, None) => None,
            },
        };
        if value.is_some() {
            self.conv.slots.new_value = value;
        }
    }

    pub(super) fn change(&mut self, order: &Order) -> Result<(), DialogueError> {
        let words = self.order_words(&order.number);
        if !order.status.is_before_shipping() {
            self.say(Msg::ChangeTooLate, &[("order", &words)]);
            self.conv.task = None;
            return Ok(());
        }
        let Some(field) = self.conv.slots.change_field else {
            self.ask(Msg::AskChangeField, &[("order", &words)], Expect::Choice);
            return Ok(());
        };
        let Some(value) = self.conv.slots.new_value.clone() else {
            match field {
                ChangeField::Address => self.ask(Msg::AskNewAddress, &[], Expect::Address),
                ChangeField::Phone => self.ask(Msg::AskNewPhone, &[], Expect::Phone),
                ChangeField::DeliveryTime => self.ask(Msg::AskNewDeliveryTime, &[], Expect::Open),
            }
            return Ok(());
        };
        let spoken = match field {
            ChangeField::Address => value.clone(),
            ChangeField::Phone => speakable::phone(&value, self.lang()),
            ChangeField::DeliveryTime => self.window_words(&value),
        };
        let field_name = field_words(field, self.lang());
        self.conv.pending = Some(Pending::Change {
            order_id: order.id,
            number: order.number.clone(),
            field,
            value,
        });
        self.ask(
            Msg::ConfirmChange,
            &[("order", &words), ("field", field_name), ("value", &spoken)],
            Expect::YesNo,
        );
        Ok(())
    }

    pub(super) fn confirm_change(
        &mut self,
        yes: bool,
        order_id: i64,
        number: &str,
        field: ChangeField,
        value: &str,
    ) -> Result<(), DialogueError> {
        let words = self.order_words(number);
        if !yes {
            self.conv.slots.new_value = None;
            self.say(Msg::ChangeKept, &[("order", &words)]);
            self.ask(
                match field {
                    ChangeField::Address => Msg::AskNewAddress,
                    ChangeField::Phone => Msg::AskNewPhone,
                    ChangeField::DeliveryTime => Msg::AskNewDeliveryTime,
                },
                &[],
                match field {
                    ChangeField::Address => Expect::Address,
                    ChangeField::Phone => Expect::Phone,
                    ChangeField::DeliveryTime => Expect::Open,
                },
            );
            return Ok(());
        }
        let Some(order) = self.engine.store.order(order_id)? else {
            return Ok(());
        };
        if !order.status.is_before_shipping() {
            return self.change(&order);
        }
        let column = match field {
            ChangeField::Address => OrderField::Address,
            ChangeField::Phone => OrderField::Phone,
            ChangeField::DeliveryTime => OrderField::DeliveryWindow,
        };
        self.engine
            .store
            .update_order_field(order_id, column, value)?;
        tracing::info!(order = number, ?field, conversation = %self.conv.id, "order changed by caller");
        self.conv.task = None;
        self.conv.slots.new_value = None;
        self.conv.slots.change_field = None;
        let field_name = field_words(field, self.lang());
        self.say(Msg::Changed, &[("order", &words), ("field", field_name)]);
        Ok(())
    }
}

/// A courier's name as said in a language.
fn courier_name(stored: &str, lang: Lang) -> &str {
    match (stored, lang) {
        ("SF Express", Lang::Zh) => "顺丰速运",
        ("JD Logistics", Lang::Zh) => "京东物流",
        ("ZTO Express", Lang::Zh) => "中通快递",
        ("YTO Express", Lang::Zh) => "圆通速递",
        _ => stored,
    }
}
