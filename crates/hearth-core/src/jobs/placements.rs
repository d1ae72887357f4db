//! Referrals (a resident put forward for an opening or to an employer) and their dated steps,
//! placements, and the retention check-ins made from a placement's start date.
//!
//! A check-in is due 3 and 6 months after the start (a start on 31 January is due on 30 April
//! and 31 July: the month's last day when it is shorter). Calling and not reaching the
//! resident is an attempt, counted on the check-in, never a result. A placement that ends
//! before a check-in is due settles that check-in as "not employed there" from its end date,
//! so retention figures are never better than what happened; taking the end back reopens it.

use std::collections::HashMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{EndReason, PlacedVia, ReferralStep, load, referenced};
use crate::audit::{self, Action, Entry};
use crate::entity::{check_in, employer, job_fair, opening, placement, referral, referral_step, resident};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// The check-ins every placement gets, in months after its start.
pub const CHECK_IN_MONTHS: [u32; 2] = [3, 6];

/// How early a check-in may be recorded before it is due (a call in the week before).
pub const EARLY_DAYS: i64 = 14;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The day a check-in `months` after `start` is due.
pub fn due_on(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(months))
}

/// A resident of the actor's communities, for a new record (the field is named if not).
async fn resident_field(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    id: Option<i64>,
) -> CoreResult<Option<resident::Model>> {
    let Some(id) = id else {
        e.add("resident_id", "required");
        return Ok(None);
    };
    match resident::Entity::find_by_id(id).one(store.conn()).await? {
        Some(r) if actor.sees_community(r.community_id) => Ok(Some(r)),
        _ => {
            e.add("resident_id", "no_such_resident");
            Ok(None)
        }
    }
}

fn not_future(e: &mut FieldErrors, field: &str, d: Option<NaiveDate>) -> Option<NaiveDate> {
    if d.is_some_and(|d| d > today()) {
        e.add(field, "date_in_future");
        return None;
    }
    d
}

// ---------------------------------------------------------------------------------------
// Referrals

/// A referral as submitted: a resident and an opening (its employer follows), or a resident
/// and an employer; optionally the fair it came from.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    #[schema(required = true, value_type = i64)]
    pub resident_id: Option<i64>,
    pub opening_id: Option<i64>,
    /// Needed without an opening; with one, it must be the opening's.
    pub employer_id: Option<i64>,
    pub fair_id: Option<i64>,
    #[schema(required = true, value_type = String, format = Date)]
    pub referred_on: Option<String>,
}

