//! Hardship case pages: the cases a worker may see, opening one from a household's page, and
//! the case's page — its ledger with what it holds always in view, donations (with their
//! receipts), relief applications and their decisions, payments to the family (with a receipt
//! for the family to sign), corrections by reversal, notes, follow-ups and its status.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use hearth_core::cases::ledger::{self, MoneyInput, ReversalInput, Totals};
use hearth_core::cases::records::{self, CaseInput};
use hearth_core::cases::relief::{self, DecisionInput, ReliefInput};
use hearth_core::cases::{CaseCategory, CaseStatus, Method, Stream};
use hearth_core::entity::{household, ledger_entry, relief_application};
use hearth_core::money::format_minor;
use hearth_core::record::EntityKind;
use hearth_core::word::Word;
use hearth_core::{Actor, CoreError, Permission, Store};

use super::form::{FormState, form_errors, number, parse_id};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::practice::{BoxFut, NavEntry, Pages, QueueCount, TodayItem, TodaySection, WebFut, WebPractice};

/// Hardship cases as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "cases",
    pages,
    api: Some(crate::api::cases::routes),
    api_tags: &[(
        "cases",
        "Hardship cases: the case, its ledger (donations, relief, payments, reversals), relief applications, notes and follow-ups",
    )],
    nav: &[NavEntry::link("/cases", "nav-cases", Permission::WorkCases)],
    badges: None,
    links: &[
        (EntityKind::Case, "/cases/{id}"),
        (EntityKind::LedgerEntry, "/ledger/{id}/receipt"),
        (EntityKind::ReliefApplication, "/relief/{id}"),
    ],
    today: Some(today),
    household: Some(household_sections),
    resident: None,
    queues: Some(queues),
};

fn pages() -> Pages {
    Pages::new()
        .get("/cases", list)
        .get("/cases/new", new_form)
        .post("/cases", open)
        .get("/cases/{id}", show)
        .post("/cases/{id}", change)
        .post("/cases/{id}/notes", add_note)
        .post("/cases/{id}/follow-ups", add_follow_up)
        .post("/cases/{id}/money", money)
        .post("/cases/{id}/relief", apply)
        .get("/relief/{id}", relief_redirect)
        .post("/relief/{id}", decide)
        .post("/ledger/{id}/reverse", reverse)
        .get("/ledger/{id}/receipt", receipt)
}

fn today_local() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Money as the reader's locale writes it: "¥2,950.00".
pub fn yuan(minor: i64) -> String {
    format!("¥{}", format_minor(minor))
}

/// The Today page: my cases' visits due, and relief decisions still pending.
/// The dashboard: relief applications waiting for a decision.
fn queues<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<QueueCount>> {
    Box::pin(async move {
        if !hearth_core::policy::allows(actor.role, Permission::WorkCases) {
            return Ok(Vec::new());
        }
        let count = relief::pending(store, actor).await?.len() as u64;
        Ok(vec![QueueCount {
            key: "relief-pending",
            label: "queue-relief-pending",
            count,
            href: "/cases",
            alert: false,
        }])
    })
}

fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::WorkCases) {
            return Ok(Vec::new());
        }
        let visits = records::visits_due(&state.store, actor, today_local()).await?;
        let pending = relief::pending(&state.store, actor).await?;
        Ok(vec![
            TodaySection {
                key: "case-visits",
                title: ctx.t("today-case-visits"),
                count: visits.len() as u64,
                href: "/cases".into(),
                more: ctx.t("today-all-cases"),
                empty: ctx.t("today-case-visits-empty"),
                items: visits
                    .into_iter()
                    .take(5)
                    .map(|v| TodayItem {
                        href: format!("/households/{}", v.case.household_id),
                        label: v.household_code,
                        detail: ctx.t1("case-visit-due", "date", v.due_on.to_string()),
                        tel: None,
                        alert: v.due_on < today_local(),
                    })
                    .collect(),
            },
            TodaySection {
                key: "relief-pending",
                title: ctx.t("today-relief-pending"),
                count: pending.len() as u64,
                href: "/cases".into(),
                more: ctx.t("today-all-cases"),
                empty: ctx.t("today-relief-pending-empty"),
                items: pending
                    .into_iter()
                    .take(5)
                    .map(|(r, c)| TodayItem {
                        href: format!("/cases/{}#relief-h", c.id),
                        label: r.scheme,
                        detail: format!(
                            "{} · {}",
                            yuan(r.requested),
                            ctx.t1("relief-applied", "date", r.applied_on.to_string())
                        ),
                        tel: None,
                        alert: false,
                    })
                    .collect(),
            },
        ])
    })
}

