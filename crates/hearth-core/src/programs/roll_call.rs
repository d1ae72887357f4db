//! Roll-call: who was present at a session, and for how many minutes. A mark is idempotent
//! (one row per session and resident, the unique index makes a second mark the same mark),
//! each tap is saved at once, and a bulk roll-call is all or nothing.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::SessionStatus;
use super::schedule::{load_session, residents_by_id};
use crate::audit::{self, Action, Entry};
use crate::entity::{attendance, enrolment, program, program_session, resident};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::Actor;
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store};

/// One mark: present (the default) for the whole session or `minutes` of it, or not present
/// (`present: false` takes a mark back).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    #[schema(required = true, value_type = i64)]
    pub resident_id: Option<i64>,
    /// `false` removes the mark; default `true`.
    pub present: Option<bool>,
    /// Minutes attended (late arrival, early leave); default the whole session.
    #[schema(minimum = 1, maximum = 600)]
    pub minutes: Option<i64>,
}

/// A roll-call sent at once: every mark is checked, and one bad row stores nothing.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollCall {
    #[schema(required = true, value_type = i64)]
    pub session_id: Option<i64>,
    #[schema(required = true)]
    #[serde(default)]
    pub marks: Vec<Mark>,
}

struct Valid {
    resident_id: i64,
    present: bool,
    minutes: i32,
}

/// Checks marks against the session: known residents of its community, minutes within its
/// length. Errors name the row (`marks[3].resident_id`) when `indexed`.
async fn validate_marks(
    store: &Store,
    s: &program_session::Model,
    marks: &[Mark],
    indexed: bool,
) -> CoreResult<Vec<Valid>> {
    let mut e = FieldErrors::new();
    let ids: Vec<i64> = marks.iter().filter_map(|m| m.resident_id).collect();
    let known: HashMap<i64, resident::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        resident::Entity::find()
            .filter(resident::Column::Id.is_in(ids))
            .filter(resident::Column::CommunityId.eq(s.community_id))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let mut out = Vec::new();
    for (i, m) in marks.iter().enumerate() {
        let f = |n: &str| if indexed { format!("marks[{i}].{n}") } else { n.to_owned() };
        let rid = match m.resident_id {
            None => {
                e.add(&f("resident_id"), "required");
                None
            }
            Some(r) if known.contains_key(&r) => Some(r),
            Some(_) => {
                e.add(&f("resident_id"), "no_such_resident");
                None
            }
        };
        let minutes = match m.minutes {
            None => Some(s.duration_minutes),
            Some(x) if x >= 1 && x <= i64::from(s.duration_minutes) => i32::try_from(x).ok(),
            Some(_) => {
                e.add_arg(&f("minutes"), "out_of_range", i64::from(s.duration_minutes));
                None
            }
        };
        if let (Some(resident_id), Some(minutes)) = (rid, minutes) {
            out.push(Valid { resident_id, present: m.present.unwrap_or(true), minutes });
        }
    }
    e.into_result()?;
    Ok(out)
}

/// A session can take a roll-call once it has begun (its day has come) and unless cancelled.
fn open_for_marks(s: &program_session::Model) -> CoreResult<()> {
    if s.status == SessionStatus::Cancelled {
        return Err(CoreError::Conflict { field: "session_id".into(), code: "session_cancelled" });
    }
    if s.held_on > chrono::Local::now().date_naive() {
        return Err(CoreError::Conflict { field: "session_id".into(), code: "session_not_yet" });
    }
    Ok(())
}

