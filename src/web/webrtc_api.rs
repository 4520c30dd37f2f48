//! WebRTC signalling, WHIP-style: one POST carries the page's SDP offer and returns kefu's answer.
//!
//! ```text
//! GET    /api/webrtc/config              → {"enabled": true, "ice_servers": [...], "max_text_chars": 2000}
//! POST   /api/webrtc/calls?lang=en       Content-Type: application/sdp, body = offer (ICE candidates included)
//!        → 201, Location: /api/webrtc/calls/<id>, Content-Type: application/sdp, body = answer
//! DELETE /api/webrtc/calls/<id>          → 204 (hung up) or 404
//! ```
//! Errors are `{"error": "..."}`: 400 (invalid offer or language), 415 (not application/sdp), 503 (all voice
//! lines busy, or voice calls turned off), 500 (WebRTC failure).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::chat_api::ApiError;
use crate::config::IceServerConfig;
use crate::doors::webrtc::WebRtcError;
use crate::doors::webrtc::messages::MAX_TEXT_CHARS;
use crate::lang::Lang;

/// Largest SDP offer accepted (a browser's audio + data channel offer with candidates is a few KiB).
pub const MAX_OFFER_BYTES: usize = 64 * 1024;

/// What the page needs before calling.
#[derive(Debug, Serialize)]
pub struct WebRtcSettings<'a> {
    pub enabled: bool,
    pub ice_servers: &'a [IceServerConfig],
    pub max_text_chars: usize,
}

/// Handles `GET /api/webrtc/config`.
pub async fn config(State(state): State<AppState>) -> Response {
    let settings = WebRtcSettings {
        enabled: state.webrtc.is_some(),
        ice_servers: state.webrtc.as_ref().map_or(&[], |d| d.ice_servers()),
        max_text_chars: MAX_TEXT_CHARS,
    };
    Json(settings).into_response()
}

/// Query of `POST /api/webrtc/calls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferQuery {
    /// `zh` or `en`; omitted = detected from the caller's first words.
    pub lang: Option<String>,
}

/// Handles `POST /api/webrtc/calls`.
pub async fn offer(
    State(state): State<AppState>,
    query: Result<Query<OfferQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Some(door) = state.webrtc.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "voice calls are turned off on this server ([webrtc] enabled = false): type your question instead",
        ));
    };
    let Query(query) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "{}: the only parameter is lang=zh or lang=en",
                e.body_text()
            ),
        )
    })?;
    let lang = query
        .lang
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(str::parse::<Lang>)
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    require_sdp(&headers)?;
    let body = body.map_err(|r| {
        let status = r.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("SDP offer too large: at most {MAX_OFFER_BYTES} bytes")
        } else {
            r.body_text()
        };
        ApiError::new(status, message)
    })?;
    let offer = std::str::from_utf8(&body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid SDP offer: the body is not UTF-8 text",
        )
    })?;
    let (id, answer) = door.answer(offer, lang).await.map_err(|e| {
        let status = match e {
            WebRtcError::InvalidOffer(_) => StatusCode::BAD_REQUEST,
            WebRtcError::Full(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebRtcError::Peer(_) | WebRtcError::Codec(_) => {
                tracing::error!("browser call setup failed: {e}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        ApiError::new(status, e.to_string())
    })?;
    Ok((
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/sdp".to_string()),
            (header::LOCATION, format!("/api/webrtc/calls/{id}")),
        ],
        answer,
    )
        .into_response())
}

/// Handles `DELETE /api/webrtc/calls/{id}`: the page hangs up (also sent while the tab closes).
pub async fn hang_up(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.webrtc.as_ref().map(|d| d.hang_up(&id)) {
        Some(true) => StatusCode::NO_CONTENT.into_response(),
        _ => ApiError::new(StatusCode::NOT_FOUND, "no such call: it has already ended")
            .into_response(),
    }
}

/// Refuses a body that is not an SDP offer (415, naming the Content-Type that came).
pub(super) fn require_sdp(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/sdp") {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "send the SDP offer as the body with Content-Type: application/sdp (got {content_type:?})"
        ),
    ))
}
