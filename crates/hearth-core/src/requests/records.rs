//! Requests themselves: opening one for a household, opening the same request for many
//! households at once (a building, a list, everyone present), changing a request (its kind,
//! description, provider, opening day), moving it along its status with a note, resolving
//! many at once from a filtered list, and the lists the pages show.
//!
//! A bulk action validates every household first and names a bad one by its place in the
//! list (`household_ids[17]`), then writes everything in one transaction with multi-row
//! inserts and one audit row that lists the records it made or changed: all or nothing, and
//! 2,000 households cost a few statements, not 2,000 round trips.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{RequestStatus, kinds, load};
use crate::audit::{self, Action, Entry};
use crate::entity::{household, request};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::registry::{Page, clamp_limit, page_of};
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// Rows per multi-row INSERT and per `IN (…)` list: well under both backends' limits on
/// bound parameters (requests have 11 columns).
const CHUNK: usize = 500;

/// The longest description, in characters.
pub(crate) const DESCRIPTION_CHARS: usize = 2000;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A request as submitted: `POST` for one household; on a change (`PATCH`) an absent field
/// is kept and an empty provider clears it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// Only on opening.
    #[schema(value_type = Option<i64>)]
    pub household_id: Option<i64>,
    /// The key of one of the community's kinds (`cable`, `internet`, `utilities`, …).
    pub kind: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The utility or service it went to.
    #[schema(max_length = 200)]
    pub provider: Option<String>,
    /// Default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub opened_on: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// The same request for many households: chosen by `building`, by a list
/// (`household_ids` or `household_codes`) or `all` households present, in one community.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    /// The community (slug); the caller's only community when left out.
    pub community: Option<String>,
    /// Every household present in this building (as written on the household).
    pub building: Option<String>,
    /// These households (ids); a bad one is named by its place, `household_ids[17]`.
    pub household_ids: Option<Vec<i64>>,
    /// These households (codes); a bad one is named by its place, `household_codes[3]`.
    pub household_codes: Option<Vec<String>>,
    /// Every household present in the community.
    pub all: Option<bool>,
    pub kind: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(max_length = 200)]
    pub provider: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub opened_on: Option<String>,
}

/// A status change: `passed_to_provider` (from open), `resolved` or `cannot_resolve`, on a
/// day (default today), with a note kept in the request's log (required for "cannot
/// resolve": the team says why).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    #[schema(value_type = RequestStatus)]
    pub status: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// Which requests a list shows, and which a bulk resolve closes.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this community (slug).
    pub community: Option<String>,
    /// A kind's key.
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Only households in this building (as written on the household).
    pub building: Option<String>,
    pub household_id: Option<i64>,
}

/// A page of the list: the filter, and the keyset.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (slug).
    pub community: Option<String>,
    /// A kind's key.
    pub kind: Option<String>,
    #[param(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    /// Only households in this building (as written on the household).
    pub building: Option<String>,
    pub household_id: Option<i64>,
    /// Keyset: the last id of the previous page.
    pub after: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
}

impl ListQuery {
    pub fn filter(&self) -> Filter {
        Filter {
            community: self.community.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            building: self.building.clone(),
            household_id: self.household_id,
        }
    }
}

/// Resolving every request a filter finds that is still open or with its provider.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkResolveInput {
    /// Only this community (slug).
    pub community: Option<String>,
    /// A kind's key.
    pub kind: Option<String>,
    /// `open` or `passed_to_provider`; both when left out.
    #[schema(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    /// Only households in this building.
    pub building: Option<String>,
    /// The day they were resolved (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub resolved_on: Option<String>,
    /// One note written in each request's log.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// How many the worker saw: if the filter now finds another number, nothing changes
    /// (`changed_meanwhile`), so a confirm step resolves exactly what it showed.
    pub expected_count: Option<u64>,
}

/// What a bulk action did.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub community_id: i64,
    pub count: u64,
    /// The requests made or changed, in id order.
    pub request_ids: Vec<i64>,
}

