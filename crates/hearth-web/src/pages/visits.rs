//! Visit pages: record a visit from the household page (one phone-sized form: date, who
//! went, why, what was noted, and the needs found, each becoming a follow-up), a visit's
//! page, and the coverage page (the figure from the indicator catalogue, and the list of
//! households to plan visits to). Follow-up queues and pages are in `follow_ups.rs`.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use hearth_core::entity::household;
use hearth_core::indicators::{self, Scope};
use hearth_core::registry::{communities, households};
use hearth_core::visits::{self, Category, VisitPurpose, coverage, records};
use hearth_core::word::Word;
use hearth_core::{FieldErrors, Permission};

use super::form::FormState;
use super::form::{form_errors, non_blank, parse_id};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, field_message, urlencode};
use crate::practice::{BoxFut, NavEntry, Pages, QueueCount, TodayItem, TodaySection, WebFut, WebPractice};
use hearth_core::record::EntityKind;
use hearth_core::visits::follow_ups as follow_ups_core;
use hearth_core::{Actor, Store};

/// Visits and follow-ups as a practice on the web: their pages and API, the two queue
/// entries in the navigation with their counts, and where visits and follow-ups are shown.
pub const PRACTICE: WebPractice = WebPractice {
    key: "visits",
    pages,
    api: Some(crate::api::visits_routes),
    api_tags: &[
        ("visits", "Household visits: who visited, when, why, what they found"),
        ("follow-ups", "Each need found, followed with an owner and a due date until resolved"),
    ],
    nav: &[
        NavEntry {
            href: "/follow-ups",
            label: "nav-my-follow-ups",
            permission: Permission::WorkFollowUps,
            badge: Some("mine"),
            plain_label: "nav-follow-ups",
            alert: false,
        },
        NavEntry {
            href: "/follow-ups?queue=overdue",
            label: "nav-overdue",
            permission: Permission::WorkFollowUps,
            badge: Some("overdue"),
            plain_label: "nav-follow-ups-overdue",
            alert: true,
        },
    ],
    badges: Some(badges),
    links: &[(EntityKind::Visit, "/visits/{id}"), (EntityKind::FollowUp, "/follow-ups/{id}")],
    today: Some(today),
    household: Some(household_sections),
    resident: None,
    queues: Some(queues),
};

fn pages() -> Pages {
    Pages::new()
        .get("/households/{id}/visits/new", new_form)
        .post("/households/{id}/visits", create)
        .get("/visits/coverage", coverage_page)
        .get("/visits/plan.xlsx", plan_xlsx)
        .get("/visits/{id}", show)
        .merge(super::follow_ups::pages())
}

/// "My follow-ups" and "Overdue" counts for the navigation.
fn badges<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<(&'static str, u64)>> {
    Box::pin(async move {
        let (mine, overdue) = follow_ups_core::queue_counts(store, actor).await?;
        Ok(vec![("mine", mine), ("overdue", overdue)])
    })
}

/// The dashboard: the team's open follow-ups and those overdue.
fn queues<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<QueueCount>> {
    Box::pin(async move {
        if !hearth_core::policy::allows(actor.role, Permission::WorkFollowUps) {
            return Ok(Vec::new());
        }
        let (open, overdue) = follow_ups_core::team_counts(store, actor).await?;
        Ok(vec![
            QueueCount {
                key: "follow-ups-open",
                label: "queue-follow-ups-open",
                count: open,
                href: "/follow-ups?queue=all",
                alert: false,
            },
            QueueCount {
                key: "follow-ups-overdue",
                label: "queue-follow-ups-overdue",
                count: overdue,
                href: "/follow-ups?queue=overdue",
                alert: true,
            },
        ])
    })
}

