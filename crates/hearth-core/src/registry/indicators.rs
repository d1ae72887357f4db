//! Registry indicators: households and residents as of the end of a period, consent in
//! force, moves in and out during it.

use sea_orm::sea_query::{Cond, ExprTrait, Query, SelectStatement};

use crate::entity::{consent, household, resident};
use crate::indicators::count::within;
use crate::indicators::{Count, Indicator, Rows, Scope, Timing, col};
use crate::record::EntityKind;

const PRACTICE: &str = "registry";

pub fn indicators() -> Vec<Indicator> {
    use household::Column as H;
    vec![
        Indicator::count(
            "households",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(households(H::MovedInOn), present_at_end),
        )
        .headline(),
        Indicator::count("residents", PRACTICE, Timing::AsOfEnd, Count::rows(residents(), present_at_end)),
        Indicator::count(
            "households_with_consent",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(households(H::MovedInOn), |s| {
                Cond::all().add(col(H::Id).expr().in_subquery(consent_in_force(s)))
            }),
        ),
        Indicator::count(
            "households_moved_in",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(households(H::MovedInOn), |s| within(col(H::MovedInOn), s)),
        ),
        Indicator::count(
            "households_moved_out",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(households(H::MovedOutOn), |s| within(col(H::MovedOutOn), s)),
        ),
    ]
}

/// Households, listed by code and dated by `on`.
pub(crate) fn households(on: household::Column) -> Rows {
    use household::Column as H;
    Rows::of::<household::Entity>(EntityKind::Household, col(H::Id), col(H::CommunityId), col(H::Code), col(on))
        .detail("address", |_| col(H::Address).expr())
}

/// Residents with their household (whose presence decides whether they count).
fn residents() -> Rows {
    use resident::Column as R;
    Rows::of::<resident::Entity>(
        EntityKind::Resident,
        col(R::Id),
        col(R::CommunityId),
        col(R::FullName),
        col(household::Column::MovedInOn),
    )
    .join::<household::Entity>(col(household::Column::Id), col(R::HouseholdId))
    .detail("household", |_| col(household::Column::Code).expr())
}

/// Households living in the scope's communities at the end of the period: moved in by then
/// (or, with no moved-in date, known to the team by then), and not moved out by then.
pub(crate) fn present_at_end(scope: &Scope) -> Cond {
    use household::Column as H;
    Cond::all()
        .add(Cond::any().add(col(H::MovedInOn).expr().lte(scope.to)).add(
            Cond::all().add(col(H::MovedInOn).expr().is_null()).add(col(H::CreatedAt).expr().lt(scope.end_exclusive())),
        ))
        .add(Cond::any().add(col(H::MovedOutOn).expr().is_null()).add(col(H::MovedOutOn).expr().gt(scope.to)))
}

fn consent_in_force(scope: &Scope) -> SelectStatement {
    use consent::Column as C;
    Query::select()
        .expr(col(C::HouseholdId).expr())
        .from(consent::Entity)
        .cond_where(
            Cond::all()
                .add(col(C::CommunityId).expr().is_in(scope.communities.clone()))
                .add(col(C::GivenOn).expr().lte(scope.to))
                .add(
                    Cond::any().add(col(C::WithdrawnOn).expr().is_null()).add(col(C::WithdrawnOn).expr().gt(scope.to)),
                ),
        )
        .to_owned()
}