/// A household's page: the cases of it the worker may see, and opening one.
fn household_sections<'a>(state: &'a AppState, ctx: &'a Ctx, h: &'a household::Model) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::WorkCases) {
            return Ok(Vec::new());
        }
        let cases = records::of_household(&state.store, actor, h.id).await?;
        Ok(vec![TodaySection {
            key: "cases",
            title: ctx.t("household-cases"),
            count: cases.len() as u64,
            href: format!("/cases/new?household={}", h.id),
            more: ctx.t("case-open"),
            empty: ctx.t("household-cases-empty"),
            items: cases
                .into_iter()
                .map(|c| TodayItem {
                    href: format!("/cases/{}", c.id),
                    label: ctx.t(&c.category.fluent_key()),
                    detail: format!("{} · {}", c.opened_on, ctx.t(&c.status.fluent_key())),
                    tel: None,
                    alert: false,
                })
                .collect(),
        }])
    })
}

// ---------------------------------------------------------------------------------------
// The list and opening a case

struct CaseRow {
    id: i64,
    household_code: String,
    category: String,
    status: String,
    opened_on: String,
    held: String,
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<CaseRow>,
    /// The period's ledger: (case id, household code, donations, relief, paid, held at end).
    report: Vec<(i64, String, String, String, String, String)>,
    report_total: (String, String, String, String),
    form: FormState,
}

#[derive(serde::Deserialize, Default)]
struct PeriodParams {
    from: Option<String>,
    to: Option<String>,
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<PeriodParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let year = chrono::Datelike::year(&today_local());
    let mut form = FormState::new(ctx.lang);
    let mut e = hearth_core::FieldErrors::new();
    let from_text = p.from.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| format!("{year}-01-01"));
    let to_text = p.to.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| today_local().to_string());
    let from = hearth_core::validate::required_date(&mut e, "from", Some(&from_text));
    let to = hearth_core::validate::required_date(&mut e, "to", Some(&to_text));
    form.set("from", &from_text);
    form.set("to", &to_text);
    let mut rows = Vec::new();
    for l in records::list(&state.store, actor).await? {
        let held = ledger::totals(state.store.conn(), l.case.id).await?.held;
        rows.push(CaseRow {
            id: l.case.id,
            household_code: l.household_code,
            category: ctx.t(&l.case.category.fluent_key()),
            status: ctx.t(&l.case.status.fluent_key()),
            opened_on: l.case.opened_on.to_string(),
            held: yuan(held),
        });
    }
    let mut report = Vec::new();
    let mut report_total = Default::default();
    match (from, to) {
        (Some(f), Some(t)) if t >= f => {
            let (cases, sum, held) = ledger::report(&state.store, actor, f, t).await?;
            for c in cases {
                let code =
                    rows.iter().find(|r| r.id == c.case_id).map(|r| r.household_code.clone()).unwrap_or_default();
                report.push((
                    c.case_id,
                    code,
                    yuan(c.period.donations),
                    yuan(c.period.relief),
                    yuan(c.period.paid),
                    yuan(c.held_at_end),
                ));
            }
            report_total = (yuan(sum.donations), yuan(sum.relief), yuan(sum.paid), yuan(held));
        }
        (Some(_), Some(_)) => e.add("to", "date_before_from"),
        _ => {}
    }
    form.errors = e;
    render(&ListPage { ctx, rows, report, report_total, form })
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    ctx: Ctx,
    h: household::Model,
    members: Vec<(i64, String, bool)>,
    workers: Vec<(i64, String, bool)>,
    categories: Vec<(String, String)>,
    form: FormState,
}

