//! The analytics side of the conversation log: how each interaction ended, per-turn latency and input details,
//! satisfaction scores, agent handling, recordings, and the queries reports and the dashboard read.
//! Also the privacy operations on the log: retention, per-caller export and erase.

use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::time::{format_datetime, parse_datetime};
use super::{Store, StoreError, query_all};
use crate::lang::Lang;

/// How an interaction ended, for containment and outcome counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    /// The bot handled it to the end.
    Resolved,
    /// Handed to a person.
    Escalated,
    /// The caller left before the bot answered anything.
    Abandoned,
    /// Transferred elsewhere (another number or desk).
    Transferred,
}

impl CallResult {
    pub const ALL: [CallResult; 4] = [
        CallResult::Resolved,
        CallResult::Escalated,
        CallResult::Abandoned,
        CallResult::Transferred,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            CallResult::Resolved => "resolved",
            CallResult::Escalated => "escalated",
            CallResult::Abandoned => "abandoned",
            CallResult::Transferred => "transferred",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What the voice pipeline knows about a turn beyond the dialogue's record (written when it is known).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnDetail {
    /// `speech`, `typed`, `digits` or `no_input`.
    pub input: Option<String>,
    pub asr_confidence: Option<f32>,
    pub endpoint_wait_ms: Option<u64>,
    pub asr_ms: Option<u64>,
    pub dialogue_ms: Option<u64>,
    pub tts_first_audio_ms: Option<u64>,
    pub voice_to_voice_ms: Option<u64>,
}

/// How an interaction ended.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionEnd {
    pub result: CallResult,
    pub escalation_reason: Option<String>,
    /// `caller_hangup`, `bot_hangup`, `no_input`, `max_duration`, `escalated`, `chat_end`, `chat_idle`.
    pub end_reason: String,
    pub duration_ms: Option<u64>,
    pub at: NaiveDateTime,
}

/// How a person handled an escalated interaction (written by the agent hub when the agent hands the call on, and at wrap-up).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentHandling {
    /// The agent's user name.
    pub agent: String,
    /// From the hand-over request to the agent taking the call.
    pub wait_ms: u64,
    /// From taking the call to its end.
    pub talk_ms: u64,
    /// The agent's wrap-up code (`solved`, `callback`, `ticket`, …).
    pub disposition: String,
}

/// One interaction as analytics sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    pub id: String,
    /// The door (`phone`, `web_voice`, `chat`, `replay`, `mic`).
    pub channel: String,
    pub lang: Lang,
    pub customer_id: Option<i64>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    /// The dialogue's last outcome code (`end`, `escalate:<reason>`) if it ended the conversation.
    pub outcome: Option<String>,
    pub result: Option<CallResult>,
    pub escalation_reason: Option<String>,
    pub end_reason: Option<String>,
    pub duration_ms: Option<u64>,
    pub csat: Option<u8>,
    pub agent: Option<String>,
    pub agent_wait_ms: Option<u64>,
    pub agent_talk_ms: Option<u64>,
    pub agent_disposition: Option<String>,
}

/// One turn with its analytics columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyticsTurn {
    #[serde(flatten)]
    pub turn: super::TurnRecord,
    #[serde(flatten)]
    pub detail: TurnDetail,
}

/// A recording file of a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recording {
    pub conversation_id: String,
    pub path: String,
    pub created_at: NaiveDateTime,
}

/// What a retention sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Purged {
    /// Turns whose text, reply and entities were blanked (their statistics stay).
    pub transcripts: usize,
    /// Recordings whose rows were removed; the caller deletes the files.
    pub recordings: Vec<Recording>,
}

const INTERACTION_COLUMNS: &str = "id, channel, lang, customer_id, started_at, ended_at, outcome, result, \
     escalation_reason, end_reason, duration_ms, csat, agent, agent_wait_ms, agent_talk_ms, agent_disposition";

const ANALYTICS_TURN_COLUMNS: &str = "conversation_id, channel, seq, at, speaker, text, lang, intent, confidence, \
     entities, sentiment, reply, outcome, input, asr_confidence, endpoint_wait_ms, asr_ms, dialogue_ms, \
     tts_first_audio_ms, voice_to_voice_ms";

fn lang_of(column: &'static str, s: String) -> Result<Lang, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt { column, value: s })
}

