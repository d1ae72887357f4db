//! Follow-up pages: the queues ("My follow-ups", "Overdue", all) with filters, a
//! follow-up's page with its full history, and the form that moves it along or closes it.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use hearth_core::entity::{follow_up, household};
use hearth_core::registry::households;
use hearth_core::visits::follow_ups::{self, FollowUpUpdate, ListQuery, Queue};
use hearth_core::visits::{self, Category, FollowUpStatus};
use hearth_core::word::Word;
use hearth_core::{Actor, Permission};

use super::form::FormState;
use super::form::{form_errors, non_blank, parse_id, wants_partial};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::practice::Pages;

/// Follow-up pages (part of the visits practice, registered with the visit pages).
pub(super) fn pages() -> Pages {
    Pages::new()
        .get("/follow-ups", list)
        .get("/follow-ups.xlsx", list_xlsx)
        .get("/follow-ups/{id}", show)
        .post("/follow-ups/{id}", update)
        .get("/households/{id}/follow-ups/new", new_form)
        .post("/households/{id}/follow-ups", create)
}

/// A follow-up in a list, ready to show.
pub struct Row {
    pub id: i64,
    pub household_id: i64,
    pub household: String,
    pub description: String,
    pub category: String,
    pub owner: String,
    pub due_on: String,
    pub status_key: String,
    pub status: String,
    pub overdue: bool,
}

fn t_key(ctx: &Ctx, prefix: &str, v: &str) -> String {
    ctx.t(&format!("{prefix}-{}", v.replace('_', "-")))
}

async fn user_names(state: &AppState, ids: Vec<i64>) -> Result<Vec<(i64, String)>, WebError> {
    Ok(hearth_core::auth::users::display_names(&state.store, &ids).await?)
}

/// Rows for follow-ups the caller has already been allowed to see.
pub async fn rows(state: &AppState, ctx: &Ctx, items: Vec<follow_up::Model>) -> Result<Vec<Row>, WebError> {
    let actor = ctx.actor()?;
    let owners = user_names(state, items.iter().map(|f| f.owner_user_id).collect()).await?;
    let hids: Vec<i64> = items.iter().map(|f| f.household_id).collect();
    let codes = households::codes(&state.store, actor, &hids).await?;
    let today = Utc::now().date_naive();
    Ok(items
        .into_iter()
        .map(|f| Row {
            id: f.id,
            household_id: f.household_id,
            household: codes.iter().find(|(id, _)| *id == f.household_id).map(|(_, c)| c.clone()).unwrap_or_default(),
            owner: owners.iter().find(|(id, _)| *id == f.owner_user_id).map(|(_, n)| n.clone()).unwrap_or_default(),
            category: ctx.t(&f.category.fluent_key()),
            status: ctx.t(&f.status.fluent_key()),
            overdue: !f.status.is_closed() && f.due_on < today,
            status_key: f.status.word(),
            due_on: f.due_on.to_string(),
            description: f.description,
        })
        .collect())
}

#[derive(serde::Deserialize, Default)]
struct ListParams {
    queue: Option<String>,
    category: Option<String>,
    owner: Option<String>,
    status: Option<String>,
    building: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "follow_ups/list.html")]
struct ListPage {
    ctx: Ctx,
    queue: &'static str,
    category: String,
    owner: String,
    status: String,
    building: String,
    categories: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    rows: Vec<Row>,
    next_href: Option<String>,
    first_href: Option<String>,
    /// The same queue, every page of it, as a spreadsheet.
    xlsx_href: String,
}

