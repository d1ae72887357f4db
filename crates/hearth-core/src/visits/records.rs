//! Visits: record one (with the needs found, each opening a follow-up), read, list.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{Category, VisitPurpose, can_take, can_visit, follow_ups};
use crate::audit::{self, Entry};
use crate::entity::{follow_up, household, visit, visit_visitor};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{self, Actor, Permission};
use crate::registry::{Page, clamp_limit, households, page_of};
use crate::store::Store;
use crate::validate;

/// A need found on a visit; it opens a follow-up.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    #[schema(required = true, value_type = String, max_length = 2000)]
    pub description: Option<String>,
    #[schema(required = true, value_type = super::Category, example = "jobs")]
    pub category: Option<String>,
    /// Who follows it up; the caller when left out. Must be able to see the household.
    pub owner_user_id: Option<i64>,
    /// Not before the visit date.
    #[schema(required = true, value_type = String, format = Date, example = "2016-03-15")]
    pub due_on: Option<String>,
    /// The resident it concerns (a member of the household), if one person.
    pub resident_id: Option<i64>,
}

/// A visit as submitted (the API's body and the visit form).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    #[schema(required = true, value_type = i64)]
    pub household_id: Option<i64>,
    #[schema(required = true, value_type = String, format = Date, example = "2016-03-01")]
    pub visited_on: Option<String>,
    #[schema(required = true, value_type = super::VisitPurpose, example = "welcome")]
    pub purpose: Option<String>,
    /// Users who went; the caller when left out.
    #[serde(default, rename = "visitor_ids")]
    pub visitors: Vec<i64>,
    /// The visitors are exactly as given (a form's ticked boxes): none ticked is an error
    /// named with every other one, not "the caller".
    #[serde(skip)]
    pub visitors_as_given: bool,
    /// People who came along who are not users (free text).
    #[schema(max_length = 500)]
    pub companions: Option<String>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    /// Needs found; each opens a follow-up.
    #[serde(default)]
    pub needs: Vec<NeedInput>,
}

/// A visit with its visitors' names and the follow-ups it opened.
#[derive(Clone, Debug)]
pub struct VisitDetail {
    pub visit: visit::Model,
    pub visitors: Vec<(i64, String)>,
    pub follow_ups: Vec<follow_up::Model>,
}

/// Validated need, ready to insert.
pub(crate) struct ValidNeed {
    pub description: String,
    pub category: Category,
    pub owner: i64,
    pub due_on: NaiveDate,
    pub resident_id: Option<i64>,
}

