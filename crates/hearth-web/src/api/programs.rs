//! `/api/v1/programs`, `/api/v1/sessions` and `/api/v1/attendance`: classes, their
//! sessions, enrolment, roll-call (one mark or a whole roll-call, all or nothing) and
//! certificates. Every rule is decided by `hearth_core::programs`.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::FieldErrors;
use hearth_core::entity::{attendance, certificate, enrolment, program, program_session};
use hearth_core::programs::roll_call::{self, RollCall};
use hearth_core::programs::{ProgramChange, ProgramInput, SessionInput, certificates, schedule};
use hearth_core::word::Word;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiParams, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_programs, create_program))
        .routes(routes!(get_program, update_program))
        .routes(routes!(enrol))
        .routes(routes!(end_enrolment))
        .routes(routes!(issue_certificate))
        .routes(routes!(list_sessions, add_session))
        .routes(routes!(get_session, change_session))
        .routes(routes!(list_attendance, record_attendance))
}

#[derive(Serialize, ToSchema)]
pub struct Slot {
    /// ISO weekday, 1 = Monday.
    pub weekday: i32,
    pub starts_at: String,
    pub duration_minutes: i32,
}

#[derive(Serialize, ToSchema)]
pub struct Program {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// language, legal, skills, health, culture, other
    pub kind: String,
    pub description: Option<String>,
    pub guest_trainers: Option<String>,
    pub location: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub certificate_minutes: Option<i32>,
    pub cancelled: bool,
    /// Only on single-record reads and writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trainer_ids: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<Slot>>,
}

impl Program {
    fn new(p: program::Model) -> Program {
        Program {
            id: p.id,
            community_id: p.community_id,
            name: p.name,
            kind: p.kind.word(),
            description: p.description,
            guest_trainers: p.guest_trainers,
            location: p.location,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            capacity: p.capacity,
            certificate_minutes: p.certificate_minutes,
            cancelled: p.cancelled,
            trainer_ids: None,
            schedule: None,
        }
    }

    async fn detail(state: &AppState, p: program::Model) -> Result<Program, WebError> {
        let trainers = schedule::trainers_of(&state.store, p.id).await?;
        let slots = schedule::slots_of(&state.store, p.id).await?;
        Ok(Program {
            trainer_ids: Some(trainers.into_iter().map(|(id, _)| id).collect()),
            schedule: Some(
                slots
                    .into_iter()
                    .map(|s| Slot { weekday: s.weekday, starts_at: s.starts_at, duration_minutes: s.duration_minutes })
                    .collect(),
            ),
            ..Program::new(p)
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgramsQuery {
    /// Only this community (slug).
    pub community: Option<String>,
}

/// The programs of the caller's communities, newest first.
#[utoipa::path(
    get, path = "/api/v1/programs", tag = "programs", operation_id = "list_programs", params(ProgramsQuery),
    responses((status = 200, body = Vec<Program>), ReadErrors),
)]
pub async fn list_programs(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<ProgramsQuery>,
) -> Result<Json<Vec<Program>>, WebError> {
    let rows = schedule::list(&state.store, ctx.actor()?, q.community.as_deref()).await?;
    Ok(Json(rows.into_iter().map(Program::new).collect()))
}

/// Creates a program; its weekly schedule plans its sessions from `starts_on` to `ends_on`.
#[utoipa::path(
    post, path = "/api/v1/programs", tag = "programs", operation_id = "create_program", request_body = ProgramInput,
    responses((status = 201, body = Program, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_program(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ProgramInput>,
) -> Result<Response, WebError> {
    let p = schedule::create(&state.store, ctx.actor()?, input).await?;
    let out = Program::detail(&state, p).await?;
    Ok(created(&format!("/api/v1/programs/{}", out.id), out))
}

/// One program, with its trainers and schedule.
#[utoipa::path(
    get, path = "/api/v1/programs/{id}", tag = "programs", operation_id = "get_program",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Program, headers(("ETag" = String, description = "The version; send it back as If-Match"))), ReadErrors),
)]
pub async fn get_program(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let p = schedule::load(&state.store, ctx.actor()?, id).await?;
    let version = hearth_core::version::of(&p.updated_at);
    Ok(with_etag(&version, Program::detail(&state, p).await?))
}