fn opt_u64(row: &Row<'_>, i: usize) -> Result<Option<u64>, StoreError> {
    Ok(row.get::<_, Option<i64>>(i)?.map(|v| v.max(0) as u64))
}

fn interaction_from_row(row: &Row<'_>) -> Result<Interaction, StoreError> {
    let ended: Option<String> = row.get(5)?;
    let result: Option<String> = row.get(7)?;
    Ok(Interaction {
        id: row.get(0)?,
        channel: row.get(1)?,
        lang: lang_of("conversations.lang", row.get(2)?)?,
        customer_id: row.get(3)?,
        started_at: parse_datetime("conversations.started_at", &row.get::<_, String>(4)?)?,
        ended_at: ended
            .map(|e| parse_datetime("conversations.ended_at", &e))
            .transpose()?,
        outcome: row.get(6)?,
        result: result
            .map(|r| {
                CallResult::parse(&r).ok_or(StoreError::Corrupt {
                    column: "conversations.result",
                    value: r,
                })
            })
            .transpose()?,
        escalation_reason: row.get(8)?,
        end_reason: row.get(9)?,
        duration_ms: opt_u64(row, 10)?,
        csat: row.get::<_, Option<i64>>(11)?.map(|v| v.clamp(0, 5) as u8),
        agent: row.get(12)?,
        agent_wait_ms: opt_u64(row, 13)?,
        agent_talk_ms: opt_u64(row, 14)?,
        agent_disposition: row.get(15)?,
    })
}

fn analytics_turn_from_row(row: &Row<'_>) -> Result<AnalyticsTurn, StoreError> {
    Ok(AnalyticsTurn {
        turn: super::conversations::turn_from_row(row)?,
        detail: TurnDetail {
            input: row.get(13)?,
            asr_confidence: row.get::<_, Option<f64>>(14)?.map(|c| c as f32),
            endpoint_wait_ms: opt_u64(row, 15)?,
            asr_ms: opt_u64(row, 16)?,
            dialogue_ms: opt_u64(row, 17)?,
            tts_first_audio_ms: opt_u64(row, 18)?,
            voice_to_voice_ms: opt_u64(row, 19)?,
        },
    })
}

fn recording_from_row(row: &Row<'_>) -> Result<Recording, StoreError> {
    Ok(Recording {
        conversation_id: row.get(0)?,
        path: row.get(1)?,
        created_at: parse_datetime("recordings.created_at", &row.get::<_, String>(2)?)?,
    })
}

/// The digits that identify a caller's number, whatever its written form (`+86 138-0013-8000` and
/// `13800138000` are one caller).
fn normalized_number(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 13 && digits.starts_with("86") {
        digits[2..].to_string()
    } else if digits.len() == 11
        && digits.starts_with('1')
        && !digits[1..].starts_with(['3', '4', '5', '6', '7', '8', '9'])
    {
        digits[1..].to_string()
    } else {
        digits
    }
}

