//! Cases themselves: opening one for a household (the residents it concerns, the workers
//! assigned, a plan of regular visits), changing its status (a case holding money cannot
//! end until the rest is given back or moved to another case), notes, the follow-ups it
//! tracks (made with the follow-up mechanism itself), and the visits due for its workers.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{CaseCategory, CaseStatus, load, visible};
use crate::audit::{self, Action, Entry};
use crate::entity::{case, case_follow_up, case_resident, case_worker, follow_up, household, resident, visit};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission, Role};
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// A case as submitted (`POST`: household, category, summary and at least one worker;
/// `PATCH`: absent keeps, a list sent replaces).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// Only on opening.
    #[schema(value_type = Option<i64>)]
    pub household_id: Option<i64>,
    /// Members of the household the case concerns.
    pub resident_ids: Option<Vec<i64>>,
    #[schema(value_type = Option<CaseCategory>)]
    pub category: Option<String>,
    #[schema(max_length = 4000)]
    pub summary: Option<String>,
    /// Default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub opened_on: Option<String>,
    /// Workers assigned (they, and the community's coordinators, see the case).
    pub worker_ids: Option<Vec<i64>>,
    /// Visit the family every so many days; 0 removes the plan.
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 365)]
    pub visit_every_days: Option<i64>,
    /// A change of status: monitoring, resolved, closed (without resolution), or open again.
    #[schema(value_type = Option<CaseStatus>)]
    pub status: Option<String>,
    /// The day of the status change (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub status_on: Option<String>,
    #[schema(max_length = 2000)]
    pub resolution_note: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// Who may be assigned in a community: its enabled users whose role works on cases.
async fn valid_workers(store: &Store, e: &mut FieldErrors, community_id: i64, ids: &[i64]) -> CoreResult<Vec<i64>> {
    let people = crate::visits::people_of(store, community_id).await?;
    let mut out = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let ok = people.iter().any(|(u, _, role)| {
            u == id && Role::parse(role).is_some_and(|r| crate::policy::allows(r, Permission::WorkCases))
        });
        if !ok {
            e.add(&format!("worker_ids[{n}]"), "not_a_case_worker");
        } else if !out.contains(id) {
            out.push(*id);
        }
    }
    Ok(out)
}

