//! `/api/v1/cases/…`: hardship cases, their ledger (donations, relief received, payments,
//! money given back or moved, reversals), relief applications and decisions, notes and
//! follow-ups. Amounts are sent as yuan text ("2950.00") and answered in minor units (fen)
//! with the formatted amount beside. Only a case's assigned workers and its community's
//! coordinators and admins reach it; anyone else gets 404.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::cases::Stream;
use hearth_core::cases::ledger::{self, MoneyInput, ReversalInput, Totals};
use hearth_core::cases::records::{self, CaseInput};
use hearth_core::cases::relief::{self, DecisionInput, ReliefInput};
use hearth_core::entity::{ledger_entry, relief_application};
use hearth_core::money::format_minor;
use hearth_core::word::Word;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::follow_ups::{FollowUp, NoteEntry};
use super::json::{ApiJson, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_cases, open_case))
        .routes(routes!(get_case, update_case))
        .routes(routes!(get_ledger))
        .routes(routes!(ledger_report))
        .routes(routes!(add_donation))
        .routes(routes!(add_payment))
        .routes(routes!(add_relief_received))
        .routes(routes!(add_return))
        .routes(routes!(add_transfer))
        .routes(routes!(reverse_entry))
        .routes(routes!(list_relief, apply_relief))
        .routes(routes!(decide_relief))
        .routes(routes!(list_case_notes, add_case_note))
        .routes(routes!(list_case_follow_ups, add_case_follow_up))
}

#[derive(Serialize, ToSchema)]
pub struct Case {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub resident_ids: Vec<i64>,
    pub worker_ids: Vec<i64>,
    /// illness, disability, accident, loss_of_income, housing, elderly_care, other
    pub category: String,
    pub summary: String,
    pub opened_on: NaiveDate,
    /// open, monitoring, resolved, closed
    pub status: String,
    pub resolved_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub resolution_note: Option<String>,
    pub currency: String,
    pub visit_every_days: Option<i32>,
    /// What the case holds now, in minor units.
    pub held: i64,
}

async fn case_out(state: &AppState, l: records::CaseLine) -> Result<Case, WebError> {
    let held = ledger::totals(state.store.conn(), l.case.id).await?.held;
    let c = l.case;
    Ok(Case {
        id: c.id,
        community_id: c.community_id,
        household_id: c.household_id,
        resident_ids: l.residents.iter().map(|(id, _)| *id).collect(),
        worker_ids: l.workers.iter().map(|(id, _)| *id).collect(),
        category: c.category.word(),
        summary: c.summary,
        opened_on: c.opened_on,
        status: c.status.word(),
        resolved_on: c.resolved_on,
        closed_on: c.closed_on,
        resolution_note: c.resolution_note,
        currency: c.currency,
        visit_every_days: c.visit_every_days,
        held,
    })
}

/// The cases the caller may see, newest first.
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", operation_id = "list_cases",
    responses((status = 200, body = Vec<Case>), ReadErrors),
)]
pub async fn list_cases(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Case>>, WebError> {
    let mut out = Vec::new();
    for l in records::list(&state.store, ctx.actor()?).await? {
        out.push(case_out(&state, l).await?);
    }
    Ok(Json(out))
}

/// Opens a case for a household.
#[utoipa::path(
    post, path = "/api/v1/cases", tag = "cases", operation_id = "open_case", request_body = CaseInput,
    responses((status = 201, body = Case, headers(("Location" = String))), WriteErrors),
)]
pub async fn open_case(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<CaseInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let c = records::open(&state.store, actor, input).await?;
    let out = case_out(&state, records::get(&state.store, actor, c.id).await?).await?;
    Ok(created(&format!("/api/v1/cases/{}", out.id), out))
}

/// One case.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "get_case",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Case, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_case(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let l = records::get(&state.store, ctx.actor()?, id).await?;
    let version = hearth_core::version::of(&l.case.updated_at);
    Ok(with_etag(&version, case_out(&state, l).await?))
}

