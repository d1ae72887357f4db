//! Service requests: a household's request to a utility or service — a cable TV hookup, an
//! internet line, a water or power account, repairs, documents, a school place — with the
//! provider it went to and its status (open, passed to the provider, resolved, cannot
//! resolve) with the day of each step and the worker's notes (`hearth_core::notes`, the one
//! log mechanism, written with each status change).
//!
//! A team often opens the same request for many households at once (every flat of a new
//! building needs its cable hookup), so requests are opened for one household, for a
//! building, for a list of households or for every household present, and resolved many at
//! once from a filtered list (`records::bulk_open`, `records::bulk_resolve`): each bulk action
//! is one transaction and one audit row listing its records. The kinds are each community's
//! own (`kinds`), with stable keys the figures are grouped by.
//!
//! Requests are the team's work for a household, never a mark against it: the coverage
//! figure's drill-down lists the households still without one as a plan of work.

pub mod demo;
pub mod import;
pub mod indicators;
pub mod kinds;
pub mod records;
mod rights;

use sea_orm::entity::prelude::StringLen;
use sea_orm::{DeriveActiveEnum, EntityTrait, EnumIter};

use crate::entity::{household, request};
use crate::error::{CoreError, CoreResult};
use crate::policy::{self, Actor, Permission};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

/// Service requests as a practice.
pub const PRACTICE: Practice = Practice {
    key: "requests",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[&import::REQUESTS],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// Where a request stands: open → passed to the provider → resolved, or found impossible to
/// resolve. A closed request does not change again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    PassedToProvider,
    Resolved,
    CannotResolve,
}

impl Word for RequestStatus {
    const FLUENT: &'static str = "request-status";
}

impl RequestStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, RequestStatus::Resolved | RequestStatus::CannotResolve)
    }
}

impl std::fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.word())
    }
}

/// A request the actor may see (its community is theirs), or `NotFound`. Not audited:
/// callers audit what they show.
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<request::Model> {
    actor.require(Permission::TrackRequests)?;
    let r = request::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(r.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(r)
}

/// The household timeline: each request opened, passed to its provider and closed.
fn timeline<'a>(store: &'a Store, actor: &'a Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        if !policy::allows(actor.role, Permission::TrackRequests) {
            return Ok(out);
        }
        for r in records::of_household(store, actor, h, false).await? {
            let rec = RecordRef::new(EntityKind::ServiceRequest, r.id);
            out.push(Event::new(r.opened_on, "request_opened").summary(r.description.clone()).record(rec));
            if let Some(d) = r.passed_on {
                out.push(Event::new(d, "request_passed").summary(r.provider.clone().unwrap_or_default()).record(rec));
            }
            if let Some(d) = r.resolved_on {
                let kind =
                    if r.status == RequestStatus::Resolved { "request_resolved" } else { "request_cannot_resolve" };
                out.push(Event::new(d, kind).record(rec));
            }
        }
        Ok(out)
    })
}