#[derive(serde::Deserialize, Default)]
struct NewParams {
    household: Option<String>,
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    household_id: i64,
    form: FormState,
    pairs: &[(String, String)],
) -> Result<NewPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::WorkCases)?;
    let h = hearth_core::registry::households::get(&state.store, actor, household_id).await?;
    let picked = |f: &str, id: i64| pairs.iter().any(|(k, v)| k == f && v == &id.to_string());
    let members = hearth_core::registry::residents::list(
        &state.store,
        actor,
        &hearth_core::registry::residents::ListQuery { household_id: Some(h.id), ..Default::default() },
    )
    .await?
    .items
    .into_iter()
    .map(|r| (r.id, r.full_name, picked("resident_ids", r.id)))
    .collect();
    let me = actor.user_id;
    let workers = hearth_core::visits::people_of(&state.store, h.community_id)
        .await?
        .into_iter()
        .filter(|(_, _, role)| {
            hearth_core::Role::parse(role).is_some_and(|r| hearth_core::policy::allows(r, Permission::WorkCases))
        })
        .map(|(id, name, _)| (id, name, picked("worker_ids", id) || (pairs.is_empty() && Some(id) == me)))
        .collect();
    let mut categories = vec![(String::new(), ctx.t("case-choose-category"))];
    categories.extend(super::form::word_options::<CaseCategory>(&ctx));
    Ok(NewPage { ctx, h, members, workers, categories, form })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(p): Query<NewParams>) -> Result<Response, WebError> {
    let id = parse_id(p.household.as_deref().unwrap_or_default())?;
    let mut form = FormState::new(ctx.lang);
    form.set("opened_on", today_local());
    form.set("visit_every_days", 7);
    render(&new_page(&state, ctx, id, form, &[]).await?)
}

fn ids(pairs: &[(String, String)], field: &str) -> Vec<i64> {
    pairs.iter().filter(|(k, _)| k == field).map(|(_, v)| v.trim().parse().unwrap_or(-1)).collect()
}

/// Errors on one row of a list are shown on the list.
fn fold(mut f: FormState) -> FormState {
    for err in &mut f.errors.0 {
        if let Some((list, _)) = err.field.split_once('[') {
            err.field = list.to_owned();
        }
    }
    f
}

async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let household_id = number(form.value("household_id")).unwrap_or(-1);
    let input = CaseInput {
        household_id: Some(household_id),
        resident_ids: Some(ids(&pairs, "resident_ids")),
        category: form.get("category"),
        summary: form.get("summary"),
        opened_on: form.get("opened_on"),
        worker_ids: Some(ids(&pairs, "worker_ids")),
        visit_every_days: number(form.value("visit_every_days")),
        ..Default::default()
    };
    match records::open(&state.store, ctx.actor()?, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}?saved=1", c.id)).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            let form = fold(form);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&state, ctx, household_id, form, &pairs).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A case's page

struct EntryRow {
    e: ledger_entry::Model,
    stream: String,
    /// Into the case (+) or out of it (−), as shown.
    signed: String,
    party: String,
    reversed: bool,
    can_reverse: bool,
}

