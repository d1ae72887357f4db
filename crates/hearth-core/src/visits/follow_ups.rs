//! Follow-ups: a need with an owner and a due date, followed until resolved. Every change
//! is kept in `follow_up_history`; closing one needs a resolution note and date.

use crate::audit::Action;
use crate::record::{EntityKind, RecordRef};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::records::{NeedInput, ValidNeed, validate_need};
use super::{Category, FollowUpStatus, can_take};
use crate::audit::{self, Entry};
use crate::entity::{follow_up, follow_up_history, household};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::patch::Patch;
use crate::policy::{self, Actor, Permission};
use crate::registry::{Page, clamp_limit, households};
use crate::store::Store;
use crate::validate;
use crate::word::Word;

/// A follow-up opened directly (not from a visit), as submitted (the API's body and the form).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    #[schema(required = true, value_type = i64)]
    pub household_id: Option<i64>,
    #[schema(required = true, value_type = String, max_length = 2000)]
    pub description: Option<String>,
    #[schema(required = true, value_type = super::Category, example = "documents")]
    pub category: Option<String>,
    pub owner_user_id: Option<i64>,
    #[schema(required = true, value_type = String, format = Date)]
    pub due_on: Option<String>,
    pub resident_id: Option<i64>,
    /// The day the need was found; today when left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub opened_on: Option<String>,
}

impl FollowUpInput {
    /// The need it records, validated like a need found on a visit.
    fn need(&self) -> NeedInput {
        NeedInput {
            description: self.description.clone(),
            category: self.category.clone(),
            owner_user_id: self.owner_user_id,
            due_on: self.due_on.clone(),
            resident_id: self.resident_id,
        }
    }
}

/// Changes to a follow-up, as a form or the API (`PATCH /api/v1/follow-ups/{id}`) submits
/// them: a missing field is kept; `null` clears, which only the closing fields allow (the
/// others are required). Closing (`resolved`, `cannot_resolve`) needs `resolution_note` and
/// `resolved_on`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpUpdate {
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<super::Category>)]
    pub category: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub owner_user_id: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<super::FollowUpStatus>)]
    pub status: Patch<String>,
    /// Required when the new status is `resolved` or `cannot_resolve`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub resolution_note: Patch<String>,
    /// Required with a closing status.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub resolved_on: Patch<String>,
    /// A progress note ("called the clinic; the form is in the post"), kept in the
    /// follow-up's notes with its author and time. Any change may carry one, a note alone is
    /// a change, and reopening a closed follow-up needs one.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Patch<String>,
    /// The version the change was made from (`version::of`); a save from an older one is
    /// refused. Set by the page or the API (`If-Match`), never by the body.
    #[serde(skip)]
    pub expected_version: Option<String>,
}