/// The kind `key` of `community`, if offered for new requests.
async fn active_kind<C: ConnectionTrait>(
    conn: &C,
    e: &mut FieldErrors,
    community: i64,
    key: Option<&str>,
) -> CoreResult<Option<String>> {
    let key = match key.map(str::trim) {
        None | Some("") => {
            e.add("kind", "required");
            return Ok(None);
        }
        Some(k) => k,
    };
    let found = kinds::of_community(conn, community).await?.into_iter().any(|k| k.key == key && !k.retired);
    if !found {
        e.add("kind", "unknown_kind");
        return Ok(None);
    }
    Ok(Some(key.to_owned()))
}

/// The opening day: today when left out; never in the future.
fn opened_on(e: &mut FieldErrors, v: Option<&str>) -> Option<NaiveDate> {
    let d = match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today()),
        Some(s) => validate::required_date(e, "opened_on", Some(s)),
    };
    if d.is_some_and(|d| d > today()) {
        e.add("opened_on", "date_in_future");
        return None;
    }
    d
}

/// A new request's description, provider and opening day, checked alike however it is
/// opened (for one household, for many, from a spreadsheet).
pub(crate) fn details(
    e: &mut FieldErrors,
    description: Option<&str>,
    provider: Option<&str>,
    on: Option<&str>,
) -> (Option<String>, Option<String>, Option<NaiveDate>) {
    let description = validate::required_text(e, "description", description, DESCRIPTION_CHARS);
    let provider = validate::text(e, "provider", provider, 200);
    (description, provider, opened_on(e, on))
}

/// The day of a step (passed to the provider, closed) on `field`: not before the steps
/// before it, not in the future.
pub(crate) fn step_day(
    e: &mut FieldErrors,
    field: &str,
    on: NaiveDate,
    opened_on: NaiveDate,
    passed_on: Option<NaiveDate>,
) {
    if on < opened_on {
        e.add(field, "date_before_opened");
    } else if passed_on.is_some_and(|p| on < p) {
        e.add(field, "date_before_passed");
    } else if on > today() {
        e.add(field, "date_in_future");
    }
}

