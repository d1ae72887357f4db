//! `/api/v1/helpers`, `/api/v1/pairs/…`: helpers, pairs with where each stands in its contact
//! cadence, ending and reassigning a pair, and the contacts made on it (with the needs found,
//! which open follow-ups). Volunteers reach only their own pairs; anything else is 404.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use hearth_core::entity::{helper, pair_contact};
use hearth_core::pairs::Standing;
use hearth_core::pairs::contacts::{self, ContactInput};
use hearth_core::pairs::helpers::{self, HelperInput};
use hearth_core::pairs::records::{self, EndInput, PairInput, PairLine};
use hearth_core::word::Word;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiParams, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_helpers, create_helper))
        .routes(routes!(list_pairs, create_pair))
        .routes(routes!(get_pair))
        .routes(routes!(end_pair))
        .routes(routes!(list_pair_contacts, add_pair_contact))
}

#[derive(Serialize, ToSchema)]
pub struct Helper {
    pub id: i64,
    pub community_id: i64,
    /// team_member, volunteer, partner_member, neighbour
    pub kind: String,
    /// The name a worker knows the helper by.
    pub name: String,
    pub user_id: Option<i64>,
    pub organisation: Option<String>,
    pub phone: Option<String>,
    pub household_id: Option<i64>,
    pub active: bool,
}

fn helper_out(h: helper::Model, name: String) -> Helper {
    Helper {
        id: h.id,
        community_id: h.community_id,
        kind: h.kind.word(),
        name,
        user_id: h.user_id,
        organisation: h.organisation,
        phone: h.phone,
        household_id: h.household_id,
        active: h.active,
    }
}