/// The visits practice's part of the Today page: my follow-ups due today or overdue, the
/// visit plan (never visited first, then the longest since the last visit), and the visits
/// I recorded lately.
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        let day = Utc::now().date_naive();
        let mut out = Vec::new();
        if ctx.can(Permission::WorkFollowUps) {
            let (count, rows) = follow_ups_core::due_for_me(&state.store, actor, day, 5).await?;
            let ids: Vec<i64> = rows.iter().map(|f| f.household_id).collect();
            let codes: std::collections::HashMap<i64, String> =
                households::codes(&state.store, actor, &ids).await?.into_iter().collect();
            let items = rows
                .into_iter()
                .map(|f| TodayItem {
                    href: format!("/follow-ups/{}", f.id),
                    detail: format!(
                        "{} · {}",
                        codes.get(&f.household_id).cloned().unwrap_or_default(),
                        ctx.t1("today-due-on", "date", f.due_on.to_string())
                    ),
                    label: f.description,
                    tel: None,
                    alert: f.due_on < day,
                })
                .collect();
            out.push(TodaySection {
                key: "follow-ups",
                title: ctx.t("today-follow-ups"),
                count,
                href: "/follow-ups".into(),
                more: ctx.t("today-all-follow-ups"),
                empty: ctx.t("today-follow-ups-empty"),
                items,
            });
        }
        if ctx.can(Permission::RecordVisits) {
            let q =
                coverage::PlanQuery { since: Some(day - TimeDelta::days(90)), limit: Some(5), ..Default::default() };
            let plan = coverage::plan(&state.store, actor, &q).await?;
            let sep = if ctx.lang == crate::i18n::Lang::ZhCn { "、" } else { ", " };
            let items = plan
                .items
                .into_iter()
                .map(|e| PlanItem::of(e, sep))
                .map(|p| TodayItem {
                    href: format!("/households/{}", p.id),
                    label: if p.place.is_empty() { p.code.clone() } else { format!("{} · {}", p.code, p.place) },
                    detail: [
                        p.members.clone(),
                        if p.last.is_empty() {
                            ctx.t("coverage-never")
                        } else {
                            ctx.t1("coverage-last", "date", p.last.as_str())
                        },
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                    tel: p.phone.clone().zip(p.tel()),
                    alert: false,
                })
                .collect();
            out.push(TodaySection {
                key: "plan",
                title: ctx.t("today-plan"),
                count: plan.total,
                href: "/visits/coverage#plan-h".into(),
                more: ctx.t("today-whole-plan"),
                empty: ctx.t("today-plan-empty"),
                items,
            });
            let recent = records::recent_by_me(&state.store, actor, 5).await?;
            let count = recent.len() as u64;
            let ids: Vec<i64> = recent.iter().map(|v| v.household_id).collect();
            let codes: std::collections::HashMap<i64, String> =
                households::codes(&state.store, actor, &ids).await?.into_iter().collect();
            let items = recent
                .into_iter()
                .map(|v| TodayItem {
                    href: format!("/visits/{}", v.id),
                    label: codes.get(&v.household_id).cloned().unwrap_or_default(),
                    detail: format!("{} · {}", v.visited_on, ctx.t(&v.purpose.fluent_key())),
                    tel: None,
                    alert: false,
                })
                .collect();
            out.push(TodaySection {
                key: "recent",
                title: ctx.t("today-recent"),
                count,
                href: "/visits/coverage".into(),
                more: ctx.t("today-coverage"),
                empty: ctx.t("today-recent-empty"),
                items,
            });
        }
        Ok(out)
    })
}

/// The visits practice's part of a household's page: its open follow-ups (status, owner,
/// due date), above the timeline.
fn household_sections<'a>(state: &'a AppState, ctx: &'a Ctx, h: &'a household::Model) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        if !ctx.can(Permission::WorkFollowUps) {
            return Ok(Vec::new());
        }
        let actor = ctx.actor()?;
        let open: Vec<_> = follow_ups_core::of_household(&state.store, actor, h)
            .await?
            .into_iter()
            .filter(|f| !f.status.is_closed())
            .collect();
        let count = open.len() as u64;
        let rows = super::follow_ups::rows(state, ctx, open).await?;
        let items = rows
            .into_iter()
            .map(|r| TodayItem {
                href: format!("/follow-ups/{}", r.id),
                label: r.description,
                detail: [r.status, r.owner, ctx.t1("today-due-on", "date", r.due_on.as_str())]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                tel: None,
                alert: r.overdue,
            })
            .collect();
        let new = if ctx.can(Permission::RecordVisits) {
            format!("/households/{}/follow-ups/new", h.id)
        } else {
            String::new()
        };
        Ok(vec![TodaySection {
            key: "open-follow-ups",
            title: ctx.t("household-open-follow-ups"),
            count,
            more: if new.is_empty() { String::new() } else { ctx.t("follow-up-new") },
            href: new,
            empty: ctx.t("household-open-follow-ups-empty"),
            items,
        }])
    })
}

