//! The dialogue policy: from one understood turn and the conversation state to the reply and the store changes.
//!
//! Order of decisions: silence and keypad input; language; escalations that override everything (a request for
//! a person, strong anger); a pending yes/no; filling the slot the last reply asked for; misunderstanding; and
//! finally the caller's intent, which starts (or restarts) a task.

mod aftersales;
mod care;
mod orders;
mod shop;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::nlu::spoken_digits::{homophone_readings, overlap};
use super::nlu::{
    ChangeField, Entity, EntityValue, Expecting, Intent, ParseContext, Understanding,
};
use super::responses::{self, Msg, render};
use super::speakable;
use super::{
    Conversation, DialogueEngine, DialogueError, EscalationReason, Expect, Outcome, Pending, Reply,
    Task, UserInput,
};
use crate::lang::{Lang, is_cjk};
use crate::store::{Customer, Order, TicketKind};

/// Phone numbers a caller's number may be stored as (E.164), most likely first.
pub(super) fn phone_candidates(raw: &str) -> Vec<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let plus = raw.trim_start().starts_with('+');
    match digits.len() {
        _ if plus => vec![format!("+{digits}")],
        11 if digits.starts_with('1') => vec![format!("+86{digits}"), format!("+{digits}")],
        13 if digits.starts_with("86") => vec![format!("+{digits}")],
        10 => vec![format!("+1{digits}")],
        _ => Vec::new(),
    }
}

/// The E.164 form of a caller's number, if it looks like a phone number.
pub(super) fn normalize_phone(raw: &str) -> Option<String> {
    phone_candidates(raw).into_iter().next()
}

/// The customer with one of the forms of a phone number.
pub(super) fn find_customer(
    engine: &DialogueEngine,
    raw: &str,
) -> Result<Option<Customer>, DialogueError> {
    for candidate in phone_candidates(raw) {
        if let Some(c) = engine.store.customer_by_phone(&candidate)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The task an intent starts, if it starts one.
/// `Some(true)` / `Some(false)` if the utterance opens with a plain yes / no ("Yes, please…", "不用了…").
fn leading_yes_or_no(text: &str) -> Option<bool> {
    const YES: &[&str] = &[
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "correct",
        "right",
        "absolutely",
    ];
    const NO: &[&str] = &["no", "nope", "nah", "don't", "dont"];
    const YES_ZH: &[&str] = &["是", "对", "好", "可以", "行", "确定", "没错", "嗯"];
    const NO_ZH: &[&str] = &["不", "别", "算了", "没有"];
    let text = text.trim_start();
    if text.starts_with("是不是") {
        return None; // a question ("is it…?"), not a yes
    }
    let first_word: String = text
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '\'')
        .collect::<String>()
        .to_lowercase();
    if YES.contains(&first_word.as_str()) {
        return Some(true);
    }
    if NO.contains(&first_word.as_str()) {
        return Some(false);
    }
    if NO_ZH.iter().any(|w| text.starts_with(w)) {
        return Some(false);
    }
    YES_ZH.iter().any(|w| text.starts_with(w)).then_some(true)
}

fn task_of(intent: Intent) -> Option<Task> {
    Some(match intent {
        Intent::OrderStatus => Task::OrderStatus,
        Intent::DeliveryEta => Task::DeliveryEta,
        Intent::CancelOrder => Task::Cancel,
        Intent::ChangeOrder => Task::Change,
        Intent::ReturnItem => Task::AfterSale(TicketKind::Return),
        Intent::Refund => Task::AfterSale(TicketKind::Refund),
        Intent::Exchange => Task::AfterSale(TicketKind::Exchange),
        Intent::RefundStatus => Task::RefundStatus,
        Intent::Repair => Task::Repair,
        Intent::ProductInquiry => Task::Product,
        Intent::Recommendation => Task::Recommend,
        Intent::Points => Task::Points,
        _ => return None,
    })
}

/// What one caller turn supplied, pulled out of the entities.
#[derive(Debug, Default)]
pub(super) struct Facts {
    order_number: Option<String>,
    phone: Option<String>,
    product_id: Option<i64>,
    address: Option<String>,
    date: Option<NaiveDate>,
    time: Option<NaiveTime>,
    amount_cents: Option<i64>,
    change_field: Option<ChangeField>,
}

impl Facts {
    fn from(u: &Understanding) -> Self {
        let mut f = Facts::default();
        for e in &u.entities {
            match &e.value {
                EntityValue::OrderNumber(n) => {
                    f.order_number = f.order_number.take().or(Some(n.clone()))
                }
                EntityValue::Phone(p) => f.phone = f.phone.take().or(Some(p.clone())),
                EntityValue::Product { id, .. } => f.product_id = f.product_id.or(Some(*id)),
                EntityValue::Address(a) => f.address = f.address.take().or(Some(a.clone())),
                EntityValue::Date(d) => f.date = f.date.or(Some(*d)),
                EntityValue::Time(t) => f.time = f.time.or(Some(*t)),
                EntityValue::Amount { cents, .. } => {
                    f.amount_cents = f.amount_cents.or(Some(*cents))
                }
                EntityValue::ChangeField(c) => f.change_field = f.change_field.or(Some(*c)),
            }
        }
        f
    }
}

/// One turn being answered.
pub(super) struct Turn<'a> {
    engine: &'a DialogueEngine,
    conv: &'a mut Conversation,
    now: NaiveDateTime,
    parts: Vec<String>,
    expect: Expect,
    outcome: Outcome,
    understanding: Option<Understanding>,
}