/// The helpers of the caller's communities (a volunteer: themselves).
#[utoipa::path(
    get, path = "/api/v1/helpers", tag = "pairs", operation_id = "list_helpers",
    responses((status = 200, body = Vec<Helper>), ReadErrors),
)]
pub async fn list_helpers(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Helper>>, WebError> {
    let rows = helpers::list(&state.store, ctx.actor()?, false).await?;
    Ok(Json(rows.into_iter().map(|l| helper_out(l.helper, l.name)).collect()))
}

/// Adds a helper (coordinators).
#[utoipa::path(
    post, path = "/api/v1/helpers", tag = "pairs", operation_id = "create_helper", request_body = HelperInput,
    responses((status = 201, body = Helper, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_helper(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<HelperInput>,
) -> Result<Response, WebError> {
    let h = helpers::create(&state.store, ctx.actor()?, input).await?;
    let name = helpers::names(&state.store, std::slice::from_ref(&h)).await?.remove(&h.id).unwrap_or_default();
    Ok(created("/api/v1/helpers", helper_out(h, name)))
}

#[derive(Serialize, ToSchema)]
pub struct Pair {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub household_code: String,
    pub helper_id: i64,
    pub helper_name: String,
    pub purpose: Option<String>,
    /// weekly, fortnightly, monthly
    pub cadence: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// Where it stands today: the current window, due, whole windows missed in a row.
    pub standing: Standing,
    pub contacts_reached: u64,
    pub contacts_attempted: u64,
}

fn pair_out(l: PairLine) -> Pair {
    let p = l.pair;
    Pair {
        id: p.id,
        community_id: p.community_id,
        household_id: p.household_id,
        household_code: l.household_code,
        helper_id: p.helper_id,
        helper_name: l.helper,
        purpose: p.purpose,
        cadence: p.cadence.word(),
        started_on: p.started_on,
        ended_on: p.ended_on,
        end_reason: p.end_reason,
        standing: l.standing,
        contacts_reached: l.contacts_reached,
        contacts_attempted: l.contacts_attempted,
    }
}

/// The pairs the caller may see, most windows missed first.
#[utoipa::path(
    get, path = "/api/v1/pairs", tag = "pairs", operation_id = "list_pairs", params(records::ListQuery),
    responses((status = 200, body = Vec<Pair>), ReadErrors),
)]
pub async fn list_pairs(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<records::ListQuery>,
) -> Result<Json<Vec<Pair>>, WebError> {
    Ok(Json(records::list(&state.store, ctx.actor()?, &q).await?.into_iter().map(pair_out).collect()))
}

/// Pairs a helper with a household (coordinators).
#[utoipa::path(
    post, path = "/api/v1/pairs", tag = "pairs", operation_id = "create_pair", request_body = PairInput,
    responses((status = 201, body = Pair, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<PairInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let p = records::create(&state.store, actor, input).await?;
    let out = pair_out(records::get(&state.store, actor, p.id).await?.line);
    Ok(created(&format!("/api/v1/pairs/{}", out.id), out))
}

/// One pair.
#[utoipa::path(
    get, path = "/api/v1/pairs/{id}", tag = "pairs", operation_id = "get_pair",
    params(("id" = i64, Path, description = "Pair id")),
    responses((status = 200, body = Pair, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_pair(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let d = records::get(&state.store, ctx.actor()?, id).await?;
    let version = hearth_core::version::of(&d.line.pair.updated_at);
    Ok(with_etag(&version, pair_out(d.line)))
}

/// Ends a pair, or reassigns it to another helper (`helper_id`): the pair ends on `on` and a
/// new one with the same purpose and cadence starts that day. Answers the pair that goes on.
#[utoipa::path(
    post, path = "/api/v1/pairs/{id}/end", tag = "pairs", operation_id = "end_pair",
    params(("id" = i64, Path, description = "Pair id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = EndInput,
    responses((status = 200, body = Pair, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn end_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<EndInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    input.version = if_match(&headers);
    let p = records::end(&state.store, actor, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&p.updated_at);
    Ok(with_etag(&version, pair_out(records::get(&state.store, actor, p.id).await?.line)))
}

#[derive(Serialize, ToSchema)]
pub struct PairContact {
    pub id: i64,
    pub pair_id: i64,
    pub household_id: i64,
    pub contacted_on: NaiveDate,
    /// visit, phone, message
    pub mode: String,
    /// Someone was reached (false: an attempt).
    pub reached: bool,
    pub note: Option<String>,
    /// Follow-ups opened for the needs found (when recorded; empty in lists).
    pub follow_up_ids: Vec<i64>,
}

fn contact_out(c: pair_contact::Model, note: Option<String>, follow_up_ids: Vec<i64>) -> PairContact {
    PairContact {
        id: c.id,
        pair_id: c.pair_id,
        household_id: c.household_id,
        contacted_on: c.contacted_on,
        mode: c.mode.word(),
        reached: c.reached,
        note,
        follow_up_ids,
    }
}

/// A pair's contacts, newest first.
#[utoipa::path(
    get, path = "/api/v1/pairs/{id}/contacts", tag = "pairs", operation_id = "list_pair_contacts",
    params(("id" = i64, Path, description = "Pair id")),
    responses((status = 200, body = Vec<PairContact>), ReadErrors),
)]
pub async fn list_pair_contacts(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<PairContact>>, WebError> {
    let d = records::get(&state.store, ctx.actor()?, id).await?;
    Ok(Json(d.contacts.into_iter().map(|(c, note, _)| contact_out(c, note, Vec::new())).collect()))
}

/// Records a contact (reached, or an attempt) with its note and the needs found.
#[utoipa::path(
    post, path = "/api/v1/pairs/{id}/contacts", tag = "pairs", operation_id = "add_pair_contact",
    params(("id" = i64, Path, description = "Pair id")),
    request_body = ContactInput,
    responses((status = 201, body = PairContact, headers(("Location" = String))), WriteErrors),
)]
pub async fn add_pair_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, WebError> {
    let r = contacts::record(&state.store, ctx.actor()?, id, input).await?;
    let ids = r.follow_ups.iter().map(|f| f.id).collect();
    Ok(created(&format!("/api/v1/pairs/{id}/contacts"), contact_out(r.contact, r.note, ids)))
}
