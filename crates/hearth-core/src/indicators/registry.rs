//! Registry indicators: households and residents as of the end of a period, consent in
//! force, moves in and out during it.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};

use super::{BoxFut, Dims, Indicator, RecordPage, Rollup, Scope, Timing, Unit};
use crate::error::CoreResult;
use crate::store::Store;

pub fn indicators() -> Vec<Indicator> {
    let ind = |key, timing, values, records| Indicator {
        key,
        practice: "registry",
        unit: Unit::Count,
        dimensions: &[],
        rollup: Rollup::Sum,
        timing,
        values: Some(values),
        records: Some(records),
    };
    vec![
        ind("households", Timing::AsOfEnd, households_values, households_records),
        ind("residents", Timing::AsOfEnd, residents_values, residents_records),
        ind("households_with_consent", Timing::AsOfEnd, consent_values, consent_records),
        ind("households_moved_in", Timing::WithinPeriod, moved_in_values, moved_in_records),
        ind("households_moved_out", Timing::WithinPeriod, moved_out_values, moved_out_records),
    ]
}

fn h(col: &'static str) -> Expr {
    Expr::col((Alias::new("h"), Alias::new(col)))
}

/// Households living in the scope's communities at the end of the period: moved in by then
/// (or, with no moved-in date, known to the team by then), and not moved out by then.
fn present_at_end(scope: &Scope) -> Cond {
    Cond::all()
        .add(h("community_id").is_in(scope.communities.clone()))
        .add(
            Cond::any()
                .add(h("moved_in_on").lte(scope.to))
                .add(Cond::all().add(h("moved_in_on").is_null()).add(h("created_at").lt(scope.end_exclusive()))),
        )
        .add(Cond::any().add(h("moved_out_on").is_null()).add(h("moved_out_on").gt(scope.to)))
}

fn consent_in_force(scope: &Scope) -> SelectStatement {
    Query::select()
        .column((Alias::new("c"), Alias::new("household_id")))
        .from_as(Alias::new("consents"), Alias::new("c"))
        .and_where(Expr::col((Alias::new("c"), Alias::new("community_id"))).is_in(scope.communities.clone()))
        .and_where(Expr::col((Alias::new("c"), Alias::new("given_on"))).lte(scope.to))
        .cond_where(
            Cond::any()
                .add(Expr::col((Alias::new("c"), Alias::new("withdrawn_on"))).is_null())
                .add(Expr::col((Alias::new("c"), Alias::new("withdrawn_on"))).gt(scope.to)),
        )
        .to_owned()
}

fn moved_between(col: &'static str, scope: &Scope) -> Cond {
    Cond::all()
        .add(h("community_id").is_in(scope.communities.clone()))
        .add(h(col).gte(scope.from))
        .add(h(col).lte(scope.to))
}

fn households_from() -> SelectStatement {
    Query::select().from_as(Alias::new("households"), Alias::new("h")).to_owned()
}

fn count_households(cond: Cond) -> SelectStatement {
    households_from().expr(Func::count(h("id"))).cond_where(cond).to_owned()
}

/// A keyset page of households matching `cond`, as drill-down records.
async fn household_page(
    store: &Store,
    cond: Cond,
    date_col: &'static str,
    after: Option<i64>,
    limit: u64,
) -> CoreResult<RecordPage> {
    let mut q = households_from();
    q.expr(h("id")).expr(h("community_id")).expr(h("code")).expr(h(date_col)).cond_where(cond);
    if let Some(a) = after {
        q.and_where(h("id").gt(a));
    }
    q.order_by_expr(h("id"), Order::Asc).limit(limit + 1);
    let rows = store.conn().query_all(&q).await?;
    super::record_page(rows, limit, "/households")
}

fn households_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_households(present_at_end(scope))).await })
}

fn households_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { household_page(store, present_at_end(scope), "moved_in_on", after, limit).await })
}

fn residents_join() -> SelectStatement {
    Query::select()
        .from_as(Alias::new("residents"), Alias::new("r"))
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            Alias::new("households"),
            Alias::new("h"),
            h("id").equals((Alias::new("r"), Alias::new("household_id"))),
        )
        .to_owned()
}

fn residents_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move {
        let q = residents_join()
            .expr(Func::count(Expr::col((Alias::new("r"), Alias::new("id")))))
            .cond_where(present_at_end(scope))
            .to_owned();
        super::scalar(store, q).await
    })
}

fn residents_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move {
        let r = |c: &'static str| Expr::col((Alias::new("r"), Alias::new(c)));
        let mut q = residents_join();
        q.expr(r("id"))
            .expr(r("community_id"))
            .expr(r("full_name"))
            .expr(h("moved_in_on"))
            .cond_where(present_at_end(scope));
        if let Some(a) = after {
            q.and_where(r("id").gt(a));
        }
        q.order_by_expr(r("id"), Order::Asc).limit(limit + 1);
        let rows = store.conn().query_all(&q).await?;
        super::record_page(rows, limit, "/residents")
    })
}

fn consent_cond(scope: &Scope) -> Cond {
    Cond::all().add(h("id").in_subquery(consent_in_force(scope)))
}

fn consent_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_households(consent_cond(scope))).await })
}

fn consent_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { household_page(store, consent_cond(scope), "moved_in_on", after, limit).await })
}

fn moved_in_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_households(moved_between("moved_in_on", scope))).await })
}

fn moved_in_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(
        async move { household_page(store, moved_between("moved_in_on", scope), "moved_in_on", after, limit).await },
    )
}

fn moved_out_values<'a>(store: &'a Store, scope: &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>> {
    Box::pin(async move { super::scalar(store, count_households(moved_between("moved_out_on", scope))).await })
}

fn moved_out_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(
        async move { household_page(store, moved_between("moved_out_on", scope), "moved_out_on", after, limit).await },
    )
}
