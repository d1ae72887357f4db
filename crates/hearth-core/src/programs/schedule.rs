//! Programs, their weekly schedule and the sessions it plans, extra, moved and cancelled
//! sessions, and enrolment (voluntary: a resident joins and leaves, with the dates kept).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{EnrolmentOutcome, ProgramKind, SessionStatus};
use crate::audit::{self, Action, Entry};
use crate::entity::{
    attendance, enrolment, household, program, program_session, program_slot, program_trainer, resident, user,
};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// The most sessions one schedule may plan (a year of three a week, and some).
pub const MAX_PLANNED: usize = 400;

/// One weekly slot: ISO weekday (1 = Monday), start "HH:MM", length in minutes.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotInput {
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 7)]
    pub weekday: Option<i64>,
    #[schema(required = true, value_type = String, example = "19:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub starts_at: Option<String>,
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 600)]
    pub duration_minutes: Option<i64>,
}

/// A program as submitted (the API's body and the form). A schedule plans a session on each
/// of its weekdays from `starts_on` to `ends_on`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    /// The community (slug).
    #[schema(required = true, value_type = String)]
    pub community: Option<String>,
    #[schema(required = true, value_type = String, max_length = 200)]
    pub name: Option<String>,
    #[schema(required = true, value_type = ProgramKind)]
    pub kind: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// Trainers from outside the team, by name.
    #[schema(max_length = 400)]
    pub guest_trainers: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub starts_on: Option<String>,
    /// Required with a schedule (the last day it plans).
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<String>,
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: Option<i64>,
    /// Minutes attended that earn a certificate; none: the program gives no certificates.
    #[schema(minimum = 1, maximum = 100000)]
    pub certificate_minutes: Option<i64>,
    /// Team members who teach it.
    #[serde(default)]
    pub trainer_ids: Vec<i64>,
    #[serde(default)]
    pub schedule: Vec<SlotInput>,
}

/// An extra session (`POST`: program, day, time and length needed), or a session's new
/// date, time, topic, trainer or status (`PATCH`: absent or null keeps a field).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// Needed for a new session; on a change, only the session's own program.
    #[schema(value_type = Option<i64>)]
    pub program_id: Option<i64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<String>,
    #[schema(value_type = Option<String>, example = "19:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub starts_at: Option<String>,
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 600)]
    pub duration_minutes: Option<i64>,
    #[schema(max_length = 200)]
    pub topic: Option<String>,
    pub trainer_user_id: Option<i64>,
    /// A guest trainer, by name.
    #[schema(max_length = 200)]
    pub trainer_name: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// `cancelled` (with `cancel_reason`) or `planned` again; `held` comes from the roll-call.
    #[schema(value_type = Option<SessionStatus>)]
    pub status: Option<String>,
    #[schema(max_length = 400)]
    pub cancel_reason: Option<String>,
    /// The version the change was made against (the API's `If-Match`).
    #[serde(skip)]
    pub version: Option<String>,
}

/// "HH:MM", 00:00–23:59.
pub fn time_of_day(e: &mut FieldErrors, field: &str, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    match chrono::NaiveTime::parse_from_str(v, "%H:%M") {
        Ok(t) if v.len() == 5 => Some(t.format("%H:%M").to_string()),
        _ => {
            e.add(field, "invalid_time");
            None
        }
    }
}

fn minutes(e: &mut FieldErrors, field: &str, v: Option<i64>, max: i64, required: bool) -> Option<i32> {
    match v {
        None if required => {
            e.add(field, "required");
            None
        }
        None => None,
        Some(m) if (1..=max).contains(&m) => i32::try_from(m).ok(),
        Some(_) => {
            e.add_arg(field, "out_of_range", max);
            None
        }
    }
}

/// Who may teach in a community: enabled users of it who may run programs.
async fn valid_trainer(store: &Store, community_id: i64, user_id: i64) -> CoreResult<bool> {
    Ok(crate::visits::people_of(store, community_id).await?.iter().any(|(id, _, role)| {
        *id == user_id
            && crate::policy::Role::parse(role).is_some_and(|r| crate::policy::allows(r, Permission::RunPrograms))
    }))
}

/// The days a weekly slot falls on from `from` to `to`, inclusive.
fn days_of(weekday: u32, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let ahead = (7 + weekday - from.weekday().number_from_monday()) % 7;
    let mut d = from + TimeDelta::days(i64::from(ahead));
    let mut out = Vec::new();
    while d <= to && out.len() <= MAX_PLANNED {
        out.push(d);
        d += TimeDelta::days(7);
    }
    out
}