/// One need row of the visit form, with its names, values and errors precomputed.
pub(super) struct NeedRow {
    pub i: usize,
    pub description: String,
    pub category: String,
    pub owner: String,
    pub due_on: String,
    pub errors: Vec<(&'static str, String)>,
    /// The blank copy in the page's `<template>`, which app.js numbers when it adds it.
    pub template: bool,
}

impl NeedRow {
    /// The row's index in field names (`needs[k].…`).
    pub fn key(&self) -> String {
        if self.template { "__i__".to_owned() } else { self.i.to_string() }
    }
    /// The row's number as the worker counts (1, 2, …).
    pub fn number(&self) -> crate::i18n::FluentArg {
        if self.template { "__n__".into() } else { (self.i + 1).into() }
    }
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }
}

pub(super) struct Person {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "visits/new.html")]
struct VisitForm {
    ctx: Ctx,
    h: household::Model,
    form: FormState,
    purposes: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    visitors: Vec<Person>,
    owners: Vec<(String, String)>,
    needs: Vec<NeedRow>,
    /// The blank need "Add another need" copies in place.
    blank: NeedRow,
}

/// The values of a repeated form field (`visitor=1&visitor=2`).
fn all_of(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

async fn visit_form(
    state: &AppState,
    ctx: Ctx,
    h: household::Model,
    form: FormState,
    chosen: Vec<String>,
    needs: Vec<NeedRow>,
) -> Result<VisitForm, WebError> {
    let people = visits::people_of(&state.store, h.community_id).await?;
    let owners =
        visits::owners_for(&state.store, &h).await?.into_iter().map(|(id, name, _)| (id.to_string(), name)).collect();
    // A volunteer records their own visits: the form offers only them.
    let volunteer_self = ctx.actor()?.is_volunteer().then(|| me(&ctx));
    let visitors = people
        .iter()
        .filter(|(id, _, _)| volunteer_self.as_ref().is_none_or(|m| *m == id.to_string()))
        .map(|(id, name, _)| Person {
            id: id.to_string(),
            name: name.clone(),
            checked: chosen.contains(&id.to_string()),
        })
        .collect();
    let blank = NeedRow { template: true, ..blank_need(0, &me(&ctx), Utc::now().date_naive()) };
    Ok(VisitForm {
        blank,
        purposes: super::form::word_options::<VisitPurpose>(&ctx),
        categories: super::form::word_options::<Category>(&ctx),
        visitors,
        owners,
        needs,
        form,
        h,
        ctx,
    })
}

fn blank_need(i: usize, me: &str, today: NaiveDate) -> NeedRow {
    NeedRow {
        i,
        description: String::new(),
        category: String::new(),
        owner: me.to_owned(),
        due_on: (today + TimeDelta::days(14)).to_string(),
        errors: Vec::new(),
        template: false,
    }
}

fn me(ctx: &Ctx) -> String {
    ctx.user().map(|u| u.id.to_string()).unwrap_or_default()
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::VisitHouseholds)?;
    let h = households::get(&state.store, actor, parse_id(&id)?).await?;
    let today = Utc::now().date_naive();
    let mut form = FormState::new(ctx.lang);
    form.set("visited_on", today);
    form.set("purpose", "welcome");
    let me = me(&ctx);
    let needs = vec![blank_need(0, &me, today)];
    render(&visit_form(&state, ctx, h, form, vec![me], needs).await?)
}