impl<'a> Turn<'a> {
    pub(super) fn new(
        engine: &'a DialogueEngine,
        conv: &'a mut Conversation,
        now: NaiveDateTime,
    ) -> Self {
        Turn {
            engine,
            conv,
            now,
            parts: Vec::new(),
            expect: Expect::Open,
            outcome: Outcome::Continue,
            understanding: None,
        }
    }

    fn lang(&self) -> Lang {
        self.conv.lang
    }

    fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// Adds a sentence to the reply.
    fn say(&mut self, msg: Msg, vars: &[(&str, &str)]) {
        let seed = self.conv.turn_seed().wrapping_add(self.parts.len() as u64);
        self.parts.push(render(msg, self.lang(), vars, seed));
    }

    /// Adds a question and records what the answer should be.
    fn ask(&mut self, msg: Msg, vars: &[(&str, &str)], expect: Expect) {
        self.say(msg, vars);
        self.expect = expect;
    }

    /// Speech recognition writes "two" as "to" next to digits ("my order to 0, 2, 4…"). When the order number
    /// as heard is not in the shop (or none was heard) but a reading with such words as digits is, that
    /// reading is the order the caller meant: it replaces the numbers it overlaps.
    fn read_order_numbers_as_said(&self, u: &mut Understanding) -> Result<(), DialogueError> {
        let store = &self.engine.store;
        for run in homophone_readings(&u.text) {
            let overlaps = |span: &std::ops::Range<usize>| overlap(span, &run.span);
            // Anything else heard there stands: a phone number, a date, an order the shop knows.
            let mut heard_stands = false;
            for e in u.entities.iter().filter(|e| overlaps(&e.span)) {
                heard_stands |= match &e.value {
                    EntityValue::OrderNumber(n) => store.order_by_number(n)?.is_some(),
                    _ => true,
                };
            }
            if heard_stands || store.order_by_number(&run.digits)?.is_none() {
                continue;
            }
            tracing::debug!(
                reading = run.digits,
                "order number read with digit homophones"
            );
            u.entities.retain(|e| !overlaps(&e.span));
            let at = u
                .entities
                .partition_point(|e| e.span.start < run.span.start);
            u.entities.insert(
                at,
                Entity {
                    value: EntityValue::OrderNumber(run.digits),
                    span: run.span,
                },
            );
        }
        Ok(())
    }

    fn order_words(&self, number: &str) -> String {
        speakable::order_number(number, self.lang())
    }

