//! Planning visits: households not visited since a day. This is a service plan for the
//! team ("who have we not been to lately?"), never a mark against a household.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::FollowUpStatus;
use crate::entity::follow_up;
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, ExprTrait, Func, Order, Query};

use crate::audit::{self, Entry};
use crate::error::{CoreError, CoreResult};
use crate::policy::{Actor, Permission};
use crate::registry::{Page, clamp_limit};
use crate::store::Store;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    pub household_id: i64,
    pub code: String,
    pub address: String,
    /// The last visit before `since`, if any.
    pub last_visited_on: Option<NaiveDate>,
}

fn col(t: &'static str, c: &'static str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(c)))
}

/// Households living in `community_id` (not moved out) with no visit on or after `since`,
/// by id (keyset). One anti-join probing `idx_visits_household_date` per household.
#[tracing::instrument(skip_all)]
pub async fn not_visited_since(
    store: &Store,
    actor: &Actor,
    community_id: i64,
    since: NaiveDate,
    after: Option<i64>,
    limit: Option<u64>,
) -> CoreResult<Page<PlanRow>> {
    actor.require(Permission::RecordVisits)?;
    if !actor.sees_community(community_id) {
        return Err(CoreError::NotFound);
    }
    let limit = clamp_limit(limit);
    let recent = Query::select()
        .expr(Expr::val(1))
        .from_as(Alias::new("visits"), Alias::new("v"))
        .and_where(col("v", "household_id").equals((Alias::new("h"), Alias::new("id"))))
        .and_where(col("v", "visited_on").gte(since))
        .to_owned();
    let last = Query::select()
        .expr(Func::max(col("v2", "visited_on")))
        .from_as(Alias::new("visits"), Alias::new("v2"))
        .and_where(col("v2", "household_id").equals((Alias::new("h"), Alias::new("id"))))
        .to_owned();
    let mut q = Query::select();
    q.expr(col("h", "id"))
        .expr(col("h", "code"))
        .expr(col("h", "address"))
        .expr_as(Expr::SubQuery(None, Box::new(last.into())), Alias::new("last_visited_on"))
        .from_as(Alias::new("households"), Alias::new("h"))
        .and_where(col("h", "community_id").eq(community_id))
        .and_where(col("h", "moved_out_on").is_null())
        .and_where(Expr::exists(recent).not());
    if let Some(a) = after {
        q.and_where(col("h", "id").gt(a));
    }
    q.order_by_expr(col("h", "id"), Order::Asc).limit(limit + 1);
    let rows = store.conn().query_all(&q).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows.iter().take(limit as usize) {
        items.push(PlanRow {
            household_id: r.try_get_by_index(0)?,
            code: r.try_get_by_index(1)?,
            address: r.try_get_by_index(2)?,
            last_visited_on: r.try_get_by_index::<Option<NaiveDate>>(3)?,
        });
    }
    let next_after = if rows.len() as u64 > limit { items.last().map(|r| r.household_id) } else { None };
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Household, None)
            .community(community_id)
            .summary(format!("not visited since {since}: {} rows", items.len()))
            .showed(items.iter().map(|r| RecordRef::new(EntityKind::Household, r.household_id))),
    )
    .await?;
    Ok(Page { items, next_after })
}

/// A place in the visit plan's order (never visited first, then longest since the last
/// visit, then by id): where the next page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanCursor {
    pub last_visited_on: Option<NaiveDate>,
    pub household_id: i64,
}

impl PlanCursor {
    /// As a page link carries it: `never.12` or `2016-03-04.12`.
    pub fn to_param(self) -> String {
        match self.last_visited_on {
            Some(d) => format!("{d}.{}", self.household_id),
            None => format!("never.{}", self.household_id),
        }
    }

    pub fn parse(s: &str) -> Option<PlanCursor> {
        let (when, id) = s.trim().rsplit_once('.')?;
        let household_id = id.parse().ok()?;
        let last_visited_on = match when {
            "never" => None,
            d => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?),
        };
        Some(PlanCursor { last_visited_on, household_id })
    }
}

/// Which households a visit plan lists.
#[derive(Clone, Debug, Default)]
pub struct PlanQuery {
    /// Only this community; all of the caller's when `None`.
    pub community_id: Option<i64>,
    /// Only this building (as written on the household).
    pub building: Option<String>,
    /// Only households where this worker owns an open follow-up ("my households").
    pub owner_user_id: Option<i64>,
    /// Households not visited on or after this day (never visited ones always).
    pub since: Option<NaiveDate>,
    pub after: Option<PlanCursor>,
    pub limit: Option<u64>,
}

/// One household in the plan, with what a worker needs at the door.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    pub household_id: i64,
    pub community_id: i64,
    pub code: String,
    pub address: String,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub last_visited_on: Option<NaiveDate>,
    /// The members' names, oldest record first.
    pub members: Vec<String>,
}

/// A page of the plan and how many households it has in all.
#[derive(Clone, Debug)]
pub struct Plan {
    pub total: u64,
    pub items: Vec<PlanEntry>,
    pub next: Option<PlanCursor>,
}

