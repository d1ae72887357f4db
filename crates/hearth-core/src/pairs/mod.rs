//! Pairing: a helper — a team member, a volunteer (with or without a login), a partner unit's
//! member or a neighbour household — paired with a household for regular contact, and the
//! contacts made on the pair (`helpers.rs`, `records.rs`, `contacts.rs`).
//!
//! A pair has a contact cadence (weekly, fortnightly, monthly), read as **windows**: a weekly
//! pair is due each Monday–Sunday week, a monthly one each calendar month, a fortnightly one
//! each fortnight counted from the Monday of the week it started. A window is *kept* when a
//! contact in it reached someone; an attempt that reached no one is counted as an attempt and
//! keeps the pair due. Only whole windows the pair was active for are counted (missed, kept,
//! the share kept), so a pair that starts on a Wednesday is not behind for the days before,
//! and a pair that ends mid-window is not blamed for the days after; windows missed before it
//! ended stay in its history and in the figures.
//!
//! The cadence is the team's promise to a household, so what is overdue is the team's
//! work — shown to the helper and, at two windows, to the coordinator — never a mark against
//! the household.
//!
//! Access: volunteers see only the pairs they are the helper of (and, through the volunteer
//! rule in `policy`, only those households); other roles that see people see the pairs of
//! their communities; helpers and pairs are created, ended and reassigned by coordinators
//! (`ManagePairs`).

pub mod contacts;
pub mod demo;
pub mod helpers;
pub mod import;
pub mod indicators;
pub mod records;
mod rights;

use chrono::{Datelike, NaiveDate, TimeDelta};
use sea_orm::entity::prelude::StringLen;
use sea_orm::{ColumnTrait, DeriveActiveEnum, EntityTrait, EnumIter, QueryFilter, QueryOrder};

use crate::entity::{household, pair, pair_contact};
use crate::error::{CoreError, CoreResult};
use crate::policy::{self, Actor, Permission};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

/// Pairing as a practice.
pub const PRACTICE: Practice = Practice {
    key: "pairs",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[&import::PAIRS],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// Who a helper is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum HelperKind {
    /// A member of the team (a user).
    TeamMember,
    /// A volunteer, with a volunteer login or without one.
    Volunteer,
    /// A member of a partner unit (name, organisation, phone).
    PartnerMember,
    /// A neighbour household of the registry.
    Neighbour,
}

impl Word for HelperKind {
    const FLUENT: &'static str = "helper-kind";
}

/// How often a pair promises contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Weekly,
    Fortnightly,
    Monthly,
}

impl Word for Cadence {
    const FLUENT: &'static str = "pair-cadence";
}

/// How a contact was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ContactMode {
    Visit,
    Phone,
    Message,
}

impl Word for ContactMode {
    const FLUENT: &'static str = "contact-mode";
}

crate::word::display_as_word!(HelperKind, Cadence, ContactMode);

/// A contact window: its first and last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Window {
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub end: NaiveDate,
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or(day)
}

impl Cadence {
    /// The window of this cadence holding `day`, for a pair that started on `started_on`
    /// (fortnights count from the Monday of the week it started).
    pub fn window(self, started_on: NaiveDate, day: NaiveDate) -> Window {
        match self {
            Cadence::Weekly => {
                let start = monday_of(day);
                Window { start, end: start + TimeDelta::days(6) }
            }
            Cadence::Fortnightly => {
                let anchor = monday_of(started_on);
                let n = (day - anchor).num_days().div_euclid(14);
                let start = anchor + TimeDelta::days(14 * n);
                Window { start, end: start + TimeDelta::days(13) }
            }
            Cadence::Monthly => {
                let start = day.with_day(1).unwrap_or(day);
                Window { start, end: last_of_month(day) }
            }
        }
    }
}

