//! Resident pages: the name search, the resident page, and the add/edit form (a resident is
//! always added from their household's page, so the new-resident URLs live under it).

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::Permission;
use hearth_core::entity::{household, resident};
use hearth_core::record::{EntityKind, RecordRef};
use hearth_core::registry::{households, residents};

use super::form::FormState;
use super::form::{form_errors, non_blank, parse_id, wants_partial};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::practice::Pages;

/// Resident pages (part of the registry practice, registered with the household pages).
pub(super) fn pages() -> Pages {
    Pages::new()
        .get("/residents", search)
        .get("/residents.xlsx", search_xlsx)
        .get("/residents/{id}", show)
        .post("/residents/{id}", update)
        .get("/residents/{id}/edit", edit_form)
        .get("/households/{id}/residents/new", new_form)
        .post("/households/{id}/residents", create)
}

/// The translated label of a stored choice (`work_status` = `self_employed` →
/// `resident-work-status-self-employed`).
fn choice_label(ctx: &Ctx, field: &str, value: &str) -> String {
    ctx.t(&format!("resident-{}-{}", field.replace('_', "-"), value.replace('_', "-")))
}

// ---------------------------------------------------------------------------------------
// Search

#[derive(serde::Deserialize, Default)]
struct SearchParams {
    q: Option<String>,
    after: Option<String>,
}

struct ResultRow {
    id: i64,
    full_name: String,
    household_id: i64,
    household_code: String,
}

#[derive(Template)]
#[template(path = "residents/search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    rows: Vec<ResultRow>,
    first_href: Option<String>,
    next_href: Option<String>,
    /// The same search as XLSX (every match, not one page).
    xlsx_href: String,
}

#[derive(Template)]
#[template(path = "residents/results.html")]
struct SearchResults {
    ctx: Ctx,
    rows: Vec<ResultRow>,
    first_href: Option<String>,
    next_href: Option<String>,
    /// The same search as XLSX (every match, not one page).
    xlsx_href: String,
}

fn search_href(q: &str, after: Option<i64>) -> String {
    match after {
        Some(a) => format!("/residents?q={}&after={a}", urlencode(q)),
        None => format!("/residents?q={}", urlencode(q)),
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewPeople)?;
    let q = non_blank(p.q).unwrap_or_default();
    let after = p.after.and_then(|a| a.trim().parse::<i64>().ok());
    let page = residents::list(
        &state.store,
        actor,
        &residents::ListQuery { q: Some(q.clone()).filter(|q| !q.is_empty()), after, ..Default::default() },
    )
    .await?;
    let mut ids: Vec<i64> = page.items.iter().map(|r| r.household_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let codes = households::codes(&state.store, actor, &ids).await?;
    let rows = page
        .items
        .into_iter()
        .map(|r| ResultRow {
            household_code: codes
                .iter()
                .find(|(id, _)| *id == r.household_id)
                .map(|(_, c)| c.clone())
                .unwrap_or_default(),
            id: r.id,
            full_name: r.full_name,
            household_id: r.household_id,
        })
        .collect();
    let next_href = page.next_after.map(|a| search_href(&q, Some(a)));
    let first_href = after.map(|_| search_href(&q, None));
    let xlsx_href = format!("/residents.xlsx?q={}", urlencode(&q));
    if wants_partial(&headers) {
        return render(&SearchResults { ctx, rows, first_href, next_href, xlsx_href });
    }
    render(&SearchPage { ctx, q, rows, first_href, next_href, xlsx_href })
}

/// The search's matches as a spreadsheet: every one (up to 50,000), with the fields the
/// actor may see (`residents::list` redacts a volunteer's copy as it does the page's) and
/// choices in the reader's language. Each page is read through the core (audited).
async fn search_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewPeople)?;
    let mut query =
        residents::ListQuery { q: non_blank(p.q), limit: Some(hearth_core::registry::MAX_LIMIT), ..Default::default() };
    let label = |field: &str, v: Option<String>| v.map(|v| choice_label(&ctx, field, &v)).unwrap_or_default();
    let mut rows = Vec::new();
    loop {
        let page = residents::list(&state.store, actor, &query).await?;
        let mut ids: Vec<i64> = page.items.iter().map(|r| r.household_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let codes: std::collections::HashMap<i64, String> =
            households::codes(&state.store, actor, &ids).await?.into_iter().collect();
        for r in page.items {
            rows.push(vec![
                r.full_name,
                codes.get(&r.household_id).cloned().unwrap_or_default(),
                r.external_id.unwrap_or_default(),
                label("sex", r.sex),
                label("relationship", r.relationship),
                r.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                r.phone.unwrap_or_default(),
                r.languages_spoken.unwrap_or_default(),
                label("education_level", r.education_level),
                label("work_status", r.work_status),
            ]);
        }
        match page.next_after {
            Some(a) if rows.len() < 50_000 => query.after = Some(a),
            _ => break,
        }
    }
    const COLUMNS: [&str; 10] = [
        "resident-field-full-name",
        "resident-field-household-code",
        "resident-field-external-id",
        "resident-field-sex",
        "resident-field-relationship",
        "resident-field-birth-date",
        "resident-field-phone",
        "resident-field-languages-spoken",
        "resident-field-education-level",
        "resident-field-work-status",
    ];
    crate::export::xlsx_download("residents", "Residents 居民", &COLUMNS, rows).await
}

