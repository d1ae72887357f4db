//! Service request figures: requests opened and resolved in the period, the median days from
//! opening to resolution, and coverage by kind — households present at the period's end with
//! a resolved request of that kind, over all households present then (the registry's
//! `households`). Its drill-down lists every household present with "counted" yes/no, so the
//! team sees the households it has yet to help: a plan of work, never a mark against them.

use sea_orm::sea_query::{Cond, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::RequestStatus;
use crate::entity::{household, request};
use crate::indicators::count::within;
use crate::indicators::{Count, Dims, Indicator, Query, RecordPage, Row, Rows, Scope, Timing, col};
use crate::practice::BoxFut;
use crate::record::EntityKind;
use crate::registry::indicators::{households, present_at_end};
use crate::store::Store;
use crate::word::Word;

const PRACTICE: &str = "requests";

pub fn indicators() -> Vec<Indicator> {
    use request::Column as R;
    vec![
        Indicator::count(
            "requests_opened",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(requests(R::OpenedOn), |s| within(col(R::OpenedOn), s)),
        ),
        Indicator::count(
            "requests_resolved",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(requests(R::ResolvedOn), resolved_within),
        )
        .headline(),
        Indicator {
            query: Query::Custom { values: median_values, records: median_records },
            ..Indicator::count(
                "request_days_to_resolve",
                PRACTICE,
                Timing::WithinPeriod,
                Count::rows(requests(R::ResolvedOn), resolved_within),
            )
        },
        // The coverage numerator: households present at the end with a request of the kind
        // resolved by then (a household that has moved out counts in neither part).
        Indicator::count(
            "households_with_request_resolved",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(
                Rows::of::<request::Entity>(
                    EntityKind::ServiceRequest,
                    col(R::Id),
                    col(R::CommunityId),
                    col(household::Column::Code),
                    col(R::ResolvedOn),
                )
                .join::<household::Entity>(col(household::Column::Id), col(R::HouseholdId)),
                |s| {
                    present_at_end(s)
                        .add(col(R::Status).expr().eq(RequestStatus::Resolved.word()))
                        .add(col(R::ResolvedOn).expr().lte(s.to))
                },
            )
            .distinct(col(R::HouseholdId), households(household::Column::MovedInOn))
            .dim("request_kind", col(R::Kind)),
        ),
        Indicator {
            dimensions: vec!["request_kind"],
            ..Indicator::ratio(
                "request_coverage_pct",
                PRACTICE,
                Timing::AsOfEnd,
                "households_with_request_resolved",
                "households",
            )
        },
    ]
}

fn resolved_within(s: &Scope) -> Cond {
    within(col(request::Column::ResolvedOn), s)
        .add(col(request::Column::Status).expr().eq(RequestStatus::Resolved.word()))
}

/// Requests, listed by their household's code and dated by `on`.
fn requests(on: request::Column) -> Rows {
    use request::Column as R;
    Rows::of::<request::Entity>(
        EntityKind::ServiceRequest,
        col(R::Id),
        col(R::CommunityId),
        col(household::Column::Code),
        col(on),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(R::HouseholdId))
    .detail("request_kind", |_| col(R::Kind).expr())
    .detail("provider", |_| col(R::Provider).expr())
    .detail("opened_on", |_| col(R::OpenedOn).expr())
    .detail("resolved_on", |_| col(R::ResolvedOn).expr())
}

/// The median of whole days from opening to resolution over the requests resolved in the
/// period (the mean of the middle two, rounded down, for an even number); per community when
/// grouped. Only the two dates are read.
fn median_values<'a>(store: &'a Store, scope: &'a Scope, grouped: bool) -> BoxFut<'a, Vec<Row>> {
    Box::pin(async move {
        use sea_orm::QuerySelect;
        let rows: Vec<(i64, chrono::NaiveDate, Option<chrono::NaiveDate>)> = request::Entity::find()
            .select_only()
            .column(request::Column::CommunityId)
            .column(request::Column::OpenedOn)
            .column(request::Column::ResolvedOn)
            .filter(request::Column::CommunityId.is_in(scope.communities.clone()))
            .filter(request::Column::Status.eq(RequestStatus::Resolved))
            .filter(request::Column::ResolvedOn.gte(scope.from))
            .filter(request::Column::ResolvedOn.lte(scope.to))
            .into_tuple()
            .all(store.conn())
            .await?;
        let days = |c: Option<i64>| -> Vec<i64> {
            rows.iter()
                .filter(|r| c.is_none_or(|c| r.0 == c))
                .filter_map(|r| r.2.map(|d| (d - r.1).num_days()))
                .collect()
        };
        let mut out = Vec::new();
        if grouped {
            for c in &scope.communities {
                if let Some(m) = median(days(Some(*c))) {
                    out.push(Row { community: Some(*c), dims: Dims::new(), value: m });
                }
            }
        } else if let Some(m) = median(days(None)) {
            out.push(Row { community: None, dims: Dims::new(), value: m });
        }
        Ok(out)
    })
}

/// The middle of `days` (the mean of the middle two, rounded down), none for no days.
pub fn median(mut days: Vec<i64>) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    Some(if n % 2 == 1 { days[n / 2] } else { (days[n / 2 - 1] + days[n / 2]).div_euclid(2) })
}

/// The requests behind the median: those resolved in the period.
fn median_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    dims: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { crate::indicators::records(store, scope, "requests_resolved", dims, after, limit).await })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 10]), Some(3));
        assert_eq!(median(vec![2, 3]), Some(2));
    }
}
