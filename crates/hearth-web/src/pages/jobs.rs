//! Employment help pages: partner employers (details, contact log, agreements with their
//! scans, openings), an opening with the matching aid, job fairs (whose roll-call is the
//! classes' roll-call page), referrals and their steps, placements with their check-ins, and
//! the list of check-ins due (also on the Today page).

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use hearth_core::entity::{agreement, employer, job_fair, opening};
use hearth_core::jobs::employers::{self, AgreementInput, AgreementState, ContactInput, EmployerInput};
use hearth_core::jobs::fairs::{self, FairInput};
use hearth_core::jobs::openings::{self, OpeningInput, OpeningsQuery};
use hearth_core::jobs::placements::{
    self, CheckInInput, PlacementChange, PlacementInput, ReferralInput, ReferralsQuery, StepInput,
};
use hearth_core::jobs::{EndReason, OpeningStatus, PlacedVia, ReferralStep};
use hearth_core::money::{format_minor, parse_minor};
use hearth_core::record::EntityKind;
use hearth_core::registry::communities;
use hearth_core::word::Word;
use hearth_core::{Actor, CoreError, FieldErrors, Permission, Store};

use super::form::{FormState, back_to, find_residents, form_errors, number, parse_id, with_saved};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::practice::{BoxFut, NavEntry, Pages, QueueCount, TodayItem, TodaySection, WebFut, WebPractice};

/// Employment help as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "jobs",
    pages,
    api: Some(crate::api::jobs::routes),
    api_tags: &[(
        "jobs",
        "Employment help: partner employers, referral agreements, openings, job fairs, referrals, placements and retention check-ins",
    )],
    nav: &[NavEntry {
        href: "/jobs",
        label: "nav-jobs",
        permission: Permission::HelpIntoWork,
        badge: Some("check_ins_due"),
        plain_label: "nav-jobs-plain",
        alert: true,
    }],
    badges: Some(badges),
    links: &[
        (EntityKind::Employer, "/employers/{id}"),
        (EntityKind::Agreement, "/agreements/{id}"),
        (EntityKind::Opening, "/openings/{id}"),
        (EntityKind::JobFair, "/fairs/{id}"),
        (EntityKind::Referral, "/referrals/{id}"),
        (EntityKind::Placement, "/placements/{id}"),
        (EntityKind::CheckIn, "/check-ins/{id}"),
    ],
    today: Some(today),
    household: None,
    resident: Some(resident_sections),
    queues: Some(queues),
};

/// A scan and the form it came with: a little over the largest scan.
const UPLOAD_LIMIT: usize = employers::MAX_SCAN_BYTES + 256 * 1024;

fn pages() -> Pages {
    Pages::new()
        .get("/jobs", hub)
        .get("/employers", employers_page)
        .post("/employers", create_employer)
        .get("/employers/{id}", employer_page)
        .post("/employers/{id}", update_employer)
        .post("/employers/{id}/contacts", add_contact)
        .post_with_limit("/employers/{id}/agreements", add_agreement, UPLOAD_LIMIT)
        .post("/employers/{id}/openings", add_opening)
        .get("/agreements/{id}", agreement_page)
        .post_with_limit("/agreements/{id}/scan", upload_scan, UPLOAD_LIMIT)
        .get("/agreements/{id}/scan", download_scan)
        .get("/openings", openings_page)
        .get("/openings/{id}", opening_page)
        .post("/openings/{id}", update_opening)
        .get("/fairs", fairs_page)
        .post("/fairs", create_fair)
        .get("/fairs/{id}", fair_page)
        .post("/fairs/{id}", update_fair)
        .get("/referrals", referrals_page)
        .post("/referrals", refer)
        .get("/referrals/{id}", referral_page)
        .post("/referrals/{id}/steps", add_step)
        .get("/placements", placements_page)
        .post("/placements", place)
        .get("/placements/{id}", placement_page)
        .post("/placements/{id}", change_placement)
        .get("/check-ins", check_ins_page)
        .get("/check-ins/{id}", check_in_redirect)
        .post("/check-ins/{id}", record_check_in)
}

fn today_local() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn badges<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<(&'static str, u64)>> {
    Box::pin(async move { Ok(vec![("check_ins_due", placements::due_count(store, actor, today_local()).await?)]) })
}

/// The dashboard: placement check-ins due.
fn queues<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<QueueCount>> {
    Box::pin(async move {
        if !hearth_core::policy::allows(actor.role, Permission::HelpIntoWork) {
            return Ok(Vec::new());
        }
        let count = placements::due_count(store, actor, today_local()).await?;
        Ok(vec![QueueCount {
            key: "check-ins-due",
            label: "queue-check-ins-due",
            count,
            href: "/check-ins",
            alert: true,
        }])
    })
}

fn due_item(ctx: &Ctx, d: placements::Due) -> TodayItem {
    TodayItem {
        href: format!("/placements/{}#check-in-{}", d.check_in.placement_id, d.check_in.id),
        label: d.resident_name,
        detail: [
            ctx.t1("check-in-months", "count", i64::from(d.check_in.months)),
            d.employer_name,
            ctx.t1("check-in-due-on", "date", d.check_in.due_on.to_string()),
            if d.check_in.attempts > 0 {
                ctx.t1("check-in-attempts", "count", i64::from(d.check_in.attempts))
            } else {
                String::new()
            },
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · "),
        tel: d.phone.map(|p| (p.clone(), super::tel(&p))),
        alert: d.check_in.due_on < today_local(),
    }
}

/// The Today page: retention check-ins due (oldest first).
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::HelpIntoWork) {
            return Ok(Vec::new());
        }
        let count = placements::due_count(&state.store, actor, today_local()).await?;
        let items = placements::due(&state.store, actor, today_local(), 5).await?;
        Ok(vec![TodaySection {
            key: "check-ins-due",
            title: ctx.t("today-check-ins"),
            count,
            href: "/check-ins".into(),
            more: ctx.t("today-all-check-ins"),
            empty: ctx.t("today-check-ins-empty"),
            items: items.into_iter().map(|d| due_item(ctx, d)).collect(),
        }])
    })
}