async fn apply<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    s: &program_session::Model,
    marks: &[Valid],
) -> CoreResult<()> {
    let now = Utc::now();
    // The last mark of a resident in one request wins (a double tap is one mark).
    let mut last: Vec<&Valid> = Vec::new();
    for m in marks.iter().rev() {
        if !last.iter().any(|x| x.resident_id == m.resident_id) {
            last.push(m);
        }
    }
    let (present, absent): (Vec<&Valid>, Vec<&Valid>) = last.into_iter().partition(|m| m.present);
    if !absent.is_empty() {
        attendance::Entity::delete_many()
            .filter(attendance::Column::SessionId.eq(s.id))
            .filter(attendance::Column::ResidentId.is_in(absent.iter().map(|m| m.resident_id).collect::<Vec<_>>()))
            .exec(tx)
            .await?;
    }
    if !present.is_empty() {
        let rows = present.iter().map(|m| attendance::ActiveModel {
            community_id: Set(s.community_id),
            session_id: Set(s.id),
            resident_id: Set(m.resident_id),
            minutes: Set(m.minutes),
            marked_by: Set(actor.user_id),
            marked_at: Set(now),
            ..Default::default()
        });
        attendance::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([attendance::Column::SessionId, attendance::Column::ResidentId])
                    .update_columns([
                        attendance::Column::Minutes,
                        attendance::Column::MarkedBy,
                        attendance::Column::MarkedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }
    // A roll-call makes the session held (and the last mark taken back makes it planned
    // again, so "attendance not recorded" tells the truth). Only a mark taken back needs to
    // ask whether any are left.
    let any_left = !present.is_empty()
        || attendance::Entity::find().filter(attendance::Column::SessionId.eq(s.id)).one(tx).await?.is_some();
    let status = if any_left { SessionStatus::Held } else { SessionStatus::Planned };
    if status != s.status {
        let mut a: program_session::ActiveModel = s.clone().into();
        a.status = Set(status);
        a.updated_at = Set(now);
        sea_orm::ActiveModelTrait::update(a, tx).await?;
    }
    let mut entry = Entry::new(Action::Update, EntityKind::Attendance, Some(s.id))
        .community(s.community_id)
        .summary(format!("session {}: {} present, {} taken back", s.id, present.len(), absent.len()));
    entry =
        entry.showed(present.iter().chain(absent.iter()).map(|m| RecordRef::new(EntityKind::Resident, m.resident_id)));
    audit::append(tx, actor, entry).await
}

/// One tap: marks (or takes back) one resident at a session, saved at once. Marking twice
/// is the same mark. Returns the mark, or `None` once taken back.
#[tracing::instrument(skip_all)]
pub async fn mark(store: &Store, actor: &Actor, session_id: i64, m: Mark) -> CoreResult<Option<attendance::Model>> {
    let (s, _) = load_session(store, actor, session_id).await?;
    let valid = validate_marks(store, &s, std::slice::from_ref(&m), false).await?;
    let tx = store.write().await?;
    let s: program_session::Model = store::locked::<program_session::Entity>(&tx, s.id).await?;
    open_for_marks(&s)?;
    apply(&tx, actor, &s, &valid).await?;
    tx.commit().await?;
    // Read back once committed, from the read pool: the writer is free for the next tap.
    let rid = m.resident_id.unwrap_or(-1);
    Ok(attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(s.id))
        .filter(attendance::Column::ResidentId.eq(rid))
        .one(store.conn())
        .await?)
}

/// A whole roll-call in one request: every row is checked first; one bad row stores
/// nothing and is named by its index.
#[tracing::instrument(skip_all)]
pub async fn record(store: &Store, actor: &Actor, input: RollCall) -> CoreResult<Vec<attendance::Model>> {
    actor.require(crate::policy::Permission::RunPrograms)?;
    let sid = input.session_id.ok_or_else(|| CoreError::invalid("session_id", "required"))?;
    let (s, _) = match load_session(store, actor, sid).await {
        Err(CoreError::NotFound) => return Err(CoreError::invalid("session_id", "unknown_session")),
        other => other?,
    };
    if input.marks.is_empty() {
        return Err(CoreError::invalid("marks", "required"));
    }
    if input.marks.len() > 1000 {
        let mut e = FieldErrors::new();
        e.add_arg("marks", "too_many", 1000);
        return Err(CoreError::Invalid(e));
    }
    let valid = validate_marks(store, &s, &input.marks, true).await?;
    let tx = store.write().await?;
    let s: program_session::Model = store::locked::<program_session::Entity>(&tx, s.id).await?;
    open_for_marks(&s)?;
    apply(&tx, actor, &s, &valid).await?;
    tx.commit().await?;
    // The whole roll-call as it now stands, read once committed from the read pool.
    Ok(attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(s.id))
        .order_by_asc(attendance::Column::Id)
        .all(store.conn())
        .await?)
}

/// A session's marks (the API's read), audited with the residents they name.
#[tracing::instrument(skip_all)]
pub async fn of_session(store: &Store, actor: &Actor, session_id: i64) -> CoreResult<Vec<attendance::Model>> {
    let (s, _) = load_session(store, actor, session_id).await?;
    let rows = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(s.id))
        .order_by_asc(attendance::Column::Id)
        .all(store.conn())
        .await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Attendance, Some(s.id))
            .community(s.community_id)
            .showed(rows.iter().map(|r| RecordRef::new(EntityKind::Resident, r.resident_id))),
    )
    .await?;
    Ok(rows)
}

