//! Employment help: the employers a team works with (and its contact log with them),
//! referral agreements, job openings, job fairs, referrals of residents to openings with
//! their dated steps, placements, and the retention check-ins at 3 and 6 months.
//!
//! The resident's own choices are recorded as theirs (declined an offer, with the reason if
//! they gave one; left a job). Nothing here scores or ranks people: the matching aid
//! (`openings::matches`) is a filtered list with the reason each resident is on it, for the
//! caseworker, and success figures are ratios over what was actually attempted (referrals
//! made, check-ins reached), never over final outcomes alone.

pub mod demo;
pub mod employers;
pub mod fairs;
pub mod import;
pub mod indicators;
pub mod openings;
pub mod placements;
mod rights;

use sea_orm::entity::prelude::StringLen;
use sea_orm::{DeriveActiveEnum, EntityTrait, EnumIter, PrimaryKeyTrait};

use crate::entity::{community, household};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{self, Actor, Permission};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

/// Employment help as a practice.
pub const PRACTICE: Practice = Practice {
    key: "jobs",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[&import::PLACEMENTS],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// Whether an opening is still taking people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OpeningStatus {
    Open,
    Closed,
}

impl Word for OpeningStatus {
    const FLUENT: &'static str = "opening-status";
}

/// A dated step of a referral. `Declined` is the resident's own choice (with their reason,
/// if they gave one); `NotSelected` is the employer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReferralStep {
    Interview,
    Offer,
    Declined,
    NotSelected,
    Placed,
}

impl Word for ReferralStep {
    const FLUENT: &'static str = "referral-step";
}

impl ReferralStep {
    /// After these nothing follows.
    pub fn is_final(self) -> bool {
        matches!(self, ReferralStep::Declined | ReferralStep::NotSelected | ReferralStep::Placed)
    }

    /// Its kind of event on the household timeline.
    pub fn timeline_kind(self) -> &'static str {
        match self {
            ReferralStep::Interview => "referral_interview",
            ReferralStep::Offer => "referral_offer",
            ReferralStep::Declined => "referral_declined",
            ReferralStep::NotSelected => "referral_not_selected",
            ReferralStep::Placed => "referral_placed",
        }
    }
}

/// How a resident came to the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PlacedVia {
    Fair,
    Referral,
    /// The resident's own search, helped by the team.
    OwnSearch,
}

impl Word for PlacedVia {
    const FLUENT: &'static str = "placed-via";
}

/// Why a placement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The resident's own choice.
    ResidentLeft,
    ContractEnded,
    Dismissed,
    Other,
}

impl Word for EndReason {
    const FLUENT: &'static str = "end-reason";
}

crate::word::display_as_word!(OpeningStatus, ReferralStep, PlacedVia, EndReason);

/// A record that belongs to one community (the scope check of every read).
pub trait InCommunity {
    fn community_id(&self) -> i64;
}

macro_rules! in_community {
    ($($m:ident),*) => {$(
        impl InCommunity for crate::entity::$m::Model {
            fn community_id(&self) -> i64 {
                self.community_id
            }
        }
    )*};
}
in_community!(employer, agreement, opening, job_fair, referral, placement, check_in);

/// One of this practice's records by id, if the actor may work on jobs in its community;
/// `NotFound` otherwise (never telling which).
pub async fn load<E>(store: &Store, actor: &Actor, id: i64) -> CoreResult<E::Model>
where
    E: EntityTrait,
    E::Model: InCommunity,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    actor.require(Permission::HelpIntoWork)?;
    let m = E::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(m.community_id()) {
        return Err(CoreError::NotFound);
    }
    Ok(m)
}

