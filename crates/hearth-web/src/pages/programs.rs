//! Class pages: the programs, a program's page (schedule, sessions, who is enrolled, what
//! each participant attended, certificates, the program's figures), the roll-call of a
//! session on a phone (each tap saved at once), the printable sign-in sheet and certificate,
//! and the public `/verify` page where an employer checks a certificate.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use hearth_core::entity::{program, program_session};
use hearth_core::programs::roll_call::{self, Mark};
use hearth_core::programs::{
    ProgramInput, ProgramKind, SessionInput, SessionStatus, SlotInput, certificates, schedule,
};
use hearth_core::registry::communities;
use hearth_core::word::Word;
use hearth_core::{Actor, FieldErrors, Permission, Store};

use super::form::{
    FormState, back_to, find_residents, form_errors, non_blank, number, parse_id, wants_partial, with_saved,
};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, field_message};
use crate::practice::{BoxFut, NavEntry, Pages, QueueCount, TodayItem, TodaySection, WebFut, WebPractice};
use hearth_core::record::EntityKind;

/// Classes as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "programs",
    pages,
    api: Some(crate::api::programs::routes),
    api_tags: &[("programs", "Free classes: programs, sessions, enrolment, roll-call attendance and certificates")],
    nav: &[NavEntry {
        href: "/programs",
        label: "nav-programs",
        permission: Permission::RunPrograms,
        badge: Some("unrecorded"),
        plain_label: "nav-programs-plain",
        alert: false,
    }],
    badges: Some(badges),
    links: &[
        (EntityKind::Program, "/programs/{id}"),
        (EntityKind::ProgramSession, "/sessions/{id}"),
        (EntityKind::Certificate, "/certificates/{id}"),
    ],
    today: Some(today),
    household: None,
    resident: Some(resident_sections),
    queues: Some(queues),
};

fn pages() -> Pages {
    Pages::new()
        .get("/programs", list)
        .get("/programs/new", new_form)
        .post("/programs", create)
        .get("/programs/{id}", show)
        .get("/programs/{id}/participants.xlsx", participants_xlsx)
        .post("/programs/{id}", update)
        .post("/programs/{id}/enrolments", enrol)
        .post("/programs/{id}/sessions", add_session)
        .post("/programs/{id}/certificates", issue)
        .post("/enrolments/{id}/end", end_enrolment)
        .get("/sessions/{id}", roll_call_page)
        .post("/sessions/{id}", change_session)
        .post("/sessions/{id}/attendance", mark)
        .get("/sessions/{id}/sheet", sign_in_sheet)
        .get("/certificates/{id}", certificate_page)
        .get("/verify", verify_form)
        .post("/verify", verify)
}

fn today_local() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// "Sessions whose attendance is not recorded": the team's paperwork, for the badge.
fn badges<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<(&'static str, u64)>> {
    Box::pin(async move {
        let n = schedule::sessions_needing(store, actor, today_local(), 0).await?;
        Ok(vec![("unrecorded", n.unrecorded_count)])
    })
}

/// The dashboard: past sessions whose attendance is not recorded.
fn queues<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<QueueCount>> {
    Box::pin(async move {
        let n = schedule::sessions_needing(store, actor, today_local(), 0).await?;
        if !hearth_core::policy::allows(actor.role, Permission::RunPrograms) {
            return Ok(Vec::new());
        }
        Ok(vec![QueueCount {
            key: "sessions-unrecorded",
            label: "queue-sessions-unrecorded",
            count: n.unrecorded_count,
            href: "/programs",
            alert: true,
        }])
    })
}