#[derive(Template)]
#[template(path = "follow_ups/results.html")]
struct ListResults {
    ctx: Ctx,
    rows: Vec<Row>,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// Everyone who owns a follow-up the actor can see: the owner filter's choices.
async fn owner_options(state: &AppState, actor: &Actor) -> Result<Vec<(String, String)>, WebError> {
    let mut people = Vec::new();
    for c in hearth_core::registry::communities::list(&state.store, actor).await? {
        for (id, name, _) in visits::people_of(&state.store, c.id).await? {
            if !people.iter().any(|(i, _)| *i == id.to_string()) {
                people.push((id.to_string(), name));
            }
        }
    }
    Ok(people)
}

/// The queue with the same filters as a spreadsheet: every follow-up it holds (not one
/// page), up to 50,000, each page read through the core as the queue reads it (audited).
async fn list_xlsx(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::WorkFollowUps)?;
    let owner = non_blank(p.owner).unwrap_or_default();
    let mut q = ListQuery {
        queue: Queue::parse(p.queue.as_deref())?,
        building: non_blank(p.building),
        category: non_blank(p.category),
        owner_user_id: if owner.is_empty() { None } else { Some(owner.parse().unwrap_or(-1)) },
        status: non_blank(p.status),
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = follow_ups::list(&state.store, actor, &q).await?;
        for r in rows(&state, &ctx, page.items).await? {
            out.push(vec![r.household, r.description, r.category, r.owner, r.due_on, r.status]);
        }
        match page.next_after {
            Some(a) if out.len() < 50_000 => q.after = Some(a),
            _ => break,
        }
    }
    const COLUMNS: [&str; 6] = [
        "household-field-code",
        "follow-up-field-description",
        "follow-up-field-category",
        "follow-up-field-owner",
        "follow-up-field-due-on",
        "follow-up-field-status",
    ];
    crate::export::xlsx_download("follow-ups", "Follow-ups 跟进", &COLUMNS, out).await
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::WorkFollowUps)?;
    let queue = Queue::parse(p.queue.as_deref())?;
    let category = non_blank(p.category).unwrap_or_default();
    let owner = non_blank(p.owner).unwrap_or_default();
    let status = non_blank(p.status).unwrap_or_default();
    let building = non_blank(p.building).unwrap_or_default();
    let after = p.after.and_then(|a| a.trim().parse::<i64>().ok());
    let q = ListQuery {
        queue,
        building: Some(building.clone()).filter(|s| !s.is_empty()),
        category: Some(category.clone()).filter(|s| !s.is_empty()),
        owner_user_id: if owner.is_empty() { None } else { Some(owner.parse().unwrap_or(-1)) },
        status: Some(status.clone()).filter(|s| !s.is_empty()),
        after,
        ..Default::default()
    };
    let page = follow_ups::list(&state.store, actor, &q).await?;
    let href = |a: Option<i64>| {
        let mut h = format!(
            "/follow-ups?queue={}&category={}&owner={}&status={}&building={}",
            queue.as_str(),
            urlencode(&category),
            urlencode(&owner),
            urlencode(&status),
            urlencode(&building)
        );
        if let Some(a) = a {
            h.push_str(&format!("&after={a}"));
        }
        h
    };
    let next_href = page.next_after.map(|a| href(Some(a)));
    let first_href = after.map(|_| href(None));
    let rows = rows(&state, &ctx, page.items).await?;
    if wants_partial(&headers) {
        return render(&ListResults { ctx, rows, next_href, first_href });
    }
    let mut categories = vec![(String::new(), ctx.t("follow-ups-any"))];
    categories.extend(super::form::word_options::<Category>(&ctx));
    let mut statuses = vec![(String::new(), ctx.t("follow-ups-any-open"))];
    statuses.extend(super::form::word_options::<FollowUpStatus>(&ctx));
    let mut owners = vec![(String::new(), ctx.t("follow-ups-any"))];
    if queue != Queue::Mine && !actor.is_volunteer() {
        owners.extend(owner_options(&state, actor).await?);
    }
    let xlsx_href = href(None).replacen("/follow-ups?", "/follow-ups.xlsx?", 1);
    render(&ListPage {
        xlsx_href,
        queue: queue.as_str(),
        category,
        owner,
        status,
        building,
        categories,
        statuses,
        owners,
        rows,
        next_href,
        first_href,
        ctx,
    })
}

// ---------------------------------------------------------------------------------------
// One follow-up

pub struct HistoryRow {
    at: String,
    who: String,
    what: String,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "follow_ups/show.html")]
