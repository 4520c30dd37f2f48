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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::BridgedLine;

    #[test]
    fn what_caller_and_agent_said_to_each_other_is_redacted_too() {
        let log = CallLog {
            bridged: vec![
                BridgedLine {
                    at: 12.5,
                    speaker: "caller".into(),
                    text: "my email is emily.carter@example.com".into(),
                },
                BridgedLine {
                    at: 15.0,
                    speaker: "agent".into(),
                    text: "thanks, I see your order 20241234".into(),
                },
            ],
            ..CallLog::default()
        };
        let out = redact_call_log(&log);
        assert!(!out.bridged[0].text.contains("emily.carter@example.com"));
        assert_eq!(out.bridged[1].text, log.bridged[1].text);
        assert_eq!(out.bridged[1].speaker, "agent");
    }
}
