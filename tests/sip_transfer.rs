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
    let conversation = logs[0]["conversation"]
        .as_str()
        .expect("the call's conversation");
    let interaction = kefu
        .store()
        .interaction(conversation)
        .unwrap()
        .expect("the call's interaction record");
    assert_eq!(
        interaction.result,
        Some(kefu::store::CallResult::Transferred),
        "analytics counts the call as transferred"
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
    // No agent queue either (it would take the escalation): nobody to hand the caller to.
    let kefu = Kefu::start("\n[agents]\nenabled = false");
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

/// A sipp UAS at `port` playing `scenario` once, in the background.
fn sipp_uas(dir: &std::path::Path, scenario: &str, port: u16) -> std::process::Child {
    std::process::Command::new("sipp")
        .arg("-sf")
        .arg(sip_support::scenario(scenario))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &sip_support::free_port().to_string()])
        .args(["-m", "1", "-nostdin", "-timeout", "90s"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sipp")
}

/// baresip calls kefu and presses 0; kefu refers it to a sipp UAS at `target_port` playing `target`.
/// Returns kefu's log once the transfer has ended, and whether the target's scenario succeeded.
fn baresip_transfer(target: &str, done: &str) -> (String, bool, Kefu) {
    let target_port = sip_support::free_port();
    let kefu = Kefu::start(&format!(
        "transfer_to = \"sip:support@127.0.0.1:{target_port}\""
    ));
    let dir = tempfile::tempdir().unwrap();
    let quiet = silence_wav(dir.path(), "quiet", 30.0);
    let mut uas = sipp_uas(dir.path(), target, target_port);
    let phone = kefu.answered_caller(dir.path(), &quiet, "pcmu,pcma");
    std::thread::sleep(Duration::from_millis(1500));
    phone.command("sndcode", "0");
    let ended = phone.wait_for(Duration::from_secs(20), &|| kefu.log().contains(done));
    assert!(
        ended,
        "{done:?} in kefu's log:\n{}\n--- baresip ---\n{}",
        kefu.log(),
        phone.screen()
    );
    // Hanging up the phone ends its call with the target too.
    drop(phone.stop());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let uas_ok = loop {
        if let Ok(Some(status)) = uas.try_wait() {
            break status.success();
        }
        if std::time::Instant::now() > deadline {
            let _ = uas.kill();
            let _ = uas.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (kefu.log(), uas_ok, kefu)
}

#[test]
fn baresip_is_transferred_to_a_sipp_target() {
    let (log, target_ok, _kefu) = baresip_transfer("transfer_target.xml", "transfer done");
    assert!(
        target_ok,
        "the target was called, answered and hung up by the transferred caller:\n{log}"
    );
    assert!(
        log.contains("outcome=\"transferred\"") && log.contains("reason=Transferred"),
        "{log}"
    );
}

#[test]
fn baresip_comes_back_to_the_bot_when_the_target_is_busy() {
    let (log, target_ok, _kefu) = baresip_transfer("agent_busy.xml", "transfer failed");
    assert!(target_ok, "the target was called and answered 486:\n{log}");
    assert!(
        log.contains("outcome=\"transfer_failed\"") && log.contains("486"),
        "{log}"
    );
    let comeback = "none of my colleagues could take your call";
    assert!(
        log.lines()
            .skip_while(|l| !l.contains("transfer failed"))
            .any(|l| l.contains("bot said") && l.contains(comeback)),
        "the bot tells the caller it has them back:\n{log}"
    );
}
