//! Hardship cases: a household in hardship (a seriously ill member, an accident, a loss of
//! income), the residents it concerns, the workers assigned, its notes and follow-ups, the
//! regular visits planned, and one balanced ledger from the first donation to the last
//! payment (`ledger.rs`), with relief applications to public schemes (`relief.rs`).
//!
//! A case is among the most sensitive records hearth keeps: only its assigned workers and the
//! coordinators and admins of its community see it (`visible`); anyone else — another
//! caseworker of the community included — gets `NotFound` by every route, and volunteers and
//! viewers may not work on cases at all. Every read is audited.

pub mod demo;
pub mod indicators;
pub mod ledger;
pub mod records;
pub mod relief;
mod rights;

use sea_orm::entity::prelude::StringLen;
use sea_orm::{ColumnTrait, DeriveActiveEnum, EntityTrait, EnumIter, PaginatorTrait, QueryFilter};

use crate::entity::{case, case_worker, household};
use crate::error::{CoreError, CoreResult};
use crate::policy::{self, Actor, Permission, Role};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

/// Hardship cases as a practice.
pub const PRACTICE: Practice = Practice {
    key: "cases",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// What brought the household into hardship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CaseCategory {
    Illness,
    Disability,
    Accident,
    LossOfIncome,
    Housing,
    ElderlyCare,
    Other,
}

impl Word for CaseCategory {
    const FLUENT: &'static str = "case-category";
}

/// A case's life: open → monitoring → resolved, or closed without resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Monitoring,
    Resolved,
    /// Closed without resolution.
    Closed,
}

impl Word for CaseStatus {
    const FLUENT: &'static str = "case-status";
}

impl CaseStatus {
    pub fn is_ended(self) -> bool {
        matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

/// Which way money moves in a case's ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Donation,
    /// Public relief received.
    Relief,
    /// Paid to the family.
    Payment,
    /// Given back to a donor.
    Returned,
    /// Moved to another case.
    TransferOut,
    /// Moved in from another case.
    TransferIn,
}

impl Word for Stream {
    const FLUENT: &'static str = "ledger-stream";
}

impl Stream {
    /// +1 for money in, −1 for money out.
    pub fn sign(self) -> i64 {
        match self {
            Stream::Donation | Stream::Relief | Stream::TransferIn => 1,
            Stream::Payment | Stream::Returned | Stream::TransferOut => -1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Cash,
    Transfer,
}

impl Word for Method {
    const FLUENT: &'static str = "money-method";
}

/// A relief application's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pending,
    Approved,
    Rejected,
}

impl Word for Decision {
    const FLUENT: &'static str = "relief-decision";
}

crate::word::display_as_word!(CaseCategory, CaseStatus, Stream, Method, Decision);

/// Whether the actor may see a case: coordinators and admins of its community, and the
/// workers assigned to it.
pub async fn visible(store: &Store, actor: &Actor, c: &case::Model) -> CoreResult<bool> {
    if !policy::allows(actor.role, Permission::WorkCases) || !actor.sees_community(c.community_id) {
        return Ok(false);
    }
    Ok(match actor.role {
        Role::Admin | Role::Coordinator => true,
        _ => match actor.user_id {
            Some(u) => {
                case_worker::Entity::find()
                    .filter(case_worker::Column::CaseId.eq(c.id))
                    .filter(case_worker::Column::UserId.eq(u))
                    .count(store.conn())
                    .await?
                    > 0
            }
            None => false,
        },
    })
}

/// A case the actor may see, or `NotFound` (never telling which). Not audited: callers
/// audit what they show.
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<case::Model> {
    actor.require(Permission::WorkCases)?;
    let c = case::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !visible(store, actor, &c).await? {
        return Err(CoreError::NotFound);
    }
    Ok(c)
}

/// The household timeline: the cases the actor may see (opened, resolved or closed). Money
/// and notes stay on the case's own page.
fn timeline<'a>(store: &'a Store, actor: &'a Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        if !policy::allows(actor.role, Permission::WorkCases) {
            return Ok(out);
        }
        for c in records::of_household(store, actor, h.id).await? {
            let rec = RecordRef::new(EntityKind::Case, c.id);
            out.push(Event::new(c.opened_on, "case_opened").summary(c.category.word()).record(rec));
            if let Some(d) = c.resolved_on {
                out.push(Event::new(d, "case_resolved").record(rec));
            }
            if let Some(d) = c.closed_on {
                out.push(Event::new(d, "case_closed").record(rec));
            }
        }
        Ok(out)
    })
}
