//! `kefu report` against the store: interactions written through the store's API (as the call recorder and
//! the dialogue write them), the report read back as JSON, CSV and HTML, and every number checked against
//! plain SQL over the same database file.

mod analytics_support;

use analytics_support::kefu_ok;
use chrono::NaiveDate;
use kefu::lang::Lang;
use kefu::store::{AgentHandling, CallResult, InteractionEnd, Store, TurnDetail, TurnRecord};
use rusqlite::Connection;

fn at(day: u32, hour: u32, min: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_hms_opt(hour, min, 0)
        .unwrap()
}

/// (text, intent, confidence, sentiment, voice-to-voice ms, entities JSON)
type Turn<'a> = (&'a str, &'a str, f32, f32, Option<u64>, &'a str);

struct Call<'a> {
    id: &'a str,
    door: &'a str,
    lang: Lang,
    day: u32,
    hour: u32,
    turns: &'a [Turn<'a>],
    result: CallResult,
    reason: Option<&'a str>,
    csat: Option<u8>,
}

fn write(store: &Store, c: &Call<'_>) {
    let start = at(c.day, c.hour, 0);
    store
        .start_conversation(c.id, c.door, Some("+8613800138000"), None, c.lang, start)
        .unwrap();
    for (i, (text, intent, confidence, sentiment, v2v, entities)) in c.turns.iter().enumerate() {
        let seq = i as i64 + 1;
        store
            .insert_turn(&TurnRecord {
                conversation_id: c.id.into(),
                channel: c.door.into(),
                seq,
                at: at(c.day, c.hour, seq as u32),
                speaker: "caller".into(),
                text: (*text).into(),
                lang: c.lang,
                intent: Some((*intent).into()),
                confidence: Some(*confidence),
                entities: (*entities).into(),
                sentiment: Some(*sentiment),
                reply: "ok".into(),
                outcome: "continue".into(),
            })
            .unwrap();
        if c.door != "chat" {
            store
                .record_turn_detail(
                    c.id,
                    seq,
                    &TurnDetail {
                        input: Some("speech".into()),
                        asr_confidence: Some(0.9),
                        voice_to_voice_ms: *v2v,
                        asr_ms: v2v.map(|v| v / 3),
                        ..TurnDetail::default()
                    },
                )
                .unwrap();
        }
    }
    store
        .finish_interaction(
            c.id,
            &InteractionEnd {
                result: c.result,
                escalation_reason: c.reason.map(str::to_string),
                end_reason: "caller_hangup".into(),
                duration_ms: Some(30_000),
                at: at(c.day, c.hour, 30),
            },
        )
        .unwrap();
    if let Some(score) = c.csat {
        store.record_csat(c.id, score).unwrap();
    }
}

fn scalar(conn: &Connection, sql: &str) -> f64 {
    conn.query_row(sql, [], |r| r.get::<_, f64>(0)).unwrap()
}