fn step_label(ctx: &Ctx, r: &hearth_core::entity::referral::Model) -> String {
    match (r.outcome, r.outcome_on) {
        (Some(s), Some(on)) => format!("{} {on}", ctx.t(&s.fluent_key())),
        _ => ctx.t("referral-open"),
    }
}

fn placement_detail(ctx: &Ctx, p: &placements::PlacementLine) -> String {
    let mut parts =
        vec![p.placement.job_title.clone(), ctx.t1("placement-started", "date", p.placement.started_on.to_string())];
    if let Some(end) = p.placement.ended_on {
        parts.push(ctx.t1("placement-ended", "date", end.to_string()));
    }
    for c in &p.check_ins {
        parts.push(format!("{}: {}", ctx.t1("check-in-months", "count", i64::from(c.months)), check_in_state(ctx, c)));
    }
    parts.join(" · ")
}

fn check_in_state(ctx: &Ctx, c: &hearth_core::entity::check_in::Model) -> String {
    match (c.still_employed, c.by_end) {
        (Some(_), true) => ctx.t("check-in-by-end"),
        (Some(true), _) => ctx.t("check-in-still-employed"),
        (Some(false), _) => ctx.t("check-in-not-employed"),
        (None, _) if c.attempts > 0 => ctx.t1("check-in-attempts", "count", i64::from(c.attempts)),
        (None, _) => ctx.t1("check-in-due-on", "date", c.due_on.to_string()),
    }
}

/// A resident's page: their referrals and placements (with check-ins).
fn resident_sections<'a>(
    state: &'a AppState,
    ctx: &'a Ctx,
    r: &'a hearth_core::entity::resident::Model,
) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::HelpIntoWork) {
            return Ok(Vec::new());
        }
        let (refs, places) = placements::of_resident(&state.store, actor, r.id).await?;
        Ok(vec![
            TodaySection {
                key: "referrals",
                title: ctx.t("resident-referrals"),
                count: refs.len() as u64,
                href: String::new(),
                more: String::new(),
                empty: ctx.t("resident-referrals-empty"),
                items: refs
                    .into_iter()
                    .map(|l| TodayItem {
                        href: format!("/referrals/{}", l.referral.id),
                        label: l.opening_title.clone().unwrap_or(l.employer_name.clone()),
                        detail: format!(
                            "{} · {} · {}",
                            l.employer_name,
                            l.referral.referred_on,
                            step_label(ctx, &l.referral)
                        ),
                        tel: None,
                        alert: false,
                    })
                    .collect(),
            },
            TodaySection {
                key: "placements",
                title: ctx.t("resident-placements"),
                count: places.len() as u64,
                href: String::new(),
                more: String::new(),
                empty: ctx.t("resident-placements-empty"),
                items: places
                    .iter()
                    .map(|p| TodayItem {
                        href: format!("/placements/{}", p.placement.id),
                        label: p.employer_name.clone(),
                        detail: placement_detail(ctx, p),
                        tel: None,
                        alert: false,
                    })
                    .collect(),
            },
        ])
    })
}

fn money_range(lo: Option<i64>, hi: Option<i64>) -> String {
    match (lo, hi) {
        (Some(a), Some(b)) if a == b => format_minor(a),
        (Some(a), Some(b)) => format!("{}–{}", format_minor(a), format_minor(b)),
        (Some(a), None) => format!("≥ {}", format_minor(a)),
        (None, Some(b)) => format!("≤ {}", format_minor(b)),
        (None, None) => String::new(),
    }
}

/// A wage typed in yuan → minor units; anything not an amount is -1 (the core names it).
fn wage(v: &str) -> Option<i64> {
    let v = v.trim();
    (!v.is_empty()).then(|| parse_minor(v).unwrap_or(-1))
}

/// A rejected form: the page again with what was typed and the errors.
fn with_errors(mut form: FormState, e: CoreError) -> Result<FormState, WebError> {
    form.errors = form_errors(e)?;
    Ok(form)
}

// ---------------------------------------------------------------------------------------
// The hub

#[derive(Template)]
#[template(path = "jobs/hub.html")]
struct HubPage {
    ctx: Ctx,
    due: u64,
    counts: Vec<(&'static str, String, usize)>,
}

async fn hub(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::HelpIntoWork)?;
    let s = &state.store;
    let due = placements::due_count(s, actor, today_local()).await?;
    let counts = vec![
        ("/employers", ctx.t("jobs-employers"), employers::list(s, actor, None).await?.len()),
        (
            "/openings",
            ctx.t("jobs-openings-open"),
            openings::list(s, actor, &OpeningsQuery { status: Some("open".into()), ..Default::default() }).await?.len(),
        ),
        ("/fairs", ctx.t("jobs-fairs"), fairs::list(s, actor).await?.len()),
    ];
    render(&HubPage { ctx, due, counts })
}

// ---------------------------------------------------------------------------------------
// Employers

struct EmployerRow {
    id: i64,
    name: String,
    sector: String,
    last_contact: String,
}

