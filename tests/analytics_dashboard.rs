//! The managers' dashboard in a real browser: audio fixtures replayed through the production pipeline
//! (`kefu replay --record`) and text chats through `kefu serve` fill the store; headless Chromium signs in as a
//! manager, and every number the page shows is checked against the store. The screenshot is saved under
//! `target/tmp/analytics/dashboard.png`. Needs the models (`kefu models fetch`), `chromium`, `node` and
//! `npm ci --prefix tests/browser`.

mod analytics_support;

use std::path::Path;
use std::process::Command;

use analytics_support::{Server, add_user};
use kefu::analytics::{Filter, Summary};
use kefu::store::Store;
use serde_json::Value;

const FIXTURES: [&str; 3] = ["en-order-status", "en-complaint-human", "zh-delivery-eta"];

/// A range holding every interaction of the test.
fn ever() -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let day = |y| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    };
    (day(2000), day(2100))
}

fn cell(table: &Value, key: &str) -> Option<String> {
    table
        .as_array()?
        .iter()
        .find(|row| row[0] == key)
        .and_then(|row| row[1].as_str().map(str::to_string))
}

#[test]
fn dashboard_shows_what_the_store_holds() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analytics");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kefu.db");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("audio-fixtures");
    for name in FIXTURES {
        let fixture = fixtures.join(format!("{name}.yaml"));
        assert!(fixture.exists(), "fixture {} missing", fixture.display());
        // Outcomes depend on machine load (real compute on a virtual clock): the dashboard must show whatever
        // was recorded, so a failed expectation does not fail this test.
        let _ = analytics_support::kefu(&db)
            .args(["replay", fixture.to_str().unwrap(), "--record", "--out"])
            .arg(dir.path().join("replay-out"))
            .env("KEFU_LOG", "warn")
            .status()
            .expect("run kefu replay");
    }
    add_user(&db, "boss", "manager", "s3cret-pass");
    add_user(&db, "agent1", "agent", "agent-pass");
    let server = Server::start(dir.path(), &db);
    let store = Store::open(&db).unwrap();
    assert!(
        store.interactions(ever().0, ever().1).unwrap().len() >= FIXTURES.len(),
        "every replay recorded"
    );
    // Text chats (today, on the real clock): an order question, a Chinese hand-over with a rating, a product.
    server.chat("en", &["where is my order 20241234", "thanks, bye"]);
    let zh = server.chat("zh", &["我的快递到哪了", "我要转人工"]);
    let (status, _) = server.post(
        "/api/chat/rating",
        &serde_json::json!({"session_id": zh, "score": 4}),
    );
    assert_eq!(status, 204);
    server.chat("en", &["do you have wireless headphones"]);

    // The dashboard's data needs a manager.
    assert_eq!(server.get("/api/dashboard/summary", None).0, 401);
    let agent = server.sign_in("agent1", "agent-pass");
    assert_eq!(server.get("/api/dashboard/summary", Some(&agent)).0, 403);
    let boss = server.sign_in("boss", "s3cret-pass");
    assert_eq!(
        server
            .get("/api/dashboard/summary?from=2026-13-01", Some(&boss))
            .0,
        400
    );

    let first = store
        .interactions(ever().0, ever().1)
        .unwrap()
        .first()
        .unwrap()
        .started_at
        .date();
    let today = chrono::Local::now().date_naive();
    let filter = Filter {
        from: first,
        to: today.max(first),
        door: None,
        lang: None,
    };
    let screenshot = out.join("dashboard.png");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "playwright-core missing: run npm ci --prefix tests/browser (scripts/setup.sh does it)"
    );
    let options = serde_json::json!({
        "url": server.url(), "username": "boss", "password": "s3cret-pass",
        "from": filter.from.to_string(), "to": filter.to.to_string(),
        "screenshot": screenshot,
    });
    let run = Command::new("node")
        .arg(browser.join("dashboard.mjs"))
        .arg(options.to_string())
        .output()
        .expect("cannot run node: run scripts/setup.sh (installs nodejs)");
    let page: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    assert_eq!(page["ok"], true, "{page:#}");
    std::fs::write(
        out.join("dashboard.json"),
        serde_json::to_string_pretty(&page).unwrap(),
    )
    .unwrap();

    let summary = Summary::build(&store, &filter).unwrap();
    let m = &page["metrics"];
    assert_eq!(m["interactions"], summary.interactions.to_string());
    assert_eq!(m["interactions"], (FIXTURES.len() + 3).to_string());
    assert_eq!(m["caller_turns"], summary.caller_turns.to_string());
    let containment = summary
        .containment_rate
        .map_or("–".into(), |r| format!("{:.1}%", r * 100.0));
    assert_eq!(m["containment"], containment);
    assert_eq!(
        m["escalated"],
        summary
            .results
            .get("escalated")
            .copied()
            .unwrap_or(0)
            .to_string()
    );
    assert_eq!(m["csat"], format!("{:.2}", summary.csat.average.unwrap()));
    assert_eq!(m["csat_responses"], "1 responses");
    let v = &summary.voice_to_voice_ms;
    assert!(
        v.count >= FIXTURES.len(),
        "every replayed call has a measured turn: {v:?}"
    );
    assert_eq!(
        m["v2v"],
        format!("{} / {} ms", v.p50.unwrap(), v.p90.unwrap())
    );

    let tables = &page["tables"];
    for (door, n) in &summary.by_door {
        assert_eq!(
            cell(&tables["t-doors"], door),
            Some(n.to_string()),
            "door {door}"
        );
    }
    assert_eq!(summary.by_door.get("replay"), Some(&FIXTURES.len()));
    assert_eq!(summary.by_door.get("chat"), Some(&3));
    for (result, n) in &summary.results {
        assert_eq!(
            cell(&tables["t-results"], result),
            Some(n.to_string()),
            "result {result}"
        );
    }
    for (reason, n) in &summary.escalation_reasons {
        assert_eq!(
            cell(&tables["t-reasons"], reason),
            Some(n.to_string()),
            "reason {reason}"
        );
    }
    for intent in &summary.top_intents {
        assert_eq!(
            cell(&tables["t-intents"], &intent.intent),
            Some(intent.count.to_string())
        );
    }
    for order in &summary.top_orders {
        assert_eq!(
            cell(&tables["t-orders"], &order.key),
            Some(order.count.to_string())
        );
    }
    assert!(
        summary.top_orders.iter().any(|o| o.key == "20241234"),
        "{:?}",
        summary.top_orders
    );
    assert_eq!(
        tables["t-least"].as_array().unwrap().len(),
        summary.least_understood.len().max(1)
    );
    for chart in page["charts"].as_array().unwrap() {
        assert_eq!(chart["canvas"], true, "chart drawn: {chart}");
    }
    assert_eq!(
        page["external"],
        serde_json::json!([]),
        "everything served locally"
    );
    let download = &page["download"];
    assert_eq!(download["status"], 200);
    assert!(
        download["disposition"]
            .as_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(
        download["body"]
            .as_str()
            .unwrap()
            .contains(&format!("total,interactions,,{}", summary.interactions))
    );
    let errors: Vec<&Value> = page["console"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l.as_str()
                .is_some_and(|l| l.starts_with("error") || l.starts_with("pageerror"))
        })
        // The page's first data request, before signing in, is refused with 401 (that is how it knows to ask).
        .filter(|l| !l.as_str().is_some_and(|l| l.contains("status of 401")))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(
        std::fs::metadata(&screenshot).unwrap().len() > 10_000,
        "screenshot saved"
    );
    eprintln!("dashboard screenshot: {}", screenshot.display());
    drop(server);
}