/// Need rows as submitted: every index that has any `needs[i].*` field.
fn submitted_needs(form: &FormState) -> Vec<NeedRow> {
    let mut idx: Vec<usize> = form
        .values
        .keys()
        .filter_map(|k| k.strip_prefix("needs[")?.split_once(']')?.0.parse().ok())
        .filter(|i: &usize| *i < 50)
        .collect();
    idx.sort_unstable();
    idx.dedup();
    idx.into_iter()
        .map(|i| {
            let v = |f: &str| form.value(&format!("needs[{i}].{f}")).to_owned();
            NeedRow {
                i,
                description: v("description"),
                category: v("category"),
                owner: v("owner_user_id"),
                due_on: v("due_on"),
                errors: Vec::new(),
                template: false,
            }
        })
        .collect()
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::VisitHouseholds)?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let chosen = all_of(&pairs, "visitor");
    let mut rows = submitted_needs(&form);
    // "Add another need": the same form again with one more row, nothing saved.
    if form.value("action") == "add_need" {
        let h = households::load(&state.store, actor, id).await?;
        let next = rows.iter().map(|r| r.i + 1).max().unwrap_or(0);
        rows.push(blank_need(next, &me(&ctx), Utc::now().date_naive()));
        return render(&visit_form(&state, ctx, h, form, chosen, rows).await?);
    }
    // A row left without a description is an unused row, not a need.
    let used: Vec<usize> = rows.iter().filter(|r| !r.description.trim().is_empty()).map(|r| r.i).collect();
    let bad_id = -1;
    let input = records::VisitInput {
        household_id: Some(id),
        visited_on: form.get("visited_on"),
        purpose: form.get("purpose"),
        visitors: chosen.iter().map(|v| v.trim().parse().unwrap_or(bad_id)).collect(),
        visitors_as_given: true,
        companions: form.get("companions"),
        notes: form.get("notes"),
        needs: used
            .iter()
            .filter_map(|i| rows.iter().find(|r| r.i == *i))
            .map(|r| visits::NeedInput {
                description: Some(r.description.clone()),
                category: Some(r.category.clone()),
                owner_user_id: non_blank(Some(r.owner.clone())).map(|o| o.parse().unwrap_or(bad_id)),
                due_on: Some(r.due_on.clone()),
                resident_id: None,
            })
            .collect(),
    };
    // Every problem of the submission at once (the core checks it all before it writes).
    match records::record(&state.store, actor, input).await {
        Ok(_) => return Ok(Redirect::to(&format!("/households/{id}?saved=1#timeline")).into_response()),
        Err(e) => form.errors = form_errors(e)?,
    }
    // Errors on needs come back as `needs[k].field` where k counts used rows only.
    let mut rest = FieldErrors::new();
    for err in form.errors.0.clone() {
        let parsed = err
            .field
            .strip_prefix("needs[")
            .and_then(|s| s.split_once("]."))
            .and_then(|(k, f)| Some((k.parse::<usize>().ok()?, f.to_owned())));
        match parsed.and_then(|(k, f)| used.get(k).map(|i| (*i, f))) {
            Some((i, f)) => {
                let msg = field_message(ctx.lang, &err);
                if let Some(r) = rows.iter_mut().find(|r| r.i == i) {
                    let key: &'static str = match f.as_str() {
                        "description" => "description",
                        "category" => "category",
                        "owner_user_id" => "owner_user_id",
                        "due_on" => "due_on",
                        _ => "other",
                    };
                    r.errors.push((key, msg));
                }
                rest.0.push(hearth_core::FieldError { field: format!("needs[{i}].{f}"), ..err });
            }
            None => rest.0.push(err),
        }
    }
    form.errors = rest;
    let h = households::load(&state.store, actor, id).await?;
    let page = visit_form(&state, ctx, h, form, chosen, rows).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

// ---------------------------------------------------------------------------------------
// A visit's page

#[derive(Template)]
#[template(path = "visits/show.html")]
struct ShowPage {
    ctx: Ctx,
    d: records::VisitDetail,
    h: household::Model,
    purpose: String,
    follow_ups: Vec<super::follow_ups::Row>,
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = records::get(&state.store, actor, parse_id(&id)?).await?;
    let h = households::load(&state.store, actor, d.visit.household_id).await?;
    let purpose = ctx.t(&d.visit.purpose.fluent_key());
    let follow_ups = super::follow_ups::rows(&state, &ctx, d.follow_ups.clone()).await?;
    render(&ShowPage { ctx, d, h, purpose, follow_ups })
}

// ---------------------------------------------------------------------------------------
// Coverage and planning

#[derive(serde::Deserialize, Default)]
struct CoverageParams {
    community: Option<String>,
    from: Option<String>,
    to: Option<String>,
    days: Option<String>,
    building: Option<String>,
    owner: Option<String>,
    after: Option<String>,
}