#[derive(Template)]
#[template(path = "jobs/employers.html")]
struct EmployersPage {
    ctx: Ctx,
    rows: Vec<EmployerRow>,
    communities: Vec<(String, String)>,
    form: FormState,
}

async fn employers_view(state: &AppState, ctx: Ctx, form: FormState) -> Result<EmployersPage, WebError> {
    let actor = ctx.actor()?;
    let mut rows = Vec::new();
    for e in employers::list(&state.store, actor, None).await? {
        let last = employers::contacts_of(&state.store, actor, e.id).await?.into_iter().next();
        rows.push(EmployerRow {
            id: e.id,
            sector: e.sector.unwrap_or_default(),
            last_contact: last.map(|c| c.contact.contacted_on.to_string()).unwrap_or_else(|| "—".into()),
            name: e.name,
        });
    }
    let communities = communities::list(&state.store, actor).await?.into_iter().map(|c| (c.slug, c.name)).collect();
    Ok(EmployersPage { ctx, rows, communities, form })
}

async fn employers_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::HelpIntoWork)?;
    let form = FormState::new(ctx.lang);
    render(&employers_view(&state, ctx, form).await?)
}

fn employer_input(form: &FormState, given: impl Fn(&str) -> bool) -> EmployerInput {
    let g = |f: &str| if given(f) { Some(form.value(f).to_owned()) } else { None };
    EmployerInput {
        community: g("community"),
        name: g("name"),
        sector: g("sector"),
        address: g("address"),
        contact_person: g("contact_person"),
        contact_phone: g("contact_phone"),
        notes: g("notes"),
        version: form.get("version"),
    }
}

async fn create_employer(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = employer_input(&form, |f| pairs.iter().any(|(k, _)| k == f));
    match employers::create(&state.store, ctx.actor()?, input).await {
        Ok(e) => Ok(Redirect::to(&format!("/employers/{}?saved=1", e.id)).into_response()),
        Err(e) => {
            let form = with_errors(form, e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &employers_view(&state, ctx, form).await?)
        }
    }
}

struct AgreementRow {
    a: agreement::Model,
    state: String,
    state_key: &'static str,
}

struct OpeningRow {
    id: i64,
    title: String,
    positions: i32,
    wage: String,
    status: String,
    open: bool,
}

fn opening_row(ctx: &Ctx, o: opening::Model) -> OpeningRow {
    OpeningRow {
        id: o.id,
        positions: o.positions,
        wage: money_range(o.wage_min, o.wage_max),
        status: ctx.t(&o.status.fluent_key()),
        open: o.status == OpeningStatus::Open,
        title: o.title,
    }
}

#[derive(Template)]
#[template(path = "jobs/employer.html")]
struct EmployerPage {
    ctx: Ctx,
    e: employer::Model,
    version: String,
    contacts: Vec<employers::Contact>,
    agreements: Vec<AgreementRow>,
    openings: Vec<OpeningRow>,
    /// Which form was sent (its errors are shown there): edit, contact, agreement, opening.
    sent: String,
    form: FormState,
    edit: FormState,
}

async fn employer_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    sent: &str,
    form: FormState,
) -> Result<EmployerPage, WebError> {
    let actor = ctx.actor()?;
    let e = hearth_core::jobs::load::<employer::Entity>(&state.store, actor, id).await?;
    let contacts = employers::contacts_of(&state.store, actor, e.id).await?;
    let today = today_local();
    let agreements = employers::agreements(&state.store, actor, Some(e.id))
        .await?
        .into_iter()
        .map(|a| {
            let st = AgreementState::of(&a, today);
            AgreementRow {
                state: ctx.t(&format!("agreement-state-{}", st.as_str().replace('_', "-"))),
                state_key: st.as_str(),
                a,
            }
        })
        .collect();
    let openings =
        employers::openings_of(&state.store, actor, e.id).await?.into_iter().map(|o| opening_row(&ctx, o)).collect();
    let mut edit = FormState::new(ctx.lang);
    if sent == "edit" {
        edit = form.clone();
    } else {
        edit.set("name", &e.name);
        edit.set_opt("sector", e.sector.as_ref());
        edit.set_opt("address", e.address.as_ref());
        edit.set_opt("contact_person", e.contact_person.as_ref());
        edit.set_opt("contact_phone", e.contact_phone.as_ref());
        edit.set_opt("notes", e.notes.as_ref());
    }
    let mut form = if sent == "edit" { FormState::new(ctx.lang) } else { form };
    if form.value("contacted_on").is_empty() {
        form.set("contacted_on", today);
    }
    if form.value("signed_on").is_empty() {
        form.set("signed_on", today);
    }
    Ok(EmployerPage {
        version: hearth_core::version::of(&e.updated_at),
        sent: sent.to_owned(),
        ctx,
        e,
        contacts,
        agreements,
        openings,
        form,
        edit,
    })
}

async fn employer_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&employer_view(&state, ctx, id, "", form).await?)
}

async fn employer_errors(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    sent: &str,
    form: FormState,
    e: CoreError,
) -> Result<Response, WebError> {
    let form = with_errors(form, e)?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &employer_view(state, ctx, id, sent, form).await?)
}

async fn update_employer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = employer_input(&form, |f| f != "community" && pairs.iter().any(|(k, _)| k == f));
    match employers::update(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/employers/{id}?saved=1")).into_response()),
        Err(e) => employer_errors(&state, ctx, id, "edit", form, e).await,
    }
}

async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = ContactInput { contacted_on: form.get("contacted_on"), summary: form.get("summary") };
    match employers::add_contact(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/employers/{id}?saved=1#contacts-h")).into_response()),
        Err(e) => employer_errors(&state, ctx, id, "contact", form, e).await,
    }
}