/// The visit plan: households still living here (not moved out) with no visit since
/// `since`, never-visited first, then the longest since the last visit. It is a plan for
/// the team's visits ("who have we not seen lately?"), never a mark against a household.
/// Keyset pages; the read is audited with the households it showed.
#[tracing::instrument(skip_all)]
pub async fn plan(store: &Store, actor: &Actor, q: &PlanQuery) -> CoreResult<Plan> {
    actor.require(Permission::RecordVisits)?;
    if let Some(c) = q.community_id
        && !actor.sees_community(c)
    {
        return Err(CoreError::NotFound);
    }
    let limit = clamp_limit(q.limit);
    let last = Query::select()
        .expr(Func::max(col("v", "visited_on")))
        .from_as(Alias::new("visits"), Alias::new("v"))
        .and_where(col("v", "household_id").equals((Alias::new("h"), Alias::new("id"))))
        .to_owned();
    let mut inner = Query::select();
    for c in ["id", "community_id", "code", "address", "building", "unit", "phone"] {
        inner.expr(col("h", c));
    }
    inner
        .expr_as(Expr::SubQuery(None, Box::new(last.into())), Alias::new("last_visited_on"))
        .from_as(Alias::new("households"), Alias::new("h"))
        .and_where(col("h", "moved_out_on").is_null());
    match (q.community_id, actor.community_filter()) {
        (Some(c), _) => {
            inner.and_where(col("h", "community_id").eq(c));
        }
        (None, Some(ids)) => {
            inner.and_where(col("h", "community_id").is_in(ids.to_vec()));
        }
        (None, None) => {}
    }
    if let Some(b) = q.building.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        inner.and_where(col("h", "building").eq(b));
    }
    if let Some(owner) = q.owner_user_id {
        let owned = Query::select()
            .column(follow_up::Column::HouseholdId)
            .from(follow_up::Entity)
            .and_where(follow_up::Column::OwnerUserId.eq(owner))
            .and_where(follow_up::Column::Status.is_in([FollowUpStatus::Open, FollowUpStatus::InProgress]))
            .to_owned();
        inner.and_where(col("h", "id").in_subquery(owned));
    }
    let t = |c: &'static str| col("t", c);
    let due = match q.since {
        Some(since) => Condition::any().add(t("last_visited_on").is_null()).add(t("last_visited_on").lt(since)),
        None => Condition::all(),
    };
    let mut count = Query::select();
    count.expr(Func::count(Expr::val(1))).from_subquery(inner.clone(), Alias::new("t")).cond_where(due.clone());
    let total: i64 = match store.conn().query_one(&count).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };

    let mut page = Query::select();
    page.column(Asterisk).from_subquery(inner, Alias::new("t")).cond_where(due);
    if let Some(c) = q.after {
        let after = match c.last_visited_on {
            None => Condition::any()
                .add(Condition::all().add(t("last_visited_on").is_null()).add(t("id").gt(c.household_id)))
                .add(t("last_visited_on").is_not_null()),
            Some(d) => Condition::all().add(t("last_visited_on").is_not_null()).add(
                Condition::any()
                    .add(t("last_visited_on").gt(d))
                    .add(Condition::all().add(t("last_visited_on").eq(d)).add(t("id").gt(c.household_id))),
            ),
        };
        page.cond_where(after);
    }
    let never_first = Expr::case(t("last_visited_on").is_null(), 0).finally(1);
    page.order_by_expr(never_first.into(), Order::Asc)
        .order_by_expr(t("last_visited_on"), Order::Asc)
        .order_by_expr(t("id"), Order::Asc)
        .limit(limit + 1);
    let rows = store.conn().query_all(&page).await?;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    for r in rows.iter().take(limit as usize) {
        items.push(PlanEntry {
            household_id: r.try_get("", "id")?,
            community_id: r.try_get("", "community_id")?,
            code: r.try_get("", "code")?,
            address: r.try_get("", "address")?,
            building: r.try_get("", "building")?,
            unit: r.try_get("", "unit")?,
            phone: r.try_get("", "phone")?,
            last_visited_on: r.try_get::<Option<NaiveDate>>("", "last_visited_on")?,
            members: Vec::new(),
        });
    }
    let ids: Vec<i64> = items.iter().map(|e| e.household_id).collect();
    let members = crate::registry::residents::members_of(store, &ids).await?;
    for e in &mut items {
        e.members = members.iter().filter(|(h, _, _)| *h == e.household_id).map(|(_, _, n)| n.clone()).collect();
    }
    let next = if rows.len() as u64 > limit {
        items.last().map(|e| PlanCursor { last_visited_on: e.last_visited_on, household_id: e.household_id })
    } else {
        None
    };
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Household, None)
            .community_of(items.iter().map(|e| e.community_id))
            .summary(format!("visit plan: {} of {total} rows", items.len()))
            .showed(items.iter().map(|e| RecordRef::new(EntityKind::Household, e.household_id)))
            // The plan shows each household's members by name.
            .showed(members.iter().map(|(_, id, _)| RecordRef::new(EntityKind::Resident, *id))),
    )
    .await?;
    Ok(Plan { total: u64::try_from(total).unwrap_or(0), items, next })
}