/// The Today page: my sessions today, and past sessions whose attendance is not recorded.
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::RunPrograms) {
            return Ok(Vec::new());
        }
        let n = schedule::sessions_needing(&state.store, actor, today_local(), 5).await?;
        let item = |(s, name): (program_session::Model, String), alert: bool| TodayItem {
            href: format!("/sessions/{}", s.id),
            label: name,
            detail: format!("{} {} · {}", s.held_on, s.starts_at, ctx.t(&s.status.fluent_key())),
            tel: None,
            alert,
        };
        Ok(vec![
            TodaySection {
                key: "sessions-today",
                title: ctx.t("today-sessions"),
                count: n.today_count,
                href: "/programs".into(),
                more: ctx.t("today-all-programs"),
                empty: ctx.t("today-sessions-empty"),
                items: n.today.into_iter().map(|s| item(s, false)).collect(),
            },
            TodaySection {
                key: "sessions-unrecorded",
                title: ctx.t("today-unrecorded"),
                count: n.unrecorded_count,
                href: "/programs".into(),
                more: ctx.t("today-all-programs"),
                empty: ctx.t("today-unrecorded-empty"),
                items: n.unrecorded.into_iter().map(|s| item(s, true)).collect(),
            },
        ])
    })
}

/// A resident's page: the classes they joined with what they attended, and their
/// certificates.
fn resident_sections<'a>(
    state: &'a AppState,
    ctx: &'a Ctx,
    r: &'a hearth_core::entity::resident::Model,
) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::RunPrograms) {
            return Ok(Vec::new());
        }
        let lines = schedule::enrolments_of_resident(&state.store, actor, r.id).await?;
        let certs = certificates::of_resident(&state.store, actor, r.id).await?;
        let classes = TodaySection {
            key: "classes",
            title: ctx.t("resident-classes"),
            count: lines.len() as u64,
            href: String::new(),
            more: String::new(),
            empty: ctx.t("resident-classes-empty"),
            items: lines
                .into_iter()
                .map(|l| TodayItem {
                    href: format!("/programs/{}", l.program_id),
                    label: l.program_name,
                    detail: [
                        Some(match &l.enrolment {
                            Some(e) => ctx.t1("program-joined", "date", e.joined_on.to_string()),
                            None => ctx.t("roll-walk-in"),
                        }),
                        l.enrolment
                            .as_ref()
                            .and_then(|e| e.ended_on.map(|d| (d, e.outcome)))
                            .map(|(d, o)| format!("{d} · {}", o.map(|o| ctx.t(&o.fluent_key())).unwrap_or_default())),
                        l.attended.map(|a| {
                            format!(
                                "{} {} · {} h",
                                a.sessions,
                                ctx.t("program-col-sessions"),
                                hours(i64::from(a.minutes))
                            )
                        }),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                    tel: None,
                    alert: false,
                })
                .collect(),
        };
        let certificates = TodaySection {
            key: "certificates",
            title: ctx.t("resident-certificates"),
            count: certs.len() as u64,
            href: String::new(),
            more: String::new(),
            empty: ctx.t("resident-certificates-empty"),
            items: certs
                .into_iter()
                .map(|c| TodayItem {
                    href: format!("/certificates/{}", c.certificate.id),
                    label: c.certificate.number.clone(),
                    detail: format!(
                        "{} · {} h · {}",
                        c.program_name,
                        hours(i64::from(c.certificate.minutes)),
                        c.certificate.issued_on
                    ),
                    tel: None,
                    alert: false,
                })
                .collect(),
        };
        Ok(vec![classes, certificates])
    })
}

fn weekday_name(ctx: &Ctx, w: i32) -> String {
    ctx.t(&format!("weekday-{w}"))
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

// ---------------------------------------------------------------------------------------
// The list and the new program

struct ProgramRow {
    id: i64,
    name: String,
    kind: String,
    dates: String,
    community: String,
}

#[derive(Template)]
#[template(path = "programs/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ProgramRow>,
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let comms = communities::list(&state.store, actor).await?;
    let rows = schedule::list(&state.store, actor, None)
        .await?
        .into_iter()
        .map(|p| ProgramRow {
            id: p.id,
            dates: match p.ends_on {
                Some(e) => format!("{} – {e}", p.starts_on),
                None => p.starts_on.to_string(),
            },
            kind: ctx.t(&p.kind.fluent_key()),
            community: if comms.len() > 1 {
                comms.iter().find(|c| c.id == p.community_id).map(|c| c.name.clone()).unwrap_or_default()
            } else {
                String::new()
            },
            name: p.name,
        })
        .collect();
    render(&ListPage { ctx, rows })
}

