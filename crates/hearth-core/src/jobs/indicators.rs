//! Employment figures. Success is always a ratio over what was attempted: the placement rate
//! is over referrals made, and retention at 3 and 6 months over the check-ins that were due,
//! reached and recorded (a call that reached no one counts in neither; a placement that
//! ended before its check-in counts as not employed there).

use sea_orm::sea_query::{Cond, ExprTrait};

use super::ReferralStep;
use crate::entity::{
    agreement, attendance, check_in, employer, fair_employer, job_fair, opening, placement, referral, resident,
};
use crate::indicators::count::within;
use crate::indicators::{Count, Indicator, Rows, Scope, Timing, col};
use crate::record::EntityKind;
use crate::word::Word;

const PRACTICE: &str = "jobs";

pub fn indicators() -> Vec<Indicator> {
    vec![
        Indicator::count(
            "job_fairs",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(fairs(), |s| within(col(job_fair::Column::HeldOn), s)),
        ),
        // Residents who came to a fair, once each.
        Indicator::count(
            "fair_attendees",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(fair_attendance(), |s| within(col(job_fair::Column::HeldOn), s))
                .distinct(col(attendance::Column::ResidentId), residents()),
        ),
        Indicator::count(
            "employers_participating",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(fair_employers(), |s| within(col(job_fair::Column::HeldOn), s))
                .distinct(col(fair_employer::Column::EmployerId), employers()),
        ),
        Indicator::count(
            "agreements_signed",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(agreements(), |s| within(col(agreement::Column::SignedOn), s)),
        ),
        Indicator::count("agreements_in_force", PRACTICE, Timing::AsOfEnd, Count::rows(agreements(), in_force_at_end)),
        Indicator::count(
            "openings",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(openings(), |s| within(col(opening::Column::PostedOn), s)),
        ),
        Indicator::count(
            "positions",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(openings(), |s| within(col(opening::Column::PostedOn), s)).sum(col(opening::Column::Positions)),
        ),
        Indicator::count(
            "referrals_made",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(referrals(), |s| within(col(referral::Column::ReferredOn), s)),
        ),
        // Referrals made in the period that ended in a placement (whenever it started).
        Indicator::count(
            "referrals_placed",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(referrals(), |s| {
                within(col(referral::Column::ReferredOn), s)
                    .add(col(referral::Column::Outcome).expr().eq(ReferralStep::Placed.word()))
            }),
        ),
        Indicator::ratio("placement_rate", PRACTICE, Timing::WithinPeriod, "referrals_placed", "referrals_made"),
        Indicator::count(
            "placements",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(placements(), |s| within(col(placement::Column::StartedOn), s)),
        )
        .headline(),
        Indicator::count(
            "residents_placed",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(placements(), |s| within(col(placement::Column::StartedOn), s))
                .distinct(col(placement::Column::ResidentId), residents()),
        ),
        Indicator::count("check_ins_3m", PRACTICE, Timing::WithinPeriod, Count::rows(check_ins(), |s| recorded(s, 3))),
        Indicator::count("employed_3m", PRACTICE, Timing::WithinPeriod, Count::rows(check_ins(), |s| employed(s, 3))),
        Indicator::ratio("retention_3m", PRACTICE, Timing::WithinPeriod, "employed_3m", "check_ins_3m"),
        Indicator::count("check_ins_6m", PRACTICE, Timing::WithinPeriod, Count::rows(check_ins(), |s| recorded(s, 6))),
        Indicator::count("employed_6m", PRACTICE, Timing::WithinPeriod, Count::rows(check_ins(), |s| employed(s, 6))),
        Indicator::ratio("retention_6m", PRACTICE, Timing::WithinPeriod, "employed_6m", "check_ins_6m"),
    ]
}

/// Check-ins of `months` due in the period with a result recorded.
fn recorded(s: &Scope, months: i32) -> Cond {
    within(col(check_in::Column::DueOn), s)
        .add(col(check_in::Column::Months).expr().eq(months))
        .add(col(check_in::Column::StillEmployed).expr().is_not_null())
}

fn employed(s: &Scope, months: i32) -> Cond {
    recorded(s, months).add(col(check_in::Column::StillEmployed).expr().eq(true))
}

/// Signed by the period's last day and not expired on it.
fn in_force_at_end(s: &Scope) -> Cond {
    Cond::all().add(col(agreement::Column::SignedOn).expr().lte(s.to)).add(
        Cond::any()
            .add(col(agreement::Column::ValidUntil).expr().is_null())
            .add(col(agreement::Column::ValidUntil).expr().gte(s.to)),
    )
}

