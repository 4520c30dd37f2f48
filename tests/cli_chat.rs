//! The `kefu` binary: `store seed`, `chat` driven through a pipe, and `nlu review` on the resulting turn log.

use std::io::Write;
use std::process::{Command, Stdio};

fn kefu(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kefu"));
    cmd.env("KEFU_DB", db).env("KEFU_LOG", "warn");
    cmd
}

#[test]
fn seed_chat_and_review_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");

    // The binary runs on the real clock, so the demo shop is seeded as of today.
    let out = kefu(&db)
        .args(["store", "seed", "--as-of", "today"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("300 products"));
    let again = kefu(&db).args(["store", "seed"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));

    let mut chat = kefu(&db)
        .args(["chat", "--lang", "en", "--verbose"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    chat.stdin
        .take()
        .unwrap()
        .write_all(b"where is my order 20241234\nblorf zzzt qwop\n#0\n")
        .unwrap();
    let out = chat.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("SF Express"), "{stdout}");
    assert!(
        stdout.contains("[order_status"),
        "verbose shows the intent: {stdout}"
    );
    assert!(
        stdout.contains("escalated to a person: requested"),
        "{stdout}"
    );

    let review = dir.path().join("reviewed").join("review.jsonl");
    let out = kefu(&db)
        .args(["nlu", "review", "--below", "0.6", "--out"])
        .arg(&review)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&review)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The gibberish turn is uncertain; the keypad "0" turn has no intent and is not exported.
    assert!(
        lines.iter().any(|l| l["text"] == "blorf zzzt qwop"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["intent"].is_string() && l["lang"].is_string())
    );
}

#[test]
fn bad_seed_day_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = kefu(&dir.path().join("x.db"))
        .args(["store", "seed", "--as-of", "yesterday-ish"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}