#[derive(Template)]
#[template(path = "programs/new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    weekdays: Vec<(String, String, bool)>,
    trainers: Vec<(String, String, bool)>,
}

async fn new_page(state: &AppState, ctx: Ctx, form: FormState) -> Result<NewPage, WebError> {
    let actor = ctx.actor()?;
    let comms = communities::list(&state.store, actor).await?;
    let mut trainers = Vec::new();
    let chosen: Vec<&str> = form.value("trainer_ids").split(',').collect();
    for c in &comms {
        for (id, name) in schedule::trainer_choices(&state.store, c.id).await? {
            if !trainers.iter().any(|(i, _, _): &(String, String, bool)| *i == id.to_string()) {
                let checked = chosen.contains(&id.to_string().as_str());
                trainers.push((id.to_string(), name, checked));
            }
        }
    }
    let days: Vec<String> = form.value("slot_weekdays").split(',').map(str::to_owned).collect();
    let mut kinds = vec![(String::new(), ctx.t("program-choose-kind"))];
    // A job fair is recorded as a fair (its program is made with it).
    kinds.extend(super::form::word_options::<ProgramKind>(&ctx).into_iter().filter(|(v, _)| v != "job_fair"));
    Ok(NewPage {
        communities: comms.into_iter().map(|c| (c.slug, c.name)).collect(),
        kinds,
        weekdays: (1..=7).map(|w| (w.to_string(), weekday_name(&ctx, w), days.contains(&w.to_string()))).collect(),
        trainers,
        form,
        ctx,
    })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::RunPrograms)?;
    let mut form = FormState::new(ctx.lang);
    form.set("starts_on", today_local());
    form.set("slot_starts_at", "19:00");
    form.set("slot_duration", "120");
    render(&new_page(&state, ctx, form).await?)
}