/// A multipart form's text fields and its one file: (pairs, file name, bytes, too large).
/// A body over the limit is reported on `scan` as too large, with the fields read before it
/// kept. A body that is not multipart at all is a bad request.
pub(crate) async fn read_upload(req: Request, state: &AppState) -> Result<Upload, WebError> {
    read_file(req, state, "scan").await
}

/// `read_upload` with the file in the field `file_field`.
pub(crate) async fn read_file(req: Request, state: &AppState, file_field: &str) -> Result<Upload, WebError> {
    let mut pairs = Vec::new();
    let (mut name, mut bytes, mut too_large) = (None, Vec::new(), false);
    let Ok(mut mp) = Multipart::from_request(req, state).await else {
        return Err(WebError::BadRequest { field: Some(file_field.into()) });
    };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let field_name = field.name().unwrap_or_default().to_owned();
                if field_name == file_field {
                    name = field.file_name().map(str::to_owned);
                    match field.bytes().await {
                        Ok(b) => bytes = b.to_vec(),
                        Err(_) => {
                            too_large = true;
                            break;
                        }
                    }
                } else {
                    match field.text().await {
                        Ok(t) => pairs.push((field_name, t)),
                        Err(_) => {
                            too_large = true;
                            break;
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        }
    }
    Ok((pairs, name.filter(|n| !n.is_empty()), bytes, too_large))
}

pub(crate) type Upload = (Vec<(String, String)>, Option<String>, Vec<u8>, bool);

fn csrf_ok(ctx: &Ctx, pairs: &[(String, String)]) -> bool {
    crate::csrf::multipart_token_ok(ctx, pairs)
}

fn too_large_error() -> CoreError {
    let mut e = FieldErrors::new();
    e.add_arg("scan", "file_too_large", 5);
    CoreError::Invalid(e)
}

async fn add_agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    // Who may, and which employer, before the body is read.
    hearth_core::jobs::load::<employer::Entity>(&state.store, ctx.actor()?, id).await?;
    let (pairs, file_name, bytes, too_large) = read_upload(req, &state).await?;
    if !too_large && !csrf_ok(&ctx, &pairs) {
        return Err(WebError::CsrfRejected);
    }
    let form = FormState::from_pairs(ctx.lang, &pairs);
    if too_large {
        return employer_errors(&state, ctx, id, "agreement", form, too_large_error()).await;
    }
    let actor = ctx.actor()?;
    // The scan is checked before anything is stored: a wrong file leaves no agreement.
    if !bytes.is_empty() {
        let mut e = FieldErrors::new();
        if bytes.len() > employers::MAX_SCAN_BYTES {
            e.add_arg("scan", "file_too_large", 5);
        } else if employers::sniff(&bytes).is_none() {
            e.add("scan", "file_type");
        }
        if !e.is_empty() {
            return employer_errors(&state, ctx, id, "agreement", form, CoreError::Invalid(e)).await;
        }
    }
    let input = AgreementInput {
        employer_id: Some(id),
        title: form.get("title"),
        signed_on: form.get("signed_on"),
        valid_until: form.get("valid_until"),
        terms: form.get("terms"),
        version: None,
    };
    let a = match employers::create_agreement(&state.store, actor, input).await {
        Ok(a) => a,
        Err(e) => return employer_errors(&state, ctx, id, "agreement", form, e).await,
    };
    if !bytes.is_empty() {
        employers::attach_scan(&state.store, actor, a.id, file_name.as_deref(), bytes).await?;
    }
    Ok(Redirect::to(&format!("/employers/{id}?saved=1#agreements-h")).into_response())
}

async fn agreement_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let a = hearth_core::jobs::load::<agreement::Entity>(&state.store, ctx.actor()?, id).await?;
    Ok(Redirect::to(&format!("/employers/{}#agreement-{}", a.employer_id, a.id)).into_response())
}

async fn upload_scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?.clone();
    let a = hearth_core::jobs::load::<agreement::Entity>(&state.store, &actor, id).await?;
    let (pairs, file_name, bytes, too_large) = read_upload(req, &state).await?;
    if !too_large && !csrf_ok(&ctx, &pairs) {
        return Err(WebError::CsrfRejected);
    }
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let result = if too_large {
        Err(too_large_error())
    } else {
        employers::attach_scan(&state.store, &actor, a.id, file_name.as_deref(), bytes).await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/employers/{}?saved=1#agreement-{}", a.employer_id, a.id)).into_response()),
        Err(e) => {
            let mut form = with_errors(form, e)?;
            // The error belongs to this agreement's upload row.
            for err in &mut form.errors.0 {
                if err.field == "scan" {
                    err.field = format!("scan-{}", a.id);
                }
            }
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &employer_view(&state, ctx, a.employer_id, "scan", form).await?,
            )
        }
    }
}

/// The scan, always as a download (never shown inline, whatever it holds).
async fn download_scan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (name, kind, bytes) = employers::scan(&state.store, ctx.actor()?, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

fn opening_input(form: &FormState, employer_id: Option<i64>, given: impl Fn(&str) -> bool) -> OpeningInput {
    let g = |f: &str| if given(f) { Some(form.value(f).to_owned()) } else { None };
    let wage_given = given("wage_min") || given("wage_max");
    OpeningInput {
        employer_id,
        title: g("title"),
        positions: if given("positions") { number(form.value("positions")).or(Some(-1)) } else { None },
        wage_min: wage(form.value("wage_min")),
        wage_max: wage(form.value("wage_max")),
        languages: g("languages"),
        skills: g("skills"),
        requirements: g("requirements"),
        hours: g("hours"),
        location: g("location"),
        status: g("status"),
        posted_on: g("posted_on").filter(|v| !v.trim().is_empty()),
        clear_wage: wage_given && form.value("wage_min").trim().is_empty() && form.value("wage_max").trim().is_empty(),
        version: form.get("version"),
    }
}

async fn add_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = opening_input(&form, Some(id), |f| pairs.iter().any(|(k, _)| k == f));
    match openings::create(&state.store, ctx.actor()?, input).await {
        Ok(o) => Ok(Redirect::to(&format!("/openings/{}?saved=1", o.id)).into_response()),
        Err(e) => employer_errors(&state, ctx, id, "opening", form, e).await,
    }
}

