//! Blind transfer out (SIP REFER): a caller's phone (sipp) presses 0, kefu refers it to `[sip] transfer_to`,
//! and the phone's NOTIFY reports decide: a 200 from the target ends kefu's leg, a failure gives the caller
//! back to the bot. Needs the models (`kefu models fetch`): the calls run on the real call engine.

mod sip_support;

use std::time::Duration;

use serde_json::Value;
use sip_support::{Kefu, silence_wav, sipp, ulaw};

const TARGET: &str = "sip:support@127.0.0.1:5999";

fn event_kinds(log: &Value) -> Vec<String> {
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

fn caller_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wav = silence_wav(dir.path(), "caller", 2.0);
    ulaw(&wav, &dir.path().join("caller.ulaw"));
    dir
}

#[test]
fn a_transfer_the_target_answers_ends_our_leg() {
    let kefu = Kefu::start(&format!("transfer_to = \"{TARGET}\""));
    let dir = caller_dir();
    sipp(dir.path(), "transfer_accepted.xml", kefu.sip, &["-m", "1"])
        .assert_success("transfer accepted", &kefu);
    let logs = kefu.call_logs(1, Duration::from_secs(30));
    let log = kefu.log();
    assert!(
        log.contains("transferring the caller (REFER)") && log.contains(TARGET),
        "kefu referred the caller to {TARGET}:\n{log}"
    );
    assert!(
        log.contains("outcome=\"transferred\"") && log.contains("reason=Transferred"),
        "the transfer is logged as done and the call as transferred:\n{log}"
    );
    assert!(
        event_kinds(&logs[0]).iter().any(|k| k == "escalated"),
        "the call log shows the escalation: {:#}",
        logs[0]
    );
    let (_, log) = kefu.stop();
    assert!(log.contains("transferred 1 (0 transfers failed)"), "{log}");
}

#[test]
fn a_failed_transfer_gives_the_caller_back_to_the_bot() {
    let kefu = Kefu::start(&format!("transfer_to = \"{TARGET}\""));
    let dir = caller_dir();
    // The caller stays 4 s after the failure report, then hangs up: kefu must not have ended the call.
    sipp(
        dir.path(),
        "transfer_failed.xml",
        kefu.sip,
        &["-m", "1", "-d", "4000"],
    )
    .assert_success("transfer failed", &kefu);
    let logs = kefu.call_logs(1, Duration::from_secs(30));
    let log = kefu.log();
    assert!(
        log.contains("outcome=\"transfer_failed\"") && log.contains("503 Service Unavailable"),
        "the failure and its cause are logged:\n{log}"
    );
    assert!(
        log.contains("reason=CallerHungUp"),
        "the caller, not kefu, ended the call:\n{log}"
    );
    let kinds = event_kinds(&logs[0]);
    let escalated = kinds.iter().position(|k| k == "escalated");
    let back = kinds.iter().position(|k| k == "agent_left");
    assert!(
        matches!((escalated, back), (Some(e), Some(b)) if e < b),
        "the call was escalated, then handed back to the bot: {kinds:?}"
    );
    let (_, log) = kefu.stop();
    assert!(log.contains("transferred 0 (1 transfers failed)"), "{log}");
}

#[test]
fn without_transfer_to_the_bot_keeps_the_caller() {
    let kefu = Kefu::start("");
    let dir = caller_dir();
    // The phone waits for a REFER that never comes; sipp's timeout on that receive fails the run quickly.
    let run = sipp(
        dir.path(),
        "transfer_accepted.xml",
        kefu.sip,
        &["-m", "1", "-recv_timeout", "4000"],
    );
    assert!(!run.status.success(), "no REFER was sent:\n{}", run.report);
    let log = kefu.log();
    assert!(
        log.contains("no [sip] agent or transfer_to: the bot keeps the caller"),
        "{log}"
    );
}