fn fairs() -> Rows {
    use job_fair::Column as F;
    Rows::of::<job_fair::Entity>(EntityKind::JobFair, col(F::Id), col(F::CommunityId), col(F::Place), col(F::HeldOn))
        .detail("interviews_agreed", |_| col(F::InterviewsAgreed).expr())
        .detail("offers_made", |_| col(F::OffersMade).expr())
}

/// Marks at the fairs' roll-calls, listed by the resident's name.
fn fair_attendance() -> Rows {
    use attendance::Column as A;
    Rows::of::<attendance::Entity>(
        EntityKind::Attendance,
        col(A::Id),
        col(A::CommunityId),
        col(resident::Column::FullName),
        col(job_fair::Column::HeldOn),
    )
    .join::<job_fair::Entity>(col(job_fair::Column::SessionId), col(A::SessionId))
    .label_join::<resident::Entity>(col(resident::Column::Id), col(A::ResidentId))
    .detail("place", |_| col(job_fair::Column::Place).expr())
}

fn residents() -> Rows {
    use resident::Column as R;
    Rows::of::<resident::Entity>(
        EntityKind::Resident,
        col(R::Id),
        col(R::CommunityId),
        col(R::FullName),
        col(R::CreatedAt),
    )
}

fn fair_employers() -> Rows {
    use fair_employer::Column as FE;
    Rows::of::<fair_employer::Entity>(
        EntityKind::Employer,
        col(FE::Id),
        col(FE::CommunityId),
        col(employer::Column::Name),
        col(job_fair::Column::HeldOn),
    )
    .join::<job_fair::Entity>(col(job_fair::Column::Id), col(FE::FairId))
    .label_join::<employer::Entity>(col(employer::Column::Id), col(FE::EmployerId))
}

fn employers() -> Rows {
    use employer::Column as E;
    Rows::of::<employer::Entity>(EntityKind::Employer, col(E::Id), col(E::CommunityId), col(E::Name), col(E::CreatedAt))
        .detail("sector", |_| col(E::Sector).expr())
}

fn agreements() -> Rows {
    use agreement::Column as A;
    Rows::of::<agreement::Entity>(
        EntityKind::Agreement,
        col(A::Id),
        col(A::CommunityId),
        col(employer::Column::Name),
        col(A::SignedOn),
    )
    .label_join::<employer::Entity>(col(employer::Column::Id), col(A::EmployerId))
    .detail("title", |_| col(A::Title).expr())
    .detail("valid_until", |_| col(A::ValidUntil).expr())
}

fn openings() -> Rows {
    use opening::Column as O;
    Rows::of::<opening::Entity>(EntityKind::Opening, col(O::Id), col(O::CommunityId), col(O::Title), col(O::PostedOn))
        .label_join::<employer::Entity>(col(employer::Column::Id), col(O::EmployerId))
        .detail("employer", |_| col(employer::Column::Name).expr())
        .detail("positions", |_| col(O::Positions).expr())
}

fn referrals() -> Rows {
    use referral::Column as R;
    Rows::of::<referral::Entity>(
        EntityKind::Referral,
        col(R::Id),
        col(R::CommunityId),
        col(resident::Column::FullName),
        col(R::ReferredOn),
    )
    .label_join::<resident::Entity>(col(resident::Column::Id), col(R::ResidentId))
    .detail("outcome", |_| col(R::Outcome).expr())
}

fn placements() -> Rows {
    use placement::Column as P;
    Rows::of::<placement::Entity>(
        EntityKind::Placement,
        col(P::Id),
        col(P::CommunityId),
        col(resident::Column::FullName),
        col(P::StartedOn),
    )
    .label_join::<resident::Entity>(col(resident::Column::Id), col(P::ResidentId))
    .detail("job_title", |_| col(P::JobTitle).expr())
    .detail("via", |_| col(P::Via).expr())
}

fn check_ins() -> Rows {
    use check_in::Column as C;
    Rows::of::<check_in::Entity>(
        EntityKind::CheckIn,
        col(C::Id),
        col(C::CommunityId),
        col(resident::Column::FullName),
        col(C::DueOn),
    )
    .label_join::<resident::Entity>(col(resident::Column::Id), col(C::ResidentId))
    .detail("months", |_| col(C::Months).expr())
}
