//! Queries on calls taken by human agents (migration 3): opened when an agent accepts, closed when the call
//! leaves them, completed by the agent's wrap-up.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::time::{format_datetime, parse_datetime};
use super::{Store, StoreError};

/// An agent's call as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentCall {
    pub id: i64,
    pub call_id: String,
    pub agent_id: i64,
    pub channel: String,
    pub caller: Option<String>,
    pub customer_id: Option<i64>,
    pub lang: String,
    pub reason: String,
    pub priority: String,
    pub answered_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    pub disposition: Option<String>,
    pub notes: String,
    /// JSON array of `{"who", "text"}`.
    pub transcript: String,
}

/// A call an agent just accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgentCall<'a> {
    pub call_id: &'a str,
    pub conversation_id: Option<&'a str>,
    pub agent_id: i64,
    pub channel: &'a str,
    pub caller: Option<&'a str>,
    pub customer_id: Option<i64>,
    pub lang: &'a str,
    pub reason: &'a str,
    pub priority: &'a str,
    pub answered_at: NaiveDateTime,
}

impl Store {
    /// Records that an agent took a call; returns the record's id.
    pub fn open_agent_call(&self, c: &NewAgentCall<'_>) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO agent_calls (call_id, agent_id, channel, caller, customer_id, lang, reason, priority, \
             answered_at, conversation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                c.call_id,
                c.agent_id,
                c.channel,
                c.caller,
                c.customer_id,
                c.lang,
                c.reason,
                c.priority,
                format_datetime(c.answered_at),
                c.conversation_id,
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// The call left the agent (`end_reason`), with both sides' words while bridged.
    pub fn close_agent_call(
        &self,
        id: i64,
        ended_at: NaiveDateTime,
        end_reason: &str,
        transcript_json: &str,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE agent_calls SET ended_at = ?2, end_reason = ?3, transcript = ?4 WHERE id = ?1",
            params![id, format_datetime(ended_at), end_reason, transcript_json],
        )?;
        Ok(())
    }

    /// The agent's wrap-up: a disposition code and notes. Only the agent who took the call may write it. The
    /// code also goes on the conversation's interaction record.
    pub fn wrap_up_agent_call(
        &self,
        id: i64,
        agent_id: i64,
        disposition: &str,
        notes: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE agent_calls SET disposition = ?3, notes = ?4 WHERE id = ?1 AND agent_id = ?2",
            params![id, agent_id, disposition, notes],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "agent call {id} of agent {agent_id}"
            )));
        }
        tx.execute(
            "UPDATE conversations SET agent_disposition = ?2 \
             WHERE id = (SELECT conversation_id FROM agent_calls WHERE id = ?1)",
            params![id, disposition],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Agent calls for one call id (a call can pass through several agents), oldest first.
    pub fn agent_calls_for(&self, call_id: &str) -> Result<Vec<AgentCall>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, call_id, agent_id, channel, caller, customer_id, lang, reason, priority, answered_at, \
             ended_at, end_reason, disposition, notes, transcript FROM agent_calls WHERE call_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([call_id], |row| {
            Ok((
                AgentCall {
                    id: row.get(0)?,
                    call_id: row.get(1)?,
                    agent_id: row.get(2)?,
                    channel: row.get(3)?,
                    caller: row.get(4)?,
                    customer_id: row.get(5)?,
                    lang: row.get(6)?,
                    reason: row.get(7)?,
                    priority: row.get(8)?,
                    answered_at: NaiveDateTime::MIN,
                    ended_at: None,
                    end_reason: row.get(11)?,
                    disposition: row.get(12)?,
                    notes: row.get(13)?,
                    transcript: row.get(14)?,
                },
                row.get::<_, String>(9)?,
                row.get::<_, Option<String>>(10)?,
            ))
        })?;
        let mut calls = Vec::new();
        for row in rows {
            let (mut call, answered, ended) = row?;
            call.answered_at = parse_datetime("agent_calls.answered_at", &answered)?;
            call.ended_at = ended
                .map(|e| parse_datetime("agent_calls.ended_at", &e))
                .transpose()?;
            calls.push(call);
        }
        Ok(calls)
    }

    /// One agent call by id.
    pub fn agent_call(&self, id: i64) -> Result<Option<AgentCall>, StoreError> {
        let call_id: Option<String> = self
            .lock()
            .query_row("SELECT call_id FROM agent_calls WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match call_id {
            Some(call_id) => Ok(self
                .agent_calls_for(&call_id)?
                .into_iter()
                .find(|c| c.id == id)),
            None => Ok(None),
        }
    }
}
