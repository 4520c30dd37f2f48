//! SIP desk phones as agents of the queue: a baresip desk phone registers to kefu with a password (a
//! `[sip.agents]` account), and callers who ask for a person — on the phone line (baresip) or in the app
//! (headless Chromium) — wait in the agent queue until the desk phone rings and picks up. What each side
//! hears is checked with kefu's own ASR. Needs the models (`kefu models fetch`).

mod browser_support;
mod sip_support;

use std::time::Duration;

use browser_support::{Browser, ServerLog};
use serde_json::json;
use sip_support::{Baresip, Kefu, assert_heard, caller_asking_for_a_person, sox, speech_wav};

impl ServerLog for Kefu {
    fn log_for_failure(&self) -> String {
        self.log()
    }
}

/// `[sip.agents]` accounts (in this order: the queue numbers them -1, -2, …) and the agent queue's timing.
fn desk_config(users: &[&str], offer_timeout_secs: u32) -> String {
    let accounts: String = users
        .iter()
        .map(|u| format!("[[sip.agents.accounts]]\nuser = \"{u}\"\npassword = \"pw-{u}\"\nlanguages = [\"en\"]\n"))
        .collect();
    format!(
        "agent_ring_secs = 15\n\n[sip.agents]\nrealm = \"kefu-test\"\n{accounts}\n\
         [agents]\ncallback_after_secs = 600\noffer_timeout_secs = {offer_timeout_secs}\n"
    )
}

/// A desk phone registered as `user`, playing `voice` into its calls; `auto` answers calls by itself.
fn desk_phone(
    kefu: &Kefu,
    dir: &std::path::Path,
    user: &str,
    voice: &std::path::Path,
    auto: bool,
) -> Baresip {
    let answer = if auto { ";answermode=auto" } else { "" };
    let phone = Baresip::start(
        dir,
        user,
        voice,
        &format!(
            "<sip:{user}@{}>;auth_pass=pw-{user};regint=60{answer};audio_codecs=pcmu",
            kefu.sip
        ),
    );
    let ready = format!("name=\"{user}\"");
    assert!(
        phone.wait_for(Duration::from_secs(10), &|| kefu.log().lines().any(|l| l
            .contains("desk phone takes queued calls")
            && l.contains(&ready))),
        "the desk phone {user} registers and joins the queue:\n{}\n{}",
        kefu.log(),
        phone.screen()
    );
    phone
}

/// The agent call records: (agent id, end reason, transcript JSON); at least one.
fn agent_calls(kefu: &Kefu) -> Vec<(i64, String, String)> {
    let conn = rusqlite::Connection::open(kefu.dir.path().join("kefu.db")).unwrap();
    let mut rows = conn
        .prepare(
            "SELECT agent_id, coalesce(end_reason, ''), transcript FROM agent_calls ORDER BY id",
        )
        .unwrap();
    let found: Vec<(i64, String, String)> = rows
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        !found.is_empty(),
        "an agent call is recorded:\n{}",
        kefu.log()
    );
    found
}