async fn valid_residents(store: &Store, e: &mut FieldErrors, household_id: i64, ids: &[i64]) -> CoreResult<Vec<i64>> {
    let members: Vec<i64> = resident::Entity::find()
        .filter(resident::Column::HouseholdId.eq(household_id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut out = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        if !members.contains(id) {
            e.add(&format!("resident_ids[{n}]"), "not_of_household");
        } else if !out.contains(id) {
            out.push(*id);
        }
    }
    Ok(out)
}

fn every(e: &mut FieldErrors, v: Option<i64>) -> Option<Option<i32>> {
    match v {
        None => None,
        Some(0) => Some(None),
        Some(d @ 1..=365) => Some(i32::try_from(d).ok()),
        Some(_) => {
            e.add_arg("visit_every_days", "out_of_range_zero", 365);
            None
        }
    }
}

/// Opens a case. The actor is assigned if they are a caseworker (they would not see it
/// otherwise).
#[tracing::instrument(skip_all)]
pub async fn open(store: &Store, actor: &Actor, i: CaseInput) -> CoreResult<case::Model> {
    actor.require(Permission::WorkCases)?;
    let mut e = FieldErrors::new();
    let h = match i.household_id {
        None => {
            e.add("household_id", "required");
            None
        }
        Some(id) => match household::Entity::find_by_id(id).one(store.conn()).await? {
            Some(h) if actor.sees_community(h.community_id) => Some(h),
            _ => {
                e.add("household_id", "unknown_household");
                None
            }
        },
    };
    let category = match i.category.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("category", "required");
            None
        }
        c => validate::word::<CaseCategory>(&mut e, "category", c),
    };
    let summary = validate::required_text(&mut e, "summary", i.summary.as_deref(), 4000);
    let opened_on = match i.opened_on.as_deref() {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::required_date(&mut e, "opened_on", v),
    };
    if opened_on.is_some_and(|d| d > chrono::Local::now().date_naive()) {
        e.add("opened_on", "date_in_future");
    }
    let plan = every(&mut e, i.visit_every_days).flatten();
    let (mut workers, residents) = match &h {
        Some(h) => (
            valid_workers(store, &mut e, h.community_id, &i.worker_ids.clone().unwrap_or_default()).await?,
            valid_residents(store, &mut e, h.id, &i.resident_ids.clone().unwrap_or_default()).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    if actor.role == Role::Caseworker
        && let Some(u) = actor.user_id
        && !workers.contains(&u)
    {
        workers.push(u);
    }
    if workers.is_empty() && !e.0.iter().any(|x| x.field.starts_with("worker_ids")) {
        e.add("worker_ids", "required");
    }
    if i.status.is_some() {
        e.add("status", "cannot_set_on_open");
    }
    e.into_result()?;
    let (Some(h), Some(category), Some(summary), Some(opened_on)) = (h, category, summary, opened_on) else {
        return Err(CoreError::Internal("validated case".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let c = case::ActiveModel {
        community_id: Set(h.community_id),
        household_id: Set(h.id),
        category: Set(category),
        summary: Set(summary),
        opened_on: Set(opened_on),
        status: Set(CaseStatus::Open),
        resolved_on: Set(None),
        closed_on: Set(None),
        resolution_note: Set(None),
        currency: Set("CNY".into()),
        visit_every_days: Set(plan),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    for u in &workers {
        case_worker::ActiveModel { case_id: Set(c.id), user_id: Set(*u) }.insert(&tx).await?;
    }
    for r in &residents {
        case_resident::ActiveModel { case_id: Set(c.id), resident_id: Set(*r) }.insert(&tx).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Case, Some(c.id))
            .community(c.community_id)
            .summary(format!("category: {}, {} workers", c.category.word(), workers.len()))
            .showed([RecordRef::new(EntityKind::Household, h.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Changes a case: its summary, category, who works on it and whom it concerns, the visit
/// plan, or its status. Ending it (resolved or closed) needs nothing held.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, i: CaseInput) -> CoreResult<case::Model> {
    let cur = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if i.household_id.is_some_and(|h| h != cur.household_id) {
        e.add("household_id", "cannot_change");
    }
    let category = match i.category.as_deref() {
        None => Some(cur.category),
        c => validate::word::<CaseCategory>(&mut e, "category", c),
    };
    let summary = match i.summary.as_deref() {
        None => Some(cur.summary.clone()),
        s => validate::required_text(&mut e, "summary", s, 4000),
    };
    let plan = every(&mut e, i.visit_every_days);
    let status = match i.status.as_deref().map(str::trim) {
        None => None,
        Some("") => {
            e.add("status", "required");
            None
        }
        s => validate::word::<CaseStatus>(&mut e, "status", s),
    };
    let status_on = match i.status_on.as_deref() {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::required_date(&mut e, "status_on", v),
    };
    if status_on.is_some_and(|d| d < cur.opened_on) {
        e.add("status_on", "before_case_opened");
    }
    let note = validate::text(&mut e, "resolution_note", i.resolution_note.as_deref(), 2000);
    if status.is_some_and(CaseStatus::is_ended) && note.is_none() && cur.resolution_note.is_none() {
        e.add("resolution_note", "required");
    }
    let workers = match &i.worker_ids {
        Some(w) => {
            let v = valid_workers(store, &mut e, cur.community_id, w).await?;
            if v.is_empty() && !e.0.iter().any(|x| x.field.starts_with("worker_ids")) {
                e.add("worker_ids", "required");
            }
            Some(v)
        }
        None => None,
    };
    let residents = match &i.resident_ids {
        Some(r) => Some(valid_residents(store, &mut e, cur.household_id, r).await?),
        None => None,
    };
    e.into_result()?;
    let (Some(category), Some(summary), Some(status_on)) = (category, summary, status_on) else {
        return Err(CoreError::Internal("validated case".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let row: case::Model = store::locked::<case::Entity>(&tx, cur.id).await?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    if let Some(s) = status.filter(|s| *s != row.status)
        && s.is_ended()
    {
        let held = super::ledger::totals(&tx, row.id).await?.held;
        if held != 0 {
            let mut e = FieldErrors::new();
            e.add_arg("status", "money_held", held);
            return Err(CoreError::Invalid(e));
        }
    }
    let mut a = row.clone().into_active_model();
    a.category = Set(category);
    a.summary = Set(summary);
    if let Some(p) = plan {
        a.visit_every_days = Set(p);
    }
    if let Some(s) = status.filter(|s| *s != row.status) {
        a.status = Set(s);
        a.resolved_on = Set((s == CaseStatus::Resolved).then_some(status_on));
        a.closed_on = Set((s == CaseStatus::Closed).then_some(status_on));
    }
    if note.is_some() {
        a.resolution_note = Set(note);
    }
    a.updated_at = Set(now);
    let m = a.update(&tx).await?;
    if let Some(w) = &workers {
        case_worker::Entity::delete_many().filter(case_worker::Column::CaseId.eq(m.id)).exec(&tx).await?;
        for u in w {
            case_worker::ActiveModel { case_id: Set(m.id), user_id: Set(*u) }.insert(&tx).await?;
        }
    }
    if let Some(r) = &residents {
        case_resident::Entity::delete_many().filter(case_resident::Column::CaseId.eq(m.id)).exec(&tx).await?;
        for x in r {
            case_resident::ActiveModel { case_id: Set(m.id), resident_id: Set(*x) }.insert(&tx).await?;
        }
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Case, Some(m.id))
            .community(m.community_id)
            .summary(format!("status: {}", m.status.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// The cases of one household the actor may see, newest first (the household's page and
/// timeline: one query for the household, not every case of the community).
pub async fn of_household(store: &Store, actor: &Actor, household_id: i64) -> CoreResult<Vec<case::Model>> {
    actor.require(Permission::WorkCases)?;
    let mut out = Vec::new();
    for c in case::Entity::find()
        .filter(case::Column::HouseholdId.eq(household_id))
        .order_by_desc(case::Column::OpenedOn)
        .order_by_desc(case::Column::Id)
        .all(store.conn())
        .await?
    {
        if visible(store, actor, &c).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// The cases the actor may see (not audited: callers audit what they show).
pub async fn visible_cases(store: &Store, actor: &Actor) -> CoreResult<Vec<case::Model>> {
    actor.require(Permission::WorkCases)?;
    let mut q = case::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(case::Column::CommunityId.is_in(ids.to_vec()));
    }
    if !matches!(actor.role, Role::Admin | Role::Coordinator) {
        let mine: Vec<i64> = case_worker::Entity::find()
            .filter(case_worker::Column::UserId.eq(actor.user_id.unwrap_or(-1)))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|w| w.case_id)
            .collect();
        q = q.filter(case::Column::Id.is_in(mine));
    }
    Ok(q.order_by_desc(case::Column::OpenedOn).order_by_desc(case::Column::Id).all(store.conn()).await?)
}

/// A case with what its page shows about it.
#[derive(Clone, Debug)]
pub struct CaseLine {
    pub case: case::Model,
    pub household_code: String,
    pub residents: Vec<(i64, String)>,
    pub workers: Vec<(i64, String)>,
}

async fn lines(store: &Store, cases: Vec<case::Model>) -> CoreResult<Vec<CaseLine>> {
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let codes = crate::registry::households::code_map(store, cases.iter().map(|c| c.household_id)).await?;
    let mut res: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut wk: HashMap<i64, Vec<i64>> = HashMap::new();
    if !ids.is_empty() {
        for r in case_resident::Entity::find()
            .filter(case_resident::Column::CaseId.is_in(ids.clone()))
            .all(store.conn())
            .await?
        {
            res.entry(r.case_id).or_default().push(r.resident_id);
        }
        for w in case_worker::Entity::find().filter(case_worker::Column::CaseId.is_in(ids)).all(store.conn()).await? {
            wk.entry(w.case_id).or_default().push(w.user_id);
        }
    }
    let rids: Vec<i64> = res.values().flatten().copied().collect();
    let names: HashMap<i64, String> = if rids.is_empty() {
        HashMap::new()
    } else {
        resident::Entity::find()
            .filter(resident::Column::Id.is_in(rids))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|r| (r.id, r.full_name))
            .collect()
    };
    let uids: Vec<i64> = wk.values().flatten().copied().collect();
    let users = crate::auth::users::names_by_id(store, &uids).await?;
    Ok(cases
        .into_iter()
        .map(|c| CaseLine {
            household_code: codes.get(&c.household_id).cloned().unwrap_or_default(),
            residents: res
                .get(&c.id)
                .map(|v| v.iter().map(|r| (*r, names.get(r).cloned().unwrap_or_default())).collect())
                .unwrap_or_default(),
            workers: wk
                .get(&c.id)
                .map(|v| v.iter().map(|u| (*u, users.get(u).cloned().unwrap_or_default())).collect())
                .unwrap_or_default(),
            case: c,
        })
        .collect())
}

/// The cases the actor may see, newest first; audited with the households they name.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<CaseLine>> {
    let cases = visible_cases(store, actor).await?;
    let out = lines(store, cases).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Case, None)
            .community_of(out.iter().map(|l| l.case.community_id))
            .showed(out.iter().map(|l| RecordRef::new(EntityKind::Household, l.case.household_id))),
    )
    .await?;
    Ok(out)
}

/// One case, audited as a read.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<CaseLine> {
    let c = load(store, actor, id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Case, Some(c.id))
            .community(c.community_id)
            .showed([RecordRef::new(EntityKind::Household, c.household_id)]),
    )
    .await?;
    lines(store, vec![c]).await?.pop().ok_or(CoreError::NotFound)
}

/// Adds a note to the case's log.
#[tracing::instrument(skip_all)]
pub async fn add_note(
    store: &Store,
    actor: &Actor,
    id: i64,
    body: Option<&str>,
) -> CoreResult<crate::entity::note::Model> {
    let c = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let body = crate::notes::check(&mut e, "body", body);
    if body.is_none() && e.is_empty() {
        e.add("body", "required");
    }
    e.into_result()?;
    let Some(body) = body else { return Err(CoreError::Internal("validated note".into())) };
    let tx = store.write().await?;
    let n = crate::notes::add(&tx, actor, RecordRef::new(EntityKind::Case, c.id), c.community_id, body).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Case, Some(c.id)).community(c.community_id).summary("note"),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The case's notes, oldest first (the case has been read).
pub async fn notes_of(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<crate::notes::Note>> {
    let c = load(store, actor, id).await?;
    crate::notes::of(store, RecordRef::new(EntityKind::Case, c.id)).await
}

/// A follow-up the case tracks, made with the follow-up mechanism (its owner one of the
/// case's workers, its household the case's).
#[tracing::instrument(skip_all)]
pub async fn add_follow_up(
    store: &Store,
    actor: &Actor,
    id: i64,
    mut input: crate::visits::follow_ups::FollowUpInput,
) -> CoreResult<follow_up::Model> {
    let c = load(store, actor, id).await?;
    input.household_id = Some(c.household_id);
    let owner = input.owner_user_id;
    let workers: Vec<i64> = case_worker::Entity::find()
        .filter(case_worker::Column::CaseId.eq(c.id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|w| w.user_id)
        .collect();
    if owner.is_some_and(|o| !workers.contains(&o)) {
        return Err(CoreError::invalid("owner_user_id", "not_a_case_worker"));
    }
    let f = crate::visits::follow_ups::create(store, actor, input).await?;
    let tx = store.write().await?;
    case_follow_up::ActiveModel { case_id: Set(c.id), follow_up_id: Set(f.id) }.insert(&tx).await?;
    tx.commit().await?;
    Ok(f)
}

/// The follow-ups a case tracks, oldest first.
pub async fn follow_ups_of(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<follow_up::Model>> {
    let c = load(store, actor, id).await?;
    let ids: Vec<i64> = case_follow_up::Entity::find()
        .filter(case_follow_up::Column::CaseId.eq(c.id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|l| l.follow_up_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(follow_up::Entity::find()
        .filter(follow_up::Column::Id.is_in(ids))
        .order_by_asc(follow_up::Column::OpenedOn)
        .order_by_asc(follow_up::Column::Id)
        .all(store.conn())
        .await?)
}

/// A planned visit due: the case, and the day it falls due (the last visit to the household
/// plus the plan's days; the opening day if none yet).
#[derive(Clone, Debug)]
pub struct VisitDue {
    pub case: case::Model,
    pub household_code: String,
    pub due_on: NaiveDate,
}

/// The visits due by `by` on the open cases the actor works on (their own assignments, for
/// everyone: a coordinator's Today page lists their own cases too), soonest first.
pub async fn visits_due(store: &Store, actor: &Actor, by: NaiveDate) -> CoreResult<Vec<VisitDue>> {
    actor.require(Permission::WorkCases)?;
    let Some(me) = actor.user_id else { return Ok(Vec::new()) };
    let mine: Vec<i64> = case_worker::Entity::find()
        .filter(case_worker::Column::UserId.eq(me))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|w| w.case_id)
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let cases = case::Entity::find()
        .filter(case::Column::Id.is_in(mine))
        .filter(case::Column::VisitEveryDays.is_not_null())
        .filter(case::Column::Status.is_in([CaseStatus::Open, CaseStatus::Monitoring]))
        .all(store.conn())
        .await?;
    let mut out = Vec::new();
    for c in cases {
        if !visible(store, actor, &c).await? {
            continue;
        }
        let last = visit::Entity::find()
            .filter(visit::Column::HouseholdId.eq(c.household_id))
            .order_by_desc(visit::Column::VisitedOn)
            .one(store.conn())
            .await?
            .map(|v| v.visited_on)
            .filter(|d| *d >= c.opened_on);
        let due_on = match (last, c.visit_every_days) {
            (Some(d), Some(n)) => d + TimeDelta::days(i64::from(n)),
            _ => c.opened_on,
        };
        if due_on <= by {
            let code = household::Entity::find_by_id(c.household_id)
                .one(store.conn())
                .await?
                .map(|h| h.code)
                .unwrap_or_default();
            out.push(VisitDue { case: c, household_code: code, due_on });
        }
    }
    out.sort_by_key(|v| v.due_on);
    Ok(out)
}
