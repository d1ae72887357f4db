//! Residents' rights on the web: a resident's copy of their data as a printable page in
//! both languages (`/residents/{id}/data`) and as JSON (`/residents/{id}/data.json`), and
//! erasing a resident or a household (`/residents/{id}/erase`, `/households/{id}/erase`)
//! with a reason and a confirm step. Coordinators and admins only; every copy and every
//! erasure is audited by `hearth_core::rights`.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::rights::{self, SubjectCopy, Target};

use super::form::{ConfirmStep, FormState, confirm_page, confirmed, form_errors, parse_id, resend};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{Pages, WebPractice};

pub const AREA: WebPractice = WebPractice {
    key: "rights",
    pages,
    api: None,
    api_tags: &[],
    nav: &[crate::practice::NavEntry::link("/retention", "nav-retention", hearth_core::Permission::HandleDataRequests)],
    badges: None,
    links: &[],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/residents/{id}/data", copy_page)
        .get("/residents/{id}/data.json", copy_json)
        .get("/residents/{id}/erase", erase_resident_form)
        .post("/residents/{id}/erase", erase_resident)
        .get("/households/{id}/erase", erase_household_form)
        .post("/households/{id}/erase", erase_household)
        .get("/retention", retention_page)
        .post("/retention", retention_set)
        .post("/retention/erase", retention_erase)
}

/// A label in both languages: "Visits / 走访".
fn both(key: &str) -> String {
    let (en, zh) = (Lang::En.t(key), Lang::ZhCn.t(key));
    if en == zh { en } else { format!("{en} / {zh}") }
}

pub struct SectionView {
    pub key: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "rights/copy.html")]
struct CopyPage {
    ctx: Ctx,
    id: i64,
    title: String,
    intro: String,
    community: String,
    made_at: String,
    sections: Vec<SectionView>,
    trail_title: String,
    trail_columns: Vec<String>,
    trail: Vec<Vec<String>>,
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

fn sections(copy: &SubjectCopy) -> Vec<SectionView> {
    copy.sections
        .iter()
        .map(|s| {
            let mut columns: Vec<String> = Vec::new();
            for r in &s.records {
                for k in r.keys() {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
            }
            let rows = s
                .records
                .iter()
                .map(|r| columns.iter().map(|c| r.get(c).map(text).unwrap_or_default()).collect())
                .collect();
            SectionView {
                key: s.key.to_owned(),
                title: both(&format!("subject-{}", s.key.replace('_', "-"))),
                columns,
                rows,
            }
        })
        .collect()
}

async fn copy_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let copy = rights::subject_copy(&state.store, ctx.actor()?, id).await?;
    let page = CopyPage {
        id,
        title: both("subject-title"),
        intro: both("subject-intro"),
        community: copy.community.clone(),
        made_at: copy.made_at.clone(),
        sections: sections(&copy),
        trail_title: both("subject-trail"),
        trail_columns: ["subject-at", "subject-who", "subject-what", "subject-record"]
            .iter()
            .map(|k| both(k))
            .collect(),
        trail: copy
            .trail
            .iter()
            .map(|t| {
                vec![
                    t.at.clone(),
                    t.actor.clone(),
                    both(&format!("audit-action-{}", t.action.replace('_', "-"))),
                    format!("{} {}", t.entity, t.entity_id.map(|i| i.to_string()).unwrap_or_default()),
                ]
            })
            .collect(),
        ctx,
    };
    render(&page)
}

async fn copy_json(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let copy = rights::subject_copy(&state.store, ctx.actor()?, id).await?;
    let body = serde_json::to_vec_pretty(&copy).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"resident-{id}-data.json\"")),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "rights/erase.html")]
struct ErasePage {
    ctx: Ctx,
    form: FormState,
    title: String,
    action: String,
    cancel: String,
    effects: Vec<String>,
}

fn erase_page(ctx: Ctx, form: FormState, target: Target) -> ErasePage {
    let (title, action, cancel) = match target {
        Target::Resident(id) => {
            (ctx.t("erase-resident-title"), format!("/residents/{id}/erase"), format!("/residents/{id}"))
        }
        Target::Household(id) => {
            (ctx.t("erase-household-title"), format!("/households/{id}/erase"), format!("/households/{id}"))
        }
    };
    let effects = vec![ctx.t("erase-effect-fields"), ctx.t("erase-effect-figures"), ctx.t("erase-effect-audit")];
    ErasePage { title, action, cancel, effects, form, ctx }
}

async fn form_for(state: &AppState, ctx: Ctx, target: Target) -> Result<Response, WebError> {
    rights::check_target(&state.store, ctx.actor()?, target).await?;
    let form = FormState::new(ctx.lang);
    render(&erase_page(ctx, form, target))
}

async fn erase_resident_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    form_for(&state, ctx, Target::Resident(parse_id(&id)?)).await
}