#[test]
fn report_matches_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kefu.db");
    let store = Store::open(&db).unwrap();
    let order =
        r#"[{"value":{"kind":"order_number","value":"20241234"},"span":{"start":0,"end":8}}]"#;
    let product = r#"[{"value":{"kind":"product","value":{"id":7,"name":"AirBuds Pro"}},"span":{"start":0,"end":4}}]"#;
    let calls = [
        Call {
            id: "p1",
            door: "phone",
            lang: Lang::En,
            day: 20,
            hour: 9,
            turns: &[
                (
                    "where is my order 20241234",
                    "order_status",
                    0.95,
                    0.0,
                    Some(900),
                    order,
                ),
                (
                    "thanks, call me on 13800138000",
                    "thanks",
                    0.40,
                    0.5,
                    Some(1300),
                    "[]",
                ),
            ],
            result: CallResult::Resolved,
            reason: None,
            csat: Some(5),
        },
        Call {
            id: "p2",
            door: "phone",
            lang: Lang::Zh,
            day: 20,
            hour: 9,
            turns: &[("我要投诉", "complaint", 0.88, -0.8, Some(1100), "[]")],
            result: CallResult::Escalated,
            reason: Some("negative_sentiment"),
            csat: Some(2),
        },
        Call {
            id: "w1",
            door: "web_voice",
            lang: Lang::En,
            day: 21,
            hour: 14,
            turns: &[(
                "do you have AirBuds Pro",
                "product_info",
                0.75,
                0.1,
                Some(700),
                product,
            )],
            result: CallResult::Resolved,
            reason: None,
            csat: None,
        },
        Call {
            id: "c1",
            door: "chat",
            lang: Lang::Zh,
            day: 21,
            hour: 20,
            turns: &[
                ("订单20241234到哪了", "order_status", 0.97, 0.0, None, order),
                ("转人工", "human_agent", 0.99, -0.2, None, "[]"),
            ],
            result: CallResult::Escalated,
            reason: Some("requested"),
            csat: Some(4),
        },
        Call {
            id: "p3",
            door: "phone",
            lang: Lang::En,
            day: 22,
            hour: 9,
            turns: &[],
            result: CallResult::Abandoned,
            reason: None,
            csat: None,
        },
        // Outside the report's range: must not count.
        Call {
            id: "old",
            door: "phone",
            lang: Lang::En,
            day: 2,
            hour: 9,
            turns: &[("hello", "greeting", 0.9, 0.0, Some(5000), "[]")],
            result: CallResult::Resolved,
            reason: None,
            csat: Some(1),
        },
    ];
    for call in &calls {
        write(&store, call);
    }
    store
        .record_agent_handling(
            "p2",
            &AgentHandling {
                agent: "li".into(),
                wait_ms: 12_000,
                talk_ms: 95_000,
                disposition: "solved".into(),
            },
        )
        .unwrap();
    drop(store);

    let out = kefu_ok(
        &db,
        &[
            "report",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-22",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let conn = Connection::open(&db).unwrap();
    let range = "started_at >= '2026-11-20' AND started_at < '2026-11-23'";
    let n = |sql: &str| scalar(&conn, sql);

    assert_eq!(
        report["interactions"].as_f64().unwrap(),
        n(&format!("SELECT COUNT(*) FROM conversations WHERE {range}"))
    );
    assert_eq!(report["interactions"], 5);
    for door in ["phone", "web_voice", "chat"] {
        assert_eq!(
            report["by_door"][door].as_f64().unwrap(),
            n(&format!(
                "SELECT COUNT(*) FROM conversations WHERE {range} AND channel = '{door}'"
            )),
            "{door}"
        );
    }
    for result in ["resolved", "escalated", "abandoned"] {
        assert_eq!(
            report["results"][result].as_f64().unwrap(),
            n(&format!(
                "SELECT COUNT(*) FROM conversations WHERE {range} AND result = '{result}'"
            )),
            "{result}"
        );
    }
    // Containment: resolved over everything served (abandoned calls were never served).
    let containment = n(&format!(
        "SELECT COUNT(*) FROM conversations WHERE {range} AND result = 'resolved'"
    )) / n(&format!(
        "SELECT COUNT(*) FROM conversations WHERE {range} AND result <> 'abandoned'"
    ));
    assert!((report["containment_rate"].as_f64().unwrap() - containment).abs() < 1e-9);
    assert!((containment - 0.5).abs() < 1e-9);
    assert_eq!(report["escalation_reasons"]["negative_sentiment"], 1);
    assert_eq!(report["escalation_reasons"]["requested"], 1);
    let csat = n(&format!(
        "SELECT AVG(csat) FROM conversations WHERE {range} AND csat IS NOT NULL"
    ));
    assert!((report["csat"]["average"].as_f64().unwrap() - csat).abs() < 1e-9);
    assert_eq!(report["csat"]["responses"], 3);
    assert_eq!(
        report["csat"]["distribution"],
        serde_json::json!([0, 1, 0, 1, 1])
    );
    assert_eq!(
        report["caller_turns"].as_f64().unwrap(),
        n(&format!(
            "SELECT COUNT(*) FROM turns WHERE conversation_id IN (SELECT id FROM conversations WHERE {range})"
        ))
    );
    // Voice-to-voice: 700, 900, 1100, 1300 → nearest-rank p50 900, p90 1300.
    assert_eq!(report["voice_to_voice_ms"]["count"], 4);
    assert_eq!(report["voice_to_voice_ms"]["p50"], 900);
    assert_eq!(report["voice_to_voice_ms"]["p90"], 1300);
    assert_eq!(report["top_intents"][0]["intent"], "order_status");
    assert_eq!(report["top_intents"][0]["count"], 2);
    assert_eq!(report["top_intents"][0]["by_day"]["2026-11-20"], 1);
    assert_eq!(
        report["top_orders"][0],
        serde_json::json!({"key": "20241234", "count": 2})
    );
    assert_eq!(
        report["top_products"][0],
        serde_json::json!({"key": "AirBuds Pro", "count": 1})
    );
    assert_eq!(report["busiest_hours"][9], 3);
    assert_eq!(
        report["volume"]["2026-11-21"],
        serde_json::json!({"chat": 1, "web_voice": 1})
    );
    assert_eq!(
        report["least_understood"][0]["confidence"]
            .as_f64()
            .unwrap() as f32,
        0.40
    );
    assert_eq!(
        report["least_understood"][0]["text"], "thanks, call me on [phone]",
        "redacted in the store"
    );
    assert_eq!(report["agents"]["handled"], 1);
    assert_eq!(report["agents"]["wait_ms"]["p50"], 12_000);
    let sentiment_20 =
        n("SELECT AVG(sentiment) FROM turns WHERE at >= '2026-11-20' AND at < '2026-11-21'");
    assert!(
        (report["sentiment_by_day"]["2026-11-20"].as_f64().unwrap() - sentiment_20).abs() < 1e-6
    );

    // Filters: door and language.
    let out = kefu_ok(
        &db,
        &[
            "report",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-22",
            "--door",
            "phone",
            "--lang",
            "en",
        ],
    );
    let phone_en: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        phone_en["interactions"].as_f64().unwrap(),
        n(&format!(
            "SELECT COUNT(*) FROM conversations WHERE {range} AND channel = 'phone' AND lang = 'en'"
        ))
    );

    // CSV: the same numbers as rows; HTML: a page with the same tables.
    let out = kefu_ok(
        &db,
        &[
            "report",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-22",
            "--format",
            "csv",
        ],
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("section,key,detail,value\n"), "{csv}");
    assert!(csv.contains("\ntotal,interactions,,5\n"), "{csv}");
    assert!(csv.contains("\nresult,escalated,,2\n"), "{csv}");
    assert!(
        csv.contains("\nlatency,voice_to_voice_ms,p90,1300\n"),
        "{csv}"
    );
    assert!(csv.contains("\norder,20241234,,2\n"), "{csv}");
    let html_path = dir.path().join("report.html");
    kefu_ok(
        &db,
        &[
            "report",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-22",
            "--format",
            "html",
            "-o",
            html_path.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.contains("<h2>escalation_reason</h2>") && html.contains("negative_sentiment"),
        "{html}"
    );
    for text in [&csv, &html] {
        assert!(!text.contains("13800138000"), "no phone number in exports");
    }

    // Bad input: a clear error.
    let bad = analytics_support::kefu(&db)
        .args(["report", "--from", "2026-11-22", "--to", "2026-11-20"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is after"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn data_subject_export_and_erase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kefu.db");
    let store = Store::open(&db).unwrap();
    let day = at(20, 9, 0);
    store
        .start_conversation("a", "phone", Some("+86 138-0013-8000"), None, Lang::Zh, day)
        .unwrap();
    store
        .start_conversation("b", "chat", Some("13800138000"), None, Lang::Zh, day)
        .unwrap();
    store
        .start_conversation("other", "phone", Some("+14155550100"), None, Lang::En, day)
        .unwrap();
    let recording = dir.path().join("a.wav");
    std::fs::write(&recording, b"RIFF").unwrap();
    store
        .add_recording("a", recording.to_str().unwrap(), day)
        .unwrap();
    let stored: String = Connection::open(&db)
        .unwrap()
        .query_row("SELECT group_concat(caller) FROM conversations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        !stored.contains("13800138000") && !stored.contains("4155550100"),
        "{stored}"
    );
    drop(store);

    let out = kefu_ok(&db, &["privacy", "export", "+8613800138000"]);
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = export["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["a", "b"],
        "both spellings of the number, not the other caller"
    );
    assert_eq!(
        export["interactions"][0]["recordings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let refused = analytics_support::kefu(&db)
        .args(["privacy", "erase", "13800138000"])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "erase needs --yes");
    kefu_ok(&db, &["privacy", "erase", "13800138000", "--yes"]);
    assert!(!recording.exists(), "the recording file is deleted");
    let store = Store::open(&db).unwrap();
    assert!(store.interaction("a").unwrap().is_none() && store.interaction("b").unwrap().is_none());
    assert!(store.interaction("other").unwrap().is_some());
}

#[test]
fn retention_blanks_old_transcripts_and_keeps_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kefu.db")).unwrap();
    for (id, day) in [("old", 1), ("new", 25)] {
        store
            .start_conversation(id, "chat", None, None, Lang::En, at(day, 9, 0))
            .unwrap();
        store
            .insert_turn(&TurnRecord {
                conversation_id: id.into(),
                channel: "chat".into(),
                seq: 1,
                at: at(day, 9, 1),
                speaker: "caller".into(),
                text: "where is my order".into(),
                lang: Lang::En,
                intent: Some("order_status".into()),
                confidence: Some(0.9),
                entities: "[]".into(),
                sentiment: Some(0.0),
                reply: "on its way".into(),
                outcome: "continue".into(),
            })
            .unwrap();
    }
    let purged = kefu::privacy::retention::sweep(&store, 10, at(26, 0, 0)).unwrap();
    assert_eq!(purged.transcripts, 1);
    let old = &store.conversation_turns("old").unwrap()[0];
    assert_eq!((old.turn.text.as_str(), old.turn.reply.as_str()), ("", ""));
    assert_eq!(
        old.turn.intent.as_deref(),
        Some("order_status"),
        "statistics stay"
    );
    assert_eq!(
        store.conversation_turns("new").unwrap()[0].turn.text,
        "where is my order"
    );
}
