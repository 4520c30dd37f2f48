//! `POST /api/chat`: one chat message in, kefu's reply out; sessions keep the conversation between calls.
//!
//! ```text
//! POST /api/chat {"text": "where is my order 20241234", "lang": "en"}
//! → {"session_id": "chat-…", "reply": "<greeting>\n<answer>", "lang": "en", "intent": "order_status",
//!    "confidence": 0.99, "expect": "open", "outcome": "continue", "escalation": null}
//! POST /api/chat {"session_id": "chat-…", "text": "cancel it"} → the next reply
//! ```
//! Errors are `{"error": "..."}` with 400 (bad JSON or field), 404 (unknown/expired session), 409 (session
//! busy), 413 (body over 8 KiB), 503 (session cap reached), 500 (store failure; the conversation is kept).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::sessions::SessionError;
use crate::dialogue::{Channel, EscalationReason, Expect, Outcome, Priority, Reply, UserInput};
use crate::lang::Lang;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// Omit to start a new conversation.
    pub session_id: Option<String>,
    /// The message; may be empty on the first call to get just the greeting.
    pub text: String,
    /// The caller's phone number, to recognise a customer (first call only).
    pub phone: Option<String>,
    /// `zh` or `en` (first call only; otherwise detected).
    pub lang: Option<String>,
}

/// An escalation, for the client to hand over to a person.
#[derive(Debug, Serialize)]
pub struct Escalation {
    pub reason: EscalationReason,
    pub priority: Priority,
    pub summary: String,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct ChatResponse {
    pub session_id: String,
    pub reply: String,
    pub lang: Lang,
    pub intent: Option<String>,
    pub confidence: Option<f32>,
    pub expect: Expect,
    /// `continue`, `escalate` or `end`.
    pub outcome: &'static str,
    pub escalation: Option<Escalation>,
}

/// An error answer: a status and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Unknown => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown or expired session_id: omit session_id to start a new conversation",
            ),
            SessionError::Busy => ApiError::new(
                StatusCode::CONFLICT,
                "this session is still answering a previous message",
            ),
            SessionError::Full => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many conversations at once: try again later",
            ),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!("chat request failed: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error while answering; the conversation was kept",
    )
}

fn parse_request(body: Result<Bytes, BytesRejection>) -> Result<ChatRequest, ApiError> {
    let body = body.map_err(|r| {
        let status = r.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "request body too large: at most {} bytes",
                super::MAX_BODY_BYTES
            )
        } else {
            r.body_text()
        };
        ApiError::new(status, message)
    })?;
    let request: ChatRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body ({e}): expected {{\"text\": \"...\", \"session_id\"?, \"phone\"?, \"lang\"?}}"),
        )
    })?;
    if request.text.chars().count() > 2000 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "text too long: at most 2000 characters",
        ));
    }
    Ok(request)
}

/// Handles `POST /api/chat`.
pub async fn chat(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ChatResponse>, ApiError> {
    let request = parse_request(body)?;
    let text = request.text.trim().to_string();
    match request.session_id {
        Some(id) => {
            let mut conv = state.sessions.take(&id)?;
            let engine = state.engine.clone();
            let joined = tokio::task::spawn_blocking(move || {
                let reply = engine.handle(&mut conv, UserInput::Text(text));
                (conv, reply)
            })
            .await;
            let (conv, reply) = match joined {
                Ok(done) => done,
                Err(e) => {
                    state.sessions.remove(&id);
                    return Err(internal(e));
                }
            };
            let reply = match reply {
                Ok(r) => r,
                Err(e) => {
                    state.sessions.put(&id, conv);
                    return Err(internal(e));
                }
            };
            keep_or_forget(&state, &id, conv, &reply);
            Ok(Json(response(id, None, reply)))
        }
        None => {
            let lang = request
                .lang
                .as_deref()
                .map(str::parse::<Lang>)
                .transpose()
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
            state.sessions.check_room()?;
            let engine = state.engine.clone();
            let phone = request.phone;
            let (conv, greeting, reply) = tokio::task::spawn_blocking(move || {
                let (mut conv, greeting) = engine.start(Channel::Chat, phone.as_deref(), lang)?;
                let reply = if text.is_empty() {
                    None
                } else {
                    Some(engine.handle(&mut conv, UserInput::Text(text))?)
                };
                Ok::<_, crate::dialogue::DialogueError>((conv, greeting, reply))
            })
            .await
            .map_err(internal)?
            .map_err(internal)?;
            let id = conv.id.clone();
            match reply {
                Some(reply) => {
                    keep_or_forget(&state, &id, conv, &reply);
                    Ok(Json(response(id, Some(greeting), reply)))
                }
                None => {
                    state.sessions.put(&id, conv);
                    Ok(Json(response(id, None, greeting)))
                }
            }
        }
    }
}

/// Finished conversations (ended or handed to a person) leave the session table.
fn keep_or_forget(state: &AppState, id: &str, conv: crate::dialogue::Conversation, reply: &Reply) {
    if matches!(reply.outcome, Outcome::Continue) {
        state.sessions.put(id, conv);
    } else {
        state.sessions.remove(id);
    }
}

fn response(session_id: String, greeting: Option<Reply>, reply: Reply) -> ChatResponse {
    let text = match greeting {
        Some(g) => format!("{}\n{}", g.text, reply.text),
        None => reply.text,
    };
    let (outcome, escalation) = match reply.outcome {
        Outcome::Continue => ("continue", None),
        Outcome::End => ("end", None),
        Outcome::Escalate {
            reason,
            priority,
            summary,
        } => (
            "escalate",
            Some(Escalation {
                reason,
                priority,
                summary,
            }),
        ),
    };
    ChatResponse {
        session_id,
        reply: text,
        lang: reply.lang,
        intent: reply
            .understanding
            .as_ref()
            .map(|u| u.intent.name().to_string()),
        confidence: reply.understanding.as_ref().map(|u| u.confidence),
        expect: reply.expect,
        outcome,
        escalation,
    }
}
