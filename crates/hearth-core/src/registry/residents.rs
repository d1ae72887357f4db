//! Residents: the people in a household. Only the name is required; every other fact is
//! optional and exists because a service needs it. There is deliberately no field for
//! ethnicity, religion or political opinion.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::Utc;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{Page, clamp_limit, page_of, search};
use crate::audit::{self, Entry};
use crate::entity::{household, resident};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::patch::Patch;
use crate::policy::{self, Actor, Permission, PersonView};
use crate::store::Store;
use crate::validate;

pub const SEXES: [&str; 3] = ["female", "male", "other"];
/// Relationship to the head of the household, as local registration forms ask it.
pub const RELATIONSHIPS: [&str; 6] = ["head", "spouse", "child", "parent", "other_relative", "other"];
pub const EDUCATION_LEVELS: [&str; 6] =
    ["none", "primary", "lower_secondary", "upper_secondary", "vocational", "tertiary"];
pub const WORK_STATUSES: [&str; 7] =
    ["employed", "self_employed", "seeking_work", "not_seeking", "student", "retired", "unable_to_work"];

/// A resident as submitted: the API's create body, and what forms submit. Only
/// `household_id` (on create) and `full_name` are required.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentInput {
    #[schema(required = true, value_type = i64)]
    pub household_id: Option<i64>,
    #[schema(required = true, value_type = String, max_length = 200, example = "张伟")]
    pub full_name: Option<String>,
    /// `female`, `male` or `other`.
    pub sex: Option<String>,
    /// Relationship to the head of the household: `head`, `spouse`, `child`, `parent`,
    /// `other_relative` or `other`.
    pub relationship: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "1988-07-14")]
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    #[schema(max_length = 200)]
    pub languages_spoken: Option<String>,
    #[schema(max_length = 200)]
    pub languages_to_learn: Option<String>,
    /// `none`, `primary`, `lower_secondary`, `upper_secondary`, `vocational` or `tertiary`.
    pub education_level: Option<String>,
    /// `employed`, `self_employed`, `seeking_work`, `not_seeking`, `student`, `retired` or
    /// `unable_to_work`.
    pub work_status: Option<String>,
    #[schema(max_length = 2000)]
    pub skills: Option<String>,
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

/// Changes to a resident: a missing field is kept, `null` clears it. A resident cannot
/// move household through this call.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentChanges {
    #[serde(default)]
    /// Required of every resident: it may change, not be cleared.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub full_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub sex: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub relationship: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub languages_spoken: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub languages_to_learn: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub education_level: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub work_status: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub skills: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub needs: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub notes: Patch<String>,
}

impl ResidentChanges {
    /// As submitted text (`null` = cleared = `""`), for the one validation forms share.
    pub fn into_input(self) -> ResidentInput {
        ResidentInput {
            household_id: None,
            full_name: self.full_name.into_text(),
            sex: self.sex.into_text(),
            relationship: self.relationship.into_text(),
            birth_date: self.birth_date.into_text(),
            phone: self.phone.into_text(),
            languages_spoken: self.languages_spoken.into_text(),
            languages_to_learn: self.languages_to_learn.into_text(),
            education_level: self.education_level.into_text(),
            work_status: self.work_status.into_text(),
            skills: self.skills.into_text(),
            needs: self.needs.into_text(),
            notes: self.notes.into_text(),
        }
    }
}

pub(crate) type Field<T> = Option<Option<T>>;

pub(crate) struct Valid {
    pub(crate) full_name: Option<String>,
    pub(crate) sex: Field<String>,
    pub(crate) relationship: Field<String>,
    pub(crate) birth_date: Field<chrono::NaiveDate>,
    pub(crate) phone: Field<String>,
    pub(crate) languages_spoken: Field<String>,
    pub(crate) languages_to_learn: Field<String>,
    pub(crate) education_level: Field<String>,
    pub(crate) work_status: Field<String>,
    pub(crate) skills: Field<String>,
    pub(crate) needs: Field<String>,
    pub(crate) notes: Field<String>,
}