/// Inserts a validated follow-up and its `created` history row (inside the caller's tx).
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    h: &household::Model,
    visit_id: Option<i64>,
    opened_on: NaiveDate,
    n: ValidNeed,
) -> CoreResult<follow_up::Model> {
    let now = Utc::now();
    let f = follow_up::ActiveModel {
        community_id: Set(h.community_id),
        household_id: Set(h.id),
        resident_id: Set(n.resident_id),
        visit_id: Set(visit_id),
        description: Set(n.description),
        category: Set(n.category),
        owner_user_id: Set(n.owner),
        opened_on: Set(opened_on),
        due_on: Set(n.due_on),
        status: Set(FollowUpStatus::Open),
        resolution_note: Set(None),
        resolved_on: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    history(conn, actor, f.id, "created", None, Some(FollowUpStatus::Open.word()), None).await?;
    Ok(f)
}

async fn history<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    follow_up_id: i64,
    change: &str,
    from: Option<String>,
    to: Option<String>,
    note: Option<String>,
) -> CoreResult<()> {
    follow_up_history::ActiveModel {
        follow_up_id: Set(follow_up_id),
        at: Set(Utc::now()),
        actor_user_id: Set(actor.user_id),
        change: Set(change.to_owned()),
        from_value: Set(from),
        to_value: Set(to),
        note: Set(note),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Opens a follow-up directly (a call, a case, a conversation in the street).
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: FollowUpInput) -> CoreResult<follow_up::Model> {
    actor.require(Permission::RecordVisits)?;
    let household_id = input.household_id.ok_or_else(|| CoreError::invalid("household_id", "required"))?;
    let h = households::load(store, actor, household_id).await?;
    let mut e = FieldErrors::new();
    let opened_on = match input.opened_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(Utc::now().date_naive()),
        Some(s) => validate::date(&mut e, "opened_on", Some(s)),
    };
    if opened_on.is_some_and(|d| d > Utc::now().date_naive()) {
        e.add("opened_on", "date_in_future");
    }
    let need = validate_need(store, actor, &mut e, "", &input.need(), &h, (opened_on, "date_before_opened")).await?;
    e.into_result()?;
    let (Some(need), Some(opened_on)) = (need, opened_on) else {
        return Err(CoreError::Internal("validated follow-up".into()));
    };
    let tx = store.write().await?;
    let f = insert(&tx, actor, &h, None, opened_on, need).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::FollowUp, Some(f.id))
            .community(f.community_id)
            .summary(format!("category: {}", f.category.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// A follow-up the actor may see: in their communities; for a volunteer, one they own on a
/// household they are paired with. Outside that it does not exist (404).
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<follow_up::Model> {
    actor.require(Permission::WorkFollowUps)?;
    let f = follow_up::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    policy::household_in_scope(store, actor, f.household_id, f.community_id).await?;
    if actor.is_volunteer() && actor.user_id != Some(f.owner_user_id) {
        return Err(CoreError::NotFound);
    }
    Ok(f)
}

/// Reads a follow-up and records the read.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<follow_up::Model> {
    let f = load(store, actor, id).await?;
    audit::record(store, actor, Entry::new(Action::Read, EntityKind::FollowUp, Some(f.id)).community(f.community_id))
        .await?;
    Ok(f)
}

/// The follow-up's history, oldest first, with the actor's display name.
#[tracing::instrument(skip_all)]
pub async fn history_of(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> CoreResult<Vec<(follow_up_history::Model, Option<String>)>> {
    let f = load(store, actor, id).await?;
    let rows = follow_up_history::Entity::find()
        .filter(follow_up_history::Column::FollowUpId.eq(f.id))
        .order_by_asc(follow_up_history::Column::Id)
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_user_id).collect();
    let names = crate::auth::users::names_by_id(store, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = r.actor_user_id.and_then(|a| names.get(&a).cloned());
            (r, n)
        })
        .collect())
}

