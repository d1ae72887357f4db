//! `/api/v1/handbook` (documents, their versions and diffs) and `/api/v1/partnerships`
//! (partnership agreements and their scans). Every rule is decided by
//! `hearth_core::handbook`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use hearth_core::entity::{handbook_document, partnership};
use hearth_core::handbook::documents::{self, DiffLine, DocumentInput, DocumentsQuery};
use hearth_core::handbook::markdown;
use hearth_core::handbook::partnerships::{self, PartnershipInput, PartnershipState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiParams, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use super::scans::ScanQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_documents, create_document))
        .routes(routes!(get_document, update_document))
        .routes(routes!(list_versions))
        .routes(routes!(diff_versions))
        .routes(routes!(list_partnerships, create_partnership))
        .routes(routes!(get_partnership, update_partnership))
        .routes(routes!(get_scan, put_scan))
}

fn etag_of(at: &chrono::DateTime<chrono::Utc>) -> String {
    hearth_core::version::of(at)
}

// ---------------------------------------------------------------------------------------
// Documents

#[derive(Serialize, ToSchema)]
pub struct HandbookDocument {
    pub id: i64,
    pub community_id: i64,
    /// The category's key.
    pub category: String,
    pub title: String,
    /// Markdown as written.
    pub body: String,
    /// The body rendered to safe HTML (raw HTML shown as text, unsafe links made inert).
    pub html: String,
    pub published_on: Option<NaiveDate>,
    pub on_notice_board: bool,
    /// The number of its current version.
    pub version_no: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<handbook_document::Model> for HandbookDocument {
    fn from(d: handbook_document::Model) -> HandbookDocument {
        HandbookDocument {
            html: markdown::render(&d.body),
            id: d.id,
            community_id: d.community_id,
            category: d.category,
            title: d.title,
            body: d.body,
            published_on: d.published_on,
            on_notice_board: d.on_notice_board,
            version_no: d.version_no,
            updated_at: d.updated_at,
        }
    }
}

/// A document in a list (without its body).
#[derive(Serialize, ToSchema)]
pub struct HandbookDocumentLine {
    pub id: i64,
    pub community_id: i64,
    pub category: String,
    pub title: String,
    pub published_on: Option<NaiveDate>,
    pub on_notice_board: bool,
    pub version_no: i32,
}

/// The handbook's documents: search (`q`, any language, substring), category, community.
#[utoipa::path(
    get, path = "/api/v1/handbook", tag = "handbook", operation_id = "list_handbook_documents",
    params(DocumentsQuery),
    responses((status = 200, body = Vec<HandbookDocumentLine>), ReadErrors),
)]
pub async fn list_documents(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<DocumentsQuery>,
) -> Result<Json<Vec<HandbookDocumentLine>>, WebError> {
    let rows = documents::list(&state.store, ctx.actor()?, &q).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| HandbookDocumentLine {
                id: d.id,
                community_id: d.community_id,
                category: d.category,
                title: d.title,
                published_on: d.published_on,
                on_notice_board: d.on_notice_board,
                version_no: d.version_no,
            })
            .collect(),
    ))
}

/// Writes a new handbook document (its first version).
#[utoipa::path(
    post, path = "/api/v1/handbook", tag = "handbook", operation_id = "create_handbook_document",
    request_body = DocumentInput,
    responses((status = 201, body = HandbookDocument, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_document(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Response, WebError> {
    let d = documents::create(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/handbook/{}", d.id), HandbookDocument::from(d)))
}

/// One document.
#[utoipa::path(
    get, path = "/api/v1/handbook/{id}", tag = "handbook", operation_id = "get_handbook_document",
    params(("id" = i64, Path, description = "HandbookDocument id")),
    responses((status = 200, body = HandbookDocument, headers(("ETag" = String, description = "The version; send it back as If-Match"))), ReadErrors),
)]
pub async fn get_document(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let d = documents::get(&state.store, ctx.actor()?, id).await?;
    Ok(with_etag(&etag_of(&d.updated_at), HandbookDocument::from(d)))
}

/// Saves a change as a new version (refused with 412 if the document changed since `If-Match`).
#[utoipa::path(
    patch, path = "/api/v1/handbook/{id}", tag = "handbook", operation_id = "update_handbook_document",
    params(
        ("id" = i64, Path, description = "HandbookDocument id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: the change is refused (412) if someone changed the document since"),
    ),
    request_body = DocumentInput,
    responses((status = 200, body = HandbookDocument, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<DocumentInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let d = documents::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    Ok(with_etag(&etag_of(&d.updated_at), HandbookDocument::from(d)))
}

/// One saved version of a document.
#[derive(Serialize, ToSchema)]
pub struct HandbookVersion {
    pub version_no: i32,
    pub category: String,
    pub title: String,
    pub body: String,
    pub published_on: Option<NaiveDate>,
    pub on_notice_board: bool,
    /// Who saved it (their display name).
    pub author: Option<String>,
    pub saved_at: chrono::DateTime<chrono::Utc>,
}

/// A document's versions, newest first: who saved what, and when.
#[utoipa::path(
    get, path = "/api/v1/handbook/{id}/versions", tag = "handbook", operation_id = "list_handbook_versions",
    params(("id" = i64, Path, description = "HandbookDocument id")),
    responses((status = 200, body = Vec<HandbookVersion>), ReadErrors),
)]
pub async fn list_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<HandbookVersion>>, WebError> {
    let rows = documents::versions(&state.store, ctx.actor()?, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|v| HandbookVersion {
                version_no: v.version.version_no,
                category: v.version.category,
                title: v.version.title,
                body: v.version.body,
                published_on: v.version.published_on,
                on_notice_board: v.version.on_notice_board,
                author: v.author,
                saved_at: v.version.saved_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier version's number.
    pub from: i32,
    /// The later version's number.
    pub to: i32,
}

/// The line diff between two versions.
#[derive(Serialize, ToSchema)]
pub struct HandbookDiff {
    pub from: i32,
    pub to: i32,
    pub lines: Vec<DiffLine>,
}

/// The line diff between two versions of a document (title, category, body).
#[utoipa::path(
    get, path = "/api/v1/handbook/{id}/diff", tag = "handbook", operation_id = "diff_handbook_versions",
    params(("id" = i64, Path, description = "HandbookDocument id"), DiffQuery),
    responses((status = 200, body = HandbookDiff), ReadErrors),
)]
pub async fn diff_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiParams(q): ApiParams<DiffQuery>,
) -> Result<Json<HandbookDiff>, WebError> {
    let d = documents::diff(&state.store, ctx.actor()?, id, q.from, q.to).await?;
    Ok(Json(HandbookDiff { from: d.from.version_no, to: d.to.version_no, lines: d.lines }))
}

