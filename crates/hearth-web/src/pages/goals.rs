//! Goal pages: a community's goals of a year with their live progress (`/goals`), the form
//! to set or change one (version-checked; a refused form keeps what was typed), withdrawing
//! one, and the goal letter (`/goals/letter`), printable on A4 with both languages on the
//! page whatever the reader's, as the team signs it.
//!
//! `ProgressView` and `templates/goals/progress.html` are one goal's progress row (figure,
//! target, bar, pace): the Today page or a dashboard can show goals the same way by building
//! views with `progress_view` and including the partial in a loop over `p`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use hearth_core::entity::{community, goal};
use hearth_core::goals::{self, GoalInput, GoalProgress, GoalStatus};
use hearth_core::indicators::{self, Dims, Unit};
use hearth_core::programs::ProgramKind;
use hearth_core::registry::communities;
use hearth_core::word::Word;
use hearth_core::{CoreError, Permission};

use super::form::{FormState, form_errors, parse_id};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{NavEntry, Pages, TodayItem, TodaySection, WebFut, WebPractice};

/// Goals as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "goals",
    pages,
    api: Some(crate::api::goals::routes),
    api_tags: &[("goals", "Yearly goals per community: a target for a catalogue indicator, with live progress")],
    nav: &[NavEntry::link("/goals", "nav-goals", Permission::ViewReports)],
    badges: None,
    links: &[(hearth_core::record::EntityKind::Goal, "/goals/{id}/edit")],
    today: Some(today),
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/goals", list_page)
        .post("/goals", create)
        .get("/goals/new", new_page)
        .get("/goals/letter", letter_page)
        .get("/goals/{id}/edit", edit_page)
        .post("/goals/{id}", update)
        .post("/goals/{id}/delete", delete)
}

fn today_local() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// One goal's progress, ready to show (`templates/goals/progress.html`).
#[derive(Clone, Debug)]
pub struct ProgressView {
    pub id: i64,
    /// The indicator's name, with its dimension values.
    pub name: String,
    pub owner: String,
    pub note: String,
    /// Actual and target in the indicator's unit ("—" without a figure).
    pub actual: String,
    pub target: String,
    pub expected: String,
    /// "62.5%" of the target, or "—".
    pub pct: String,
    /// The bar's fill, 0–1000 (tenths of a percent of the target, capped).
    pub bar: i64,
    /// `on_track`, `behind`, `met`, `not_met`, `not_started`, `no_figure`, `suppressed`.
    pub status: &'static str,
    pub status_label: String,
    /// "as of 2016-02-29" — the day the figure runs to.
    pub through: String,
    pub version: String,
}

/// A figure of `unit` as shown: counts as they are, percentages with one decimal, hours,
/// money with two decimals.
fn shown(lang: Lang, unit: Unit, v: i64) -> String {
    let n = goals::format_target(unit, v);
    match unit {
        Unit::Percent => format!("{n}%"),
        Unit::Minutes => lang.t_args("goals-hours", &[("hours", n.into())]),
        Unit::CnyMinor => format!("¥{n}"),
        Unit::Count | Unit::Average => n,
    }
}

/// A dimension value's name in `lang` (program kinds are translated; other values, such as
/// a community's own request kinds, are shown by key).
fn dim_value(lang: Lang, name: &str, value: &str) -> String {
    match name {
        "program_kind" => ProgramKind::parse(value).map_or_else(|| value.to_owned(), |k| lang.t(&k.fluent_key())),
        _ => value.to_owned(),
    }
}

/// "Person-times (Language)" in `lang`.
pub fn goal_name(lang: Lang, indicator: &str, dims: &Dims) -> String {
    let base = lang.t(&format!("indicator-{indicator}"));
    if dims.is_empty() {
        return base;
    }
    let parts: Vec<String> = dims.iter().map(|(k, v)| dim_value(lang, k, v)).collect();
    format!("{base} ({})", parts.join(", "))
}

/// The view of one goal's progress in the reader's language.
pub fn progress_view(ctx: &Ctx, p: &GoalProgress) -> ProgressView {
    let lang = ctx.lang;
    let dash = || "—".to_owned();
    ProgressView {
        id: p.goal.id,
        name: goal_name(lang, &p.goal.indicator, &p.dims),
        owner: p.owner.clone(),
        note: p.goal.note.clone().unwrap_or_default(),
        actual: p.actual.map_or_else(dash, |a| shown(lang, p.unit, a)),
        target: shown(lang, p.unit, p.target),
        expected: shown(lang, p.unit, p.expected),
        pct: p.pct.map_or_else(dash, |v| format!("{v:.1}%")),
        bar: p.pct.map_or(0, |v| (v * 10.0).round().clamp(0.0, 1000.0) as i64),
        status: p.status.as_str(),
        status_label: ctx.t(&format!("goal-status-{}", p.status.as_str().replace('_', "-"))),
        through: p.through.map(|d| ctx.t1("goals-through", "date", d.to_string())).unwrap_or_default(),
        version: hearth_core::version::of(&p.goal.updated_at),
    }
}

