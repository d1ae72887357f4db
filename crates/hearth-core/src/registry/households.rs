//! Households: the unit a team visits and serves.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{Page, clamp_limit, page_of, search};
use crate::audit::{self, Entry};
use crate::entity::{community, household, resident};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::patch::Patch;
use crate::policy::{self, Actor, Permission};
use crate::store::{Store, map_unique};
use crate::validate;

/// A household as submitted: the API's create body, and what forms submit. Dates are
/// `YYYY-MM-DD`. `None` = not submitted (keep, on update); `Some("")` = clear.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdInput {
    /// Community slug; may be left out when the caller has exactly one community.
    pub community: Option<String>,
    /// Unique within the community.
    #[schema(required = true, value_type = String, max_length = 50, example = "3-2-401")]
    pub code: Option<String>,
    #[schema(required = true, value_type = String, max_length = 300)]
    pub address: Option<String>,
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[schema(max_length = 50)]
    pub unit: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "2016-03-01")]
    pub moved_in_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub moved_out_on: Option<String>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// The version the change was made from (`version::of`); a save from an older one is
    /// refused. Set by the page (a hidden field) or the API (`If-Match`), never by the body.
    #[serde(skip)]
    pub expected_version: Option<String>,
}

/// Changes to a household: a missing field is kept, `null` clears it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdChanges {
    /// Required of every household: it may change, not be cleared.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 50)]
    pub code: Patch<String>,
    /// Required of every household: it may change, not be cleared.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub address: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub building: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub unit: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub moved_in_on: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub moved_out_on: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub notes: Patch<String>,
}

impl HouseholdChanges {
    /// As submitted text (`null` = cleared = `""`), for the one validation forms share.
    pub fn into_input(self) -> HouseholdInput {
        HouseholdInput {
            community: None,
            code: self.code.into_text(),
            address: self.address.into_text(),
            building: self.building.into_text(),
            unit: self.unit.into_text(),
            phone: self.phone.into_text(),
            moved_in_on: self.moved_in_on.into_text(),
            moved_out_on: self.moved_out_on.into_text(),
            notes: self.notes.into_text(),
            expected_version: None,
        }
    }
}

/// Validated values; `Option<Option<T>>`: outer = submitted, inner = value or cleared.
pub(crate) struct Valid {
    pub(crate) code: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) building: Option<Option<String>>,
    pub(crate) unit: Option<Option<String>>,
    pub(crate) phone: Option<Option<String>>,
    pub(crate) moved_in_on: Option<Option<chrono::NaiveDate>>,
    pub(crate) moved_out_on: Option<Option<chrono::NaiveDate>>,
    pub(crate) notes: Option<Option<String>>,
}

/// Every problem a new household's fields have that needs no database (required fields,
/// lengths, characters, dates and their order), all at once: what a form or an import can
/// show before anything is saved.
pub fn check_new(input: &HouseholdInput) -> CoreResult<()> {
    validate_input(input, true, None).map(|_| ())
}

pub(crate) fn validate_input(
    input: &HouseholdInput,
    creating: bool,
    existing: Option<&household::Model>,
) -> CoreResult<Valid> {
    let mut e = FieldErrors::new();
    let req = |e: &mut FieldErrors, f: &str, v: &Option<String>, max| {
        if creating || v.is_some() { validate::required_text(e, f, v.as_deref(), max) } else { None }
    };
    let code = req(&mut e, "code", &input.code, 50);
    let address = req(&mut e, "address", &input.address, 300);
    let building = input.building.as_ref().map(|v| validate::text(&mut e, "building", Some(v), 50));
    let unit = input.unit.as_ref().map(|v| validate::text(&mut e, "unit", Some(v), 50));
    let phone = input.phone.as_ref().map(|v| validate::phone(&mut e, "phone", Some(v)));
    let moved_in_on = input.moved_in_on.as_ref().map(|v| validate::date(&mut e, "moved_in_on", Some(v)));
    let moved_out_on = input.moved_out_on.as_ref().map(|v| validate::date(&mut e, "moved_out_on", Some(v)));
    let notes = input.notes.as_ref().map(|v| validate::text(&mut e, "notes", Some(v), 4000));
    let eff_in = moved_in_on.unwrap_or_else(|| existing.and_then(|h| h.moved_in_on));
    let eff_out = moved_out_on.unwrap_or_else(|| existing.and_then(|h| h.moved_out_on));
    if let (Some(i), Some(o)) = (eff_in, eff_out)
        && o < i
        && e.get("moved_out_on").is_none()
    {
        e.add("moved_out_on", "date_before_moved_in");
    }
    e.into_result()?;
    Ok(Valid { code, address, building, unit, phone, moved_in_on, moved_out_on, notes })
}