/// Changes a case: summary, category, workers, residents, visit plan, or status (ending it
/// needs nothing held).
#[utoipa::path(
    patch, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "update_case",
    params(("id" = i64, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = CaseInput,
    responses((status = 200, body = Case, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_case(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<CaseInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    input.version = if_match(&headers);
    let c = records::update(&state.store, actor, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&c.updated_at);
    Ok(with_etag(&version, case_out(&state, records::get(&state.store, actor, c.id).await?).await?))
}

#[derive(Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub case_id: i64,
    /// donation, relief, payment, returned, transfer_out, transfer_in
    pub stream: String,
    /// In minor units; a reversal is negative.
    pub amount: i64,
    /// The amount as shown ("¥2,950.00").
    pub amount_text: String,
    /// What it did to the money held, in minor units.
    pub held_delta: i64,
    pub on_date: NaiveDate,
    pub method: Option<String>,
    pub party: Option<String>,
    pub anonymous: bool,
    pub family_signed: Option<bool>,
    pub receipt_number: Option<String>,
    pub reverses_id: Option<i64>,
    pub relief_id: Option<i64>,
    pub other_case_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<ledger_entry::Model> for LedgerEntry {
    fn from(e: ledger_entry::Model) -> LedgerEntry {
        LedgerEntry {
            id: e.id,
            case_id: e.case_id,
            stream: e.stream.word(),
            amount_text: format!("¥{}", format_minor(e.amount)),
            amount: e.amount,
            held_delta: e.held_delta,
            on_date: e.on_date,
            method: e.method.map(|m| m.word()),
            party: if e.anonymous { None } else { e.party },
            anonymous: e.anonymous,
            family_signed: e.family_signed,
            receipt_number: e.receipt_number,
            reverses_id: e.reverses_id,
            relief_id: e.relief_id,
            other_case_id: e.other_case_id,
            note: e.note,
            created_at: e.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    pub totals: Totals,
}

/// A case's ledger, oldest first, with its totals.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/ledger", tag = "cases", operation_id = "get_case_ledger",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Ledger), ReadErrors),
)]
pub async fn get_ledger(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Ledger>, WebError> {
    let (rows, totals) = ledger::of_case(&state.store, ctx.actor()?, id).await?;
    Ok(Json(Ledger { entries: rows.into_iter().map(LedgerEntry::from).collect(), totals }))
}

fn entry_created(e: ledger_entry::Model) -> Response {
    created(&format!("/api/v1/cases/{}/ledger", e.case_id), LedgerEntry::from(e))
}

/// Records a donation (with its receipt number).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/donations", tag = "cases", operation_id = "add_donation",
    params(("id" = i64, Path, description = "Case id")), request_body = MoneyInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn add_donation(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<MoneyInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::donate(&state.store, ctx.actor()?, id, i).await?))
}

/// Pays the family (refused if the case does not hold that much).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/payments", tag = "cases", operation_id = "add_payment",
    params(("id" = i64, Path, description = "Case id")), request_body = MoneyInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn add_payment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<MoneyInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::pay_out(&state.store, ctx.actor()?, id, Stream::Payment, i).await?))
}

/// Records relief received on an approved application (`relief_id`).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/relief-received", tag = "cases", operation_id = "add_relief_received",
    params(("id" = i64, Path, description = "Case id")), request_body = MoneyInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn add_relief_received(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<MoneyInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::receive_relief(&state.store, ctx.actor()?, id, i).await?))
}

/// Gives money back (to a donor).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/returns", tag = "cases", operation_id = "add_return",
    params(("id" = i64, Path, description = "Case id")), request_body = MoneyInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn add_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<MoneyInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::pay_out(&state.store, ctx.actor()?, id, Stream::Returned, i).await?))
}

/// Moves money to another case (`other_case_id`), which receives it at once.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/transfers", tag = "cases", operation_id = "add_transfer",
    params(("id" = i64, Path, description = "Case id")), request_body = MoneyInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn add_transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<MoneyInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::pay_out(&state.store, ctx.actor()?, id, Stream::TransferOut, i).await?))
}

/// Corrects a ledger row with its reversal (once; never an edit or a delete).
#[utoipa::path(
    post, path = "/api/v1/cases/ledger/{id}/reversal", tag = "cases", operation_id = "reverse_ledger_entry",
    params(("id" = i64, Path, description = "Ledger row id")), request_body = ReversalInput,
    responses((status = 201, body = LedgerEntry), WriteErrors),
)]
pub async fn reverse_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<ReversalInput>,
) -> Result<Response, WebError> {
    Ok(entry_created(ledger::reverse(&state.store, ctx.actor()?, id, i).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Relief {
    pub id: i64,
    pub case_id: i64,
    pub scheme: String,
    pub agency: String,
    /// Minor units.
    pub requested: i64,
    pub applied_on: NaiveDate,
    /// pending, approved, rejected
    pub decision: String,
    pub approved: Option<i64>,
    pub decided_on: Option<NaiveDate>,
}

impl From<relief_application::Model> for Relief {
    fn from(r: relief_application::Model) -> Relief {
        Relief {
            id: r.id,
            case_id: r.case_id,
            scheme: r.scheme,
            agency: r.agency,
            requested: r.requested,
            applied_on: r.applied_on,
            decision: r.decision.word(),
            approved: r.approved,
            decided_on: r.decided_on,
        }
    }
}

/// A case's relief applications.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/relief", tag = "cases", operation_id = "list_relief",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Vec<Relief>), ReadErrors),
)]
pub async fn list_relief(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Relief>>, WebError> {
    Ok(Json(relief::of_case(&state.store, ctx.actor()?, id).await?.into_iter().map(Relief::from).collect()))
}

/// Records an application to a relief scheme.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/relief", tag = "cases", operation_id = "apply_relief",
    params(("id" = i64, Path, description = "Case id")), request_body = ReliefInput,
    responses((status = 201, body = Relief), WriteErrors),
)]
pub async fn apply_relief(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<ReliefInput>,
) -> Result<Response, WebError> {
    let r = relief::apply(&state.store, ctx.actor()?, id, i).await?;
    Ok(created(&format!("/api/v1/cases/{id}/relief"), Relief::from(r)))
}