/// Hours typed as "20" or "1.5" → minutes.
fn hours_to_minutes(v: &str) -> Option<i64> {
    let v = v.trim().replace(',', ".");
    if v.is_empty() {
        return None;
    }
    Some(v.parse::<f64>().ok().filter(|h| h.is_finite() && *h > 0.0).map_or(-1, |h| (h * 60.0).round() as i64))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let trainer_ids: Vec<String> = pairs.iter().filter(|(k, _)| k == "trainer_ids").map(|(_, v)| v.clone()).collect();
    form.set("trainer_ids", trainer_ids.join(","));
    let weekdays: Vec<i64> =
        pairs.iter().filter(|(k, _)| k == "slot_weekday").map(|(_, v)| v.trim().parse().unwrap_or(-1)).collect();
    form.set("slot_weekdays", weekdays.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let schedule = weekdays
        .iter()
        .map(|w| SlotInput {
            weekday: Some(*w),
            starts_at: form.get("slot_starts_at"),
            duration_minutes: number(form.value("slot_duration")).or(Some(-1)),
        })
        .collect();
    let input = ProgramInput {
        community: form.get("community"),
        name: form.get("name"),
        kind: form.get("kind"),
        description: form.get("description"),
        guest_trainers: form.get("guest_trainers"),
        location: form.get("location"),
        starts_on: form.get("starts_on"),
        ends_on: form.get("ends_on"),
        capacity: number(form.value("capacity")),
        certificate_minutes: hours_to_minutes(form.value("certificate_hours")),
        trainer_ids: trainer_ids.iter().map(|t| t.parse().unwrap_or(-1)).collect(),
        schedule,
    };
    match schedule::create(&state.store, actor, input).await {
        Ok(p) => Ok(Redirect::to(&format!("/programs/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            // The schedule's fields are one row on the form.
            let mut errors = FieldErrors::new();
            for mut err in form_errors(e)?.0 {
                if let Some(rest) = err.field.strip_prefix("schedule[") {
                    let f = rest.split_once("].").map(|(_, f)| f).unwrap_or_default();
                    err.field = match f {
                        "starts_at" => "slot_starts_at".into(),
                        "duration_minutes" => "slot_duration".into(),
                        _ => "slot_weekday".into(),
                    };
                } else if err.field == "certificate_minutes" {
                    err.field = "certificate_hours".into();
                } else if err.field.starts_with("trainer_ids") {
                    err.field = "trainer_ids".into();
                }
                if !errors.0.iter().any(|x| x.field == err.field) {
                    errors.0.push(err);
                }
            }
            form.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&state, ctx, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A program's page

struct SessionRow {
    id: i64,
    when: String,
    topic: String,
    status: String,
    status_key: String,
    present: u64,
    /// A past session with no roll-call: the team's paperwork to do.
    unrecorded: bool,
}

struct ParticipantRow {
    resident_id: i64,
    name: String,
    sessions: u64,
    hours: String,
    reached: bool,
    certificate: Option<(i64, String)>,
}

struct EnrolledRow {
    id: i64,
    resident_id: i64,
    name: String,
    joined_on: String,
    ended: Option<String>,
}

#[derive(Template)]
#[template(path = "programs/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: program::Model,
    kind: String,
    schedule: Vec<String>,
    trainers: String,
    sessions: Vec<SessionRow>,
    figures: Vec<(String, String)>,
    participants: Vec<ParticipantRow>,
    enrolled: Vec<EnrolledRow>,
    threshold: Option<String>,
    q: String,
    found: Vec<(i64, String, bool)>,
    outcomes: Vec<(String, String)>,
    form: FormState,
    /// The program's version, which its change forms send back.
    version: String,
    /// The details form's values: what was typed after an error, else the program's.
    edit: FormState,
}

#[derive(serde::Deserialize, Default)]
struct ShowParams {
    q: Option<String>,
}

async fn show_page(state: &AppState, ctx: Ctx, id: i64, q: String, form: FormState) -> Result<ShowPage, WebError> {
    let actor = ctx.actor()?;
    let p = schedule::load(&state.store, actor, id).await?;
    let sessions = schedule::sessions_of(&state.store, actor, p.id).await?;
    let today = today_local();
    let held: Vec<&(program_session::Model, u64)> =
        sessions.iter().filter(|(s, _)| s.status == SessionStatus::Held).collect();
    let participants = roll_call::participants(&state.store, actor, p.id).await?;
    let certs = certificates::of_program(&state.store, p.id).await?;
    let person_times: u64 = held.iter().map(|(_, n)| *n).sum();
    let minutes: i64 = participants.iter().map(|x| x.minutes).sum();
    let figures = vec![
        (ctx.t("indicator-sessions_held"), held.len().to_string()),
        (ctx.t("indicator-person_times"), person_times.to_string()),
        (ctx.t("indicator-unique_participants"), participants.len().to_string()),
        (ctx.t("indicator-hours_delivered"), hours(minutes)),
        (
            ctx.t("indicator-attendance_per_session"),
            hearth_core::indicators::mean(i64::try_from(person_times).unwrap_or(0), held.len() as i64)
                .map_or("—".into(), |v| format!("{v:.1}")),
        ),
        (ctx.t("indicator-certificates_issued"), certs.len().to_string()),
    ];
    let roster = schedule::roster(&state.store, actor, p.id).await?;
    let found = find_residents(state, actor, p.community_id, &q, |r| {
        roster.iter().any(|e| e.enrolment.resident_id == r && e.enrolment.ended_on.is_none())
    })
    .await?;
    let slots = schedule::slots_of(&state.store, p.id).await?;
    Ok(ShowPage {
        kind: ctx.t(&p.kind.fluent_key()),
        schedule: slots
            .iter()
            .map(|s| format!("{} {} · {} min", weekday_name(&ctx, s.weekday), s.starts_at, s.duration_minutes))
            .collect(),
        trainers: schedule::trainers_of(&state.store, p.id)
            .await?
            .into_iter()
            .map(|(_, n)| n)
            .chain(p.guest_trainers.clone())
            .collect::<Vec<_>>()
            .join(", "),
        sessions: sessions
            .iter()
            .map(|(s, n)| SessionRow {
                id: s.id,
                when: format!(
                    "{} ({}) {}",
                    s.held_on,
                    weekday_name(&ctx, s.held_on.weekday().number_from_monday() as i32),
                    s.starts_at
                ),
                topic: s.topic.clone().unwrap_or_default(),
                status: ctx.t(&s.status.fluent_key()),
                status_key: s.status.word(),
                present: *n,
                unrecorded: s.status == SessionStatus::Planned && s.held_on < today,
            })
            .collect(),
        figures,
        participants: participants
            .into_iter()
            .map(|x| ParticipantRow {
                certificate: certs.iter().find(|c| c.resident_id == x.resident_id).map(|c| (c.id, c.number.clone())),
                reached: p.certificate_minutes.is_some_and(|t| x.minutes >= i64::from(t)),
                resident_id: x.resident_id,
                name: x.name,
                sessions: x.sessions,
                hours: hours(x.minutes),
            })
            .collect(),
        enrolled: roster
            .into_iter()
            .map(|e| EnrolledRow {
                id: e.enrolment.id,
                resident_id: e.enrolment.resident_id,
                name: e.resident_name,
                joined_on: e.enrolment.joined_on.to_string(),
                ended: e.enrolment.ended_on.map(|d| {
                    format!("{d} · {}", e.enrolment.outcome.map(|o| ctx.t(&o.fluent_key())).unwrap_or_default())
                }),
            })
            .collect(),
        threshold: p.certificate_minutes.map(|m| hours(i64::from(m))),
        outcomes: super::form::word_options::<hearth_core::programs::EnrolmentOutcome>(&ctx),
        version: hearth_core::version::of(&p.updated_at),
        edit: {
            let mut edit = FormState::new(ctx.lang);
            edit.set("name", &p.name);
            edit.set_opt("description", p.description.as_ref());
            edit.set_opt("location", p.location.as_ref());
            edit.set_opt("guest_trainers", p.guest_trainers.as_ref());
            edit.set_opt("capacity", p.capacity);
            edit.set_opt("certificate_hours", p.certificate_minutes.map(|m| hours(i64::from(m))));
            for (k, v) in &form.values {
                edit.set(k, v);
            }
            edit.errors = form.errors.clone();
            edit
        },
        q,
        found,
        form,
        p,
        ctx,
    })
}

/// The program's participants as the page lists them (sessions attended, hours, the
/// certificate), with each one's household code, as a spreadsheet for the partner who
/// funds or certifies the class. Read through `roll_call::participants` (audited).
async fn participants_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let p = schedule::load(&state.store, actor, id).await?;
    let participants = roll_call::participants(&state.store, actor, p.id).await?;
    let certs = certificates::of_program(&state.store, p.id).await?;
    let mut homes: Vec<i64> = participants.iter().map(|x| x.household_id).collect();
    homes.sort_unstable();
    homes.dedup();
    let codes: std::collections::HashMap<i64, String> =
        hearth_core::registry::households::codes(&state.store, actor, &homes).await?.into_iter().collect();
    let rows = participants
        .into_iter()
        .map(|x| {
            vec![
                x.name,
                codes.get(&x.household_id).cloned().unwrap_or_default(),
                x.sessions.to_string(),
                hours(x.minutes),
                certs.iter().find(|c| c.resident_id == x.resident_id).map(|c| c.number.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    const COLUMNS: [&str; 5] = [
        "program-col-name",
        "household-field-code",
        "program-col-sessions",
        "program-col-hours",
        "program-col-certificate",
    ];
    crate::export::xlsx_download("participants", "Participants 学员", &COLUMNS, rows).await
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    // A job fair's program is its fair (the way back from the fair's roll-call).
    let p = schedule::load(&state.store, ctx.actor()?, id).await?;
    if p.kind == ProgramKind::JobFair {
        let f = hearth_core::jobs::fairs::of_program(&state.store, ctx.actor()?, p.id).await?;
        return Ok(Redirect::to(&format!("/fairs/{}", f.id)).into_response());
    }
    let form = FormState::new(ctx.lang);
    render(&show_page(&state, ctx, id, params.q.unwrap_or_default(), form).await?)
}

/// A rejected action on the program page: the page again with the errors, what was typed kept.
async fn program_errors(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    mut form: FormState,
    e: hearth_core::CoreError,
) -> Result<Response, WebError> {
    form.errors = form_errors(e)?;
    let q = form.value("q").to_owned();
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(state, ctx, id, q, form).await?)
}

/// The program page's "Change details" and "Cancel program" forms. Cancelling is
/// irreversible, so it is asked once more with what it does.
async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let cancelling = form.value("cancelled") == "yes";
    if cancelling && !super::form::confirmed(&pairs) && !form.value("cancel_reason").trim().is_empty() {
        let p = schedule::load(&state.store, actor, id).await?;
        let step = super::form::ConfirmStep {
            title: ctx.t1("program-cancel-title", "name", p.name.as_str()),
            what_happens: vec![ctx.t("program-cancel-effect"), ctx.t("program-cancel-final")],
            action: format!("/programs/{id}"),
            pairs: super::form::resend(&pairs),
            confirm_label: ctx.t("program-cancel"),
            cancel_href: format!("/programs/{id}"),
        };
        return super::form::confirm_page(ctx, step);
    }
    let given = |f: &str| pairs.iter().any(|(k, _)| k == f).then(|| form.value(f).to_owned());
    let input = hearth_core::programs::ProgramChange {
        name: given("name"),
        description: given("description"),
        guest_trainers: given("guest_trainers"),
        location: given("location"),
        capacity: given("capacity").map(|v| number(&v).unwrap_or(0)),
        certificate_minutes: given("certificate_hours").map(|v| hours_to_minutes(&v).unwrap_or(0)),
        cancelled: cancelling.then_some(true),
        cancel_reason: given("cancel_reason"),
        version: form.get("version"),
    };
    match schedule::update(&state.store, actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/programs/{id}?saved=1")).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = FieldErrors::new();
            for mut err in form_errors(e)?.0 {
                if err.field == "certificate_minutes" {
                    err.field = "certificate_hours".into();
                }
                form.errors.0.push(err);
            }
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, ctx, id, String::new(), form).await?)
        }
    }
}

async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let rid = number(form.value("resident_id"));
    match schedule::enrol(&state.store, actor, id, rid, form.get("joined_on").as_deref()).await {
        Ok(_) => Ok(Redirect::to(&with_saved(&back_to(&form, format!("/programs/{id}#enrolled-h")))).into_response()),
        Err(e) => program_errors(&state, ctx, id, form, e).await,
    }
}

async fn end_enrolment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let program_id = number(form.value("program_id")).unwrap_or(-1);
    match schedule::end_enrolment(
        &state.store,
        actor,
        id,
        form.get("outcome").as_deref(),
        form.get("ended_on").as_deref(),
    )
    .await
    {
        Ok(e) => Ok(Redirect::to(&format!("/programs/{}?saved=1#enrolled-h", e.program_id)).into_response()),
        Err(e) if program_id > 0 => program_errors(&state, ctx, program_id, form, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn add_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = SessionInput {
        program_id: Some(id),
        held_on: form.get("held_on"),
        starts_at: form.get("starts_at"),
        duration_minutes: number(form.value("duration_minutes"))
            .or(Some(-1))
            .filter(|_| !form.value("duration_minutes").trim().is_empty()),
        topic: form.get("topic"),
        ..Default::default()
    };
    match schedule::add_session(&state.store, actor, input).await {
        Ok(s) => Ok(Redirect::to(&format!("/sessions/{}?saved=1", s.id)).into_response()),
        Err(e) => program_errors(&state, ctx, id, form, e).await,
    }
}

async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    match certificates::issue(&state.store, actor, id, number(form.value("resident_id"))).await {
        Ok(c) => Ok(Redirect::to(&format!("/certificates/{}?saved=1", c.id)).into_response()),
        Err(e) => program_errors(&state, ctx, id, form, e).await,
    }
}

// ---------------------------------------------------------------------------------------
// Roll-call

pub struct RollRow {
    session_id: i64,
    resident_id: i64,
    name: String,
    enrolled: bool,
    present: bool,
    minutes: String,
    full: bool,
    program_id: i64,
    open: bool,
    /// A job fair's roll-call: everyone is a visitor, no one enrols.
    fair: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "programs/roll_call.html")]
struct RollCallPage {
    ctx: Ctx,
    s: program_session::Model,
    p: program::Model,
    status: String,
    rows: Vec<RollRow>,
    present: usize,
    open: bool,
    not_yet: bool,
    q: String,
    found: Vec<(i64, String, bool)>,
    form: FormState,
    /// The session's version, which the change forms send back.
    version: String,
    cancellable: bool,
}

#[derive(Template)]
#[template(path = "programs/roll_tap.html")]
struct RollRowFragment {
    ctx: Ctx,
    r: RollRow,
    /// How many are now marked present (the heading's count).
    present: usize,
}

fn roll_rows(s: &program_session::Model, p: &program::Model, lines: Vec<roll_call::Line>) -> Vec<RollRow> {
    let open = s.status != SessionStatus::Cancelled && s.held_on <= today_local();
    lines
        .into_iter()
        .map(|l| RollRow {
            session_id: s.id,
            resident_id: l.resident_id,
            name: l.name,
            enrolled: l.enrolled,
            present: l.mark.is_some(),
            minutes: l.mark.as_ref().map(|m| m.minutes.to_string()).unwrap_or_default(),
            full: l.mark.as_ref().is_none_or(|m| m.minutes >= s.duration_minutes),
            program_id: s.program_id,
            open,
            fair: p.kind == ProgramKind::JobFair,
            error: None,
        })
        .collect()
}

async fn roll_call_view(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    q: String,
    form: FormState,
) -> Result<RollCallPage, WebError> {
    let actor = ctx.actor()?;
    let (s, p, lines) = roll_call::sheet(&state.store, actor, id).await?;
    let rows = roll_rows(&s, &p, lines);
    let found = find_residents(state, actor, p.community_id, &q, |r| rows.iter().any(|x| x.resident_id == r)).await?;
    Ok(RollCallPage {
        status: ctx.t(&s.status.fluent_key()),
        present: rows.iter().filter(|r| r.present).count(),
        open: s.status != SessionStatus::Cancelled && s.held_on <= today_local(),
        not_yet: s.held_on > today_local(),
        version: hearth_core::version::of(&s.updated_at),
        cancellable: s.status != SessionStatus::Cancelled && rows.iter().all(|r| !r.present),
        rows,
        q,
        found,
        form,
        s,
        p,
        ctx,
    })
}

async fn roll_call_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&roll_call_view(&state, ctx, id, params.q.unwrap_or_default(), form).await?)
}