fn changed_fields(v: &Valid) -> String {
    let mut f = Vec::new();
    macro_rules! note {
        ($($name:ident),*) => { $( if v.$name.is_some() { f.push(stringify!($name)); } )* };
    }
    note!(code, address, building, unit, phone, moved_in_on, moved_out_on, notes);
    format!("fields: {}", f.join(", "))
}

#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: HouseholdInput) -> CoreResult<household::Model> {
    actor.require(Permission::EditPeople)?;
    let slug = input.community.clone().unwrap_or_default();
    let community = if slug.trim().is_empty() {
        // One community in scope needs no choosing.
        let visible = super::communities::list(store, actor).await?;
        match visible.as_slice() {
            [only] => only.clone(),
            _ => return Err(CoreError::invalid("community", "required")),
        }
    } else {
        super::communities::by_slug(store, actor, &slug)
            .await
            .map_err(|_| CoreError::invalid("community", "unknown_community"))?
    };
    let v = validate_input(&input, true, None)?;
    let now = Utc::now();
    let tx = store.write().await?;
    let h = household::ActiveModel {
        community_id: Set(community.id),
        code: Set(v.code.clone().unwrap_or_default()),
        address: Set(v.address.clone().unwrap_or_default()),
        building: Set(v.building.clone().flatten()),
        unit: Set(v.unit.clone().flatten()),
        phone: Set(v.phone.clone().flatten()),
        moved_in_on: Set(v.moved_in_on.flatten()),
        moved_out_on: Set(v.moved_out_on.flatten()),
        notes: Set(v.notes.clone().flatten()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(map_unique)?;
    search::index_households(&tx, std::slice::from_ref(&h)).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Household, Some(h.id))
            .community(h.community_id)
            .summary(changed_fields(&v)),
    )
    .await?;
    tx.commit().await?;
    Ok(h)
}

/// The household if the actor may see it (no audit row: callers that show it record the read).
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<household::Model> {
    actor.require(Permission::ViewPeople)?;
    let h = household::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    policy::household_in_scope(store, actor, h.id, h.community_id).await?;
    Ok(redact(actor, h))
}

/// The fields of a household that `actor` may not see (emptied by `redact`).
pub fn hidden_fields(actor: &Actor) -> &'static [&'static str] {
    match policy::person_view(actor) {
        policy::PersonView::Full => &[],
        policy::PersonView::ContactOnly => &["notes"],
    }
}

/// Volunteers see how to reach a household, not the team's notes about it.
pub fn redact(actor: &Actor, h: household::Model) -> household::Model {
    match policy::person_view(actor) {
        policy::PersonView::Full => h,
        policy::PersonView::ContactOnly => household::Model { notes: None, ..h },
    }
}

/// Reads a household for display, and records the read in the audit log.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<household::Model> {
    let h = load(store, actor, id).await?;
    audit::record(store, actor, Entry::new(Action::Read, EntityKind::Household, Some(h.id)).community(h.community_id))
        .await?;
    Ok(h)
}

#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: HouseholdInput) -> CoreResult<household::Model> {
    actor.require(Permission::EditPeople)?;
    let h = load(store, actor, id).await?;
    // Validated against the row as it is under the write lock, in the transaction that writes.
    let tx = store.write().await?;
    let h = crate::store::locked::<household::Entity>(&tx, h.id).await?;
    // What is wrong with the input is said first (422); a valid change from a stale version
    // is then refused (412 / "changed meanwhile").
    let v = validate_input(&input, false, Some(&h))?;
    crate::version::check(input.expected_version.as_deref(), &h.updated_at)?;
    let mut a: household::ActiveModel = h.into();
    validate::set_submitted!(a, v; code, address, building, unit, phone, moved_in_on, moved_out_on, notes);
    a.updated_at = Set(Utc::now());
    let h = a.update(&tx).await.map_err(map_unique)?;
    search::index_households(&tx, std::slice::from_ref(&h)).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Household, Some(h.id))
            .community(h.community_id)
            .summary(changed_fields(&v)),
    )
    .await?;
    tx.commit().await?;
    Ok(h)
}

