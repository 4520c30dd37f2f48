//! After-sales flows: returns, refunds and exchanges (with eligibility windows), refund status and repairs.

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Weekday};

use super::Turn;
use crate::dialogue::nlu::Understanding;
use crate::dialogue::responses::Msg;
use crate::dialogue::{DialogueError, EscalationReason, Expect, Pending, speakable};
use crate::lang::Lang;
use crate::store::{NewTicket, Order, OrderStatus, TicketKind, TicketState};

/// Days after delivery during which a return or refund is accepted.
pub const RETURN_DAYS: i64 = 7;
/// Days after delivery during which an exchange is accepted.
pub const EXCHANGE_DAYS: i64 = 15;

const PROBLEM_WORDS: &[&str] = &[
    "broken",
    "not working",
    "doesn't work",
    "won't",
    "crack",
    "screen",
    "battery",
    "noise",
    "charg",
    "dead",
    "坏",
    "不能",
    "没反应",
    "故障",
    "屏幕",
    "电池",
    "充不",
    "开不",
    "异响",
    "不工作",
    "失灵",
];

/// True if a sentence already says what is wrong with the product.
pub(super) fn describes_problem(text: &str) -> bool {
    let lower = text.to_lowercase();
    PROBLEM_WORDS.iter().any(|w| lower.contains(w))
}

fn kind_words(kind: TicketKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (TicketKind::Return, Lang::En) => "return",
        (TicketKind::Refund, Lang::En) => "refund",
        (TicketKind::Exchange, Lang::En) => "exchange",
        (TicketKind::Return, Lang::Zh) => "退货",
        (TicketKind::Refund, Lang::Zh) => "退款",
        (TicketKind::Exchange, Lang::Zh) => "换货",
        (_, Lang::En) => "service",
        (_, Lang::Zh) => "售后",
    }
}

fn state_words(state: TicketState, lang: Lang) -> &'static str {
    match (state, lang) {
        (TicketState::Open, Lang::En) => "submitted and waiting to be processed",
        (TicketState::InProgress, Lang::En) => {
            "being processed and should reach you within 3 to 5 working days"
        }
        (TicketState::Resolved | TicketState::Closed, Lang::En) => "completed",
        (TicketState::Open, Lang::Zh) => "已提交，等待处理",
        (TicketState::InProgress, Lang::Zh) => "正在处理中，预计三到五个工作日到账",
        (TicketState::Resolved | TicketState::Closed, Lang::Zh) => "已经完成",
    }
}

/// The first repair slot: 10:00 on the second working day from now.
fn first_repair_slot(now: NaiveDateTime) -> NaiveDateTime {
    let mut day = now.date();
    let mut working_days = 0;
    while working_days < 2 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            working_days += 1;
        }
    }
    day.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default())
}

