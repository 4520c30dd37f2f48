//! Sign-in over HTTP: the session cookie, extractors that refuse anonymous requests, and the `/api/auth` routes.

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{Auth, AuthError, Role, User};

/// The cookie holding a browser's session token.
pub const SESSION_COOKIE: &str = "kefu_session";

/// A request from a signed-in person (any role); anonymous requests get 401.
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

/// A request from a signed-in manager; 401 when not signed in, 403 for other roles.
#[derive(Debug, Clone)]
pub struct SignedInManager(pub User);

/// Why a request was refused.
#[derive(Debug)]
pub enum AuthRejection {
    SignInFirst,
    Forbidden,
    Failed(AuthError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            AuthRejection::SignInFirst => (StatusCode::UNAUTHORIZED, "sign in first".to_owned()),
            AuthRejection::Forbidden => (
                StatusCode::FORBIDDEN,
                "this needs a manager account".to_owned(),
            ),
            AuthRejection::Failed(e) => {
                tracing::error!("checking a session failed: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot check the session".to_owned(),
                )
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn
where
    Auth: FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(AuthRejection::SignInFirst)?;
        let auth = Auth::from_ref(state);
        let token = token.to_owned();
        // A store lookup: off the async workers, which carry live calls' media.
        let user = tokio::task::spawn_blocking(move || auth.user_for(&token))
            .await
            .map_err(|e| AuthRejection::Failed(AuthError::Hash(e.to_string())))?
            .map_err(AuthRejection::Failed)?;
        user.map(SignedIn).ok_or(AuthRejection::SignInFirst)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInManager
where
    Auth: FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        if user.role.allows(Role::Manager) {
            Ok(SignedInManager(user))
        } else {
            Err(AuthRejection::Forbidden)
        }
    }
}

/// `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/auth/me`.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(State(auth): State<Auth>, Json(credentials): Json<Credentials>) -> Response {
    let secure = auth.config().cookie_secure;
    let max_age = auth.config().session_hours.saturating_mul(3600);
    // Password hashing is deliberately slow: keep it off the async workers.
    let signed_in = tokio::task::spawn_blocking(move || {
        auth.sign_in(&credentials.username, &credentials.password)
    })
    .await;
    match signed_in {
        Ok(Ok((user, token))) => {
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{}",
                if secure { "; Secure" } else { "" }
            );
            let mut response = Json(json!({ "user": user })).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(SET_COOKIE, value);
            }
            response
        }
        Ok(Err(e @ (AuthError::BadCredentials | AuthError::LockedOut(_)))) => {
            let status = match e {
                AuthError::LockedOut(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            (status, Json(json!({ "error": e.to_string() }))).into_response()
        }
        Ok(Err(e)) => AuthRejection::Failed(e).into_response(),
        Err(e) => AuthRejection::Failed(AuthError::Hash(e.to_string())).into_response(),
    }
}

async fn logout(State(auth): State<Auth>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers).map(str::to_owned)
        && let Err(e) = tokio::task::spawn_blocking(move || auth.sign_out(&token))
            .await
            .unwrap_or_else(|e| Err(AuthError::Hash(e.to_string())))
    {
        return AuthRejection::Failed(e).into_response();
    }
    let expired = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

async fn me(SignedIn(user): SignedIn) -> Json<serde_json::Value> {
    Json(json!({ "user": user }))
}

/// The session token from the request's cookies.
fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}