// ---------------------------------------------------------------------------------------
// Openings

struct OpeningListRow {
    row: OpeningRow,
    employer_id: i64,
    employer: String,
}

#[derive(Template)]
#[template(path = "jobs/openings.html")]
struct OpeningsPage {
    ctx: Ctx,
    rows: Vec<OpeningListRow>,
}

async fn openings_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let names: std::collections::HashMap<i64, String> =
        employers::list(&state.store, actor, None).await?.into_iter().map(|e| (e.id, e.name)).collect();
    let rows = openings::list(&state.store, actor, &OpeningsQuery::default())
        .await?
        .into_iter()
        .map(|o| OpeningListRow {
            employer_id: o.employer_id,
            employer: names.get(&o.employer_id).cloned().unwrap_or_default(),
            row: opening_row(&ctx, o),
        })
        .collect();
    render(&OpeningsPage { ctx, rows })
}

struct MatchRow {
    resident_id: i64,
    name: String,
    reason: String,
    referred: bool,
}

#[derive(Template)]
#[template(path = "jobs/opening.html")]
struct OpeningPage {
    ctx: Ctx,
    o: opening::Model,
    employer: String,
    wage: String,
    status: String,
    version: String,
    matches: Vec<MatchRow>,
    referrals: Vec<placements::ReferralLine>,
    steps: Vec<String>,
    statuses: Vec<(String, String)>,
    form: FormState,
    edit: FormState,
}

async fn opening_view(state: &AppState, ctx: Ctx, id: i64, form: FormState) -> Result<OpeningPage, WebError> {
    let actor = ctx.actor()?;
    let o = hearth_core::jobs::load::<opening::Entity>(&state.store, actor, id).await?;
    let emp = hearth_core::jobs::load::<employer::Entity>(&state.store, actor, o.employer_id).await?;
    let referrals =
        placements::referrals(&state.store, actor, &ReferralsQuery { opening_id: Some(o.id), ..Default::default() })
            .await?;
    let matches = openings::matches(&state.store, actor, o.id)
        .await?
        .into_iter()
        .map(|m| {
            let mut why = Vec::new();
            if !m.languages.is_empty() {
                why.push(ctx.t1("match-speaks", "items", m.languages.join("、")));
            }
            if !m.skills.is_empty() {
                why.push(ctx.t1("match-skills", "items", m.skills.join("、")));
            }
            MatchRow {
                referred: referrals.iter().any(|r| r.referral.resident_id == m.resident_id),
                resident_id: m.resident_id,
                name: m.name,
                reason: why.join("; "),
            }
        })
        .collect();
    let mut edit = FormState::new(ctx.lang);
    edit.set("title", &o.title);
    edit.set("positions", o.positions);
    edit.set_opt("wage_min", o.wage_min.map(format_minor));
    edit.set_opt("wage_max", o.wage_max.map(format_minor));
    edit.set_opt("languages", o.languages.as_ref());
    edit.set_opt("skills", o.skills.as_ref());
    edit.set_opt("requirements", o.requirements.as_ref());
    edit.set_opt("hours", o.hours.as_ref());
    edit.set_opt("location", o.location.as_ref());
    edit.set("status", o.status.word());
    for (k, v) in &form.values {
        edit.set(k, v);
    }
    edit.errors = form.errors.clone();
    Ok(OpeningPage {
        employer: emp.name,
        wage: money_range(o.wage_min, o.wage_max),
        status: ctx.t(&o.status.fluent_key()),
        version: hearth_core::version::of(&o.updated_at),
        steps: referrals.iter().map(|r| step_label(&ctx, &r.referral)).collect(),
        statuses: super::form::word_options::<OpeningStatus>(&ctx),
        matches,
        referrals,
        form,
        edit,
        o,
        ctx,
    })
}

async fn opening_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&opening_view(&state, ctx, id, form).await?)
}

async fn update_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = opening_input(&form, None, |f| pairs.iter().any(|(k, _)| k == f));
    match openings::update(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/openings/{id}?saved=1")).into_response()),
        Err(e) => {
            let form = with_errors(form, e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &opening_view(&state, ctx, id, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fairs

struct FairRow {
    id: i64,
    held_on: String,
    place: String,
    attendees: u64,
}

#[derive(Template)]
#[template(path = "jobs/fairs.html")]
struct FairsPage {
    ctx: Ctx,
    rows: Vec<FairRow>,
    communities: Vec<(String, String)>,
    employers: Vec<(i64, String, bool)>,
    form: FormState,
}

fn chosen(pairs: &[(String, String)], field: &str) -> Vec<i64> {
    pairs.iter().filter(|(k, _)| k == field).map(|(_, v)| v.trim().parse().unwrap_or(-1)).collect()
}

async fn fairs_view(state: &AppState, ctx: Ctx, form: FormState, picked: &[i64]) -> Result<FairsPage, WebError> {
    let actor = ctx.actor()?;
    let rows = fairs::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|f| FairRow {
            id: f.fair.id,
            held_on: f.fair.held_on.to_string(),
            place: f.fair.place,
            attendees: f.attendees,
        })
        .collect();
    let employers = employers::list(&state.store, actor, None)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name, picked.contains(&e.id)))
        .collect();
    let communities = communities::list(&state.store, actor).await?.into_iter().map(|c| (c.slug, c.name)).collect();
    Ok(FairsPage { ctx, rows, communities, employers, form })
}

async fn fairs_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::HelpIntoWork)?;
    let mut form = FormState::new(ctx.lang);
    form.set("held_on", today_local());
    form.set("starts_at", "09:00");
    render(&fairs_view(&state, ctx, form, &[]).await?)
}