struct ShowPage {
    ctx: Ctx,
    f: follow_up::Model,
    h: household::Model,
    row: Row,
    history: Vec<HistoryRow>,
    form: FormState,
    closed: bool,
    can_plan: bool,
    statuses: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    /// The member it concerns, when it concerns one person: (id, name).
    resident: Option<(i64, String)>,
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    f: follow_up::Model,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let h = households::load(&state.store, actor, f.household_id).await?;
    let resident = match f.resident_id {
        Some(rid) => {
            let r = hearth_core::registry::residents::load(&state.store, actor, rid).await?;
            Some((r.id, r.full_name))
        }
        None => None,
    };
    let names = user_names(state, vec![f.owner_user_id]).await?;
    let value_name = |v: &str, change: &str| -> String {
        match change {
            "status" | "created" => t_key(&ctx, "follow-up-status", v),
            "category" => t_key(&ctx, "follow-up-category", v),
            _ => v.to_owned(),
        }
    };
    let hist = follow_ups::history_of(&state.store, actor, f.id).await?;
    let owner_ids: Vec<i64> = hist
        .iter()
        .filter(|(r, _)| r.change == "owner")
        .flat_map(|(r, _)| [r.from_value.clone(), r.to_value.clone()])
        .flatten()
        .filter_map(|v| v.parse().ok())
        .collect();
    let owner_names = user_names(state, owner_ids).await?;
    let name_of = |v: &str| {
        owner_names.iter().find(|(id, _)| id.to_string() == v).map(|(_, n)| n.clone()).unwrap_or_else(|| v.to_owned())
    };
    let notes = follow_ups::notes_of(&state.store, actor, f.id).await?;
    let mut log: Vec<(chrono::DateTime<Utc>, HistoryRow)> = hist
        .into_iter()
        .map(|(r, who)| {
            let show = |v: &Option<String>| {
                v.as_deref().map(|v| if r.change == "owner" { name_of(v) } else { value_name(v, &r.change) })
            };
            let what = match (show(&r.from_value), show(&r.to_value)) {
                (Some(a), Some(b)) => format!("{}: {a} → {b}", t_key(&ctx, "follow-up-change", &r.change)),
                (None, Some(b)) => format!("{}: {b}", t_key(&ctx, "follow-up-change", &r.change)),
                _ => t_key(&ctx, "follow-up-change", &r.change),
            };
            let row =
                HistoryRow { at: ctx.local_time(&r.at), who: who.unwrap_or_else(|| "—".into()), what, note: r.note };
            (r.at, row)
        })
        .collect();
    // Progress notes in the same log, in time order.
    log.extend(notes.into_iter().map(|n| {
        let row = HistoryRow {
            at: ctx.local_time(&n.note.written_at),
            who: n.author.unwrap_or_else(|| "—".into()),
            what: ctx.t("follow-up-change-note"),
            note: Some(n.note.body),
        };
        (n.note.written_at, row)
    }));
    log.sort_by_key(|(at, _)| *at);
    let history = log.into_iter().map(|(_, row)| row).collect();
    let closed = f.status.is_closed();
    let form = form.unwrap_or_else(|| {
        let mut form = FormState::new(ctx.lang);
        form.set("status", f.status.word());
        form.set("owner_user_id", f.owner_user_id);
        form.set("due_on", f.due_on);
        form.set("resolved_on", Utc::now().date_naive());
        form.set("version", hearth_core::version::of(&f.updated_at));
        form
    });
    let can_plan = ctx.can(Permission::RecordVisits);
    let owners = if can_plan {
        visits::owners_for(&state.store, &h).await?.into_iter().map(|(id, n, _)| (id.to_string(), n)).collect()
    } else {
        Vec::new()
    };
    let statuses = super::form::word_options::<FollowUpStatus>(&ctx);
    let mut row = rows(state, &ctx, vec![f.clone()]).await?.into_iter().next().ok_or(WebError::NotFound)?;
    if row.owner.is_empty() {
        row.owner = names.first().map(|(_, n)| n.clone()).unwrap_or_default();
    }
    render_status(status, &ShowPage { ctx, f, h, row, history, form, closed, can_plan, statuses, owners, resident })
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let f = follow_ups::get(&state.store, ctx.actor()?, parse_id(&id)?).await?;
    show_page(&state, ctx, f, None, StatusCode::OK).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::WorkFollowUps)?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let current = follow_ups::load(&state.store, actor, id).await?;
    // Planning fields are only on the form for those who may plan; unchanged ones are kept.
    let changed = |name: &str, now: String| form.get(name).filter(|v| v.trim() != now);
    let planning = ctx.can(Permission::RecordVisits);
    let owner = if planning {
        changed("owner_user_id", current.owner_user_id.to_string()).map(|v| v.trim().parse().unwrap_or(-1))
    } else {
        None
    };
    let status = changed("status", current.status.word());
    let closing = status.as_deref().and_then(FollowUpStatus::parse).is_some_and(FollowUpStatus::is_closed);
    // One note field: closing, it is what was done (the resolution); otherwise a progress
    // note, kept in the follow-up's notes whether or not anything else changes.
    let note = non_blank(form.get("note"));
    let update = FollowUpUpdate {
        owner_user_id: owner.into(),
        due_on: if planning { changed("due_on", current.due_on.to_string()) } else { None }.into(),
        status: status.into(),
        resolution_note: if closing { note.clone() } else { None }.into(),
        resolved_on: if closing { form.get("resolved_on") } else { None }.into(),
        note: if closing { None } else { note }.into(),
        expected_version: form.get("version"),
        ..Default::default()
    };
    match follow_ups::update(&state.store, actor, id, update).await {
        Ok(f) => Ok(Redirect::to(&format!("/follow-ups/{}?saved=1", f.id)).into_response()),
        Err(e) => {
            // Changed by someone else since this page was opened: their change is in the
            // history shown; this user's input stays, and saving again applies it.
            let stale = matches!(&e, hearth_core::CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            // The resolution is typed in the one note field.
            for err in &mut form.errors.0 {
                if err.field == "resolution_note" {
                    err.field = "note".to_owned();
                }
            }
            let status = if stale {
                form.set("version", hearth_core::version::of(&current.updated_at));
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            show_page(&state, ctx, current, Some(form), status).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// A follow-up opened directly (a call, a conversation in the street)

#[derive(Template)]
#[template(path = "follow_ups/new.html")]
struct NewPage {
    ctx: Ctx,
    h: household::Model,
    form: FormState,
    categories: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    /// The household's members, for "who does this concern" (optional: the whole household).
    residents: Vec<(String, String)>,
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    h: household::Model,
    form: FormState,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut categories = vec![(String::new(), ctx.t("follow-up-choose-category"))];
    categories.extend(super::form::word_options::<Category>(&ctx));
    let owners =
        visits::owners_for(&state.store, &h).await?.into_iter().map(|(id, n, _)| (id.to_string(), n)).collect();
    let actor = ctx.actor()?;
    let mut residents = vec![(String::new(), ctx.t("follow-up-whole-household"))];
    residents.extend(
        hearth_core::registry::residents::of_household(&state.store, actor, &h)
            .await?
            .into_iter()
            .map(|r| (r.id.to_string(), r.full_name)),
    );
    render_status(status, &NewPage { ctx, h, form, categories, owners, residents })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::RecordVisits)?;
    let h = households::get(&state.store, actor, parse_id(&id)?).await?;
    let today = Utc::now().date_naive();
    let mut form = FormState::new(ctx.lang);
    form.set("opened_on", today);
    form.set("due_on", today + chrono::TimeDelta::days(14));
    form.set("owner_user_id", ctx.user().map(|u| u.id).unwrap_or_default());
    new_page(&state, ctx, h, form, StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::RecordVisits)?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input = follow_ups::FollowUpInput {
        household_id: Some(id),
        opened_on: form.get("opened_on"),
        description: form.get("description"),
        category: form.get("category"),
        owner_user_id: non_blank(form.get("owner_user_id")).map(|o| o.parse().unwrap_or(-1)),
        due_on: form.get("due_on"),
        resident_id: non_blank(form.get("resident_id")).map(|r| r.parse().unwrap_or(-1)),
    };
    match follow_ups::create(&state.store, actor, input).await {
        Ok(f) => Ok(Redirect::to(&format!("/follow-ups/{}?saved=1", f.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let h = households::load(&state.store, actor, id).await?;
            new_page(&state, ctx, h, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
