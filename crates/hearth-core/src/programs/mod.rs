//! Free classes: programs (a weekly language class, legal- and rights-information sessions,
//! skills courses), the sessions their weekly schedule plans, voluntary enrolment, roll-call
//! attendance (minutes attended, for late arrivals and early leaves) and certificates of
//! hours.
//!
//! The figures a team reports ("12 sessions, 310 person-times") come straight from the
//! roll-call (`indicators.rs`). Nothing here lists who did not attend or marks anyone for
//! attendance: the only reminder is the team's own paperwork ("attendance not recorded" for
//! a past session without a roll-call), which is about the session, never about a resident.

pub mod certificates;
pub mod demo;
pub mod import;
pub mod indicators;
mod rights;
pub mod roll_call;
pub mod schedule;

use sea_orm::entity::prelude::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};

use crate::entity::household;
use crate::policy::{self, Permission};
use crate::practice::{BoxFut, Practice};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;
use crate::word::Word;

pub use schedule::{ProgramChange, ProgramInput, SessionInput, SlotInput};

/// Classes as a practice.
pub const PRACTICE: Practice = Practice {
    key: "programs",
    indicators: indicators::indicators,
    timeline: Some(timeline),
    demo: Some(demo::step),
    importers: &[&import::ATTENDANCE],
    erase: Some(rights::erase),
    subject: Some(rights::subject),
};

/// What a program teaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    Language,
    /// Legal and rights information.
    Legal,
    Skills,
    Health,
    Culture,
    Other,
    /// A job fair's one session (created by `jobs::fairs`, never from the class forms):
    /// fair attendance is the same roll-call, and class figures leave it out.
    JobFair,
}

impl Word for ProgramKind {
    const FLUENT: &'static str = "program-kind";
}

/// A session's life: planned → held (a roll-call was taken) or cancelled (with a reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Planned,
    Held,
    Cancelled,
}

impl Word for SessionStatus {
    const FLUENT: &'static str = "session-status";
}

/// How an enrolment ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentOutcome {
    Completed,
    Left,
    ProgramCancelled,
}

impl Word for EnrolmentOutcome {
    const FLUENT: &'static str = "enrolment-outcome";
}

/// The household timeline: its members' enrolments, attendance (one line per program: how
/// many sessions and hours) and certificates. People who may not run programs see none.
fn timeline<'a>(store: &'a Store, actor: &'a crate::policy::Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(async move {
        let mut out = Vec::new();
        if !policy::allows(actor.role, Permission::RunPrograms) {
            return Ok(out);
        }
        for e in schedule::enrolments_of_household(store, h.id).await? {
            let program = RecordRef::new(EntityKind::Program, e.program_id);
            if let Some(en) = &e.enrolment {
                out.push(
                    Event::new(en.joined_on, "enrolled")
                        .summary(format!("{} · {}", e.resident_name, e.program_name))
                        .record(program),
                );
            }
            if let Some(s) = e.attended {
                // One line per program: how many sessions and hours, dated by the last.
                out.push(
                    Event::new(s.last_on, "attended")
                        .summary(format!(
                            "{} · {} · {} × · {:.1} h",
                            e.resident_name,
                            e.program_name,
                            s.sessions,
                            f64::from(s.minutes) / 60.0
                        ))
                        .record(program),
                );
            }
        }
        for c in certificates::of_household(store, h.id).await? {
            out.push(
                Event::new(c.certificate.issued_on, "certificate_issued")
                    .summary(format!("{} · {} · {}", c.resident_name, c.program_name, c.certificate.number))
                    .record(RecordRef::new(EntityKind::Certificate, c.certificate.id)),
            );
        }
        Ok(out)
    })
}

crate::word::display_as_word!(ProgramKind, SessionStatus, EnrolmentOutcome);
