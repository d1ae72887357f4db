//! Hardship figures. Money is summed in integer fen from the ledger, whose reversing rows
//! carry the opposite amount, so a corrected donation counts for nothing; "held at the end"
//! is every row up to the period's last day.

use sea_orm::sea_query::{Cond, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{CaseStatus, Decision, Stream};
use crate::entity::{case, household, ledger_entry, relief_application};
use crate::indicators::count::within;
use crate::indicators::{Count, Dims, Indicator, Query, RecordPage, Row, Rows, Scope, Timing, Unit, col};
use crate::practice::BoxFut;
use crate::record::EntityKind;
use crate::store::Store;
use crate::word::Word;

const PRACTICE: &str = "cases";

pub fn indicators() -> Vec<Indicator> {
    let money = |key, timing, c: Count| Indicator::count(key, PRACTICE, timing, c).unit(Unit::CnyMinor).cases_only();
    vec![
        Indicator::count(
            "cases_opened",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(cases(), |s| within(col(case::Column::OpenedOn), s)),
        )
        .cases_only(),
        Indicator::count(
            "cases_resolved",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(cases(), |s| {
                within(col(case::Column::ResolvedOn), s)
                    .add(col(case::Column::Status).expr().eq(CaseStatus::Resolved.word()))
            }),
        )
        .cases_only(),
        Indicator {
            query: Query::Custom { values: median_values, records: median_records },
            ..Indicator::count(
                "median_days_to_resolve",
                PRACTICE,
                Timing::WithinPeriod,
                Count::rows(cases(), |_| Cond::all()),
            )
        }
        .cases_only(),
        money(
            "donations_raised",
            Timing::WithinPeriod,
            Count::rows(ledger(), |s| stream_in(s, Stream::Donation)).sum(col(ledger_entry::Column::Amount)),
        ),
        money(
            "relief_requested",
            Timing::WithinPeriod,
            Count::rows(relief(), |s| within(col(relief_application::Column::AppliedOn), s))
                .sum(col(relief_application::Column::Requested)),
        ),
        money(
            "relief_approved",
            Timing::WithinPeriod,
            Count::rows(relief(), |s| {
                within(col(relief_application::Column::DecidedOn), s)
                    .add(col(relief_application::Column::Decision).expr().eq(Decision::Approved.word()))
            })
            .sum(col(relief_application::Column::Approved)),
        ),
        money(
            "relief_received",
            Timing::WithinPeriod,
            Count::rows(ledger(), |s| stream_in(s, Stream::Relief)).sum(col(ledger_entry::Column::Amount)),
        ),
        money(
            "paid_to_families",
            Timing::WithinPeriod,
            Count::rows(ledger(), |s| stream_in(s, Stream::Payment)).sum(col(ledger_entry::Column::Amount)),
        ),
        money(
            "held_at_end",
            Timing::AsOfEnd,
            Count::rows(ledger(), |s| Cond::all().add(col(ledger_entry::Column::OnDate).expr().lte(s.to)))
                .sum(col(ledger_entry::Column::HeldDelta)),
        ),
    ]
}

fn stream_in(s: &Scope, stream: Stream) -> Cond {
    within(col(ledger_entry::Column::OnDate), s).add(col(ledger_entry::Column::Stream).expr().eq(stream.word()))
}

/// Cases, listed by their household's code.
fn cases() -> Rows {
    use case::Column as C;
    Rows::of::<case::Entity>(
        EntityKind::Case,
        col(C::Id),
        col(C::CommunityId),
        col(household::Column::Code),
        col(C::OpenedOn),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(C::HouseholdId))
    .detail("category", |_| col(C::Category).expr())
    .detail("status", |_| col(C::Status).expr())
}

/// Ledger rows, listed by their case's household code.
fn ledger() -> Rows {
    use ledger_entry::Column as L;
    Rows::of::<ledger_entry::Entity>(
        EntityKind::LedgerEntry,
        col(L::Id),
        col(L::CommunityId),
        col(household::Column::Code),
        col(L::OnDate),
    )
    .label_join::<case::Entity>(col(case::Column::Id), col(L::CaseId))
    .label_join::<household::Entity>(col(household::Column::Id), col(case::Column::HouseholdId))
    .detail("stream", |_| col(L::Stream).expr())
    .detail("amount", |_| col(L::Amount).expr())
    .detail("receipt_number", |_| col(L::ReceiptNumber).expr())
}

fn relief() -> Rows {
    use relief_application::Column as R;
    Rows::of::<relief_application::Entity>(
        EntityKind::ReliefApplication,
        col(R::Id),
        col(R::CommunityId),
        col(R::Scheme),
        col(R::AppliedOn),
    )
    .detail("agency", |_| col(R::Agency).expr())
    .detail("decision", |_| col(R::Decision).expr())
}

/// Median of whole days from opening to resolution (rounded down), over the cases resolved in
/// the period; per community when grouped.
fn median_values<'a>(store: &'a Store, scope: &'a Scope, grouped: bool) -> BoxFut<'a, Vec<Row>> {
    Box::pin(async move {
        let cases = case::Entity::find()
            .filter(case::Column::CommunityId.is_in(scope.communities.clone()))
            .filter(case::Column::Status.eq(CaseStatus::Resolved))
            .filter(case::Column::ResolvedOn.gte(scope.from))
            .filter(case::Column::ResolvedOn.lte(scope.to))
            .all(store.conn())
            .await?;
        let median = |mut days: Vec<i64>| -> Option<i64> {
            if days.is_empty() {
                return None;
            }
            days.sort_unstable();
            let n = days.len();
            Some(if n % 2 == 1 { days[n / 2] } else { (days[n / 2 - 1] + days[n / 2]) / 2 })
        };
        let days_of = |c: &case::Model| c.resolved_on.map(|r| (r - c.opened_on).num_days());
        let mut out = Vec::new();
        if grouped {
            for community in &scope.communities {
                let d: Vec<i64> = cases.iter().filter(|c| c.community_id == *community).filter_map(days_of).collect();
                if let Some(m) = median(d) {
                    out.push(Row { community: Some(*community), dims: Dims::new(), value: m });
                }
            }
        } else if let Some(m) = median(cases.iter().filter_map(days_of).collect()) {
            out.push(Row { community: None, dims: Dims::new(), value: m });
        }
        Ok(out)
    })
}

/// The cases behind the median: those resolved in the period.
fn median_records<'a>(
    store: &'a Store,
    scope: &'a Scope,
    dims: &'a Dims,
    after: Option<i64>,
    limit: u64,
) -> BoxFut<'a, RecordPage> {
    Box::pin(async move { crate::indicators::records(store, scope, "cases_resolved", dims, after, limit).await })
}