/// Creates a program with its trainers and schedule, and plans its sessions.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: ProgramInput) -> CoreResult<program::Model> {
    actor.require(Permission::RunPrograms)?;
    let mut e = FieldErrors::new();
    let community = match input.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => match crate::registry::communities::by_slug(store, actor, slug).await {
            Ok(c) => Some(c),
            Err(CoreError::NotFound) => {
                e.add("community", "unknown_community");
                None
            }
            Err(other) => return Err(other),
        },
        None => {
            e.add("community", "required");
            None
        }
    };
    let name = validate::required_text(&mut e, "name", input.name.as_deref(), 200);
    let kind = match input.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            e.add("kind", "required");
            None
        }
        k => validate::word::<ProgramKind>(&mut e, "kind", k),
    };
    // A job fair's program is made with the fair (`jobs::fairs`), never here.
    let kind = match kind {
        Some(ProgramKind::JobFair) => {
            e.add("kind", "invalid_choice");
            None
        }
        k => k,
    };
    let description = validate::text(&mut e, "description", input.description.as_deref(), 4000);
    let guest_trainers = validate::text(&mut e, "guest_trainers", input.guest_trainers.as_deref(), 400);
    let location = validate::text(&mut e, "location", input.location.as_deref(), 200);
    let starts_on = validate::required_date(&mut e, "starts_on", input.starts_on.as_deref());
    let ends_on = validate::date(&mut e, "ends_on", input.ends_on.as_deref());
    if let (Some(s), Some(t)) = (starts_on, ends_on)
        && t < s
    {
        e.add("ends_on", "date_before_start");
    }
    let capacity = minutes(&mut e, "capacity", input.capacity, 10_000, false);
    let certificate_minutes = minutes(&mut e, "certificate_minutes", input.certificate_minutes, 100_000, false);
    let mut slots = Vec::new();
    for (i, s) in input.schedule.iter().enumerate() {
        let f = |n: &str| format!("schedule[{i}].{n}");
        let weekday = match s.weekday {
            None => {
                e.add(&f("weekday"), "required");
                None
            }
            Some(w @ 1..=7) => u32::try_from(w).ok(),
            Some(_) => {
                e.add(&f("weekday"), "invalid_choice");
                None
            }
        };
        let at = match s.starts_at.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => {
                e.add(&f("starts_at"), "required");
                None
            }
            v => time_of_day(&mut e, &f("starts_at"), v),
        };
        let len = minutes(&mut e, &f("duration_minutes"), s.duration_minutes, 600, true);
        if let (Some(w), Some(a), Some(l)) = (weekday, at, len) {
            slots.push((w, a, l));
        }
    }
    if !input.schedule.is_empty() && ends_on.is_none() && input.ends_on.as_deref().is_none_or(|v| v.trim().is_empty()) {
        e.add("ends_on", "required_with_schedule");
    }
    let mut trainers = Vec::new();
    if let Some(c) = &community {
        for (i, t) in input.trainer_ids.iter().enumerate() {
            if valid_trainer(store, c.id, *t).await? {
                if !trainers.contains(t) {
                    trainers.push(*t);
                }
            } else {
                e.add(&format!("trainer_ids[{i}]"), "not_a_trainer");
            }
        }
    }
    let mut planned = Vec::new();
    if let (Some(from), Some(to)) = (starts_on, ends_on) {
        for (w, at, len) in &slots {
            for d in days_of(*w, from, to) {
                planned.push((d, at.clone(), *len));
            }
        }
        if planned.len() > MAX_PLANNED {
            e.add_arg("schedule", "too_many_sessions", MAX_PLANNED as i64);
        }
    }
    planned.sort();
    e.into_result()?;
    let (Some(c), Some(name), Some(kind), Some(starts_on)) = (community, name, kind, starts_on) else {
        return Err(CoreError::Internal("validated program".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let p = program::ActiveModel {
        community_id: Set(c.id),
        name: Set(name),
        kind: Set(kind),
        description: Set(description),
        guest_trainers: Set(guest_trainers),
        location: Set(location.clone()),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        capacity: Set(capacity),
        certificate_minutes: Set(certificate_minutes),
        cancelled: Set(false),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    for t in &trainers {
        program_trainer::ActiveModel { program_id: Set(p.id), user_id: Set(*t) }.insert(&tx).await?;
    }
    for (w, at, len) in &slots {
        program_slot::ActiveModel {
            program_id: Set(p.id),
            weekday: Set(i32::try_from(*w).unwrap_or(1)),
            starts_at: Set(at.clone()),
            duration_minutes: Set(*len),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
    }
    let trainer = trainers.first().copied();
    if !planned.is_empty() {
        let rows = planned.iter().map(|(d, at, len)| program_session::ActiveModel {
            community_id: Set(c.id),
            program_id: Set(p.id),
            held_on: Set(*d),
            starts_at: Set(at.clone()),
            duration_minutes: Set(*len),
            topic: Set(None),
            trainer_user_id: Set(trainer),
            trainer_name: Set(None),
            location: Set(location.clone()),
            status: Set(SessionStatus::Planned),
            cancel_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        program_session::Entity::insert_many(rows).exec(&tx).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Program, Some(p.id)).community(p.community_id).summary(format!(
            "kind: {}, {} sessions planned",
            p.kind.word(),
            planned.len()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// A program the actor may see (its community), or `NotFound`.
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<program::Model> {
    actor.require(Permission::RunPrograms)?;
    let p = program::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(p.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(p)
}

/// The programs of the actor's communities (of one, by slug), newest start first.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, community: Option<&str>) -> CoreResult<Vec<program::Model>> {
    actor.require(Permission::RunPrograms)?;
    let mut q = program::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(program::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(slug) = community.map(str::trim).filter(|s| !s.is_empty()) {
        let c = crate::registry::communities::by_slug(store, actor, slug).await?;
        q = q.filter(program::Column::CommunityId.eq(c.id));
    }
    // Job fairs' programs are listed as fairs.
    q = q.filter(program::Column::Kind.ne(ProgramKind::JobFair));
    Ok(q.order_by_desc(program::Column::StartsOn).order_by_desc(program::Column::Id).all(store.conn()).await?)
}

/// The weekly slots of a program.
pub async fn slots_of(store: &Store, program_id: i64) -> CoreResult<Vec<program_slot::Model>> {
    Ok(program_slot::Entity::find()
        .filter(program_slot::Column::ProgramId.eq(program_id))
        .order_by_asc(program_slot::Column::Weekday)
        .order_by_asc(program_slot::Column::StartsAt)
        .all(store.conn())
        .await?)
}

/// The team members who teach a program: (id, display name).
pub async fn trainers_of(store: &Store, program_id: i64) -> CoreResult<Vec<(i64, String)>> {
    let ids: Vec<i64> = program_trainer::Entity::find()
        .filter(program_trainer::Column::ProgramId.eq(program_id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|t| t.user_id)
        .collect();
    let names = crate::auth::users::names_by_id(store, &ids).await?;
    Ok(ids.into_iter().map(|i| (i, names.get(&i).cloned().unwrap_or_default())).collect())
}

/// Who may be named a session's trainer in this program's community: (id, name).
pub async fn trainer_choices(store: &Store, community_id: i64) -> CoreResult<Vec<(i64, String)>> {
    Ok(crate::visits::people_of(store, community_id)
        .await?
        .into_iter()
        .filter(|(_, _, role)| {
            crate::policy::Role::parse(role).is_some_and(|r| crate::policy::allows(r, Permission::RunPrograms))
        })
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// A program's sessions in date order, each with how many were marked present.
pub async fn sessions_of(
    store: &Store,
    actor: &Actor,
    program_id: i64,
) -> CoreResult<Vec<(program_session::Model, u64)>> {
    let p = load(store, actor, program_id).await?;
    let sessions = program_session::Entity::find()
        .filter(program_session::Column::ProgramId.eq(p.id))
        .order_by_asc(program_session::Column::HeldOn)
        .order_by_asc(program_session::Column::StartsAt)
        .order_by_asc(program_session::Column::Id)
        .all(store.conn())
        .await?;
    let counts = present_counts(store, &sessions.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
    Ok(sessions
        .into_iter()
        .map(|s| {
            let n = counts.get(&s.id).copied().unwrap_or(0);
            (s, n)
        })
        .collect())
}

/// How many were marked present at each of these sessions (one grouped query).
pub async fn present_counts(store: &Store, session_ids: &[i64]) -> CoreResult<HashMap<i64, u64>> {
    if session_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = attendance::Entity::find()
        .select_only()
        .column(attendance::Column::SessionId)
        .column_as(attendance::Column::Id.count(), "n")
        .filter(attendance::Column::SessionId.is_in(session_ids.to_vec()))
        .group_by(attendance::Column::SessionId)
        .into_tuple()
        .all(store.conn())
        .await?;
    Ok(rows.into_iter().map(|(s, n)| (s, u64::try_from(n).unwrap_or(0))).collect())
}

/// A session the actor may see, or `NotFound`.
#[tracing::instrument(skip_all)]
pub async fn load_session(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> CoreResult<(program_session::Model, program::Model)> {
    actor.require(Permission::RunPrograms)?;
    let s = program_session::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let p = load(store, actor, s.program_id).await?;
    Ok((s, p))
}

/// Sessions of a program (or all programs) in the actor's communities, in date order
/// (the API's list; not personal data).
#[tracing::instrument(skip_all)]
pub async fn list_sessions(
    store: &Store,
    actor: &Actor,
    program_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> CoreResult<Vec<program_session::Model>> {
    actor.require(Permission::RunPrograms)?;
    let mut q = program_session::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(program_session::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(p) = program_id {
        load(store, actor, p).await?;
        q = q.filter(program_session::Column::ProgramId.eq(p));
    }
    if let Some(f) = from {
        q = q.filter(program_session::Column::HeldOn.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(program_session::Column::HeldOn.lte(t));
    }
    Ok(q.order_by_asc(program_session::Column::HeldOn)
        .order_by_asc(program_session::Column::StartsAt)
        .order_by_asc(program_session::Column::Id)
        .limit(2000)
        .all(store.conn())
        .await?)
}

struct SessionFields {
    held_on: Option<NaiveDate>,
    starts_at: Option<String>,
    duration: Option<i32>,
    topic: Option<String>,
    trainer_user_id: Option<i64>,
    trainer_name: Option<String>,
    location: Option<String>,
}

async fn session_fields(
    store: &Store,
    e: &mut FieldErrors,
    community_id: i64,
    input: &SessionInput,
    required: bool,
) -> CoreResult<SessionFields> {
    // On a change, a field left out (or null) is kept; sent blank, it is not a day or a time.
    let blank = |v: &Option<String>| v.as_deref().is_some_and(|v| v.trim().is_empty());
    if !required && blank(&input.held_on) {
        e.add("held_on", "invalid_date");
    }
    if !required && blank(&input.starts_at) {
        e.add("starts_at", "invalid_time");
    }
    let held_on = if required {
        validate::required_date(e, "held_on", input.held_on.as_deref())
    } else {
        validate::date(e, "held_on", input.held_on.as_deref())
    };
    let starts_at = match input.starts_at.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None if required => {
            e.add("starts_at", "required");
            None
        }
        v => time_of_day(e, "starts_at", v),
    };
    let duration = minutes(e, "duration_minutes", input.duration_minutes, 600, required);
    let topic = validate::text(e, "topic", input.topic.as_deref(), 200);
    let trainer_name = validate::text(e, "trainer_name", input.trainer_name.as_deref(), 200);
    let location = validate::text(e, "location", input.location.as_deref(), 200);
    let trainer_user_id = match input.trainer_user_id {
        Some(t) if !valid_trainer(store, community_id, t).await? => {
            e.add("trainer_user_id", "not_a_trainer");
            None
        }
        t => t,
    };
    Ok(SessionFields { held_on, starts_at, duration, topic, trainer_user_id, trainer_name, location })
}

/// An extra session of a program (a make-up class, a second group on the same day).
#[tracing::instrument(skip_all)]
pub async fn add_session(store: &Store, actor: &Actor, input: SessionInput) -> CoreResult<program_session::Model> {
    actor.require(Permission::RunPrograms)?;
    let pid = input.program_id.ok_or_else(|| CoreError::invalid("program_id", "required"))?;
    let p = match load(store, actor, pid).await {
        Err(CoreError::NotFound) => return Err(CoreError::invalid("program_id", "unknown_program")),
        other => other?,
    };
    let mut e = FieldErrors::new();
    let f = session_fields(store, &mut e, p.community_id, &input, true).await?;
    if input.status.as_deref().is_some_and(|s| !s.trim().is_empty() && s.trim() != "planned") {
        e.add("status", "invalid_choice");
    }
    // A new session is planned: a reason for cancelling has no place, but is checked like
    // any text so nothing unchecked is ever accepted.
    if validate::text(&mut e, "cancel_reason", input.cancel_reason.as_deref(), 400).is_some() {
        e.add("cancel_reason", "not_for_planned");
    }
    e.into_result()?;
    let (Some(held_on), Some(starts_at), Some(duration)) = (f.held_on, f.starts_at, f.duration) else {
        return Err(CoreError::Internal("validated session".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let s = program_session::ActiveModel {
        community_id: Set(p.community_id),
        program_id: Set(p.id),
        held_on: Set(held_on),
        starts_at: Set(starts_at),
        duration_minutes: Set(duration),
        topic: Set(f.topic),
        trainer_user_id: Set(f.trainer_user_id),
        trainer_name: Set(f.trainer_name),
        location: Set(f.location.or(p.location.clone())),
        status: Set(SessionStatus::Planned),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::ProgramSession, Some(s.id))
            .community(s.community_id)
            .summary("extra session"),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// Moves a session (date, time, length), changes its topic, trainer or place, cancels it
/// (a reason is required) or plans it again. A session with a roll-call cannot be cancelled
/// or moved to the future: its attendance would stop counting without anyone deciding so.
#[tracing::instrument(skip_all)]
pub async fn change_session(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: SessionInput,
) -> CoreResult<program_session::Model> {
    let (current, p) = load_session(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let f = session_fields(store, &mut e, p.community_id, &input, false).await?;
    let status = match input.status.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match SessionStatus::parse(v) {
            Some(SessionStatus::Held) => {
                e.add("status", "held_by_roll_call");
                None
            }
            Some(s) => Some(s),
            None => {
                e.add("status", "invalid_choice");
                None
            }
        },
    };
    let reason = validate::text(&mut e, "cancel_reason", input.cancel_reason.as_deref(), 400);
    if status == Some(SessionStatus::Cancelled) && reason.is_none() && !e.0.iter().any(|x| x.field == "cancel_reason") {
        e.add("cancel_reason", "required");
    }
    if input.program_id.is_some_and(|x| x != p.id) {
        e.add("program_id", "cannot_change");
    }
    e.into_result()?;
    let tx = store.write().await?;
    let s: program_session::Model = store::locked::<program_session::Entity>(&tx, current.id).await?;
    crate::version::check(input.version.as_deref(), &s.updated_at)?;
    let marked = attendance::Entity::find().filter(attendance::Column::SessionId.eq(s.id)).count(&tx).await?;
    let today = chrono::Local::now().date_naive();
    if marked > 0 && status == Some(SessionStatus::Cancelled) {
        return Err(CoreError::Conflict { field: "status".into(), code: "has_attendance" });
    }
    if marked > 0 && f.held_on.is_some_and(|d| d > today) {
        return Err(CoreError::Conflict { field: "held_on".into(), code: "has_attendance" });
    }
    let mut changed = Vec::new();
    let mut a: program_session::ActiveModel = s.clone().into();
    if let Some(d) = f.held_on.filter(|d| *d != s.held_on) {
        a.held_on = Set(d);
        changed.push("held_on");
    }
    if let Some(t) = f.starts_at.filter(|t| *t != s.starts_at) {
        a.starts_at = Set(t);
        changed.push("starts_at");
    }
    if let Some(m) = f.duration.filter(|m| *m != s.duration_minutes) {
        a.duration_minutes = Set(m);
        changed.push("duration_minutes");
    }
    for (name, new, old, set) in [
        ("topic", &f.topic, &s.topic, 0),
        ("trainer_name", &f.trainer_name, &s.trainer_name, 1),
        ("location", &f.location, &s.location, 2),
    ] {
        if input_given(&input, name) && new != old {
            match set {
                0 => a.topic = Set(new.clone()),
                1 => a.trainer_name = Set(new.clone()),
                _ => a.location = Set(new.clone()),
            }
            changed.push(name);
        }
    }
    if input.trainer_user_id.is_some() && f.trainer_user_id != s.trainer_user_id {
        a.trainer_user_id = Set(f.trainer_user_id);
        changed.push("trainer_user_id");
    }
    match status {
        Some(SessionStatus::Cancelled) if s.status != SessionStatus::Cancelled => {
            a.status = Set(SessionStatus::Cancelled);
            a.cancel_reason = Set(reason);
            changed.push("status");
        }
        Some(SessionStatus::Planned) if s.status == SessionStatus::Cancelled => {
            a.status = Set(if marked > 0 { SessionStatus::Held } else { SessionStatus::Planned });
            a.cancel_reason = Set(None);
            changed.push("status");
        }
        _ => {}
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(s);
    }
    a.updated_at = Set(Utc::now());
    let s = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::ProgramSession, Some(s.id))
            .community(s.community_id)
            .summary(format!("changed: {}", changed.join(", "))),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

fn input_given(input: &SessionInput, field: &str) -> bool {
    match field {
        "topic" => input.topic.is_some(),
        "trainer_name" => input.trainer_name.is_some(),
        _ => input.location.is_some(),
    }
}

/// The Today page: the sessions I teach today, and the team's paperwork — past sessions of
/// the actor's communities still planned (no roll-call yet: "attendance not recorded"). About
/// sessions only, never about who came.
#[tracing::instrument(skip_all)]
pub async fn sessions_needing(
    store: &Store,
    actor: &Actor,
    today: NaiveDate,
    limit: u64,
) -> CoreResult<SessionsNeeding> {
    if !crate::policy::allows(actor.role, Permission::RunPrograms) {
        return Ok(SessionsNeeding::default());
    }
    let scope = || {
        let mut c = Condition::all();
        if let Some(ids) = actor.community_filter() {
            c = c.add(program_session::Column::CommunityId.is_in(ids.to_vec()));
        }
        c
    };
    // Mine: I teach the session, or the program.
    let me = actor.user_id.unwrap_or(-1);
    let my_programs = sea_orm::sea_query::Query::select()
        .column(program_trainer::Column::ProgramId)
        .from(program_trainer::Entity)
        .and_where(program_trainer::Column::UserId.eq(me))
        .to_owned();
    let todays = scope()
        .add(program_session::Column::HeldOn.eq(today))
        .add(program_session::Column::Status.ne(SessionStatus::Cancelled))
        .add(
            Condition::any()
                .add(program_session::Column::TrainerUserId.eq(me))
                .add(program_session::Column::ProgramId.in_subquery(my_programs)),
        );
    let late = scope()
        .add(program_session::Column::HeldOn.lt(today))
        .add(program_session::Column::Status.eq(SessionStatus::Planned));
    let mut out = Vec::new();
    for (cond, asc) in [(todays, true), (late, false)] {
        let n = program_session::Entity::find().filter(cond.clone()).count(store.conn()).await?;
        if limit == 0 || n == 0 {
            // The menu's badge wants only the count.
            out.push((Vec::new(), n));
            continue;
        }
        let mut q = program_session::Entity::find().filter(cond);
        q = if asc {
            q.order_by_asc(program_session::Column::StartsAt)
        } else {
            q.order_by_desc(program_session::Column::HeldOn)
        };
        let rows = q.limit(limit).all(store.conn()).await?;
        let names = program_names(store, &rows.iter().map(|s| s.program_id).collect::<Vec<_>>()).await?;
        let rows = rows
            .into_iter()
            .map(|s| {
                let n = names.get(&s.program_id).cloned().unwrap_or_default();
                (s, n)
            })
            .collect();
        out.push((rows, n));
    }
    let (unrecorded, unrecorded_count) = out.pop().unwrap_or_default();
    let (today, today_count) = out.pop().unwrap_or_default();
    Ok(SessionsNeeding { today, today_count, unrecorded, unrecorded_count })
}

/// Sessions with their program's name.
pub type NamedSessions = Vec<(program_session::Model, String)>;

/// The Today page's sessions: today's (first few, and how many), and past ones with no
/// roll-call yet.
#[derive(Clone, Debug, Default)]
pub struct SessionsNeeding {
    pub today: NamedSessions,
    pub today_count: u64,
    pub unrecorded: NamedSessions,
    pub unrecorded_count: u64,
}

/// Program names by id.
pub async fn program_names(store: &Store, ids: &[i64]) -> CoreResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(program::Entity::find()
        .filter(program::Column::Id.is_in(ids.to_vec()))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

// ---------------------------------------------------------------------------------------
// Enrolment

/// A resident joins a program (voluntary). Refused when they are already enrolled, when
/// the program is full (checked under the program's lock, so two last places are never
/// both given), or cancelled.
#[tracing::instrument(skip_all)]
pub async fn enrol(
    store: &Store,
    actor: &Actor,
    program_id: i64,
    resident_id: Option<i64>,
    joined_on: Option<&str>,
) -> CoreResult<enrolment::Model> {
    let p = load(store, actor, program_id).await?;
    let mut e = FieldErrors::new();
    let joined = match joined_on.map(str::trim).filter(|v| !v.is_empty()) {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::date(&mut e, "joined_on", v),
    };
    let r = match resident_id {
        None => {
            e.add("resident_id", "required");
            None
        }
        Some(rid) => match crate::registry::residents::load(store, actor, rid).await {
            Ok(r) if r.community_id == p.community_id => Some(r),
            Ok(_) | Err(CoreError::NotFound) => {
                e.add("resident_id", "no_such_resident");
                None
            }
            Err(other) => return Err(other),
        },
    };
    e.into_result()?;
    let (Some(r), Some(joined)) = (r, joined) else {
        return Err(CoreError::Internal("validated enrolment".into()));
    };
    let tx = store.write().await?;
    let p: program::Model = store::locked::<program::Entity>(&tx, p.id).await?;
    if p.cancelled {
        return Err(CoreError::Conflict { field: "program_id".into(), code: "program_cancelled" });
    }
    let open = enrolment::Entity::find()
        .filter(enrolment::Column::ProgramId.eq(p.id))
        .filter(enrolment::Column::EndedOn.is_null());
    if open.clone().filter(enrolment::Column::ResidentId.eq(r.id)).count(&tx).await? > 0 {
        return Err(CoreError::Conflict { field: "resident_id".into(), code: "already_enrolled" });
    }
    if let Some(cap) = p.capacity
        && open.count(&tx).await? >= u64::try_from(cap).unwrap_or(0)
    {
        return Err(CoreError::Conflict { field: "program_id".into(), code: "program_full" });
    }
    let now = Utc::now();
    let en = enrolment::ActiveModel {
        community_id: Set(p.community_id),
        program_id: Set(p.id),
        resident_id: Set(r.id),
        joined_on: Set(joined),
        ended_on: Set(None),
        outcome: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Enrolment, Some(en.id))
            .community(en.community_id)
            .summary(format!("program {}", p.id))
            .showed([RecordRef::new(EntityKind::Resident, r.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(en)
}

/// Ends an enrolment: completed, left (the resident's choice) or program cancelled.
#[tracing::instrument(skip_all)]
pub async fn end_enrolment(
    store: &Store,
    actor: &Actor,
    id: i64,
    outcome: Option<&str>,
    ended_on: Option<&str>,
) -> CoreResult<enrolment::Model> {
    actor.require(Permission::RunPrograms)?;
    let en = enrolment::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    load(store, actor, en.program_id).await?;
    let mut e = FieldErrors::new();
    let outcome = match outcome.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            e.add("outcome", "required");
            None
        }
        v => validate::word::<EnrolmentOutcome>(&mut e, "outcome", v),
    };
    let ended = match ended_on.map(str::trim).filter(|v| !v.is_empty()) {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::date(&mut e, "ended_on", v),
    };
    if ended.is_some_and(|d| d < en.joined_on) {
        e.add("ended_on", "date_before_joined");
    }
    e.into_result()?;
    let tx = store.write().await?;
    let en: enrolment::Model = store::locked::<enrolment::Entity>(&tx, en.id).await?;
    if en.ended_on.is_some() {
        return Err(CoreError::Conflict { field: "outcome".into(), code: "already_ended" });
    }
    let mut a: enrolment::ActiveModel = en.into();
    a.outcome = Set(outcome);
    a.ended_on = Set(ended);
    a.updated_at = Set(Utc::now());
    let en = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Enrolment, Some(en.id))
            .community(en.community_id)
            .summary(format!("ended: {}", en.outcome.map(|o| o.word()).unwrap_or_default())),
    )
    .await?;
    tx.commit().await?;
    Ok(en)
}

/// One enrolled (or formerly enrolled) resident, for the program page.
#[derive(Clone, Debug)]
pub struct RosterRow {
    pub enrolment: enrolment::Model,
    pub resident_name: String,
    pub household_id: i64,
}

/// A program's enrolments, current first, with names; the read is audited with the
/// residents it showed.
#[tracing::instrument(skip_all)]
pub async fn roster(store: &Store, actor: &Actor, program_id: i64) -> CoreResult<Vec<RosterRow>> {
    let p = load(store, actor, program_id).await?;
    let rows = enrolment::Entity::find()
        .filter(enrolment::Column::ProgramId.eq(p.id))
        .order_by_asc(enrolment::Column::Id)
        .all(store.conn())
        .await?;
    let people = residents_by_id(store, &rows.iter().map(|e| e.resident_id).collect::<Vec<_>>()).await?;
    let mut out: Vec<RosterRow> = rows
        .into_iter()
        .map(|e| {
            let (name, hh) = people.get(&e.resident_id).cloned().unwrap_or_default();
            RosterRow { enrolment: e, resident_name: name, household_id: hh }
        })
        .collect();
    out.sort_by_key(|r| r.enrolment.ended_on.is_some());
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Enrolment, None)
            .community(p.community_id)
            .summary(format!("program {}: {} enrolments", p.id, out.len()))
            .showed(out.iter().map(|r| RecordRef::new(EntityKind::Resident, r.enrolment.resident_id))),
    )
    .await?;
    Ok(out)
}

/// Residents' names and households by id (one query).
pub async fn residents_by_id(store: &Store, ids: &[i64]) -> CoreResult<HashMap<i64, (String, i64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for r in resident::Entity::find().filter(resident::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await? {
            out.insert(r.id, (r.full_name, r.household_id));
        }
    }
    Ok(out)
}

/// How much of a program a resident attended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attended {
    pub sessions: u64,
    pub minutes: i32,
    pub last_on: NaiveDate,
}

/// A household member's part in one program, for the household timeline and the resident's
/// page: their enrolment (none for someone who only came as a walk-in) and what they attended.
#[derive(Clone, Debug)]
pub struct EnrolmentLine {
    pub program_id: i64,
    pub resident_id: i64,
    pub enrolment: Option<enrolment::Model>,
    pub resident_name: String,
    pub program_name: String,
    pub attended: Option<Attended>,
}

/// Attendance of these residents at held sessions, per (resident, program).
async fn attended_by(store: &Store, resident_ids: &[i64]) -> CoreResult<HashMap<(i64, i64), Attended>> {
    let mut out: HashMap<(i64, i64), Attended> = HashMap::new();
    if resident_ids.is_empty() {
        return Ok(out);
    }
    let marks = attendance::Entity::find()
        .filter(attendance::Column::ResidentId.is_in(resident_ids.to_vec()))
        .all(store.conn())
        .await?;
    let sessions: HashMap<i64, program_session::Model> = program_session::Entity::find()
        .filter(program_session::Column::Id.is_in(marks.iter().map(|m| m.session_id).collect::<Vec<_>>()))
        .filter(program_session::Column::Status.eq(SessionStatus::Held))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for m in marks {
        if let Some(s) = sessions.get(&m.session_id) {
            let a = out
                .entry((m.resident_id, s.program_id))
                .or_insert(Attended { last_on: s.held_on, ..Default::default() });
            a.sessions += 1;
            a.minutes += m.minutes;
            a.last_on = a.last_on.max(s.held_on);
        }
    }
    Ok(out)
}

/// The enrolments of a household's members, with what each attended. The caller has checked
/// the household's scope.
pub async fn enrolments_of_household(store: &Store, household_id: i64) -> CoreResult<Vec<EnrolmentLine>> {
    let members: Vec<resident::Model> =
        resident::Entity::find().filter(resident::Column::HouseholdId.eq(household_id)).all(store.conn()).await?;
    lines_for(store, &members).await
}

/// A resident's enrolments with what they attended (the resident's page); audited with the
/// resident's read by the caller.
pub async fn enrolments_of_resident(store: &Store, actor: &Actor, resident_id: i64) -> CoreResult<Vec<EnrolmentLine>> {
    if !crate::policy::allows(actor.role, Permission::RunPrograms) {
        return Ok(Vec::new());
    }
    let r = crate::registry::residents::load(store, actor, resident_id).await?;
    lines_for(store, &[r]).await
}

async fn lines_for(store: &Store, members: &[resident::Model]) -> CoreResult<Vec<EnrolmentLine>> {
    let ids: Vec<i64> = members.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = enrolment::Entity::find()
        .filter(enrolment::Column::ResidentId.is_in(ids.clone()))
        .order_by_asc(enrolment::Column::JoinedOn)
        .all(store.conn())
        .await?;
    let attended = attended_by(store, &ids).await?;
    let mut programs: Vec<i64> = rows.iter().map(|e| e.program_id).collect();
    programs.extend(attended.keys().map(|(_, p)| *p));
    let names = program_names(store, &programs).await?;
    let name_of = |rid: i64| members.iter().find(|r| r.id == rid).map(|r| r.full_name.clone()).unwrap_or_default();
    let mut out: Vec<EnrolmentLine> = rows
        .into_iter()
        .map(|e| EnrolmentLine {
            program_id: e.program_id,
            resident_id: e.resident_id,
            resident_name: name_of(e.resident_id),
            program_name: names.get(&e.program_id).cloned().unwrap_or_default(),
            attended: attended.get(&(e.resident_id, e.program_id)).copied(),
            enrolment: Some(e),
        })
        .collect();
    // Walk-ins who came without enrolling.
    let mut walk_ins: Vec<(&(i64, i64), &Attended)> =
        attended.iter().filter(|((r, p), _)| !out.iter().any(|l| l.resident_id == *r && l.program_id == *p)).collect();
    walk_ins.sort_by_key(|(k, a)| (a.last_on, **k));
    for ((r, p), a) in walk_ins {
        out.push(EnrolmentLine {
            program_id: *p,
            resident_id: *r,
            enrolment: None,
            resident_name: name_of(*r),
            program_name: names.get(p).cloned().unwrap_or_default(),
            attended: Some(*a),
        });
    }
    Ok(out)
}

/// The household a resident lives in (for links).
pub async fn household_of(store: &Store, resident_id: i64) -> CoreResult<Option<household::Model>> {
    let Some(r) = resident::Entity::find_by_id(resident_id).one(store.conn()).await? else {
        return Ok(None);
    };
    Ok(household::Entity::find_by_id(r.household_id).one(store.conn()).await?)
}

/// A user's display name.
pub async fn user_name(store: &Store, id: Option<i64>) -> CoreResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(user::Entity::find_by_id(id).one(store.conn()).await?.map(|u| u.display_name))
}

/// A change to a program (the API's PATCH and the program page's form): absent fields are
/// kept. Cancelling a program cancels its sessions still planned from `cancelled_from` (today
/// by default) and ends its open enrolments as "program cancelled".
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramChange {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    #[schema(max_length = 400)]
    pub guest_trainers: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// 0 removes the limit.
    #[schema(minimum = 0, maximum = 10000)]
    pub capacity: Option<i64>,
    /// Minutes for a certificate; 0 means the program gives none.
    #[schema(minimum = 0, maximum = 100000)]
    pub certificate_minutes: Option<i64>,
    /// `true` cancels the program (cannot be undone here).
    pub cancelled: Option<bool>,
    /// Why it was cancelled (required with `cancelled`).
    #[schema(max_length = 400)]
    pub cancel_reason: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// Changes a program's details, or cancels it.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: ProgramChange) -> CoreResult<program::Model> {
    let current = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let name = match input.name.as_deref() {
        Some(v) => validate::required_text(&mut e, "name", Some(v), 200),
        None => None,
    };
    let description = validate::text(&mut e, "description", input.description.as_deref(), 4000);
    let guest_trainers = validate::text(&mut e, "guest_trainers", input.guest_trainers.as_deref(), 400);
    let location = validate::text(&mut e, "location", input.location.as_deref(), 200);
    let zero_or = |e: &mut FieldErrors, f: &str, v: Option<i64>, max: i64| match v {
        Some(0) => Some(None),
        Some(x) => minutes(e, f, Some(x), max, false).map(Some),
        None => None,
    };
    let capacity = zero_or(&mut e, "capacity", input.capacity, 10_000);
    let certificate = zero_or(&mut e, "certificate_minutes", input.certificate_minutes, 100_000);
    let reason = validate::text(&mut e, "cancel_reason", input.cancel_reason.as_deref(), 400);
    let cancelling = input.cancelled == Some(true) && !current.cancelled;
    if cancelling && reason.is_none() && !e.0.iter().any(|x| x.field == "cancel_reason") {
        e.add("cancel_reason", "required");
    }
    if input.cancelled == Some(false) && current.cancelled {
        e.add("cancelled", "cannot_change");
    }
    e.into_result()?;
    let tx = store.write().await?;
    let p: program::Model = store::locked::<program::Entity>(&tx, current.id).await?;
    crate::version::check(input.version.as_deref(), &p.updated_at)?;
    let mut changed = Vec::new();
    let mut a: program::ActiveModel = p.clone().into();
    if let Some(n) = name.filter(|n| *n != p.name) {
        a.name = Set(n);
        changed.push("name");
    }
    for (field, given, new, old) in [
        ("description", input.description.is_some(), &description, &p.description),
        ("guest_trainers", input.guest_trainers.is_some(), &guest_trainers, &p.guest_trainers),
        ("location", input.location.is_some(), &location, &p.location),
    ] {
        if given && new != old {
            match field {
                "description" => a.description = Set(new.clone()),
                "guest_trainers" => a.guest_trainers = Set(new.clone()),
                _ => a.location = Set(new.clone()),
            }
            changed.push(field);
        }
    }
    if let Some(c) = capacity.filter(|c| *c != p.capacity) {
        a.capacity = Set(c);
        changed.push("capacity");
    }
    if let Some(c) = certificate.filter(|c| *c != p.certificate_minutes) {
        a.certificate_minutes = Set(c);
        changed.push("certificate_minutes");
    }
    let today = chrono::Local::now().date_naive();
    let (mut sessions_cancelled, mut enrolments_ended) = (0u64, 0u64);
    if cancelling {
        a.cancelled = Set(true);
        changed.push("cancelled");
        let now = Utc::now();
        let r = program_session::Entity::update_many()
            .col_expr(program_session::Column::Status, sea_orm::sea_query::Expr::value(SessionStatus::Cancelled.word()))
            .col_expr(program_session::Column::CancelReason, sea_orm::sea_query::Expr::value(reason.clone()))
            .col_expr(program_session::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
            .filter(program_session::Column::ProgramId.eq(p.id))
            .filter(program_session::Column::Status.eq(SessionStatus::Planned))
            .filter(program_session::Column::HeldOn.gte(today))
            .exec(&tx)
            .await?;
        sessions_cancelled = r.rows_affected;
        let r = enrolment::Entity::update_many()
            .col_expr(enrolment::Column::EndedOn, sea_orm::sea_query::Expr::value(today))
            .col_expr(
                enrolment::Column::Outcome,
                sea_orm::sea_query::Expr::value(EnrolmentOutcome::ProgramCancelled.word()),
            )
            .col_expr(enrolment::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
            .filter(enrolment::Column::ProgramId.eq(p.id))
            .filter(enrolment::Column::EndedOn.is_null())
            .exec(&tx)
            .await?;
        enrolments_ended = r.rows_affected;
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(p);
    }
    a.updated_at = Set(Utc::now());
    let p = a.update(&tx).await?;
    let mut summary = format!("changed: {}", changed.join(", "));
    if cancelling {
        summary.push_str(&format!("; {sessions_cancelled} sessions cancelled, {enrolments_ended} enrolments ended"));
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Program, Some(p.id)).community(p.community_id).summary(summary),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}
