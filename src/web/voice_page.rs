//! The voice-chat page at `/` and its script and style, built into the binary so `kefu serve` needs no files.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const INDEX: &str = include_str!("static/index.html");
const SCRIPT: &str = include_str!("static/kefu.js");
const STYLE: &str = include_str!("static/kefu.css");

/// Handles `GET /`.
pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}

/// Handles `GET /static/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "kefu.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "kefu.css" => ("text/css; charset=utf-8", STYLE),
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
