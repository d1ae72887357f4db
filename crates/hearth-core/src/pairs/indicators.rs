//! Pairing figures: pairs active and households paired in the period, contacts made (reached
//! and attempted), and the share of whole contact windows in which someone was reached.

use std::collections::HashMap;

use sea_orm::sea_query::{Cond, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::counted_windows;
use crate::entity::{household, pair, pair_contact};
use crate::indicators::count::within;
use crate::indicators::{Count, Dims, Indicator, Query, Record, RecordPage, Row, Rows, Scope, Timing, col};
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::registry::indicators::households;
use crate::store::Store;

const PRACTICE: &str = "pairs";

pub fn indicators() -> Vec<Indicator> {
    use pair::Column as P;
    use pair_contact::Column as C;
    vec![
        Indicator::count("pairs_active", PRACTICE, Timing::WithinPeriod, Count::rows(pairs(), active_in)),
        Indicator::count(
            "households_paired",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(pairs(), active_in).distinct(col(P::HouseholdId), households(household::Column::MovedInOn)),
        )
        .headline(),
        Indicator::count(
            "contacts_made",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(contacts(), |s| within(col(C::ContactedOn), s)),
        )
        .headline(),
        Indicator::count(
            "contacts_reached",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(contacts(), |s| within(col(C::ContactedOn), s).add(col(C::Reached).expr().eq(true))),
        ),
        Indicator {
            query: Query::Custom { values: window_values, records: window_records },
            ..Indicator::count("contact_windows", PRACTICE, Timing::WithinPeriod, Count::rows(pairs(), active_in))
        },
        Indicator {
            query: Query::Custom { values: kept_values, records: window_records },
            ..Indicator::count("contact_windows_kept", PRACTICE, Timing::WithinPeriod, Count::rows(pairs(), active_in))
        },
        Indicator::ratio(
            "contact_windows_kept_pct",
            PRACTICE,
            Timing::WithinPeriod,
            "contact_windows_kept",
            "contact_windows",
        ),
    ]
}

/// Pairs active on some day of the period.
fn active_in(s: &Scope) -> Cond {
    Cond::all().add(col(pair::Column::StartedOn).expr().lte(s.to)).add(
        Cond::any().add(col(pair::Column::EndedOn).expr().is_null()).add(col(pair::Column::EndedOn).expr().gte(s.from)),
    )
}

/// Pairs, listed by their household's code.
fn pairs() -> Rows {
    use pair::Column as P;
    Rows::of::<pair::Entity>(
        EntityKind::Pair,
        col(P::Id),
        col(P::CommunityId),
        col(household::Column::Code),
        col(P::StartedOn),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(P::HouseholdId))
    .detail("cadence", |_| col(P::Cadence).expr())
    .detail("ended_on", |_| col(P::EndedOn).expr())
}

/// Contacts, listed by their household's code.
fn contacts() -> Rows {
    use pair_contact::Column as C;
    Rows::of::<pair_contact::Entity>(
        EntityKind::PairContact,
        col(C::Id),
        col(C::CommunityId),
        col(household::Column::Code),
        col(C::ContactedOn),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(C::HouseholdId))
    .detail("mode", |_| col(C::Mode).expr())
    .detail("reached", |_| col(C::Reached).expr())
}

/// Per pair active in the period: (pair, whole windows ending in the period, those kept).
async fn windows(
    store: &Store,
    scope: &Scope,
    after: Option<i64>,
) -> crate::error::CoreResult<Vec<(pair::Model, u64, u64)>> {
    let mut find = pair::Entity::find()
        .filter(pair::Column::CommunityId.is_in(scope.communities.clone()))
        .filter(pair::Column::StartedOn.lte(scope.to))
        .filter(Cond::any().add(pair::Column::EndedOn.is_null()).add(pair::Column::EndedOn.gte(scope.from)));
    if let Some(a) = after {
        find = find.filter(pair::Column::Id.gt(a));
    }
    let rows = find.order_by_asc(pair::Column::Id).all(store.conn()).await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut reached: HashMap<i64, Vec<chrono::NaiveDate>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let r: Vec<(i64, chrono::NaiveDate)> = pair_contact::Entity::find()
            .select_only()
            .column(pair_contact::Column::PairId)
            .column(pair_contact::Column::ContactedOn)
            .filter(pair_contact::Column::PairId.is_in(chunk.to_vec()))
            .filter(pair_contact::Column::Reached.eq(true))
            .into_tuple()
            .all(store.conn())
            .await?;
        for (p, d) in r {
            reached.entry(p).or_default().push(d);
        }
    }
    Ok(rows
        .into_iter()
        .map(|p| {
            let ws = counted_windows(&p, scope.from, scope.to);
            let days = reached.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            let kept = ws.iter().filter(|w| days.iter().any(|d| *d >= w.start && *d <= w.end)).count() as u64;
            (p, ws.len() as u64, kept)
        })
        .filter(|(_, n, _)| *n > 0)
        .collect())
}

fn sum_rows(per_pair: &[(pair::Model, u64, u64)], scope: &Scope, grouped: bool, pick: fn(u64, u64) -> u64) -> Vec<Row> {
    let mut out = Vec::new();
    let total = |c: Option<i64>| -> i64 {
        per_pair
            .iter()
            .filter(|(p, _, _)| c.is_none_or(|c| p.community_id == c))
            .map(|(_, n, k)| pick(*n, *k) as i64)
            .sum()
    };
    if grouped {
        for c in &scope.communities {
            if per_pair.iter().any(|(p, _, _)| p.community_id == *c) {
                out.push(Row { community: Some(*c), dims: Dims::new(), value: total(Some(*c)) });
            }
        }
    } else {
        out.push(Row { community: None, dims: Dims::new(), value: total(None) });
    }
    out
}

fn window_values<'a>(store: &'a Store, scope: &'a Scope, grouped: bool) -> BoxFut<'a, Vec<Row>> {
    Box::pin(async move { Ok(sum_rows(&windows(store, scope, None).await?, scope, grouped, |n, _| n)) })
}

fn kept_values<'a>(store: &'a Store, scope: &'a Scope, grouped: bool) -> BoxFut<'a, Vec<Row>> {
    Box::pin(async move { Ok(sum_rows(&windows(store, scope, None).await?, scope, grouped, |_, k| k)) })
}

/// The pairs behind the window figures, each with its windows and those kept.
fn window_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    _dims: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move {
        let mut per = windows(store, scope, after).await?;
        let more = per.len() as u64 > limit;
        per.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let codes = crate::registry::households::code_map(store, per.iter().map(|(p, _, _)| p.household_id)).await?;
        let next_after = if more { per.last().map(|(p, _, _)| p.id) } else { None };
        Ok(RecordPage {
            items: per
                .into_iter()
                .map(|(p, n, k)| Record {
                    id: p.id,
                    community_id: p.community_id,
                    label: codes.get(&p.household_id).cloned().unwrap_or_default(),
                    on: Some(p.started_on),
                    record: RecordRef::new(EntityKind::Pair, p.id),
                    details: vec![("windows", Some(n.to_string())), ("windows_kept", Some(k.to_string()))],
                })
                .collect(),
            next_after,
        })
    })
}
