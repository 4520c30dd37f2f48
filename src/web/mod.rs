//! kefu's HTTP face (axum): the text chat API now, agent and dashboard pages later.

mod chat_api;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use sessions::Sessions;

use crate::dialogue::DialogueEngine;

/// Largest request body accepted (a chat message is a sentence, not a document).
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<DialogueEngine>,
    pub sessions: Arc<Sessions>,
}

impl AppState {
    /// State for an engine with the given session limits.
    pub fn new(engine: Arc<DialogueEngine>, idle: Duration, max_sessions: usize) -> Self {
        Self {
            engine,
            sessions: Arc::new(Sessions::new(idle, max_sessions)),
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/chat", post(chat_api::chat))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