/// The whole windows `p` was active for whose last day falls in `from..=to`, in order.
pub fn counted_windows(p: &pair::Model, from: NaiveDate, to: NaiveDate) -> Vec<Window> {
    let mut out = Vec::new();
    let last = match p.ended_on {
        Some(e) => e.min(to),
        None => to,
    };
    let mut w = p.cadence.window(p.started_on, p.started_on.max(from - TimeDelta::days(62)));
    if w.start < p.started_on {
        w = p.cadence.window(p.started_on, w.end + TimeDelta::days(1));
    }
    while w.end <= last {
        if w.end >= from && w.start >= p.started_on {
            out.push(w);
        }
        w = p.cadence.window(p.started_on, w.end + TimeDelta::days(1));
    }
    out
}

/// Where a pair stands on a day: due in the current window, how many whole windows before it
/// were missed in a row, the last contacts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// The window holding the day.
    pub window: Window,
    /// No contact has reached the household in this window yet (and the pair is active).
    pub due: bool,
    /// Whole windows in a row, just before this one, without a reached contact. 1 is
    /// overdue; 2 or more goes to the coordinator.
    pub missed: u32,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_reached: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_contact: Option<NaiveDate>,
}

/// `contacts`: (day, reached) of the pair's contacts, any order.
pub fn standing(p: &pair::Model, contacts: &[(NaiveDate, bool)], today: NaiveDate) -> Standing {
    let day = match p.ended_on {
        Some(e) if e < today => e,
        _ => today,
    };
    let window = p.cadence.window(p.started_on, day);
    let reached_in = |w: &Window| contacts.iter().any(|(d, r)| *r && *d >= w.start && *d <= w.end);
    let active = p.ended_on.is_none_or(|e| e >= today) && p.started_on <= today;
    let due = active && !reached_in(&window);
    let mut missed = 0;
    if active {
        let before = counted_windows(p, p.started_on, window.start - TimeDelta::days(1));
        for w in before.iter().rev() {
            if reached_in(w) {
                break;
            }
            missed += 1;
        }
    }
    Standing {
        window,
        due,
        missed,
        last_reached: contacts.iter().filter(|(_, r)| *r).map(|(d, _)| *d).max(),
        last_contact: contacts.iter().map(|(d, _)| *d).max(),
    }
}

/// Whether `actor` may see pair `p`: its community, and for a volunteer only their own pairs.
pub fn visible(actor: &Actor, p: &pair::Model) -> bool {
    policy::allows(actor.role, Permission::ContactPairs)
        && actor.sees_community(p.community_id)
        && (!actor.is_volunteer() || (p.helper_user_id.is_some() && p.helper_user_id == actor.user_id))
}

/// A pair the actor may see, or `NotFound`. Not audited: callers audit what they show.
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<pair::Model> {
    actor.require(Permission::ContactPairs)?;
    let p = pair::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !visible(actor, &p) {
        return Err(CoreError::NotFound);
    }
    Ok(p)
}

