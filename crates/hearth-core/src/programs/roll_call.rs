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

#[derive(Clone)]
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
        let minutes = minutes_at(&mut e, &f("minutes"), s, m.minutes);
        if let (Some(resident_id), Some(minutes)) = (rid, minutes) {
            out.push(Valid { resident_id, present: m.present.unwrap_or(true), minutes });
        }
    }
    e.into_result()?;
    Ok(out)
}

/// Minutes attended, one rule for taps, bulk roll-calls and imported sign-in sheets: the
/// whole session unless said, never more than it lasted.
pub(crate) fn minutes_at(
    e: &mut FieldErrors,
    field: &str,
    s: &program_session::Model,
    minutes: Option<i64>,
) -> Option<i32> {
    match minutes {
        None => Some(s.duration_minutes),
        Some(x) if x >= 1 && x <= i64::from(s.duration_minutes) => i32::try_from(x).ok(),
        Some(_) => {
            e.add_arg(field, "out_of_range", i64::from(s.duration_minutes));
            None
        }
    }
}

/// A session can take a roll-call once it has begun (its day has come) and unless cancelled.
pub(crate) fn open_for_marks(s: &program_session::Model) -> CoreResult<()> {
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

/// A roll-call's marks waiting for their batch.
struct Job {
    actor: Actor,
    session_id: i64,
    marks: Vec<Valid>,
    done: tokio::sync::oneshot::Sender<CoreResult<()>>,
}

/// The group commit of roll-call marks: every mark waiting is written in one transaction
/// (the sessions locked and checked, one upsert, one audit append for all), and each request
/// is answered once it is durable. While a batch commits the next gathers, so forty phones
/// tapping at once share a commit instead of queueing for forty; alone, a tap waits for
/// nothing but its own. One request's refusal (its session was cancelled meanwhile) never
/// fails the others: a batch that fails is retried request by request.
struct MarkQueue(tokio::sync::mpsc::Sender<Job>);

/// Jobs per batch at most.
const BATCH: usize = 256;

fn start_queue(store: Store) -> MarkQueue {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(4096);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            let results = commit_jobs(&store, &batch).await;
            for (job, result) in batch.into_iter().zip(results) {
                let _ = job.done.send(result);
            }
        }
    });
    MarkQueue(tx)
}

/// Writes a request's marks (already validated) through the group commit; returns once
/// they are durable.
async fn submit(store: &Store, actor: &Actor, session_id: i64, marks: Vec<Valid>) -> CoreResult<()> {
    let queue = store.worker(start_queue);
    let (done, wait) = tokio::sync::oneshot::channel();
    queue
        .0
        .send(Job { actor: actor.clone(), session_id, marks, done })
        .await
        .map_err(|_| CoreError::Internal("roll-call queue stopped".into()))?;
    wait.await.map_err(|_| CoreError::Internal("roll-call queue stopped".into()))?
}

/// One result per job: the batch in one transaction, or — if that fails — each job alone.
async fn commit_jobs(store: &Store, jobs: &[Job]) -> Vec<CoreResult<()>> {
    if jobs.len() > 1 {
        match commit_together(store, jobs).await {
            Ok(results) => return results,
            Err(e) => tracing::warn!(error = %e, jobs = jobs.len(), "roll-call batch failed; retrying one by one"),
        }
    }
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        out.push(commit_one(store, j).await);
    }
    out
}

/// One request's marks in their own transaction.
async fn commit_one(store: &Store, job: &Job) -> CoreResult<()> {
    let tx = store.write().await?;
    let s: program_session::Model = store::locked::<program_session::Entity>(&tx, job.session_id).await?;
    open_for_marks(&s)?;
    apply(&tx, &job.actor, &s, &job.marks).await?;
    tx.commit().await?;
    Ok(())
}

