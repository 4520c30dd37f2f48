//! Reports: a [`Summary`] as CSV (one `section,key,detail,value` row per number), JSON or a self-contained HTML
//! page; and the daily summary file written by the server.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::summary::{Percentiles, Summary};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    Csv,
    #[default]
    Json,
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown report format {other:?}: use csv, json or html"
            )),
        }
    }
}

impl Format {
    /// The file extension (and so the download's type).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// Errors while writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot write report {path}: {source} (check [analytics] reports_dir)")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the report: {0}")]
    Encode(String),
}

/// Renders a summary in `format`.
pub fn render(summary: &Summary, format: Format) -> Result<String, ReportError> {
    match format {
        Format::Json => {
            serde_json::to_string_pretty(summary).map_err(|e| ReportError::Encode(e.to_string()))
        }
        Format::Csv => csv(summary),
        Format::Html => Ok(html(summary)),
    }
}

/// Every number of the summary as (section, key, detail, value) rows.
pub fn rows(s: &Summary) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    let mut row = |section: &str, key: &str, detail: &str, value: String| {
        rows.push([section.into(), key.into(), detail.into(), value]);
    };
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    row("total", "interactions", "", s.interactions.to_string());
    row("total", "caller_turns", "", s.caller_turns.to_string());
    row("total", "containment_rate", "", opt(s.containment_rate));
    for (door, n) in &s.by_door {
        row("door", door, "", n.to_string());
    }
    for (lang, n) in &s.by_lang {
        row("language", lang, "", n.to_string());
    }
    for (day, doors) in &s.volume {
        for (door, n) in doors {
            row("volume", &day.to_string(), door, n.to_string());
        }
    }
    for (result, n) in &s.results {
        row("result", result, "", n.to_string());
    }
    for (reason, n) in &s.escalation_reasons {
        row("escalation_reason", reason, "", n.to_string());
    }
    for t in &s.top_intents {
        row("intent", &t.intent, "", t.count.to_string());
        for (day, n) in &t.by_day {
            row("intent_trend", &t.intent, &day.to_string(), n.to_string());
        }
    }
    for (day, v) in &s.sentiment_by_day {
        row("sentiment", &day.to_string(), "", format!("{v:.4}"));
    }
    for (name, p) in [
        ("voice_to_voice_ms", &s.voice_to_voice_ms),
        ("asr_ms", &s.asr_ms),
        ("dialogue_ms", &s.dialogue_ms),
        ("tts_first_audio_ms", &s.tts_first_audio_ms),
        ("agent_wait_ms", &s.agents.wait_ms),
        ("agent_talk_ms", &s.agents.talk_ms),
    ] {
        percentile_rows(&mut row, name, p);
    }
    row("csat", "responses", "", s.csat.responses.to_string());
    row("csat", "average", "", opt(s.csat.average));
    for (i, n) in s.csat.distribution.iter().enumerate() {
        row("csat", "score", &(i + 1).to_string(), n.to_string());
    }
    for (hour, n) in s.busiest_hours.iter().enumerate() {
        row("hour", &format!("{hour:02}"), "", n.to_string());
    }
    for c in &s.top_products {
        row("product", &c.key, "", c.count.to_string());
    }
    for c in &s.top_orders {
        row("order", &c.key, "", c.count.to_string());
    }
    for (d, n) in &s.agents.dispositions {
        row("agent_disposition", d, "", n.to_string());
    }
    for t in &s.least_understood {
        row(
            "least_understood",
            &format!("{}#{}", t.conversation_id, t.seq),
            &t.text,
            t.confidence.map(|c| format!("{c:.4}")).unwrap_or_default(),
        );
    }
    rows
}

fn percentile_rows(row: &mut impl FnMut(&str, &str, &str, String), name: &str, p: &Percentiles) {
    row("latency", name, "count", p.count.to_string());
    for (label, v) in [
        ("p50", p.p50),
        ("p90", p.p90),
        ("p95", p.p95),
        ("p99", p.p99),
    ] {
        row(
            "latency",
            name,
            label,
            v.map(|v| v.to_string()).unwrap_or_default(),
        );
    }
}

fn csv(s: &Summary) -> Result<String, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let encode = |e: csv::Error| ReportError::Encode(e.to_string());
    w.write_record(["section", "key", "detail", "value"])
        .map_err(encode)?;
    for r in rows(s) {
        w.write_record(&r).map_err(encode)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Encode(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Encode(e.to_string()))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(s: &Summary) -> String {
    let f = &s.filter;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kefu report {} – {}</title>\
         <style>body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:0 0 1.5em}}\
         th,td{{border:1px solid #ccc;padding:3px 8px;text-align:left}}th{{background:#f3f3f3}}</style></head><body>\
         <h1>kefu report {} – {}</h1><p>door: {} · language: {}</p>",
        f.from,
        f.to,
        f.from,
        f.to,
        escape_html(f.door.as_deref().unwrap_or("all")),
        f.lang.map_or("all", |l| l.code()),
    );
    let mut section = String::new();
    for [sec, key, detail, value] in rows(s) {
        if sec != section {
            if !section.is_empty() {
                out.push_str("</table>");
            }
            let _ = write!(
                out,
                "<h2>{}</h2><table><tr><th>key</th><th>detail</th><th>value</th></tr>",
                escape_html(&sec)
            );
            section = sec;
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&key),
            escape_html(&detail),
            escape_html(&value)
        );
    }
    if !section.is_empty() {
        out.push_str("</table>");
    }
    out.push_str("</body></html>\n");
    out
}

/// Writes `day`'s summary as `kefu-<day>.json` and `.html` into `dir` unless it is there already; returns the
/// JSON file's path when it wrote one.
pub fn write_daily(
    store: &crate::store::Store,
    dir: &Path,
    day: chrono::NaiveDate,
) -> Result<Option<PathBuf>, ReportError> {
    let json = dir.join(format!("kefu-{day}.json"));
    if json.exists() {
        return Ok(None);
    }
    let summary = Summary::build(
        store,
        &super::summary::Filter {
            from: day,
            to: day,
            door: None,
            lang: None,
        },
    )?;
    let write = |path: &Path, text: String| {
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(path, text))
            .map_err(|source| ReportError::Write {
                path: path.to_path_buf(),
                source,
            })
    };
    write(&dir.join(format!("kefu-{day}.html")), html(&summary))?;
    write(&json, render(&summary, Format::Json)?)?;
    tracing::info!(path = %json.display(), interactions = summary.interactions, "wrote the daily summary");
    Ok(Some(json))
}
