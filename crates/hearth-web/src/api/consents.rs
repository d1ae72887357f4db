//! Consent records: `/api/v1/households/{id}/consents`, `/api/v1/consents/{id}` and its
//! withdrawal. Withdrawal adds a date; nothing is deleted.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use hearth_core::entity::consent;
use hearth_core::registry::consent as consents;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::created;
use super::json::{ApiJson, Id, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

/// A consent record as the API shows it: the record itself.
pub type Consent = consent::Model;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// `YYYY-MM-DD`, not before the consent was given and not in the future.
    #[schema(required = true, value_type = String, format = Date, example = "2025-01-31")]
    pub withdrawn_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentList {
    /// Newest first.
    pub items: Vec<Consent>,
}

/// The household's consent records, newest first.
#[utoipa::path(
    get, path = "/api/v1/households/{id}/consents", tag = "consents", operation_id = "list_household_consents",
    params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = ConsentList), ReadErrors),
)]
pub async fn list(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<ConsentList>, WebError> {
    let actor = ctx.actor()?;
    // Reading a household's consent is a read of the household (audited by the core).
    let items = consents::list(&state.store, actor, id).await?;
    Ok(Json(ConsentList { items: items.into_iter().collect() }))
}

/// Records consent for a household.
#[utoipa::path(
    post, path = "/api/v1/households/{id}/consents", tag = "consents", operation_id = "create_consent",
    params(("id" = i64, Path, description = "Household id")), request_body = consents::ConsentInput,
    responses((status = 201, body = Consent, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<consents::ConsentInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let c = consents::create(&state.store, actor, id, input).await?;
    Ok(created(&format!("/api/v1/consents/{}", c.id), c))
}

/// One consent record.
#[utoipa::path(
    get, path = "/api/v1/consents/{id}", tag = "consents", operation_id = "get_consent",
    params(("id" = i64, Path, description = "Consent id")),
    responses((status = 200, body = Consent), ReadErrors),
)]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Consent>, WebError> {
    let actor = ctx.actor()?;
    let c = consents::get(&state.store, actor, id).await?;
    Ok(Json(c))
}

/// Withdraws consent as of a date.
#[utoipa::path(
    post, path = "/api/v1/consents/{id}/withdraw", tag = "consents", operation_id = "withdraw_consent",
    params(("id" = i64, Path, description = "Consent id")), request_body = Withdrawal,
    responses((status = 200, body = Consent), WriteErrors),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<Json<Consent>, WebError> {
    let actor = ctx.actor()?;
    let c = consents::withdraw(&state.store, actor, id, body.withdrawn_on.as_deref()).await?;
    Ok(Json(c))
}
