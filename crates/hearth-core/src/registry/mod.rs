//! The household registry: communities, households, residents, consent.

pub mod communities;
pub mod consent;
pub mod demo;
pub mod households;
pub mod import;
pub mod indicators;
pub mod residents;
pub mod rights;
pub mod search;
mod timeline;

use crate::practice::Practice;

/// The registry as a practice: its indicators, its timeline events, and the demo's people.
pub const PRACTICE: Practice = Practice {
    key: "registry",
    indicators: indicators::indicators,
    timeline: Some(timeline::events),
    demo: Some(demo::step),
    importers: &[&import::HOUSEHOLDS, &import::RESIDENTS],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// A page of a keyset-paginated list: `next_after` is the `after` for the next page.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<i64>,
}

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

pub fn clamp_limit(limit: Option<u64>) -> u64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Splits a fetched `limit + 1` rows into a page.
pub fn page_of<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_after = if more { rows.last().map(&id) } else { None };
    Page { items: rows, next_after }
}
