//! Planning visits: households not visited since a day. This is a service plan for the
//! team ("who have we not been to lately?"), never a mark against a household.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};

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