/// The follow-up's progress notes, oldest first, with their authors' names.
#[tracing::instrument(skip_all)]
pub async fn notes_of(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<crate::notes::Note>> {
    let f = load(store, actor, id).await?;
    crate::notes::of(store, RecordRef::new(EntityKind::FollowUp, f.id)).await
}

/// Changes a follow-up: status (closing needs a note and a date; reopening a closed one needs
/// a progress note), owner, due date, description, category, and a progress note. Each
/// change is one history row (a note is one note); nothing changes on any error. Volunteers
/// may move their own follow-ups along, note them and close them, not reassign or re-plan.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, u: FollowUpUpdate) -> CoreResult<follow_up::Model> {
    actor.require(Permission::WorkFollowUps)?;
    let f = load(store, actor, id).await?;
    let planning =
        !(u.description.is_keep() && u.category.is_keep() && u.owner_user_id.is_keep() && u.due_on.is_keep());
    if planning {
        actor.require(Permission::RecordVisits)?;
    }
    let h = households::load(store, &Actor::system(), f.household_id).await?;
    // Everything below is checked against the row under the write lock, in the transaction
    // that writes: two people closing one follow-up at once cannot both close it.
    let tx = store.write().await?;
    let f = crate::store::locked::<follow_up::Entity>(&tx, f.id).await?;
    let mut e = FieldErrors::new();
    // Cleared text is submitted as blank, so the required fields say `required`.
    let (description_in, category_in, due_on_in, status_in) =
        (u.description.into_text(), u.category.into_text(), u.due_on.into_text(), u.status.into_text());
    let (note_in, resolved_on_in) = (u.resolution_note.into_text(), u.resolved_on.into_text());
    let progress = crate::notes::check(&mut e, "note", u.note.into_text().as_deref());
    let owner_in = match u.owner_user_id {
        Patch::Keep => None,
        Patch::Set(o) => Some(o),
        Patch::Clear => {
            e.add("owner_user_id", "required");
            None
        }
    };
    // A closed follow-up takes a note, or reopening (with a note); any other change is
    // refused for its state, not its input: a conflict (409).
    let reopening =
        f.status.is_closed() && status_in.as_deref().and_then(FollowUpStatus::parse).is_some_and(|s| !s.is_closed());
    if f.status.is_closed() && !reopening && (planning || status_in.is_some() || note_in.is_some()) {
        return Err(CoreError::Conflict { field: "status".to_owned(), code: "already_closed" });
    }
    if reopening && progress.is_none() && e.get("note").is_none() {
        e.add("note", "reopen_needs_note");
    }
    let description =
        description_in.as_ref().and_then(|d| validate::required_text(&mut e, "description", Some(d), 2000));
    let category = category_in.as_ref().and_then(|c| {
        if c.trim().is_empty() {
            e.add("category", "required");
            None
        } else {
            validate::word::<Category>(&mut e, "category", Some(c))
        }
    });
    let due_on = due_on_in.as_ref().and_then(|d| validate::required_date(&mut e, "due_on", Some(d)));
    if due_on.is_some_and(|d| d < f.opened_on) {
        e.add("due_on", "date_before_opened");
    }
    let owner = match owner_in {
        None => None,
        Some(o) if can_take(store, o, &h).await?.is_some() => Some(o),
        Some(_) => {
            e.add("owner_user_id", "unknown_owner");
            None
        }
    };
    let status = status_in.as_ref().and_then(|s| {
        if s.trim().is_empty() {
            e.add("status", "required");
            None
        } else {
            validate::word::<FollowUpStatus>(&mut e, "status", Some(s))
        }
    });
    let closing = status.is_some_and(FollowUpStatus::is_closed);
    let mut note = None;
    let mut resolved_on = None;
    if closing {
        note = validate::required_text(&mut e, "resolution_note", note_in.as_deref(), 2000);
        resolved_on = validate::required_date(&mut e, "resolved_on", resolved_on_in.as_deref());
        if let Some(d) = resolved_on {
            if d < f.opened_on {
                e.add("resolved_on", "date_before_opened");
            } else if d > Utc::now().date_naive() {
                e.add("resolved_on", "date_in_future");
            }
        }
    } else if (note_in.as_deref().is_some_and(|n| !n.trim().is_empty())
        || resolved_on_in.as_deref().is_some_and(|n| !n.trim().is_empty()))
        && (status.is_some() || status_in.is_none())
    {
        e.add("status", "resolution_needs_closing_status");
    }
    e.into_result()?;
    // What is wrong with the input is said first (422); a valid change from a stale version
    // is then refused (412 / "changed meanwhile").
    crate::version::check(u.expected_version.as_deref(), &f.updated_at)?;

    let mut changed = Vec::new();
    let mut a: follow_up::ActiveModel = f.clone().into();
    if let Some(d) = description.filter(|d| *d != f.description) {
        a.description = Set(d);
        history(&tx, actor, f.id, "description", None, None, None).await?;
        changed.push("description");
    }
    if let Some(c) = category.filter(|c| *c != f.category) {
        history(&tx, actor, f.id, "category", Some(f.category.word()), Some(c.word()), None).await?;
        a.category = Set(c);
        changed.push("category");
    }
    if let Some(o) = owner.filter(|o| *o != f.owner_user_id) {
        history(&tx, actor, f.id, "owner", Some(f.owner_user_id.to_string()), Some(o.to_string()), None).await?;
        a.owner_user_id = Set(o);
        changed.push("owner");
    }
    if let Some(d) = due_on.filter(|d| *d != f.due_on) {
        history(&tx, actor, f.id, "due_on", Some(f.due_on.to_string()), Some(d.to_string()), None).await?;
        a.due_on = Set(d);
        changed.push("due_on");
    }
    if let Some(s) = status.filter(|s| *s != f.status) {
        history(&tx, actor, f.id, "status", Some(f.status.word()), Some(s.word()), note.clone()).await?;
        if closing {
            a.resolution_note = Set(note);
            a.resolved_on = Set(resolved_on);
        } else if reopening {
            // The old resolution stays in the history row of its closing.
            a.resolution_note = Set(None);
            a.resolved_on = Set(None);
        }
        a.status = Set(s);
        changed.push("status");
    }
    let noted = match progress {
        Some(body) => {
            crate::notes::add(&tx, actor, RecordRef::new(EntityKind::FollowUp, f.id), f.community_id, body).await?;
            true
        }
        None => false,
    };
    if changed.is_empty() && !noted {
        tx.rollback().await?;
        return Ok(f);
    }
    // A note is appended, never edited, so it does not change the version: someone adding a
    // note does not make another person's pending change to the fields stale.
    let f = if changed.is_empty() {
        f
    } else {
        a.updated_at = Set(Utc::now());
        a.update(&tx).await?
    };
    if noted {
        changed.push("note");
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::FollowUp, Some(f.id))
            .community(f.community_id)
            .summary(format!("fields: {}", changed.join(", "))),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// Which queue a list is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Queue {
    /// Owner = me, still open.
    #[default]
    Mine,
    /// Due before today, still open.
    Overdue,
    /// Everything in scope (filters apply).
    All,
}

