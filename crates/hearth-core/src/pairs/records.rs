//! Pairs: creating one (a coordinator pairs a helper with a household), ending it,
//! reassigning it to another helper, and reading pairs with where each stands.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{Cadence, Standing, helpers, load, standing, visible};
use crate::audit::{self, Action, Entry};
use crate::entity::{helper, household, pair, pair_contact};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::registry::households;
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A pair as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairInput {
    #[schema(required = true, value_type = i64)]
    pub household_id: Option<i64>,
    #[schema(required = true, value_type = i64)]
    pub helper_id: Option<i64>,
    /// Why the pair exists ("weekly check on an elderly couple").
    #[schema(max_length = 1000)]
    pub purpose: Option<String>,
    #[schema(required = true, value_type = Cadence)]
    pub cadence: Option<String>,
    /// Default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub started_on: Option<String>,
}

/// Ending a pair, or handing it to another helper (`helper_id`): the pair ends on `on` and,
/// when reassigned, a new pair with the same purpose and cadence starts that day, so each
/// helper's contacts stay with the pair they were made on.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// The last day (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// Reassign to this helper.
    pub helper_id: Option<i64>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// A pair as shown: the row, its household's code, its helper's name and where it stands.
#[derive(Clone, Debug)]
pub struct PairLine {
    pub pair: pair::Model,
    pub household_code: String,
    pub helper: String,
    pub standing: Standing,
    pub contacts_reached: u64,
    pub contacts_attempted: u64,
}

async fn active_helper(
    store: &Store,
    e: &mut FieldErrors,
    field: &str,
    id: Option<i64>,
    community_id: i64,
) -> CoreResult<Option<helper::Model>> {
    match id {
        None => {
            e.add(field, "required");
            Ok(None)
        }
        Some(id) => match helper::Entity::find_by_id(id).one(store.conn()).await? {
            Some(h) if h.community_id == community_id && h.active => Ok(Some(h)),
            _ => {
                e.add(field, "unknown_helper");
                Ok(None)
            }
        },
    }
}

