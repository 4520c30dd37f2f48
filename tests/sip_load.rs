//! Load: sipp places 20 concurrent calls, each playing a short spoken question, into a real `kefu serve`. Every
//! call must succeed (sipp's exit status) and reach the call engine (a call log each). Prints the calls handled,
//! kefu's CPU time and its peak memory.

mod sip_support;

use std::time::{Duration, Instant};

use sip_support::{Kefu, sipp, speech_wav, ulaw};

const CALLS: usize = 20;

/// (user + system CPU seconds, peak resident memory in MiB) of a process, from /proc.
fn usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
    });
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak_kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // Linux reports CPU time in clock ticks of 1/100 s.
    (ticks / 100.0, peak_kib / 1024.0)
}

#[test]
fn twenty_concurrent_calls_all_succeed() {
    let kefu = Kefu::start(&format!("max_calls = {CALLS}\nrtp_timeout_secs = 20"));
    let dir = tempfile::tempdir().unwrap();
    let wav = speech_wav(
        dir.path(),
        "caller",
        "Hi, where is my order two zero two four one two three four?",
        0.5,
        0.5,
    );
    ulaw(&wav, &dir.path().join("caller.ulaw"));
    let (cpu_before, _) = usage(kefu.pid());
    let started = Instant::now();
    // All 20 calls start within a second and stay up 12 s each.
    let calls = CALLS.to_string();
    let run = sipp(
        dir.path(),
        "call.xml",
        kefu.sip,
        &[
            "-m", &calls, "-l", &calls, "-r", &calls, "-rp", "1000", "-d", "12000",
        ],
    );
    let wall = started.elapsed().as_secs_f64();
    run.assert_success("20 concurrent calls", &kefu);
    let logs = kefu.call_logs(CALLS, Duration::from_secs(60));
    let (cpu_after, peak_mib) = usage(kefu.pid());
    let spoken = logs
        .iter()
        .filter(|log| {
            log["turns"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["input"] == "speech"))
        })
        .count();
    let stats = kefu.log();
    let answered = stats.matches("call answered").count();
    // Media per call, from kefu's "call ended" lines: every caller's audio must have arrived.
    let field = |line: &str, name: &str| -> i64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.trim_matches('"').parse().ok())
            .unwrap_or(-1)
    };
    let ended: Vec<&str> = stats.lines().filter(|l| l.contains("call ended")).collect();
    let rtp_in: Vec<i64> = ended.iter().map(|l| field(l, "rtp_in")).collect();
    let rtp_out: i64 = ended.iter().map(|l| field(l, "rtp_out")).sum();
    let lost: i64 = ended.iter().map(|l| field(l, "lost")).sum();
    let late: i64 = ended.iter().map(|l| field(l, "late")).sum();
    println!(
        "media: {} RTP packets in (fewest in one call {}), {rtp_out} out, {lost} lost, {late} late",
        rtp_in.iter().sum::<i64>(),
        rtp_in.iter().min().copied().unwrap_or(0)
    );
    assert_eq!(ended.len(), CALLS, "{stats}");
    assert!(
        rtp_in.iter().all(|&n| n > 0),
        "every caller's RTP arrived: {rtp_in:?}"
    );
    println!(
        "load: {CALLS} concurrent calls, {answered} answered, {} call logs ({spoken} with a recognised spoken turn), \
         0 failed (sipp); {wall:.1} s wall, kefu CPU {:.1} s ({:.0}% of one core), peak RSS {peak_mib:.0} MiB",
        logs.len(),
        cpu_after - cpu_before,
        100.0 * (cpu_after - cpu_before) / wall,
    );
    assert_eq!(answered, CALLS, "{stats}");
    assert_eq!(logs.len(), CALLS);
}
