//! The conversation log: one row per conversation and one per turn.

use chrono::NaiveDateTime;
use rusqlite::{Row, params};

use super::analytics::caller_key;
use super::time::{format_datetime, parse_datetime};
use super::{Store, StoreError, TurnRecord, query_all};
use crate::privacy::{mask_phone, redact, redact_entities_json};

const TURN_COLUMNS: &str = "conversation_id, channel, seq, at, speaker, text, lang, intent, confidence, entities, \
                            sentiment, reply, outcome";

/// A turn from the first columns of `row`, in [`TURN_COLUMNS`] order.
pub(super) fn turn_from_row(row: &Row<'_>) -> Result<TurnRecord, StoreError> {
    let lang: String = row.get(6)?;
    Ok(TurnRecord {
        conversation_id: row.get(0)?,
        channel: row.get(1)?,
        seq: row.get(2)?,
        at: parse_datetime("turns.at", &row.get::<_, String>(3)?)?,
        speaker: row.get(4)?,
        text: row.get(5)?,
        lang: lang.parse().map_err(|_| StoreError::Corrupt {
            column: "turns.lang",
            value: lang.clone(),
        })?,
        intent: row.get(7)?,
        confidence: row.get::<_, Option<f64>>(8)?.map(|c| c as f32),
        entities: row.get(9)?,
        sentiment: row.get::<_, Option<f64>>(10)?.map(|s| s as f32),
        reply: row.get(11)?,
        outcome: row.get(12)?,
    })
}

impl Store {
    /// Records the start of a conversation. The caller's number is stored masked, with a salted hash to find
    /// the caller's interactions again (data-subject requests).
    pub fn start_conversation(
        &self,
        id: &str,
        channel: &str,
        caller: Option<&str>,
        customer_id: Option<i64>,
        lang: crate::lang::Lang,
        at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let key = caller.map(|c| caller_key(&conn, c)).transpose()?;
        conn.execute(
            "INSERT INTO conversations (id, channel, caller, customer_id, lang, started_at, caller_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                channel,
                caller.map(mask_phone),
                customer_id,
                lang.code(),
                format_datetime(at),
                key,
            ],
        )?;
        Ok(())
    }

    /// Records how a conversation ended (`end`, `escalate:<reason>`, `abandoned` …).
    pub fn end_conversation(
        &self,
        id: &str,
        outcome: &str,
        at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE conversations SET ended_at = ?1, outcome = ?2 WHERE id = ?3",
            params![format_datetime(at), outcome, id],
        )?;
        Ok(())
    }

    /// Appends a turn to the log, personal data redacted. The only writer of `turns`, so new columns are added
    /// here.
    pub fn insert_turn(&self, t: &TurnRecord) -> Result<(), StoreError> {
        self.lock().execute(
            &format!("INSERT INTO turns ({TURN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
            params![
                t.conversation_id,
                t.channel,
                t.seq,
                format_datetime(t.at),
                t.speaker,
                redact(&t.text),
                t.lang.code(),
                t.intent,
                t.confidence.map(f64::from),
                redact_entities_json(&t.entities),
                t.sentiment.map(f64::from),
                redact(&t.reply),
                t.outcome,
            ],
        )?;
        Ok(())
    }

    /// The turns of a conversation in order.
    pub fn turns(&self, conversation_id: &str) -> Result<Vec<TurnRecord>, StoreError> {
        query_all(
            &self.lock(),
            &format!("SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = ?1 ORDER BY seq"),
            [conversation_id],
            turn_from_row,
        )
    }

    /// Caller turns worth a person's review: understood with confidence below `below`, or escalated.
    pub fn turns_for_review(&self, below: f32) -> Result<Vec<TurnRecord>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {TURN_COLUMNS} FROM turns WHERE speaker = 'caller' AND intent IS NOT NULL AND text <> '' \
                 AND (confidence < ?1 OR outcome LIKE 'escalate%') ORDER BY at, conversation_id, seq"
            ),
            [f64::from(below)],
            turn_from_row,
        )
    }
}
