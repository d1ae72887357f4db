//! Job fairs: the day, the place, the partner employers taking part and the openings they
//! presented, who came, and what happened on the spot (interviews agreed, offers made).
//!
//! Who came is taken with the classes' roll-call, not a second one: each fair owns a program
//! of kind `job_fair` with one session, and the fair's attendance is that session's
//! roll-call (the same tap-to-mark page, group commit and audit). Class figures leave those
//! sessions out.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{community_field, load, whole};
use crate::audit::{self, Action, Entry};
use crate::entity::{attendance, employer, fair_employer, fair_opening, job_fair, opening, program, program_session};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::programs::{ProgramKind, SessionStatus};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

/// A fair as submitted (`POST`: community, day and place needed; `PATCH`: absent keeps a
/// field, and a list sent replaces the one kept).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FairInput {
    /// The community (slug); only on creation.
    #[schema(value_type = Option<String>)]
    pub community: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<String>,
    #[schema(max_length = 200)]
    pub place: Option<String>,
    /// When it opens, "HH:MM" (default 09:00).
    #[schema(value_type = Option<String>, example = "09:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub starts_at: Option<String>,
    /// How long it runs (default 180 minutes).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 720)]
    pub duration_minutes: Option<i64>,
    /// The partner employers taking part.
    pub employer_ids: Option<Vec<i64>>,
    /// The openings presented (of those employers).
    pub opening_ids: Option<Vec<i64>>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    pub interviews_agreed: Option<i64>,
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    pub offers_made: Option<i64>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

struct Valid {
    held_on: NaiveDate,
    place: String,
    starts_at: String,
    duration: i32,
    employers: Vec<i64>,
    openings: Vec<i64>,
    interviews: i32,
    offers: i32,
    notes: Option<String>,
}

/// Checks a fair against its community: employers and openings must be of it, and every
/// opening presented must be of an employer taking part.
async fn check(
    store: &Store,
    e: &mut FieldErrors,
    community_id: Option<i64>,
    i: &FairInput,
) -> CoreResult<Option<Valid>> {
    let held_on = validate::required_date(e, "held_on", i.held_on.as_deref());
    let place = validate::required_text(e, "place", i.place.as_deref(), 200);
    let starts_at = match i.starts_at.as_deref() {
        None => Some("09:00".to_owned()),
        Some(v) if v.trim().is_empty() => {
            e.add("starts_at", "required");
            None
        }
        v => crate::programs::schedule::time_of_day(e, "starts_at", v),
    };
    let duration = whole(e, "duration_minutes", i.duration_minutes.or(Some(180)), 1, 720, true);
    let interviews = whole(e, "interviews_agreed", i.interviews_agreed.or(Some(0)), 0, 10_000, true);
    let offers = whole(e, "offers_made", i.offers_made.or(Some(0)), 0, 10_000, true);
    let notes = validate::text(e, "notes", i.notes.as_deref(), 4000);
    let mut employers: Vec<i64> = Vec::new();
    let mut openings: Vec<i64> = Vec::new();
    if let Some(c) = community_id {
        let wanted = i.employer_ids.clone().unwrap_or_default();
        let known: Vec<i64> = if wanted.is_empty() {
            Vec::new()
        } else {
            employer::Entity::find()
                .filter(employer::Column::Id.is_in(wanted.clone()))
                .filter(employer::Column::CommunityId.eq(c))
                .all(store.conn())
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect()
        };
        for (n, id) in wanted.iter().enumerate() {
            if !known.contains(id) {
                e.add(&format!("employer_ids[{n}]"), "unknown_employer");
            } else if !employers.contains(id) {
                employers.push(*id);
            }
        }
        let wanted = i.opening_ids.clone().unwrap_or_default();
        let found: HashMap<i64, opening::Model> = if wanted.is_empty() {
            HashMap::new()
        } else {
            opening::Entity::find()
                .filter(opening::Column::Id.is_in(wanted.clone()))
                .filter(opening::Column::CommunityId.eq(c))
                .all(store.conn())
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect()
        };
        for (n, id) in wanted.iter().enumerate() {
            match found.get(id) {
                None => e.add(&format!("opening_ids[{n}]"), "unknown_opening"),
                Some(o) if !employers.contains(&o.employer_id) => {
                    e.add(&format!("opening_ids[{n}]"), "employer_not_at_fair")
                }
                Some(_) if openings.contains(id) => {}
                Some(_) => openings.push(*id),
            }
        }
    }
    Ok((|| {
        Some(Valid {
            held_on: held_on?,
            place: place?,
            starts_at: starts_at?,
            duration: i32::try_from(duration?).ok()?,
            employers,
            openings,
            interviews: i32::try_from(interviews?).ok()?,
            offers: i32::try_from(offers?).ok()?,
            notes,
        })
    })())
}

