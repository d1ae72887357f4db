//! `/api/v1/communities`: the communities the caller may see; admins create them.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use hearth_core::entity::community;
use hearth_core::registry::communities::{self, CommunityInput};
use serde::Serialize;
use utoipa::ToSchema;

use super::created;
use super::json::{ApiJson, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

/// A community as the API shows it: the record itself.
pub type Community = community::Model;

#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    pub items: Vec<Community>,
}

/// Communities the caller may see (admins: all).
#[utoipa::path(
    get, path = "/api/v1/communities", tag = "communities", operation_id = "list_communities",
    responses((status = 200, body = CommunityList), ReadErrors),
)]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<CommunityList>, WebError> {
    let actor = ctx.actor()?;
    let items = communities::list(&state.store, actor).await?;
    Ok(Json(CommunityList { items: items.into_iter().collect() }))
}

/// Creates a community (admins only).
#[utoipa::path(
    post, path = "/api/v1/communities", tag = "communities", operation_id = "create_community",
    request_body = CommunityInput,
    responses((status = 201, body = Community, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<CommunityInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let c = communities::create(&state.store, actor, input).await?;
    let location = format!("/api/v1/communities/{}", c.slug);
    Ok(created(&location, c))
}

/// One community, by slug.
#[utoipa::path(
    get, path = "/api/v1/communities/{slug}", tag = "communities", operation_id = "get_community",
    params(("slug" = String, Path, description = "The community's slug")),
    responses((status = 200, body = Community), ReadErrors),
)]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Json<Community>, WebError> {
    let actor = ctx.actor()?;
    let c = communities::by_slug(&state.store, actor, &slug).await?;
    Ok(Json(c))
}
