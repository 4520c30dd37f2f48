//! kefu's HTTP face (axum): the voice-chat page at `/`, the text chat API, WebRTC signalling, staff sign-in.

mod agent_console;
mod chat_api;
mod dashboard;
mod rating;
mod sessions;
mod voice_page;
mod webrtc_api;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};

pub use sessions::Sessions;

use crate::agents::AgentHub;
use crate::auth::{Auth, AuthConfig};
use crate::dialogue::DialogueEngine;
use crate::doors::webrtc::WebRtcDoor;

/// Largest request body accepted (a chat message is a sentence, not a document).
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<DialogueEngine>,
    pub sessions: Arc<Sessions>,
    /// The browser voice door; `None` when `[webrtc] enabled = false` (the page then offers text only).
    pub webrtc: Option<Arc<WebRtcDoor>>,
    /// The live-agent desk (agent console); `None` when voice calls or `[agents]` are off.
    pub agents: Option<Arc<AgentHub>>,
    /// Staff accounts and sessions (agent console, dashboard).
    pub auth: Auth,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

impl AppState {
    /// State for an engine with the given session limits; staff sign in against the engine's store with the
    /// default `[auth]` settings.
    pub fn new(engine: Arc<DialogueEngine>, idle: Duration, max_sessions: usize) -> Self {
        Self {
            auth: Auth::new(engine.store().clone(), &AuthConfig::default()),
            engine,
            sessions: Arc::new(Sessions::new(idle, max_sessions)),
            webrtc: None,
            agents: None,
        }
    }

    /// The same state with the agent desk.
    pub fn with_agents(mut self, hub: Arc<AgentHub>) -> Self {
        self.agents = Some(hub);
        self
    }

    /// The same state with these `[auth]` settings.
    pub fn with_auth_config(mut self, config: &AuthConfig) -> Self {
        self.auth = Auth::new(self.engine.store().clone(), config);
        self
    }

    /// The same state with the browser voice door open.
    pub fn with_webrtc(mut self, door: Arc<WebRtcDoor>) -> Self {
        self.webrtc = Some(door);
        self
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(voice_page::index))
        .route("/static/{file}", get(voice_page::asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/chat", post(chat_api::chat))
        .route("/api/chat/rating", post(rating::rate))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/static/{file}", get(dashboard::asset))
        .route("/api/dashboard/summary", get(dashboard::summary))
        .route("/api/dashboard/report", get(dashboard::download))
        .route("/metrics", get(dashboard::prometheus))
        .route("/api/webrtc/config", get(webrtc_api::config))
        .route(
            "/api/webrtc/calls",
            post(webrtc_api::offer).layer(DefaultBodyLimit::max(webrtc_api::MAX_OFFER_BYTES)),
        )
        .route("/api/webrtc/calls/{id}", delete(webrtc_api::hang_up))
        .route("/agent", get(agent_console::page))
        .route("/agent/static/{file}", get(agent_console::asset))
        .route("/api/agent/desk", get(agent_console::desk))
        .route(
            "/api/agent/calls/{call}/accept",
            post(agent_console::accept).layer(DefaultBodyLimit::max(webrtc_api::MAX_OFFER_BYTES)),
        )
        .merge(crate::auth::web::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