/// Refers a resident.
#[tracing::instrument(skip_all)]
pub async fn refer(store: &Store, actor: &Actor, input: ReferralInput) -> CoreResult<referral::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    let r = resident_field(store, actor, &mut e, input.resident_id).await?;
    let c = r.as_ref().map(|r| r.community_id);
    let o = referenced::<opening::Entity>(store, &mut e, "opening_id", "unknown_opening", input.opening_id, c).await?;
    let emp_id = match (&o, input.employer_id) {
        (Some(o), Some(x)) if x != o.employer_id => {
            e.add("employer_id", "not_the_openings_employer");
            None
        }
        (Some(o), _) => Some(o.employer_id),
        (None, x) => x,
    };
    if emp_id.is_none() && input.opening_id.is_none() && input.employer_id.is_none() {
        e.add("employer_id", "required");
    }
    let emp = referenced::<employer::Entity>(
        store,
        &mut e,
        "employer_id",
        "unknown_employer",
        emp_id.filter(|_| o.is_none()),
        c,
    )
    .await?
    .map(|m| m.id)
    .or(o.as_ref().map(|o| o.employer_id));
    let fair = referenced::<job_fair::Entity>(store, &mut e, "fair_id", "unknown_fair", input.fair_id, c).await?;
    let on = validate::required_date(&mut e, "referred_on", input.referred_on.as_deref());
    let on = not_future(&mut e, "referred_on", on);
    if let (Some(f), Some(d)) = (&fair, on)
        && d < f.held_on
    {
        e.add("referred_on", "before_fair");
    }
    e.into_result()?;
    let (Some(r), Some(emp), Some(on)) = (r, emp, on) else {
        return Err(CoreError::Internal("validated referral".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let m = referral::ActiveModel {
        community_id: Set(r.community_id),
        resident_id: Set(r.id),
        employer_id: Set(emp),
        opening_id: Set(o.map(|o| o.id)),
        fair_id: Set(fair.map(|f| f.id)),
        referred_on: Set(on),
        referred_by: Set(actor.user_id),
        outcome: Set(None),
        outcome_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Referral, Some(m.id))
            .community(m.community_id)
            .summary(format!("employer {emp}"))
            .showed([RecordRef::new(EntityKind::Resident, r.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// A referral's next step as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// interview, offer, declined (by the resident) or not_selected; `placed` comes from
    /// recording the placement.
    #[schema(required = true, value_type = ReferralStep)]
    pub step: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub happened_on: Option<String>,
    /// The resident's reason for declining, if they gave one.
    #[schema(max_length = 400)]
    pub reason: Option<String>,
}

/// Records a referral's next step (dated no earlier than the referral and the step before).
#[tracing::instrument(skip_all)]
pub async fn add_step(store: &Store, actor: &Actor, referral_id: i64, input: StepInput) -> CoreResult<referral::Model> {
    let cur = load::<referral::Entity>(store, actor, referral_id).await?;
    let mut e = FieldErrors::new();
    let step = match input.step.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("step", "required");
            None
        }
        s => validate::word::<ReferralStep>(&mut e, "step", s),
    };
    if step == Some(ReferralStep::Placed) {
        e.add("step", "record_placement");
    }
    let on = validate::required_date(&mut e, "happened_on", input.happened_on.as_deref());
    let on = not_future(&mut e, "happened_on", on);
    let reason = validate::text(&mut e, "reason", input.reason.as_deref(), 400);
    e.into_result()?;
    let (Some(step), Some(on)) = (step, on) else { return Err(CoreError::Internal("validated step".into())) };
    let tx = store.write().await?;
    let row: referral::Model = store::locked::<referral::Entity>(&tx, cur.id).await?;
    if row.outcome.is_some_and(ReferralStep::is_final) {
        return Err(CoreError::Conflict { field: "step".into(), code: "referral_closed" });
    }
    if on < row.referred_on || row.outcome_on.is_some_and(|d| on < d) {
        return Err(CoreError::invalid("happened_on", "before_last_step"));
    }
    let m = write_step(&tx, actor, row, step, on, reason).await?;
    tx.commit().await?;
    Ok(m)
}

async fn write_step<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    row: referral::Model,
    step: ReferralStep,
    on: NaiveDate,
    reason: Option<String>,
) -> CoreResult<referral::Model> {
    let now = Utc::now();
    referral_step::ActiveModel {
        community_id: Set(row.community_id),
        referral_id: Set(row.id),
        step: Set(step),
        happened_on: Set(on),
        reason: Set(reason),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    let resident_id = row.resident_id;
    let mut a = row.into_active_model();
    a.outcome = Set(Some(step));
    a.outcome_on = Set(Some(on));
    a.updated_at = Set(now);
    let m = a.update(tx).await?;
    audit::append(
        tx,
        actor,
        Entry::new(Action::Update, EntityKind::Referral, Some(m.id))
            .community(m.community_id)
            .summary(format!("step: {}", step.word()))
            .showed([RecordRef::new(EntityKind::Resident, resident_id)]),
    )
    .await?;
    Ok(m)
}

/// A referral's steps, oldest first.
pub async fn steps_of(store: &Store, actor: &Actor, referral_id: i64) -> CoreResult<Vec<referral_step::Model>> {
    let r = load::<referral::Entity>(store, actor, referral_id).await?;
    Ok(referral_step::Entity::find()
        .filter(referral_step::Column::ReferralId.eq(r.id))
        .order_by_asc(referral_step::Column::HappenedOn)
        .order_by_asc(referral_step::Column::Id)
        .all(store.conn())
        .await?)
}

/// A referral with the names it shows.
#[derive(Clone, Debug)]
pub struct ReferralLine {
    pub referral: referral::Model,
    pub resident_name: String,
    pub household_id: i64,
    pub employer_name: String,
    pub opening_title: Option<String>,
}

async fn names(
    store: &Store,
    residents: &[i64],
    employers: &[i64],
) -> CoreResult<(HashMap<i64, (String, i64)>, HashMap<i64, String>)> {
    let mut rs = HashMap::new();
    for chunk in residents.chunks(500) {
        for r in resident::Entity::find().filter(resident::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await? {
            rs.insert(r.id, (r.full_name, r.household_id));
        }
    }
    let mut es = HashMap::new();
    for chunk in employers.chunks(500) {
        for m in employer::Entity::find().filter(employer::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await? {
            es.insert(m.id, m.name);
        }
    }
    Ok((rs, es))
}

async fn referral_lines(store: &Store, rows: Vec<referral::Model>) -> CoreResult<Vec<ReferralLine>> {
    let rids: Vec<i64> = rows.iter().map(|r| r.resident_id).collect();
    let eids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect();
    let (rs, es) = names(store, &rids, &eids).await?;
    let oids: Vec<i64> = rows.iter().filter_map(|r| r.opening_id).collect();
    let titles: HashMap<i64, String> = if oids.is_empty() {
        HashMap::new()
    } else {
        opening::Entity::find()
            .filter(opening::Column::Id.is_in(oids))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|o| (o.id, o.title))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let (resident_name, household_id) = rs.get(&r.resident_id).cloned().unwrap_or_default();
            ReferralLine {
                resident_name,
                household_id,
                employer_name: es.get(&r.employer_id).cloned().unwrap_or_default(),
                opening_title: r.opening_id.and_then(|o| titles.get(&o).cloned()),
                referral: r,
            }
        })
        .collect())
}

/// Which referrals a list asks for.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralsQuery {
    pub resident_id: Option<i64>,
    pub opening_id: Option<i64>,
    /// `true`: only those with no final step yet.
    pub open: Option<bool>,
}

/// Referrals of the actor's communities, newest first; audited with the residents shown.
#[tracing::instrument(skip_all)]
pub async fn referrals(store: &Store, actor: &Actor, q: &ReferralsQuery) -> CoreResult<Vec<ReferralLine>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut sel = referral::Entity::find();
    if let Some(ids) = actor.community_filter() {
        sel = sel.filter(referral::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(r) = q.resident_id {
        sel = sel.filter(referral::Column::ResidentId.eq(r));
    }
    if let Some(o) = q.opening_id {
        sel = sel.filter(referral::Column::OpeningId.eq(o));
    }
    let mut rows =
        sel.order_by_desc(referral::Column::ReferredOn).order_by_desc(referral::Column::Id).all(store.conn()).await?;
    if q.open == Some(true) {
        rows.retain(|r| !r.outcome.is_some_and(ReferralStep::is_final));
    }
    let lines = referral_lines(store, rows).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Referral, None)
            .community_of(lines.iter().map(|l| l.referral.community_id))
            .showed(lines.iter().map(|l| RecordRef::new(EntityKind::Resident, l.referral.resident_id))),
    )
    .await?;
    Ok(lines)
}