impl Queue {
    pub fn parse(s: Option<&str>) -> CoreResult<Queue> {
        match s.map(str::trim).unwrap_or("") {
            "" | "mine" => Ok(Queue::Mine),
            "overdue" => Ok(Queue::Overdue),
            "all" => Ok(Queue::All),
            _ => Err(CoreError::invalid("queue", "invalid_choice")),
        }
    }
    fn all() -> Queue {
        Queue::All
    }

    /// A queue named in a query string; an unknown or empty name is `invalid_choice` on
    /// `queue` (left out, the API's default is `all`; `queue=` names none of the three).
    fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Queue, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(serde::de::Error::custom("invalid_choice"));
        }
        Queue::parse(Some(&s)).map_err(|_| serde::de::Error::custom("invalid_choice"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Mine => "mine",
            Queue::Overdue => "overdue",
            Queue::All => "all",
        }
    }
}

/// Which follow-ups to list (also the API's query parameters, where the queue defaults to
/// `all`; the pages' default is "My follow-ups").
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `all` (default), `mine` (owner = caller, open) or `overdue` (due before today, open).
    #[serde(default = "Queue::all", deserialize_with = "Queue::deserialize")]
    #[param(value_type = Option<Queue>, inline)]
    pub queue: Queue,
    /// Only this community (slug).
    pub community: Option<String>,
    pub household_id: Option<i64>,
    /// Only households in this building (as written on the household).
    pub building: Option<String>,
    #[param(value_type = Option<super::Category>)]
    pub category: Option<String>,
    pub owner_user_id: Option<i64>,
    #[param(value_type = Option<super::FollowUpStatus>)]
    pub status: Option<String>,
    /// Keyset: the last id of the previous page (ordering is due date, then id).
    pub after: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
    /// "Today" for the overdue queue (tests and the demo pass a fixed day).
    #[serde(skip)]
    #[param(ignore)]
    pub today: Option<NaiveDate>,
}

/// "Still open", with the statuses as SQL literals rather than bound parameters, as the raw
/// statements in `hearth bench visits` write it (bound values measured slower on SQLite; see
/// docs/PERFORMANCE.md). The values are constants, never input.
fn open_status() -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Expr::cust("\"follow_ups\".\"status\" IN ('open', 'in_progress')")
}

