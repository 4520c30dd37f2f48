//! Staff sign-in over HTTP: cookies, refusals of anonymous and under-privileged requests, sign-out, and the
//! `kefu users` command creating accounts that sign in.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use kefu::auth::web::{SESSION_COOKIE, SignedIn, SignedInManager};
use kefu::auth::{Auth, AuthConfig, Role};
use kefu::store::Store;
use serde_json::{Value, json};
use tower::ServiceExt;

fn app() -> (Router, Auth) {
    let auth = Auth::new(Store::open_in_memory().unwrap(), &AuthConfig::default());
    auth.add_user("agent1", "Wang Fang", Role::Agent, "agent-password")
        .unwrap();
    auth.add_user("boss", "", Role::Manager, "manager-password")
        .unwrap();
    let app = kefu::auth::web::routes()
        .route(
            "/agent-only",
            get(|SignedIn(u): SignedIn| async move { u.username }),
        )
        .route(
            "/manager-only",
            get(|SignedInManager(u): SignedInManager| async move { u.username }),
        )
        .with_state(auth.clone());
    (app, auth)
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, cookie, body)
}

async fn login(
    app: &Router,
    username: &str,
    password: &str,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let request = Request::post("/api/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    send(app, request).await
}

fn get_with(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// `name=value` from a Set-Cookie header.
fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

#[tokio::test]
async fn anonymous_and_forged_sessions_are_refused() {
    let (app, _) = app();
    for path in ["/agent-only", "/manager-only", "/api/auth/me"] {
        let (status, _, body) = send(&app, get_with(path, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "sign in first");
        let forged = format!("{SESSION_COOKIE}={}", "ab".repeat(32));
        let (status, _, _) = send(&app, get_with(path, Some(&forged))).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with a made-up token"
        );
    }
}

#[tokio::test]
async fn an_agent_signs_in_uses_agent_pages_only_and_signs_out() {
    let (app, _) = app();
    let (status, _, _) = login(&app, "agent1", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, set_cookie, body) = login(&app, "agent1", "agent-password").await;
    assert_eq!(status, StatusCode::OK);
    let set_cookie = set_cookie.expect("a session cookie");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["user"]["display_name"], "Wang Fang");
    assert_eq!(body["user"]["role"], "agent");
    let cookie = cookie_pair(&set_cookie);

    let (status, _, body) = send(&app, get_with("/agent-only", Some(cookie))).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"agent1".as_slice())
    );
    let (status, _, _) = send(&app, get_with("/manager-only", Some(cookie))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let logout = Request::post("/api/auth/logout")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let (status, cleared, _) = send(&app, logout).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(cleared.unwrap().contains("Max-Age=0"));
    let (status, _, _) = send(&app, get_with("/agent-only", Some(cookie))).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn a_manager_reaches_both_kinds_of_page() {
    let (app, _) = app();
    let (_, set_cookie, _) = login(&app, "boss", "manager-password").await;
    let set_cookie = set_cookie.unwrap();
    let cookie = cookie_pair(&set_cookie);
    for path in ["/agent-only", "/manager-only", "/api/auth/me"] {
        let (status, _, _) = send(&app, get_with(path, Some(cookie))).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn guessing_passwords_gets_the_username_locked() {
    let (app, _) = app();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(login(&app, "agent1", "wrong-guess").await.0);
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        login(&app, "agent1", "agent-password").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[test]
fn the_users_command_creates_accounts_that_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kefu.db");
    let kefu = |args: &[&str], password: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"));
        command
            .args(args)
            .env("KEFU_DB", &db)
            .env_remove("KEFU_PASSWORD");
        if let Some(password) = password {
            command.env("KEFU_PASSWORD", password);
        }
        command.output().unwrap()
    };
    let added = kefu(
        &[
            "users", "add", "li", "--role", "manager", "--name", "Li Lei",
        ],
        Some("long-enough"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let short = kefu(&["users", "add", "zhao", "--role", "agent"], Some("short"));
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    let listed = kefu(&["users", "list"], None);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("li\tManager\tLi Lei") && !listed.contains("zhao"),
        "{listed}"
    );

    let auth = Auth::new(Store::open(&db).unwrap(), &AuthConfig::default());
    let (user, _) = auth.sign_in("li", "long-enough").unwrap();
    assert_eq!(user.role, Role::Manager);
    assert!(kefu(&["users", "remove", "li"], None).status.success());
    assert!(auth.sign_in("li", "long-enough").is_err());
}