async fn erase_household_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    form_for(&state, ctx, Target::Household(parse_id(&id)?)).await
}

/// The first POST (with a reason) asks once more; the confirming one erases.
async fn erase(state: AppState, ctx: Ctx, target: Target, pairs: Vec<(String, String)>) -> Result<Response, WebError> {
    rights::check_target(&state.store, ctx.actor()?, target).await?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let reason = form.value("reason").trim().to_owned();
    if !reason.is_empty() && !confirmed(&pairs) {
        let page = erase_page(ctx.clone(), form.clone(), target);
        let step = ConfirmStep {
            title: page.title.clone(),
            what_happens: vec![
                ctx.t("erase-confirm-irreversible"),
                ctx.t("erase-effect-fields"),
                ctx.t("erase-effect-figures"),
            ],
            action: page.action.clone(),
            pairs: resend(&pairs),
            confirm_label: ctx.t("erase-confirm"),
            cancel_href: page.cancel.clone(),
        };
        return confirm_page(ctx, step);
    }
    match rights::erase(&state.store, ctx.actor()?, target, &reason).await {
        Ok(_) => {
            let to = match target {
                Target::Resident(id) => format!("/residents/{id}?erased=1"),
                Target::Household(id) => format!("/households/{id}?erased=1"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &erase_page(ctx, f, target))
        }
    }
}

async fn erase_resident(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    erase(state, ctx, Target::Resident(parse_id(&id)?), pairs).await
}

async fn erase_household(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    erase(state, ctx, Target::Household(parse_id(&id)?), pairs).await
}

pub struct DueRow {
    pub href: String,
    pub code: String,
    pub moved_out_on: String,
}

#[derive(Template)]
#[template(path = "rights/retention.html")]
struct RetentionPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<(String, String)>,
    community: String,
    due: Vec<DueRow>,
    count: i64,
    set: bool,
}

async fn retention_view(
    state: &AppState,
    ctx: Ctx,
    slug: Option<String>,
    mut form: FormState,
) -> Result<RetentionPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(hearth_core::Permission::HandleDataRequests)?;
    let visible = hearth_core::registry::communities::list(&state.store, actor).await?;
    let slug =
        slug.filter(|s| !s.trim().is_empty()).or_else(|| visible.first().map(|c| c.slug.clone())).unwrap_or_default();
    let mut due = Vec::new();
    let mut set = false;
    if !slug.is_empty() {
        let (_, years) = rights::retention::years(&state.store, actor, &slug).await?;
        set = years.is_some();
        if form.get("years").is_none() {
            form.set_opt("years", years);
        }
        let today = chrono::Local::now().date_naive();
        due = rights::retention::review(&state.store, actor, &slug, today)
            .await?
            .into_iter()
            .map(|d| DueRow {
                href: format!("/households/{}", d.household_id),
                code: d.code,
                moved_out_on: d.moved_out_on.to_string(),
            })
            .collect();
    }
    form.set("community", &slug);
    Ok(RetentionPage {
        communities: visible.into_iter().map(|c| (c.slug, c.name)).collect(),
        community: slug,
        count: due.len() as i64,
        due,
        set,
        form,
        ctx,
    })
}

async fn retention_page(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(p): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let slug = p.iter().find(|(k, _)| k == "community").map(|(_, v)| v.clone());
    let form = FormState::new(ctx.lang);
    render(&retention_view(&state, ctx, slug, form).await?)
}

async fn retention_set(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let slug = form.value("community").to_owned();
    match rights::retention::set(&state.store, ctx.actor()?, &slug, form.get("years").as_deref()).await {
        Ok(_) => Ok(Redirect::to(&format!("/retention?community={}", crate::error::urlencode(&slug))).into_response()),
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &retention_view(&state, ctx, Some(slug), f).await?)
        }
    }
}

/// After the review: the first POST asks once more, the confirming one erases the list.
async fn retention_erase(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let slug = form.value("community").to_owned();
    let today = chrono::Local::now().date_naive();
    let due = rights::retention::review(&state.store, actor, &slug, today).await?;
    if !confirmed(&pairs) {
        let step = ConfirmStep {
            title: ctx.t1("retention-erase-title", "count", due.len() as i64),
            what_happens: vec![
                ctx.t("erase-confirm-irreversible"),
                ctx.t("erase-effect-fields"),
                ctx.t("erase-effect-figures"),
            ],
            action: "/retention/erase".into(),
            pairs: resend(&pairs),
            confirm_label: ctx.t("erase-confirm"),
            cancel_href: format!("/retention?community={}", crate::error::urlencode(&slug)),
        };
        return confirm_page(ctx, step);
    }
    rights::retention::erase_due(&state.store, actor, &slug, today).await?;
    Ok(Redirect::to(&format!("/retention?community={}&erased=1", crate::error::urlencode(&slug))).into_response())
}