/// The Today page: this year's goals of the worker's first community, with their pace.
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::ViewReports) {
            return Ok(Vec::new());
        }
        let Some(c) = communities::list(&state.store, actor).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let day = today_local();
        let rows = goals::progress(&state.store, actor, c.id, day.year(), day).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![TodaySection {
            key: "goals",
            title: ctx.t1("goals-today-title", "year", day.year().to_string()),
            count: rows.len() as u64,
            href: format!("/goals?community={}&year={}", c.slug, day.year()),
            more: ctx.t("goals-today-more"),
            empty: String::new(),
            items: rows
                .iter()
                .map(|p| {
                    let v = progress_view(ctx, p);
                    TodayItem {
                        href: format!("/goals?community={}&year={}#goal-{}", c.slug, day.year(), v.id),
                        detail: format!("{} / {} · {}", v.actual, v.target, v.status_label),
                        alert: p.status == GoalStatus::Behind,
                        label: v.name,
                        tel: None,
                    }
                })
                .collect(),
        }])
    })
}

#[derive(Debug, Default, serde::Deserialize)]
struct GoalParams {
    community: Option<String>,
    year: Option<String>,
    as_of: Option<String>,
}

/// The community a page is about: `?community=slug`, or the actor's first.
async fn chosen_community(state: &AppState, ctx: &Ctx, slug: Option<&str>) -> Result<community::Model, WebError> {
    let actor = ctx.actor()?;
    if let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(communities::by_slug(&state.store, actor, slug).await?);
    }
    communities::list(&state.store, actor).await?.into_iter().next().ok_or(WebError::NotFound)
}

/// `?year=`: a year of `goals::YEARS`, or this year; anything else names the parameter.
fn chosen_year(raw: Option<&str>) -> Result<i32, WebError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today_local().year()),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| goals::YEARS.contains(y))
            .ok_or(WebError::BadRequest { field: Some("year".into()) }),
    }
}

fn chosen_day(raw: Option<&str>) -> Result<NaiveDate, WebError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today_local()),
        Some(d) => {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| WebError::BadRequest { field: Some("as_of".into()) })
        }
    }
}

#[derive(Template)]
#[template(path = "goals/list.html")]
struct ListPage {
    ctx: Ctx,
    community: community::Model,
    communities: Vec<(String, String)>,
    year: i32,
    years: Vec<i32>,
    goals: Vec<ProgressView>,
    manage: bool,
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, Query(p): Query<GoalParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewReports)?;
    let c = chosen_community(&state, &ctx, p.community.as_deref()).await?;
    let year = chosen_year(p.year.as_deref())?;
    let as_of = chosen_day(p.as_of.as_deref())?;
    let rows = goals::progress(&state.store, actor, c.id, year, as_of).await?;
    let communities =
        communities::list(&state.store, actor).await?.into_iter().map(|c| (c.slug, c.name)).collect::<Vec<_>>();
    let this = today_local().year();
    let mut years: Vec<i32> =
        goals::list(&state.store, actor, Some(c.id), None).await?.iter().map(|g| g.year).collect();
    years.extend([this - 1, this, this + 1, year]);
    years.sort_unstable();
    years.dedup();
    let views = rows.iter().map(|p| progress_view(&ctx, p)).collect();
    render(&ListPage {
        manage: ctx.can(Permission::ManageGoals),
        community: c,
        communities,
        year,
        years,
        goals: views,
        ctx,
    })
}

#[derive(Template)]
#[template(path = "goals/form.html")]
struct FormPage {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    /// Creating: community, year, indicator and dims are chosen; editing: shown.
    creating: bool,
    /// Editing: what the goal is for.
    fixed: String,
    communities: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    dims: Vec<DimField>,
    owners: Vec<(String, String)>,
    form: FormState,
    /// Editing: the withdraw button's version.
    id: i64,
}

/// One dimension's input on the form (`dims.<name>`), a choice where the values are known.
struct DimField {
    field: String,
    label: String,
    options: Vec<(String, String)>,
}

fn indicator_options(ctx: &Ctx) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), ctx.t("goals-choose-indicator"))];
    out.extend(indicators::catalogue().iter().map(|i| (i.key.to_owned(), ctx.t(&format!("indicator-{}", i.key)))));
    out
}

