//! The numbers of the dashboard and reports, computed from the store for a date range, door and language.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::Serialize;

use crate::lang::Lang;
use crate::store::{AnalyticsTurn, CallResult, Interaction, Store, StoreError};

/// Which interactions a summary covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Only this door (`phone`, `web_voice`, `chat`, `replay`, `mic`).
    pub door: Option<String>,
    pub lang: Option<Lang>,
}

impl Filter {
    fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = self.from.and_time(chrono::NaiveTime::MIN);
        let end = self
            .to
            .succ_opt()
            .unwrap_or(self.to)
            .and_time(chrono::NaiveTime::MIN);
        (start, end)
    }

    fn admits(&self, i: &Interaction) -> bool {
        self.door.as_deref().is_none_or(|d| d == i.channel) && self.lang.is_none_or(|l| l == i.lang)
    }
}

/// How many and how often.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: Option<u64>,
    pub p90: Option<u64>,
    pub p95: Option<u64>,
    pub p99: Option<u64>,
}

impl Percentiles {
    fn of(mut values: Vec<u64>) -> Self {
        values.sort_unstable();
        // Nearest rank: the smallest value with at least p% of the values at or below it.
        let rank = |p: f64| {
            (!values.is_empty()).then(|| {
                let r = ((p / 100.0) * values.len() as f64).ceil() as usize;
                values[r.clamp(1, values.len()) - 1]
            })
        };
        Self {
            count: values.len(),
            p50: rank(50.0),
            p90: rank(90.0),
            p95: rank(95.0),
            p99: rank(99.0),
        }
    }
}

/// An intent's count and its count per day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentTrend {
    pub intent: String,
    pub count: usize,
    pub by_day: BTreeMap<NaiveDate, usize>,
}

/// Satisfaction scores.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Csat {
    pub responses: usize,
    pub average: Option<f64>,
    /// Responses per score 1..=5 (index 0 is score 1).
    pub distribution: [usize; 5],
}

/// A caller turn the bot understood poorly (text already redacted in the store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewTurn {
    pub conversation_id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub channel: String,
    pub lang: Lang,
    pub text: String,
    pub intent: Option<String>,
    pub confidence: Option<f32>,
    pub outcome: String,
}

/// A named count (products, orders, reasons).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: usize,
}

/// Agent handling of escalated interactions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentStats {
    pub handled: usize,
    pub wait_ms: Percentiles,
    pub talk_ms: Percentiles,
    pub dispositions: BTreeMap<String, usize>,
}

/// Everything the dashboard and reports show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub filter: Filter,
    pub interactions: usize,
    pub caller_turns: usize,
    pub by_door: BTreeMap<String, usize>,
    pub by_lang: BTreeMap<String, usize>,
    /// Interactions per day and door.
    pub volume: BTreeMap<NaiveDate, BTreeMap<String, usize>>,
    /// Interactions by result; `in_progress` for calls still running (or cut off by a crash).
    pub results: BTreeMap<String, usize>,
    /// Share of finished, not abandoned interactions the bot handled without a person.
    pub containment_rate: Option<f64>,
    pub escalation_reasons: BTreeMap<String, usize>,
    pub top_intents: Vec<IntentTrend>,
    /// Mean sentiment of caller turns per day (-1 upset … 1 happy).
    pub sentiment_by_day: BTreeMap<NaiveDate, f64>,
    pub voice_to_voice_ms: Percentiles,
    pub asr_ms: Percentiles,
    pub dialogue_ms: Percentiles,
    pub tts_first_audio_ms: Percentiles,
    pub csat: Csat,
    /// Interactions started in each hour of the day (0–23).
    pub busiest_hours: [usize; 24],
    pub top_products: Vec<Count>,
    pub top_orders: Vec<Count>,
    pub least_understood: Vec<ReviewTurn>,
    pub agents: AgentStats,
}

const TOP: usize = 10;
const REVIEW: usize = 20;

