//! Household visits and the follow-ups they open, tracked until resolved.
//!
//! A visit records who went to which household on which day and why; each need found on it
//! becomes a follow-up with an owner and a due date. Follow-ups can also be opened directly.
//! Every change to a follow-up is kept in `follow_up_history`. Coverage figures come from the
//! indicator catalogue (`indicators/visits.rs`); this module only adds the planning list of
//! households not visited recently, which is a list of records, not a figure.

pub mod coverage;
pub mod demo;
pub mod follow_ups;
pub mod import;
pub mod indicators;
pub mod records;
mod rights;

use sea_orm::entity::prelude::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

use crate::auth::users;
use crate::entity::{household, user};
use crate::error::CoreResult;
use crate::policy::{self, Permission, Role};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

pub use records::{NeedInput, VisitInput};

/// Visits and follow-ups as a practice.
pub const PRACTICE: Practice = Practice {
    key: "visits",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[&import::VISITS],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// Why a visit was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum VisitPurpose {
    Welcome,
    FollowUp,
    HardshipCheck,
    Other,
}

impl Word for VisitPurpose {
    const FLUENT: &'static str = "visit-purpose";
}

/// What a follow-up is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Jobs,
    Schooling,
    Health,
    Housing,
    Documents,
    Money,
    Language,
    Other,
}

impl Word for Category {
    const FLUENT: &'static str = "follow-up-category";
}

/// A follow-up's life: open → in_progress → resolved / cannot_resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    InProgress,
    Resolved,
    CannotResolve,
}

impl Word for FollowUpStatus {
    const FLUENT: &'static str = "follow-up-status";
}

crate::word::display_as_word!(VisitPurpose, Category, FollowUpStatus);

impl FollowUpStatus {
    /// Statuses that still need work (queues, overdue).
    pub const OPEN: [FollowUpStatus; 2] = [FollowUpStatus::Open, FollowUpStatus::InProgress];

    pub fn is_closed(self) -> bool {
        !FollowUpStatus::OPEN.contains(&self)
    }
}

/// May `user_id` be given work on this household: an enabled user who can work follow-ups
/// and who can see the household (its community; for a volunteer, a paired household)?
#[tracing::instrument(skip_all)]
pub async fn can_take(store: &Store, user_id: i64, h: &household::Model) -> CoreResult<Option<user::Model>> {
    let Some(u) = user::Entity::find_by_id(user_id).one(store.conn()).await? else {
        return Ok(None);
    };
    if u.disabled {
        return Ok(None);
    }
    let a = users::actor_for(store, &u).await?;
    if !policy::allows(a.role, Permission::WorkFollowUps) {
        return Ok(None);
    }
    if policy::household_in_scope(store, &a, h.id, h.community_id).await.is_err() {
        return Ok(None);
    }
    Ok(Some(u))
}

/// May `user_id` be named as a visitor: an enabled, non-viewer user of the household's
/// community (volunteers may go along on any visit in their community).
#[tracing::instrument(skip_all)]
pub async fn can_visit(store: &Store, user_id: i64, h: &household::Model) -> CoreResult<bool> {
    let Some(u) = user::Entity::find_by_id(user_id).one(store.conn()).await? else {
        return Ok(false);
    };
    Ok(!may_visit(store.conn(), h.community_id, vec![u]).await?.is_empty())
}

/// Those of `users` who may be named as visitors in a community (`can_visit`), with one
/// query for them all: an import asks once per batch, not once per row. An admin works in
/// every community (`users::actor_for`); anyone else in those they are linked to.
pub(crate) async fn may_visit<C: sea_orm::ConnectionTrait>(
    conn: &C,
    community_id: i64,
    users: Vec<user::Model>,
) -> CoreResult<Vec<user::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};

    use crate::entity::user_community;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut linked = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        for l in user_community::Entity::find()
            .filter(user_community::Column::CommunityId.eq(community_id))
            .filter(user_community::Column::UserId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            linked.insert(l.user_id);
        }
    }
    Ok(users
        .into_iter()
        .filter(|u| !u.disabled && policy::allows(u.role, Permission::WorkFollowUps))
        .filter(|u| u.role == Role::Admin || linked.contains(&u.id))
        .collect())
}

use sea_orm::EntityTrait;

/// Who may own a follow-up of household `h`, for the owner pickers of forms: those of
/// `people_of` that `can_take` it (a volunteer only where paired), so a form never offers
/// someone it would then refuse.
#[tracing::instrument(skip_all)]
pub async fn owners_for(store: &Store, h: &household::Model) -> CoreResult<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for p in people_of(store, h.community_id).await? {
        if can_take(store, p.0, h).await?.is_some() {
            out.push(p);
        }
    }
    Ok(out)
}

/// Users who can be given work or named as visitors in a community, for form pickers:
/// (id, display name, role).
#[tracing::instrument(skip_all)]
pub async fn people_of(store: &Store, community_id: i64) -> CoreResult<Vec<(i64, String, String)>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

    use crate::entity::user_community;
    let linked: Vec<i64> = user_community::Entity::find()
        .filter(user_community::Column::CommunityId.eq(community_id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|l| l.user_id)
        .collect();
    let all = user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .order_by_asc(user::Column::DisplayName)
        .all(store.conn())
        .await?;
    Ok(all
        .into_iter()
        .filter(|u| u.role != Role::Viewer && (u.role == Role::Admin || linked.contains(&u.id)))
        .map(|u| (u.id, u.display_name, u.role.as_str().to_owned()))
        .collect())
}

/// The timeline provider: visits made, follow-ups opened and closed. The caller
/// (`timeline::for_household`) has checked the household's scope. Volunteers do not see
/// visits, and see only the follow-ups they own.
fn timeline<'a>(store: &'a Store, actor: &'a crate::policy::Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        for (v, who) in records::of_household(store, actor, h).await? {
            out.push(
                Event::new(v.visited_on, "visit")
                    .summary(who.join(", "))
                    .record(RecordRef::new(EntityKind::Visit, v.id)),
            );
        }
        if policy::allows(actor.role, Permission::WorkFollowUps) {
            for f in follow_ups::of_household(store, actor, h).await? {
                let record = RecordRef::new(EntityKind::FollowUp, f.id);
                if let Some(on) = f.resolved_on {
                    let kind = if f.status == FollowUpStatus::Resolved {
                        "follow_up_resolved"
                    } else {
                        "follow_up_cannot_resolve"
                    };
                    out.push(Event::new(on, kind).summary(f.description.clone()).record(record));
                }
                out.push(Event::new(f.opened_on, "follow_up_opened").summary(f.description).record(record));
            }
        }
        Ok(out)
    })
}