/// The visit plan with the page's filters (community, days, building, owner) as a
/// spreadsheet to print or share out among the team: every household in it, not one page,
/// each page read through `coverage::plan` as the page reads it (audited).
async fn plan_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CoverageParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::RecordVisits)?;
    let community = match non_blank(p.community) {
        Some(slug) => communities::by_slug(&state.store, actor, &slug).await?,
        None => communities::list(&state.store, actor).await?.into_iter().next().ok_or(WebError::NotFound)?,
    };
    let days = non_blank(p.days).map(|d| d.parse::<i64>().unwrap_or(-1)).unwrap_or(90);
    let owner = match non_blank(p.owner) {
        None => None,
        Some(o) => Some(
            o.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::BadRequest { field: Some("owner".into()) })?,
        ),
    };
    if !(1..=3650).contains(&days) {
        return Err(WebError::BadRequest { field: Some("days".into()) });
    }
    let mut q = coverage::PlanQuery {
        community_id: Some(community.id),
        building: non_blank(p.building),
        owner_user_id: owner,
        since: Some(Utc::now().date_naive() - TimeDelta::days(days)),
        after: None,
        limit: Some(hearth_core::registry::MAX_LIMIT),
    };
    let mut rows = Vec::new();
    loop {
        let page = coverage::plan(&state.store, actor, &q).await?;
        for e in page.items {
            rows.push(vec![
                e.code,
                e.address,
                e.building.unwrap_or_default(),
                e.unit.unwrap_or_default(),
                e.members.join(", "),
                e.phone.unwrap_or_default(),
                e.last_visited_on.map(|d| d.to_string()).unwrap_or_default(),
            ]);
        }
        match page.next {
            Some(c) if rows.len() < 50_000 => q.after = Some(c),
            _ => break,
        }
    }
    const COLUMNS: [&str; 7] = [
        "household-field-code",
        "household-field-address",
        "household-field-building",
        "household-field-unit",
        "household-members",
        "household-field-phone",
        "coverage-column-last-visit",
    ];
    crate::export::xlsx_download("visit-plan", "Visit plan 走访计划", &COLUMNS, rows).await
}

pub(super) struct PlanItem {
    id: i64,
    code: String,
    address: String,
    /// Building and unit, as written ("3号楼 2单元").
    place: String,
    /// The members' names.
    members: String,
    phone: Option<String>,
    last: String,
}