fn new_row(
    actor: &Actor,
    h: (i64, i64),
    kind: &str,
    description: &str,
    provider: &Option<String>,
    on: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> request::ActiveModel {
    request::ActiveModel {
        community_id: Set(h.1),
        household_id: Set(h.0),
        kind: Set(kind.to_owned()),
        description: Set(description.to_owned()),
        provider: Set(provider.clone()),
        opened_on: Set(on),
        status: Set(RequestStatus::Open),
        passed_on: Set(None),
        resolved_on: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Opens a request for one household.
#[tracing::instrument(skip_all)]
pub async fn open(store: &Store, actor: &Actor, i: RequestInput) -> CoreResult<request::Model> {
    actor.require(Permission::TrackRequests)?;
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
    let kind = match &h {
        Some(h) => active_kind(store.conn(), &mut e, h.community_id, i.kind.as_deref()).await?,
        None => None,
    };
    let (description, provider, on) =
        details(&mut e, i.description.as_deref(), i.provider.as_deref(), i.opened_on.as_deref());
    e.into_result()?;
    let (Some(h), Some(kind), Some(description), Some(on)) = (h, kind, description, on) else {
        return Err(CoreError::Internal("validated request".into()));
    };
    let tx = store.write().await?;
    let r = new_row(actor, (h.id, h.community_id), &kind, &description, &provider, on, Utc::now()).insert(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::ServiceRequest, Some(r.id))
            .community(r.community_id)
            .summary(format!("kind: {}", r.kind))
            .showed([RecordRef::new(EntityKind::Household, h.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Households present (not moved out) of `community`, optionally of one building: (id, community).
async fn present<C: ConnectionTrait>(conn: &C, community: i64, building: Option<&str>) -> CoreResult<Vec<i64>> {
    let mut q = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .filter(household::Column::CommunityId.eq(community))
        .filter(household::Column::MovedOutOn.is_null());
    if let Some(b) = building {
        q = q.filter(household::Column::Building.eq(b));
    }
    Ok(q.order_by_asc(household::Column::Id).into_tuple::<i64>().all(conn).await?)
}

/// Opens the same request for many households of one community, in one transaction: every
/// household is checked first (one bad or foreign one stores nothing and is named by its
/// place in the list), then the rows go in multi-row inserts with one audit row listing them.
#[tracing::instrument(skip_all)]
pub async fn bulk_open(store: &Store, actor: &Actor, i: BulkInput) -> CoreResult<BulkOutcome> {
    actor.require(Permission::TrackRequests)?;
    let mut e = FieldErrors::new();
    let community = kinds::community_for(store, actor, &mut e, i.community.as_deref()).await?;
    let building = i.building.as_deref().map(str::trim).filter(|b| !b.is_empty());
    let chosen = [building.is_some(), i.household_ids.is_some(), i.household_codes.is_some(), i.all == Some(true)]
        .iter()
        .filter(|x| **x)
        .count();
    if chosen != 1 {
        e.add("households", if chosen == 0 { "choose_households" } else { "choose_one_way" });
    }
    let kind = match community {
        Some(c) => active_kind(store.conn(), &mut e, c, i.kind.as_deref()).await?,
        None => None,
    };
    let (description, provider, on) =
        details(&mut e, i.description.as_deref(), i.provider.as_deref(), i.opened_on.as_deref());
    let mut ids: Vec<i64> = Vec::new();
    if let (Some(c), 1) = (community, chosen) {
        if let Some(list) = &i.household_ids {
            ids = checked_ids(store, &mut e, c, list).await?;
        } else if let Some(codes) = &i.household_codes {
            ids = checked_codes(store, &mut e, c, codes).await?;
        } else {
            ids = present(store.conn(), c, building).await?;
            if ids.is_empty() {
                e.add(if building.is_some() { "building" } else { "households" }, "no_households");
            }
        }
        if ids.is_empty() && e.is_empty() {
            e.add("households", "no_households");
        }
    }
    e.into_result()?;
    let (Some(community), Some(kind), Some(description), Some(on)) = (community, kind, description, on) else {
        return Err(CoreError::Internal("validated bulk request".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    // The rows this insert makes are those after the last id now, made at `now` in this
    // community (the write lock on SQLite; on PostgreSQL `now` to the microsecond tells them
    // from another writer's).
    let before: Option<i64> = request::Entity::find()
        .select_only()
        .column_as(request::Column::Id.max(), "m")
        .into_tuple::<Option<i64>>()
        .one(&tx)
        .await?
        .flatten();
    for chunk in ids.chunks(CHUNK) {
        let rows = chunk.iter().map(|h| new_row(actor, (*h, community), &kind, &description, &provider, on, now));
        request::Entity::insert_many(rows).exec_without_returning(&tx).await?;
    }
    let made: Vec<(i64, i64)> = request::Entity::find()
        .select_only()
        .column(request::Column::Id)
        .column(request::Column::HouseholdId)
        .filter(request::Column::Id.gt(before.unwrap_or(0)))
        .filter(request::Column::CommunityId.eq(community))
        .filter(request::Column::CreatedAt.eq(now))
        .order_by_asc(request::Column::Id)
        .into_tuple()
        .all(&tx)
        .await?;
    if made.len() != ids.len() {
        return Err(CoreError::Internal(format!("bulk request made {} of {}", made.len(), ids.len())));
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::ServiceRequest, None)
            .community(community)
            .summary(format!("bulk: {} requests, kind: {kind}", made.len()))
            .showed(made.iter().map(|(r, _)| RecordRef::new(EntityKind::ServiceRequest, *r)))
            .showed(made.iter().map(|(_, h)| RecordRef::new(EntityKind::Household, *h))),
    )
    .await?;
    tx.commit().await?;
    Ok(BulkOutcome {
        community_id: community,
        count: made.len() as u64,
        request_ids: made.into_iter().map(|(r, _)| r).collect(),
    })
}

/// The listed households by id, each present in `community`; the bad ones named by place.
async fn checked_ids(store: &Store, e: &mut FieldErrors, community: i64, list: &[i64]) -> CoreResult<Vec<i64>> {
    let mut found: HashMap<i64, (i64, bool)> = HashMap::new();
    for chunk in list.chunks(CHUNK) {
        for (id, c, out) in household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .column(household::Column::CommunityId)
            .column(household::Column::MovedOutOn)
            .filter(household::Column::Id.is_in(chunk.to_vec()))
            .into_tuple::<(i64, i64, Option<NaiveDate>)>()
            .all(store.conn())
            .await?
        {
            found.insert(id, (c, out.is_some()));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (n, id) in list.iter().enumerate() {
        match found.get(id) {
            Some((c, false)) if *c == community => {
                if seen.insert(*id) {
                    out.push(*id);
                }
            }
            Some((c, true)) if *c == community => e.add(&format!("household_ids[{n}]"), "household_moved_out"),
            _ => e.add(&format!("household_ids[{n}]"), "unknown_household"),
        }
    }
    Ok(out)
}

/// The listed households by code in `community`; the bad ones named by place.
async fn checked_codes(store: &Store, e: &mut FieldErrors, community: i64, codes: &[String]) -> CoreResult<Vec<i64>> {
    let wanted: Vec<String> = codes.iter().map(|c| c.trim().to_owned()).collect();
    let mut found: HashMap<String, (i64, bool)> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        for (id, code, out) in household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .column(household::Column::Code)
            .column(household::Column::MovedOutOn)
            .filter(household::Column::CommunityId.eq(community))
            .filter(household::Column::Code.is_in(chunk.to_vec()))
            .into_tuple::<(i64, String, Option<NaiveDate>)>()
            .all(store.conn())
            .await?
        {
            found.insert(code, (id, out.is_some()));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (n, code) in wanted.iter().enumerate() {
        match found.get(code) {
            Some((id, false)) => {
                if seen.insert(*id) {
                    out.push(*id);
                }
            }
            Some((_, true)) => e.add(&format!("household_codes[{n}]"), "household_moved_out"),
            None => e.add(&format!("household_codes[{n}]"), "unknown_household"),
        }
    }
    Ok(out)
}

/// One request, audited as a read.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<request::Model> {
    let r = load(store, actor, id).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::ServiceRequest, Some(r.id))
            .community(r.community_id)
            .showed([RecordRef::new(EntityKind::Household, r.household_id)]),
    )
    .await?;
    Ok(r)
}

/// The request's log (its status changes' notes), oldest first. The request has been read.
pub async fn notes_of(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<crate::notes::Note>> {
    let r = load(store, actor, id).await?;
    crate::notes::of(store, RecordRef::new(EntityKind::ServiceRequest, r.id)).await
}

/// Changes a request's kind, description, provider or opening day (absent keeps).
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, i: RequestInput) -> CoreResult<request::Model> {
    let cur = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if i.household_id.is_some_and(|h| h != cur.household_id) {
        e.add("household_id", "cannot_change");
    }
    let kind = match i.kind.as_deref() {
        None => Some(cur.kind.clone()),
        Some(k) if k.trim() == cur.kind => Some(cur.kind.clone()),
        k => active_kind(store.conn(), &mut e, cur.community_id, k).await?,
    };
    let description = match i.description.as_deref() {
        None => Some(cur.description.clone()),
        d => validate::required_text(&mut e, "description", d, DESCRIPTION_CHARS),
    };
    let provider = match i.provider.as_deref() {
        None => cur.provider.clone(),
        p => validate::text(&mut e, "provider", p, 200),
    };
    let on = match i.opened_on.as_deref() {
        None => Some(cur.opened_on),
        Some(v) => {
            let d = validate::required_date(&mut e, "opened_on", Some(v));
            if d.is_some_and(|d| d > today()) {
                e.add("opened_on", "date_in_future");
            }
            d
        }
    };
    if let Some(d) = on
        && (cur.passed_on.is_some_and(|p| p < d) || cur.resolved_on.is_some_and(|r| r < d))
    {
        e.add("opened_on", "after_a_later_step");
    }
    e.into_result()?;
    let (Some(kind), Some(description), Some(on)) = (kind, description, on) else {
        return Err(CoreError::Internal("validated request".into()));
    };
    let tx = store.write().await?;
    let row: request::Model = store::locked::<request::Entity>(&tx, cur.id).await?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    let mut a = row.clone().into_active_model();
    a.kind = Set(kind);
    a.description = Set(description);
    a.provider = Set(provider);
    a.opened_on = Set(on);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::ServiceRequest, Some(m.id)).community(m.community_id).summary("details"),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Moves a request along: passed to its provider (from open), resolved or found impossible
/// to resolve, on a day, with a note written to its log in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn change_status(store: &Store, actor: &Actor, id: i64, i: StatusInput) -> CoreResult<request::Model> {
    let cur = load(store, actor, id).await?;
    let mut e = FieldErrors::new();
    let status = match i.status.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("status", "required");
            None
        }
        s => validate::word::<RequestStatus>(&mut e, "status", s),
    };
    let on = match i.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today()),
        v => validate::required_date(&mut e, "on", v),
    };
    let note = crate::notes::check(&mut e, "note", i.note.as_deref());
    if status == Some(RequestStatus::CannotResolve) && note.is_none() && e.get("note").is_none() {
        e.add("note", "required");
    }
    e.into_result()?;
    let (Some(status), Some(on)) = (status, on) else {
        return Err(CoreError::Internal("validated status".into()));
    };
    let tx = store.write().await?;
    let row: request::Model = store::locked::<request::Entity>(&tx, cur.id).await?;
    if row.status.is_closed() {
        return Err(CoreError::Conflict { field: "status".into(), code: "already_closed" });
    }
    let mut e = FieldErrors::new();
    match status {
        RequestStatus::Open => e.add("status", "invalid_choice"),
        RequestStatus::PassedToProvider if row.status != RequestStatus::Open => e.add("status", "already_passed"),
        _ => {}
    }
    step_day(&mut e, "on", on, row.opened_on, row.passed_on);
    e.into_result()?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    let mut a = row.clone().into_active_model();
    a.status = Set(status);
    if status == RequestStatus::PassedToProvider {
        a.passed_on = Set(Some(on));
    } else {
        a.resolved_on = Set(Some(on));
    }
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    if let Some(body) = note {
        crate::notes::add(&tx, actor, RecordRef::new(EntityKind::ServiceRequest, m.id), m.community_id, body).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::ServiceRequest, Some(m.id))
            .community(m.community_id)
            .summary(format!("status: {}", m.status.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// The condition of a filter in the actor's communities (a bad value is named).
async fn condition(store: &Store, actor: &Actor, f: &Filter) -> CoreResult<Condition> {
    let mut e = FieldErrors::new();
    let status = match f.status.as_deref() {
        Some(s) if s.trim().is_empty() => {
            e.add("status", "invalid_choice");
            None
        }
        s => validate::word::<RequestStatus>(&mut e, "status", s),
    };
    if f.kind.as_deref().is_some_and(|k| k.trim().is_empty()) {
        e.add("kind", "invalid_choice");
    }
    let mut cond = Condition::all();
    match actor.community_filter() {
        Some([one]) => cond = cond.add(request::Column::CommunityId.eq(*one)),
        Some(ids) => cond = cond.add(request::Column::CommunityId.is_in(ids.to_vec())),
        None => {}
    }
    if let Some(slug) = f.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::registry::communities::by_slug(store, actor, slug).await {
            Ok(c) => cond = cond.add(request::Column::CommunityId.eq(c.id)),
            Err(CoreError::NotFound) => e.add("community", "unknown_community"),
            Err(x) => return Err(x),
        }
    }
    e.into_result()?;
    if let Some(s) = status {
        cond = cond.add(request::Column::Status.eq(s));
    }
    if let Some(k) = f.kind.as_deref().map(str::trim) {
        cond = cond.add(request::Column::Kind.eq(k));
    }
    if let Some(h) = f.household_id {
        cond = cond.add(request::Column::HouseholdId.eq(h));
    }
    if let Some(b) = f.building.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        let in_building = sea_orm::sea_query::Query::select()
            .column(household::Column::Id)
            .from(household::Entity)
            .and_where(household::Column::Building.eq(b))
            .to_owned();
        cond = cond.add(request::Column::HouseholdId.in_subquery(in_building));
    }
    Ok(cond)
}

/// A request with its household's code (the lists' label).
#[derive(Clone, Debug)]
pub struct RequestLine {
    pub request: request::Model,
    pub household_code: String,
}

async fn lines(store: &Store, rows: Vec<request::Model>) -> CoreResult<Vec<RequestLine>> {
    let mut codes: HashMap<i64, String> = HashMap::new();
    let hids: Vec<i64> = rows.iter().map(|r| r.household_id).collect::<HashSet<_>>().into_iter().collect();
    for chunk in hids.chunks(CHUNK) {
        for (id, code) in household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .column(household::Column::Code)
            .filter(household::Column::Id.is_in(chunk.to_vec()))
            .into_tuple::<(i64, String)>()
            .all(store.conn())
            .await?
        {
            codes.insert(id, code);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| RequestLine { household_code: codes.get(&r.household_id).cloned().unwrap_or_default(), request: r })
        .collect())
}

/// A page of the requests a filter finds, in the order they were made (keyset by id),
/// audited with the requests and households shown; and how many the filter finds in all.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> CoreResult<(u64, Page<RequestLine>)> {
    actor.require(Permission::TrackRequests)?;
    let cond = condition(store, actor, &q.filter()).await?;
    let total = request::Entity::find().filter(cond.clone()).count(store.conn()).await?;
    let mut find = request::Entity::find().filter(cond);
    if let Some(a) = q.after {
        find = find.filter(request::Column::Id.gt(a));
    }
    let limit = clamp_limit(q.limit);
    let rows = find.order_by_asc(request::Column::Id).limit(limit + 1).all(store.conn()).await?;
    let page = page_of(rows, limit, |r| r.id);
    let items = lines(store, page.items).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::ServiceRequest, None)
            .community_of(items.iter().map(|l| l.request.community_id))
            .summary(format!("{} of {total} rows", items.len()))
            .showed(items.iter().map(|l| RecordRef::new(EntityKind::ServiceRequest, l.request.id)))
            .showed(items.iter().map(|l| RecordRef::new(EntityKind::Household, l.request.household_id))),
    )
    .await?;
    Ok((total, Page { items, next_after: page.next_after }))
}

/// Resolves every request the filter finds that is still open or with its provider, in one
/// transaction: one multi-row update per chunk, the note in each request's log, and one
/// audit row listing them. If the worker confirmed another number than the filter now
/// finds, nothing changes.
#[tracing::instrument(skip_all)]
pub async fn bulk_resolve(store: &Store, actor: &Actor, i: BulkResolveInput) -> CoreResult<BulkOutcome> {
    actor.require(Permission::TrackRequests)?;
    let mut e = FieldErrors::new();
    let resolved_on = match i.resolved_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(today()),
        v => validate::required_date(&mut e, "resolved_on", v),
    };
    if resolved_on.is_some_and(|d| d > today()) {
        e.add("resolved_on", "date_in_future");
    }
    let note = crate::notes::check(&mut e, "note", i.note.as_deref());
    let filter = Filter {
        community: i.community.clone(),
        kind: i.kind.clone(),
        status: i.status.clone(),
        building: i.building.clone(),
        household_id: None,
    };
    if filter.status.as_deref().and_then(RequestStatus::parse).is_some_and(RequestStatus::is_closed) {
        e.add("status", "already_closed");
    }
    let cond = match condition(store, actor, &filter).await {
        Ok(c) => Some(c),
        Err(CoreError::Invalid(f)) => {
            e.0.extend(f.0);
            None
        }
        Err(x) => return Err(x),
    };
    e.into_result()?;
    let (Some(cond), Some(resolved_on)) = (cond, resolved_on) else {
        return Err(CoreError::Internal("validated bulk resolve".into()));
    };
    let cond = cond.add(request::Column::Status.is_in([RequestStatus::Open, RequestStatus::PassedToProvider]));
    let tx = store.write().await?;
    let rows: Vec<(i64, i64, NaiveDate, Option<NaiveDate>)> = request::Entity::find()
        .select_only()
        .column(request::Column::Id)
        .column(request::Column::CommunityId)
        .column(request::Column::OpenedOn)
        .column(request::Column::PassedOn)
        .filter(cond)
        .order_by_asc(request::Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(&tx)
        .await?;
    if i.expected_count.is_some_and(|n| n != rows.len() as u64) {
        return Err(CoreError::Conflict { field: "expected_count".into(), code: "changed_meanwhile" });
    }
    let mut e = FieldErrors::new();
    if rows.is_empty() {
        e.add("requests", "nothing_to_resolve");
    }
    let communities: HashSet<i64> = rows.iter().map(|r| r.1).collect();
    if communities.len() > 1 {
        e.add("community", "required");
    }
    let early = rows.iter().filter(|r| r.2 > resolved_on || r.3.is_some_and(|p| p > resolved_on)).count();
    if early > 0 {
        e.add_arg("resolved_on", "before_some_opened", i64::try_from(early).unwrap_or(i64::MAX));
    }
    e.into_result()?;
    let community = rows.first().map(|r| r.1).unwrap_or_default();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let now = Utc::now();
    for chunk in ids.chunks(CHUNK) {
        request::Entity::update_many()
            .col_expr(request::Column::Status, Expr::value(RequestStatus::Resolved.word()))
            .col_expr(request::Column::ResolvedOn, Expr::value(resolved_on))
            .col_expr(request::Column::UpdatedAt, Expr::value(now))
            .filter(request::Column::Id.is_in(chunk.to_vec()))
            .exec(&tx)
            .await?;
    }
    let refs: Vec<RecordRef> = ids.iter().map(|id| RecordRef::new(EntityKind::ServiceRequest, *id)).collect();
    if let Some(body) = &note {
        crate::notes::add_many(&tx, actor, &refs, community, body).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::ServiceRequest, None)
            .community(community)
            .summary(format!("bulk resolve: {} requests", ids.len()))
            .showed(refs),
    )
    .await?;
    tx.commit().await?;
    Ok(BulkOutcome { community_id: community, count: ids.len() as u64, request_ids: ids })
}

/// A household's requests the actor may see, newest first (its page: only the open ones;
/// its timeline: all). The caller has read the household.
pub async fn of_household(
    store: &Store,
    actor: &Actor,
    h: &household::Model,
    open_only: bool,
) -> CoreResult<Vec<request::Model>> {
    actor.require(Permission::TrackRequests)?;
    if !actor.sees_community(h.community_id) {
        return Err(CoreError::NotFound);
    }
    let mut q = request::Entity::find().filter(request::Column::HouseholdId.eq(h.id));
    if open_only {
        q = q.filter(request::Column::Status.is_in([RequestStatus::Open, RequestStatus::PassedToProvider]));
    }
    Ok(q.order_by_desc(request::Column::OpenedOn).order_by_desc(request::Column::Id).all(store.conn()).await?)
}

/// How many requests are open or with their provider in the actor's communities (the
/// menu's badge): indexed counts, no personal data.
pub async fn open_count(store: &Store, actor: &Actor) -> CoreResult<u64> {
    if !crate::policy::allows(actor.role, Permission::TrackRequests) {
        return Ok(0);
    }
    let mut q = request::Entity::find()
        .filter(request::Column::Status.is_in([RequestStatus::Open, RequestStatus::PassedToProvider]));
    if let Some(ids) = actor.community_filter() {
        q = q.filter(request::Column::CommunityId.is_in(ids.to_vec()));
    }
    Ok(q.count(store.conn()).await?)
}

/// Requests passed to their provider and still waiting, longest waiting first: how many,
/// and the first `limit` (the Today page), audited with what it shows.
pub async fn waiting(store: &Store, actor: &Actor, limit: u64) -> CoreResult<(u64, Vec<RequestLine>)> {
    actor.require(Permission::TrackRequests)?;
    let mut cond = Condition::all().add(request::Column::Status.eq(RequestStatus::PassedToProvider));
    if let Some(ids) = actor.community_filter() {
        cond = cond.add(request::Column::CommunityId.is_in(ids.to_vec()));
    }
    let count = request::Entity::find().filter(cond.clone()).count(store.conn()).await?;
    let rows = request::Entity::find()
        .filter(cond)
        .order_by_asc(request::Column::PassedOn)
        .order_by_asc(request::Column::Id)
        .limit(limit)
        .all(store.conn())
        .await?;
    let items = lines(store, rows).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::ServiceRequest, None)
            .community_of(items.iter().map(|l| l.request.community_id))
            .summary(format!("waiting for a provider: {} of {count} rows", items.len()))
            .showed(items.iter().map(|l| RecordRef::new(EntityKind::ServiceRequest, l.request.id))),
    )
    .await?;
    Ok((count, items))
}

/// How many requests a filter finds that are still open or with their provider (what
/// "resolve all shown" would close): an indexed count, no personal data.
pub async fn count_resolvable(store: &Store, actor: &Actor, f: &Filter) -> CoreResult<u64> {
    actor.require(Permission::TrackRequests)?;
    let cond = condition(store, actor, f)
        .await?
        .add(request::Column::Status.is_in([RequestStatus::Open, RequestStatus::PassedToProvider]));
    Ok(request::Entity::find().filter(cond).count(store.conn()).await?)
}