fn fair_input(form: &FormState, pairs: &[(String, String)]) -> FairInput {
    let given = |f: &str| pairs.iter().any(|(k, _)| k == f);
    let g = |f: &str| if given(f) { Some(form.value(f).to_owned()) } else { None };
    FairInput {
        community: g("community"),
        held_on: g("held_on"),
        place: g("place"),
        starts_at: g("starts_at"),
        duration_minutes: if given("duration_minutes") { number(form.value("duration_minutes")) } else { None },
        employer_ids: given("employers_sent").then(|| chosen(pairs, "employer_ids")),
        opening_ids: given("openings_sent").then(|| chosen(pairs, "opening_ids")),
        interviews_agreed: if given("interviews_agreed") {
            number(form.value("interviews_agreed")).or(Some(0))
        } else {
            None
        },
        offers_made: if given("offers_made") { number(form.value("offers_made")).or(Some(0)) } else { None },
        notes: g("notes"),
        version: form.get("version"),
    }
}

/// Errors on one of a list's rows are shown on the list.
fn fold_list_errors(mut form: FormState) -> FormState {
    for err in &mut form.errors.0 {
        if let Some((list, _)) = err.field.split_once('[') {
            err.field = list.to_owned();
        }
    }
    form
}

async fn create_fair(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let mut input = fair_input(&form, &pairs);
    input.employer_ids = Some(chosen(&pairs, "employer_ids"));
    match fairs::create(&state.store, ctx.actor()?, input).await {
        Ok(f) => Ok(Redirect::to(&format!("/fairs/{}?saved=1", f.id)).into_response()),
        Err(e) => {
            let form = fold_list_errors(with_errors(form, e)?);
            let picked = chosen(&pairs, "employer_ids");
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &fairs_view(&state, ctx, form, &picked).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "jobs/fair.html")]
struct FairPage {
    ctx: Ctx,
    f: job_fair::Model,
    attendees: u64,
    version: String,
    employers: Vec<(i64, String, bool)>,
    openings: Vec<(i64, String, bool)>,
    referrals: Vec<placements::ReferralLine>,
    steps: Vec<String>,
    q: String,
    found: Vec<(i64, String, bool)>,
    form: FormState,
    edit: FormState,
}

#[derive(serde::Deserialize, Default)]
struct SearchParams {
    q: Option<String>,
}

async fn fair_view(state: &AppState, ctx: Ctx, id: i64, q: String, form: FormState) -> Result<FairPage, WebError> {
    let actor = ctx.actor()?;
    let fair = fairs::get(&state.store, actor, id).await?;
    let f = fair.fair;
    let (emps, opens) = fairs::lists_of(&state.store, f.id).await?;
    let all_emps = employers::list(&state.store, actor, None).await?;
    let employers = all_emps
        .iter()
        .filter(|e| e.community_id == f.community_id)
        .map(|e| (e.id, e.name.clone(), emps.contains(&e.id)))
        .collect();
    let openings = openings::list(&state.store, actor, &OpeningsQuery::default())
        .await?
        .into_iter()
        .filter(|o| o.community_id == f.community_id && (emps.contains(&o.employer_id) || opens.contains(&o.id)))
        .map(|o| {
            let emp = all_emps.iter().find(|e| e.id == o.employer_id).map(|e| e.name.clone()).unwrap_or_default();
            (o.id, format!("{} · {emp}", o.title), opens.contains(&o.id))
        })
        .collect();
    let referrals = placements::referrals(&state.store, actor, &ReferralsQuery::default())
        .await?
        .into_iter()
        .filter(|r| r.referral.fair_id == Some(f.id))
        .collect::<Vec<_>>();
    let found = find_residents(state, actor, f.community_id, &q, |_| false).await?;
    let mut edit = FormState::new(ctx.lang);
    edit.set("held_on", f.held_on);
    edit.set("place", &f.place);
    edit.set("interviews_agreed", f.interviews_agreed);
    edit.set("offers_made", f.offers_made);
    edit.set_opt("notes", f.notes.as_ref());
    let mut form = form;
    if form.value("referred_on").is_empty() {
        form.set("referred_on", today_local());
    }
    if form.has_errors() && form.value("form") == "edit" {
        for (k, v) in &form.values {
            edit.set(k, v);
        }
        edit.errors = form.errors.clone();
    }
    Ok(FairPage {
        attendees: fair.attendees,
        version: hearth_core::version::of(&f.updated_at),
        steps: referrals.iter().map(|r| step_label(&ctx, &r.referral)).collect(),
        employers,
        openings,
        referrals,
        q,
        found,
        form,
        edit,
        f,
        ctx,
    })
}

async fn fair_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&fair_view(&state, ctx, id, params.q.unwrap_or_default(), form).await?)
}