/// Every dimension some indicator has, for the form's dimension inputs.
fn dim_fields(ctx: &Ctx) -> Vec<DimField> {
    let mut names: Vec<&'static str> = indicators::catalogue().iter().flat_map(goals::allowed_dims).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| DimField {
            field: format!("dims.{n}"),
            label: ctx.t(&format!("goals-dim-{}", n.replace('_', "-"))),
            options: match n {
                "program_kind" => {
                    let mut o = vec![(String::new(), ctx.t("goals-dim-any"))];
                    o.extend(
                        ProgramKind::all()
                            .into_iter()
                            .filter(|k| *k != ProgramKind::JobFair)
                            .map(|k| (k.word(), ctx.t(&k.fluent_key()))),
                    );
                    o
                }
                _ => Vec::new(),
            },
        })
        .collect()
}

async fn owner_options(
    state: &AppState,
    ctx: &Ctx,
    community_id: Option<i64>,
) -> Result<Vec<(String, String)>, WebError> {
    let mut out = vec![(String::new(), ctx.t("goals-choose-owner"))];
    let ids: Vec<i64> = match community_id {
        Some(c) => vec![c],
        None => communities::list(&state.store, ctx.actor()?).await?.into_iter().map(|c| c.id).collect(),
    };
    let mut seen = Vec::new();
    for c in ids {
        for (id, name, _) in goals::owners(&state.store, c).await? {
            if !seen.contains(&id) {
                seen.push(id);
                out.push((id.to_string(), name));
            }
        }
    }
    Ok(out)
}

/// The form's fields as the core's input. A year or owner that is not a number is passed on
/// as one the core refuses, so the error names the field like any other.
fn goal_input(form: &FormState, pairs: &[(String, String)], creating: bool) -> GoalInput {
    let g = |f: &str| if pairs.iter().any(|(k, _)| k == f) { Some(form.value(f).to_owned()) } else { None };
    let blank_none = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let mut dims = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(name) = k.strip_prefix("dims.")
            && !v.trim().is_empty()
        {
            dims.insert(name.to_owned(), v.clone());
        }
    }
    GoalInput {
        community: if creating { g("community") } else { None },
        year: if creating { blank_none(g("year")).map(|y| y.trim().parse().unwrap_or(i32::MIN)) } else { None },
        indicator: if creating { g("indicator") } else { None },
        dims: if creating { Some(dims) } else { None },
        target: g("target"),
        owner_user_id: blank_none(g("owner_user_id")).map(|o| o.trim().parse().unwrap_or(0)),
        note: g("note"),
        version: form.get("version"),
    }
}

async fn new_form(state: &AppState, ctx: Ctx, form: FormState) -> Result<FormPage, WebError> {
    Ok(FormPage {
        title: ctx.t("goals-new"),
        action: "/goals".into(),
        cancel: "/goals".into(),
        creating: true,
        fixed: String::new(),
        communities: communities::list(&state.store, ctx.actor()?)
            .await?
            .into_iter()
            .map(|c| (c.slug, c.name))
            .collect(),
        indicators: indicator_options(&ctx),
        dims: dim_fields(&ctx),
        owners: owner_options(state, &ctx, None).await?,
        id: 0,
        form,
        ctx,
    })
}

async fn new_page(State(state): State<AppState>, ctx: Ctx, Query(p): Query<GoalParams>) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::ManageGoals)?;
    let c = chosen_community(&state, &ctx, p.community.as_deref()).await?;
    let mut form = FormState::new(ctx.lang);
    form.set("community", &c.slug);
    form.set("year", chosen_year(p.year.as_deref())?);
    render(&new_form(&state, ctx, form).await?)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ManageGoals)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match goals::create(&state.store, actor, goal_input(&form, &pairs, true)).await {
        Ok(g) => Ok(Redirect::to(&list_href(&state, &ctx, &g, true).await?).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_form(&state, ctx, form).await?)
        }
    }
}

/// The goals page a goal is on.
async fn list_href(state: &AppState, ctx: &Ctx, g: &goal::Model, saved: bool) -> Result<String, WebError> {
    let c = communities::get(&state.store, ctx.actor()?, g.community_id).await?;
    Ok(format!("/goals?community={}&year={}{}", c.slug, g.year, if saved { "&saved=1" } else { "" }))
}

async fn edit_form(state: &AppState, ctx: Ctx, g: &goal::Model, form: FormState) -> Result<FormPage, WebError> {
    let c = communities::get(&state.store, ctx.actor()?, g.community_id).await?;
    let name = goal_name(ctx.lang, &g.indicator, &goals::dims_of(g));
    Ok(FormPage {
        title: ctx.t1("goals-edit-title", "name", name.clone()),
        action: format!("/goals/{}", g.id),
        cancel: format!("/goals?community={}&year={}", c.slug, g.year),
        creating: false,
        fixed: format!("{} · {} · {}", c.name, g.year, name),
        communities: Vec::new(),
        indicators: Vec::new(),
        dims: Vec::new(),
        owners: owner_options(state, &ctx, Some(g.community_id)).await?,
        id: g.id,
        form,
        ctx,
    })
}