/// Changes a program's details (absent fields are kept), or cancels it: its sessions still
/// planned from today are cancelled and its open enrolments end as "program cancelled".
#[utoipa::path(
    patch, path = "/api/v1/programs/{id}", tag = "programs", operation_id = "update_program",
    params(
        ("id" = i64, Path, description = "Program id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: the change is refused (412) if someone changed the program since"),
    ),
    request_body = ProgramChange,
    responses((status = 200, body = Program, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_program(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<ProgramChange>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let p = schedule::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&p.updated_at);
    Ok(with_etag(&version, Program::detail(&state, p).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    pub id: i64,
    pub program_id: i64,
    pub resident_id: i64,
    pub joined_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// completed, left, program_cancelled (once ended)
    pub outcome: Option<String>,
}

impl From<enrolment::Model> for Enrolment {
    fn from(e: enrolment::Model) -> Enrolment {
        Enrolment {
            id: e.id,
            program_id: e.program_id,
            resident_id: e.resident_id,
            joined_on: e.joined_on,
            ended_on: e.ended_on,
            outcome: e.outcome.map(|o| o.word()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    #[schema(required = true, value_type = i64)]
    pub resident_id: Option<i64>,
    /// Today when left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub joined_on: Option<String>,
}

/// Enrols a resident (voluntary). Refused when already enrolled or the program is full.
#[utoipa::path(
    post, path = "/api/v1/programs/{id}/enrolments", tag = "programs", operation_id = "enrol",
    params(("id" = i64, Path, description = "Program id")), request_body = EnrolInput,
    responses((status = 201, body = Enrolment, headers(("Location" = String))), WriteErrors),
)]
pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<EnrolInput>,
) -> Result<Response, WebError> {
    let e = schedule::enrol(&state.store, ctx.actor()?, id, input.resident_id, input.joined_on.as_deref()).await?;
    Ok(created(&format!("/api/v1/programs/{id}/enrolments/{}", e.id), Enrolment::from(e)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndEnrolment {
    #[schema(required = true, value_type = hearth_core::programs::EnrolmentOutcome)]
    pub outcome: Option<String>,
    /// Today when left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<String>,
}

/// Ends an enrolment: completed, left, or program cancelled.
#[utoipa::path(
    patch, path = "/api/v1/enrolments/{id}", tag = "programs", operation_id = "end_enrolment",
    params(("id" = i64, Path, description = "Enrolment id")), request_body = EndEnrolment,
    responses((status = 200, body = Enrolment), WriteErrors),
)]
pub async fn end_enrolment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<EndEnrolment>,
) -> Result<Json<Enrolment>, WebError> {
    let e =
        schedule::end_enrolment(&state.store, ctx.actor()?, id, input.outcome.as_deref(), input.ended_on.as_deref())
            .await?;
    Ok(Json(e.into()))
}

#[derive(Serialize, ToSchema)]
pub struct Certificate {
    pub id: i64,
    pub program_id: i64,
    pub resident_id: i64,
    pub number: String,
    /// The short code printed beside the number (asked for by `/verify`).
    pub code: String,
    pub sessions: i32,
    pub minutes: i32,
    pub issued_on: NaiveDate,
}

impl From<certificate::Model> for Certificate {
    fn from(c: certificate::Model) -> Certificate {
        Certificate {
            id: c.id,
            program_id: c.program_id,
            resident_id: c.resident_id,
            number: c.number,
            code: c.code,
            sessions: c.sessions,
            minutes: c.minutes,
            issued_on: c.issued_on,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    #[schema(required = true, value_type = i64)]
    pub resident_id: Option<i64>,
}

/// Issues a resident's certificate of hours: refused below the program's threshold.
#[utoipa::path(
    post, path = "/api/v1/programs/{id}/certificates", tag = "programs", operation_id = "issue_certificate",
    params(("id" = i64, Path, description = "Program id")), request_body = IssueInput,
    responses((status = 201, body = Certificate, headers(("Location" = String))), WriteErrors),
)]
pub async fn issue_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<IssueInput>,
) -> Result<Response, WebError> {
    let c = certificates::issue(&state.store, ctx.actor()?, id, input.resident_id).await?;
    Ok(created(&format!("/certificates/{}", c.id), Certificate::from(c)))
}

#[derive(Serialize, ToSchema)]
pub struct Session {
    pub id: i64,
    pub program_id: i64,
    pub held_on: NaiveDate,
    pub starts_at: String,
    pub duration_minutes: i32,
    pub topic: Option<String>,
    pub trainer_user_id: Option<i64>,
    pub trainer_name: Option<String>,
    pub location: Option<String>,
    /// planned, held, cancelled
    pub status: String,
    pub cancel_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<program_session::Model> for Session {
    fn from(s: program_session::Model) -> Session {
        Session {
            id: s.id,
            program_id: s.program_id,
            held_on: s.held_on,
            starts_at: s.starts_at,
            duration_minutes: s.duration_minutes,
            topic: s.topic,
            trainer_user_id: s.trainer_user_id,
            trainer_name: s.trainer_name,
            location: s.location,
            status: s.status.word(),
            cancel_reason: s.cancel_reason,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    pub program_id: Option<i64>,
    /// Held on or after (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Held on or before (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

/// Sessions in date order (at most 2,000).
#[utoipa::path(
    get, path = "/api/v1/sessions", tag = "programs", operation_id = "list_sessions", params(SessionsQuery),
    responses((status = 200, body = Vec<Session>), ReadErrors),
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<SessionsQuery>,
) -> Result<Json<Vec<Session>>, WebError> {
    let mut e = FieldErrors::new();
    let from = hearth_core::validate::date(&mut e, "from", q.from.as_deref());
    let to = hearth_core::validate::date(&mut e, "to", q.to.as_deref());
    for (name, v) in [("from", &q.from), ("to", &q.to)] {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            e.add(name, "required");
        }
    }
    e.into_result()?;
    let rows = schedule::list_sessions(&state.store, ctx.actor()?, q.program_id, from, to).await?;
    Ok(Json(rows.into_iter().map(Session::from).collect()))
}

/// Adds an extra session to a program.
#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "programs", operation_id = "add_session", request_body = SessionInput,
    responses((status = 201, body = Session, headers(("Location" = String))), WriteErrors),
)]
pub async fn add_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<Response, WebError> {
    let s = schedule::add_session(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/sessions/{}", s.id), Session::from(s)))
}

/// One session.
#[utoipa::path(
    get, path = "/api/v1/sessions/{id}", tag = "programs", operation_id = "get_session",
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 200, body = Session, headers(("ETag" = String, description = "The version; send it back as If-Match"))), ReadErrors),
)]
pub async fn get_session(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let (s, _) = schedule::load_session(&state.store, ctx.actor()?, id).await?;
    let version = hearth_core::version::of(&s.updated_at);
    Ok(with_etag(&version, Session::from(s)))
}

