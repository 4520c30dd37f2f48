//! The agent console: its page at `/agent` and its API, every call of which needs a signed-in account.
//!
//! ```text
//! GET  /agent                              the console page (signs in with /api/auth/login)
//! GET  /agent/static/{agent.js,agent.css}
//! GET  /api/agent/desk?langs=en,zh&departments=sales,after_sales     WebSocket: the agent's desk
//!      kefu → console  {"type":"presence","presence":"available"}   available | busy | away | wrap_up
//!                      {"type":"queue","waiting":2}
//!                      {"type":"offer","card":{...}}                 a call rings (the context card)
//!                      {"type":"withdrawn","call":"…"}
//!                      {"type":"connected","call":"…"}
//!                      {"type":"line","call":"…","who":"caller","text":"…"}   live transcript
//!                      {"type":"ended","call":"…","reason":"…","record":7}    now wrap up record 7
//!                      {"type":"wrapped_up","record":7}
//!                      {"type":"error","message":"…"}
//!      console → kefu  {"type":"presence","presence":"available"|"away"|"wrap_up"}
//!                      {"type":"decline","call":"…"}
//!                      {"type":"hold","call":"…","on":true}
//!                      {"type":"hangup","call":"…"}      {"type":"hand_back","call":"…"}
//!                      {"type":"wrap_up","record":7,"disposition":"resolved","notes":"…"}
//! POST /api/agent/calls/{call}/accept      Content-Type: application/sdp, body = the console's offer
//!      → 201 application/sdp answer; 409 when the call is not (or no longer) offered to this agent
//! ```
//! Skills default to every language and department. Errors are `{"error": "..."}`; 401 without a session.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::chat_api::ApiError;
use super::webrtc_api::require_sdp;
use crate::agents::browser_leg::BrowserLeg;
use crate::agents::{AgentHub, Department, HubError, Presence, Skills};
use crate::auth::User;
use crate::auth::web::SignedIn;
use crate::doors::webrtc::WebRtcError;
use crate::doors::webrtc::codec::OpusEncoder;
use crate::doors::webrtc::peer::Peer;
use crate::lang::Lang;

const PAGE: &str = include_str!("static/agent.html");
const SCRIPT: &str = include_str!("static/agent.js");
const STYLE: &str = include_str!("static/agent.css");

/// Longest wrap-up note kept.
const MAX_NOTES_CHARS: usize = 4000;

/// Handles `GET /agent`.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// Handles `GET /agent/static/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "agent.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "agent.css" => ("text/css; charset=utf-8", STYLE),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn hub(state: &AppState) -> Result<Arc<AgentHub>, ApiError> {
    state.agents.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the agent desk is off on this server (voice calls disabled, or [agents] enabled = false)",
        )
    })
}

/// Query of the desk WebSocket: what the agent can take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskQuery {
    /// Comma-separated `zh`, `en`; default both.
    pub langs: Option<String>,
    /// Comma-separated `sales`, `after_sales`; default both.
    pub departments: Option<String>,
}

impl DeskQuery {
    fn skills(&self) -> Result<Skills, String> {
        let langs = match self.langs.as_deref().filter(|s| !s.is_empty()) {
            None => vec![Lang::Zh, Lang::En],
            Some(list) => list
                .split(',')
                .map(|l| l.trim().parse::<Lang>().map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
        };
        let departments = match self.departments.as_deref().filter(|s| !s.is_empty()) {
            None => vec![Department::Sales, Department::AfterSales],
            Some(list) => list
                .split(',')
                .map(|d| match d.trim() {
                    "sales" => Ok(Department::Sales),
                    "after_sales" => Ok(Department::AfterSales),
                    other => Err(format!(
                        "unknown department {other:?}: expected sales or after_sales"
                    )),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Skills { langs, departments })
    }
}

/// Handles `GET /api/agent/desk` (WebSocket upgrade).
pub async fn desk(
    SignedIn(user): SignedIn,
    State(state): State<AppState>,
    Query(query): Query<DeskQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let hub = hub(&state)?;
    let skills = query
        .skills()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    Ok(upgrade.on_upgrade(move |socket| serve_desk(socket, hub, user, skills)))
}

/// A console command on the desk socket.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Command {
    Presence {
        presence: Presence,
    },
    Decline {
        call: String,
    },
    Hold {
        call: String,
        on: bool,
    },
    Hangup {
        call: String,
    },
    HandBack {
        call: String,
    },
    WrapUp {
        record: i64,
        disposition: String,
        #[serde(default)]
        notes: String,
    },
}

async fn serve_desk(mut socket: WebSocket, hub: Arc<AgentHub>, user: User, skills: Skills) {
    let (connection, mut events) = hub.connect(user.id, &user.display_name, skills);
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                if !send_json(&mut socket, &event).await {
                    break;
                }
            }
            message = socket.recv() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                let reply = match serde_json::from_str::<Command>(&text) {
                    Ok(command) => run_command(&hub, user.id, command).await,
                    Err(e) => Some(serde_json::json!({
                        "type": "error",
                        "message": format!("unreadable command ({e}); see the agent console API"),
                    })),
                };
                if let Some(reply) = reply
                    && !send_json(&mut socket, &reply).await
                {
                    break;
                }
            }
        }
    }
    hub.disconnect(user.id, connection);
}