async fn update_fair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    form.set("form", "edit");
    let input = fair_input(&form, &pairs);
    match fairs::update(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/fairs/{id}?saved=1")).into_response()),
        Err(e) => {
            let form = fold_list_errors(with_errors(form, e)?);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &fair_view(&state, ctx, id, String::new(), form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Referrals

#[derive(Template)]
#[template(path = "jobs/referrals.html")]
struct ReferralsPage {
    ctx: Ctx,
    rows: Vec<(placements::ReferralLine, String)>,
}

async fn referrals_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let rows = placements::referrals(&state.store, actor, &ReferralsQuery::default())
        .await?
        .into_iter()
        .map(|r| {
            let s = step_label(&ctx, &r.referral);
            (r, s)
        })
        .collect();
    render(&ReferralsPage { ctx, rows })
}

/// Refers a resident (from an opening's matching aid or a fair's page); a refusal goes
/// back to that page with what was typed.
async fn refer(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = ReferralInput {
        resident_id: number(form.value("resident_id")),
        opening_id: number(form.value("opening_id")),
        employer_id: number(form.value("employer_id")),
        fair_id: number(form.value("fair_id")),
        referred_on: form.get("referred_on"),
    };
    match placements::refer(&state.store, ctx.actor()?, input).await {
        Ok(r) => Ok(Redirect::to(&format!("/referrals/{}?saved=1", r.id)).into_response()),
        Err(e) => {
            let q = form.value("q").to_owned();
            let form = with_errors(form, e)?;
            match (number(form.value("fair_id")), number(form.value("opening_id"))) {
                (Some(f), _) if f > 0 => {
                    render_status(StatusCode::UNPROCESSABLE_ENTITY, &fair_view(&state, ctx, f, q, form).await?)
                }
                (_, Some(o)) if o > 0 => {
                    render_status(StatusCode::UNPROCESSABLE_ENTITY, &opening_view(&state, ctx, o, form).await?)
                }
                _ => Err(WebError::BadRequest { field: form.errors.0.first().map(|e| e.field.clone()) }),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "jobs/referral.html")]
struct ReferralPage {
    ctx: Ctx,
    r: placements::ReferralLine,
    state: String,
    steps: Vec<(String, String, String)>,
    closed: bool,
    placement: Option<i64>,
    choices: Vec<(String, String)>,
    form: FormState,
}

async fn referral_view(state: &AppState, ctx: Ctx, id: i64, form: FormState) -> Result<ReferralPage, WebError> {
    let actor = ctx.actor()?;
    let r = placements::referral(&state.store, actor, id).await?;
    let steps = placements::steps_of(&state.store, actor, id)
        .await?
        .into_iter()
        .map(|s| (s.happened_on.to_string(), ctx.t(&s.step.fluent_key()), s.reason.unwrap_or_default()))
        .collect();
    let placement = placements::placements(
        &state.store,
        actor,
        &placements::PlacementsQuery { resident_id: Some(r.referral.resident_id), ..Default::default() },
    )
    .await?
    .into_iter()
    .find(|p| p.placement.referral_id == Some(r.referral.id))
    .map(|p| p.placement.id);
    let mut form = form;
    if form.value("happened_on").is_empty() {
        form.set("happened_on", today_local());
    }
    if form.value("started_on").is_empty() {
        form.set("started_on", today_local());
    }
    if form.value("job_title").is_empty() {
        form.set_opt("job_title", r.opening_title.as_ref());
    }
    Ok(ReferralPage {
        state: step_label(&ctx, &r.referral),
        closed: r.referral.outcome.is_some_and(ReferralStep::is_final),
        choices: super::form::word_options::<ReferralStep>(&ctx).into_iter().filter(|(v, _)| v != "placed").collect(),
        steps,
        placement,
        r,
        form,
        ctx,
    })
}

async fn referral_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&referral_view(&state, ctx, id, form).await?)
}

async fn add_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = StepInput { step: form.get("step"), happened_on: form.get("happened_on"), reason: form.get("reason") };
    match placements::add_step(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}?saved=1")).into_response()),
        Err(e) => {
            let form = with_errors(form, e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &referral_view(&state, ctx, id, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Placements

#[derive(Template)]
#[template(path = "jobs/placements.html")]
struct PlacementsPage {
    ctx: Ctx,
    rows: Vec<(placements::PlacementLine, String)>,
    q: String,
    found: Vec<(i64, String, bool)>,
    employers: Vec<(String, String)>,
    fairs: Vec<(String, String)>,
    vias: Vec<(String, String)>,
    form: FormState,
}

async fn placements_view(state: &AppState, ctx: Ctx, q: String, form: FormState) -> Result<PlacementsPage, WebError> {
    let actor = ctx.actor()?;
    let rows = placements::placements(&state.store, actor, &placements::PlacementsQuery::default())
        .await?
        .into_iter()
        .map(|p| {
            let d = placement_detail(&ctx, &p);
            (p, d)
        })
        .collect();
    let emps = employers::list(&state.store, actor, None).await?;
    let mut found = Vec::new();
    for c in communities::list(&state.store, actor).await? {
        found.extend(find_residents(state, actor, c.id, &q, |_| false).await?);
    }
    let mut employers = vec![(String::new(), ctx.t("placement-choose-employer"))];
    employers.extend(emps.into_iter().map(|e| (e.id.to_string(), e.name)));
    let mut fairs = vec![(String::new(), "—".to_owned())];
    fairs.extend(
        fairs::list(&state.store, actor)
            .await?
            .into_iter()
            .map(|f| (f.fair.id.to_string(), format!("{} · {}", f.fair.held_on, f.fair.place))),
    );
    let vias = super::form::word_options::<PlacedVia>(&ctx).into_iter().filter(|(v, _)| v != "referral").collect();
    let mut form = form;
    if form.value("started_on").is_empty() {
        form.set("started_on", today_local());
    }
    Ok(PlacementsPage { ctx, rows, q, found, employers, fairs, vias, form })
}

async fn placements_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::HelpIntoWork)?;
    let form = FormState::new(ctx.lang);
    render(&placements_view(&state, ctx, params.q.unwrap_or_default(), form).await?)
}

/// Records a placement: from a referral's page (through it), or from the placements page
/// (at a fair, or by the resident's own search).
async fn place(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let referral_id = number(form.value("referral_id"));
    let input = PlacementInput {
        resident_id: number(form.value("resident_id")),
        employer_id: number(form.value("employer_id")),
        job_title: form.get("job_title"),
        started_on: form.get("started_on"),
        via: form.get("via"),
        referral_id,
        fair_id: number(form.value("fair_id")),
    };
    match placements::place(&state.store, ctx.actor()?, input).await {
        Ok(p) => Ok(Redirect::to(&format!("/placements/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            let q = form.value("q").to_owned();
            let form = with_errors(form, e)?;
            match referral_id {
                Some(r) if r > 0 => {
                    render_status(StatusCode::UNPROCESSABLE_ENTITY, &referral_view(&state, ctx, r, form).await?)
                }
                _ => render_status(StatusCode::UNPROCESSABLE_ENTITY, &placements_view(&state, ctx, q, form).await?),
            }
        }
    }
}

struct CheckInRow {
    c: hearth_core::entity::check_in::Model,
    state: String,
    open: bool,
    notes: Vec<hearth_core::notes::Note>,
}

#[derive(Template)]
#[template(path = "jobs/placement.html")]
struct PlacementPage {
    ctx: Ctx,
    p: placements::PlacementLine,
    via: String,
    end_reason: String,
    version: String,
    check_ins: Vec<CheckInRow>,
    reasons: Vec<(String, String)>,
    /// The check-in whose form was sent (its errors are shown there).
    sent: i64,
    form: FormState,
}

async fn placement_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    sent: i64,
    form: FormState,
) -> Result<PlacementPage, WebError> {
    let actor = ctx.actor()?;
    let p = placements::placement(&state.store, actor, id).await?;
    let mut check_ins = Vec::new();
    for c in &p.check_ins {
        let notes =
            hearth_core::notes::of(&state.store, hearth_core::record::RecordRef::new(EntityKind::CheckIn, c.id))
                .await?;
        check_ins.push(CheckInRow {
            state: check_in_state(&ctx, c),
            open: c.still_employed.is_none(),
            notes,
            c: c.clone(),
        });
    }
    let mut reasons = vec![(String::new(), ctx.t("placement-choose-reason"))];
    reasons.extend(super::form::word_options::<EndReason>(&ctx));
    let mut form = form;
    if form.value("on").is_empty() {
        form.set("on", today_local());
    }
    if form.value("ended_on").is_empty() && sent >= 0 {
        form.set_opt("ended_on", p.placement.ended_on);
        form.set_opt("end_reason", p.placement.end_reason.map(|r| r.word()));
        form.set_opt("end_note", p.placement.end_note.as_ref());
    }
    Ok(PlacementPage {
        via: ctx.t(&p.placement.via.fluent_key()),
        end_reason: p.placement.end_reason.map(|r| ctx.t(&r.fluent_key())).unwrap_or_default(),
        version: hearth_core::version::of(&p.placement.updated_at),
        check_ins,
        reasons,
        sent,
        form,
        p,
        ctx,
    })
}

async fn placement_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&placement_view(&state, ctx, id, 0, form).await?)
}

async fn change_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let given = |f: &str| pairs.iter().any(|(k, _)| k == f).then(|| form.value(f).to_owned());
    let input = PlacementChange {
        job_title: given("job_title"),
        ended_on: given("ended_on"),
        end_reason: given("end_reason"),
        end_note: given("end_note"),
        version: form.get("version"),
    };
    match placements::change(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/placements/{id}?saved=1")).into_response()),
        Err(e) => {
            let form = with_errors(form, e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &placement_view(&state, ctx, id, -1, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Check-ins

#[derive(Template)]
#[template(path = "jobs/check_ins.html")]
struct CheckInsPage {
    ctx: Ctx,
    section: TodaySection,
}

async fn check_ins_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let items = placements::due(&state.store, actor, today_local(), 0).await?;
    let section = TodaySection {
        key: "check-ins-due",
        title: ctx.t("check-ins-title"),
        count: items.len() as u64,
        href: String::new(),
        more: String::new(),
        empty: ctx.t("today-check-ins-empty"),
        items: items.into_iter().map(|d| due_item(&ctx, d)).collect(),
    };
    render(&CheckInsPage { ctx, section })
}

async fn check_in_redirect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let c = placements::check_in(&state.store, ctx.actor()?, id).await?;
    Ok(Redirect::to(&format!("/placements/{}#check-in-{}", c.placement_id, c.id)).into_response())
}

async fn record_check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let c = placements::check_in(&state.store, actor, id).await?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = CheckInInput { result: form.get("result"), on: form.get("on"), note: form.get("note") };
    match placements::record_check_in(&state.store, actor, id, input).await {
        Ok(_) => {
            let to = back_to(&form, format!("/placements/{}#check-in-{id}", c.placement_id));
            Ok(Redirect::to(&with_saved(&to)).into_response())
        }
        Err(e) => {
            let form = with_errors(form, e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &placement_view(&state, ctx, c.placement_id, id, form).await?,
            )
        }
    }
}
