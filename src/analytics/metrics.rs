//! The process's Prometheus metrics: active calls per door, calls by result, engine latency histograms, the
//! agent queue and errors by kind. One registry per process ([`metrics`]); `GET /metrics` renders it in the
//! Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets: voice latency matters from 100 ms to a few seconds.
const BUCKETS: [f64; 11] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0];

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// Integer values by label set (counters and gauges).
#[derive(Debug, Default)]
struct Family(Mutex<BTreeMap<Vec<(&'static str, String)>, i64>>);

impl Family {
    fn add(&self, labels: &[(&'static str, &str)], delta: i64) {
        let key = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        *self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_insert(0) += delta;
    }

    fn get(&self, labels: &[(&'static str, &str)]) -> i64 {
        let key: Vec<_> = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    fn render(&self, out: &mut String, name: &str, kind: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in self.0.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let labels: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
        }
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Every metric kefu exports.
#[derive(Debug, Default)]
pub struct Metrics {
    active_calls: Family,
    calls: Family,
    errors: Family,
    /// Recognition time per utterance.
    pub asr: Histogram,
    /// Dialogue time per turn (understanding, policy, reply).
    pub dialogue: Histogram,
    /// Synthesis time of a reply's first piece of audio.
    pub tts: Histogram,
    /// From the caller's last word to the bot's first sound.
    pub voice_to_voice: Histogram,
    /// Time callers waited in the agent queue before a person took the call.
    pub queue_wait: Histogram,
    queue_length: AtomicI64,
}

impl Metrics {
    /// A call (or chat) started through `door`.
    pub fn call_started(&self, door: &str) {
        self.active_calls.add(&[("door", door)], 1);
    }

    /// A call through `door` ended with `result` (`resolved`, `escalated`, `abandoned`, `transferred`).
    pub fn call_ended(&self, door: &str, result: &str) {
        self.active_calls.add(&[("door", door)], -1);
        self.calls.add(&[("door", door), ("result", result)], 1);
    }

    /// An interaction without a live call (a chat) ended with `result`.
    pub fn interaction_ended(&self, door: &str, result: &str) {
        self.calls.add(&[("door", door), ("result", result)], 1);
    }

    /// Something failed (`asr`, `dialogue`, `tts`, `vad`, `store`, …).
    pub fn error(&self, kind: &str) {
        self.errors.add(&[("kind", kind)], 1);
    }

    /// The agent queue's current length (set by the agent desk).
    pub fn set_queue_length(&self, n: usize) {
        self.queue_length.store(n as i64, Ordering::Relaxed);
    }

    /// Calls active through `door` now.
    pub fn active_calls(&self, door: &str) -> i64 {
        self.active_calls.get(&[("door", door)])
    }

    /// Calls through `door` ended with `result` so far.
    pub fn calls(&self, door: &str, result: &str) -> i64 {
        self.calls.get(&[("door", door), ("result", result)])
    }

    /// Errors of `kind` so far.
    pub fn errors(&self, kind: &str) -> i64 {
        self.errors.get(&[("kind", kind)])
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.active_calls.render(
            &mut out,
            "kefu_active_calls",
            "gauge",
            "Calls in progress, by door.",
        );
        self.calls.render(
            &mut out,
            "kefu_calls_total",
            "counter",
            "Finished calls and chats, by door and result.",
        );
        self.errors
            .render(&mut out, "kefu_errors_total", "counter", "Errors, by kind.");
        self.asr.render(
            &mut out,
            "kefu_asr_seconds",
            "Speech recognition time per utterance.",
        );
        self.dialogue.render(
            &mut out,
            "kefu_dialogue_seconds",
            "Dialogue engine time per turn.",
        );
        self.tts.render(
            &mut out,
            "kefu_tts_first_sentence_seconds",
            "Synthesis time of a reply's first piece of audio.",
        );
        self.voice_to_voice.render(
            &mut out,
            "kefu_voice_to_voice_seconds",
            "From the caller's last word to the bot's first sound.",
        );
        self.queue_wait.render(
            &mut out,
            "kefu_queue_wait_seconds",
            "Time callers waited for a person.",
        );
        let _ = writeln!(
            out,
            "# HELP kefu_queue_length Callers waiting for a person.\n# TYPE kefu_queue_length gauge\nkefu_queue_length {}",
            self.queue_length.load(Ordering::Relaxed)
        );
        out
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);
    &METRICS
}
