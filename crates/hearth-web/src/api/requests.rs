//! `/api/v1/requests/…` and `/api/v1/request-kinds/…`: service requests to utilities and
//! services — one household's, or the same request for many households at once (a building,
//! a list, everyone present) in one transaction — their status changes with notes, resolving
//! many at once from a filter, and each community's kinds of request.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::entity::{request, request_kind};
use hearth_core::requests::kinds::{self, KindInput};
use hearth_core::requests::records::{
    self, BulkInput, BulkOutcome, BulkResolveInput, ListQuery, RequestInput, RequestLine, StatusInput,
};
use hearth_core::word::Word;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::follow_ups::NoteEntry;
use super::json::{ApiJson, ApiParams, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_requests, open_request))
        .routes(routes!(bulk_open))
        .routes(routes!(bulk_resolve))
        .routes(routes!(get_request, update_request))
        .routes(routes!(change_status))
        .routes(routes!(list_kinds, create_kind))
        .routes(routes!(update_kind))
}

#[derive(Serialize, ToSchema)]
pub struct ServiceRequest {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    /// The household's code, when the list shows it.
    pub household_code: Option<String>,
    /// The key of one of the community's kinds.
    pub kind: String,
    pub description: String,
    pub provider: Option<String>,
    pub opened_on: NaiveDate,
    /// open, passed_to_provider, resolved, cannot_resolve
    pub status: String,
    pub passed_on: Option<NaiveDate>,
    /// The closing day (resolved or cannot resolve).
    pub resolved_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
    /// The request's log (on a single request's read).
    pub notes: Option<Vec<NoteEntry>>,
}

impl ServiceRequest {
    fn new(r: request::Model, household_code: Option<String>) -> ServiceRequest {
        ServiceRequest {
            id: r.id,
            community_id: r.community_id,
            household_id: r.household_id,
            household_code,
            kind: r.kind,
            description: r.description,
            provider: r.provider,
            opened_on: r.opened_on,
            status: r.status.word(),
            passed_on: r.passed_on,
            resolved_on: r.resolved_on,
            updated_at: r.updated_at,
            notes: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequestPage {
    /// How many requests the filter finds in all.
    pub total: u64,
    pub items: Vec<ServiceRequest>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_after: Option<i64>,
}

/// Requests in the caller's communities, filtered by kind, status, building or household,
/// in the order they were made.
#[utoipa::path(
    get, path = "/api/v1/requests", tag = "requests", operation_id = "list_requests",
    params(ListQuery),
    responses((status = 200, body = RequestPage), ReadErrors),
)]
pub async fn list_requests(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<ListQuery>,
) -> Result<Json<RequestPage>, WebError> {
    let (total, page) = records::list(&state.store, ctx.actor()?, &q).await?;
    Ok(Json(RequestPage {
        total,
        items: page
            .items
            .into_iter()
            .map(|l: RequestLine| ServiceRequest::new(l.request, Some(l.household_code)))
            .collect(),
        next_after: page.next_after,
    }))
}

/// Opens a request for one household.
#[utoipa::path(
    post, path = "/api/v1/requests", tag = "requests", operation_id = "open_request", request_body = RequestInput,
    responses((status = 201, body = ServiceRequest, headers(("Location" = String))), WriteErrors),
)]
pub async fn open_request(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<Response, WebError> {
    let r = records::open(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/requests/{}", r.id), ServiceRequest::new(r, None)))
}

/// Opens the same request for many households of one community — a building, a list of ids
/// or codes, or every household present — in one transaction: one bad household stores
/// nothing and is named by its place (`household_ids[17]`).
#[utoipa::path(
    post, path = "/api/v1/requests/bulk", tag = "requests", operation_id = "bulk_open_requests",
    request_body = BulkInput,
    responses((status = 201, body = BulkOutcome), WriteErrors),
)]
pub async fn bulk_open(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<BulkInput>,
) -> Result<Response, WebError> {
    let out = records::bulk_open(&state.store, ctx.actor()?, input).await?;
    Ok(created("/api/v1/requests", out))
}

