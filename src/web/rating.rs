//! `POST /api/chat/rating {"session_id": "chat-…", "score": 1..5}`: the chat's satisfaction rating (the
//! thumbs-up/down of an app map to 5 and 1). Works after the conversation has ended.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::AppState;
use super::chat_api::ApiError;
use crate::store::StoreError;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    pub session_id: String,
    pub score: u8,
}

/// Handles `POST /api/chat/rating`.
pub async fn rate(
    State(state): State<AppState>,
    body: Result<Json<RatingRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(request) = body.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("invalid rating ({e}): expected {{\"session_id\": \"...\", \"score\": 1..5}}"),
        )
    })?;
    if !(1..=5).contains(&request.score) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "score must be 1 to 5",
        ));
    }
    if !request.session_id.starts_with("chat-") {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown session_id"));
    }
    let store = state.engine.store().clone();
    let recorded =
        tokio::task::spawn_blocking(move || store.record_csat(&request.session_id, request.score))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    match recorded {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound(_)) => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "unknown session_id"))
        }
        Err(e) => {
            tracing::error!("recording a rating failed: {e}");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot record the rating",
            ))
        }
    }
}