/// Moves a session, changes its topic, trainer or place, cancels it (with a reason) or
/// plans it again. A session with a roll-call cannot be cancelled.
#[utoipa::path(
    patch, path = "/api/v1/sessions/{id}", tag = "programs", operation_id = "change_session",
    params(
        ("id" = i64, Path, description = "Session id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: the change is refused (412) if someone changed the session since"),
    ),
    request_body = SessionInput,
    responses((status = 200, body = Session, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn change_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<SessionInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let s = schedule::change_session(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&s.updated_at);
    Ok(with_etag(&version, Session::from(s)))
}

#[derive(Serialize, ToSchema)]
pub struct Attendance {
    pub session_id: i64,
    pub resident_id: i64,
    pub minutes: i32,
    pub marked_at: DateTime<Utc>,
}

impl From<attendance::Model> for Attendance {
    fn from(a: attendance::Model) -> Attendance {
        Attendance { session_id: a.session_id, resident_id: a.resident_id, minutes: a.minutes, marked_at: a.marked_at }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendanceQuery {
    #[param(required = true)]
    pub session_id: Option<i64>,
}

/// A session's roll-call (audited: it names residents).
#[utoipa::path(
    get, path = "/api/v1/attendance", tag = "programs", operation_id = "list_attendance", params(AttendanceQuery),
    responses((status = 200, body = Vec<Attendance>), ReadErrors),
)]
pub async fn list_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<AttendanceQuery>,
) -> Result<Json<Vec<Attendance>>, WebError> {
    let sid = q.session_id.ok_or_else(|| hearth_core::CoreError::invalid("session_id", "required"))?;
    let rows = roll_call::of_session(&state.store, ctx.actor()?, sid).await?;
    Ok(Json(rows.into_iter().map(Attendance::from).collect()))
}

/// A roll-call in one request: every mark is checked first, and one bad row (named by its
/// index, `marks[3].resident_id`) stores nothing. Marking someone twice is one attendance;
/// `present: false` takes a mark back. Answers the session's whole roll-call.
#[utoipa::path(
    post, path = "/api/v1/attendance", tag = "programs", operation_id = "record_attendance", request_body = RollCall,
    responses((status = 200, body = Vec<Attendance>), WriteErrors),
)]
pub async fn record_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<RollCall>,
) -> Result<Json<Vec<Attendance>>, WebError> {
    let rows = roll_call::record(&state.store, ctx.actor()?, input).await?;
    Ok(Json(rows.into_iter().map(Attendance::from).collect()))
}