pub(crate) fn validate_input(i: &ResidentInput, creating: bool) -> CoreResult<Valid> {
    let mut e = FieldErrors::new();
    let full_name = if creating || i.full_name.is_some() {
        validate::required_text(&mut e, "full_name", i.full_name.as_deref(), 200)
    } else {
        None
    };
    let t =
        |e: &mut FieldErrors, f: &str, v: &Option<String>, max| v.as_ref().map(|v| validate::text(e, f, Some(v), max));
    let c = |e: &mut FieldErrors, f: &str, v: &Option<String>, allowed: &[&str]| {
        v.as_ref().map(|v| validate::choice(e, f, Some(v), allowed))
    };
    let sex = c(&mut e, "sex", &i.sex, &SEXES);
    let relationship = c(&mut e, "relationship", &i.relationship, &RELATIONSHIPS);
    let birth_date = i.birth_date.as_ref().map(|v| validate::date(&mut e, "birth_date", Some(v)));
    if let Some(Some(d)) = birth_date
        && d > Utc::now().date_naive()
    {
        e.add("birth_date", "date_in_future");
    }
    let phone = i.phone.as_ref().map(|v| validate::phone(&mut e, "phone", Some(v)));
    let languages_spoken = t(&mut e, "languages_spoken", &i.languages_spoken, 200);
    let languages_to_learn = t(&mut e, "languages_to_learn", &i.languages_to_learn, 200);
    let education_level = c(&mut e, "education_level", &i.education_level, &EDUCATION_LEVELS);
    let work_status = c(&mut e, "work_status", &i.work_status, &WORK_STATUSES);
    let skills = t(&mut e, "skills", &i.skills, 2000);
    let needs = t(&mut e, "needs", &i.needs, 2000);
    let notes = t(&mut e, "notes", &i.notes, 4000);
    e.into_result()?;
    Ok(Valid {
        full_name,
        sex,
        relationship,
        birth_date,
        phone,
        languages_spoken,
        languages_to_learn,
        education_level,
        work_status,
        skills,
        needs,
        notes,
    })
}

fn changed_fields(v: &Valid) -> String {
    let mut f = Vec::new();
    macro_rules! note {
        ($($name:ident),*) => { $( if v.$name.is_some() { f.push(stringify!($name)); } )* };
    }
    note!(
        full_name,
        sex,
        relationship,
        birth_date,
        phone,
        languages_spoken,
        languages_to_learn,
        education_level,
        work_status,
        skills,
        needs,
        notes
    );
    format!("fields: {}", f.join(", "))
}

/// Rewrites a resident's search terms (inside the caller's transaction).
#[tracing::instrument(skip_all)]
pub async fn index_name<C: ConnectionTrait>(conn: &C, r: &resident::Model) -> CoreResult<()> {
    search::index_residents(conn, &[(r.id, r.community_id, r.full_name.clone())]).await
}

#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: ResidentInput) -> CoreResult<resident::Model> {
    actor.require(Permission::EditPeople)?;
    let Some(hid) = input.household_id else {
        return Err(CoreError::invalid("household_id", "required"));
    };
    let h = super::households::load(store, actor, hid)
        .await
        .map_err(|_| CoreError::invalid("household_id", "unknown_household"))?;
    let v = validate_input(&input, true)?;
    let now = Utc::now();
    let tx = store.write().await?;
    let r = resident::ActiveModel {
        household_id: Set(h.id),
        community_id: Set(h.community_id),
        full_name: Set(v.full_name.clone().unwrap_or_default()),
        sex: Set(v.sex.clone().flatten()),
        relationship: Set(v.relationship.clone().flatten()),
        birth_date: Set(v.birth_date.flatten()),
        phone: Set(v.phone.clone().flatten()),
        languages_spoken: Set(v.languages_spoken.clone().flatten()),
        languages_to_learn: Set(v.languages_to_learn.clone().flatten()),
        education_level: Set(v.education_level.clone().flatten()),
        work_status: Set(v.work_status.clone().flatten()),
        skills: Set(v.skills.clone().flatten()),
        needs: Set(v.needs.clone().flatten()),
        notes: Set(v.notes.clone().flatten()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    index_name(&tx, &r).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Resident, Some(r.id))
            .community(r.community_id)
            .summary(changed_fields(&v)),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// A resident the actor may see, without an audit row.
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<resident::Model> {
    actor.require(Permission::ViewPeople)?;
    let r = resident::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    policy::household_in_scope(store, actor, r.household_id, r.community_id).await?;
    Ok(redact(actor, r))
}

/// The fields of a resident that `actor` may not see (emptied by `redact`): pages leave
/// them out, the API omits them.
pub fn hidden_fields(actor: &Actor) -> &'static [&'static str] {
    match policy::person_view(actor) {
        PersonView::Full => &[],
        PersonView::ContactOnly => &DETAIL_FIELDS,
    }
}

/// A resident's fields beyond name and contact, in the order pages show them.
pub const DETAIL_FIELDS: [&str; 10] = [
    "relationship",
    "sex",
    "birth_date",
    "languages_spoken",
    "languages_to_learn",
    "education_level",
    "work_status",
    "skills",
    "needs",
    "notes",
];