/// The result an interaction counts under.
pub fn result_of(i: &Interaction, caller_turns: usize) -> Option<CallResult> {
    if let Some(r) = i.result {
        return Some(r);
    }
    if i.outcome
        .as_deref()
        .is_some_and(|o| o.starts_with("escalate"))
    {
        return Some(CallResult::Escalated);
    }
    // Text chats have no hang-up: one left after answers was served, one left before any was abandoned.
    // A voice call without a result is still running (or was cut off).
    (i.channel == "chat").then_some(if caller_turns > 0 || i.outcome.is_some() {
        CallResult::Resolved
    } else {
        CallResult::Abandoned
    })
}

fn top(counts: HashMap<String, usize>, n: usize) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v.truncate(n);
    v
}

/// The entities' (kind, value) pairs of a turn's stored entity list.
fn entities(json: &str) -> Vec<(String, serde_json::Value)> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|e| {
            let v = e.get("value")?;
            Some((
                v.get("kind")?.as_str()?.to_string(),
                v.get("value")?.clone(),
            ))
        })
        .collect()
}

impl Summary {
    /// Computes the summary of the interactions that `filter` admits.
    pub fn build(store: &Store, filter: &Filter) -> Result<Self, StoreError> {
        let (from, to) = filter.bounds();
        let interactions: Vec<Interaction> = store
            .interactions(from, to)?
            .into_iter()
            .filter(|i| filter.admits(i))
            .collect();
        let admitted: HashMap<&str, &Interaction> =
            interactions.iter().map(|i| (i.id.as_str(), i)).collect();
        let turns: Vec<AnalyticsTurn> = store
            .interaction_turns(from, to)?
            .into_iter()
            .filter(|t| admitted.contains_key(t.turn.conversation_id.as_str()))
            .collect();
        Ok(Self::from_rows(filter.clone(), &interactions, &turns))
    }

    /// The summary of these rows (already filtered).
    pub fn from_rows(
        filter: Filter,
        interactions: &[Interaction],
        turns: &[AnalyticsTurn],
    ) -> Self {
        let caller: Vec<&AnalyticsTurn> = turns
            .iter()
            .filter(|t| t.turn.speaker == "caller")
            .collect();
        let mut caller_turns_of: HashMap<&str, usize> = HashMap::new();
        for t in &caller {
            if t.detail.input.as_deref() != Some("no_input") && !t.turn.text.is_empty() {
                *caller_turns_of
                    .entry(t.turn.conversation_id.as_str())
                    .or_default() += 1;
            }
        }

        let mut by_door = BTreeMap::new();
        let mut by_lang = BTreeMap::new();
        let mut volume: BTreeMap<NaiveDate, BTreeMap<String, usize>> = BTreeMap::new();
        let mut results = BTreeMap::new();
        let mut escalation_reasons = BTreeMap::new();
        let mut busiest_hours = [0usize; 24];
        let mut csat = Csat::default();
        let mut agents = AgentStats::default();
        let (mut agent_wait, mut agent_talk) = (Vec::new(), Vec::new());
        for i in interactions {
            *by_door.entry(i.channel.clone()).or_default() += 1;
            *by_lang.entry(i.lang.code().to_string()).or_default() += 1;
            *volume
                .entry(i.started_at.date())
                .or_default()
                .entry(i.channel.clone())
                .or_default() += 1;
            busiest_hours[i.started_at.hour() as usize] += 1;
            let result = result_of(i, caller_turns_of.get(i.id.as_str()).copied().unwrap_or(0));
            let key = result.map_or("in_progress", CallResult::as_str);
            *results.entry(key.to_string()).or_default() += 1;
            if result == Some(CallResult::Escalated) {
                let reason = i
                    .escalation_reason
                    .clone()
                    .or_else(|| {
                        i.outcome
                            .as_deref()
                            .and_then(|o| o.strip_prefix("escalate:"))
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "unknown".into());
                *escalation_reasons.entry(reason).or_default() += 1;
            }
            if let Some(score) = i.csat.filter(|s| (1..=5).contains(s)) {
                csat.responses += 1;
                csat.distribution[usize::from(score) - 1] += 1;
            }
            if let Some(agent_disposition) = &i.agent_disposition {
                agents.handled += 1;
                *agents
                    .dispositions
                    .entry(agent_disposition.clone())
                    .or_default() += 1;
                agent_wait.extend(i.agent_wait_ms);
                agent_talk.extend(i.agent_talk_ms);
            }
        }
        if csat.responses > 0 {
            let total: usize = csat
                .distribution
                .iter()
                .enumerate()
                .map(|(k, n)| (k + 1) * n)
                .sum();
            csat.average = Some(total as f64 / csat.responses as f64);
        }
        agents.wait_ms = Percentiles::of(agent_wait);
        agents.talk_ms = Percentiles::of(agent_talk);
        let count = |r: CallResult| results.get(r.as_str()).copied().unwrap_or(0);
        let served = count(CallResult::Resolved)
            + count(CallResult::Escalated)
            + count(CallResult::Transferred);
        let containment_rate =
            (served > 0).then(|| count(CallResult::Resolved) as f64 / served as f64);

        let mut intents: HashMap<String, IntentTrend> = HashMap::new();
        let mut sentiment: BTreeMap<NaiveDate, (f64, usize)> = BTreeMap::new();
        let mut products = HashMap::new();
        let mut orders = HashMap::new();
        let mut latency: [Vec<u64>; 4] = Default::default();
        for t in &caller {
            let day = t.turn.at.date();
            if let Some(intent) = &t.turn.intent {
                let trend = intents
                    .entry(intent.clone())
                    .or_insert_with(|| IntentTrend {
                        intent: intent.clone(),
                        count: 0,
                        by_day: BTreeMap::new(),
                    });
                trend.count += 1;
                *trend.by_day.entry(day).or_default() += 1;
            }
            if let Some(s) = t.turn.sentiment {
                let e = sentiment.entry(day).or_default();
                e.0 += f64::from(s);
                e.1 += 1;
            }
            for (kind, value) in entities(&t.turn.entities) {
                match kind.as_str() {
                    "product" => {
                        if let Some(name) = value.get("name").and_then(|n| n.as_str()) {
                            *products.entry(name.to_string()).or_default() += 1;
                        }
                    }
                    "order_number" => {
                        if let Some(n) = value.as_str() {
                            *orders.entry(n.to_string()).or_default() += 1;
                        }
                    }
                    _ => {}
                }
            }
            let d = &t.detail;
            for (slot, v) in latency.iter_mut().zip([
                d.voice_to_voice_ms,
                d.asr_ms,
                d.dialogue_ms,
                d.tts_first_audio_ms,
            ]) {
                slot.extend(v);
            }
        }
        let mut top_intents: Vec<IntentTrend> = intents.into_values().collect();
        top_intents.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.intent.cmp(&b.intent)));
        top_intents.truncate(TOP);