#[test]
fn a_phone_caller_who_asks_for_a_person_is_queued_to_the_registered_desk_phone() {
    let kefu = Kefu::start(&desk_config(&["alice"], 20));
    let dir = tempfile::tempdir().unwrap();
    let agent_voice = speech_wav(
        dir.path(),
        "agent",
        "Hello, this is Alice from the support team. How can I help you today?",
        1.0,
        34.0,
    );
    let caller_voice = caller_asking_for_a_person(dir.path(), 3.0, 3, 5.0);
    let desk = desk_phone(&kefu, dir.path(), "alice", &agent_voice, true);
    let caller = kefu.answered_caller(dir.path(), &caller_voice, "pcmu");
    assert!(
        caller.wait_for(Duration::from_secs(30), &|| kefu
            .log()
            .contains("call queued for an agent")),
        "the caller's request queues the call:\n{}",
        kefu.log()
    );
    assert!(
        caller.wait_for(Duration::from_secs(15), &|| kefu
            .log()
            .contains("agent took the call")),
        "the desk phone picks up:\n{}\n{}",
        kefu.log(),
        desk.screen()
    );
    // The desk phone greets the caller (Whisper may take a while on a busy machine), then the caller hangs up.
    assert!(
        caller.wait_for(Duration::from_secs(40), &|| kefu
            .log()
            .contains("agent said")),
        "the desk phone's words are transcribed:\n{}",
        kefu.log()
    );
    let heard_by_caller = caller.stop().expect("the caller's recording");
    assert!(
        desk.wait_for(Duration::from_secs(10), &|| kefu
            .log()
            .contains("agent leg ended")),
        "the caller's hang-up ends the desk phone's call:\n{}",
        kefu.log()
    );
    let heard_by_agent = desk.stop().expect("the desk phone's recording");
    let log = kefu.log();
    assert_heard(
        &heard_by_caller,
        "the caller",
        &["alice", "support team"],
        &log,
    );
    assert_heard(
        &heard_by_agent,
        "the desk phone",
        &["damaged", "replacement"],
        &log,
    );
    let records = agent_calls(&kefu);
    assert_eq!(records[0].0, -1, "alice's desk phone took it: {records:?}");
    assert!(
        records[0].2.contains("\"agent\"") && records[0].2.contains("\"caller\""),
        "both sides' words are on the agent call's record: {records:?}\n{}",
        kefu.log()
    );
    // The call log and the conversation's turn log hold the agent's words too.
    let logs = kefu.call_logs(1, Duration::from_secs(30));
    let bridged = logs[0]["bridged"].as_array().cloned().unwrap_or_default();
    eprintln!("bridged lines in the call log: {bridged:?}");
    assert!(
        bridged.iter().any(|l| l["speaker"] == "agent"
            && l["text"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains("alice")),
        "the agent's words are in the call log: {bridged:?}"
    );
    let conversation = logs[0]["conversation"].as_str().expect("a conversation id");
    let turns = kefu.store().turns(conversation).unwrap();
    assert!(
        turns
            .iter()
            .any(|t| t.speaker == "agent" && t.outcome == "agent"),
        "the agent's words are in the turn log: {turns:?}"
    );
}

#[test]
fn a_desk_phone_that_does_not_pick_up_is_set_away_and_the_next_desk_phone_takes_the_call() {
    let kefu = Kefu::start(&desk_config(&["bob", "alice"], 3));
    let dir = tempfile::tempdir().unwrap();
    let quiet = sip_support::silence_wav(dir.path(), "quiet", 30.0);
    // Bob joins first (free the longest, so rung first) and lets it ring.
    let bob = desk_phone(&kefu, dir.path(), "bob", &quiet, false);
    let alice = desk_phone(&kefu, dir.path(), "alice", &quiet, true);
    let caller = kefu.answered_caller(dir.path(), &quiet, "pcmu");
    std::thread::sleep(Duration::from_millis(2500));
    caller.command("sndcode", "0");
    assert!(
        caller.wait_for(Duration::from_secs(20), &|| kefu
            .log()
            .contains("agent took the call")),
        "the second desk phone picks up:\n{}\n{}\n{}",
        kefu.log(),
        bob.screen(),
        alice.screen()
    );
    let log = kefu.log();
    let line = |what: &str| {
        log.lines()
            .find(|l| l.contains(what))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("did not take the call").contains("agent=-1"),
        "bob's phone rang out and he is away:\n{log}"
    );
    assert!(line("agent took the call").contains("agent=-2"), "{log}");
    assert!(
        bob.screen().to_lowercase().contains("incoming call"),
        "bob's phone rang:\n{}",
        bob.screen()
    );
    caller.stop();
    assert!(
        alice.wait_for(Duration::from_secs(15), &|| kefu
            .log()
            .contains("agent leg ended")),
        "the caller's hang-up ends alice's call:\n{}",
        kefu.log()
    );
    let records = agent_calls(&kefu);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!((records[0].0, records[0].1.as_str()), (-2, "hangup_caller"));
}

#[test]
fn an_app_caller_reaches_the_desk_phone_through_the_queue() {
    let kefu = Kefu::with_webrtc(&desk_config(&["alice"], 20));
    let dir = tempfile::tempdir().unwrap();
    // The desk phone greets, then hangs up when its source ends (about 30 s into its call).
    let agent_voice = speech_wav(
        dir.path(),
        "agent",
        "Hello, this is Alice from the support team. How can I help you today?",
        1.0,
        24.0,
    );
    // The app caller's microphone: a sentence every 14 s (Chromium loops the file).
    let sentence = speech_wav(
        dir.path(),
        "mic",
        "My parcel arrived damaged and I would like a replacement.",
        0.0,
        0.0,
    );
    let mic = dir.path().join("mic48k.wav");
    sox(&[
        sentence.to_str().unwrap(),
        "-r",
        "48000",
        mic.to_str().unwrap(),
        "pad",
        "4",
        "6",
    ]);
    let desk = desk_phone(&kefu, dir.path(), "alice", &agent_voice, true);

    let mut caller = Browser::app_caller_asking_for_a_person(&mic, kefu.http, &kefu);
    let before = caller.send(json!({"cmd": "stats"}), &kefu)["botAudioEnergy"]
        .as_f64()
        .unwrap();
    assert!(
        desk.wait_for(Duration::from_secs(20), &|| kefu
            .log()
            .contains("agent took the call")),
        "the desk phone picks up the app caller:\n{}\n{}",
        kefu.log(),
        desk.screen()
    );
    // The desk phone's voice reaches the app (well above what the hold chime adds).
    let after = caller.send(
        json!({"cmd": "wait_bot_audio", "min_energy": before + 0.02, "timeout_ms": 20000}),
        &kefu,
    );
    eprintln!("the app caller received the desk phone: before {before}, now {after}");
    assert!(
        desk.wait_for(Duration::from_secs(28), &|| kefu
            .log()
            .contains("agent said")),
        "the desk phone's words are transcribed before it hangs up:\n{}",
        kefu.log()
    );
    // The desk phone hangs up: the app caller is back with the bot.
    assert!(
        desk.wait_for(Duration::from_secs(30), &|| kefu
            .log()
            .contains("the desk phone hung up: the caller goes back to the bot")),
        "{}",
        kefu.log()
    );
    caller.send(
        json!({"cmd": "wait_state", "states": ["listening", "thinking", "speaking"], "timeout_ms": 30000}),
        &kefu,
    );
    let heard_by_agent = desk.stop().expect("the desk phone's recording");
    assert_heard(
        &heard_by_agent,
        "the desk phone",
        &["damaged", "replacement"],
        &kefu.log(),
    );
    let records = agent_calls(&kefu);
    assert_eq!((records[0].0, records[0].1.as_str()), (-1, "hangup_agent"));
    assert!(
        records[0].2.to_lowercase().contains("alice") || records[0].2.contains("support"),
        "the desk phone's words, as the app caller's side heard them, are on the record: {records:?}\n{}",
        kefu.log()
    );
}
