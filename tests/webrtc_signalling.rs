//! WebRTC signalling through the real router and door: bad offers, limits, hang-up, the page's files, and a
//! real offer (from the `webrtc` crate playing the browser) answered with a usable SDP answer.
//!
//! Needs the speech models (`kefu models fetch`): the door runs on the real engines.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kefu::config::{Config, IceServerConfig};
use kefu::doors::webrtc::WebRtcDoor;
use kefu::pipeline::Engines;
use kefu::web::{self, AppState};
use serde_json::Value;
use tower::ServiceExt;

fn config() -> Config {
    let mut config = Config::load(None).unwrap();
    // A private store, never the repository's kefu.db.
    static DB: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DB.get_or_init(|| tempfile::tempdir().unwrap());
    config.store.path = dir.path().join("kefu.db");
    config.webrtc.udp_addrs = vec!["127.0.0.1:0".into()];
    config
}

fn engines() -> Arc<Engines> {
    static ENGINES: OnceLock<Arc<Engines>> = OnceLock::new();
    ENGINES
        .get_or_init(|| {
            Engines::load(&config())
                .unwrap_or_else(|e| panic!("engines unavailable ({e}): run: kefu models fetch"))
        })
        .clone()
}

fn app(max_sessions: usize) -> (axum::Router, Arc<WebRtcDoor>) {
    let engines = engines();
    let mut webrtc = config().webrtc;
    webrtc.max_sessions = max_sessions;
    webrtc.ice_servers = vec![IceServerConfig {
        urls: vec!["stun:stun.example.com:3478".into()],
        ..Default::default()
    }];
    let door = WebRtcDoor::new(engines.clone(), webrtc);
    let state = AppState::new(engines.dialogue().clone(), Duration::from_secs(600), 10)
        .with_webrtc(door.clone());
    (web::router(state), door)
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn request(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn offer(app: &axum::Router, query: &str, content_type: &str, sdp: &str) -> Answer {
    let request = Request::post(format!("/api/webrtc/calls{query}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(sdp.to_string()))
        .unwrap();
    request_and_check_health(app, request).await
}

/// Sends a request, then checks the server still answers.
async fn request_and_check_health(app: &axum::Router, req: Request<Body>) -> Answer {
    let answer = request(app, req).await;
    let health = request(app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(health.body, "ok");
    answer
}

fn error_of(answer: &Answer) -> String {
    let value: Value =
        serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body));
    value["error"].as_str().unwrap().to_string()
}

const NO_AUDIO: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n";

#[tokio::test]
async fn bad_offers_are_refused_with_a_clear_error_and_no_call_is_left() {
    let (app, door) = app(4);
    for (query, content_type, body, status, expect) in [
        (
            "",
            "application/sdp",
            "this is not SDP",
            StatusCode::BAD_REQUEST,
            "invalid SDP offer",
        ),
        (
            "",
            "application/sdp",
            "",
            StatusCode::BAD_REQUEST,
            "the offer is empty",
        ),
        (
            "",
            "application/sdp",
            NO_AUDIO,
            StatusCode::BAD_REQUEST,
            "no audio section",
        ),
        (
            "",
            "application/json",
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: application/sdp",
        ),
        (
            "?lang=fr",
            "application/sdp",
            NO_AUDIO,
            StatusCode::BAD_REQUEST,
            "unsupported language",
        ),
        (
            "?volume=11",
            "application/sdp",
            NO_AUDIO,
            StatusCode::BAD_REQUEST,
            "lang=zh or lang=en",
        ),
    ] {
        let answer = offer(&app, query, content_type, body).await;
        assert_eq!(answer.status, status, "{query} {body:?}: {}", answer.body);
        let error = error_of(&answer);
        assert!(error.contains(expect), "{body:?}: {error}");
    }
    let huge = "a".repeat(70 * 1024);
    let answer = offer(&app, "", "application/sdp", &huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(&answer).contains("too large"));
    assert_eq!(door.active(), 0, "failed offers hold no voice line");
}

#[tokio::test]
async fn a_full_house_is_refused_with_503() {
    let (app, _door) = app(0);
    let answer = offer(&app, "?lang=en", "application/sdp", NO_AUDIO).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(error_of(&answer).contains("voice lines are busy"));
}

#[tokio::test]
async fn the_page_its_files_and_settings_are_served() {
    let (app, _door) = app(4);
    let page = request(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/static/kefu.js") && page.body.contains("id=\"call\""));
    let script = request(
        &app,
        Request::get("/static/kefu.js").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let missing = request(
        &app,
        Request::get("/static/nope.js").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let settings = request(
        &app,
        Request::get("/api/webrtc/config")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let settings: Value = serde_json::from_str(&settings.body).unwrap();
    assert_eq!(settings["enabled"], true);
    assert_eq!(
        settings["ice_servers"][0]["urls"][0],
        "stun:stun.example.com:3478"
    );
}

#[tokio::test]
async fn voice_is_off_without_the_door() {
    let engines = engines();
    let state = AppState::new(engines.dialogue().clone(), Duration::from_secs(600), 10);
    let app = web::router(state);
    let answer = offer(&app, "", "application/sdp", NO_AUDIO).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(error_of(&answer).contains("turned off"));
    let settings = request(
        &app,
        Request::get("/api/webrtc/config")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        settings.body.contains("\"enabled\":false"),
        "{}",
        settings.body
    );
}

mod offerer {
    //! The `webrtc` crate playing the browser: a receive-only audio transceiver (a track-less transceiver
    //! cannot send) and a data channel, offered with its
    //! candidates.

    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::watch;
    use webrtc::peer_connection::{
        MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
        RTCIceGatheringState,
    };
    use webrtc::rtp_transceiver::RTCRtpTransceiverDirection;

    struct Handler(watch::Sender<bool>);

    #[async_trait::async_trait]
    impl PeerConnectionEventHandler for Handler {
        async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
            if state == RTCIceGatheringState::Complete {
                self.0.send_replace(true);
            }
        }
    }

    pub async fn offer() -> (Arc<dyn PeerConnection>, String) {
        let (tx, mut rx) = watch::channel(false);
        let mut media = MediaEngine::default();
        media.register_default_codecs().unwrap();
        let pc: Arc<dyn PeerConnection> = Arc::new(
            PeerConnectionBuilder::new()
                .with_media_engine(media)
                .with_handler(Arc::new(Handler(tx)))
                .with_udp_addrs(vec!["127.0.0.1:0".to_string()])
                .build()
                .await
                .unwrap(),
        );
        pc.add_transceiver_from_kind(
            rtc::rtp_transceiver::rtp_sender::RtpCodecKind::Audio,
            Some(rtc::rtp_transceiver::RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
        pc.create_data_channel("kefu", None).await.unwrap();
        let offer = pc.create_offer(None).await.unwrap();
        pc.set_local_description(offer).await.unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|d| *d)).await;
        let sdp = pc.local_description().await.unwrap().sdp;
        (pc, sdp)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_offer_is_answered_and_hanging_up_frees_the_line() {
    let (app, door) = app(1);
    let (pc, sdp) = offerer::offer().await;
    let answer = offer(&app, "?lang=en", "application/sdp", &sdp).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/sdp");
    let location = answer.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.starts_with("/api/webrtc/calls/web-"), "{location}");
    for needle in [
        "a=fingerprint:sha-256",
        "opus/48000/2",
        "a=candidate:",
        "127.0.0.1",
        "webrtc-datachannel",
    ] {
        assert!(
            answer.body.contains(needle),
            "answer lacks {needle}:\n{}",
            answer.body
        );
    }
    assert_eq!(door.active(), 1);

    // The only voice line is taken.
    let busy = offer(&app, "", "application/sdp", &sdp).await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);

    let hang_up = Request::delete(&location).body(Body::empty()).unwrap();
    assert_eq!(request(&app, hang_up).await.status, StatusCode::NO_CONTENT);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while door.active() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the line was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = Request::delete(&location).body(Body::empty()).unwrap();
    let again = request(&app, again).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(error_of(&again).contains("already ended"));
    pc.close().await.unwrap();
}