        let mut least: Vec<&AnalyticsTurn> = caller
            .iter()
            .copied()
            .filter(|t| t.turn.confidence.is_some() && !t.turn.text.is_empty())
            .collect();
        least.sort_by(|a, b| {
            a.turn
                .confidence
                .partial_cmp(&b.turn.confidence)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.turn.at.cmp(&b.turn.at))
        });
        let least_understood = least
            .into_iter()
            .take(REVIEW)
            .map(|t| ReviewTurn {
                conversation_id: t.turn.conversation_id.clone(),
                seq: t.turn.seq,
                at: t.turn.at,
                channel: t.turn.channel.clone(),
                lang: t.turn.lang,
                text: t.turn.text.clone(),
                intent: t.turn.intent.clone(),
                confidence: t.turn.confidence,
                outcome: t.turn.outcome.clone(),
            })
            .collect();
        let [v2v, asr, dialogue, tts] = latency;
        Self {
            filter,
            interactions: interactions.len(),
            caller_turns: caller.len(),
            by_door,
            by_lang,
            volume,
            results,
            containment_rate,
            escalation_reasons,
            top_intents,
            sentiment_by_day: sentiment
                .into_iter()
                .map(|(d, (sum, n))| (d, sum / n as f64))
                .collect(),
            voice_to_voice_ms: Percentiles::of(v2v),
            asr_ms: Percentiles::of(asr),
            dialogue_ms: Percentiles::of(dialogue),
            tts_first_audio_ms: Percentiles::of(tts),
            csat,
            busiest_hours,
            top_products: top(products, TOP),
            top_orders: top(orders, TOP),
            least_understood,
            agents,
        }
    }
}