    fn finish(self) -> Reply {
        Reply {
            text: responses::join(&self.parts, self.conv.lang),
            lang: self.conv.lang,
            expect: self.expect,
            outcome: self.outcome,
            understanding: self.understanding,
        }
    }

    pub(super) fn respond(mut self, input: UserInput) -> Result<Reply, DialogueError> {
        match input {
            UserInput::NoInput => self.on_silence(),
            UserInput::Digits(d) => {
                self.conv.silent = 0;
                self.on_digits(&d)?;
            }
            UserInput::Text(text) if text.trim().is_empty() => self.on_silence(),
            UserInput::Text(text) => {
                self.conv.silent = 0;
                self.on_text(&text)?;
            }
        }
        Ok(self.finish())
    }

    fn on_silence(&mut self) {
        self.conv.silent += 1;
        if self.conv.silent >= 3 {
            self.say(Msg::NoInputGoodbye, &[]);
            self.outcome = Outcome::End;
        } else {
            // Keep waiting for whatever was asked before.
            self.ask(Msg::NoInput, &[], self.conv.expect);
        }
    }

    fn on_digits(&mut self, raw: &str) -> Result<(), DialogueError> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if digits == "0" {
            return self.escalate(EscalationReason::Requested);
        }
        if self.conv.pending.is_some() && (digits == "1" || digits == "2") {
            return self.answer_pending(digits == "1", &Facts::default(), None);
        }
        if self.conv.expect == Expect::Phone {
            if self.conv.task == Some(Task::Change) {
                if let Some(phone) = normalize_phone(&digits) {
                    self.conv.slots.new_value = Some(phone);
                    return self.run_task(Task::Change, None);
                }
                return self.misunderstood();
            }
            return self.identify_by_phone(&digits);
        }
        if (6..=12).contains(&digits.len()) {
            self.conv.pending = None;
            self.conv.slots.order_number = Some(digits);
            let task = self.conv.task.unwrap_or(Task::OrderStatus);
            return self.run_task(task, None);
        }
        self.misunderstood()
    }

    fn on_text(&mut self, text: &str) -> Result<(), DialogueError> {
        self.update_language(text);
        let engine = self.engine;
        let mut ctx = ParseContext::new(&engine.products, self.today());
        ctx.lang_hint = Some(self.conv.lang);
        ctx.expecting = match self.conv.expect {
            Expect::OrderNumber => Some(Expecting::OrderNumber),
            Expect::Phone => Some(Expecting::Phone),
            Expect::Address => Some(Expecting::Address),
            Expect::YesNo => Some(Expecting::YesNo),
            Expect::Open | Expect::Choice => None,
        };
        let mut u = engine.nlu.parse(text, &ctx);
        self.read_order_numbers_as_said(&mut u)?;
        self.conv.sentiments.push(u.sentiment);
        self.conv.intents.push(u.intent);
        let facts = Facts::from(&u);
        self.understanding = Some(u.clone());

        if let (Some(phone), None) = (&facts.phone, &self.conv.customer)
            && let Some(c) = find_customer(engine, phone)?
        {
            self.conv.caller_phone = Some(c.phone.clone());
            self.conv.customer = Some(c);
        }
        if u.intent == Intent::HumanAgent && !u.uncertain {
            return self.escalate(EscalationReason::Requested);
        }
        let very_negative = u.sentiment < -0.7 || self.conv.two_negative_turns();
        if very_negative && u.intent != Intent::Complaint {
            self.say(Msg::Empathy, &[]);
            return self.escalate(EscalationReason::NegativeSentiment);
        }
        if let Some(pending) = self.conv.pending.clone() {
            // "Yes, please cancel it": a clear yes or no in front of the very request being confirmed answers
            // the question (the classifier sees the request and would ask it again).
            let repeats_task = task_of(u.intent).is_some() && task_of(u.intent) == self.conv.task;
            if self.conv.expect == Expect::YesNo
                && repeats_task
                && let Some(yes) = leading_yes_or_no(text)
            {
                return self.answer_pending(yes, &facts, Some(&u));
            }
            match u.intent {
                Intent::Affirm if !u.uncertain || matches!(self.conv.expect, Expect::YesNo) => {
                    return self.answer_pending(true, &facts, Some(&u));
                }
                Intent::Deny if !u.uncertain || matches!(self.conv.expect, Expect::YesNo) => {
                    return self.answer_pending(false, &facts, Some(&u));
                }
                _ => {}
            }
            // A corrected value or another order number answers the question too.
            if self.amend_pending(&pending, &facts)? {
                return Ok(());
            }
            if u.uncertain || u.intent == Intent::OutOfScope {
                self.conv.misunderstood += 1;
                if self.conv.misunderstood >= 2 {
                    return self.escalate(EscalationReason::RepeatedMisunderstanding);
                }
                self.say(Msg::NotUnderstood, &[]);
                self.expect = Expect::YesNo;
                return Ok(());
            }
            // The caller moved on: drop the question, and say so when it concerned an order (unless they are
            // asking for the same thing again, which simply restarts the task).
            self.conv.pending = None;
            let same_task = task_of(u.intent).is_some() && task_of(u.intent) == self.conv.task;
            match &pending {
                _ if same_task => {}
                Pending::UseOrder { .. } => {}
                Pending::Cancel { number, .. }
                | Pending::Change { number, .. }
                | Pending::AfterSale { number, .. }
                | Pending::Repair { number, .. } => {
                    let order = self.order_words(number);
                    self.say(Msg::ParkedAction, &[("order", &order)]);
                }
                Pending::Transfer => {}
            }
        }
        if self.fill_expected_slot(&u, &facts)? {
            return Ok(());
        }
        if u.intent == Intent::OutOfScope || u.uncertain {
            if let Some(faq) = engine.kb.answer(text, self.lang()) {
                self.conv.misunderstood = 0;
                self.parts.push(faq.answer(self.lang()).to_string());
                return Ok(());
            }
            if u.uncertain && u.intent != Intent::OutOfScope && facts.order_number.is_some() {
                self.conv.slots.order_number = facts.order_number.clone();
                return self.start_task(Task::OrderStatus, &u, &facts);
            }
            return self.misunderstood();
        }
        self.conv.misunderstood = 0;
        if u.sentiment < care::UPSET && u.intent != Intent::Complaint {
            self.say(Msg::Empathy, &[]);
        }
        self.dispatch(&u, &facts)
    }

    /// The first utterance sets the language; later ones switch it only when clearly in the other language.
    fn update_language(&mut self, text: &str) {
        let Some(detected) = Lang::detect(text) else {
            return;
        };
        let clear = match detected {
            Lang::Zh => text.chars().filter(|c| is_cjk(*c)).count() >= 2,
            Lang::En => {
                text.split_whitespace()
                    .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
                    .count()
                    >= 2
            }
        };
        if !self.conv.lang_fixed || clear {
            self.conv.lang = detected;
        }
        self.conv.lang_fixed = true;
    }

    fn misunderstood(&mut self) -> Result<(), DialogueError> {
        self.conv.misunderstood += 1;
        if self.conv.misunderstood >= 2 {
            return self.escalate(EscalationReason::RepeatedMisunderstanding);
        }
        let out_of_scope = self
            .understanding
            .as_ref()
            .is_some_and(|u| u.intent == Intent::OutOfScope && !u.uncertain);
        if out_of_scope {
            self.say(Msg::OutOfScope, &[]);
        } else {
            self.say(Msg::NotUnderstood, &[]);
        }
        self.expect = self.conv.expect;
        Ok(())
    }

    /// Uses the answer to the question the last reply asked; true if it was one.
    fn fill_expected_slot(
        &mut self,
        u: &Understanding,
        facts: &Facts,
    ) -> Result<bool, DialogueError> {
        let Some(task) = self.conv.task else {
            return Ok(false);
        };
        // A confident new request wins over a slot answer that is not there.
        let switching =
            !u.uncertain && !matches!(u.intent, Intent::Affirm | Intent::Deny | Intent::Thanks);
        match self.conv.expect {
            Expect::OrderNumber => {
                if let Some(n) = &facts.order_number {
                    self.conv.slots.order_number = Some(n.clone());
                    self.run_task(task, Some(u))?;
                    return Ok(true);
                }
            }
            Expect::Phone => {
                if let Some(p) = &facts.phone {
                    if task == Task::Change {
                        if let Some(phone) = normalize_phone(p) {
                            self.conv.slots.new_value = Some(phone);
                            self.run_task(task, Some(u))?;
                            return Ok(true);
                        }
                    } else {
                        self.identify_by_phone(p)?;
                        return Ok(true);
                    }
                }
            }
            Expect::Address => {
                let raw = u.text.trim();
                let address = facts.address.clone().or_else(|| {
                    // Accept a bare answer as the address unless it is clearly another request.
                    let long_enough = raw.chars().filter(|c| c.is_alphanumeric()).count() >= 6;
                    (long_enough && (u.uncertain || u.intent == Intent::ChangeOrder || !switching))
                        .then(|| raw.to_string())
                });
                if let Some(a) = address {
                    self.conv.slots.new_value = Some(a);
                    self.run_task(task, Some(u))?;
                    return Ok(true);
                }
            }
            Expect::Choice if task == Task::Change => {
                if let Some(field) = facts.change_field {
                    self.conv.slots.change_field = Some(field);
                    self.take_change_value(field, facts);
                    self.run_task(task, Some(u))?;
                    return Ok(true);
                }
            }
            Expect::Open
                if task == Task::Change
                    && self.conv.slots.change_field == Some(ChangeField::DeliveryTime)
                    && (facts.date.is_some() || facts.time.is_some()) =>
            {
                self.take_change_value(ChangeField::DeliveryTime, facts);
                self.run_task(task, Some(u))?;
                return Ok(true);
            }
            Expect::Open
                if task == Task::Repair
                    && self.conv.slots.problem.is_none()
                    && (!switching || matches!(u.intent, Intent::Repair | Intent::Complaint)) =>
            {
                self.conv.slots.problem = Some(u.text.clone());
                self.run_task(task, Some(u))?;
                return Ok(true);
            }
            Expect::Open
                if matches!(task, Task::Product | Task::Recommend)
                    && (facts.product_id.is_some() || shop::category_in(&u.text).is_some()) =>
            {
                if let Some(id) = facts.product_id {
                    self.conv.slots.product_id = Some(id);
                }
                self.run_task(task, Some(u))?;
                return Ok(true);
            }
            _ => {}
        }
        Ok(false)
    }

    fn dispatch(&mut self, u: &Understanding, facts: &Facts) -> Result<(), DialogueError> {
        if let Some(task) = task_of(u.intent) {
            return self.start_task(task, u, facts);
        }
        match u.intent {
            Intent::Greeting => self.ask(Msg::HowCanIHelp, &[], Expect::Open),
            Intent::Goodbye => {
                self.say(Msg::Goodbye, &[]);
                self.outcome = Outcome::End;
            }
            Intent::Thanks => self.say(Msg::YoureWelcome, &[]),
            Intent::Affirm => self.say(Msg::HowCanIHelp, &[]),
            Intent::Deny if self.conv.turns > 1 && self.conv.task.is_none() => {
                self.say(Msg::Goodbye, &[]);
                self.outcome = Outcome::End;
            }
            Intent::Deny => self.say(Msg::HowCanIHelp, &[]),
            Intent::Complaint => self.complaint(u, facts)?,
            Intent::Feedback => self.feedback(u)?,
            Intent::Promotion => self.promotions(u)?,
            Intent::Payment => self.faq(u, Some("payment")),
            Intent::Invoice => self.faq(u, Some("invoice")),
            Intent::Account => self.faq(u, Some("service")),
            Intent::Faq => self.faq(u, None),
            Intent::HumanAgent => self.escalate(EscalationReason::Requested)?,
            Intent::OutOfScope => self.misunderstood()?,
            // The task intents were started above.
            _ => {}
        }
        Ok(())
    }

    fn start_task(
        &mut self,
        task: Task,
        u: &Understanding,
        facts: &Facts,
    ) -> Result<(), DialogueError> {
        if self.conv.task != Some(task) {
            let slots = &mut self.conv.slots;
            slots.change_field = None;
            slots.new_value = None;
            slots.problem = None;
        }
        self.conv.task = Some(task);
        if let Some(n) = &facts.order_number {
            self.conv.slots.order_number = Some(n.clone());
        }
        if let Some(id) = facts.product_id {
            self.conv.slots.product_id = Some(id);
        }
        if let Some(c) = facts.amount_cents {
            self.conv.slots.budget_cents = Some(c);
        }
        if task == Task::Change {
            if let Some(field) = facts.change_field {
                self.conv.slots.change_field = Some(field);
            }
            if let Some(field) = self.conv.slots.change_field {
                self.take_change_value(field, facts);
            }
        }
        if task == Task::Repair && aftersales::describes_problem(&u.text) {
            self.conv.slots.problem = Some(u.text.clone());
        }
        self.run_task(task, Some(u))
    }

    /// Continues a task with what the conversation knows; asks for what is missing.
    fn run_task(&mut self, task: Task, u: Option<&Understanding>) -> Result<(), DialogueError> {
        self.conv.task = Some(task);
        match task {
            Task::Product => return self.product(u),
            Task::Recommend => return self.recommend(u),
            Task::Points => return self.points(),
            _ => {}
        }
        let Some(order) = self.resolve_order(task)? else {
            return Ok(());
        };
        match task {
            Task::OrderStatus => self.order_status(&order),
            Task::DeliveryEta => self.delivery_eta(&order),
            Task::Cancel => self.cancel(&order),
            Task::Change => self.change(&order),
            Task::AfterSale(kind) => self.after_sale(kind, &order),
            Task::RefundStatus => self.refund_status(&order),
            Task::Repair => self.repair(&order, u),
            Task::Product | Task::Recommend | Task::Points => Ok(()),
        }
    }

    /// The order the task is about: the one named, or the caller's only relevant recent order (offered for a
    /// yes/no), or a question for the number.
    fn resolve_order(&mut self, task: Task) -> Result<Option<Order>, DialogueError> {
        if let Some(number) = self.conv.slots.order_number.clone() {
            if let Some(order) = self.engine.store.order_by_number(&number)? {
                return Ok(Some(order));
            }
            self.conv.slots.order_number = None;
            let words = self.order_words(&number);
            self.ask(
                Msg::OrderNotFound,
                &[("order", &words)],
                Expect::OrderNumber,
            );
            return Ok(None);
        }
        if let Some(customer) = &self.conv.customer {
            let since = self.now - chrono::Duration::days(60);
            let relevant: Vec<Order> = self
                .engine
                .store
                .orders_of_customer(customer.id)?
                .into_iter()
                .filter(|o| o.created_at >= since && orders::relevant(task, o, self.now))
                .collect();
            if let [order] = relevant.as_slice() {
                let items = self.engine.store.order_items(order.id)?;
                let item = items
                    .first()
                    .map(|i| i.name(self.lang()).to_string())
                    .unwrap_or_default();
                let words = self.order_words(&order.number);
                self.conv.pending = Some(Pending::UseOrder {
                    number: order.number.clone(),
                });
                self.ask(
                    Msg::OfferOrder,
                    &[("order", &words), ("item", &item)],
                    Expect::YesNo,
                );
                return Ok(None);
            }
        }
        self.ask(Msg::AskOrderNumber, &[], Expect::OrderNumber);
        Ok(None)
    }

    /// Carries out (yes) or drops (no) the action awaiting confirmation.
    fn answer_pending(
        &mut self,
        yes: bool,
        facts: &Facts,
        u: Option<&Understanding>,
    ) -> Result<(), DialogueError> {
        let Some(pending) = self.conv.pending.take() else {
            return Ok(());
        };
        self.conv.misunderstood = 0;
        match pending {
            Pending::UseOrder { number } if yes => {
                self.conv.slots.order_number = Some(number);
                let task = self.conv.task.unwrap_or(Task::OrderStatus);
                self.run_task(task, u)
            }
            Pending::UseOrder { .. } => {
                if let Some(n) = &facts.order_number {
                    self.conv.slots.order_number = Some(n.clone());
                    let task = self.conv.task.unwrap_or(Task::OrderStatus);
                    return self.run_task(task, u);
                }
                self.ask(Msg::AskOrderNumber, &[], Expect::OrderNumber);
                Ok(())
            }
            Pending::Cancel { order_id, number } => self.confirm_cancel(yes, order_id, &number),
            Pending::Change {
                order_id,
                number,
                field,
                value,
            } => self.confirm_change(yes, order_id, &number, field, &value),
            Pending::AfterSale {
                kind,
                order_id,
                number,
            } => self.confirm_after_sale(yes, kind, order_id, &number),
            Pending::Repair {
                order_id,
                number,
                appointment,
            } => self.confirm_repair(yes, order_id, &number, appointment),
            Pending::Transfer if yes => self.escalate(EscalationReason::NeedsHuman),
            Pending::Transfer => {
                self.say(Msg::AnythingElse, &[]);
                Ok(())
            }
        }
    }

    /// A new value given instead of yes/no (another address, another order number); true if handled.
    fn amend_pending(&mut self, pending: &Pending, facts: &Facts) -> Result<bool, DialogueError> {
        match pending {
            Pending::UseOrder { .. } if facts.order_number.is_some() => {
                self.conv.pending = None;
                self.conv.slots.order_number = facts.order_number.clone();
                let task = self.conv.task.unwrap_or(Task::OrderStatus);
                self.run_task(task, None)?;
                Ok(true)
            }
            Pending::Change { field, .. } => {
                let before = self.conv.slots.new_value.clone();
                self.take_change_value(*field, facts);
                if self.conv.slots.new_value == before {
                    return Ok(false);
                }
                self.conv.pending = None;
                self.run_task(Task::Change, None)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Hands the conversation to a person with a summary for the agent.
    fn escalate(&mut self, reason: EscalationReason) -> Result<(), DialogueError> {
        let msg = match reason {
            EscalationReason::Requested => Msg::EscalateRequested,
            EscalationReason::NegativeSentiment => Msg::EscalateUpset,
            EscalationReason::RepeatedMisunderstanding => Msg::EscalateMisunderstood,
            EscalationReason::Vip => Msg::EscalateVip,
            EscalationReason::NeedsHuman => Msg::EscalateNeedsHuman,
        };
        self.say(msg, &[]);
        self.conv.pending = None;
        self.outcome = Outcome::Escalate {
            reason,
            priority: care::priority(self.conv, reason),
            summary: care::summary(self.engine, self.conv, reason)?,
        };
        Ok(())
    }

    fn identify_by_phone(&mut self, raw: &str) -> Result<(), DialogueError> {
        match find_customer(self.engine, raw)? {
            Some(c) => {
                self.conv.caller_phone = Some(c.phone.clone());
                self.conv.customer = Some(c);
                let task = self.conv.task.unwrap_or(Task::Points);
                self.run_task(task, None)
            }
            None => {
                let spoken = speakable::phone(raw, self.lang());
                self.say(Msg::PhoneNotFound, &[("phone", &spoken)]);
                self.ask(Msg::AskPhone, &[], Expect::Phone);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_forms() {
        assert_eq!(
            phone_candidates("+86 138 0013 8000"),
            vec!["+8613800138000"]
        );
        assert_eq!(
            phone_candidates("13800138000"),
            vec!["+8613800138000", "+13800138000"]
        );
        assert_eq!(phone_candidates("(415) 555-0100"), vec!["+14155550100"]);
        assert_eq!(phone_candidates("8613800138000"), vec!["+8613800138000"]);
        assert!(phone_candidates("12345").is_empty());
    }
}
