//! `/api/v1/households`: list (keyset pages, filters), create, read, partial update.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use hearth_core::entity::household;
use hearth_core::registry::{communities, households, residents};
use hearth_core::{Actor, Store};
use serde::Serialize;
use utoipa::ToSchema;

use super::created;
use super::json::{
    ApiJson, ApiParams, Id, Page, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag,
};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use axum::http::HeaderMap;

/// A household as the API shows it: the record, its community's slug and its members' names.
#[derive(Serialize, ToSchema)]
pub struct Household {
    #[serde(flatten)]
    pub household: household::Model,
    /// The community's slug.
    pub community: String,
    /// Names of the household's residents, oldest record first.
    pub member_names: Vec<String>,
}

impl Household {
    fn new(household: household::Model, community: String, member_names: Vec<String>) -> Household {
        Household { household, community, member_names }
    }

    /// The DTO for one household the caller has already been allowed to see.
    async fn load(store: &Store, actor: &Actor, h: household::Model) -> Result<Self, WebError> {
        let slug = communities::get(store, actor, h.community_id).await?.slug;
        let members = residents::of_household(store, actor, &h).await?.into_iter().map(|r| r.full_name).collect();
        Ok(Household::new(h, slug, members))
    }
}

/// Households the caller may see, by ascending id.
#[utoipa::path(
    get, path = "/api/v1/households", tag = "households", operation_id = "list_households",
    params(households::ListQuery),
    responses((status = 200, body = Page<Household>), ReadErrors),
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<households::ListQuery>,
) -> Result<Json<Page<Household>>, WebError> {
    let actor = ctx.actor()?;
    let page = households::list(&state.store, actor, &q).await?;
    Ok(Json(Page::of(page, |row| Household::new(row.household, row.community_slug, row.members))))
}

/// Creates a household.
#[utoipa::path(
    post, path = "/api/v1/households", tag = "households", operation_id = "create_household",
    request_body = households::HouseholdInput,
    responses((status = 201, body = Household, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<households::HouseholdInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let h = households::create(&state.store, actor, input).await?;
    let out = Household::load(&state.store, actor, h).await?;
    Ok(created(&format!("/api/v1/households/{}", out.household.id), out))
}

/// One household (the read is audited).
#[utoipa::path(
    get, path = "/api/v1/households/{id}", tag = "households", operation_id = "get_household",
    params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = Household, headers(("ETag" = String, description = "The version; send it back as If-Match"))), ReadErrors),
)]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let h = households::get(&state.store, actor, id).await?;
    let version = hearth_core::version::of(&h.updated_at);
    Ok(with_etag(&version, Household::load(&state.store, actor, h).await?))
}

/// Changes some fields of a household.
#[utoipa::path(
    patch, path = "/api/v1/households/{id}", tag = "households", operation_id = "update_household",
    params(
        ("id" = i64, Path, description = "Household id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: the change is refused (412) if someone changed the household since"),
    ),
    request_body = households::HouseholdChanges,
    responses((status = 200, body = Household, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(changes): ApiJson<households::HouseholdChanges>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let mut input = changes.into_input();
    input.expected_version = if_match(&headers);
    let h = households::update(&state.store, actor, id, input).await.map_err(stale_is_412)?;
    let version = hearth_core::version::of(&h.updated_at);
    Ok(with_etag(&version, Household::load(&state.store, actor, h).await?))
}