/// One line of the roll-call page: an enrolled resident, or a walk-in already marked.
#[derive(Clone, Debug)]
pub struct Line {
    pub resident_id: i64,
    pub name: String,
    pub household_id: i64,
    pub enrolled: bool,
    pub mark: Option<attendance::Model>,
}

/// The roll-call of a session: those enrolled on its day, in name order, then walk-ins
/// marked present; audited with the residents it shows.
#[tracing::instrument(skip_all)]
pub async fn sheet(
    store: &Store,
    actor: &Actor,
    session_id: i64,
) -> CoreResult<(program_session::Model, program::Model, Vec<Line>)> {
    let (s, p) = load_session(store, actor, session_id).await?;
    // Everyone enrolled who had not left before the session (a roll-call taken late lists
    // those who joined since, too: the sheet is for marking, not a record of enrolment).
    let enrolled: Vec<i64> = enrolment::Entity::find()
        .filter(enrolment::Column::ProgramId.eq(p.id))
        .all(store.conn())
        .await?
        .into_iter()
        .filter(|e| e.ended_on.is_none_or(|d| d >= s.held_on))
        .map(|e| e.resident_id)
        .collect();
    let marks = attendance::Entity::find().filter(attendance::Column::SessionId.eq(s.id)).all(store.conn()).await?;
    let mut ids = enrolled.clone();
    ids.extend(marks.iter().map(|m| m.resident_id).filter(|r| !enrolled.contains(r)));
    ids.dedup();
    let people = residents_by_id(store, &ids).await?;
    let mut lines: Vec<Line> = ids
        .iter()
        .map(|r| {
            let (name, household_id) = people.get(r).cloned().unwrap_or_default();
            Line {
                resident_id: *r,
                name,
                household_id,
                enrolled: enrolled.contains(r),
                mark: marks.iter().find(|m| m.resident_id == *r).cloned(),
            }
        })
        .collect();
    lines.sort_by(|a, b| b.enrolled.cmp(&a.enrolled).then_with(|| a.name.cmp(&b.name)));
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Attendance, Some(s.id))
            .community(s.community_id)
            .summary(format!("roll-call of session {}", s.id))
            .showed(lines.iter().map(|l| RecordRef::new(EntityKind::Resident, l.resident_id))),
    )
    .await?;
    Ok((s, p, lines))
}

/// What each participant attended of a program (for certificates): sessions held and
/// minutes, by resident; audited with the residents shown.
#[derive(Clone, Debug)]
pub struct Participant {
    pub resident_id: i64,
    pub name: String,
    pub household_id: i64,
    pub sessions: u64,
    pub minutes: i64,
}

#[tracing::instrument(skip_all)]
pub async fn participants(store: &Store, actor: &Actor, program_id: i64) -> CoreResult<Vec<Participant>> {
    let p = super::schedule::load(store, actor, program_id).await?;
    let out = totals(store, p.id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Attendance, None)
            .community(p.community_id)
            .summary(format!("participants of program {}", p.id))
            .showed(out.iter().map(|x| RecordRef::new(EntityKind::Resident, x.resident_id))),
    )
    .await?;
    Ok(out)
}

/// Sessions and minutes per resident over a program's held sessions (no audit: callers
/// audit what they show).
pub async fn totals(store: &Store, program_id: i64) -> CoreResult<Vec<Participant>> {
    let held: Vec<i64> = program_session::Entity::find()
        .filter(program_session::Column::ProgramId.eq(program_id))
        .filter(program_session::Column::Status.eq(SessionStatus::Held))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut by: HashMap<i64, (u64, i64)> = HashMap::new();
    for chunk in held.chunks(500) {
        for m in attendance::Entity::find()
            .filter(attendance::Column::SessionId.is_in(chunk.to_vec()))
            .all(store.conn())
            .await?
        {
            let e = by.entry(m.resident_id).or_default();
            e.0 += 1;
            e.1 += i64::from(m.minutes);
        }
    }
    let people = residents_by_id(store, &by.keys().copied().collect::<Vec<_>>()).await?;
    let mut out: Vec<Participant> = by
        .into_iter()
        .map(|(r, (sessions, minutes))| {
            let (name, household_id) = people.get(&r).cloned().unwrap_or_default();
            Participant { resident_id: r, name, household_id, sessions, minutes }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.resident_id.cmp(&b.resident_id)));
    Ok(out)
}