async fn send_json(socket: &mut WebSocket, value: &impl serde::Serialize) -> bool {
    let text = serde_json::to_string(value).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// Carries out a console command; the reply for the console, if any.
async fn run_command(
    hub: &Arc<AgentHub>,
    agent: i64,
    command: Command,
) -> Option<serde_json::Value> {
    let result: Result<Option<serde_json::Value>, HubError> = match command {
        Command::Presence { presence } => hub.set_presence(agent, presence).map(|()| None),
        Command::Decline { call } => hub.decline(agent, &call).map(|()| None),
        Command::Hold { call, on } => hub.hold(agent, &call, on).map(|()| None),
        Command::Hangup { call } => hub.release(agent, &call, false).map(|()| None),
        Command::HandBack { call } => hub.release(agent, &call, true).map(|()| None),
        Command::WrapUp {
            record,
            disposition,
            notes,
        } => {
            let notes: String = notes.chars().take(MAX_NOTES_CHARS).collect();
            let hub = Arc::clone(hub);
            // A store write: off the async workers that carry live calls.
            tokio::task::spawn_blocking(move || {
                hub.wrap_up(agent, record, &disposition, &notes)
                    .map(|()| Some(serde_json::json!({"type": "wrapped_up", "record": record})))
            })
            .await
            .unwrap_or_else(|e| Err(HubError::NotYourCall(format!("wrap-up task failed: {e}"))))
        }
    };
    match result {
        Ok(reply) => reply,
        Err(e) => Some(serde_json::json!({"type": "error", "message": e.to_string()})),
    }
}

/// Handles `POST /api/agent/calls/{call}/accept`: the agent takes an offered call with their browser's audio.
pub async fn accept(
    SignedIn(user): SignedIn,
    State(state): State<AppState>,
    Path(call): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let hub = hub(&state)?;
    let Some(door) = state.webrtc.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "browser audio is off on this server ([webrtc] enabled = false)",
        ));
    };
    require_sdp(&headers)?;
    let offer = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the SDP offer is not UTF-8 text"))?;
    let config = door.config().clone();
    let encoder = OpusEncoder::new(config.opus_bitrate).map_err(internal)?;
    let (peer, answer) = Peer::answer(offer, &config).await.map_err(|e| match e {
        WebRtcError::InvalidOffer(_) => ApiError::new(StatusCode::BAD_REQUEST, e.to_string()),
        e => internal(e),
    })?;
    let (media, _card) = match hub.accept(user.id, &call) {
        Ok(taken) => taken,
        Err(e) => {
            peer.close().await;
            return Err(ApiError::new(StatusCode::CONFLICT, e.to_string()));
        }
    };
    tokio::spawn(
        BrowserLeg {
            hub,
            agent: user.id,
            call,
            peer,
            media,
            encoder,
            connect_timeout: Duration::from_millis(config.connect_timeout_ms),
        }
        .run(),
    );
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/sdp")],
        answer,
    )
        .into_response())
}

fn internal(e: WebRtcError) -> ApiError {
    tracing::error!("agent audio setup failed: {e}");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}