/// Resolves every request a filter finds that is still open or with its provider, in one
/// transaction (with `expected_count`, only if the filter still finds that many).
#[utoipa::path(
    post, path = "/api/v1/requests/bulk-resolve", tag = "requests", operation_id = "bulk_resolve_requests",
    request_body = BulkResolveInput,
    responses((status = 200, body = BulkOutcome), WriteErrors),
)]
pub async fn bulk_resolve(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<BulkResolveInput>,
) -> Result<Json<BulkOutcome>, WebError> {
    Ok(Json(records::bulk_resolve(&state.store, ctx.actor()?, input).await?))
}

async fn with_notes(state: &AppState, ctx: &Ctx, r: request::Model) -> Result<Response, WebError> {
    let notes = records::notes_of(&state.store, ctx.actor()?, r.id).await?;
    let version = hearth_core::version::of(&r.updated_at);
    let mut out = ServiceRequest::new(r, None);
    out.notes = Some(
        notes
            .into_iter()
            .map(|n| NoteEntry {
                id: n.note.id,
                written_at: n.note.written_at,
                author_user_id: n.note.author_user_id,
                author: n.author,
                body: n.note.body,
            })
            .collect(),
    );
    Ok(with_etag(&version, out))
}

/// One request with its log.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}", tag = "requests", operation_id = "get_request",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, body = ServiceRequest, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_request(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let r = records::get(&state.store, ctx.actor()?, id).await?;
    with_notes(&state, &ctx, r).await
}

/// Changes a request's kind, description, provider or opening day (absent keeps; an empty
/// provider clears it).
#[utoipa::path(
    patch, path = "/api/v1/requests/{id}", tag = "requests", operation_id = "update_request",
    params(("id" = i64, Path, description = "Request id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = RequestInput,
    responses((status = 200, body = ServiceRequest, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<RequestInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let r = records::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    with_notes(&state, &ctx, r).await
}

/// Moves a request along (passed to its provider, resolved, cannot resolve) with a note.
#[utoipa::path(
    post, path = "/api/v1/requests/{id}/status", tag = "requests", operation_id = "change_request_status",
    params(("id" = i64, Path, description = "Request id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = StatusInput,
    responses((status = 200, body = ServiceRequest, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<StatusInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let r = records::change_status(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    with_notes(&state, &ctx, r).await
}

#[derive(Serialize, ToSchema)]
pub struct RequestKind {
    pub id: i64,
    pub community_id: i64,
    /// Stable: requests store it and figures are grouped by it (`request_kind`).
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    pub retired: bool,
}

impl From<request_kind::Model> for RequestKind {
    fn from(k: request_kind::Model) -> RequestKind {
        RequestKind {
            id: k.id,
            community_id: k.community_id,
            key: k.key,
            name_en: k.name_en,
            name_zh: k.name_zh,
            retired: k.retired,
        }
    }
}

/// The kinds of request of the caller's communities (retired ones too).
#[utoipa::path(
    get, path = "/api/v1/request-kinds", tag = "requests", operation_id = "list_request_kinds",
    responses((status = 200, body = Vec<RequestKind>), ReadErrors),
)]
pub async fn list_kinds(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<RequestKind>>, WebError> {
    Ok(Json(kinds::list(&state.store, ctx.actor()?).await?.into_iter().map(RequestKind::from).collect()))
}

/// Adds a kind of request to a community (coordinators and admins).
#[utoipa::path(
    post, path = "/api/v1/request-kinds", tag = "requests", operation_id = "create_request_kind",
    request_body = KindInput,
    responses((status = 201, body = RequestKind), WriteErrors),
)]
pub async fn create_kind(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<KindInput>,
) -> Result<Response, WebError> {
    let k = kinds::create(&state.store, ctx.actor()?, input).await?;
    Ok(created("/api/v1/request-kinds", RequestKind::from(k)))
}

/// Renames a kind, or retires it (its key never changes).
#[utoipa::path(
    patch, path = "/api/v1/request-kinds/{id}", tag = "requests", operation_id = "update_request_kind",
    params(("id" = i64, Path, description = "Kind id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = KindInput,
    responses((status = 200, body = RequestKind, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_kind(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<KindInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let k = kinds::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&k.updated_at);
    Ok(with_etag(&version, RequestKind::from(k)))
}
