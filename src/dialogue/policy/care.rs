//! Caring for the caller: complaints, feedback, and what a person taking over needs to know.

use super::{Facts, Turn};
use crate::dialogue::nlu::Understanding;
use crate::dialogue::responses::Msg;
use crate::dialogue::{
    Conversation, DialogueEngine, DialogueError, EscalationReason, Priority, speakable,
};
use crate::store::{NewTicket, TicketKind, Tier};

/// Sentiment below which replies open with an apology.
pub const UPSET: f32 = -0.3;
/// Sentiment of a complaint that goes straight to a person.
pub const ANGRY_COMPLAINT: f32 = -0.5;

/// How urgently a person should take the conversation.
pub(super) fn priority(conv: &Conversation, reason: EscalationReason) -> Priority {
    let vip = conv
        .customer
        .as_ref()
        .is_some_and(|c| matches!(c.tier, Tier::Vip | Tier::Gold));
    let angry = conv.sentiments.last().is_some_and(|s| *s < -0.7);
    match reason {
        EscalationReason::NegativeSentiment | EscalationReason::Vip if vip && angry => {
            Priority::Urgent
        }
        EscalationReason::NegativeSentiment | EscalationReason::Vip => Priority::High,
        _ if vip => Priority::High,
        _ => Priority::Normal,
    }
}

/// One paragraph for the agent: who, what they want, which order, how the conversation went.
pub(super) fn summary(
    engine: &DialogueEngine,
    conv: &Conversation,
    reason: EscalationReason,
) -> Result<String, DialogueError> {
    let mut parts = Vec::new();
    parts.push(match &conv.customer {
        Some(c) => format!(
            "Caller: {} ({}, {} member, {} points)",
            c.name, c.phone, c.tier, c.points
        ),
        None => format!(
            "Caller: unidentified ({})",
            conv.caller_phone.as_deref().unwrap_or("no number")
        ),
    });
    parts.push(format!("Reason: {}", reason.as_str()));
    let wants = conv
        .intents
        .iter()
        .rev()
        .find(|i| {
            !matches!(
                i.name(),
                "affirm" | "deny" | "human_agent" | "out_of_scope" | "greeting"
            )
        })
        .map_or("unknown", |i| i.name());
    parts.push(format!("Wants: {wants}"));
    if let Some(number) = &conv.slots.order_number {
        let status = engine
            .store
            .order_by_number(number)?
            .map(|o| o.status.as_str())
            .unwrap_or("not found");
        parts.push(format!("Order: {number} ({status})"));
    }
    if !conv.intents.is_empty() {
        let history: Vec<&str> = conv.intents.iter().map(|i| i.name()).collect();
        parts.push(format!("Intents: {}", history.join(" > ")));
    }
    if let (Some(last), Some(min)) = (
        conv.sentiments.last(),
        conv.sentiments.iter().copied().reduce(f32::min),
    ) {
        parts.push(format!("Sentiment: last {last:.2}, lowest {min:.2}"));
    }
    parts.push(format!("Language: {}; turns: {}", conv.lang, conv.turns));
    Ok(parts.join(". "))
}

impl Turn<'_> {
    pub(super) fn complaint(
        &mut self,
        u: &Understanding,
        facts: &Facts,
    ) -> Result<(), DialogueError> {
        if let Some(n) = &facts.order_number {
            self.conv.slots.order_number = Some(n.clone());
        }
        let order = match &self.conv.slots.order_number {
            Some(n) => self.engine.store.order_by_number(n)?,
            None => None,
        };
        let ticket = self.engine.store.create_ticket(&NewTicket {
            kind: TicketKind::Complaint,
            order_id: order.as_ref().map(|o| o.id),
            customer_id: self
                .conv
                .customer
                .as_ref()
                .map(|c| c.id)
                .or(order.as_ref().map(|o| o.customer_id)),
            details: u.text.clone(),
            appointment: None,
            created_at: self.now,
        })?;
        tracing::info!(
            ticket = ticket.id,
            sentiment = u.sentiment,
            "complaint logged"
        );
        self.say(Msg::Empathy, &[]);
        let spoken = speakable::digits(&ticket.id.to_string(), self.lang());
        self.say(Msg::ComplaintLogged, &[("ticket", &spoken)]);
        self.conv.task = None;
        let vip = self
            .conv
            .customer
            .as_ref()
            .is_some_and(|c| c.tier == Tier::Vip);
        if vip {
            return self.escalate(EscalationReason::Vip);
        }
        if u.sentiment < ANGRY_COMPLAINT || self.conv.two_negative_turns() {
            return self.escalate(EscalationReason::NegativeSentiment);
        }
        Ok(())
    }

    pub(super) fn feedback(&mut self, u: &Understanding) -> Result<(), DialogueError> {
        let ticket = self.engine.store.create_ticket(&NewTicket {
            kind: TicketKind::Feedback,
            order_id: None,
            customer_id: self.conv.customer.as_ref().map(|c| c.id),
            details: u.text.clone(),
            appointment: None,
            created_at: self.now,
        })?;
        let spoken = speakable::digits(&ticket.id.to_string(), self.lang());
        self.say(Msg::FeedbackLogged, &[("ticket", &spoken)]);
        Ok(())
    }
}
