//! Call-log files (JSON written per call) with personal data redacted.

use crate::pipeline::CallLog;

use super::redact::{mask_phone, redact, redact_json, redact_opt};

/// A copy of `log` fit to store: transcripts, replies, events and the escalation summary redacted, the
/// caller's number masked.
pub fn redact_call_log(log: &CallLog) -> CallLog {
    let mut out = log.clone();
    out.caller = log.caller.as_deref().map(mask_phone);
    out.escalation_summary = redact_opt(log.escalation_summary.as_deref());
    for turn in &mut out.turns {
        turn.text = redact(&turn.text).into_owned();
        turn.reply = redact_opt(turn.reply.as_deref());
        redact_json(&mut turn.entities);
    }
    for reply in &mut out.replies {
        reply.text = redact(&reply.text).into_owned();
    }
    for event in &mut out.events {
        redact_json(&mut event.event);
    }
    for line in &mut out.bridged {
        line.text = redact(&line.text).into_owned();
    }
    out
}