/// The household timeline: pairs started and ended, and contacts (a volunteer sees their own
/// pairs' only).
fn timeline<'a>(store: &'a Store, actor: &'a Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        if !policy::allows(actor.role, Permission::ContactPairs) {
            return Ok(out);
        }
        let pairs: Vec<pair::Model> = pair::Entity::find()
            .filter(pair::Column::HouseholdId.eq(h.id))
            .all(store.conn())
            .await?
            .into_iter()
            .filter(|p| visible(actor, p))
            .collect();
        let names = helpers::names_of_pairs(store, &pairs).await?;
        for p in &pairs {
            let rec = RecordRef::new(EntityKind::Pair, p.id);
            let who = names.get(&p.id).cloned().unwrap_or_default();
            out.push(Event::new(p.started_on, "pair_started").summary(who.clone()).record(rec));
            if let Some(d) = p.ended_on {
                out.push(Event::new(d, "pair_ended").summary(who).record(rec));
            }
        }
        let ids: Vec<i64> = pairs.iter().map(|p| p.id).collect();
        if !ids.is_empty() {
            for c in pair_contact::Entity::find()
                .filter(pair_contact::Column::PairId.is_in(ids))
                .order_by_asc(pair_contact::Column::Id)
                .all(store.conn())
                .await?
            {
                let kind = if c.reached { "pair_contact" } else { "pair_contact_attempt" };
                out.push(
                    Event::new(c.contacted_on, kind)
                        .summary(c.mode.word())
                        .record(RecordRef::new(EntityKind::Pair, c.pair_id)),
                );
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn pair(cadence: Cadence, started: NaiveDate, ended: Option<NaiveDate>) -> pair::Model {
        pair::Model {
            id: 1,
            community_id: 1,
            household_id: 1,
            helper_id: 1,
            helper_user_id: None,
            purpose: None,
            cadence,
            started_on: started,
            ended_on: ended,
            end_reason: None,
            created_by: None,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn windows_are_weeks_fortnights_from_the_start_and_months() {
        // 2016-04-03 is a Sunday.
        assert_eq!(
            Cadence::Weekly.window(d(2016, 4, 1), d(2016, 4, 3)),
            Window { start: d(2016, 3, 28), end: d(2016, 4, 3) }
        );
        assert_eq!(Cadence::Weekly.window(d(2016, 4, 1), d(2016, 4, 4)).start, d(2016, 4, 4));
        assert_eq!(
            Cadence::Fortnightly.window(d(2016, 4, 1), d(2016, 4, 10)),
            Window { start: d(2016, 3, 28), end: d(2016, 4, 10) }
        );
        assert_eq!(Cadence::Fortnightly.window(d(2016, 4, 1), d(2016, 4, 11)).start, d(2016, 4, 11));
        assert_eq!(
            Cadence::Monthly.window(d(2016, 1, 5), d(2016, 2, 10)),
            Window { start: d(2016, 2, 1), end: d(2016, 2, 29) }
        );
        assert_eq!(Cadence::Monthly.window(d(2016, 1, 5), d(2016, 12, 31)).end, d(2016, 12, 31));
    }

    #[test]
    fn only_whole_windows_of_an_active_pair_count() {
        // Started on a Friday: its first whole week is 4–10 April.
        let p = pair(Cadence::Weekly, d(2016, 4, 1), Some(d(2016, 4, 20)));
        let w = counted_windows(&p, d(2016, 4, 1), d(2016, 4, 30));
        assert_eq!(w.iter().map(|w| w.start).collect::<Vec<_>>(), vec![d(2016, 4, 4), d(2016, 4, 11)]);
        // A pair started on a Monday counts that week.
        let p = pair(Cadence::Weekly, d(2016, 4, 4), None);
        assert_eq!(counted_windows(&p, d(2016, 4, 1), d(2016, 4, 10)).len(), 1);
        assert_eq!(counted_windows(&p, d(2016, 4, 1), d(2016, 4, 9)).len(), 0);
    }

    #[test]
    fn attempts_keep_a_pair_due_and_misses_add_up() {
        let p = pair(Cadence::Weekly, d(2016, 4, 4), None);
        // Sunday 10 April reached; Monday 11 an attempt only; nothing in the weeks of 18 and 25.
        let contacts = [(d(2016, 4, 10), true), (d(2016, 4, 11), false)];
        let s = standing(&p, &contacts, d(2016, 4, 12));
        assert!(s.due);
        assert_eq!(s.missed, 0);
        let s = standing(&p, &contacts, d(2016, 4, 19));
        assert_eq!(s.missed, 1);
        let s = standing(&p, &contacts, d(2016, 5, 2));
        assert_eq!(s.missed, 3);
        assert_eq!(s.last_reached, Some(d(2016, 4, 10)));
        assert_eq!(s.last_contact, Some(d(2016, 4, 11)));
        // A reached contact this week: not due.
        let s = standing(&p, &[(d(2016, 4, 12), true)], d(2016, 4, 13));
        assert!(!s.due);
        // An ended pair is never due.
        let ended = pair(Cadence::Weekly, d(2016, 4, 4), Some(d(2016, 4, 6)));
        assert!(!standing(&ended, &[], d(2016, 5, 1)).due);
    }
}