/// Volunteers see name and phone only.
pub fn redact(actor: &Actor, r: resident::Model) -> resident::Model {
    match policy::person_view(actor) {
        PersonView::Full => r,
        PersonView::ContactOnly => resident::Model {
            sex: None,
            relationship: None,
            birth_date: None,
            languages_spoken: None,
            languages_to_learn: None,
            education_level: None,
            work_status: None,
            skills: None,
            needs: None,
            notes: None,
            ..r
        },
    }
}

#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<resident::Model> {
    let r = load(store, actor, id).await?;
    audit::record(store, actor, Entry::new(Action::Read, EntityKind::Resident, Some(r.id)).community(r.community_id))
        .await?;
    Ok(r)
}

#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: ResidentInput) -> CoreResult<resident::Model> {
    actor.require(Permission::EditPeople)?;
    let r = load(store, actor, id).await?;
    let v = validate_input(&input, false)?;
    let tx = store.write().await?;
    let r = crate::store::locked::<resident::Entity>(&tx, r.id).await?;
    let mut a: resident::ActiveModel = r.into();
    validate::set_submitted!(a, v; full_name, sex, relationship, birth_date, phone, languages_spoken, languages_to_learn,
        education_level, work_status, skills, needs, notes);
    a.updated_at = Set(Utc::now());
    let r = a.update(&tx).await?;
    if v.full_name.is_some() {
        index_name(&tx, &r).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Resident, Some(r.id))
            .community(r.community_id)
            .summary(changed_fields(&v)),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Members of a household the caller has already loaded (and so checked).
#[tracing::instrument(skip_all)]
/// (household id, resident id, name) of every member of these households, oldest record
/// first: one query for a page of households. The caller audits what it shows.
pub async fn members_of(store: &Store, household_ids: &[i64]) -> CoreResult<Vec<(i64, i64, String)>> {
    Ok(resident::Entity::find()
        .select_only()
        .column(resident::Column::HouseholdId)
        .column(resident::Column::Id)
        .column(resident::Column::FullName)
        .filter(resident::Column::HouseholdId.is_in(household_ids.to_vec()))
        .order_by_asc(resident::Column::Id)
        .into_tuple()
        .all(store.conn())
        .await?)
}

pub async fn of_household(store: &Store, actor: &Actor, h: &household::Model) -> CoreResult<Vec<resident::Model>> {
    let rows = resident::Entity::find()
        .filter(resident::Column::HouseholdId.eq(h.id))
        .order_by_asc(resident::Column::Id)
        .all(store.conn())
        .await?;
    Ok(rows.into_iter().map(|r| redact(actor, r)).collect())
}

/// Which residents to list (also the API's query parameters).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (slug).
    pub community: Option<String>,
    /// Only the members of this household.
    pub household_id: Option<i64>,
    /// Name search: as written, full pinyin or initials ("zhangwei", "zw" → 张伟).
    pub q: Option<String>,
    /// Keyset: only residents with an id above this (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, query: &ListQuery) -> CoreResult<Page<resident::Model>> {
    actor.require(Permission::ViewPeople)?;
    let limit = clamp_limit(query.limit);
    let mut find = resident::Entity::find();
    // The communities searched: the one asked for, else all the actor may see (None = all).
    let communities: Option<Vec<i64>> = match query.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(vec![super::communities::by_slug(store, actor, slug).await?.id]),
        None => actor.community_filter().map(<[i64]>::to_vec),
    };
    if let Some(ids) = &communities {
        find = find.filter(resident::Column::CommunityId.is_in(ids.clone()));
    }
    if actor.is_volunteer() {
        find = find.filter(resident::Column::HouseholdId.is_in(policy::paired_household_ids(store, actor).await?));
    }
    if let Some(hid) = query.household_id {
        find = find.filter(resident::Column::HouseholdId.eq(hid));
    }
    let q = query.q.as_deref().map(search::query).unwrap_or_default();
    if !q.is_empty() {
        find = find.filter(resident::Column::Id.in_subquery(search::matching_residents(&q, communities.as_deref())));
    }
    if let Some(after) = query.after {
        find = find.filter(resident::Column::Id.gt(after));
    }
    let rows = find.order_by_asc(resident::Column::Id).limit(limit + 1).all(store.conn()).await?;
    let page = page_of(rows, limit, |r| r.id);
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Resident, None)
            .community_of(page.items.iter().map(|r| r.community_id))
            .summary(format!("{} rows", page.items.len()))
            .showed(page.items.iter().map(|r| RecordRef::new(EntityKind::Resident, r.id))),
    )
    .await?;
    Ok(Page { items: page.items.into_iter().map(|r| redact(actor, r)).collect(), next_after: page.next_after })
}
