//! Checks a call log against a fixture's expectations; every mismatch becomes one readable line.

use crate::pipeline::{CallLog, TurnRecord};

use super::fixture::{Expectations, TurnExpectation};

/// Everything in `log` that does not meet `expect`; empty when the fixture passes.
pub fn check(expect: &Expectations, log: &CallLog) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, want) in expect.turns.iter().enumerate() {
        match log.turns.get(i) {
            Some(turn) => check_turn(i + 1, want, turn, &mut failures),
            None => failures.push(format!(
                "turn {}: missing (the dialogue received {} caller turns)",
                i + 1,
                log.turns.len()
            )),
        }
    }
    if let Some(n) = expect.turn_count
        && n != log.turns.len()
    {
        failures.push(format!(
            "expected {n} caller turns, got {}: {}",
            log.turns.len(),
            log.turns
                .iter()
                .map(|t| format!("{:?}", t.text))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let happened = |kind: &str| log.events.iter().any(|e| e.kind() == kind);
    for kind in &expect.events {
        if !happened(kind) {
            failures.push(format!("event {kind} never happened"));
        }
    }
    for kind in &expect.not_events {
        if happened(kind) {
            failures.push(format!("event {kind} happened"));
        }
    }
    if let Some(end) = &expect.end
        && *end != log.end
    {
        failures.push(format!("the call ended by {:?}, expected {end:?}", log.end));
    }
    failures
}

fn check_turn(n: usize, want: &TurnExpectation, turn: &TurnRecord, failures: &mut Vec<String>) {
    if let Some(input) = &want.input {
        let got = match turn.input.as_str() {
            "speech" | "typed" => "text",
            other => other,
        };
        if input != got {
            failures.push(format!("turn {n}: input was {got}, expected {input}"));
        }
    }
    for needle in &want.said {
        if !contains(&turn.text, needle) {
            failures.push(format!(
                "turn {n}: caller said {:?}, which lacks {needle:?}",
                turn.text
            ));
        }
    }
    if let Some(intent) = &want.intent
        && turn.intent.as_deref() != Some(intent.as_str())
    {
        failures.push(format!(
            "turn {n}: intent {}, expected {intent} (caller said {:?})",
            turn.intent.as_deref().unwrap_or("none"),
            turn.text
        ));
    }
    for (kind, value) in &want.entities {
        if !has_entity(&turn.entities, kind, value) {
            failures.push(format!(
                "turn {n}: no entity {kind} = {value:?} (found {})",
                turn.entities
            ));
        }
    }
    let reply = turn.reply.as_deref().unwrap_or("");
    for needle in &want.reply {
        if !contains(reply, needle) {
            failures.push(format!(
                "turn {n}: the bot replied {reply:?}, which lacks {needle:?}"
            ));
        }
    }
}

/// An entity of `kind` whose value (for products their name, for amounts their cents) reads `value`. Entities
/// are logged as `{"span": …, "value": {"kind": …, "value": …}}`.
fn has_entity(entities: &serde_json::Value, kind: &str, value: &str) -> bool {
    let Some(list) = entities.as_array() else {
        return false;
    };
    list.iter().any(|e| {
        let entity = &e["value"];
        let shown = match &entity["value"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("cents"))
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .unwrap_or_default(),
            other => other.to_string(),
        };
        entity["kind"] == kind && normalize(&shown) == normalize(value)
    })
}

/// Case-, punctuation- and script-insensitive containment (digits may be spaced or grouped either way).
pub fn contains(haystack: &str, needle: &str) -> bool {
    normalize(haystack).contains(&normalize(needle))
}

/// Lower case, simplified Chinese, punctuation as spaces, no spaces between digits, single spaces.
fn normalize(text: &str) -> String {
    let simplified = fast2s::convert(text).to_lowercase();
    let spaced: String = simplified
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let joins_digits = out.ends_with(|c: char| c.is_ascii_digit())
            && w.starts_with(|c: char| c.is_ascii_digit());
        if !out.is_empty() && !joins_digits {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_case_punctuation_script_and_digit_grouping() {
        assert!(contains("Where is order 2024-1234?", "order 20241234"));
        assert!(contains("我的訂單到哪了", "订单"));
        assert!(contains("It has SHIPPED.", "shipped"));
        assert!(!contains("it has shipped", "delivered"));
        assert!(!contains("order 2024 1235", "20241234"));
    }

    #[test]
    fn entities_are_found_by_kind_and_value() {
        let entities = serde_json::json!([
            {"span": {"start": 0, "end": 8}, "value": {"kind": "order_number", "value": "20241234"}},
            {"span": {"start": 9, "end": 12}, "value": {"kind": "product", "value": {"id": 7, "name": "Air Fryer"}}}
        ]);
        assert!(has_entity(&entities, "order_number", "20241234"));
        assert!(has_entity(&entities, "product", "air fryer"));
        assert!(!has_entity(&entities, "order_number", "20245678"));
        assert!(!has_entity(&entities, "phone", "20241234"));
    }

    #[test]
    fn a_missing_turn_and_a_wrong_end_are_reported() {
        let expect = Expectations {
            turns: vec![TurnExpectation::default()],
            end: Some("escalated".into()),
            ..Expectations::default()
        };
        let log = CallLog {
            end: "caller_hangup".into(),
            ..CallLog::default()
        };
        let failures = check(&expect, &log);
        assert_eq!(failures.len(), 2, "{failures:?}");
    }
}