/// Checks a need's fields into `e` under `prefix` (`needs[0].`), `opened_on` being the
/// visit date (a due date before it is an error).
pub(crate) async fn validate_need(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    prefix: &str,
    n: &NeedInput,
    h: &household::Model,
    (opened_on, before_code): (Option<NaiveDate>, &'static str),
) -> CoreResult<Option<ValidNeed>> {
    let f = |name: &str| format!("{prefix}{name}");
    let description = validate::required_text(e, &f("description"), n.description.as_deref(), 2000);
    let category = if n.category.as_deref().map(str::trim).is_none_or(str::is_empty) {
        e.add(&f("category"), "required");
        None
    } else {
        validate::word::<Category>(e, &f("category"), n.category.as_deref())
    };
    let due_on = validate::required_date(e, &f("due_on"), n.due_on.as_deref());
    if let (Some(d), Some(o)) = (due_on, opened_on)
        && d < o
    {
        e.add(&f("due_on"), before_code);
    }
    let owner = match n.owner_user_id.or(actor.user_id) {
        None => {
            e.add(&f("owner_user_id"), "required");
            None
        }
        Some(id) => {
            if can_take(store, id, h).await?.is_some() {
                Some(id)
            } else {
                e.add(&f("owner_user_id"), "unknown_owner");
                None
            }
        }
    };
    let resident_id = match n.resident_id {
        None => None,
        Some(rid) => {
            let found = crate::entity::resident::Entity::find_by_id(rid).one(store.conn()).await?;
            if found.is_some_and(|r| r.household_id == h.id) {
                Some(rid)
            } else {
                e.add(&f("resident_id"), "unknown_resident");
                None
            }
        }
    };
    Ok(match (description, category, owner, due_on) {
        (Some(description), Some(category), Some(owner), Some(due_on)) => {
            Some(ValidNeed { description, category, owner, due_on, resident_id })
        }
        _ => None,
    })
}

/// A visit's own fields, checked.
pub(crate) struct VisitFields {
    pub visited_on: Option<NaiveDate>,
    pub purpose: Option<VisitPurpose>,
    pub companions: Option<String>,
    pub notes: Option<String>,
}

/// Checks the fields that need no database (the visitors and needs do), so the form and the
/// import refuse the same visits.
pub(crate) fn check_fields(e: &mut FieldErrors, input: &VisitInput) -> VisitFields {
    let visited_on = validate::required_date(e, "visited_on", input.visited_on.as_deref());
    if visited_on.is_some_and(|d| d > Utc::now().date_naive()) {
        e.add("visited_on", "date_in_future");
    }
    let purpose = if input.purpose.as_deref().map(str::trim).is_none_or(str::is_empty) {
        e.add("purpose", "required");
        None
    } else {
        validate::word::<VisitPurpose>(e, "purpose", input.purpose.as_deref())
    };
    let companions = validate::text(e, "companions", input.companions.as_deref(), 500);
    let notes = validate::text(e, "notes", input.notes.as_deref(), 4000);
    VisitFields { visited_on, purpose, companions, notes }
}

/// Records a visit and opens a follow-up for each need found, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn record(store: &Store, actor: &Actor, input: VisitInput) -> CoreResult<VisitDetail> {
    actor.require(Permission::VisitHouseholds)?;
    let household_id = input.household_id.ok_or_else(|| CoreError::invalid("household_id", "required"))?;
    let h = households::load(store, actor, household_id).await?;
    let mut e = FieldErrors::new();
    let VisitFields { visited_on, purpose, companions, notes } = check_fields(&mut e, &input);
    let mut visitors: Vec<i64> = input.visitors.clone();
    if visitors.is_empty() && !input.visitors_as_given {
        visitors.extend(actor.user_id);
    }
    visitors.sort_unstable();
    visitors.dedup();
    // A volunteer records their own visits to their paired households, not the team's.
    if actor.is_volunteer() && visitors.iter().any(|v| Some(*v) != actor.user_id) {
        e.add("visitors", "only_yourself");
    }
    if visitors.is_empty() {
        e.add("visitors", "required");
    }
    for v in &visitors {
        if !can_visit(store, *v, &h).await? {
            e.add("visitors", "unknown_user");
            break;
        }
    }
    if input.needs.len() > 50 {
        e.add_arg("needs", "too_many", 50);
    }
    let mut needs = Vec::new();
    for (i, n) in input.needs.iter().enumerate() {
        let prefix = format!("needs[{i}].");
        if let Some(v) = validate_need(store, actor, &mut e, &prefix, n, &h, (visited_on, "date_before_visit")).await? {
            needs.push(v);
        }
    }
    e.into_result()?;
    let visited_on = visited_on.ok_or_else(|| CoreError::Internal("validated date".into()))?;
    let now = Utc::now();
    let tx = store.write().await?;
    let v = visit::ActiveModel {
        community_id: Set(h.community_id),
        household_id: Set(h.id),
        visited_on: Set(visited_on),
        purpose: Set(purpose.ok_or_else(|| CoreError::Internal("validated purpose".into()))?),
        companions: Set(companions),
        notes: Set(notes),
        recorded_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    visit_visitor::Entity::insert_many(
        visitors.iter().map(|u| visit_visitor::ActiveModel { visit_id: Set(v.id), user_id: Set(*u) }),
    )
    .exec_without_returning(&tx)
    .await?;
    let mut opened = Vec::new();
    for n in needs {
        opened.push(follow_ups::insert(&tx, actor, &h, Some(v.id), visited_on, n).await?);
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Visit, Some(v.id)).community(v.community_id).summary(format!(
            "visitors: {}, needs: {}",
            visitors.len(),
            opened.len()
        )),
    )
    .await?;
    tx.commit().await?;
    let visitors = visitor_names(store, &[v.id]).await?.into_iter().map(|(_, id, n)| (id, n)).collect();
    Ok(VisitDetail { visit: v, visitors, follow_ups: opened })
}

/// (visit id, user id, display name) for the given visits.
#[tracing::instrument(skip_all)]
pub async fn visitor_names(store: &Store, visit_ids: &[i64]) -> CoreResult<Vec<(i64, i64, String)>> {
    if visit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let links = visit_visitor::Entity::find()
        .filter(visit_visitor::Column::VisitId.is_in(visit_ids.to_vec()))
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = links.iter().map(|l| l.user_id).collect();
    let names = crate::auth::users::display_names(store, &ids).await?;
    Ok(links
        .into_iter()
        .map(|l| {
            let n = names.iter().find(|(id, _)| *id == l.user_id).map(|(_, n)| n.clone()).unwrap_or_default();
            (l.visit_id, l.user_id, n)
        })
        .collect())
}

/// A visit the actor may see (no audit row).
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<visit::Model> {
    actor.require(Permission::RecordVisits)?;
    let v = visit::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    policy::household_in_scope(store, actor, v.household_id, v.community_id).await?;
    Ok(v)
}