struct ReliefRow {
    r: relief_application::Model,
    requested: String,
    decision: String,
    approved: String,
    received: String,
    pending: bool,
    receivable: bool,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowPage {
    ctx: Ctx,
    c: records::CaseLine,
    category: String,
    status: String,
    version: String,
    totals: Totals,
    held: String,
    money_rows: Vec<(String, String)>,
    entries: Vec<EntryRow>,
    relief: Vec<ReliefRow>,
    notes: Vec<hearth_core::notes::Note>,
    follow_ups: Vec<(i64, String, String, String)>,
    methods: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    workers: Vec<(i64, String)>,
    other_cases: Vec<(String, String)>,
    follow_up_categories: Vec<(String, String)>,
    ended: bool,
    /// Which form was sent (its errors are shown there).
    sent: String,
    form: FormState,
}

async fn show_page(state: &AppState, ctx: Ctx, id: i64, sent: &str, form: FormState) -> Result<ShowPage, WebError> {
    let actor = ctx.actor()?;
    let c = records::get(&state.store, actor, id).await?;
    let (rows, totals) = ledger::of_case(&state.store, actor, id).await?;
    let reversed: Vec<i64> = rows.iter().filter_map(|r| r.reverses_id).collect();
    let entries = rows
        .iter()
        .map(|e| EntryRow {
            stream: ctx.t(&e.stream.fluent_key()),
            signed: if e.held_delta >= 0 {
                format!("+{}", yuan(e.held_delta))
            } else {
                format!("−{}", yuan(-e.held_delta))
            },
            party: if e.anonymous { ctx.t("donation-anonymous") } else { e.party.clone().unwrap_or_default() },
            reversed: reversed.contains(&e.id),
            can_reverse: e.reverses_id.is_none() && !reversed.contains(&e.id) && e.stream != Stream::TransferIn,
            e: e.clone(),
        })
        .collect();
    let apps = relief::of_case(&state.store, actor, id).await?;
    let relief = apps
        .into_iter()
        .map(|r| {
            let received: i64 = rows.iter().filter(|e| e.relief_id == Some(r.id)).map(|e| e.amount).sum();
            ReliefRow {
                requested: yuan(r.requested),
                decision: ctx.t(&r.decision.fluent_key()),
                approved: r.approved.map(yuan).unwrap_or_default(),
                received: yuan(received),
                pending: r.decision == hearth_core::cases::Decision::Pending,
                receivable: r.approved.is_some_and(|a| a > received),
                r,
            }
        })
        .collect();
    let notes = records::notes_of(&state.store, actor, id).await?;
    let follow_ups = records::follow_ups_of(&state.store, actor, id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.description, ctx.t(&f.status.fluent_key()), f.due_on.to_string()))
        .collect();
    let other_cases = records::visible_cases(&state.store, actor)
        .await?
        .into_iter()
        .filter(|o| o.id != id && o.community_id == c.case.community_id && !o.status.is_ended())
        .map(|o| (o.id.to_string(), format!("#{} · {}", o.id, ctx.t(&o.category.fluent_key()))))
        .collect();
    let money_rows = vec![
        (ctx.t("ledger-donations"), yuan(totals.donations)),
        (ctx.t("ledger-relief"), yuan(totals.relief)),
        (ctx.t("ledger-paid"), yuan(totals.paid)),
        (ctx.t("ledger-returned"), yuan(totals.returned + totals.transferred_out - totals.transferred_in)),
    ];
    let mut form = form;
    if form.value("status").is_empty() {
        form.set("status", c.case.status.word());
    }
    for f in ["on", "applied_on", "decided_on", "status_on"] {
        if form.value(f).is_empty() {
            form.set(f, today_local());
        }
    }
    let mut fcats = super::form::word_options::<hearth_core::visits::Category>(&ctx);
    fcats.insert(0, (String::new(), ctx.t("case-choose-category")));
    Ok(ShowPage {
        category: ctx.t(&c.case.category.fluent_key()),
        status: ctx.t(&c.case.status.fluent_key()),
        version: hearth_core::version::of(&c.case.updated_at),
        held: yuan(totals.held),
        ended: c.case.status.is_ended(),
        methods: {
            let mut m = vec![(String::new(), "—".to_owned())];
            m.extend(super::form::word_options::<Method>(&ctx));
            m
        },
        kinds: [Stream::Donation, Stream::Payment, Stream::Returned, Stream::TransferOut]
            .into_iter()
            .map(|k| (k.word(), ctx.t(&k.fluent_key())))
            .collect(),
        statuses: super::form::word_options::<CaseStatus>(&ctx),
        workers: c.workers.clone(),
        follow_up_categories: fcats,
        sent: sent.to_owned(),
        money_rows,
        totals,
        entries,
        relief,
        notes,
        follow_ups,
        other_cases,
        form,
        c,
        ctx,
    })
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&show_page(&state, ctx, id, "", form).await?)
}

async fn case_errors(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    sent: &str,
    form: FormState,
    e: CoreError,
) -> Result<Response, WebError> {
    let mut form = form;
    form.errors = form_errors(e)?;
    let form = fold(form);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(state, ctx, id, sent, form).await?)
}

fn saved(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("/cases/{id}?saved=1#{anchor}")).into_response()
}

async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let given = |f: &str| pairs.iter().any(|(k, _)| k == f).then(|| form.value(f).to_owned());
    let input = CaseInput {
        status: given("status").filter(|s| !s.is_empty()),
        status_on: given("status_on"),
        resolution_note: given("resolution_note"),
        summary: given("summary"),
        category: given("category"),
        visit_every_days: given("visit_every_days").map(|v| number(&v).unwrap_or(0)),
        worker_ids: given("workers_sent").map(|_| ids(&pairs, "worker_ids")),
        version: form.get("version"),
        ..Default::default()
    };
    match records::update(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(saved(id, "status-h")),
        Err(e) => case_errors(&state, ctx, id, "status", form, e).await,
    }
}

async fn add_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    match records::add_note(&state.store, ctx.actor()?, id, Some(form.value("body"))).await {
        Ok(_) => Ok(saved(id, "notes-h")),
        Err(e) => case_errors(&state, ctx, id, "note", form, e).await,
    }
}

