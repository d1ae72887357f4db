//! Class figures, all from the roll-call: sessions held, person-times (attendances),
//! unique participants, hours delivered (attended minutes added up), attendances per session
//! held, certificates issued — by program kind. Job fairs take their roll-call here too, but
//! count as the jobs practice's (`jobs::indicators`), not as classes. Cancelled and planned sessions count for
//! nothing; a resident marked twice at one session is one attendance (one row).

use sea_orm::sea_query::{Cond, ExprTrait};

use super::SessionStatus;
use crate::entity::{attendance, certificate, household, program, program_session, resident};
use crate::indicators::count::within;
use crate::indicators::{Count, Indicator, Rows, Scope, Timing, Unit, col};
use crate::record::EntityKind;
use crate::word::Word;

const PRACTICE: &str = "programs";

pub fn indicators() -> Vec<Indicator> {
    use attendance::Column as A;
    let kind = || col(program::Column::Kind);
    vec![
        Indicator::count(
            "sessions_held",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(sessions(), held_in).dim("program_kind", kind()),
        )
        .headline(),
        Indicator::count(
            "person_times",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(attendances(), held_in).dim("program_kind", kind()),
        )
        .headline(),
        // Everyone who came, once, whatever they attended: the figure a team reports.
        Indicator::count(
            "unique_participants",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(attendances(), held_in).distinct(col(A::ResidentId), participants()),
        ),
        // The same by program kind (a resident in a language class and a legal session
        // counts in both).
        Indicator::count(
            "participants_by_kind",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(attendances(), held_in)
                .distinct(col(A::ResidentId), participants())
                .dim("program_kind", kind()),
        ),
        Indicator::count(
            "hours_delivered",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(attendances(), held_in).sum(col(A::Minutes)).dim("program_kind", kind()),
        )
        .unit(Unit::Minutes),
        Indicator::mean("attendance_per_session", PRACTICE, Timing::WithinPeriod, "person_times", "sessions_held"),
        Indicator::count(
            "certificates_issued",
            PRACTICE,
            Timing::WithinPeriod,
            Count::rows(certificates(), |s| within(col(certificate::Column::IssuedOn), s)).dim("program_kind", kind()),
        ),
    ]
}

/// Sessions, listed by their program's name and dated by the day held.
fn sessions() -> Rows {
    use program_session::Column as S;
    Rows::of::<program_session::Entity>(
        EntityKind::ProgramSession,
        col(S::Id),
        col(S::CommunityId),
        col(program::Column::Name),
        col(S::HeldOn),
    )
    .join::<program::Entity>(col(program::Column::Id), col(S::ProgramId))
    .detail("topic", |_| col(S::Topic).expr())
    .detail("starts_at", |_| col(S::StartsAt).expr())
}

/// Attendances (one per resident and session), listed by the resident's name.
fn attendances() -> Rows {
    use attendance::Column as A;
    Rows::of::<attendance::Entity>(
        EntityKind::Attendance,
        col(A::Id),
        col(A::CommunityId),
        col(resident::Column::FullName),
        col(program_session::Column::HeldOn),
    )
    .join::<program_session::Entity>(col(program_session::Column::Id), col(A::SessionId))
    .join::<program::Entity>(col(program::Column::Id), col(program_session::Column::ProgramId))
    .label_join::<resident::Entity>(col(resident::Column::Id), col(A::ResidentId))
    .detail("program", |_| col(program::Column::Name).expr())
    .detail("minutes", |_| col(A::Minutes).expr())
}

/// Residents who attended, listed by name.
fn participants() -> Rows {
    use resident::Column as R;
    Rows::of::<resident::Entity>(
        EntityKind::Resident,
        col(R::Id),
        col(R::CommunityId),
        col(R::FullName),
        col(household::Column::MovedInOn),
    )
    .label_join::<household::Entity>(col(household::Column::Id), col(R::HouseholdId))
}

fn certificates() -> Rows {
    use certificate::Column as C;
    Rows::of::<certificate::Entity>(
        EntityKind::Certificate,
        col(C::Id),
        col(C::CommunityId),
        col(resident::Column::FullName),
        col(C::IssuedOn),
    )
    .join::<program::Entity>(col(program::Column::Id), col(C::ProgramId))
    .label_join::<resident::Entity>(col(resident::Column::Id), col(C::ResidentId))
    .detail("program", |_| col(program::Column::Name).expr())
    .detail("number", |_| col(C::Number).expr())
}

/// Held (roll-call taken, not cancelled) on a day of the period.
/// Job fairs' sessions are the jobs practice's figures.
fn held_in(scope: &Scope) -> Cond {
    within(col(program_session::Column::HeldOn), scope)
        .add(col(program_session::Column::Status).expr().eq(SessionStatus::Held.word()))
        .add(col(program::Column::Kind).expr().ne(super::ProgramKind::JobFair.word()))
}