/// The filter shared by lists and counts.
async fn condition(store: &Store, actor: &Actor, q: &ListQuery) -> CoreResult<Condition> {
    let mut e = FieldErrors::new();
    let category = validate::word::<Category>(&mut e, "category", q.category.as_deref());
    let status = validate::word::<FollowUpStatus>(&mut e, "status", q.status.as_deref());
    // Sent blank (`category=`), a choice names none of its words (found by schemathesis);
    // left out, it filters nothing. The pages leave out what the worker did not choose.
    for (field, v) in [("category", &q.category), ("status", &q.status)] {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            e.add(field, "invalid_choice");
        }
    }
    e.into_result()?;
    let mut cond = Condition::all();
    match actor.community_filter() {
        // `=` rather than a one-element `IN`: SQLite then reads the queue index in order.
        Some([one]) => cond = cond.add(follow_up::Column::CommunityId.eq(*one)),
        Some(ids) => cond = cond.add(follow_up::Column::CommunityId.is_in(ids.to_vec())),
        None => {}
    }
    if let Some(slug) = q.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let c = crate::registry::communities::by_slug(store, actor, slug).await?;
        cond = cond.add(follow_up::Column::CommunityId.eq(c.id));
    }
    if actor.is_volunteer() {
        cond = cond
            .add(follow_up::Column::OwnerUserId.eq(actor.user_id.unwrap_or(-1)))
            .add(follow_up::Column::HouseholdId.is_in(policy::paired_household_ids(store, actor).await?));
    }
    match q.queue {
        Queue::Mine => {
            cond = cond.add(follow_up::Column::OwnerUserId.eq(actor.user_id.unwrap_or(-1)));
        }
        Queue::Overdue => {
            let today = q.today.unwrap_or_else(|| Utc::now().date_naive());
            cond = cond.add(follow_up::Column::DueOn.lt(today));
        }
        Queue::All => {}
    }
    match status {
        Some(s) => {
            if q.queue != Queue::All && s.is_closed() {
                // Queues hold open work only; asking one for closed items finds nothing.
                cond = cond.add(follow_up::Column::Id.lt(0));
            }
            cond = cond.add(follow_up::Column::Status.eq(s));
        }
        None if q.queue != Queue::All => {
            cond = cond.add(open_status());
        }
        None => {}
    }
    if let Some(c) = category {
        cond = cond.add(follow_up::Column::Category.eq(c));
    }
    if let Some(o) = q.owner_user_id {
        cond = cond.add(follow_up::Column::OwnerUserId.eq(o));
    }
    if let Some(h) = q.household_id {
        cond = cond.add(follow_up::Column::HouseholdId.eq(h));
    }
    if let Some(b) = q.building.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        let in_building = sea_orm::sea_query::Query::select()
            .column(crate::entity::household::Column::Id)
            .from(crate::entity::household::Entity)
            .and_where(crate::entity::household::Column::Building.eq(b))
            .to_owned();
        cond = cond.add(follow_up::Column::HouseholdId.in_subquery(in_building));
    }
    Ok(cond)
}

/// A queue page, soonest due first (keyset on due date and id).
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &ListQuery) -> CoreResult<Page<follow_up::Model>> {
    actor.require(Permission::WorkFollowUps)?;
    let mut cond = condition(store, actor, q).await?;
    if let Some(after) = q.after {
        let last = follow_up::Entity::find_by_id(after).one(store.conn()).await?;
        let Some(last) = last else {
            return Err(CoreError::invalid("after", "invalid_cursor"));
        };
        cond =
            cond.add(Condition::any().add(follow_up::Column::DueOn.gt(last.due_on)).add(
                Condition::all().add(follow_up::Column::DueOn.eq(last.due_on)).add(follow_up::Column::Id.gt(after)),
            ));
    }
    let limit = clamp_limit(q.limit);
    let mut rows = follow_up::Entity::find()
        .filter(cond)
        .order_by_asc(follow_up::Column::DueOn)
        .order_by_asc(follow_up::Column::Id)
        .limit(limit + 1)
        .all(store.conn())
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_after = if more { rows.last().map(|f| f.id) } else { None };
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::FollowUp, None)
            .community_of(rows.iter().map(|f| f.community_id))
            .summary(format!("queue {}: {} rows", q.queue.as_str(), rows.len()))
            .showed(rows.iter().map(|f| RecordRef::new(EntityKind::FollowUp, f.id)))
            .showed(rows.iter().map(|f| RecordRef::new(EntityKind::Household, f.household_id))),
    )
    .await?;
    Ok(Page { items: rows, next_after })
}

