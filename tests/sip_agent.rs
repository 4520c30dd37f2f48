//! SIP agents' desk phones: baresip registers with kefu using digest authentication, and a caller who presses 0
//! is bridged to it (kefu as a back-to-back user agent). What each side hears is transcribed with kefu's own
//! ASR. Needs the models (`kefu models fetch`).

mod sip_support;

use std::time::Duration;

use sip_support::{Baresip, Kefu, assert_heard, speech_wav};

fn agents_config(agent: &str) -> String {
    format!(
        "agent = \"{agent}\"\nagent_ring_secs = 15\n\n[sip.agents]\nrealm = \"kefu-test\"\n\
         [[sip.agents.accounts]]\nuser = \"alice\"\npassword = \"s3cret\"\n"
    )
}

/// The desk phone speaks A-law only while callers use µ-law: kefu transcodes between the two legs.
fn desk_phone_account(kefu: &Kefu, password: &str) -> String {
    format!(
        "<sip:alice@{}>;auth_pass={password};regint=60;answermode=auto;audio_codecs=pcma",
        kefu.sip
    )
}

#[test]
fn a_desk_phone_with_a_wrong_password_is_refused() {
    let kefu = Kefu::start(&agents_config("alice"));
    let dir = tempfile::tempdir().unwrap();
    let quiet = sip_support::silence_wav(dir.path(), "quiet", 5.0);
    let phone = Baresip::start(
        dir.path(),
        "desk",
        &quiet,
        &desk_phone_account(&kefu, "guess"),
    );
    let refused = phone.wait_for(Duration::from_secs(10), &|| {
        kefu.log().contains("REGISTER refused")
    });
    let log = kefu.log();
    assert!(
        refused,
        "kefu refuses the wrong password:\n{log}\n{}",
        phone.screen()
    );
    assert!(
        log.contains("wrong password") && !log.contains("SIP agent registered"),
        "{log}"
    );
}

#[test]
fn a_caller_who_presses_0_talks_with_the_registered_desk_phone() {
    let kefu = Kefu::start(&agents_config("alice"));
    let dir = tempfile::tempdir().unwrap();
    let agent_voice = speech_wav(
        dir.path(),
        "agent",
        "Hello, this is Alice from the support team. How can I help you today?",
        1.0,
        12.0,
    );
    let caller_voice = speech_wav(
        dir.path(),
        "caller",
        "I would like a refund for my broken kettle, please.",
        7.0,
        4.0,
    );
    let desk = Baresip::start(
        dir.path(),
        "desk",
        &agent_voice,
        &desk_phone_account(&kefu, "s3cret"),
    );
    assert!(
        desk.wait_for(Duration::from_secs(10), &|| kefu
            .log()
            .contains("SIP agent registered")),
        "the desk phone registers:\n{}\n{}",
        kefu.log(),
        desk.screen()
    );
    let caller = kefu.answered_caller(dir.path(), &caller_voice, "pcmu,pcma");
    std::thread::sleep(Duration::from_millis(2500));
    caller.command("sndcode", "0");
    assert!(
        caller.wait_for(Duration::from_secs(15), &|| kefu
            .log()
            .contains("bridged to the SIP agent")),
        "the desk phone answers:\n{}\n{}",
        kefu.log(),
        desk.screen()
    );
    // The caller's source ends about 11 s into the call; baresip then hangs up.
    assert!(
        caller.wait_for(Duration::from_secs(30), &|| kefu
            .log()
            .contains("agent leg ended")),
        "the agent's leg ends after the caller hangs up:\n{}",
        kefu.log()
    );
    let heard_by_caller = caller.stop().expect("the caller's recording");
    let heard_by_agent = desk.stop().expect("the agent's recording");
    let log = kefu.log();
    assert_heard(
        &heard_by_caller,
        "the caller",
        &["alice", "support team"],
        &log,
    );
    assert_heard(&heard_by_agent, "the agent", &["refund", "kettle"], &log);
    assert!(log.contains("outcome=\"agent_answered\""), "{log}");
    let line = |what: &str| {
        log.lines()
            .find(|l| l.contains(what))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("the agent answered").contains("PCMA") && line("call answered").contains("PCMU"),
        "the caller's leg is PCMU, the agent's PCMA:\n{log}"
    );
}