/// A referenced record for a new one: `Some` if it exists in `community_id` (else the field
/// is named with `code`), `None` if none was given.
pub(crate) async fn referenced<E>(
    store: &Store,
    e: &mut FieldErrors,
    field: &str,
    code: &'static str,
    id: Option<i64>,
    community_id: Option<i64>,
) -> CoreResult<Option<E::Model>>
where
    E: EntityTrait,
    E::Model: InCommunity,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    let Some(id) = id else { return Ok(None) };
    let found = E::find_by_id(id).one(store.conn()).await?;
    match found {
        Some(m) if community_id.is_none_or(|c| c == m.community_id()) => Ok(Some(m)),
        _ => {
            e.add(field, code);
            Ok(None)
        }
    }
}

/// The community a new record goes to, by slug, among the actor's.
pub(crate) async fn community_field(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    slug: Option<&str>,
) -> CoreResult<Option<community::Model>> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => match crate::registry::communities::by_slug(store, actor, slug).await {
            Ok(c) => Ok(Some(c)),
            Err(CoreError::NotFound) => {
                e.add("community", "unknown_community");
                Ok(None)
            }
            Err(other) => Err(other),
        },
        None => {
            e.add("community", "required");
            Ok(None)
        }
    }
}

/// A whole number within `min..=max` (`required`: absent is an error).
pub(crate) fn whole(
    e: &mut FieldErrors,
    field: &str,
    v: Option<i64>,
    min: i64,
    max: i64,
    required: bool,
) -> Option<i64> {
    match v {
        None if required => {
            e.add(field, "required");
            None
        }
        None => None,
        Some(n) if (min..=max).contains(&n) => Some(n),
        Some(_) => {
            e.add_arg(field, if min == 0 { "out_of_range_zero" } else { "out_of_range" }, max);
            None
        }
    }
}

/// The household timeline: its members' referrals (with their last step), placements (and
/// their end) and the check-ins recorded. People who may not do employment help see none.
fn timeline<'a>(store: &'a Store, actor: &'a Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        if !policy::allows(actor.role, Permission::HelpIntoWork) {
            return Ok(out);
        }
        for r in placements::referrals_of_household(store, h.id).await? {
            let rec = RecordRef::new(EntityKind::Referral, r.referral.id);
            out.push(
                Event::new(r.referral.referred_on, "referred")
                    .summary(format!("{} · {}", r.resident_name, r.employer_name))
                    .record(rec),
            );
            if let (Some(step), Some(on)) = (r.referral.outcome, r.referral.outcome_on) {
                out.push(
                    Event::new(on, step.timeline_kind())
                        .summary(format!("{} · {}", r.resident_name, r.employer_name))
                        .record(rec),
                );
            }
        }
        for p in placements::placements_of_household(store, h.id).await? {
            let rec = RecordRef::new(EntityKind::Placement, p.placement.id);
            out.push(
                Event::new(p.placement.started_on, "placed")
                    .summary(format!("{} · {} · {}", p.resident_name, p.employer_name, p.placement.job_title))
                    .record(rec),
            );
            if let Some(end) = p.placement.ended_on {
                out.push(
                    Event::new(end, "placement_ended")
                        .summary(format!(
                            "{} · {} · {}",
                            p.resident_name,
                            p.employer_name,
                            p.placement.end_reason.map(|r| r.word()).unwrap_or_default()
                        ))
                        .record(rec),
                );
            }
            for c in &p.check_ins {
                if let (Some(done), Some(employed), false) = (c.done_on, c.still_employed, c.by_end) {
                    out.push(
                        Event::new(done, if employed { "check_in_employed" } else { "check_in_not_employed" })
                            .summary(format!("{} · {} · {} m", p.resident_name, p.employer_name, c.months))
                            .record(RecordRef::new(EntityKind::CheckIn, c.id)),
                    );
                }
            }
        }
        Ok(out)
    })
}

/// Splits a list as typed ("Uyghur, Mandarin", "维吾尔语、汉语") into its items.
pub fn items(v: Option<&str>) -> Vec<String> {
    v.unwrap_or_default()
        .split([',', '，', '、', ';', '；', '/', '\n'])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}