/// Which households to list (also the API's query parameters).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (slug).
    pub community: Option<String>,
    /// Name search: a resident's name, full pinyin or initials ("zhangwei", "zw"), or the
    /// start of a household code.
    pub q: Option<String>,
    /// Only this building, and within it this unit (as written on the household): browsing
    /// building → unit → flat, as a grid worker walks it.
    pub building: Option<String>,
    pub unit: Option<String>,
    /// Keyset: only households with an id above this (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Keyset backwards: the page of households just before this id (a page's first id
    /// gives the page before it).
    pub before: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
}

/// A household in a list, with its members' names (no N+1: one query for the page).
#[derive(Clone, Debug)]
pub struct Row {
    pub household: household::Model,
    pub community_slug: String,
    pub members: Vec<String>,
}

/// The condition that confines households to the actor's scope and the query's filters.
async fn scope_condition(store: &Store, actor: &Actor, community: Option<&str>) -> CoreResult<Condition> {
    let mut cond = Condition::all();
    if let Some(ids) = actor.community_filter() {
        cond = cond.add(household::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(slug) = community.map(str::trim).filter(|s| !s.is_empty()) {
        let c = super::communities::by_slug(store, actor, slug).await?;
        cond = cond.add(household::Column::CommunityId.eq(c.id));
    }
    if actor.is_volunteer() {
        cond = cond.add(household::Column::Id.is_in(policy::paired_household_ids(store, actor).await?));
    }
    Ok(cond)
}

/// How many households `query`'s community and search select, all pages together (a count:
/// no one's details, so no audit row).
#[tracing::instrument(skip_all)]
pub async fn count(store: &Store, actor: &Actor, query: &ListQuery) -> CoreResult<u64> {
    actor.require(Permission::ViewPeople)?;
    let cond = matching(store, actor, query).await?;
    Ok(household::Entity::find().filter(cond).count(store.conn()).await?)
}

/// Whether any household `query` selects comes before `id` (a list's "previous" link): one
/// indexed row at most, not a count.
#[tracing::instrument(skip_all)]
pub async fn any_before(store: &Store, actor: &Actor, query: &ListQuery, id: i64) -> CoreResult<bool> {
    actor.require(Permission::ViewPeople)?;
    let cond = matching(store, actor, query).await?.add(household::Column::Id.lt(id));
    let first = household::Entity::find().select_only().column(household::Column::Id).filter(cond);
    Ok(first.into_tuple::<i64>().one(store.conn()).await?.is_some())
}

/// The buildings of the actor's households (of one community when `community` is given),
/// each with how many households it has; with `building`, that building's units instead.
/// Ordered as people count them (building 2 before building 10). Counts of places, no one's
/// details: no audit row.
#[tracing::instrument(skip_all)]
pub async fn places(
    store: &Store,
    actor: &Actor,
    community: Option<&str>,
    building: Option<&str>,
) -> CoreResult<Vec<(String, u64)>> {
    actor.require(Permission::ViewPeople)?;
    let mut cond = scope_condition(store, actor, community).await?;
    let column = match building.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => {
            cond = cond.add(household::Column::Building.eq(b));
            household::Column::Unit
        }
        None => household::Column::Building,
    };
    let rows: Vec<(Option<String>, i64)> = household::Entity::find()
        .select_only()
        .column(column)
        .column_as(household::Column::Id.count(), "n")
        .filter(cond.add(column.is_not_null()).add(household::Column::MovedOutOn.is_null()))
        .group_by(column)
        .into_tuple()
        .all(store.conn())
        .await?;
    let mut places: Vec<(String, u64)> =
        rows.into_iter().filter_map(|(p, n)| Some((p?, u64::try_from(n).unwrap_or(0)))).collect();
    places.sort_by(|a, b| natural_order(&a.0, &b.0));
    Ok(places)
}

/// "2" before "10", then text order: building and unit names as people count them.
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    let num = |s: &str| {
        s.trim_start_matches(|c: char| !c.is_ascii_digit())
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse::<u64>().ok())
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) if x != y => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The households `query`'s community and search select, before paging.
async fn matching(store: &Store, actor: &Actor, query: &ListQuery) -> CoreResult<Condition> {
    let mut cond = scope_condition(store, actor, query.community.as_deref()).await?;
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(b) = given(&query.building) {
        cond = cond.add(household::Column::Building.eq(b));
        if let Some(u) = given(&query.unit) {
            cond = cond.add(household::Column::Unit.eq(u));
        }
    }
    let q = query.q.as_deref().map(search::query).unwrap_or_default();
    if !q.is_empty() {
        let code_q = query.q.as_deref().unwrap_or_default().trim().to_uppercase();
        let communities: Option<Vec<i64>> = match query.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => Some(vec![super::communities::by_slug(store, actor, slug).await?.id]),
            None => actor.community_filter().map(<[i64]>::to_vec),
        };
        let by_name = Query::select()
            .column(resident::Column::HouseholdId)
            .from(resident::Entity)
            .and_where(resident::Column::Id.in_subquery(search::matching_residents(&q, communities.as_deref())))
            .to_owned();
        // By what is on the door or the phone: code parts (the flat), building, unit, digits.
        let raw = query.q.as_deref().unwrap_or_default();
        let mut prefixes = vec![q.clone()];
        prefixes.extend(search::phone_query(raw));
        let by_place = search::matching_households(&prefixes, communities.as_deref());
        cond = cond.add(
            Condition::any()
                .add(household::Column::Id.in_subquery(by_name))
                .add(household::Column::Id.in_subquery(by_place))
                .add(
                    Condition::all()
                        .add(household::Column::Code.gte(code_q.clone()))
                        .add(household::Column::Code.lt(search::prefix_upper(&code_q))),
                ),
        );
    }
    Ok(cond)
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, query: &ListQuery) -> CoreResult<Page<Row>> {
    actor.require(Permission::ViewPeople)?;
    let limit = clamp_limit(query.limit);
    let mut cond = matching(store, actor, query).await?;
    if let Some(after) = query.after {
        cond = cond.add(household::Column::Id.gt(after));
    }
    let page = match query.before {
        // Backwards: the `limit` just before, read newest first and turned round; the
        // household at `before` follows them, so there is a next page.
        Some(before) => {
            let mut rows = household::Entity::find()
                .filter(cond.add(household::Column::Id.lt(before)))
                .order_by_desc(household::Column::Id)
                .limit(limit)
                .all(store.conn())
                .await?;
            rows.reverse();
            let next_after = rows.last().map(|h| h.id);
            Page { items: rows, next_after }
        }
        None => {
            let rows = household::Entity::find()
                .filter(cond)
                .order_by_asc(household::Column::Id)
                .limit(limit + 1)
                .all(store.conn())
                .await?;
            page_of(rows, limit, |h| h.id)
        }
    };
    let ids: Vec<i64> = page.items.iter().map(|h| h.id).collect();
    let members = super::residents::members_of(store, &ids).await?;
    let communities = community::Entity::find().all(store.conn()).await?;
    let items: Vec<Row> = page
        .items
        .into_iter()
        .map(|h| redact(actor, h))
        .map(|h| Row {
            community_slug: communities
                .iter()
                .find(|c| c.id == h.community_id)
                .map(|c| c.slug.clone())
                .unwrap_or_default(),
            members: members.iter().filter(|(hid, _, _)| *hid == h.id).map(|(_, _, n)| n.clone()).collect(),
            household: h,
        })
        .collect();
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Household, None)
            .community_of(items.iter().map(|r| r.household.community_id))
            .summary(format!("{} rows", items.len()))
            .showed(items.iter().map(|r| RecordRef::new(EntityKind::Household, r.household.id)))
            // The list shows each household's members by name.
            .showed(members.iter().map(|(_, id, _)| RecordRef::new(EntityKind::Resident, *id))),
    )
    .await?;
    Ok(Page { items, next_after: page.next_after })
}

/// Codes by household id, for rows a caller has already scoped (pairs, cases, drill-downs):
/// one query per 500 ids.
pub(crate) async fn code_map(
    store: &Store,
    ids: impl IntoIterator<Item = i64>,
) -> CoreResult<std::collections::HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .column(household::Column::Code)
            .filter(household::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(store.conn())
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Codes of the given households, for lists of residents that show where each one lives.
/// Confined to the actor's communities, so ids from elsewhere simply yield nothing.
#[tracing::instrument(skip_all)]
pub async fn codes(store: &Store, actor: &Actor, ids: &[i64]) -> CoreResult<Vec<(i64, String)>> {
    actor.require(Permission::ViewPeople)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut find = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::Code)
        .filter(household::Column::Id.is_in(ids.to_vec()));
    if let Some(c) = actor.community_filter() {
        find = find.filter(household::Column::CommunityId.is_in(c.to_vec()));
    }
    Ok(find.into_tuple().all(store.conn()).await?)
}
