//! A household's timeline: what happened to and for a household, newest first, gathered
//! from every practice that records something about it.
//!
//! Each practice contributes one provider function that turns its own records into
//! `Event`s (its `Practice::timeline`); `for_household` calls them all, in `PRACTICES`
//! order. A practice added later (attendance, placements, cases, pair contacts, service
//! requests) writes its provider next to its records — the page and the sorting need no
//! change.
//!
//! Events carry a stable `kind` key, not prose, so the page can say it in the reader's
//! language, and a `summary` holding only facts the household page already shows: the
//! timeline must not become a side door to data the reader's role would not otherwise see.

use chrono::{DateTime, NaiveDate, Utc};

use crate::entity::household;
use crate::error::CoreResult;
use crate::policy::{self, Actor, Permission};
use crate::practice::PRACTICES;
use crate::record::RecordRef;
use crate::store::Store;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The calendar day it happened (what the team thinks in).
    pub on: NaiveDate,
    /// The exact moment, when the record has one; orders events within a day.
    pub at: Option<DateTime<Utc>>,
    /// Stable key (`household_moved_in`, `resident_added`, …); the UI translates
    /// `timeline-<kind>` and may style by it.
    pub kind: &'static str,
    /// Plain data to show beside the translated kind (a name, a code); no prose.
    pub summary: String,
    /// The record it is about, if it has a page (the web layer makes the link).
    pub record: Option<RecordRef>,
}

impl Event {
    pub fn new(on: NaiveDate, kind: &'static str) -> Event {
        Event { on, at: None, kind, summary: String::new(), record: None }
    }

    pub fn summary(mut self, s: impl Into<String>) -> Event {
        self.summary = s.into();
        self
    }

    pub fn record(mut self, r: RecordRef) -> Event {
        self.record = Some(r);
        self
    }

    pub fn at(mut self, at: DateTime<Utc>) -> Event {
        self.at = Some(at);
        self
    }
}

/// Every event the actor may see for a household the caller has already loaded, newest
/// first, from every practice's timeline provider. The scope check is repeated here so no
/// caller can leak a timeline by passing a record it fetched for another purpose.
#[tracing::instrument(skip_all)]
pub async fn for_household(store: &Store, actor: &Actor, household: &household::Model) -> CoreResult<Vec<Event>> {
    actor.require(Permission::ViewPeople)?;
    policy::household_in_scope(store, actor, household.id, household.community_id).await?;
    let mut events = Vec::new();
    for p in PRACTICES {
        if let Some(provider) = p.timeline {
            events.extend(provider(store, actor, household).await?);
        }
    }
    sort_newest_first(&mut events);
    Ok(events)
}

/// Newest first; within a day, timed events by time, and a stable order otherwise so the
/// page does not reshuffle between loads.
fn sort_newest_first(events: &mut [Event]) {
    events.sort_by(|a, b| {
        (b.on, b.at).cmp(&(a.on, a.at)).then_with(|| a.kind.cmp(b.kind)).then_with(|| a.summary.cmp(&b.summary))
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn newest_first_and_stable_within_a_day() {
        let morning = DateTime::parse_from_rfc3339("2020-05-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let evening = DateTime::parse_from_rfc3339("2020-05-01T18:00:00Z").unwrap().with_timezone(&Utc);
        let mut events = vec![
            Event::new(d("2019-01-01"), "household_moved_in"),
            Event::new(d("2020-05-01"), "resident_added").at(morning),
            Event::new(d("2021-03-01"), "consent_withdrawn"),
            Event::new(d("2020-05-01"), "resident_added").at(evening),
            Event::new(d("2020-05-01"), "consent_given"),
        ];
        sort_newest_first(&mut events);
        let order: Vec<_> = events.iter().map(|e| (e.on, e.at, e.kind)).collect();
        assert_eq!(
            order,
            vec![
                (d("2021-03-01"), None, "consent_withdrawn"),
                (d("2020-05-01"), Some(evening), "resident_added"),
                (d("2020-05-01"), Some(morning), "resident_added"),
                (d("2020-05-01"), None, "consent_given"),
                (d("2019-01-01"), None, "household_moved_in"),
            ]
        );
    }
}
