//! A household's timeline: what happened to and for a household, newest first, gathered
//! from every practice that records something about it.
//!
//! Each practice contributes one provider function that turns its own records into
//! `Event`s; `for_household` calls them all. A practice added later (visits, attendance,
//! placements, cases, pair contacts, service requests) writes its provider next to its
//! records and adds one line to `for_household` — the page and the sorting need no change.
//!
//! Events carry a stable `kind` key, not prose, so the page can say it in the reader's
//! language, and a `summary` holding only facts the household page already shows: the
//! timeline must not become a side door to data the reader's role would not otherwise see.

use chrono::{DateTime, NaiveDate, Utc};

use crate::entity::household;
use crate::error::CoreResult;
use crate::policy::{self, Actor, Permission, PersonView};
use crate::registry::{consent, residents};
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
    /// Where the full record is, if it has a page.
    pub link: Option<String>,
}

impl Event {
    fn new(on: NaiveDate, kind: &'static str) -> Event {
        Event { on, at: None, kind, summary: String::new(), link: None }
    }
}

/// Every event the actor may see for a household the caller has already loaded, newest
/// first. The scope check is repeated here so no caller can leak a timeline by passing a
/// record it fetched for another purpose.
pub async fn for_household(store: &Store, actor: &Actor, household: &household::Model) -> CoreResult<Vec<Event>> {
    actor.require(Permission::ViewPeople)?;
    policy::household_in_scope(store, actor, household.id, household.community_id).await?;
    let mut events = Vec::new();
    // One line per practice.
    events.extend(registry(store, actor, household).await?);
    events.extend(crate::visits::timeline(store, actor, household).await?);
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

/// The registry's part: moving in and out, members joining the record, consent given and
/// withdrawn. Consent records are not shown to roles with a contact-only view of people
/// (volunteers), so their events are left out for them too.
async fn registry(store: &Store, actor: &Actor, h: &household::Model) -> CoreResult<Vec<Event>> {
    let mut out = Vec::new();
    if let Some(on) = h.moved_in_on {
        out.push(Event { summary: h.code.clone(), ..Event::new(on, "household_moved_in") });
    }
    if let Some(on) = h.moved_out_on {
        out.push(Event { summary: h.code.clone(), ..Event::new(on, "household_moved_out") });
    }
    for r in residents::of_household(store, actor, h).await? {
        out.push(Event {
            at: Some(r.created_at),
            summary: r.full_name.clone(),
            link: Some(format!("/residents/{}", r.id)),
            ..Event::new(r.created_at.date_naive(), "resident_added")
        });
    }
    if policy::person_view(actor) == PersonView::Full {
        for c in consent::of_household(store, h.id).await? {
            let link = Some(format!("#consent-{}", c.id));
            if let Some(on) = c.withdrawn_on {
                out.push(Event {
                    summary: c.given_by.clone(),
                    link: link.clone(),
                    ..Event::new(on, "consent_withdrawn")
                });
            }
            out.push(Event { summary: c.given_by, link, ..Event::new(c.given_on, "consent_given") });
        }
    }
    Ok(out)
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
            Event { at: Some(morning), ..Event::new(d("2020-05-01"), "resident_added") },
            Event::new(d("2021-03-01"), "consent_withdrawn"),
            Event { at: Some(evening), ..Event::new(d("2020-05-01"), "resident_added") },
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