/// How many follow-ups are in the actor's two queues (for the navigation): (mine, overdue).
/// Two indexed COUNTs; no audit row (no personal data leaves).
#[tracing::instrument(skip_all)]
pub async fn queue_counts(store: &Store, actor: &Actor) -> CoreResult<(u64, u64)> {
    if !policy::allows(actor.role, Permission::WorkFollowUps) {
        return Ok((0, 0));
    }
    let mut counts = [0u64; 2];
    for (i, queue) in [Queue::Mine, Queue::Overdue].into_iter().enumerate() {
        let cond = condition(store, actor, &ListQuery { queue, ..Default::default() }).await?;
        counts[i] = follow_up::Entity::find().filter(cond).count(store.conn()).await?;
    }
    Ok((counts[0], counts[1]))
}

/// The team's follow-ups in the actor's communities: (open, overdue) — the dashboard's
/// counts. Indexed COUNTs, no audit row (no one's record leaves).
#[tracing::instrument(skip_all)]
pub async fn team_counts(store: &Store, actor: &Actor) -> CoreResult<(u64, u64)> {
    if !policy::allows(actor.role, Permission::WorkFollowUps) {
        return Ok((0, 0));
    }
    let open =
        condition(store, actor, &ListQuery { queue: Queue::All, ..Default::default() }).await?.add(open_status());
    let overdue = condition(store, actor, &ListQuery { queue: Queue::Overdue, ..Default::default() }).await?;
    Ok((
        follow_up::Entity::find().filter(open).count(store.conn()).await?,
        follow_up::Entity::find().filter(overdue).count(store.conn()).await?,
    ))
}

/// My open follow-ups due on `today` or before, soonest due first: how many there are, and
/// the first `limit` (the Today page). The read is audited with the follow-ups shown.
#[tracing::instrument(skip_all)]
pub async fn due_for_me(
    store: &Store,
    actor: &Actor,
    today: NaiveDate,
    limit: u64,
) -> CoreResult<(u64, Vec<follow_up::Model>)> {
    actor.require(Permission::WorkFollowUps)?;
    let cond = condition(store, actor, &ListQuery { queue: Queue::Mine, ..Default::default() })
        .await?
        .add(follow_up::Column::DueOn.lte(today));
    let count = follow_up::Entity::find().filter(cond.clone()).count(store.conn()).await?;
    let rows = follow_up::Entity::find()
        .filter(cond)
        .order_by_asc(follow_up::Column::DueOn)
        .order_by_asc(follow_up::Column::Id)
        .limit(limit)
        .all(store.conn())
        .await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::FollowUp, None)
            .community_of(rows.iter().map(|f| f.community_id))
            .summary(format!("due today or before: {} of {count} rows", rows.len()))
            .showed(rows.iter().map(|f| RecordRef::new(EntityKind::FollowUp, f.id))),
    )
    .await?;
    Ok((count, rows))
}

/// A household's follow-ups the actor may see, newest first (household page, timeline):
/// for a volunteer, only those they own.
#[tracing::instrument(skip_all)]
pub async fn of_household(store: &Store, actor: &Actor, h: &household::Model) -> CoreResult<Vec<follow_up::Model>> {
    actor.require(Permission::WorkFollowUps)?;
    policy::household_in_scope(store, actor, h.id, h.community_id).await?;
    let mut find = follow_up::Entity::find().filter(follow_up::Column::HouseholdId.eq(h.id));
    if actor.is_volunteer() {
        find = find.filter(follow_up::Column::OwnerUserId.eq(actor.user_id.unwrap_or(-1)));
    }
    Ok(find.order_by_desc(follow_up::Column::Id).all(store.conn()).await?)
}
