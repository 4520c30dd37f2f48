//! HTTP chat API: the happy path and every kind of bad request, through the real router.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kefu::web::{self, AppState, MAX_BODY_BYTES};
use serde_json::{Value, json};
use tower::ServiceExt;

fn app(max_sessions: usize) -> (axum::Router, AppState) {
    let state = AppState::new(common::engine(), Duration::from_secs(600), max_sessions);
    (web::router(state.clone()), state)
}

async fn post(app: &axum::Router, body: impl Into<Body>) -> (StatusCode, Value) {
    let request = Request::post("/api/chat")
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }));
    (status, value)
}

#[tokio::test]
async fn conversation_over_http() {
    let (app, state) = app(10);
    let (status, first) = post(&app, json!({"text": "", "lang": "en"}).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let id = first["session_id"].as_str().unwrap().to_string();
    assert!(!first["reply"].as_str().unwrap().is_empty());
    assert_eq!(first["outcome"], "continue");
    assert!(first["intent"].is_null());

    let (status, second) = post(
        &app,
        json!({"session_id": id, "text": "I want to cancel order 20245678"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["intent"], "cancel_order");
    assert_eq!(second["expect"], "yes_no");
    assert!(second["confidence"].as_f64().unwrap() > 0.0);

    let (_, third) = post(&app, json!({"session_id": id, "text": "yes"}).to_string()).await;
    assert_eq!(third["lang"], "en");
    let order = state
        .engine
        .store()
        .order_by_number("20245678")
        .unwrap()
        .unwrap();
    assert_eq!(order.status.as_str(), "cancelled", "{third}");
}

#[tokio::test]
async fn first_message_gets_greeting_and_answer_and_escalation_details() {
    let (app, state) = app(10);
    let (status, body) = post(
        &app,
        json!({"text": "我要转人工", "phone": "+86 138 0013 8000"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["reply"].as_str().unwrap().contains("张伟"),
        "greeting first: {body}"
    );
    assert_eq!(body["outcome"], "escalate");
    assert_eq!(body["escalation"]["reason"], "requested");
    assert!(
        body["escalation"]["summary"]
            .as_str()
            .unwrap()
            .contains("张伟")
    );
    // A finished conversation leaves the session table.
    assert_eq!(state.sessions.len(), 0);
    let (status, _) = post(
        &app,
        json!({"session_id": body["session_id"], "text": "hello"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let (app, state) = app(10);
    let (status, body) = post(&app, "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("invalid JSON"),
        "{body}"
    );

    let (status, body) = post(&app, json!({"session_id": "x"}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing text: {body}");
    assert!(body["error"].as_str().unwrap().contains("text"), "{body}");

    let (status, body) = post(
        &app,
        json!({"session_id": "nope", "text": "hi"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error"].as_str().unwrap().contains("session"),
        "{body}"
    );

    let (status, body) = post(&app, json!({"text": "hi", "lang": "fr"}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("fr"), "{body}");

    let huge = json!({"text": "a".repeat(MAX_BODY_BYTES + 10)}).to_string();
    let (status, body) = post(&app, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body["error"].as_str().unwrap().contains("too large"),
        "{body}"
    );

    // Nothing above touched the store's conversations.
    assert_eq!(state.sessions.len(), 0);
}

#[tokio::test]
async fn session_cap_gives_503() {
    let (app, _) = app(1);
    let (status, _) = post(&app, json!({"text": ""}).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(&app, json!({"text": ""}).to_string()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["error"].as_str().is_some());
}

#[tokio::test]
async fn healthz() {
    let (app, _) = app(1);
    let response = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let state = AppState::new(common::engine(), Duration::ZERO, 10);
    let app = web::router(state.clone());
    let (status, first) = post(&app, json!({"text": ""}).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(
        &app,
        json!({"session_id": first["session_id"], "text": "hello"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(state.sessions.len(), 0);
}