/// One tap of the roll-call. From htmx it answers the row (saved: the button shows it; not
/// saved: the row says so and the tap can be repeated); without scripts it goes back to the
/// roll-call.
async fn mark(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let rid = number(form.value("resident_id"));
    let m =
        Mark { resident_id: rid, present: Some(form.value("present") != "0"), minutes: number(form.value("minutes")) };
    let result = roll_call::mark(&state.store, actor, id, m).await;
    if !wants_partial(&headers) {
        return match result {
            Ok(_) => Ok(Redirect::to(&with_saved(&back_to(&form, format!("/sessions/{id}")))).into_response()),
            Err(e) => {
                let q = form.value("q").to_owned();
                let mut form = form;
                form.errors = form_errors(e)?;
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &roll_call_view(&state, ctx, id, q, form).await?)
            }
        };
    }
    // A refusal the worker can act on is shown in the row (the tap can be repeated);
    // anything else is the page's error.
    let error = match result {
        Ok(_) => None,
        Err(e @ (hearth_core::CoreError::Invalid(_) | hearth_core::CoreError::Conflict { .. })) => {
            form_errors(e)?.0.first().map(|x| field_message(ctx.lang, x))
        }
        Err(e) => return Err(e.into()),
    };
    // The row as it now stands (one line of the sheet).
    let (s, p, lines) = roll_call::sheet(&state.store, actor, id).await?;
    let present = lines.iter().filter(|l| l.mark.is_some()).count();
    let mut rows = roll_rows(&s, &p, lines.into_iter().filter(|l| Some(l.resident_id) == rid).collect());
    let mut r = match rows.pop() {
        Some(r) => r,
        None => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    r.error = error;
    render(&RollRowFragment { ctx, r, present })
}