// ---------------------------------------------------------------------------------------
// The resident page

#[derive(Template)]
#[template(path = "residents/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: resident::Model,
    h: household::Model,
    facts: Vec<(String, String)>,
    can_edit: bool,
    /// Who has seen or changed this resident's record (coordinators and admins only).
    seen: Option<Vec<Seen>>,
    /// Every practice's sections of a resident's page (classes, certificates, …).
    sections: Vec<crate::practice::TodaySection>,
}

/// One line of "who has seen this record".
struct Seen {
    at: String,
    actor: String,
    action: String,
    through: String,
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let r = residents::get(&state.store, actor, parse_id(&id)?).await?;
    let h = households::load(&state.store, actor, r.household_id).await?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let choice =
        |field: &str, v: &Option<String>| v.as_deref().map(|v| choice_label(&ctx, field, v)).unwrap_or_default();
    let mut facts = vec![(ctx.t("resident-field-phone"), opt(&r.phone))];
    // What this reader may not see is not even labelled for them (the core says which).
    let hidden = residents::hidden_fields(actor);
    let more = [
        (ctx.t("resident-field-relationship"), choice("relationship", &r.relationship)),
        (ctx.t("resident-field-sex"), choice("sex", &r.sex)),
        (ctx.t("resident-field-birth-date"), r.birth_date.map(|d| d.to_string()).unwrap_or_default()),
        (ctx.t("resident-field-languages-spoken"), opt(&r.languages_spoken)),
        (ctx.t("resident-field-languages-to-learn"), opt(&r.languages_to_learn)),
        (ctx.t("resident-field-education-level"), choice("education_level", &r.education_level)),
        (ctx.t("resident-field-work-status"), choice("work_status", &r.work_status)),
        (ctx.t("resident-field-skills"), opt(&r.skills)),
        (ctx.t("resident-field-needs"), opt(&r.needs)),
        (ctx.t("resident-field-notes"), opt(&r.notes)),
    ];
    facts.extend(residents::DETAIL_FIELDS.iter().zip(more).filter(|(n, _)| !hidden.contains(n)).map(|(_, f)| f));
    let can_edit = ctx.can(Permission::EditPeople);
    let seen = if ctx.can(Permission::ViewAudit) {
        let rows =
            hearth_core::audit::who_saw(&state.store, actor, RecordRef::new(EntityKind::Resident, r.id), 20).await?;
        Some(
            rows.into_iter()
                .map(|e| Seen {
                    at: super::admin::utc(&e.at),
                    actor: e.actor,
                    action: e.action,
                    through: if e.entity_id == Some(r.id) && e.entity == EntityKind::Resident.as_str() {
                        ctx.t("resident-seen-this-record")
                    } else {
                        ctx.t1("resident-seen-through", "what", e.entity)
                    },
                })
                .collect(),
        )
    } else {
        None
    };
    let sections = crate::practice::resident_sections(&state, &ctx, &r).await?;
    render(&ShowPage { ctx, r, h, facts, can_edit, seen, sections })
}

// ---------------------------------------------------------------------------------------
// Add and edit

#[derive(Template)]
#[template(path = "residents/form.html")]
struct ResidentForm {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    sexes: Vec<(String, String)>,
    relationships: Vec<(String, String)>,
    education_levels: Vec<(String, String)>,
    work_statuses: Vec<(String, String)>,
    form: FormState,
}

