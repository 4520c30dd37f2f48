//! Queries on tickets (returns, refunds, repairs, complaints …).

use rusqlite::{Row, params};

use super::time::{format_datetime, parse_datetime};
use super::{NewTicket, Store, StoreError, Ticket, TicketKind, TicketState, query_all, query_one};

const TICKET_COLUMNS: &str =
    "id, kind, order_id, customer_id, state, details, appointment, created_at";

fn ticket_from_row(row: &Row<'_>) -> Result<Ticket, StoreError> {
    let kind: String = row.get(1)?;
    let state: String = row.get(4)?;
    Ok(Ticket {
        id: row.get(0)?,
        kind: TicketKind::parse(&kind).ok_or(StoreError::Corrupt {
            column: "tickets.kind",
            value: kind.clone(),
        })?,
        order_id: row.get(2)?,
        customer_id: row.get(3)?,
        state: TicketState::parse(&state).ok_or(StoreError::Corrupt {
            column: "tickets.state",
            value: state.clone(),
        })?,
        details: row.get(5)?,
        appointment: row
            .get::<_, Option<String>>(6)?
            .map(|s| parse_datetime("tickets.appointment", &s))
            .transpose()?,
        created_at: parse_datetime("tickets.created_at", &row.get::<_, String>(7)?)?,
    })
}

impl Store {
    /// Opens a ticket; returns it with its number.
    pub fn create_ticket(&self, t: &NewTicket) -> Result<Ticket, StoreError> {
        let id = {
            let conn = self.lock();
            conn.execute(
                "INSERT INTO tickets (kind, order_id, customer_id, state, details, appointment, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    t.kind.as_str(),
                    t.order_id,
                    t.customer_id,
                    TicketState::Open.as_str(),
                    t.details,
                    t.appointment.map(format_datetime),
                    format_datetime(t.created_at),
                ],
            )?;
            conn.last_insert_rowid()
        };
        self.ticket(id)?
            .ok_or_else(|| StoreError::NotFound(format!("ticket {id} just created")))
    }

    /// A ticket by number.
    pub fn ticket(&self, id: i64) -> Result<Option<Ticket>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"),
            [id],
            ticket_from_row,
        )
    }

    /// Tickets about an order, newest first.
    pub fn tickets_for_order(&self, order_id: i64) -> Result<Vec<Ticket>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE order_id = ?1 ORDER BY created_at DESC, id DESC"
            ),
            [order_id],
            ticket_from_row,
        )
    }

    /// A customer's tickets, newest first.
    pub fn tickets_of_customer(&self, customer_id: i64) -> Result<Vec<Ticket>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC"
            ),
            [customer_id],
            ticket_from_row,
        )
    }

    /// Moves a ticket to a new state.
    pub fn set_ticket_state(&self, id: i64, state: TicketState) -> Result<(), StoreError> {
        let n = self.lock().execute(
            "UPDATE tickets SET state = ?1 WHERE id = ?2",
            params![state.as_str(), id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("ticket {id}")));
        }
        Ok(())
    }
}