async fn change_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    // A field left blank on the form is kept.
    let input = SessionInput {
        held_on: non_blank(form.get("held_on")),
        starts_at: non_blank(form.get("starts_at")),
        duration_minutes: number(form.value("duration_minutes")),
        topic: form.get("topic"),
        status: form.get("status"),
        cancel_reason: form.get("cancel_reason"),
        version: form.get("version"),
        ..Default::default()
    };
    match schedule::change_session(&state.store, actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{id}?saved=1")).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &roll_call_view(&state, ctx, id, String::new(), form).await?,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "programs/sheet.html")]
struct SheetPage {
    ctx: Ctx,
    s: program_session::Model,
    p: program::Model,
    community: String,
    names: Vec<String>,
    blank: Vec<usize>,
}

/// The printable sign-in sheet: A4, headings in both languages, the enrolled residents'
/// names and an empty signature column, with blank lines for walk-ins.
async fn sign_in_sheet(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    let (s, p, lines) = roll_call::sheet(&state.store, actor, id).await?;
    let community = communities::get(&state.store, actor, p.community_id).await?.name;
    let names: Vec<String> = lines.into_iter().filter(|l| l.enrolled).map(|l| l.name).collect();
    let blank = (names.len() + 1..=names.len() + 8).collect();
    render(&SheetPage { ctx, s, p, community, names, blank })
}

// ---------------------------------------------------------------------------------------
// Certificates and /verify

#[derive(Template)]
#[template(path = "programs/certificate.html")]
struct CertificatePage {
    ctx: Ctx,
    c: certificates::Printed,
    hours: String,
    dates: String,
    verify_url: String,
}

async fn certificate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let c = certificates::get(&state.store, ctx.actor()?, id).await?;
    let hours = hours(i64::from(c.certificate.minutes));
    let dates = match c.program.ends_on {
        Some(e) => format!("{} – {e}", c.program.starts_on),
        None => c.program.starts_on.to_string(),
    };
    let verify_url = super::absolute(&ctx, &headers, "/verify");
    render(&CertificatePage { ctx, c, hours, dates, verify_url })
}

#[derive(Template)]
#[template(path = "programs/verify.html")]
struct VerifyPage {
    ctx: Ctx,
    form: FormState,
    answer: Option<Option<(String, String, String)>>,
}

async fn verify_form(ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&VerifyPage { ctx, form, answer: None })
}

/// The public check. Answers only "valid: program, hours, issue date" or "no such
/// certificate"; throttled like sign-in.
async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let mut e = FieldErrors::new();
    for f in ["number", "code", "name"] {
        hearth_core::validate::required_text(&mut e, f, Some(form.value(f)), 200);
    }
    if !e.is_empty() {
        form.errors = e;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &VerifyPage { ctx, form, answer: None });
    }
    let found =
        certificates::verify(&state.store, &ctx.client, form.value("number"), form.value("code"), form.value("name"))
            .await?;
    let answer = Some(found.map(|v| (v.program_name, hours(i64::from(v.minutes)), v.issued_on.to_string())));
    render(&VerifyPage { ctx, form, answer })
}