/// Pairs a helper with a household. Coordinators only.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, i: PairInput) -> CoreResult<pair::Model> {
    actor.require(Permission::ManagePairs)?;
    let mut e = FieldErrors::new();
    let h = match i.household_id {
        None => {
            e.add("household_id", "required");
            None
        }
        Some(id) => match households::load(store, actor, id).await {
            Ok(h) if h.moved_out_on.is_none() => Some(h),
            Ok(_) | Err(CoreError::NotFound) => {
                e.add("household_id", "unknown_household");
                None
            }
            Err(err) => return Err(err),
        },
    };
    let helper = match &h {
        Some(h) => active_helper(store, &mut e, "helper_id", i.helper_id, h.community_id).await?,
        None => None,
    };
    let purpose = validate::text(&mut e, "purpose", i.purpose.as_deref(), 1000);
    let cadence = match i.cadence.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("cadence", "required");
            None
        }
        c => validate::word::<Cadence>(&mut e, "cadence", c),
    };
    let started_on = match i.started_on.as_deref() {
        None => Some(today()),
        v => validate::required_date(&mut e, "started_on", v),
    };
    if let (Some(h), Some(hp)) = (&h, &helper) {
        let open = pair::Entity::find()
            .filter(pair::Column::HouseholdId.eq(h.id))
            .filter(pair::Column::HelperId.eq(hp.id))
            .filter(pair::Column::EndedOn.is_null())
            .one(store.conn())
            .await?
            .is_some();
        check_pairing(&mut e, "helper_id", h.id, hp, open);
    }
    e.into_result()?;
    let (Some(h), Some(hp), Some(cadence), Some(started_on)) = (h, helper, cadence, started_on) else {
        return Err(CoreError::Internal("validated pair".into()));
    };
    let tx = store.write().await?;
    let p = insert(&tx, actor, &h, &hp, purpose, cadence, started_on).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Pair, Some(p.id))
            .community(p.community_id)
            .summary(format!("cadence: {}, helper: {}", p.cadence.word(), hp.kind.word()))
            .showed([RecordRef::new(EntityKind::Household, h.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// Who may be paired with a household, one rule for the form and imported ledgers: never
/// the household itself, and a helper once at a time (`open_pair`: an open pair of the two).
pub(crate) fn check_pairing(e: &mut FieldErrors, field: &str, household: i64, hp: &helper::Model, open_pair: bool) {
    if hp.household_id == Some(household) {
        e.add(field, "helper_is_the_household");
    } else if open_pair {
        e.add(field, "already_paired");
    }
}

/// A pair's last day, one rule for ending it and imported ledgers: not before it started,
/// not a day still to come.
pub(crate) fn check_end_day(e: &mut FieldErrors, field: &str, started_on: NaiveDate, on: Option<NaiveDate>) {
    if on.is_some_and(|d| d < started_on) {
        e.add(field, "before_pair_started");
    }
    if on.is_some_and(|d| d > today()) {
        e.add(field, "date_in_future");
    }
}

async fn insert<C: sea_orm::ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    h: &household::Model,
    hp: &helper::Model,
    purpose: Option<String>,
    cadence: Cadence,
    started_on: NaiveDate,
) -> CoreResult<pair::Model> {
    Ok(pair::ActiveModel {
        community_id: Set(h.community_id),
        household_id: Set(h.id),
        helper_id: Set(hp.id),
        helper_user_id: Set(hp.user_id),
        purpose: Set(purpose),
        cadence: Set(cadence),
        started_on: Set(started_on),
        ended_on: Set(None),
        end_reason: Set(None),
        created_by: Set(actor.user_id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Ends a pair, or reassigns it (`helper_id`): returns the pair that goes on (the new one
/// when reassigned, else the ended one). Coordinators only; checked against the version.
#[tracing::instrument(skip_all)]
pub async fn end(store: &Store, actor: &Actor, id: i64, i: EndInput) -> CoreResult<pair::Model> {
    actor.require(Permission::ManagePairs)?;
    let cur = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let on = match i.on.as_deref() {
        None => Some(today()),
        v => validate::required_date(&mut e, "on", v),
    };
    check_end_day(&mut e, "on", cur.started_on, on);
    let reason = validate::text(&mut e, "reason", i.reason.as_deref(), 1000);
    let new_helper = match i.helper_id {
        None => None,
        Some(hid) => {
            let h = active_helper(store, &mut e, "helper_id", Some(hid), cur.community_id).await?;
            if h.as_ref().is_some_and(|h| h.id == cur.helper_id) {
                e.add("helper_id", "same_helper");
            }
            if h.as_ref().is_some_and(|h| h.household_id == Some(cur.household_id)) {
                e.add("helper_id", "helper_is_the_household");
            }
            h
        }
    };
    e.into_result()?;
    let on = on.ok_or_else(|| CoreError::Internal("validated date".into()))?;
    let tx = store.write().await?;
    let row: pair::Model = store::locked::<pair::Entity>(&tx, cur.id).await?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    if row.ended_on.is_some() {
        return Err(CoreError::invalid("on", "already_ended"));
    }
    let mut a = row.clone().into_active_model();
    a.ended_on = Set(Some(on));
    a.end_reason = Set(reason);
    a.updated_at = Set(Utc::now());
    let ended = a.update(&tx).await?;
    let out = match &new_helper {
        Some(hp) => {
            let h = household::Entity::find_by_id(row.household_id).one(&tx).await?.ok_or(CoreError::NotFound)?;
            insert(&tx, actor, &h, hp, row.purpose.clone(), row.cadence, on).await?
        }
        None => ended.clone(),
    };
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Pair, Some(ended.id))
            .community(ended.community_id)
            .summary(if new_helper.is_some() { format!("reassigned to pair {}", out.id) } else { "ended".into() }),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// (day, reached) of the contacts of each pair.
pub(crate) async fn contact_days(store: &Store, pair_ids: &[i64]) -> CoreResult<HashMap<i64, Vec<(NaiveDate, bool)>>> {
    let mut out: HashMap<i64, Vec<(NaiveDate, bool)>> = HashMap::new();
    for chunk in pair_ids.chunks(500) {
        let rows: Vec<(i64, NaiveDate, bool)> = pair_contact::Entity::find()
            .select_only()
            .column(pair_contact::Column::PairId)
            .column(pair_contact::Column::ContactedOn)
            .column(pair_contact::Column::Reached)
            .filter(pair_contact::Column::PairId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(store.conn())
            .await?;
        for (p, d, r) in rows {
            out.entry(p).or_default().push((d, r));
        }
    }
    Ok(out)
}

use sea_orm::QuerySelect;

async fn lines(store: &Store, pairs: Vec<pair::Model>, on: NaiveDate) -> CoreResult<Vec<PairLine>> {
    let ids: Vec<i64> = pairs.iter().map(|p| p.id).collect();
    let days = contact_days(store, &ids).await?;
    let names = helpers::names_of_pairs(store, &pairs).await?;
    let codes = households::code_map(store, pairs.iter().map(|p| p.household_id)).await?;
    Ok(pairs
        .into_iter()
        .map(|p| {
            let c = days.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            PairLine {
                standing: standing(&p, c, on),
                contacts_reached: c.iter().filter(|(_, r)| *r).count() as u64,
                contacts_attempted: c.iter().filter(|(_, r)| !*r).count() as u64,
                household_code: codes.get(&p.household_id).cloned().unwrap_or_default(),
                helper: names.get(&p.id).cloned().unwrap_or_default(),
                pair: p,
            }
        })
        .collect())
}

/// Which pairs to list (also the API's query parameters).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `active` (default), `ended` or `all`.
    pub status: Option<String>,
    pub household_id: Option<i64>,
    pub helper_id: Option<i64>,
    /// Only pairs whose helper is me.
    pub mine: Option<bool>,
    /// Only pairs that missed at least this many whole windows in a row (2: escalated).
    #[param(minimum = 1, maximum = 52)]
    pub missed: Option<u32>,
    /// Only pairs due in the current window.
    pub due: Option<bool>,
}

/// The pairs the actor may see, with where each stands today (household code order).
/// Audited with the households shown.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> CoreResult<Vec<PairLine>> {
    actor.require(Permission::ContactPairs)?;
    let mut e = FieldErrors::new();
    let status = q.status.as_deref().map(str::trim).unwrap_or("active");
    if !matches!(status, "active" | "ended" | "all") {
        e.add("status", "invalid_choice");
    }
    if q.missed.is_some_and(|m| !(1..=52).contains(&m)) {
        e.add_arg("missed", "out_of_range", 52);
    }
    e.into_result()?;
    let mut find = pair::Entity::find();
    if let Some(ids) = actor.community_filter() {
        find = find.filter(pair::Column::CommunityId.is_in(ids.to_vec()));
    }
    if actor.is_volunteer() || q.mine == Some(true) {
        find = find.filter(pair::Column::HelperUserId.eq(actor.user_id.unwrap_or(-1)));
    }
    match status {
        "active" => find = find.filter(pair::Column::EndedOn.is_null()),
        "ended" => find = find.filter(pair::Column::EndedOn.is_not_null()),
        _ => {}
    }
    if let Some(h) = q.household_id {
        find = find.filter(pair::Column::HouseholdId.eq(h));
    }
    if let Some(h) = q.helper_id {
        find = find.filter(pair::Column::HelperId.eq(h));
    }
    let rows: Vec<pair::Model> = find
        .order_by_asc(pair::Column::Id)
        .all(store.conn())
        .await?
        .into_iter()
        .filter(|p| visible(actor, p))
        .collect();
    let mut out = lines(store, rows, today()).await?;
    if let Some(m) = q.missed {
        out.retain(|l| l.standing.missed >= m);
    }
    if q.due == Some(true) {
        out.retain(|l| l.standing.due);
    }
    out.sort_by(|a, b| {
        b.standing
            .missed
            .cmp(&a.standing.missed)
            .then(a.household_code.cmp(&b.household_code))
            .then(a.pair.id.cmp(&b.pair.id))
    });
    if !out.is_empty() {
        audit::record(
            store,
            actor,
            Entry::new(Action::List, EntityKind::Pair, None)
                .community_of(out.iter().map(|l| l.pair.community_id))
                .summary(format!("{} pairs", out.len()))
                .showed(out.iter().map(|l| RecordRef::new(EntityKind::Household, l.pair.household_id))),
        )
        .await?;
    }
    Ok(out)
}

/// One pair with where it stands, and its contacts (newest first) with their notes; the read
/// is audited.
#[derive(Clone, Debug)]
pub struct PairDetail {
    pub line: PairLine,
    pub contacts: Vec<(pair_contact::Model, Option<String>, String)>,
    pub ended_by: Option<i64>,
}

#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<PairDetail> {
    let p = load(store, actor, id).await?;
    let line = lines(store, vec![p.clone()], today()).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    let contacts = super::contacts::of_pair(store, p.id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Pair, Some(p.id))
            .community(p.community_id)
            .showed([RecordRef::new(EntityKind::Household, p.household_id)]),
    )
    .await?;
    Ok(PairDetail { line, contacts, ended_by: None })
}

/// The pairs of one household the actor may see (its page; the caller audits the household).
pub async fn of_household(store: &Store, actor: &Actor, household_id: i64) -> CoreResult<Vec<PairLine>> {
    actor.require(Permission::ContactPairs)?;
    let rows: Vec<pair::Model> = pair::Entity::find()
        .filter(pair::Column::HouseholdId.eq(household_id))
        .order_by_desc(pair::Column::StartedOn)
        .all(store.conn())
        .await?
        .into_iter()
        .filter(|p| visible(actor, p))
        .collect();
    lines(store, rows, today()).await
}

/// How many active pairs the actor may see are due a contact in the current window (the
/// dashboard's count; no household leaves, so no audit row).
#[tracing::instrument(skip_all)]
pub async fn due_count(store: &Store, actor: &Actor) -> CoreResult<u64> {
    if !crate::policy::allows(actor.role, Permission::ContactPairs) {
        return Ok(0);
    }
    let mut find = pair::Entity::find().filter(pair::Column::EndedOn.is_null());
    if let Some(ids) = actor.community_filter() {
        find = find.filter(pair::Column::CommunityId.is_in(ids.to_vec()));
    }
    if actor.is_volunteer() {
        find = find.filter(pair::Column::HelperUserId.eq(actor.user_id.unwrap_or(-1)));
    }
    let rows: Vec<pair::Model> = find.all(store.conn()).await?.into_iter().filter(|p| visible(actor, p)).collect();
    Ok(lines(store, rows, today()).await?.iter().filter(|l| l.standing.due).count() as u64)
}

/// My pairs due a contact in the current window (the Today page of a helper with a login).
pub async fn due_for_me(store: &Store, actor: &Actor) -> CoreResult<Vec<PairLine>> {
    list(store, actor, &ListQuery { mine: Some(true), due: Some(true), ..Default::default() }).await
}

/// Pairs that missed two whole windows or more in a row: the coordinator's list.
pub async fn escalated(store: &Store, actor: &Actor) -> CoreResult<Vec<PairLine>> {
    actor.require(Permission::ManagePairs)?;
    list(store, actor, &ListQuery { missed: Some(2), ..Default::default() }).await
}
