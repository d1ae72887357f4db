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
}

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
