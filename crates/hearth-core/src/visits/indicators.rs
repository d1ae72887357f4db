//! Visit and follow-up indicators: visits made, households reached, coverage, follow-ups
//! opened, resolved, and overdue at the end of the period.

use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Query};

use super::FollowUpStatus;
use crate::entity::{follow_up, household, user, visit};
use crate::indicators::count::within;
use crate::indicators::{Count, Indicator, Rows, Scope, Timing, col};
use crate::record::EntityKind;
use crate::registry::indicators::households;
use crate::word::Word;

const PRACTICE: &str = "visits";

pub fn indicators() -> Vec<Indicator> {
    use follow_up::Column as F;
    use visit::Column as V;
    vec![
        Indicator::count("visits", PRACTICE, Timing::WithinPeriod, Count::rows(visits(), visits_in)),
        Indicator::count(
            "households_visited",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(visits(), visits_in).distinct(
                col(V::HouseholdId),
                households(household::Column::MovedInOn).detail("last_visit", last_visit),
            ),
        ),
        Indicator::ratio("visit_coverage_pct", PRACTICE, Timing::WithinPeriod, "households_visited", "households")
            .headline(),
        Indicator::count(
            "follow_ups_opened",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(follow_ups(F::OpenedOn), |s| within(col(F::OpenedOn), s)),
        ),
        Indicator::count(
            "follow_ups_resolved",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(follow_ups(F::ResolvedOn), |s| {
                within(col(F::ResolvedOn), s).add(col(F::Status).expr().eq(FollowUpStatus::Resolved.word()))
            }),
        )
        .headline(),
        Indicator::count(
            "follow_ups_overdue",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(follow_ups(F::DueOn), overdue_at_end),
        ),
    ]
}

/// Visits, listed by their household's code (served by `idx_visits_community_date`).
fn visits() -> Rows {
    use visit::Column as V;
    Rows::of::<visit::Entity>(
        EntityKind::Visit,
        col(V::Id),
        col(V::CommunityId),
        col(household::Column::Code),
        col(V::VisitedOn),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(V::HouseholdId))
}

/// A household's last visit up to the end of the period (the coverage list's column).
fn last_visit(scope: &Scope) -> Expr {
    use visit::Column as V;
    let q = Query::select()
        .expr(Func::max(Expr::col((visit::Entity, V::VisitedOn))))
        .from(visit::Entity)
        .and_where(Expr::col((visit::Entity, V::HouseholdId)).equals((household::Entity, household::Column::Id)))
        .and_where(Expr::col((visit::Entity, V::VisitedOn)).lte(scope.to))
        .to_owned();
    Expr::SubQuery(None, Box::new(q.into()))
}

fn visits_in(scope: &Scope) -> Cond {
    within(col(visit::Column::VisitedOn), scope)
}

/// Follow-ups, listed by their household's code and dated by `on`.
fn follow_ups(on: follow_up::Column) -> Rows {
    use follow_up::Column as F;
    Rows::of::<follow_up::Entity>(
        EntityKind::FollowUp,
        col(F::Id),
        col(F::CommunityId),
        col(household::Column::Code),
        col(on),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(F::HouseholdId))
    .left_join::<user::Entity>(col(user::Column::Id), col(F::OwnerUserId))
    .detail("description", |_| col(follow_up::Column::Description).expr())
    .detail("owner", |_| col(user::Column::DisplayName).expr())
    .detail("opened_on", |_| col(follow_up::Column::OpenedOn).expr())
    .detail("due_on", |_| col(follow_up::Column::DueOn).expr())
    .detail("resolved_on", |_| col(follow_up::Column::ResolvedOn).expr())
}

/// Due before the end of the period and not closed by then (closed later counts: it was
/// overdue at the end of this period).
fn overdue_at_end(scope: &Scope) -> Cond {
    use follow_up::Column as F;
    Cond::all()
        .add(col(F::OpenedOn).expr().lte(scope.to))
        .add(col(F::DueOn).expr().lt(scope.to))
        .add(Cond::any().add(col(F::ResolvedOn).expr().is_null()).add(col(F::ResolvedOn).expr().gt(scope.to)))
}
