//! The page's data-channel protocol: one JSON object per message, `type` says which.
//!
//! ```text
//! kefu → page  {"type":"state","state":"listening"}        listening | thinking | speaking | agent | ended
//!              {"type":"caller","text":"…","lang":"en"}      what the caller said (typed text the page shows itself)
//!              {"type":"bot","text":"…","lang":"en"}         the bot's reply; its audio follows on the track
//!              {"type":"ended","reason":"bot"}               the call is over: bot | caller | lost | not_connected
//!              {"type":"error","message":"…"}                a message the page could not use
//! page → kefu  {"type":"text","text":"…"}                    typed text in the same conversation
//!              {"type":"hangup"}                             the caller pressed hang up
//! ```

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::pipeline::{CallState, UiEvent};

/// Longest typed message accepted (the chat API's limit).
pub const MAX_TEXT_CHARS: usize = 2000;

/// A message to the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    State { state: CallState },
    Caller { text: String, lang: Lang },
    Bot { text: String, lang: Lang },
    Ended { reason: EndReason },
    Error { message: String },
}

impl From<UiEvent> for ToPage {
    fn from(event: UiEvent) -> Self {
        match event {
            UiEvent::CallerSaid { text, lang } => ToPage::Caller { text, lang },
            UiEvent::BotSaid { text, lang } => ToPage::Bot { text, lang },
            UiEvent::State(state) => ToPage::State { state },
        }
    }
}

impl ToPage {
    /// The JSON text sent on the data channel.
    pub fn to_json(&self) -> String {
        // Plain strings and enums only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a call ended (the page words it in its language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The bot said goodbye (or handed over) and hung up.
    Bot,
    /// The caller pressed hang up or closed the tab.
    Caller,
    /// The network path failed during the call.
    Lost,
    /// Media never came up.
    NotConnected,
}

/// A message from the page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FromPage {
    Text { text: String },
    Hangup,
}

impl FromPage {
    /// Parses one data-channel message; the error says what the page should have sent.
    pub fn parse(data: &[u8]) -> Result<Self, String> {
        let message: FromPage = serde_json::from_slice(data).map_err(|e| {
            format!(
                "unreadable message ({e}): expected {{\"type\":\"text\",\"text\":\"...\"}} or {{\"type\":\"hangup\"}}"
            )
        })?;
        if let FromPage::Text { text } = &message
            && text.chars().count() > MAX_TEXT_CHARS
        {
            return Err(format!(
                "text too long: at most {MAX_TEXT_CHARS} characters"
            ));
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_the_documented_json() {
        let state: ToPage = UiEvent::State(CallState::Thinking).into();
        assert_eq!(state.to_json(), r#"{"type":"state","state":"thinking"}"#);
        let said: ToPage = UiEvent::CallerSaid {
            text: "where is my order".into(),
            lang: Lang::En,
        }
        .into();
        assert_eq!(
            said.to_json(),
            r#"{"type":"caller","text":"where is my order","lang":"en"}"#
        );
        let ended = ToPage::Ended {
            reason: EndReason::NotConnected,
        };
        assert_eq!(
            ended.to_json(),
            r#"{"type":"ended","reason":"not_connected"}"#
        );
    }

    #[test]
    fn page_messages_parse_or_explain() {
        assert_eq!(
            FromPage::parse(br#"{"type":"text","text":"hi"}"#),
            Ok(FromPage::Text { text: "hi".into() })
        );
        assert_eq!(
            FromPage::parse(br#"{"type":"hangup"}"#),
            Ok(FromPage::Hangup)
        );
        let err = FromPage::parse(b"hello").unwrap_err();
        assert!(err.contains("expected"), "{err}");
        let long = format!(r#"{{"type":"text","text":"{}"}}"#, "a".repeat(2001));
        assert!(
            FromPage::parse(long.as_bytes())
                .unwrap_err()
                .contains("too long")
        );
    }
}