fn program_name(v: &Valid) -> String {
    format!("{} · {}", v.held_on, v.place)
}

async fn write_lists<C: ConnectionTrait>(conn: &C, fair: &job_fair::Model, v: &Valid) -> CoreResult<()> {
    fair_employer::Entity::delete_many().filter(fair_employer::Column::FairId.eq(fair.id)).exec(conn).await?;
    fair_opening::Entity::delete_many().filter(fair_opening::Column::FairId.eq(fair.id)).exec(conn).await?;
    if !v.employers.is_empty() {
        fair_employer::Entity::insert_many(v.employers.iter().map(|id| fair_employer::ActiveModel {
            community_id: Set(fair.community_id),
            fair_id: Set(fair.id),
            employer_id: Set(*id),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if !v.openings.is_empty() {
        fair_opening::Entity::insert_many(v.openings.iter().map(|id| fair_opening::ActiveModel {
            community_id: Set(fair.community_id),
            fair_id: Set(fair.id),
            opening_id: Set(*id),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Records a job fair, with the session its roll-call is taken at.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: FairInput) -> CoreResult<job_fair::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    let c = community_field(store, actor, &mut e, input.community.as_deref()).await?;
    let v = check(store, &mut e, c.as_ref().map(|c| c.id), &input).await?;
    e.into_result()?;
    let (Some(c), Some(v)) = (c, v) else { return Err(CoreError::Internal("validated fair".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let p = program::ActiveModel {
        community_id: Set(c.id),
        name: Set(program_name(&v)),
        kind: Set(ProgramKind::JobFair),
        description: Set(None),
        guest_trainers: Set(None),
        location: Set(Some(v.place.clone())),
        starts_on: Set(v.held_on),
        ends_on: Set(Some(v.held_on)),
        capacity: Set(None),
        certificate_minutes: Set(None),
        cancelled: Set(false),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let s = program_session::ActiveModel {
        community_id: Set(c.id),
        program_id: Set(p.id),
        held_on: Set(v.held_on),
        starts_at: Set(v.starts_at.clone()),
        duration_minutes: Set(v.duration),
        topic: Set(None),
        trainer_user_id: Set(None),
        trainer_name: Set(None),
        location: Set(Some(v.place.clone())),
        status: Set(SessionStatus::Planned),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let fair = job_fair::ActiveModel {
        community_id: Set(c.id),
        program_id: Set(p.id),
        session_id: Set(s.id),
        held_on: Set(v.held_on),
        place: Set(v.place.clone()),
        interviews_agreed: Set(v.interviews),
        offers_made: Set(v.offers),
        notes: Set(v.notes.clone()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    write_lists(&tx, &fair, &v).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::JobFair, Some(fair.id)).community(c.id).summary(format!(
            "{} employers, {} openings",
            v.employers.len(),
            v.openings.len()
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(fair)
}

/// Changes a fair: its day or place (its session moves with it), who took part, the
/// outcomes on the spot, its notes.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: FairInput) -> CoreResult<job_fair::Model> {
    let cur = load::<job_fair::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if input.community.is_some() {
        e.add("community", "cannot_change");
    }
    let s = program_session::Entity::find_by_id(cur.session_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let (emps, opens) = lists_of(store, cur.id).await?;
    let merged = FairInput {
        community: None,
        held_on: input.held_on.clone().or(Some(cur.held_on.to_string())),
        place: input.place.clone().or(Some(cur.place.clone())),
        starts_at: input.starts_at.clone().or(Some(s.starts_at.clone())),
        duration_minutes: input.duration_minutes.or(Some(i64::from(s.duration_minutes))),
        employer_ids: input.employer_ids.clone().or(Some(emps)),
        opening_ids: input.opening_ids.clone().or(Some(opens)),
        interviews_agreed: input.interviews_agreed.or(Some(i64::from(cur.interviews_agreed))),
        offers_made: input.offers_made.or(Some(i64::from(cur.offers_made))),
        notes: input.notes.clone().or(cur.notes.clone()),
        version: None,
    };
    let v = check(store, &mut e, Some(cur.community_id), &merged).await?;
    // A fair whose roll-call is taken cannot move to a day that has not come.
    if let Some(v) = &v
        && v.held_on > chrono::Local::now().date_naive()
        && s.status == SessionStatus::Held
    {
        e.add("held_on", "attendance_recorded");
    }
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated fair".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let row: job_fair::Model = store::locked::<job_fair::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let session: program_session::Model = store::locked::<program_session::Entity>(&tx, row.session_id).await?;
    let mut sa = session.into_active_model();
    sa.held_on = Set(v.held_on);
    sa.starts_at = Set(v.starts_at.clone());
    sa.duration_minutes = Set(v.duration);
    sa.location = Set(Some(v.place.clone()));
    sa.updated_at = Set(now);
    sa.update(&tx).await?;
    if let Some(p) = program::Entity::find_by_id(row.program_id).one(&tx).await? {
        let mut pa = p.into_active_model();
        pa.name = Set(program_name(&v));
        pa.location = Set(Some(v.place.clone()));
        pa.starts_on = Set(v.held_on);
        pa.ends_on = Set(Some(v.held_on));
        pa.updated_at = Set(now);
        pa.update(&tx).await?;
    }
    let mut a = row.into_active_model();
    a.held_on = Set(v.held_on);
    a.place = Set(v.place.clone());
    a.interviews_agreed = Set(v.interviews);
    a.offers_made = Set(v.offers);
    a.notes = Set(v.notes.clone());
    a.updated_at = Set(now);
    let m = a.update(&tx).await?;
    write_lists(&tx, &m, &v).await?;
    audit::append(&tx, actor, Entry::new(Action::Update, EntityKind::JobFair, Some(m.id)).community(m.community_id))
        .await?;
    tx.commit().await?;
    Ok(m)
}

/// The employers and openings of a fair, by id.
pub async fn lists_of(store: &Store, fair_id: i64) -> CoreResult<(Vec<i64>, Vec<i64>)> {
    let emps = fair_employer::Entity::find()
        .filter(fair_employer::Column::FairId.eq(fair_id))
        .order_by_asc(fair_employer::Column::Id)
        .all(store.conn())
        .await?
        .into_iter()
        .map(|r| r.employer_id)
        .collect();
    let opens = fair_opening::Entity::find()
        .filter(fair_opening::Column::FairId.eq(fair_id))
        .order_by_asc(fair_opening::Column::Id)
        .all(store.conn())
        .await?
        .into_iter()
        .map(|r| r.opening_id)
        .collect();
    Ok((emps, opens))
}

/// A fair with who came (how many were marked at its roll-call).
#[derive(Clone, Debug)]
pub struct Fair {
    pub fair: job_fair::Model,
    pub attendees: u64,
}

async fn with_counts(store: &Store, fairs: Vec<job_fair::Model>) -> CoreResult<Vec<Fair>> {
    let mut out = Vec::with_capacity(fairs.len());
    for f in fairs {
        let attendees = attendance::Entity::find()
            .filter(attendance::Column::SessionId.eq(f.session_id))
            .count(store.conn())
            .await?;
        out.push(Fair { fair: f, attendees });
    }
    Ok(out)
}

/// The fairs of the actor's communities, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<Fair>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut q = job_fair::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(job_fair::Column::CommunityId.is_in(ids.to_vec()));
    }
    let rows = q.order_by_desc(job_fair::Column::HeldOn).order_by_desc(job_fair::Column::Id).all(store.conn()).await?;
    with_counts(store, rows).await
}

/// One fair with its attendance count.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<Fair> {
    let f = load::<job_fair::Entity>(store, actor, id).await?;
    let mut v = with_counts(store, vec![f]).await?;
    v.pop().ok_or(CoreError::NotFound)
}

/// The fair whose roll-call a program's session is (for the roll-call page's way back).
pub async fn of_program(store: &Store, actor: &Actor, program_id: i64) -> CoreResult<job_fair::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let f = job_fair::Entity::find()
        .filter(job_fair::Column::ProgramId.eq(program_id))
        .one(store.conn())
        .await?
        .ok_or(CoreError::NotFound)?;
    if !actor.sees_community(f.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(f)
}