/// Reads a visit with its visitors and follow-ups, and records the read.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<VisitDetail> {
    let v = load(store, actor, id).await?;
    let visitors = visitor_names(store, &[v.id]).await?.into_iter().map(|(_, id, n)| (id, n)).collect();
    let fus = follow_up::Entity::find()
        .filter(follow_up::Column::VisitId.eq(v.id))
        .order_by_asc(follow_up::Column::Id)
        .all(store.conn())
        .await?;
    audit::record(store, actor, Entry::new(Action::Read, EntityKind::Visit, Some(v.id)).community(v.community_id))
        .await?;
    Ok(VisitDetail { visit: v, visitors, follow_ups: fus })
}

/// Which visits to list (also the API's query parameters).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (slug).
    pub community: Option<String>,
    pub household_id: Option<i64>,
    /// Visited on or after (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Visited on or before (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Keyset: the previous page's `next_after`.
    pub after: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
}

/// Visits the actor may see, by ascending id.
#[tracing::instrument(skip_all)]
/// The visits the actor recorded lately, newest first (the Today page's "recorded
/// recently"). Audited with the visits shown.
#[tracing::instrument(skip_all)]
pub async fn recent_by_me(store: &Store, actor: &Actor, limit: u64) -> CoreResult<Vec<visit::Model>> {
    actor.require(Permission::RecordVisits)?;
    let mut find = visit::Entity::find().filter(visit::Column::RecordedBy.eq(actor.user_id.unwrap_or(-1)));
    if let Some(ids) = actor.community_filter() {
        find = find.filter(visit::Column::CommunityId.is_in(ids.to_vec()));
    }
    let rows = find.order_by_desc(visit::Column::Id).limit(limit).all(store.conn()).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Visit, None)
            .community_of(rows.iter().map(|v| v.community_id))
            .summary(format!("recorded by me lately: {} rows", rows.len()))
            .showed(rows.iter().map(|v| RecordRef::new(EntityKind::Visit, v.id))),
    )
    .await?;
    Ok(rows)
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> CoreResult<Page<visit::Model>> {
    actor.require(Permission::RecordVisits)?;
    let mut e = FieldErrors::new();
    // Given but blank is not a date (the API documents these as dates).
    let from = q.from.as_deref().and_then(|v| validate::required_date(&mut e, "from", Some(v)));
    let to = q.to.as_deref().and_then(|v| validate::required_date(&mut e, "to", Some(v)));
    e.into_result()?;
    let mut cond = Condition::all();
    if let Some(ids) = actor.community_filter() {
        cond = cond.add(visit::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(slug) = q.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let c = crate::registry::communities::by_slug(store, actor, slug).await?;
        cond = cond.add(visit::Column::CommunityId.eq(c.id));
    }
    if let Some(h) = q.household_id {
        cond = cond.add(visit::Column::HouseholdId.eq(h));
    }
    if let Some(f) = from {
        cond = cond.add(visit::Column::VisitedOn.gte(f));
    }
    if let Some(t) = to {
        cond = cond.add(visit::Column::VisitedOn.lte(t));
    }
    if let Some(a) = q.after {
        cond = cond.add(visit::Column::Id.gt(a));
    }
    let limit = clamp_limit(q.limit);
    let rows =
        visit::Entity::find().filter(cond).order_by_asc(visit::Column::Id).limit(limit + 1).all(store.conn()).await?;
    let page = page_of(rows, limit, |v| v.id);
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Visit, None)
            .community_of(page.items.iter().map(|v| v.community_id))
            .summary(format!("{} rows", page.items.len()))
            .showed(page.items.iter().map(|v| RecordRef::new(EntityKind::Visit, v.id)))
            .showed(page.items.iter().map(|v| RecordRef::new(EntityKind::Household, v.household_id))),
    )
    .await?;
    Ok(page)
}

/// A household's visits the actor may see, newest first, each with its visitors' names (for
/// the household page and timeline). Empty for roles that do not see visits (volunteers).
#[tracing::instrument(skip_all)]
pub async fn of_household(
    store: &Store,
    actor: &Actor,
    h: &crate::entity::household::Model,
) -> CoreResult<Vec<(visit::Model, Vec<String>)>> {
    if !policy::allows(actor.role, Permission::RecordVisits) {
        return Ok(Vec::new());
    }
    policy::household_in_scope(store, actor, h.id, h.community_id).await?;
    let visits = visit::Entity::find()
        .filter(visit::Column::HouseholdId.eq(h.id))
        .order_by_desc(visit::Column::VisitedOn)
        .order_by_desc(visit::Column::Id)
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = visits.iter().map(|v| v.id).collect();
    let names = visitor_names(store, &ids).await?;
    Ok(visits
        .into_iter()
        .map(|v| {
            let who = names.iter().filter(|(vid, _, _)| *vid == v.id).map(|(_, _, n)| n.clone()).collect();
            (v, who)
        })
        .collect())
}