async fn edit_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let g = goals::get(&state.store, actor, parse_id(&id)?).await?;
    actor.require(Permission::ManageGoals)?;
    let unit = indicators::find(&g.indicator).map_or(Unit::Count, |i| i.unit);
    let mut form = FormState::new(ctx.lang);
    form.set("target", goals::format_target(unit, g.target));
    form.set("owner_user_id", g.owner_user_id);
    form.set_opt("note", g.note.as_deref());
    form.set("version", hearth_core::version::of(&g.updated_at));
    render(&edit_form(&state, ctx, &g, form).await?)
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match goals::update(&state.store, actor, id, goal_input(&form, &pairs, false)).await {
        Ok(g) => Ok(Redirect::to(&list_href(&state, &ctx, &g, true).await?).into_response()),
        Err(e) => {
            let stale = matches!(&e, CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let g = goals::get(&state.store, actor, id).await?;
            if stale {
                form.set("version", hearth_core::version::of(&g.updated_at));
            }
            let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            render_status(status, &edit_form(&state, ctx, &g, form).await?)
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let g = goals::get(&state.store, actor, id).await?;
    let back = list_href(&state, &ctx, &g, false).await?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match goals::delete(&state.store, actor, id, form.get("version").as_deref()).await {
        Ok(()) => Ok(Redirect::to(&format!("{back}&saved=1")).into_response()),
        Err(e) => {
            let stale = matches!(&e, CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let g = goals::get(&state.store, actor, id).await?;
            let unit = indicators::find(&g.indicator).map_or(Unit::Count, |i| i.unit);
            form.set("target", goals::format_target(unit, g.target));
            form.set("owner_user_id", g.owner_user_id);
            form.set_opt("note", g.note.as_deref());
            form.set("version", hearth_core::version::of(&g.updated_at));
            let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            render_status(status, &edit_form(&state, ctx, &g, form).await?)
        }
    }
}

/// A label in both languages: "Goal letter 目标责任书".
fn both(key: &str) -> String {
    let (en, zh) = (Lang::En.t(key), Lang::ZhCn.t(key));
    if en == zh { en } else { format!("{en} {zh}") }
}

struct LetterRow {
    name_en: String,
    name_zh: String,
    target: String,
    owner: String,
    note: String,
}

#[derive(Template)]
#[template(path = "goals/letter.html")]
struct LetterPage {
    ctx: Ctx,
    community: community::Model,
    year: i32,
    title: String,
    intro_en: String,
    intro_zh: String,
    rows: Vec<LetterRow>,
    /// Distinct owners, in the order their goals come: each signs as a member.
    members: Vec<String>,
    h_goal: String,
    h_target: String,
    h_owner: String,
    h_note: String,
    leader: String,
    member: String,
    signature: String,
    date: String,
    none: String,
}

async fn letter_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<GoalParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewReports)?;
    let c = chosen_community(&state, &ctx, p.community.as_deref()).await?;
    let year = chosen_year(p.year.as_deref())?;
    // The letter is what was committed to, not progress: its figures are the targets.
    let gs = goals::list(&state.store, actor, Some(c.id), Some(year)).await?;
    let names: BTreeMap<i64, String> =
        goals::owners(&state.store, c.id).await?.into_iter().map(|(id, n, _)| (id, n)).collect();
    let mut members: Vec<String> = Vec::new();
    let rows = gs
        .iter()
        .map(|g| {
            let dims = goals::dims_of(g);
            let unit = indicators::find(&g.indicator).map_or(Unit::Count, |i| i.unit);
            let owner = names.get(&g.owner_user_id).cloned().unwrap_or_default();
            if !owner.is_empty() && !members.contains(&owner) {
                members.push(owner.clone());
            }
            LetterRow {
                name_en: goal_name(Lang::En, &g.indicator, &dims),
                name_zh: goal_name(Lang::ZhCn, &g.indicator, &dims),
                target: shown(Lang::En, unit, g.target),
                owner,
                note: g.note.clone().unwrap_or_default(),
            }
        })
        .collect();
    let args = |lang: Lang| {
        lang.t_args("goals-letter-intro", &[("community", c.name.clone().into()), ("year", year.to_string().into())])
    };
    render(&LetterPage {
        title: both("goals-letter-title"),
        intro_en: args(Lang::En),
        intro_zh: args(Lang::ZhCn),
        h_goal: both("goals-letter-goal"),
        h_target: both("goals-letter-target"),
        h_owner: both("goals-letter-owner"),
        h_note: both("goals-letter-note"),
        leader: both("goals-letter-leader"),
        member: both("goals-letter-member"),
        signature: both("goals-letter-signature"),
        date: both("goals-letter-date"),
        none: both("goals-letter-none"),
        community: c,
        year,
        rows,
        members,
        ctx,
    })
}