impl PlanItem {
    fn of(e: coverage::PlanEntry, lang_sep: &str) -> PlanItem {
        let place = [e.building.as_deref(), e.unit.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        PlanItem {
            id: e.household_id,
            code: e.code,
            address: e.address,
            place,
            members: e.members.join(lang_sep),
            phone: e.phone,
            last: e.last_visited_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// The number to dial: digits and a leading +.
    pub fn tel(&self) -> Option<String> {
        self.phone.as_deref().map(super::tel)
    }
}

#[derive(Template)]
#[template(path = "visits/coverage.html")]
struct CoveragePage {
    ctx: Ctx,
    communities: Vec<(String, String)>,
    community: String,
    from: String,
    to: String,
    days: i64,
    visited: i64,
    households: i64,
    pct: String,
    figure: String,
    visits: i64,
    errors: Vec<String>,
    plan: Vec<PlanItem>,
    plan_total: u64,
    /// The plan with these filters as XLSX (every page of it).
    plan_xlsx_href: String,
    building: String,
    /// The owner filter (households where they own an open follow-up) and its choices.
    owner: String,
    owners: Vec<(String, String)>,
    /// The households behind the figure, each visited or not (the report's drill-down).
    list_href: Option<String>,
    since: String,
    next_href: Option<String>,
}

async fn coverage_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CoverageParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::RecordVisits)?;
    let visible = communities::list(&state.store, actor).await?;
    let community = match non_blank(p.community) {
        Some(slug) => communities::by_slug(&state.store, actor, &slug).await?,
        None => visible.first().cloned().ok_or(WebError::NotFound)?,
    };
    let today = Utc::now().date_naive();
    let month_start = today.with_day(1).unwrap_or(today);
    let mut e = FieldErrors::new();
    let from = match non_blank(p.from.clone()) {
        Some(s) => hearth_core::validate::date(&mut e, "from", Some(&s)),
        None => Some(month_start),
    };
    let to = match non_blank(p.to.clone()) {
        Some(s) => hearth_core::validate::date(&mut e, "to", Some(&s)),
        None => Some(today),
    };
    let days = non_blank(p.days).map(|d| d.parse::<i64>().unwrap_or(-1)).unwrap_or(90);
    if !(1..=3650).contains(&days) {
        e.add("days", "invalid_choice");
    }
    let (mut visited, mut households_n, mut visits_n, mut pct) = (0, 0, 0, String::from("—"));
    if let (Some(from), Some(to)) = (from, to) {
        match Scope::new(vec![community.id], from, to) {
            Ok(scope) => {
                let figures = indicators::evaluate(
                    &state.store,
                    &scope,
                    Some(&["visits", "households_visited", "households", "visit_coverage_pct"]),
                )
                .await?;
                for f in figures {
                    match f.key {
                        "visits" => visits_n = f.int().unwrap_or(0),
                        "visit_coverage_pct" => {
                            // No households: there is no coverage to speak of ("—", not 0%).
                            pct = f.value.map(|v| format!("{v}%")).unwrap_or_else(|| "—".into());
                            visited = f.numerator.unwrap_or(0);
                            households_n = f.denominator.unwrap_or(0);
                        }
                        _ => {}
                    }
                }
            }
            Err(err) => e.0.extend(form_errors(err)?.0),
        }
    }
    let days_ok = (1..=3650).contains(&days);
    let since = today - TimeDelta::days(if days_ok { days } else { 90 });
    let building = non_blank(p.building.clone()).unwrap_or_default();
    let owner = non_blank(p.owner.clone()).unwrap_or_default();
    let owner_id = match owner.as_str() {
        "" => None,
        o => match o.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                e.add("owner", "invalid_choice");
                None
            }
        },
    };
    let q = coverage::PlanQuery {
        community_id: Some(community.id),
        building: non_blank(p.building.clone()),
        owner_user_id: owner_id,
        since: Some(since),
        after: p.after.as_deref().and_then(coverage::PlanCursor::parse),
        limit: Some(100),
    };
    let page = coverage::plan(&state.store, actor, &q).await?;
    let href = |c: coverage::PlanCursor| {
        format!(
            "/visits/coverage?community={}&from={}&to={}&days={days}&building={}&owner={}&after={}#plan-h",
            urlencode(&community.slug),
            urlencode(p.from.as_deref().unwrap_or("")),
            urlencode(p.to.as_deref().unwrap_or("")),
            urlencode(&building),
            urlencode(&owner),
            urlencode(&c.to_param())
        )
    };
    let next_href = page.next.map(href);
    let plan_xlsx_href = format!(
        "/visits/plan.xlsx?community={}&days={days}&building={}&owner={}",
        urlencode(&community.slug),
        urlencode(&building),
        urlencode(&owner)
    );
    let plan_total = page.total;
    let sep = if ctx.lang == crate::i18n::Lang::ZhCn { "、" } else { ", " };
    let plan = page.items.into_iter().map(|e| PlanItem::of(e, sep)).collect();
    let errors = e.0.iter().map(|x| field_message(ctx.lang, x)).collect();
    let from = from.map(|d| d.to_string()).unwrap_or(p.from.unwrap_or_default());
    let to = to.map(|d| d.to_string()).unwrap_or(p.to.unwrap_or_default());
    let mut owners = vec![(String::new(), ctx.t("coverage-owner-any"))];
    owners.extend(
        visits::people_of(&state.store, community.id).await?.into_iter().map(|(id, name, _)| (id.to_string(), name)),
    );
    let list_href = (hearth_core::reports::may_drill_down(actor) && households_n > 0).then(|| {
        format!(
            "/reports/records?key=visit_coverage_pct&community={}&from={}&to={}",
            urlencode(&community.slug),
            urlencode(&from),
            urlencode(&to)
        )
    });
    let figure = ctx.lang.t_args(
        "coverage-figure",
        &[
            ("visited", visited.into()),
            ("households", households_n.into()),
            ("pct", pct.as_str().into()),
            ("from", from.as_str().into()),
            ("to", to.as_str().into()),
        ],
    );
    render(&CoveragePage {
        communities: visible.into_iter().map(|c| (c.slug, c.name)).collect(),
        community: community.slug,
        from,
        to,
        figure,
        days,
        visited,
        households: households_n,
        pct,
        visits: visits_n,
        errors,
        plan,
        plan_total,
        plan_xlsx_href,
        building,
        owner,
        owners,
        list_href,
        since: since.to_string(),
        next_href,
        ctx,
    })
}
