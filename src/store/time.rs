//! Timestamps as stored: shop-local `YYYY-MM-DD HH:MM:SS` text, portable across SQL databases.

use chrono::{NaiveDate, NaiveDateTime};

use super::StoreError;

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Formats a timestamp for the database.
pub fn format_datetime(t: NaiveDateTime) -> String {
    t.format(FORMAT).to_string()
}

/// Parses a stored timestamp.
pub fn parse_datetime(column: &'static str, s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, FORMAT).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_string(),
    })
}

/// Formats a day for the database.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Parses a stored day.
pub fn parse_date(column: &'static str, s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_string(),
    })
}
