//! Durability of the interaction record: kill -9 of `kefu serve` in the middle of a phone call leaves every
//! finished turn of that call in the store, with its transcript and latency breakdown. A real call: baresip
//! speaks synthesised English into the phone line. Needs the models (`kefu models fetch`).

mod sip_support;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use kefu::store::Store;
use sip_support::{Kefu, baresip_call, silence_wav, speech_wav};

fn concat(parts: &[std::path::PathBuf], out: &std::path::Path) {
    let status = Command::new("sox")
        .args(parts)
        .arg(out)
        .status()
        .expect("run sox");
    assert!(status.success(), "sox concatenation failed");
}

/// Caller turns of the store's only phone conversation that have their voice-to-voice latency recorded.
fn finished_turns(db: &std::path::Path) -> usize {
    let Ok(store) = Store::open(db) else { return 0 };
    let far = chrono::NaiveDate::from_ymd_opt(2100, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    store
        .interaction_turns(start, far)
        .map(|turns| {
            turns
                .iter()
                .filter(|t| t.turn.speaker == "caller" && t.detail.voice_to_voice_ms.is_some())
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn kill_9_mid_call_keeps_every_finished_turn() {
    let kefu = Kefu::start("");
    let dir = kefu.dir.path().to_path_buf();
    let db = dir.join("kefu.db");
    let parts = vec![
        silence_wav(&dir, "lead", 4.0),
        // Long pauses: the machine is shared, and each answer must start playing before the next question.
        speech_wav(&dir, "q1", "What is your return policy?", 0.0, 14.0),
        speech_wav(&dir, "q2", "How much does shipping cost?", 0.0, 14.0),
        speech_wav(&dir, "q3", "Do you sell wireless headphones?", 0.0, 14.0),
        speech_wav(&dir, "q4", "What are your opening hours?", 0.0, 14.0),
        speech_wav(&dir, "q5", "Can I pay with a credit card?", 0.0, 14.0),
    ];
    let source = dir.join("caller.wav");
    concat(&parts, &source);

    let killed = AtomicBool::new(false);
    let pid = kefu.pid();
    baresip_call(&dir, &source, kefu.sip, &|| {
        if finished_turns(&db) >= 2 {
            // The call is still up: more questions follow. No graceful shutdown, no flush.
            let status = Command::new("kill").args(["-9", &pid.to_string()]).status();
            assert!(status.is_ok_and(|s| s.success()), "kill -9 kefu");
            killed.store(true, Ordering::SeqCst);
            return true;
        }
        false
    });
    assert!(
        killed.load(Ordering::SeqCst),
        "the call ended before two turns were recorded:\n{}",
        kefu.log()
    );

    let store = Store::open(&db).expect("the store opens after kill -9");
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let far = chrono::NaiveDate::from_ymd_opt(2100, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let calls = store.interactions(start, far).unwrap();
    assert_eq!(calls.len(), 1, "one phone call: {calls:?}");
    let call = &calls[0];
    assert_eq!(call.channel, "phone");
    assert!(call.result.is_none(), "the call never ended: {call:?}");
    let turns = store.conversation_turns(&call.id).unwrap();
    let caller: Vec<_> = turns
        .iter()
        .filter(|t| t.turn.speaker == "caller")
        .collect();
    assert!(caller.len() >= 2, "finished turns kept: {turns:#?}");
    let finished: Vec<_> = caller
        .iter()
        .filter(|t| t.detail.voice_to_voice_ms.is_some())
        .collect();
    assert!(finished.len() >= 2, "{turns:#?}");
    for t in &finished {
        assert!(!t.turn.text.trim().is_empty(), "transcript kept: {t:?}");
        assert!(!t.turn.reply.is_empty(), "reply kept: {t:?}");
        assert_eq!(t.detail.input.as_deref(), Some("speech"), "{t:?}");
        assert!(
            t.turn.intent.is_some() && t.detail.asr_ms.is_some(),
            "{t:?}"
        );
    }
    let texts: Vec<&str> = finished.iter().map(|t| t.turn.text.as_str()).collect();
    eprintln!("turns kept after kill -9: {texts:?}");
    assert!(
        texts[0].to_lowercase().contains("return"),
        "the first question: {texts:?}"
    );
}