/// The salted hash under which a caller's interactions are found again (data-subject requests) without the
/// number itself being stored.
pub(super) fn caller_key(conn: &Connection, number: &str) -> Result<String, StoreError> {
    let salt: String = conn.query_row("SELECT salt FROM privacy_salt WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    let mut hash = Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(normalized_number(number).as_bytes());
    Ok(hex::encode(hash.finalize()))
}

impl Store {
    /// Adds what the voice pipeline measured to the turn `seq` of a conversation (the dialogue wrote the turn).
    pub fn record_turn_detail(
        &self,
        conversation_id: &str,
        seq: i64,
        d: &TurnDetail,
    ) -> Result<(), StoreError> {
        let ms = |v: Option<u64>| v.map(|v| v as i64);
        self.lock().execute(
            "UPDATE turns SET input = ?3, asr_confidence = ?4, endpoint_wait_ms = ?5, asr_ms = ?6, dialogue_ms = ?7, \
             tts_first_audio_ms = ?8, voice_to_voice_ms = ?9 WHERE conversation_id = ?1 AND seq = ?2",
            params![
                conversation_id,
                seq,
                d.input,
                d.asr_confidence.map(f64::from),
                ms(d.endpoint_wait_ms),
                ms(d.asr_ms),
                ms(d.dialogue_ms),
                ms(d.tts_first_audio_ms),
                ms(d.voice_to_voice_ms),
            ],
        )?;
        Ok(())
    }

    /// Records how an interaction ended (sets `ended_at` unless the dialogue already did).
    pub fn finish_interaction(&self, id: &str, end: &InteractionEnd) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE conversations SET result = ?2, escalation_reason = ?3, end_reason = ?4, duration_ms = ?5, \
             ended_at = COALESCE(ended_at, ?6) WHERE id = ?1",
            params![
                id,
                end.result.as_str(),
                end.escalation_reason,
                end.end_reason,
                end.duration_ms.map(|v| v as i64),
                format_datetime(end.at),
            ],
        )?;
        Ok(())
    }

    /// Records the caller's satisfaction score (1–5). Unknown conversation → `NotFound`.
    pub fn record_csat(&self, id: &str, score: u8) -> Result<(), StoreError> {
        let changed = self.lock().execute(
            "UPDATE conversations SET csat = ?2 WHERE id = ?1",
            params![id, i64::from(score.clamp(1, 5))],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    /// Records how a person handled an escalated interaction. Unknown conversation → `NotFound`.
    pub fn record_agent_handling(&self, id: &str, h: &AgentHandling) -> Result<(), StoreError> {
        let changed = self.lock().execute(
            "UPDATE conversations SET agent = ?2, agent_wait_ms = ?3, agent_talk_ms = ?4, agent_disposition = ?5 \
             WHERE id = ?1",
            params![id, h.agent, h.wait_ms as i64, h.talk_ms as i64, h.disposition],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    /// Registers a call recording file.
    pub fn add_recording(&self, id: &str, path: &str, at: NaiveDateTime) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO recordings (conversation_id, path, created_at) VALUES (?1, ?2, ?3)",
            params![id, path, format_datetime(at)],
        )?;
        Ok(())
    }

    /// Interactions started in `[from, to)`, oldest first.
    pub fn interactions(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<Interaction>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {INTERACTION_COLUMNS} FROM conversations WHERE started_at >= ?1 AND started_at < ?2 \
                 ORDER BY started_at, id"
            ),
            params![format_datetime(from), format_datetime(to)],
            interaction_from_row,
        )
    }

    /// The turns of the interactions started in `[from, to)`, by conversation and order.
    pub fn interaction_turns(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<AnalyticsTurn>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {ANALYTICS_TURN_COLUMNS} FROM turns WHERE conversation_id IN \
                 (SELECT id FROM conversations WHERE started_at >= ?1 AND started_at < ?2) \
                 ORDER BY conversation_id, seq"
            ),
            params![format_datetime(from), format_datetime(to)],
            analytics_turn_from_row,
        )
    }

    /// The turns of one conversation with their analytics columns.
    pub fn conversation_turns(&self, id: &str) -> Result<Vec<AnalyticsTurn>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {ANALYTICS_TURN_COLUMNS} FROM turns WHERE conversation_id = ?1 ORDER BY seq"
            ),
            [id],
            analytics_turn_from_row,
        )
    }

    /// One interaction by id.
    pub fn interaction(&self, id: &str) -> Result<Option<Interaction>, StoreError> {
        super::query_one(
            &self.lock(),
            &format!("SELECT {INTERACTION_COLUMNS} FROM conversations WHERE id = ?1"),
            [id],
            interaction_from_row,
        )
    }

    /// Blanks the transcripts (text, reply, entities) of turns before `cutoff` and removes the rows of
    /// recordings made before it. Counts, intents and timings stay for the statistics.
    pub fn purge_before(&self, cutoff: NaiveDateTime) -> Result<Purged, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let cutoff = format_datetime(cutoff);
        let transcripts = tx.execute(
            "UPDATE turns SET text = '', reply = '', entities = '[]' WHERE at < ?1 AND (text <> '' OR reply <> '')",
            [&cutoff],
        )?;
        let recordings = query_all(
            &tx,
            "SELECT conversation_id, path, created_at FROM recordings WHERE created_at < ?1",
            [&cutoff],
            recording_from_row,
        )?;
        tx.execute("DELETE FROM recordings WHERE created_at < ?1", [&cutoff])?;
        tx.commit()?;
        Ok(Purged {
            transcripts,
            recordings,
        })
    }

    /// The ids of every interaction of the caller with this number (by its hash, or by the customer account
    /// with this number).
    pub fn caller_interaction_ids(&self, number: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let key = caller_key(&conn, number)?;
        let normalized = normalized_number(number);
        query_all(
            &conn,
            "SELECT id FROM conversations WHERE caller_key = ?1 OR customer_id IN \
             (SELECT id FROM customers WHERE replace(replace(phone, '+86', ''), '+1', '') = ?2) ORDER BY started_at, id",
            params![key, normalized],
            |r| Ok(r.get(0)?),
        )
    }

    /// The recordings of an interaction.
    pub fn recordings_of(&self, id: &str) -> Result<Vec<Recording>, StoreError> {
        query_all(
            &self.lock(),
            "SELECT conversation_id, path, created_at FROM recordings WHERE conversation_id = ?1",
            [id],
            recording_from_row,
        )
    }

    /// Deletes interactions with their turns and recording rows (the caller deletes recording files first).
    /// Returns how many interactions went.
    pub fn erase_interactions(&self, ids: &[String]) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut erased = 0;
        for id in ids {
            tx.execute("DELETE FROM turns WHERE conversation_id = ?1", [id])?;
            tx.execute("DELETE FROM recordings WHERE conversation_id = ?1", [id])?;
            erased += tx.execute("DELETE FROM conversations WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(erased)
    }

    /// Copies interaction `id` with its turns from another store (a replay's throw-away shop) into this one;
    /// returns its id here (suffixed if the id is taken). The caller hash is not copied (each store has its own
    /// salt), nor a customer this store does not have.
    pub fn import_interaction(&self, from: &Store, id: &str) -> Result<String, StoreError> {
        use rusqlite::types::Value;
        let read = |sql: &str| -> Result<(Vec<String>, Vec<Vec<Value>>), StoreError> {
            let conn = from.lock();
            let mut stmt = conn.prepare(sql)?;
            let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
            let width = names.len();
            let rows = stmt
                .query_map([id], |r| (0..width).map(|i| r.get::<_, Value>(i)).collect())?
                .collect::<Result<Vec<Vec<Value>>, _>>()?;
            Ok((names, rows))
        };
        let (conv_names, conv_rows) = read("SELECT * FROM conversations WHERE id = ?1")?;
        let Some(mut conv) = conv_rows.into_iter().next() else {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        };
        let (turn_names, turn_rows) =
            read("SELECT * FROM turns WHERE conversation_id = ?1 ORDER BY seq")?;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let taken = |candidate: &str| -> Result<bool, StoreError> {
            Ok(tx
                .query_row(
                    "SELECT 1 FROM conversations WHERE id = ?1",
                    [candidate],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        };
        let mut new_id = id.to_string();
        let mut k = 1;
        while taken(&new_id)? {
            k += 1;
            new_id = format!("{id}-{k}");
        }
        for (name, value) in conv_names.iter().zip(conv.iter_mut()) {
            match name.as_str() {
                "id" => *value = Value::Text(new_id.clone()),
                "caller_key" => *value = Value::Null,
                "customer_id" => {
                    if let Value::Integer(c) = value {
                        let known = tx
                            .query_row("SELECT 1 FROM customers WHERE id = ?1", [*c], |_| Ok(()))
                            .optional()?
                            .is_some();
                        if !known {
                            *value = Value::Null;
                        }
                    }
                }
                _ => {}
            }
        }
        let insert = |table: &str, names: &[String], values: &[Value]| -> Result<(), StoreError> {
            let (cols, vals): (Vec<&String>, Vec<&Value>) = names
                .iter()
                .zip(values)
                .filter(|(n, _)| !(table == "turns" && n.as_str() == "id"))
                .unzip();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let cols: Vec<&str> = cols.iter().map(|c| c.as_str()).collect();
            tx.execute(
                &format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    cols.join(", "),
                    marks.join(", ")
                ),
                rusqlite::params_from_iter(vals),
            )?;
            Ok(())
        };
        insert("conversations", &conv_names, &conv)?;
        for mut turn in turn_rows {
            for (name, value) in turn_names.iter().zip(turn.iter_mut()) {
                if name == "conversation_id" {
                    *value = Value::Text(new_id.clone());
                }
            }
            insert("turns", &turn_names, &turn)?;
        }
        tx.commit()?;
        Ok(new_id)
    }

    /// The latest time anything was logged (the dashboard's default range ends there).
    pub fn last_interaction_at(&self) -> Result<Option<NaiveDateTime>, StoreError> {
        let at: Option<String> = self
            .lock()
            .query_row("SELECT MAX(started_at) FROM conversations", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        at.map(|a| parse_datetime("conversations.started_at", &a))
            .transpose()
    }
}