/// One referral with its names; audited.
pub async fn referral(store: &Store, actor: &Actor, id: i64) -> CoreResult<ReferralLine> {
    let r = load::<referral::Entity>(store, actor, id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Referral, Some(r.id))
            .community(r.community_id)
            .showed([RecordRef::new(EntityKind::Resident, r.resident_id)]),
    )
    .await?;
    referral_lines(store, vec![r]).await?.pop().ok_or(CoreError::NotFound)
}

// ---------------------------------------------------------------------------------------
// Placements

/// A placement as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementInput {
    #[schema(required = true, value_type = i64)]
    pub resident_id: Option<i64>,
    /// Taken from the referral when placed through one.
    pub employer_id: Option<i64>,
    /// Taken from the referral's opening when not given.
    #[schema(max_length = 200)]
    pub job_title: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub started_on: Option<String>,
    /// fair, referral or own_search.
    #[schema(required = true, value_type = PlacedVia)]
    pub via: Option<String>,
    /// Needed with `via: referral`.
    pub referral_id: Option<i64>,
    /// Needed with `via: fair`.
    pub fair_id: Option<i64>,
}

/// Records a placement and makes its 3- and 6-month check-ins; through a referral, the
/// referral's step "placed" too (a referral is placed once, under simultaneous requests too).
#[tracing::instrument(skip_all)]
pub async fn place(store: &Store, actor: &Actor, input: PlacementInput) -> CoreResult<placement::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    let r = resident_field(store, actor, &mut e, input.resident_id).await?;
    let c = r.as_ref().map(|r| r.community_id);
    let via = match input.via.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("via", "required");
            None
        }
        v => validate::word::<PlacedVia>(&mut e, "via", v),
    };
    let started_on = validate::required_date(&mut e, "started_on", input.started_on.as_deref());
    let referral =
        referenced::<referral::Entity>(store, &mut e, "referral_id", "unknown_referral", input.referral_id, c).await?;
    let fair = referenced::<job_fair::Entity>(store, &mut e, "fair_id", "unknown_fair", input.fair_id, c).await?;
    match via {
        Some(PlacedVia::Referral) if input.referral_id.is_none() => e.add("referral_id", "required"),
        Some(PlacedVia::Fair) if input.fair_id.is_none() => e.add("fair_id", "required"),
        _ => {}
    }
    if let (Some(rf), Some(r)) = (&referral, &r) {
        if rf.resident_id != r.id {
            e.add("referral_id", "not_this_residents");
        } else if rf.outcome.is_some_and(|o| matches!(o, ReferralStep::Declined | ReferralStep::NotSelected)) {
            e.add("referral_id", "referral_closed");
        }
    }
    if let (Some(rf), Some(s)) = (&referral, started_on)
        && s < rf.referred_on
    {
        e.add("started_on", "before_referral");
    }
    if let (Some(f), Some(s)) = (&fair, started_on)
        && s < f.held_on
    {
        e.add("started_on", "before_fair");
    }
    let emp_id = match (&referral, input.employer_id) {
        (Some(rf), Some(x)) if x != rf.employer_id => {
            e.add("employer_id", "not_the_referrals_employer");
            None
        }
        (Some(rf), _) => Some(rf.employer_id),
        (None, None) => {
            e.add("employer_id", "required");
            None
        }
        (None, x) => x,
    };
    let emp = if referral.is_some() {
        emp_id
    } else {
        referenced::<employer::Entity>(store, &mut e, "employer_id", "unknown_employer", emp_id, c).await?.map(|m| m.id)
    };
    let opening_title = match referral.as_ref().and_then(|r| r.opening_id) {
        Some(o) => opening::Entity::find_by_id(o).one(store.conn()).await?.map(|o| o.title),
        None => None,
    };
    let title = match input.job_title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => validate::text(&mut e, "job_title", Some(t), 200),
        None => match opening_title {
            Some(t) => Some(t),
            None => validate::required_text(&mut e, "job_title", input.job_title.as_deref(), 200),
        },
    };
    if input.job_title.as_deref().is_some_and(|t| t.chars().count() > 200)
        && !e.0.iter().any(|x| x.field == "job_title")
    {
        e.add_arg("job_title", "too_long", 200);
    }
    e.into_result()?;
    let (Some(r), Some(via), Some(started_on), Some(emp), Some(title)) = (r, via, started_on, emp, title) else {
        return Err(CoreError::Internal("validated placement".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    // The referral as it is now (a step may have closed it meanwhile).
    let referral = match referral {
        Some(rf) => {
            let row: referral::Model = store::locked::<referral::Entity>(&tx, rf.id).await?;
            if row.outcome.is_some_and(ReferralStep::is_final) {
                return Err(CoreError::Conflict {
                    field: "referral_id".into(),
                    code: if row.outcome == Some(ReferralStep::Placed) { "referral_placed" } else { "referral_closed" },
                });
            }
            Some(row)
        }
        None => None,
    };
    let m = placement::ActiveModel {
        community_id: Set(r.community_id),
        resident_id: Set(r.id),
        employer_id: Set(emp),
        job_title: Set(title),
        started_on: Set(started_on),
        via: Set(via),
        referral_id: Set(referral.as_ref().map(|x| x.id)),
        fair_id: Set(fair.map(|f| f.id)),
        ended_on: Set(None),
        end_reason: Set(None),
        end_note: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(store::map_unique)?;
    check_in::Entity::insert_many(check_ins_of(&m, now)?).exec_without_returning(&tx).await?;
    if let Some(rf) = referral {
        write_step(&tx, actor, rf, ReferralStep::Placed, started_on, None).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Placement, Some(m.id))
            .community(m.community_id)
            .summary(format!("employer {emp}, via {}", via.word()))
            .showed([RecordRef::new(EntityKind::Resident, m.resident_id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// The check-ins a new placement gets. One whose end is already known (a past job, imported)
/// has those due after its end settled by it at once, as `change` would settle them.
pub(crate) fn check_ins_of(p: &placement::Model, now: DateTime<Utc>) -> CoreResult<Vec<check_in::ActiveModel>> {
    CHECK_IN_MONTHS
        .iter()
        .map(|&months| {
            let due =
                due_on(p.started_on, months).ok_or_else(|| CoreError::invalid("started_on", "date_out_of_range"))?;
            let settled = settled_by_end(p, due);
            Ok(check_in::ActiveModel {
                community_id: Set(p.community_id),
                placement_id: Set(p.id),
                resident_id: Set(p.resident_id),
                months: Set(i32::try_from(months).unwrap_or(3)),
                due_on: Set(due),
                still_employed: Set(settled.then_some(false)),
                note: Set(None),
                done_on: Set(p.ended_on.filter(|_| settled)),
                done_by: Set(None),
                attempts: Set(0),
                last_attempt_on: Set(None),
                by_end: Set(settled),
                updated_at: Set(now),
                ..Default::default()
            })
        })
        .collect()
}

/// A check-in due after the placement ended is answered by the end: not employed there.
fn settled_by_end(p: &placement::Model, due: NaiveDate) -> bool {
    p.ended_on.is_some_and(|end| end < due)
}

/// A placement's last day, one rule for the form and imported ledgers: a day already
/// worked, not before the start.
pub(crate) fn end_day(e: &mut FieldErrors, started_on: NaiveDate, day: Option<NaiveDate>) -> Option<NaiveDate> {
    let d = not_future(e, "ended_on", day);
    if d.is_some_and(|d| d < started_on) {
        e.add("ended_on", "date_before_start");
    }
    d
}

/// A placement's end (or its job title corrected); `ended_on` empty takes an end back.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementChange {
    #[schema(max_length = 200)]
    pub job_title: Option<String>,
    /// The last day worked; "" takes a recorded end back.
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<String>,
    /// Needed with `ended_on`: resident_left, contract_ended, dismissed, other.
    #[schema(value_type = Option<EndReason>)]
    pub end_reason: Option<String>,
    #[schema(max_length = 400)]
    pub end_note: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// Changes a placement: records or takes back its end, and settles (or reopens) the
/// check-ins its end decides.
#[tracing::instrument(skip_all)]
pub async fn change(store: &Store, actor: &Actor, id: i64, input: PlacementChange) -> CoreResult<placement::Model> {
    let cur = load::<placement::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let title = match input.job_title.as_deref() {
        Some(t) => validate::required_text(&mut e, "job_title", Some(t), 200),
        None => Some(cur.job_title.clone()),
    };
    let ended_on = match input.ended_on.as_deref() {
        None => cur.ended_on,
        Some(v) if v.trim().is_empty() => None,
        v => {
            let d = validate::date(&mut e, "ended_on", v);
            end_day(&mut e, cur.started_on, d)
        }
    };
    let taking_back = input.ended_on.as_deref().is_some_and(|v| v.trim().is_empty());
    let reason = match input.end_reason.as_deref().map(str::trim) {
        None => cur.end_reason.filter(|_| !taking_back),
        Some("") => None,
        v => validate::word::<EndReason>(&mut e, "end_reason", v),
    };
    if ended_on.is_some() && reason.is_none() && !e.0.iter().any(|x| x.field == "end_reason") {
        e.add("end_reason", "required");
    }
    if ended_on.is_none()
        && reason.is_some()
        && input.end_reason.is_some()
        && !e.0.iter().any(|x| x.field == "ended_on")
    {
        e.add("ended_on", "required");
    }
    let note = match input.end_note.as_deref() {
        Some(v) => validate::text(&mut e, "end_note", Some(v), 400),
        None => cur.end_note.clone().filter(|_| !taking_back),
    };
    e.into_result()?;
    let Some(title) = title else { return Err(CoreError::Internal("validated placement".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let row: placement::Model = store::locked::<placement::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.job_title = Set(title);
    a.ended_on = Set(ended_on);
    a.end_reason = Set(reason.filter(|_| ended_on.is_some()));
    a.end_note = Set(note.filter(|_| ended_on.is_some()));
    a.updated_at = Set(now);
    let m = a.update(&tx).await?;
    let settled = settle_by_end(&tx, &m).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Placement, Some(m.id))
            .community(m.community_id)
            .summary(match m.ended_on {
                Some(d) => format!(
                    "ended {d}: {}; {settled} check-ins settled",
                    m.end_reason.map(|r| r.word()).unwrap_or_default()
                ),
                None => "open".to_owned(),
            })
            .showed([RecordRef::new(EntityKind::Resident, m.resident_id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Check-ins due after the placement ended are settled "not employed there" by the end;
/// those its end no longer decides (taken back, or moved later) are open again.
async fn settle_by_end<C: ConnectionTrait>(tx: &C, p: &placement::Model) -> CoreResult<u64> {
    let now = Utc::now();
    let mut n = 0;
    for c in check_in::Entity::find().filter(check_in::Column::PlacementId.eq(p.id)).all(tx).await? {
        let decided = settled_by_end(p, c.due_on);
        let mut a = c.clone().into_active_model();
        if decided && c.still_employed.is_none() {
            a.still_employed = Set(Some(false));
            a.by_end = Set(true);
            a.done_on = Set(p.ended_on);
            a.updated_at = Set(now);
            a.update(tx).await?;
            n += 1;
        } else if decided && c.by_end {
            a.done_on = Set(p.ended_on);
            a.updated_at = Set(now);
            a.update(tx).await?;
        } else if !decided && c.by_end {
            a.still_employed = Set(None);
            a.by_end = Set(false);
            a.done_on = Set(None);
            a.updated_at = Set(now);
            a.update(tx).await?;
        }
    }
    Ok(n)
}

/// A placement with its names and check-ins.
#[derive(Clone, Debug)]
pub struct PlacementLine {
    pub placement: placement::Model,
    pub resident_name: String,
    pub household_id: i64,
    pub employer_name: String,
    pub check_ins: Vec<check_in::Model>,
}

async fn placement_lines(store: &Store, rows: Vec<placement::Model>) -> CoreResult<Vec<PlacementLine>> {
    let rids: Vec<i64> = rows.iter().map(|r| r.resident_id).collect();
    let eids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect();
    let (rs, es) = names(store, &rids, &eids).await?;
    let mut checks: HashMap<i64, Vec<check_in::Model>> = HashMap::new();
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(500) {
        for c in check_in::Entity::find()
            .filter(check_in::Column::PlacementId.is_in(chunk.to_vec()))
            .order_by_asc(check_in::Column::Months)
            .all(store.conn())
            .await?
        {
            checks.entry(c.placement_id).or_default().push(c);
        }
    }
    Ok(rows
        .into_iter()
        .map(|p| {
            let (resident_name, household_id) = rs.get(&p.resident_id).cloned().unwrap_or_default();
            PlacementLine {
                resident_name,
                household_id,
                employer_name: es.get(&p.employer_id).cloned().unwrap_or_default(),
                check_ins: checks.remove(&p.id).unwrap_or_default(),
                placement: p,
            }
        })
        .collect())
}

/// Which placements a list asks for.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementsQuery {
    pub resident_id: Option<i64>,
    pub employer_id: Option<i64>,
}

/// Placements of the actor's communities, newest start first; audited with the residents.
#[tracing::instrument(skip_all)]
pub async fn placements(store: &Store, actor: &Actor, q: &PlacementsQuery) -> CoreResult<Vec<PlacementLine>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut sel = placement::Entity::find();
    if let Some(ids) = actor.community_filter() {
        sel = sel.filter(placement::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(r) = q.resident_id {
        sel = sel.filter(placement::Column::ResidentId.eq(r));
    }
    if let Some(x) = q.employer_id {
        sel = sel.filter(placement::Column::EmployerId.eq(x));
    }
    let rows =
        sel.order_by_desc(placement::Column::StartedOn).order_by_desc(placement::Column::Id).all(store.conn()).await?;
    let lines = placement_lines(store, rows).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Placement, None)
            .community_of(lines.iter().map(|l| l.placement.community_id))
            .showed(lines.iter().map(|l| RecordRef::new(EntityKind::Resident, l.placement.resident_id))),
    )
    .await?;
    Ok(lines)
}

/// One placement with its check-ins; audited.
pub async fn placement(store: &Store, actor: &Actor, id: i64) -> CoreResult<PlacementLine> {
    let p = load::<placement::Entity>(store, actor, id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Placement, Some(p.id))
            .community(p.community_id)
            .showed([RecordRef::new(EntityKind::Resident, p.resident_id)]),
    )
    .await?;
    placement_lines(store, vec![p]).await?.pop().ok_or(CoreError::NotFound)
}

/// A resident's referrals and placements (for the resident's page, whose read is audited).
pub async fn of_resident(
    store: &Store,
    actor: &Actor,
    resident_id: i64,
) -> CoreResult<(Vec<ReferralLine>, Vec<PlacementLine>)> {
    actor.require(Permission::HelpIntoWork)?;
    let refs = referral::Entity::find()
        .filter(referral::Column::ResidentId.eq(resident_id))
        .order_by_desc(referral::Column::ReferredOn)
        .order_by_desc(referral::Column::Id)
        .all(store.conn())
        .await?;
    let places = placement::Entity::find()
        .filter(placement::Column::ResidentId.eq(resident_id))
        .order_by_desc(placement::Column::StartedOn)
        .order_by_desc(placement::Column::Id)
        .all(store.conn())
        .await?;
    let refs = refs.into_iter().filter(|r| actor.sees_community(r.community_id)).collect();
    let places = places.into_iter().filter(|p| actor.sees_community(p.community_id)).collect();
    Ok((referral_lines(store, refs).await?, placement_lines(store, places).await?))
}

async fn household_residents(store: &Store, household_id: i64) -> CoreResult<Vec<i64>> {
    Ok(resident::Entity::find()
        .filter(resident::Column::HouseholdId.eq(household_id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// A household's members' referrals (for its timeline; the household read is audited).
pub async fn referrals_of_household(store: &Store, household_id: i64) -> CoreResult<Vec<ReferralLine>> {
    let ids = household_residents(store, household_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = referral::Entity::find().filter(referral::Column::ResidentId.is_in(ids)).all(store.conn()).await?;
    referral_lines(store, rows).await
}

/// A household's members' placements with their check-ins (for its timeline).
pub async fn placements_of_household(store: &Store, household_id: i64) -> CoreResult<Vec<PlacementLine>> {
    let ids = household_residents(store, household_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = placement::Entity::find().filter(placement::Column::ResidentId.is_in(ids)).all(store.conn()).await?;
    placement_lines(store, rows).await
}

// ---------------------------------------------------------------------------------------
// Check-ins

/// What a check-in call found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInResult {
    StillEmployed,
    NotEmployed,
    /// An attempt: the check-in stays due.
    NotReached,
}

impl CheckInResult {
    pub fn parse(s: &str) -> Option<CheckInResult> {
        match s.trim() {
            "still_employed" => Some(CheckInResult::StillEmployed),
            "not_employed" => Some(CheckInResult::NotEmployed),
            "not_reached" => Some(CheckInResult::NotReached),
            _ => None,
        }
    }
}

/// A check-in as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    /// still_employed, not_employed, or not_reached (an attempt).
    #[schema(required = true, value_type = CheckInResult)]
    pub result: Option<String>,
    /// The day of the call; default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Records a check-in's result, or an attempt that reached no one (the note goes to the
/// check-in's log either way). A result is recorded once.
#[tracing::instrument(skip_all)]
pub async fn record_check_in(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: CheckInInput,
) -> CoreResult<check_in::Model> {
    let cur = load::<check_in::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let result = match input.result.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("result", "required");
            None
        }
        Some(s) => CheckInResult::parse(s).or_else(|| {
            e.add("result", "invalid_choice");
            None
        }),
    };
    let on = match input.on.as_deref() {
        None => Some(today()),
        v => validate::required_date(&mut e, "on", v),
    };
    let on = not_future(&mut e, "on", on);
    if on.is_some_and(|d| d < cur.due_on - chrono::TimeDelta::days(EARLY_DAYS)) {
        e.add_arg("on", "check_in_not_due", EARLY_DAYS);
    }
    let note = crate::notes::check(&mut e, "note", input.note.as_deref());
    e.into_result()?;
    let (Some(result), Some(on)) = (result, on) else { return Err(CoreError::Internal("validated check-in".into())) };
    let tx = store.write().await?;
    let row: check_in::Model = store::locked::<check_in::Entity>(&tx, cur.id).await?;
    if row.by_end {
        return Err(CoreError::Conflict { field: "result".into(), code: "placement_ended" });
    }
    if row.still_employed.is_some() {
        return Err(CoreError::Conflict { field: "result".into(), code: "check_in_recorded" });
    }
    let record = RecordRef::new(EntityKind::CheckIn, row.id);
    if let Some(n) = note.clone() {
        crate::notes::add(&tx, actor, record, row.community_id, n).await?;
    }
    let mut a = row.clone().into_active_model();
    match result {
        CheckInResult::NotReached => {
            a.attempts = Set(row.attempts + 1);
            a.last_attempt_on = Set(Some(on));
        }
        r => {
            a.still_employed = Set(Some(r == CheckInResult::StillEmployed));
            a.done_on = Set(Some(on));
            a.done_by = Set(actor.user_id);
            a.note = Set(note);
        }
    }
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::CheckIn, Some(m.id))
            .community(m.community_id)
            .summary(format!(
                "{}-month check-in: {}",
                m.months,
                match result {
                    CheckInResult::StillEmployed => "still employed",
                    CheckInResult::NotEmployed => "not employed",
                    CheckInResult::NotReached => "not reached",
                }
            ))
            .showed([RecordRef::new(EntityKind::Resident, m.resident_id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// A check-in as the due list shows it.
#[derive(Clone, Debug)]
pub struct Due {
    pub check_in: check_in::Model,
    pub resident_name: String,
    pub household_id: i64,
    pub phone: Option<String>,
    pub employer_name: String,
    pub job_title: String,
}

fn due_query(actor: &Actor, by: NaiveDate) -> sea_orm::Select<check_in::Entity> {
    let mut q = check_in::Entity::find()
        .filter(check_in::Column::StillEmployed.is_null())
        .filter(check_in::Column::DueOn.lte(by));
    if let Some(ids) = actor.community_filter() {
        q = q.filter(check_in::Column::CommunityId.is_in(ids.to_vec()));
    }
    q
}

/// How many check-ins are due by `by` with no result yet (the badge; no personal data).
pub async fn due_count(store: &Store, actor: &Actor, by: NaiveDate) -> CoreResult<u64> {
    actor.require(Permission::HelpIntoWork)?;
    Ok(due_query(actor, by).count(store.conn()).await?)
}

/// The check-ins due by `by` with no result yet, oldest due first (at most `limit`, 0: all);
/// audited with the residents shown.
#[tracing::instrument(skip_all)]
pub async fn due(store: &Store, actor: &Actor, by: NaiveDate, limit: u64) -> CoreResult<Vec<Due>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut q = due_query(actor, by).order_by_asc(check_in::Column::DueOn).order_by_asc(check_in::Column::Id);
    if limit > 0 {
        q = sea_orm::QuerySelect::limit(q, limit);
    }
    let rows = q.all(store.conn()).await?;
    let pids: Vec<i64> = rows.iter().map(|c| c.placement_id).collect();
    let ps: HashMap<i64, placement::Model> = if pids.is_empty() {
        HashMap::new()
    } else {
        placement::Entity::find()
            .filter(placement::Column::Id.is_in(pids))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let rids: Vec<i64> = rows.iter().map(|c| c.resident_id).collect();
    let eids: Vec<i64> = ps.values().map(|p| p.employer_id).collect();
    let (_, es) = names(store, &[], &eids).await?;
    let people: HashMap<i64, resident::Model> = if rids.is_empty() {
        HashMap::new()
    } else {
        resident::Entity::find()
            .filter(resident::Column::Id.is_in(rids))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let out: Vec<Due> = rows
        .into_iter()
        .map(|c| {
            let p = ps.get(&c.placement_id);
            let r = people.get(&c.resident_id);
            Due {
                resident_name: r.map(|r| r.full_name.clone()).unwrap_or_default(),
                household_id: r.map(|r| r.household_id).unwrap_or_default(),
                phone: r.and_then(|r| r.phone.clone()),
                employer_name: p.and_then(|p| es.get(&p.employer_id).cloned()).unwrap_or_default(),
                job_title: p.map(|p| p.job_title.clone()).unwrap_or_default(),
                check_in: c,
            }
        })
        .collect();
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::CheckIn, None)
            .community_of(out.iter().map(|d| d.check_in.community_id))
            .summary("check-ins due")
            .showed(out.iter().map(|d| RecordRef::new(EntityKind::Resident, d.check_in.resident_id))),
    )
    .await?;
    Ok(out)
}

/// One check-in (of a placement the actor may see).
pub async fn check_in(store: &Store, actor: &Actor, id: i64) -> CoreResult<check_in::Model> {
    load::<check_in::Entity>(store, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ins_fall_on_the_months_last_day_when_shorter() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let jan31 = d(2016, 1, 31).unwrap_or_default();
        assert_eq!(due_on(jan31, 3), d(2016, 4, 30));
        assert_eq!(due_on(jan31, 6), d(2016, 7, 31));
        let nov30 = d(2015, 11, 30).unwrap_or_default();
        assert_eq!(due_on(nov30, 3), d(2016, 2, 29));
    }
}
