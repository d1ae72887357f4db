//! The practices hearth knows, registered in one place.
//!
//! A practice (the registry, visits and follow-ups, classes, jobs, …) is one module under
//! `hearth-core/src/<word>/` that exports one `Practice` value. Everything shared that used
//! to be edited by hand for each new practice — the indicator catalogue, the household
//! timeline, the demo load — iterates `PRACTICES` instead, so adding a practice is one line
//! here (and one in `hearth-web/src/practice.rs`), and forgetting a part of it is a compile
//! error or an empty slot, never a silent gap somewhere else.

use std::future::Future;
use std::pin::Pin;

use sea_orm::DatabaseTransaction;

use crate::entity::household;
use crate::error::CoreResult;
use crate::indicators::Indicator;
use crate::policy::Actor;
use crate::store::Store;
use crate::timeline::Event;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = CoreResult<T>> + Send + 'a>>;

/// A practice's contribution to a household's timeline. The caller has checked that the
/// actor may see the household; the provider decides which of its own records the actor's
/// role may see.
pub type TimelineFn = for<'a> fn(&'a Store, &'a Actor, &'a household::Model) -> BoxFut<'a, Vec<Event>>;

/// A practice's part of the demo load, run in the demo's one transaction, in `PRACTICES`
/// order (so a practice can build on the records of those before it). It returns short
/// facts for the load's one audit row ("208 visits").
pub type DemoFn = for<'a> fn(&'a DatabaseTransaction, &'a mut DemoContext) -> BoxFut<'a, Vec<String>>;

/// What the demo load knows while it runs; each practice's step may read it and add to it.
#[derive(Clone, Debug, Default)]
pub struct DemoContext {
    pub community_id: i64,
    /// Demo users who visit households and own work (coordinator first, then admin).
    pub team: Vec<i64>,
    pub coordinator: Option<i64>,
    pub volunteer: Option<i64>,
    /// The registry's households in plan order (filled by the registry's step).
    pub household_ids: Vec<i64>,
}

/// One practice, as the shared parts of the core see it.
#[derive(Clone, Copy)]
pub struct Practice {
    /// Stable key; also the indicators' `practice` and the export sheet's name.
    pub key: &'static str,
    pub indicators: fn() -> Vec<Indicator>,
    pub timeline: Option<TimelineFn>,
    pub demo: Option<DemoFn>,
    /// The spreadsheets it imports (see `import`): each a template of fields and a batch
    /// function that checks and writes rows.
    pub importers: &'static [&'static crate::import::Template],
    /// Its part of erasing people on request (see `rights`).
    pub erase: Option<EraseFn>,
    /// Its part of a resident's copy of their data (see `rights`).
    pub subject: Option<SubjectFn>,
}

/// Whom an erasure covers: these households and these residents (every member of an
/// erased household is in `residents` too).
#[derive(Clone, Debug, Default)]
pub struct Erasure {
    pub households: Vec<i64>,
    pub residents: Vec<i64>,
}

/// A practice's part of an erasure, run in the erasure's one transaction: it clears the
/// free text it holds about these people (notes, summaries, descriptions, names typed in)
/// and deletes their attachments, leaving in place every row and every non-identifying
/// column its indicators count, so past figures stay true. It returns short facts for the
/// audit entry ("4 visit notes cleared"), never personal values.
pub type EraseFn = for<'a> fn(&'a DatabaseTransaction, &'a Erasure) -> BoxFut<'a, Vec<String>>;

/// One part of what hearth holds about a resident, for their copy of their data.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SubjectSection {
    /// Stable key (`visits`, `attendance`, …): the page's heading is `subject-<key>`.
    pub key: &'static str,
    /// One object per record: field → value as stored (ids, dates, codes, text).
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// A practice's part of a resident's copy of their data: everything it holds about them or
/// about their household. The caller has checked that the actor may see the resident and
/// audits the copy.
pub type SubjectFn = for<'a> fn(&'a Store, &'a crate::entity::resident::Model) -> BoxFut<'a, Vec<SubjectSection>>;

impl std::fmt::Debug for Practice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Practice").field("key", &self.key).finish()
    }
}

/// Every practice, in report and timeline order. One line per practice.
pub const PRACTICES: &[Practice] = &[
    crate::registry::PRACTICE,
    crate::visits::PRACTICE,
    crate::programs::PRACTICE,
    crate::jobs::PRACTICE,
    crate::cases::PRACTICE,
    crate::pairs::PRACTICE,
    crate::requests::PRACTICE,
    crate::handbook::PRACTICE,
    crate::goals::PRACTICE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_indicators_belong_to_their_practice() {
        let mut keys: Vec<&str> = PRACTICES.iter().map(|p| p.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PRACTICES.len());
        for p in PRACTICES {
            for i in (p.indicators)() {
                assert_eq!(i.practice, p.key, "{} is declared by {}", i.key, p.key);
            }
        }
    }
}
