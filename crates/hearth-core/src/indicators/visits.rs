//! Visit and follow-up indicators: visits made, households reached, coverage, follow-ups
//! opened, resolved, and overdue at the end of the period.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};

use super::{BoxFut, Dims, Indicator, RecordPage, Rollup, Scope, Timing, Unit};
use crate::error::CoreResult;
use crate::store::Store;

pub fn indicators() -> Vec<Indicator> {
    let ind = |key, rollup, timing, values, records| Indicator {
        key,
        practice: "visits",
        unit: Unit::Count,
        dimensions: &[],
        rollup,
        timing,
        values: Some(values),
        records: Some(records),
    };
    vec![
        ind("visits", Rollup::Sum, Timing::WithinPeriod, visits_values, visits_records),
        ind("households_visited", Rollup::DistinctCount, Timing::WithinPeriod, visited_values, visited_records),
        Indicator {
            key: "visit_coverage_pct",
            practice: "visits",
            unit: Unit::Percent,
            dimensions: &[],
            rollup: Rollup::Ratio { numerator: "households_visited", denominator: "households" },
            timing: Timing::WithinPeriod,
            values: None,
            records: None,
        },
        ind("follow_ups_opened", Rollup::Sum, Timing::WithinPeriod, opened_values, opened_records),
        ind("follow_ups_resolved", Rollup::Sum, Timing::WithinPeriod, resolved_values, resolved_records),
        ind("follow_ups_overdue", Rollup::Sum, Timing::AsOfEnd, overdue_values, overdue_records),
    ]
}

fn c(t: &'static str, col: &'static str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(col)))
}

/// Visits in the scope's communities and period (served by `idx_visits_community_date`).
fn visits_in(scope: &Scope) -> Cond {
    Cond::all()
        .add(c("v", "community_id").is_in(scope.communities.clone()))
        .add(c("v", "visited_on").gte(scope.from))
        .add(c("v", "visited_on").lte(scope.to))
}

fn visits_from() -> SelectStatement {
    Query::select().from_as(Alias::new("visits"), Alias::new("v")).to_owned()
}

/// Follow-ups joined to their household (for the drill-down label).
fn follow_ups_from() -> SelectStatement {
    Query::select()
        .from_as(Alias::new("follow_ups"), Alias::new("f"))
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            Alias::new("households"),
            Alias::new("h"),
            c("h", "id").equals((Alias::new("f"), Alias::new("household_id"))),
        )
        .to_owned()
}

fn in_communities(scope: &Scope) -> Cond {
    Cond::all().add(c("f", "community_id").is_in(scope.communities.clone()))
}

fn opened_in(scope: &Scope) -> Cond {
    in_communities(scope).add(c("f", "opened_on").gte(scope.from)).add(c("f", "opened_on").lte(scope.to))
}

fn resolved_in(scope: &Scope) -> Cond {
    in_communities(scope)
        .add(c("f", "status").eq("resolved"))
        .add(c("f", "resolved_on").gte(scope.from))
        .add(c("f", "resolved_on").lte(scope.to))
}

/// Due before the end of the period and not closed by then (closed later counts: it was
/// overdue at the end of this period).
fn overdue_at_end(scope: &Scope) -> Cond {
    in_communities(scope)
        .add(c("f", "opened_on").lte(scope.to))
        .add(c("f", "due_on").lt(scope.to))
        .add(Cond::any().add(c("f", "resolved_on").is_null()).add(c("f", "resolved_on").gt(scope.to)))
}

fn visits_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move {
        super::scalar(store, visits_from().expr(Func::count(c("v", "id"))).cond_where(visits_in(scope)).to_owned())
            .await
    })
}

fn visits_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move {
        let mut q = visits_from();
        q.expr(c("v", "id"))
            .expr(c("v", "community_id"))
            .expr(c("h", "code"))
            .expr(c("v", "visited_on"))
            .join_as(
                sea_orm::sea_query::JoinType::InnerJoin,
                Alias::new("households"),
                Alias::new("h"),
                c("h", "id").equals((Alias::new("v"), Alias::new("household_id"))),
            )
            .cond_where(visits_in(scope));
        if let Some(a) = after {
            q.and_where(c("v", "id").gt(a));
        }
        q.order_by_expr(c("v", "id"), Order::Asc).limit(limit + 1);
        super::record_page(store.conn().query_all(&q).await?, limit, "/visits")
    })
}

fn visited_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move {
        super::scalar(
            store,
            visits_from().expr(Func::count_distinct(c("v", "household_id"))).cond_where(visits_in(scope)).to_owned(),
        )
        .await
    })
}

fn visited_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move {
        let sub =
            visits_from().column((Alias::new("v"), Alias::new("household_id"))).cond_where(visits_in(scope)).to_owned();
        let mut q = Query::select();
        q.expr(c("h", "id"))
            .expr(c("h", "community_id"))
            .expr(c("h", "code"))
            .expr(c("h", "moved_in_on"))
            .from_as(Alias::new("households"), Alias::new("h"))
            .and_where(c("h", "id").in_subquery(sub));
        if let Some(a) = after {
            q.and_where(c("h", "id").gt(a));
        }
        q.order_by_expr(c("h", "id"), Order::Asc).limit(limit + 1);
        super::record_page(store.conn().query_all(&q).await?, limit, "/households")
    })
}

fn count_follow_ups(cond: Cond) -> SelectStatement {
    Query::select()
        .from_as(Alias::new("follow_ups"), Alias::new("f"))
        .expr(Func::count(c("f", "id")))
        .cond_where(cond)
        .to_owned()
}

async fn follow_up_page(
    store: &Store,
    cond: Cond,
    date_col: &'static str,
    after: Option<i64>,
    limit: u64,
) -> CoreResult<RecordPage> {
    let mut q = follow_ups_from();
    q.expr(c("f", "id")).expr(c("f", "community_id")).expr(c("h", "code")).expr(c("f", date_col)).cond_where(cond);
    if let Some(a) = after {
        q.and_where(c("f", "id").gt(a));
    }
    q.order_by_expr(c("f", "id"), Order::Asc).limit(limit + 1);
    super::record_page(store.conn().query_all(&q).await?, limit, "/follow-ups")
}

fn opened_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_follow_ups(opened_in(scope))).await })
}

fn opened_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { follow_up_page(store, opened_in(scope), "opened_on", after, limit).await })
}

fn resolved_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_follow_ups(resolved_in(scope))).await })
}

fn resolved_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { follow_up_page(store, resolved_in(scope), "resolved_on", after, limit).await })
}

fn overdue_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_follow_ups(overdue_at_end(scope))).await })
}

fn overdue_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { follow_up_page(store, overdue_at_end(scope), "due_on", after, limit).await })
}
