//! Optimistic concurrency: two people saving one record never silently overwrite each
//! other. A record's version is its `updated_at` to the microsecond (every change sets it,
//! under the row lock); a form carries the version it was opened at and the API answers an
//! `ETag` and honours `If-Match`. A save whose version is no longer current is refused with
//! `changed_meanwhile`, checked against the row as it is under the write lock, and nothing
//! is written.

use crate::entity::Timestamp;
use crate::error::{CoreError, CoreResult};

/// The version token of a record last changed at `updated_at`.
pub fn of(updated_at: &Timestamp) -> String {
    updated_at.timestamp_micros().to_string()
}

/// `Ok` if no version was given (the caller did not ask) or it is the current one.
pub fn check(expected: Option<&str>, updated_at: &Timestamp) -> CoreResult<()> {
    match expected.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v != of(updated_at) => {
            Err(CoreError::Conflict { field: "version".into(), code: "changed_meanwhile" })
        }
        _ => Ok(()),
    }
}
