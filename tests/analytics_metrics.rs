//! `/metrics` scraped from a running `kefu serve` after real chats, and the privacy of what the server logs
//! and stores: personal data typed into the chat never reaches the log (default level) or the store.

mod analytics_support;

use analytics_support::Server;

/// The value of one sample line `name{labels} value` in a Prometheus exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[test]
fn metrics_are_scraped_and_personal_data_stays_out_of_logs_and_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kefu.db");
    let server = Server::start(dir.path(), &db);

    // The daily summary of yesterday is written by the server itself.
    let yesterday = chrono::Local::now().date_naive().pred_opt().unwrap();
    let daily = dir
        .path()
        .join("reports")
        .join(format!("kefu-{yesterday}.json"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !daily.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no daily summary {}",
            daily.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&daily).unwrap()).unwrap();
    assert_eq!(summary["filter"]["from"], yesterday.to_string());
    assert!(daily.with_extension("html").exists());

    let (status, before) = server.get("/metrics", None);
    assert_eq!(status, 200);
    assert!(
        before.contains("# TYPE kefu_calls_total counter"),
        "{before}"
    );
    assert!(
        before.contains("# TYPE kefu_asr_seconds histogram"),
        "{before}"
    );
    assert!(before.contains("kefu_queue_length 0"), "{before}");

    // A chat handed to a person, full of personal data.
    let personal = [
        "13800138000",
        "john.smith@example.com",
        "4111 1111 1111 1111",
        "110101199003071234",
        "世纪大道100号",
    ];
    let escalated = server.chat(
        "zh",
        &[
            "我的手机号是13800138000，邮箱john.smith@example.com",
            "卡号4111 1111 1111 1111，身份证110101199003071234，地址上海市浦东新区世纪大道100号",
            "我要转人工",
        ],
    );
    let (status, _) = server.post(
        "/api/chat/rating",
        &serde_json::json!({"session_id": escalated, "score": 2}),
    );
    assert_eq!(status, 204, "rating accepted");
    let (status, _) = server.post(
        "/api/chat/rating",
        &serde_json::json!({"session_id": escalated, "score": 9}),
    );
    assert_eq!(status, 400, "a score must be 1..5");

    let (status, text) = server.get("/metrics", None);
    assert_eq!(status, 200);
    assert_eq!(
        sample(
            &text,
            "kefu_calls_total{door=\"chat\",result=\"escalated\"}"
        ),
        Some(1.0),
        "{text}"
    );
    // Histogram sanity: cumulative buckets never decrease and end at the count.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("kefu_voice_to_voice_seconds_bucket"))
        .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(buckets.len(), 12, "{text}");
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert_eq!(
        buckets.last().copied(),
        sample(&text, "kefu_voice_to_voice_seconds_count")
    );

    let log = server.stop();
    let store = kefu::store::Store::open(&db).unwrap();
    let turns = store.conversation_turns(&escalated).unwrap();
    assert!(
        turns.len() >= 4,
        "greeting and three turns stored: {turns:#?}"
    );
    let interaction = store.interaction(&escalated).unwrap().unwrap();
    assert_eq!(interaction.csat, Some(2));
    assert_eq!(interaction.result, Some(kefu::store::CallResult::Escalated));
    let stored = serde_json::to_string(&turns).unwrap();
    for value in personal {
        assert!(!log.contains(value), "{value} in the server log:\n{log}");
        assert!(!stored.contains(value), "{value} in the store: {stored}");
    }
    assert!(
        stored.contains("[phone]") && stored.contains("[email]"),
        "{stored}"
    );
    assert!(
        stored.contains("[card]") && stored.contains("[id]") && stored.contains("[address]"),
        "{stored}"
    );
}
