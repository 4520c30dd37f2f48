//! The managers' dashboard: the page at `/dashboard` (charts drawn in the browser with uPlot, served from the
//! binary), its data at `/api/dashboard/summary`, report downloads at `/api/dashboard/report`, and the
//! Prometheus scrape endpoint `/metrics`. Data needs a signed-in manager; the page itself is public and asks
//! for the sign-in.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::AppState;
use super::chat_api::ApiError;
use crate::analytics::{Filter, Format, Summary, metrics, report};
use crate::auth::web::SignedInManager;
use crate::lang::Lang;

const PAGE: &str = include_str!("static/dashboard.html");
const SCRIPT: &str = include_str!("static/dashboard.js");
const STYLE: &str = include_str!("static/dashboard.css");
/// uPlot 1.6.32 (MIT, Leon Sorokin), from npm, unmodified: see `static/vendor/uPlot.LICENSE`.
const UPLOT_JS: &str = include_str!("static/vendor/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("static/vendor/uPlot.min.css");

/// The dashboard's filter as query parameters.
#[derive(Debug, Deserialize)]
pub struct FilterQuery {
    from: Option<String>,
    to: Option<String>,
    door: Option<String>,
    lang: Option<String>,
    format: Option<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn day(name: &str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| bad(format!("{name}={v:?} is not a date: use YYYY-MM-DD")))
        })
        .transpose()
}

impl FilterQuery {
    fn filter(&self, today: NaiveDate) -> Result<Filter, ApiError> {
        let to = day("to", self.to.as_deref())?.unwrap_or(today);
        let from = day("from", self.from.as_deref())?.unwrap_or(to - chrono::Duration::days(6));
        if from > to {
            return Err(bad(format!("from={from} is after to={to}")));
        }
        let door = self.door.clone().filter(|d| !d.is_empty() && d != "all");
        if let Some(d) = &door
            && !["phone", "web_voice", "chat", "replay", "mic"].contains(&d.as_str())
        {
            return Err(bad(format!(
                "unknown door {d:?}: use phone, web_voice, chat, replay or mic"
            )));
        }
        let lang = self
            .lang
            .as_deref()
            .filter(|l| !l.is_empty() && *l != "all")
            .map(str::parse::<Lang>)
            .transpose()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Filter {
            from,
            to,
            door,
            lang,
        })
    }
}

async fn summary_for(state: &AppState, query: &FilterQuery) -> Result<Summary, ApiError> {
    let filter = query.filter(state.engine.now().date())?;
    let store = state.engine.store().clone();
    tokio::task::spawn_blocking(move || Summary::build(&store, &filter))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| {
            tracing::error!("dashboard query failed: {e}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the store")
        })
}

/// Handles `GET /dashboard`.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// Handles `GET /dashboard/static/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "dashboard.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "dashboard.css" => ("text/css; charset=utf-8", STYLE),
        "uPlot.iife.min.js" => ("text/javascript; charset=utf-8", UPLOT_JS),
        "uPlot.min.css" => ("text/css; charset=utf-8", UPLOT_CSS),
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

/// Handles `GET /api/dashboard/summary?from&to&door&lang` (managers only).
pub async fn summary(
    SignedInManager(_): SignedInManager,
    State(state): State<AppState>,
    Query(query): Query<FilterQuery>,
) -> Result<Json<Summary>, ApiError> {
    Ok(Json(summary_for(&state, &query).await?))
}

/// Handles `GET /api/dashboard/report?from&to&door&lang&format=csv|json|html` (managers only): a download.
pub async fn download(
    SignedInManager(_): SignedInManager,
    State(state): State<AppState>,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ApiError> {
    let format: Format = query
        .format
        .as_deref()
        .unwrap_or("csv")
        .parse()
        .map_err(bad)?;
    let summary = summary_for(&state, &query).await?;
    let body = report::render(&summary, format)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let name = format!(
        "attachment; filename=\"kefu-report-{}-{}.{}\"",
        summary.filter.from,
        summary.filter.to,
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

/// Handles `GET /metrics` (Prometheus text format).
pub async fn prometheus() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics().render(),
    )
        .into_response()
}