// ---------------------------------------------------------------------------------------
// Partnership agreements

#[derive(Serialize, ToSchema)]
pub struct Partnership {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    /// One party per entry.
    pub parties: Vec<String>,
    pub signed_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub text: Option<String>,
    /// Today: in_force, expired or not_yet.
    pub state: PartnershipState,
    /// The scan's type and size, once one is attached.
    pub scan_type: Option<String>,
    pub scan_size: Option<i64>,
}

impl From<partnership::Model> for Partnership {
    fn from(p: partnership::Model) -> Partnership {
        Partnership {
            state: partnerships::state(&p, chrono::Local::now().date_naive()),
            id: p.id,
            community_id: p.community_id,
            title: p.title,
            parties: p.parties.lines().map(str::to_owned).collect(),
            signed_on: p.signed_on,
            valid_until: p.valid_until,
            text: p.text,
            scan_type: p.scan_type,
            scan_size: p.scan_size,
        }
    }
}

/// Partnership agreements, newest signed first.
#[utoipa::path(
    get, path = "/api/v1/partnerships", tag = "partnerships", operation_id = "list_partnerships",
    responses((status = 200, body = Vec<Partnership>), ReadErrors),
)]
pub async fn list_partnerships(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Partnership>>, WebError> {
    let rows = partnerships::list(&state.store, ctx.actor()?).await?;
    Ok(Json(rows.into_iter().map(Partnership::from).collect()))
}

/// Records a partnership agreement (its scan is `PUT` separately).
#[utoipa::path(
    post, path = "/api/v1/partnerships", tag = "partnerships", operation_id = "create_partnership",
    request_body = PartnershipInput,
    responses((status = 201, body = Partnership, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_partnership(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<PartnershipInput>,
) -> Result<Response, WebError> {
    let p = partnerships::create(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/partnerships/{}", p.id), Partnership::from(p)))
}

/// One partnership agreement.
#[utoipa::path(
    get, path = "/api/v1/partnerships/{id}", tag = "partnerships", operation_id = "get_partnership",
    params(("id" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = Partnership, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_partnership(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let p = partnerships::get(&state.store, ctx.actor()?, id).await?;
    Ok(with_etag(&etag_of(&p.updated_at), Partnership::from(p)))
}

/// Changes a partnership agreement.
#[utoipa::path(
    patch, path = "/api/v1/partnerships/{id}", tag = "partnerships", operation_id = "update_partnership",
    params(("id" = i64, Path, description = "Agreement id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = PartnershipInput,
    responses((status = 200, body = Partnership, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_partnership(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<PartnershipInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let p = partnerships::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    Ok(with_etag(&etag_of(&p.updated_at), Partnership::from(p)))
}

/// The agreement's scan, as a download.
#[utoipa::path(
    get, path = "/api/v1/partnerships/{id}/scan", tag = "partnerships", operation_id = "get_partnership_scan",
    params(("id" = i64, Path, description = "Agreement id")),
    responses(
        (status = 200, description = "The scan, as an attachment, in the type its content has",
         content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        ReadErrors,
    ),
)]
pub async fn get_scan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    Ok(super::scans::download(partnerships::scan(&state.store, ctx.actor()?, id).await?))
}

/// Attaches (or replaces) the agreement's scan: the body is the file, at most 5 MB, and must
/// be a PDF, JPEG or PNG by its content (its name and `Content-Type` are not trusted).
#[utoipa::path(
    put, path = "/api/v1/partnerships/{id}/scan", tag = "partnerships", operation_id = "put_partnership_scan",
    params(("id" = i64, Path, description = "Agreement id"), ScanQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, body = Partnership), WriteErrors),
)]
pub async fn put_scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiParams(q): ApiParams<ScanQuery>,
    req: Request,
) -> Result<Json<Partnership>, WebError> {
    let actor = ctx.actor()?;
    let bytes = super::scans::body(req, async {
        partnerships::get(&state.store, actor, id).await.map(|_| ()).map_err(WebError::from)
    })
    .await?;
    let p = partnerships::attach_scan(&state.store, actor, id, q.file_name.as_deref(), bytes).await?;
    Ok(Json(Partnership::from(p)))
}