/// Every job of the batch in one transaction. A job whose session is closed for marks gets
/// its refusal; the rest are written: one delete for marks taken back, one upsert for the
/// rest (the last word on a resident at a session wins, in arrival order), the sessions'
/// status, and one audit row per request in one append.
async fn commit_together(store: &Store, jobs: &[Job]) -> CoreResult<Vec<CoreResult<()>>> {
    use sea_orm::QuerySelect;
    let tx = store.write().await?;
    let mut ids: Vec<i64> = jobs.iter().map(|j| j.session_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let sessions: HashMap<i64, program_session::Model> = program_session::Entity::find()
        .filter(program_session::Column::Id.is_in(ids))
        .order_by_asc(program_session::Column::Id)
        .lock_exclusive()
        .all(&tx)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut results = Vec::with_capacity(jobs.len());
    // (session, resident) → the last mark, in arrival order.
    let mut last: Vec<((i64, i64), Valid)> = Vec::new();
    let mut at: HashMap<(i64, i64), usize> = HashMap::new();
    let mut entries = Vec::new();
    for j in jobs {
        let verdict = match sessions.get(&j.session_id) {
            None => Err(CoreError::NotFound),
            Some(s) => open_for_marks(s),
        };
        if verdict.is_ok()
            && let Some(s) = sessions.get(&j.session_id)
        {
            let (mut present, mut absent) = (0, 0);
            for m in &j.marks {
                if m.present {
                    present += 1
                } else {
                    absent += 1
                }
                let key = (s.id, m.resident_id);
                match at.get(&key) {
                    Some(i) => last[*i].1 = m.clone(),
                    None => {
                        at.insert(key, last.len());
                        last.push((key, m.clone()));
                    }
                }
            }
            let entry = Entry::new(Action::Update, EntityKind::Attendance, Some(s.id))
                .community(s.community_id)
                .summary(format!("session {}: {present} present, {absent} taken back", s.id))
                .showed(j.marks.iter().map(|m| RecordRef::new(EntityKind::Resident, m.resident_id)));
            entries.push((j.actor.clone(), entry));
        }
        results.push(verdict);
    }
    let now = Utc::now();
    let (present, absent): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, m)| m.present);
    if !absent.is_empty() {
        let mut cond = sea_orm::Condition::any();
        for ((sid, rid), _) in &absent {
            cond = cond.add(
                sea_orm::Condition::all()
                    .add(attendance::Column::SessionId.eq(*sid))
                    .add(attendance::Column::ResidentId.eq(*rid)),
            );
        }
        attendance::Entity::delete_many().filter(cond).exec(&tx).await?;
    }
    if !present.is_empty() {
        let marker = |sid: i64| jobs.iter().rev().find(|j| j.session_id == sid).and_then(|j| j.actor.user_id);
        let rows: Vec<attendance::ActiveModel> = present
            .iter()
            .filter_map(|((sid, rid), m)| {
                let s = sessions.get(sid)?;
                Some(attendance::ActiveModel {
                    community_id: Set(s.community_id),
                    session_id: Set(*sid),
                    resident_id: Set(*rid),
                    minutes: Set(m.minutes),
                    marked_by: Set(marker(*sid)),
                    marked_at: Set(now),
                    ..Default::default()
                })
            })
            .collect();
        for chunk in rows.chunks(500) {
            attendance::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([attendance::Column::SessionId, attendance::Column::ResidentId])
                        .update_columns([
                            attendance::Column::Minutes,
                            attendance::Column::MarkedBy,
                            attendance::Column::MarkedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await?;
        }
    }
    // Held once a mark is in; planned again when the last is taken back.
    for s in sessions.values() {
        let touched_present = present.iter().any(|((sid, _), _)| *sid == s.id);
        let touched_absent = absent.iter().any(|((sid, _), _)| *sid == s.id);
        if !touched_present && !touched_absent {
            continue;
        }
        let any_left = touched_present
            || attendance::Entity::find().filter(attendance::Column::SessionId.eq(s.id)).one(&tx).await?.is_some();
        let status = if any_left { SessionStatus::Held } else { SessionStatus::Planned };
        if status != s.status {
            let mut a: program_session::ActiveModel = s.clone().into();
            a.status = Set(status);
            a.updated_at = Set(now);
            sea_orm::ActiveModelTrait::update(a, &tx).await?;
        }
    }
    crate::audit::append_many(&tx, &entries).await?;
    tx.commit().await?;
    Ok(results)
}

/// The session a mark is for, in the actor's communities: one read (a tap is the busiest
/// write there is; the program's own record is not needed to mark at its session).
async fn session_for_marks(store: &Store, actor: &Actor, id: i64) -> CoreResult<program_session::Model> {
    actor.require(crate::policy::Permission::RunPrograms)?;
    let s = program_session::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(s.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(s)
}

/// One tap: marks (or takes back) one resident at a session, saved at once. Marking twice
/// is the same mark. Returns the mark, or `None` once taken back.
#[tracing::instrument(skip_all)]
pub async fn mark(store: &Store, actor: &Actor, session_id: i64, m: Mark) -> CoreResult<Option<attendance::Model>> {
    let s = session_for_marks(store, actor, session_id).await?;
    let valid = validate_marks(store, &s, std::slice::from_ref(&m), false).await?;
    submit(store, actor, s.id, valid).await?;
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
    let s = match session_for_marks(store, actor, sid).await {
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
    submit(store, actor, s.id, valid).await?;
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