fn options(ctx: &Ctx, field: &str, values: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), ctx.t("resident-choice-unset"))];
    out.extend(values.iter().map(|v| ((*v).to_owned(), choice_label(ctx, field, v))));
    out
}

fn form_page(ctx: Ctx, title: String, action: String, cancel: String, form: FormState) -> ResidentForm {
    ResidentForm {
        sexes: options(&ctx, "sex", &residents::SEXES),
        relationships: options(&ctx, "relationship", &residents::RELATIONSHIPS),
        education_levels: options(&ctx, "education_level", &residents::EDUCATION_LEVELS),
        work_statuses: options(&ctx, "work_status", &residents::WORK_STATUSES),
        title,
        action,
        cancel,
        form,
        ctx,
    }
}

fn new_page(ctx: Ctx, h: &household::Model, form: FormState) -> ResidentForm {
    let title = ctx.t1("resident-new-title", "code", h.code.as_str());
    form_page(ctx, title, format!("/households/{}/residents", h.id), format!("/households/{}", h.id), form)
}

fn edit_page(ctx: Ctx, r: &resident::Model, form: FormState) -> ResidentForm {
    let title = ctx.t1("resident-edit-title", "name", r.full_name.as_str());
    form_page(ctx, title, format!("/residents/{}", r.id), format!("/residents/{}", r.id), form)
}

const FIELDS: [&str; 12] = [
    "full_name",
    "relationship",
    "sex",
    "birth_date",
    "phone",
    "languages_spoken",
    "languages_to_learn",
    "education_level",
    "work_status",
    "skills",
    "needs",
    "notes",
];

fn input_from(form: &FormState, household_id: Option<i64>) -> residents::ResidentInput {
    residents::ResidentInput {
        household_id,
        full_name: form.get("full_name"),
        sex: form.get("sex"),
        relationship: form.get("relationship"),
        birth_date: form.get("birth_date"),
        phone: form.get("phone"),
        languages_spoken: form.get("languages_spoken"),
        languages_to_learn: form.get("languages_to_learn"),
        education_level: form.get("education_level"),
        work_status: form.get("work_status"),
        skills: form.get("skills"),
        needs: form.get("needs"),
        notes: form.get("notes"),
    }
}

/// Only the resident form's own fields, so a stray field cannot reach the core input.
fn form_from(ctx: &Ctx, pairs: &[(String, String)]) -> FormState {
    let known: Vec<(String, String)> = pairs.iter().filter(|(k, _)| FIELDS.contains(&k.as_str())).cloned().collect();
    FormState::from_pairs(ctx.lang, &known)
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let h = households::load(&state.store, actor, parse_id(&id)?).await?;
    let form = FormState::new(ctx.lang);
    render(&new_page(ctx, &h, form))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    // A household outside the user's scope is a 404, not a form error about it.
    let h = households::load(&state.store, actor, parse_id(&id)?).await?;
    let mut form = form_from(&ctx, &pairs);
    match residents::create(&state.store, actor, input_from(&form, Some(h.id))).await {
        Ok(_) => Ok(Redirect::to(&format!("/households/{}?saved=1", h.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(ctx, &h, form))
        }
    }
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let r = residents::get(&state.store, actor, parse_id(&id)?).await?;
    let mut form = FormState::new(ctx.lang);
    form.set("full_name", &r.full_name);
    form.set_opt("sex", r.sex.as_deref());
    form.set_opt("relationship", r.relationship.as_deref());
    form.set_opt("birth_date", r.birth_date);
    form.set_opt("phone", r.phone.as_deref());
    form.set_opt("languages_spoken", r.languages_spoken.as_deref());
    form.set_opt("languages_to_learn", r.languages_to_learn.as_deref());
    form.set_opt("education_level", r.education_level.as_deref());
    form.set_opt("work_status", r.work_status.as_deref());
    form.set_opt("skills", r.skills.as_deref());
    form.set_opt("needs", r.needs.as_deref());
    form.set_opt("notes", r.notes.as_deref());
    render(&edit_page(ctx, &r, form))
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let id = parse_id(&id)?;
    let mut form = form_from(&ctx, &pairs);
    match residents::update(&state.store, actor, id, input_from(&form, None)).await {
        Ok(r) => Ok(Redirect::to(&format!("/residents/{}?saved=1", r.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let r = residents::load(&state.store, actor, id).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(ctx, &r, form))
        }
    }
}
