//! `kefu replay` end to end: the fixture suite passes twice with the same call logs (compute times aside), and
//! broken fixtures get clear errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn kefu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The parts of a call log that must not change between runs: everything except times that follow from
/// compute (latencies, when replies and events happened).
fn stable(mut log: Value) -> Value {
    let call = &mut log["call"];
    for turn in call["turns"].as_array_mut().into_iter().flatten() {
        turn["latency"] = Value::Null;
        // Whisper's confidence is a float sum whose last digits may vary with thread scheduling.
        turn["asr_confidence"] = Value::Null;
    }
    for reply in call["replies"].as_array_mut().into_iter().flatten() {
        reply["start"] = Value::Null;
        reply["end"] = Value::Null;
    }
    if let Some(events) = call["events"].as_array_mut() {
        // A stale result (an early transcript overtaken by the caller speaking on) depends on how long its real
        // compute took, like the timings; what the call did with the turn is still compared.
        events.retain(|e| e["kind"] != "turn_timings" && e["kind"] != "stale");
        for e in events {
            e["at"] = Value::Null;
        }
    }
    call["duration_secs"] = Value::Null;
    log
}

/// Replays the fixtures in `dir` twice and checks both runs passed with the same call logs; returns how many
/// fixtures were compared.
fn replay_twice(dir: &Path, name: &str) -> usize {
    let mut runs = Vec::new();
    for run in ["first", "second"] {
        let out = scratch(&format!("{name}-{run}"));
        let result = kefu()
            .arg("replay")
            .arg(dir)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&result.stdout);
        let stderr = String::from_utf8_lossy(&result.stderr);
        println!("{stdout}");
        assert!(
            result.status.success(),
            "{run} replay failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains(" 0 failed"), "{stdout}");
        runs.push(out);
    }
    let mut compared = 0;
    for entry in std::fs::read_dir(&runs[0]).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let read = |p: &Path| -> Value {
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
        };
        let first = stable(read(&path));
        let second = stable(read(&runs[1].join(path.file_name().unwrap())));
        assert_eq!(first, second, "{} differs between runs", path.display());
        // The stereo recording holds both sides.
        let wav = kefu::audio::wav::read_channels(&path.with_extension("wav")).unwrap();
        assert_eq!(wav.channels.len(), 2);
        compared += 1;
    }
    compared
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("audio-fixtures")
}

#[test]
fn replays_pass_twice_with_the_same_call_logs() {
    // A spoken order question, a silent caller, and a Mandarin caller keying in an order number: speech,
    // timers and DTMF.
    let dir = scratch("replay-repeatable");
    for name in ["en-order-status", "en-no-input", "zh-return-expired"] {
        for ext in ["yaml", "wav"] {
            std::fs::copy(
                fixtures().join(format!("{name}.{ext}")),
                dir.join(format!("{name}.{ext}")),
            )
            .unwrap();
        }
    }
    assert_eq!(replay_twice(&dir, "replay-repeatable"), 3);
}

#[test]
#[ignore = "replays count real compute time, so a loaded machine changes turn outcomes; run with --ignored on a quiet machine (24/24 twice, about 150 s)"]
fn the_fixture_suite_passes_twice_with_the_same_call_logs() {
    assert!(replay_twice(&fixtures(), "replay-suite") >= 16);
}

#[test]
fn a_corrupt_recording_is_named_in_a_clear_error() {
    let dir = scratch("replay-corrupt");
    std::fs::write(dir.join("broken.wav"), b"RIFF\x10\x00\x00\x00WAVEjunkjunk").unwrap();
    std::fs::write(dir.join("broken.yaml"), "description: a broken recording\n").unwrap();
    let result = kefu()
        .arg("replay")
        .arg(dir.join("broken.yaml"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(stderr.contains("broken.wav"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_mistyped_expectation_is_refused_with_its_name() {
    let dir = scratch("replay-typo");
    std::fs::write(dir.join("typo.yaml"), "expect:\n  turnz: []\n").unwrap();
    let result = kefu().arg("replay").arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(
        stderr.contains("typo.yaml") && stderr.contains("turnz"),
        "{stderr}"
    );
}

#[test]
fn the_latency_benchmark_prints_percentiles_and_the_slowest_turns() {
    let dir = scratch("bench-latency");
    for ext in ["yaml", "wav"] {
        std::fs::copy(
            fixtures().join(format!("en-order-status.{ext}")),
            dir.join(format!("en-order-status.{ext}")),
        )
        .unwrap();
    }
    let out = kefu()
        .args(["bench", "latency", "--models", "tiny.en"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("whisper-tiny.en (1 fixtures, English only"),
        "{stdout}"
    );
    let v2v: Vec<u64> = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("voice-to-voice"))
        .unwrap_or_else(|| panic!("a voice-to-voice row: {stdout}"))
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        v2v.len() == 3 && v2v[0] <= v2v[1] && v2v[1] <= v2v[2] && v2v[0] > 0,
        "p50 ≤ p95 ≤ max: {stdout}"
    );
    // The order question is the one answered turn: it is the slowest, with its transcript.
    let slowest = stdout
        .lines()
        .skip_while(|l| !l.contains("slowest turns"))
        .nth(1)
        .unwrap_or_else(|| panic!("a slowest turn: {stdout}"));
    assert!(
        slowest.contains("en-order-status turn 1") && slowest.to_lowercase().contains("order"),
        "{stdout}"
    );
}