async fn add_follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = hearth_core::visits::follow_ups::FollowUpInput {
        household_id: None,
        description: form.get("description"),
        category: form.get("category"),
        owner_user_id: number(form.value("owner_user_id")),
        due_on: form.get("due_on"),
        resident_id: None,
        opened_on: None,
    };
    match records::add_follow_up(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(saved(id, "follow-ups-h")),
        Err(e) => case_errors(&state, ctx, id, "follow_up", form, e).await,
    }
}

/// Every money form of the case page: `kind` says which (donation, relief received,
/// payment, returned, transfer).
async fn money(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let kind = form.value("kind").to_owned();
    let input = MoneyInput {
        amount: form.get("amount"),
        on: form.get("on"),
        method: form.get("method").filter(|m| !m.is_empty()),
        party: form.get("party"),
        anonymous: Some(form.checked("anonymous")),
        family_signed: Some(form.value("family_signed") == "yes"),
        relief_id: number(form.value("relief_id")),
        other_case_id: number(form.value("other_case_id")),
        note: form.get("note"),
    };
    let actor = ctx.actor()?;
    let s = &state.store;
    let result = match kind.as_str() {
        "donation" => ledger::donate(s, actor, id, input).await,
        "relief" => ledger::receive_relief(s, actor, id, input).await,
        "payment" => ledger::pay_out(s, actor, id, Stream::Payment, input).await,
        "returned" => ledger::pay_out(s, actor, id, Stream::Returned, input).await,
        "transfer_out" => ledger::pay_out(s, actor, id, Stream::TransferOut, input).await,
        _ => Err(CoreError::invalid("kind", "invalid_choice")),
    };
    match result {
        Ok(e) if e.receipt_number.is_some() => {
            Ok(Redirect::to(&format!("/cases/{id}?saved=1#entry-{}", e.id)).into_response())
        }
        Ok(_) => Ok(saved(id, "ledger-h")),
        Err(e) => case_errors(&state, ctx, id, if kind == "relief" { "relief" } else { "money" }, form, e).await,
    }
}

async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = ReliefInput {
        scheme: form.get("scheme"),
        agency: form.get("agency"),
        requested: form.get("requested"),
        applied_on: form.get("applied_on"),
    };
    match relief::apply(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(saved(id, "relief-h")),
        Err(e) => case_errors(&state, ctx, id, "apply", form, e).await,
    }
}

async fn relief_redirect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let r = relief::get(&state.store, ctx.actor()?, id).await?;
    Ok(Redirect::to(&format!("/cases/{}#relief-{}", r.case_id, r.id)).into_response())
}

async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let r = relief::get(&state.store, actor, id).await?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = DecisionInput {
        decision: form.get("decision"),
        approved: form.get("approved"),
        decided_on: form.get("decided_on"),
    };
    match relief::decide(&state.store, actor, id, input).await {
        Ok(_) => Ok(saved(r.case_id, "relief-h")),
        Err(e) => case_errors(&state, ctx, r.case_id, &format!("decide-{id}"), form, e).await,
    }
}

async fn reverse(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let entry = ledger::entry(&state.store, actor, id).await?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = ReversalInput { note: form.get("note"), on: form.get("on") };
    match ledger::reverse(&state.store, actor, id, input).await {
        Ok(_) => Ok(saved(entry.case_id, "ledger-h")),
        Err(e) => case_errors(&state, ctx, entry.case_id, &format!("reverse-{id}"), form, e).await,
    }
}

#[derive(Template)]
#[template(path = "cases/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    e: ledger_entry::Model,
    amount: String,
    party: String,
    community: String,
    household_code: String,
    payment: bool,
}

/// The printable bilingual receipt of a donation (for the donor) or of a payment (for the
/// family to sign).
async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let e = ledger::entry(&state.store, actor, id).await?;
    if e.receipt_number.is_none() {
        return Err(WebError::NotFound);
    }
    let c = records::get(&state.store, actor, e.case_id).await?;
    let community = hearth_core::registry::communities::get(&state.store, actor, c.case.community_id).await?.name;
    render(&ReceiptPage {
        amount: yuan(e.amount),
        party: if e.anonymous { ctx.t("donation-anonymous") } else { e.party.clone().unwrap_or_default() },
        payment: e.stream == Stream::Payment,
        household_code: c.household_code,
        community,
        e,
        ctx,
    })
}