impl Turn<'_> {
    fn item_name(&self, order: &Order) -> Result<(String, i64), DialogueError> {
        let items = self.engine.store.order_items(order.id)?;
        Ok(items
            .first()
            .map(|i| (i.name(self.lang()).to_string(), i.warranty_months))
            .unwrap_or_default())
    }

    pub(super) fn after_sale(
        &mut self,
        kind: TicketKind,
        order: &Order,
    ) -> Result<(), DialogueError> {
        let lang = self.lang();
        let words = self.order_words(&order.number);
        let what = kind_words(kind, lang);
        if kind == TicketKind::Refund {
            if order.status.is_before_shipping() {
                self.say(Msg::RefundBeforeShipping, &[("order", &words)]);
                self.conv.task = Some(crate::dialogue::Task::Cancel);
                return self.cancel(order);
            }
            if matches!(order.status, OrderStatus::Returned | OrderStatus::Refunded) {
                return self.refund_status(order);
            }
        }
        if order.status != OrderStatus::Delivered {
            self.say(Msg::NotDeliveredYet, &[("order", &words)]);
            self.conv.task = None;
            return Ok(());
        }
        let open = self
            .engine
            .store
            .tickets_for_order(order.id)?
            .into_iter()
            .find(|t| {
                t.kind == kind && matches!(t.state, TicketState::Open | TicketState::InProgress)
            });
        if let Some(t) = open {
            let ticket = speakable::digits(&t.id.to_string(), lang);
            self.say(
                Msg::TicketAlreadyOpen,
                &[
                    ("order", &words),
                    ("ticket", &ticket),
                    ("state", state_words(t.state, lang)),
                ],
            );
            self.conv.task = None;
            return Ok(());
        }
        let window = if kind == TicketKind::Exchange {
            EXCHANGE_DAYS
        } else {
            RETURN_DAYS
        };
        let delivered = order.delivered_at.unwrap_or(order.created_at);
        if (self.now - delivered).num_days() >= window {
            let days = speakable::number(window, lang);
            self.say(
                Msg::AfterSaleExpired,
                &[("order", &words), ("what", what), ("days", &days)],
            );
            self.conv.task = None;
            return Ok(());
        }
        let (item, _) = self.item_name(order)?;
        self.conv.pending = Some(Pending::AfterSale {
            kind,
            order_id: order.id,
            number: order.number.clone(),
        });
        self.ask(
            Msg::ConfirmAfterSale,
            &[("order", &words), ("item", &item), ("what", what)],
            Expect::YesNo,
        );
        Ok(())
    }

    pub(super) fn confirm_after_sale(
        &mut self,
        yes: bool,
        kind: TicketKind,
        order_id: i64,
        number: &str,
    ) -> Result<(), DialogueError> {
        self.conv.task = None;
        if !yes {
            self.say(Msg::AnythingElse, &[]);
            return Ok(());
        }
        let caller_said = self.conv_last_text();
        let ticket = self.engine.store.create_ticket(&NewTicket {
            kind,
            order_id: Some(order_id),
            customer_id: self.customer_for_order(order_id)?,
            details: format!("{} requested by caller: {caller_said}", kind.as_str()),
            appointment: None,
            created_at: self.now,
        })?;
        tracing::info!(order = number, ticket = ticket.id, kind = %kind, "after-sales ticket created");
        let lang = self.lang();
        let spoken = speakable::digits(&ticket.id.to_string(), lang);
        self.say(
            Msg::AfterSaleCreated,
            &[("what", kind_words(kind, lang)), ("ticket", &spoken)],
        );
        Ok(())
    }

    /// The customer an order belongs to (tickets are filed under the order's owner).
    pub(super) fn customer_for_order(&self, order_id: i64) -> Result<Option<i64>, DialogueError> {
        Ok(self.engine.store.order(order_id)?.map(|o| o.customer_id))
    }

    /// The caller's words this turn, for ticket details.
    pub(super) fn conv_last_text(&self) -> String {
        self.understanding
            .as_ref()
            .map(|u| u.text.clone())
            .unwrap_or_default()
    }

    pub(super) fn refund_status(&mut self, order: &Order) -> Result<(), DialogueError> {
        let lang = self.lang();
        let words = self.order_words(&order.number);
        self.conv.task = None;
        let ticket = self
            .engine
            .store
            .tickets_for_order(order.id)?
            .into_iter()
            .find(|t| matches!(t.kind, TicketKind::Refund | TicketKind::Return));
        let state = match (ticket, order.status) {
            (_, OrderStatus::Refunded) => Some(TicketState::Closed),
            (Some(t), _) => Some(t.state),
            (None, OrderStatus::Cancelled) => Some(TicketState::InProgress),
            (None, _) => None,
        };
        match state {
            Some(s) => self.say(
                Msg::RefundStatus,
                &[("order", &words), ("state", state_words(s, lang))],
            ),
            None => self.say(Msg::NoRefundFound, &[]),
        }
        Ok(())
    }

    pub(super) fn repair(
        &mut self,
        order: &Order,
        u: Option<&Understanding>,
    ) -> Result<(), DialogueError> {
        let lang = self.lang();
        let (item, warranty_months) = self.item_name(order)?;
        if warranty_months == 0 {
            self.say(Msg::NoWarranty, &[("item", &item)]);
            return self.escalate(EscalationReason::NeedsHuman);
        }
        let delivered = order.delivered_at.unwrap_or(order.created_at);
        if delivered + Duration::days(warranty_months * 30) < self.now {
            let months = speakable::number(warranty_months, lang);
            self.say(Msg::OutOfWarranty, &[("item", &item), ("months", &months)]);
            return self.escalate(EscalationReason::NeedsHuman);
        }
        if self.conv.slots.problem.is_none() {
            self.ask(Msg::AskRepairProblem, &[("item", &item)], Expect::Open);
            return Ok(());
        }
        let requested = u.and_then(|u| {
            let facts = super::Facts::from(u);
            facts.date.map(|d| {
                d.and_time(
                    facts
                        .time
                        .unwrap_or(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default()),
                )
            })
        });
        let appointment = requested
            .filter(|t| *t > self.now)
            .unwrap_or_else(|| first_repair_slot(self.now));
        let date = speakable::relative_date(appointment.date(), self.today(), lang);
        let time = speakable::time(appointment.time(), lang);
        self.conv.pending = Some(Pending::Repair {
            order_id: order.id,
            number: order.number.clone(),
            appointment,
        });
        self.ask(
            Msg::ConfirmRepair,
            &[("item", &item), ("date", &date), ("time", &time)],
            Expect::YesNo,
        );
        Ok(())
    }

    pub(super) fn confirm_repair(
        &mut self,
        yes: bool,
        order_id: i64,
        number: &str,
        appointment: NaiveDateTime,
    ) -> Result<(), DialogueError> {
        self.conv.task = None;
        if !yes {
            self.say(Msg::AnythingElse, &[]);
            return Ok(());
        }
        let problem = self.conv.slots.problem.take().unwrap_or_default();
        let ticket = self.engine.store.create_ticket(&NewTicket {
            kind: TicketKind::Repair,
            order_id: Some(order_id),
            customer_id: self.customer_for_order(order_id)?,
            details: problem,
            appointment: Some(appointment),
            created_at: self.now,
        })?;
        tracing::info!(order = number, ticket = ticket.id, %appointment, "repair booked");
        let lang = self.lang();
        let spoken = speakable::digits(&ticket.id.to_string(), lang);
        let date = speakable::relative_date(appointment.date(), self.today(), lang);
        let time = speakable::time(appointment.time(), lang);
        self.say(
            Msg::RepairBooked,
            &[("ticket", &spoken), ("date", &date), ("time", &time)],
        );
        Ok(())
    }
}