/// Records the decision on a pending application (once).
#[utoipa::path(
    post, path = "/api/v1/cases/relief/{id}/decision", tag = "cases", operation_id = "decide_relief",
    params(("id" = i64, Path, description = "Relief application id")), request_body = DecisionInput,
    responses((status = 200, body = Relief), WriteErrors),
)]
pub async fn decide_relief(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<DecisionInput>,
) -> Result<Json<Relief>, WebError> {
    Ok(Json(relief::decide(&state.store, ctx.actor()?, id, i).await?.into()))
}

fn note_out(n: hearth_core::notes::Note) -> NoteEntry {
    NoteEntry {
        id: n.note.id,
        written_at: n.note.written_at,
        author_user_id: n.note.author_user_id,
        author: n.author,
        body: n.note.body,
    }
}

/// A case's notes, oldest first.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/notes", tag = "cases", operation_id = "list_case_notes",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Vec<NoteEntry>), ReadErrors),
)]
pub async fn list_case_notes(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<NoteEntry>>, WebError> {
    Ok(Json(records::notes_of(&state.store, ctx.actor()?, id).await?.into_iter().map(note_out).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[schema(required = true, value_type = String, max_length = 2000)]
    pub body: Option<String>,
}

/// Adds a note to the case's log.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/notes", tag = "cases", operation_id = "add_case_note",
    params(("id" = i64, Path, description = "Case id")), request_body = NoteInput,
    responses((status = 201, body = NoteEntry), WriteErrors),
)]
pub async fn add_case_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<NoteInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let n = records::add_note(&state.store, actor, id, i.body.as_deref()).await?;
    let author = hearth_core::auth::users::names_by_id(&state.store, &n.author_user_id.into_iter().collect::<Vec<_>>())
        .await?
        .into_values()
        .next();
    Ok(created(&format!("/api/v1/cases/{id}/notes"), note_out(hearth_core::notes::Note { note: n, author })))
}

/// The follow-ups a case tracks.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/follow-ups", tag = "cases", operation_id = "list_case_follow_ups",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = Vec<FollowUp>), ReadErrors),
)]
pub async fn list_case_follow_ups(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<FollowUp>>, WebError> {
    let rows = records::follow_ups_of(&state.store, ctx.actor()?, id).await?;
    Ok(Json(rows.into_iter().map(|f| FollowUp::new(f, None)).collect()))
}

/// Adds a follow-up to the case (the household is the case's; the owner one of its workers).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/follow-ups", tag = "cases", operation_id = "add_case_follow_up",
    params(("id" = i64, Path, description = "Case id")), request_body = hearth_core::visits::follow_ups::FollowUpInput,
    responses((status = 201, body = FollowUp), WriteErrors),
)]
pub async fn add_case_follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(i): ApiJson<hearth_core::visits::follow_ups::FollowUpInput>,
) -> Result<Response, WebError> {
    let f = records::add_follow_up(&state.store, ctx.actor()?, id, i).await?;
    Ok(created(&format!("/api/v1/follow-ups/{}", f.id), FollowUp::new(f, None)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    #[param(required = true, value_type = String, format = Date)]
    pub from: Option<String>,
    #[param(required = true, value_type = String, format = Date)]
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerReport {
    pub cases: Vec<ledger::CaseMoney>,
    /// The cases' money moved in the period, added up.
    pub totals: Totals,
    /// What they held together on the period's last day.
    pub held_at_end: i64,
}

/// The ledger report for a period: each case the caller may see, and their sum.
#[utoipa::path(
    get, path = "/api/v1/cases/ledger", tag = "cases", operation_id = "cases_ledger_report", params(PeriodQuery),
    responses((status = 200, body = LedgerReport), ReadErrors),
)]
pub async fn ledger_report(
    State(state): State<AppState>,
    ctx: Ctx,
    super::json::ApiParams(q): super::json::ApiParams<PeriodQuery>,
) -> Result<Json<LedgerReport>, WebError> {
    let mut e = hearth_core::FieldErrors::new();
    let from = hearth_core::validate::required_date(&mut e, "from", q.from.as_deref());
    let to = hearth_core::validate::required_date(&mut e, "to", q.to.as_deref());
    e.into_result()?;
    let (Some(from), Some(to)) = (from, to) else { return Err(WebError::BadRequest { field: None }) };
    let (cases, totals, held_at_end) = ledger::report(&state.store, ctx.actor()?, from, to).await?;
    Ok(Json(LedgerReport { cases, totals, held_at_end }))
}