/// A caller (sipp) presses 0 and stays `stay_ms`; the `[sip] agent` is a desk phone played by a sipp UAS
/// running `desk`. Returns kefu's log, the call log's event kinds and whether the desk phone's scenario passed.
fn press_zero_for(desk: &str, stay_ms: u32, settings: &str) -> (String, Vec<String>, bool) {
    let desk_port = sip_support::free_port();
    let kefu = Kefu::start(&format!(
        "agent = \"desk\"\n{settings}\n\n[[sip.agents.endpoints]]\nname = \"desk\"\nuri = \"sip:desk@127.0.0.1:{desk_port}\"\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let quiet = sip_support::silence_wav(dir.path(), "caller", 2.0);
    sip_support::ulaw(&quiet, &dir.path().join("caller.ulaw"));
    let mut phone = std::process::Command::new("sipp")
        .arg("-sf")
        .arg(sip_support::scenario(desk))
        .args(["-i", "127.0.0.1", "-p", &desk_port.to_string()])
        .args(["-mp", &sip_support::free_port().to_string()])
        .args(["-m", "1", "-nostdin", "-timeout", "60s", "-trace_err"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sipp");
    sip_support::sipp(
        dir.path(),
        "press_zero.xml",
        kefu.sip,
        &["-m", "1", "-d", &stay_ms.to_string()],
    )
    .assert_success("caller presses 0", &kefu);
    let desk_ok = phone.wait().unwrap().success();
    if !desk_ok {
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if entry.file_name().to_string_lossy().ends_with("_errors.log") {
                eprintln!(
                    "{}",
                    std::fs::read_to_string(entry.path()).unwrap_or_default()
                );
            }
        }
    }
    let logs = kefu.call_logs(1, Duration::from_secs(30));
    let kinds = logs[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect();
    (kefu.log(), kinds, desk_ok)
}

/// The positions of `wanted` event kinds, in order, if all happened in that order.
fn in_order(kinds: &[String], wanted: &[&str]) -> bool {
    let mut from = 0;
    wanted
        .iter()
        .all(|w| match kinds[from..].iter().position(|k| k == w) {
            Some(i) => {
                from += i + 1;
                true
            }
            None => false,
        })
}

#[test]
fn a_busy_desk_phone_gives_the_caller_back_to_the_bot() {
    let (log, kinds, desk_ok) = press_zero_for("agent_busy.xml", 4000, "");
    assert!(desk_ok, "the desk phone saw the INVITE:\n{log}");
    assert!(
        log.contains("outcome=\"agent_unreachable\"") && log.contains("busy (486)"),
        "the busy phone is logged:\n{log}"
    );
    assert!(
        log.contains("reason=CallerHungUp"),
        "the caller stayed with the bot:\n{log}"
    );
    assert!(
        in_order(&kinds, &["escalated", "agent_left"]),
        "escalated, then back with the bot: {kinds:?}"
    );
}

#[test]
fn an_unanswered_desk_phone_is_cancelled_and_the_caller_goes_back_to_the_bot() {
    let (log, kinds, desk_ok) = press_zero_for("agent_no_answer.xml", 5000, "agent_ring_secs = 2");
    assert!(desk_ok, "the desk phone rang and got a CANCEL:\n{log}");
    assert!(
        log.contains("outcome=\"agent_unreachable\"") && log.contains("did not answer within 2s"),
        "{log}"
    );
    assert!(in_order(&kinds, &["escalated", "agent_left"]), "{kinds:?}");
}

#[test]
fn when_the_agent_hangs_up_the_caller_is_back_with_the_bot() {
    let (log, kinds, desk_ok) = press_zero_for("agent_hangs_up.xml", 7000, "");
    assert!(desk_ok, "the desk phone answered and hung up:\n{log}");
    assert!(
        log.contains("the SIP agent hung up: back to the bot")
            && log.contains("reason=CallerHungUp"),
        "{log}"
    );
    assert!(
        in_order(&kinds, &["escalated", "agent_joined", "agent_left"]),
        "{kinds:?}"
    );
}
